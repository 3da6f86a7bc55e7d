"""One migrated database per module and backend for the traceability tests (speed); every test still gets
its own session whose work is rolled back at the end (the tests here never commit)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

import calib_service.models  # noqa: F401  (first: importing services.equipment first is circular, see report)
from calib_service.db import ensure_schema, make_engine
from tests.conftest import BACKENDS, PG_URL, _pg_schema_url


@pytest.fixture(scope="module", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of an empty database shared by the tests of one module."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('trace') / 'calib.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine shared by the module."""
    eng = make_engine(db_url)
    ensure_schema(eng)
    try:
        yield eng
    finally:
        eng.dispose()
