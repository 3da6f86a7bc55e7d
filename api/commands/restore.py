"""``calib restore FILE``: restore a backup and verify the audit chain against the anchor beside it.

Restoring over a database that has users needs an admin token of that database and ``--force``;
restoring into an empty database needs neither (as when rebuilding a server).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

from api.commands._common import add_database_option, open_database
from api.commands.users import add_token_option, signed_in_user
from calib_service.db import make_session_factory
from calib_service.records.backup import restore
from calib_service.records.permissions import require

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``restore`` verb."""
    p = sub.add_parser("restore", help="restore a backup, then verify the audit chain against its anchor")
    p.add_argument("file", type=Path)
    p.add_argument("--force", action="store_true", help="replace a database that already holds data")
    p.add_argument("--anchor", type=Path, default=None, help="anchor file (default: FILE.anchor.json)")
    add_database_option(p)
    add_token_option(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    engine = open_database(args, upgrade=False)
    try:
        return _restore(args, engine)
    finally:
        engine.dispose()


def _restore(args: argparse.Namespace, engine: Engine) -> int:
    if "app_user" in inspect(engine).get_table_names():
        with make_session_factory(engine)() as session:
            from calib_service.records.users import count_users

            if count_users(session=session) > 0:
                user = signed_in_user(args, session)
                assert user is not None
                require(user, "backup")
    report = restore(engine, args.file, force=args.force, anchor=args.anchor)
    print(f"restored {args.file}")
    print(report.summary())
    for problem in report.problems[:20]:
        print(f"  event {problem.seq}: {problem.message}")
    return 0 if report.ok else 1
