"""``calib db upgrade|current``: schema migrations."""

from __future__ import annotations

import argparse
from typing import Any

from api.commands._common import add_database_option

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``db`` verb."""
    p = sub.add_parser("db", help="database schema: upgrade to the current version, or show it")
    add_database_option(p)
    p.add_argument("action", choices=["upgrade", "current"], help="upgrade: migrate to head; current: show")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from calib_service.db import current_revision, ensure_schema, head_revision, make_engine
    from calib_service.settings import Settings

    engine = make_engine(args.database or Settings.from_env().database_url)
    shown = engine.url.render_as_string(hide_password=True)
    if args.action == "upgrade":
        changed = ensure_schema(engine)
        print(f"{shown}: {'upgraded to' if changed else 'already at'} revision {head_revision()}")
    else:
        print(f"{shown}: revision {current_revision(engine) or '(empty)'}; head is {head_revision()}")
    return 0
