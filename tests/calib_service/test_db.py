"""Database set-up: migrations agree with the models, SQLite pragmas, UTC times, bad URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calib_service.db import current_revision, ensure_schema, head_revision, make_engine
from calib_service.errors import DatabaseError
from calib_service.models import Base, Customer, Equipment


def test_migrations_match_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_ensure_schema_is_idempotent(engine: Engine) -> None:
    assert ensure_schema(engine) is False


def test_times_are_utc_aware(session: Session) -> None:
    local = datetime(2026, 5, 20, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    customer = Customer(name="重庆某水务公司", created_at=local)
    session.add(customer)
    session.commit()
    session.expire_all()
    loaded = session.get(Customer, customer.id)
    assert loaded is not None
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at == datetime(2026, 5, 20, 1, 30, tzinfo=UTC)


def test_naive_time_refused(session: Session) -> None:
    session.add(Customer(name="naive", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_foreign_keys_enforced(session: Session) -> None:
    session.add(Equipment(kind="dut", family="water", description="meter", serial="X1", owner_id=999_999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_sqlite_runs_in_wal(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    eng.dispose()


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "invalid database URL"),
        ("sqlite:////no/such/folder/calib.db", "does not exist"),
        ("nosuchdb://x/y", "cannot use database"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot connect to database"),
    ],
)
def test_bad_urls_say_why(url: str, fragment: str) -> None:
    with pytest.raises(DatabaseError, match=fragment):
        make_engine(url)


def test_foreign_database_refused(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE something_else (id INTEGER)"))
    with pytest.raises(DatabaseError, match="no calib-service schema version"):
        ensure_schema(eng)
    eng.dispose()
