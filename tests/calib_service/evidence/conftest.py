"""A seeded demo year (January to May 2026) shared by the evidence tests of one module, per backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from calib_service.db import ensure_schema, make_engine, make_session_factory
from calib_service.evidence import SeedSummary, seed_demo_year
from tests.conftest import BACKENDS, PG_URL, _pg_schema_url

AS_OF = date(2026, 5, 31)


@dataclass
class Seeded:
    """The seeded database."""

    engine: Engine
    factory: sessionmaker[Session]
    summary: SeedSummary
    data_dir: Path


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """One calibration a month (pass, pass, pass, calibration, fail), activities, quality records, plan."""
    base = tmp_path_factory.mktemp("evidence")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{base / 'calib.db'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url = _pg_schema_url(schema)
    engine = make_engine(url)
    ensure_schema(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        summary = seed_demo_year(
            session=session, year=2026, as_of=AS_OF, calibrations_per_month=1, data_dir=base / "store"
        )
        session.commit()
    try:
        yield Seeded(engine, factory, summary, base / "store")
    finally:
        engine.dispose()
        if schema is not None:
            admin = create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
