"""``calib backup FILE``: consistent snapshot (SQLite backup API, or pg_dump) with the audit head beside it.

Needs an admin identity (a backup holds every customer's data). Writes ``FILE`` and
``FILE.anchor.json`` (chain head, sha256 of FILE); the backup is recorded in the audit log afterwards.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from api.commands._common import add_database_option, open_database
from api.commands.users import add_token_option, signed_in_user
from calib_service.db import make_session_factory
from calib_service.records import audit, commit
from calib_service.records.backup import backup
from calib_service.records.permissions import require

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``backup`` verb."""
    p = sub.add_parser("backup", help="back up the database (anchor of the audit chain written beside it)")
    p.add_argument("file", type=Path)
    p.add_argument("--overwrite", action="store_true", help="replace an existing backup file")
    add_database_option(p)
    add_token_option(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        return _backup(args, engine)
    finally:
        engine.dispose()


def _backup(args: argparse.Namespace, engine: Engine) -> int:
    factory = make_session_factory(engine)
    with factory() as session:
        user = signed_in_user(args, session)
        assert user is not None
        require(user, "backup")
    result = backup(engine, args.file, overwrite=args.overwrite)
    with factory() as session:
        audit.set_actor(session, user.username)
        audit.append(
            session=session,
            actor=user.username,
            action="backup.created",
            entity="backup",
            entity_id=result.path.name,
            state={
                "sha256": result.sha256,
                "head_seq": result.head.seq,
                "head_hash": result.head.hash,
                "backend": result.backend,
            },
        )
        commit(session)
    print(f"backup {result.path} ({result.backend}, sha256 {result.sha256})")
    print(f"audit head seq {result.head.seq} anchored in {result.anchor_path}")
    return 0
