"""One module per ``calib`` verb; each exposes ``register(subparsers)``."""
