"""Users and tokens, job intake, attachments, inspector search/export, SQLite busy handling, validation."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from calib_service.db import make_session_factory
from calib_service.errors import (
    AuthenticationError,
    ConflictError,
    IntegrityCheckError,
    NotFoundError,
    PermissionDenied,
    RecordValidationError,
)
from calib_service.models import Customer
from calib_service.records import (
    ItemReceived,
    RecordQuery,
    audit,
    authenticate_password,
    authenticate_token,
    commit,
    create_job,
    create_user,
    export_records,
    issue_token,
    open_calibration,
    read_attachment,
    revoke_token,
    search_records,
    set_password,
    store_attachment,
)
from calib_service.records.validation import run_validation
from calib_service.services.calibrations import ensure_procedure
from tests.calib_service.records.conftest import PROC, T0, Staff, make_calibration


def test_passwords_and_tokens(session: Session, staff: Staff) -> None:
    assert (
        authenticate_password(session=session, username="admin", password="correct horse 1").id
        == staff.admin.id
    )
    for name, pw in (("admin", "wrong"), ("nobody", "correct horse 1"), ("tech", "anything at all")):
        with pytest.raises(AuthenticationError, match="wrong username or password"):
            authenticate_password(session=session, username=name, password=pw)
    assert staff.admin.password_hash and staff.admin.password_hash.startswith("$argon2id$")
    with pytest.raises(RecordValidationError, match="too short"):
        set_password(session=session, actor=staff.tech, user=staff.tech, password="short")
    with pytest.raises(PermissionDenied):
        set_password(session=session, actor=staff.tech, user=staff.reviewer, password="long enough pw")
    issued = issue_token(session=session, actor=staff.admin, user=staff.tech, now=T0, days=1)
    assert issued.token.token_sha256 != issued.secret and issued.secret not in issued.token.prefix + "…"
    assert (
        authenticate_token(session=session, secret=issued.secret, now=T0 + timedelta(hours=23)).id
        == staff.tech.id
    )
    with pytest.raises(AuthenticationError, match="expired"):
        authenticate_token(session=session, secret=issued.secret, now=T0 + timedelta(days=1, seconds=1))
    with pytest.raises(PermissionDenied):
        issue_token(session=session, actor=staff.tech, user=staff.reviewer, now=T0)
    with pytest.raises(RecordValidationError, match="days"):
        issue_token(session=session, actor=staff.admin, user=staff.tech, now=T0, days=1000)
    with pytest.raises(PermissionDenied):
        revoke_token(session=session, actor=staff.reviewer, token_id=issued.token.id, now=T0)
    revoke_token(session=session, actor=staff.tech, token_id=issued.token.id, now=T0)
    with pytest.raises(AuthenticationError, match="revoked"):
        authenticate_token(session=session, secret=issued.secret, now=T0)
    staff.tech.active = False
    other = issue_token(session=session, actor=staff.admin, user=staff.reviewer, now=T0)
    with pytest.raises(RecordValidationError, match="inactive"):
        issue_token(session=session, actor=staff.admin, user=staff.tech, now=T0)
    assert authenticate_token(session=session, secret=other.secret, now=T0).username == "rev"


def test_user_creation_rules(session: Session, staff: Staff) -> None:
    with pytest.raises(AuthenticationError, match="users already exist"):
        create_user(session=session, actor=None, username="intruder", roles="admin")
    with pytest.raises(PermissionDenied):
        create_user(session=session, actor=staff.manager, username="newbie", roles="technician")
    with pytest.raises(RecordValidationError, match="unknown role"):
        create_user(session=session, actor=staff.admin, username="newbie", roles="wizard")
    with pytest.raises(RecordValidationError, match="already taken"):
        create_user(session=session, actor=staff.admin, username="tech", roles="technician")
    with pytest.raises(RecordValidationError, match="not allowed"):
        create_user(session=session, actor=staff.admin, username="a b", roles="technician")


def _job(session: Session, staff: Staff, **kw: object) -> object:
    args: dict[str, object] = {
        "session": session,
        "actor": staff.tech,
        "customer_name": "重庆某燃气公司",
        "service_requested": "verification of gas meters",
        "received_at": T0,
        "agreed_due_date": date(2026, 6, 10),
        "items": [
            ItemReceived("gas", "膜式燃气表", "G-1", "case scratched, seal intact", manufacturer="ACME")
        ],
    }
    args.update(kw)
    return create_job(**args)  # type: ignore[arg-type]


def test_job_intake(session: Session, staff: Staff) -> None:
    job = _job(session, staff, decision_rule="guard")
    assert job.number == f"JOB-2026-{job.id:06d}"  # type: ignore[attr-defined]
    assert job.items[0].condition_on_receipt == "case scratched, seal intact"  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        _job(session, staff, actor=staff.auditor)
    with pytest.raises(RecordValidationError, match="before receipt"):
        _job(session, staff, agreed_due_date=date(2026, 5, 1))
    with pytest.raises(RecordValidationError, match="condition on receipt"):
        _job(session, staff, items=[ItemReceived("gas", "meter", "G-2", " ")])
    with pytest.raises(RecordValidationError, match="decision rule"):
        _job(session, staff, decision_rule="lenient")
    with pytest.raises(RecordValidationError, match="at least one item"):
        _job(session, staff, items=[])
    ensure_procedure(
        session=session,
        code=PROC,
        title_zh="x",
        title_en="x",
        kind="verification",
        family="gas",
        data_version="1",
    )
    cal = open_calibration(
        session=session,
        actor=staff.tech,
        job_id=job.id,
        item_seq=1,  # type: ignore[attr-defined]
        procedure_code=PROC,
        now=T0,
    )
    assert (cal.status, cal.job_id, cal.decision_rule, cal.technician_id) == (
        "draft",
        job.id,
        "guard",
        staff.tech.id,
    )  # type: ignore[attr-defined]
    with pytest.raises(NotFoundError, match="no item 2"):
        open_calibration(
            session=session,
            actor=staff.tech,
            job_id=job.id,
            item_seq=2,  # type: ignore[attr-defined]
            procedure_code=PROC,
            now=T0,
        )


def test_attachments_content_addressed_and_checked(session: Session, staff: Staff, tmp_path: Path) -> None:
    cal = make_calibration(session, staff.tech)
    a = store_attachment(
        session=session,
        actor=staff.tech,
        data_dir=tmp_path,
        entity="calibration",
        entity_id=cal.id,
        filename="../../scan.pdf",
        content=b"scan",
    )
    b = store_attachment(
        session=session,
        actor=staff.reviewer,
        data_dir=tmp_path,
        entity="calibration",
        entity_id=cal.id,
        filename="copy.pdf",
        content=b"scan",
    )
    assert a.sha256 == b.sha256 and a.filename == "scan.pdf"  # path parts stripped; one stored copy
    assert len(list((tmp_path / "attachments").rglob("*"))) == 2  # one folder, one file
    assert read_attachment(session=session, data_dir=tmp_path, attachment_id=a.id).content == b"scan"
    with pytest.raises(PermissionDenied):
        store_attachment(
            session=session,
            actor=staff.auditor,
            data_dir=tmp_path,
            entity="calibration",
            entity_id=cal.id,
            filename="x",
            content=b"x",
        )
    with pytest.raises(NotFoundError):
        store_attachment(
            session=session,
            actor=staff.tech,
            data_dir=tmp_path,
            entity="job",
            entity_id=999,
            filename="x",
            content=b"x",
        )
    (tmp_path / "attachments" / a.sha256[:2] / a.sha256).write_bytes(b"scam")
    with pytest.raises(IntegrityCheckError, match="altered"):
        read_attachment(session=session, data_dir=tmp_path, attachment_id=a.id)
    (tmp_path / "attachments" / a.sha256[:2] / a.sha256).unlink()
    with pytest.raises(IntegrityCheckError, match="missing"):
        read_attachment(session=session, data_dir=tmp_path, attachment_id=b.id)


def test_search_and_export(session: Session, staff: Staff) -> None:
    c1 = make_calibration(session, staff.tech, "ABC-1")
    c2 = make_calibration(session, staff.tech2, "XYZ-2")
    session.flush()
    rows, total = search_records(session=session, query=RecordQuery(technician="tech2"))
    assert total == 1 and rows[0]["id"] == c2.id
    rows, total = search_records(session=session, query=RecordQuery(device="abc"))
    assert total == 1 and rows[0]["dut_serial"] == "ABC-1"
    assert (
        search_records(
            session=session, query=RecordQuery(date_from=date(2026, 6, 1), date_to=date(2026, 6, 1))
        )[1]
        == 2
    )
    assert search_records(session=session, query=RecordQuery(date_from=date(2026, 6, 2)))[1] == 0
    assert search_records(session=session, query=RecordQuery(device="%"))[1] == 0  # wildcards are literal
    with pytest.raises(RecordValidationError, match="reversed"):
        search_records(
            session=session, query=RecordQuery(date_from=date(2026, 7, 1), date_to=date(2026, 6, 1))
        )
    text = export_records(session=session, query=RecordQuery(), fmt="csv")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["number"] for r in parsed] == [c1.number, c2.number] and parsed[1]["technician"] == "tech2"
    body = json.loads(export_records(session=session, query=RecordQuery(), fmt="json"))
    assert body["total"] == 2 and body["records"][0]["started_at"].startswith("2026-06-01T08:00:00")


@pytest.mark.sqlite_only  # SQLite's writer lock; PostgreSQL's concurrency has its own test
def test_sqlite_busy_becomes_conflict(engine: Engine, staff: Staff) -> None:
    path = engine.url.database
    assert path
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the writer lock
    try:
        with make_session_factory(engine)() as s:
            s.connection().exec_driver_sql("PRAGMA busy_timeout=50")
            audit.set_actor(s, "tech")
            s.add(Customer(name="waiting"))
            with pytest.raises(ConflictError, match="busy"):
                commit(s)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_validation_report_is_hashed(tmp_path: Path) -> None:
    vectors = Path(__file__).resolve().parents[2] / "instruments" / "data" / "protocol_vectors.json"
    report = run_validation(run_at=T0, vectors_path=vectors if vectors.exists() else None)
    decisions = [r for r in report.results if r.suite == "decision"]
    assert len(decisions) == 12 and all(r.status == "pass" for r in decisions)
    assert all(len(r.sha256) == 64 for r in report.results)
    sha = report.write(tmp_path / "v.json")
    assert (
        len(sha) == 64
        and json.loads((tmp_path / "v.json").read_text())["results_sha256"] == report.results_sha256
    )
    missing = run_validation(run_at=T0, vectors_path=tmp_path / "none.json")
    assert [r.status for r in missing.results if r.suite == "protocol"] == ["missing"]
