"""``calib serve``: the HTTP API (uvicorn) over the configured database."""

from __future__ import annotations

import argparse
from typing import Any

from api.commands._common import add_database_option

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``serve`` verb."""
    p = sub.add_parser("serve", help="serve the HTTP API (OpenAPI UI at /docs)")
    add_database_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.commands._common import open_database

    engine = open_database(args)
    print(f"calib serve: http://{args.host}:{args.port}/docs", flush=True)
    uvicorn.run(create_app(engine), host=args.host, port=args.port, log_level="info")
    return 0
