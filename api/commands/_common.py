"""Helpers shared by the verbs: opening the database named by the environment or ``--database``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["add_database_option", "open_database"]


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database URL`` (default: ``CALIB_DATABASE_URL`` or ``sqlite:///./calib.db``)."""
    parser.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="SQLAlchemy database URL (default: $CALIB_DATABASE_URL or sqlite:///./calib.db)",
    )


def open_database(args: argparse.Namespace, *, upgrade: bool = True) -> Engine:
    """Engine for the chosen database; an empty database is upgraded to the current schema."""
    from calib_service.db import ensure_schema, make_engine
    from calib_service.settings import Settings

    url = getattr(args, "database", None) or Settings.from_env().database_url
    engine = make_engine(url)
    if upgrade and ensure_schema(engine):
        print(
            f"database schema created/upgraded at {engine.url.render_as_string(hide_password=True)}",
            file=sys.stderr,
        )
    return engine
