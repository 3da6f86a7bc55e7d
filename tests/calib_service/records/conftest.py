"""People, a procedure and a device under test for the records tests (both backends).

Migrating a fresh PostgreSQL schema per test is slow, so this folder migrates one database per backend
and module and empties every table (raw SQL, outside the audit hook) before each test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from calib_service.db import ensure_schema, make_engine
from calib_service.models import Base, Calibration, Equipment, Procedure, User
from calib_service.records import audit, create_user, grant_authorisation
from calib_service.records.users import use_password_hasher
from calib_service.services.calibrations import create_calibration, ensure_procedure, store_point
from calib_service.services.equipment import register_equipment
from tests.conftest import BACKENDS, PG_URL, _pg_schema_url

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=BACKENDS)
def module_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend for the whole module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('records') / 'calib.db'}"
        eng = make_engine(url)
        ensure_schema(eng)
        eng.dispose()
        yield url
        return
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = _pg_schema_url(schema)
    eng = make_engine(url)
    ensure_schema(eng)
    eng.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(autouse=True)
def cheap_argon2() -> Iterator[None]:
    """argon2id with small parameters: the production profile takes about a second per hash here."""
    previous = use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    use_password_hasher(previous)


def wipe(eng: Engine) -> None:
    """Empty every table of the models (bypassing the audit hook)."""
    with eng.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db_url(module_db: str) -> str:
    """The module's database URL (overrides the per-test database of the root conftest)."""
    return module_db


@pytest.fixture
def engine(module_db: str) -> Iterator[Engine]:
    """An engine on the module's database, emptied before the test."""
    eng = make_engine(module_db)
    wipe(eng)
    try:
        yield eng
    finally:
        eng.dispose()


PROC = "JJG 596-2012"


@dataclass
class Staff:
    admin: User
    tech: User
    tech2: User
    reviewer: User
    approver: User
    manager: User
    auditor: User
    all_rounder: User  # technician + reviewer + approver: four-eyes must still stop self-review


def make_staff(session: Session) -> Staff:
    # an admin may already exist (the API tests' all-roles tester); otherwise bootstrap one
    existing = session.scalars(select(User).where(User.roles.contains("admin"))).first()
    admin = create_user(
        session=session, actor=existing, username="admin", roles="admin", password="correct horse 1"
    )
    audit.set_actor(session, "admin")
    mk = lambda name, roles: create_user(session=session, actor=admin, username=name, roles=roles)  # noqa: E731
    staff = Staff(
        admin=admin,
        tech=mk("tech", "technician"),
        tech2=mk("tech2", "technician"),
        reviewer=mk("rev", "reviewer"),
        approver=mk("appr", "approver"),
        manager=mk("mgr", "manager"),
        auditor=mk("aud", "auditor"),
        all_rounder=mk("all", "technician,reviewer,approver"),
    )
    for t in (staff.tech, staff.tech2, staff.all_rounder):
        grant_authorisation(
            session=session,
            actor=staff.manager,
            user=t,
            procedure_code=PROC,
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31),
        )
    return staff


@pytest.fixture
def staff(session: Session) -> Staff:
    s = make_staff(session)
    session.commit()
    return s


def make_calibration(session: Session, technician: User, serial: str = "M-1") -> Calibration:
    proc: Procedure = ensure_procedure(
        session=session,
        code=PROC,
        title_zh="电能表",
        title_en="Electricity meters",
        kind="verification",
        family="electricity",
        data_version="1",
    )
    dut: Equipment = register_equipment(
        session=session, kind="dut", family="electricity", description="meter", serial=serial
    )
    cal = create_calibration(session=session, procedure=proc, dut=dut, started_at=T0, technician=technician)
    store_point(
        session=session,
        calibration_id=cal.id,
        seq=1,
        label="Imax",
        error=0.1,
        error_unit="%",
        expanded_uncertainty=0.05,
        coverage_factor=2.0,
        mpe=1.0,
        decision="pass",
    )
    session.flush()
    return cal
