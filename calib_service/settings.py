"""Settings read from the environment (only the edges call :func:`Settings.from_env`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///./calib.db"


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the service.

    Attributes:
        database_url: SQLAlchemy URL; SQLite file by default, PostgreSQL with
            ``postgresql+psycopg://user@host:5432/db``.
        timezone: zone in which times are shown (stored times are UTC).
        data_dir: where content-addressed files (certificate scans, attachments) are kept.
    """

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Shanghai"
    data_dir: Path = Path("./calib-data")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``CALIB_*`` environment variables."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("CALIB_DATABASE_URL", DEFAULT_DATABASE_URL),
            timezone=env.get("CALIB_TIMEZONE", "Asia/Shanghai"),
            data_dir=Path(env.get("CALIB_DATA_DIR", "./calib-data")),
        )
