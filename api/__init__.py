"""HTTP API, web pages and the ``calib`` command line (the top layer)."""
