"""The records verbs through ``api.cli.main``: bootstrap and tokens, roles, ``audit verify`` finding direct
UPDATE/DELETE, backup/restore round trips (SQLite backup API; pg_dump/pg_restore), ``validate``."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from api.cli import main
from calib_service.db import ensure_schema, make_engine, make_session_factory
from calib_service.models import Base
from calib_service.records import audit
from tests.calib_service.records import conftest as records_conftest
from tests.calib_service.records.conftest import make_calibration, make_staff

# one migrated database per backend for the module, emptied before each test (fast on PostgreSQL)
module_db = records_conftest.module_db
db_url = records_conftest.db_url
engine = records_conftest.engine

ADMIN_PW = "admin-password-1"


def _calib(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _bootstrap(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.delenv("CALIB_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
    code, out, _ = _calib(
        ["users", "add", "boss", "--role", "admin", "--password-stdin", "--database", db_url], capsys
    )
    assert code == 0 and "boss" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
    code, token, err = _calib(["users", "token", "boss", "--password-stdin", "--database", db_url], capsys)
    assert code == 0 and token.startswith("cst_")
    assert ADMIN_PW not in token + err
    return token.strip()


def test_bootstrap_tokens_and_roles(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = _bootstrap(db_url, monkeypatch, capsys)
    code, _, err = _calib(
        ["users", "add", "x", "--role", "admin", "--no-password", "--database", db_url], capsys
    )
    assert code == 4 and "needs an identity" in err  # bootstrap only while there are no users
    base = ["--database", db_url, "--token", admin]
    assert _calib(["users", "add", "tech", "--role", "technician", "--no-password", *base], capsys)[0] == 0
    assert _calib(["users", "add", "mgr", "--role", "manager", "--no-password", *base], capsys)[0] == 0
    code, tech_token, _ = _calib(["users", "token", "tech", "--days", "2", *base], capsys)
    assert code == 0
    tech = ["--database", db_url, "--token", tech_token.strip()]
    code, _, err = _calib(["users", "add", "y", "--role", "auditor", "--no-password", *tech], capsys)
    assert code == 4 and "user.admin" in err  # a technician may not add users
    code, mgr_token, _ = _calib(["users", "token", "mgr", *base], capsys)
    mgr = ["--database", db_url, "--token", mgr_token.strip()]
    auth = ["users", "authorise", "tech", "JJG 596-2012", "--from", "2026-01-01", "--until", "2026-12-31"]
    assert _calib([*auth, *tech], capsys)[0] == 4
    assert _calib([*auth, *mgr], capsys)[0] == 0
    code, out, _ = _calib(["users", "list", *tech], capsys)
    assert code == 0 and "mgr\tmanager" in out
    assert _calib(["users", "revoke", "2", *base], capsys)[0] == 0  # tech's token
    code, _, err = _calib(["users", "list", *tech], capsys)
    assert code == 4 and "revoked" in err
    code, _, err = _calib(["users", "list", "--database", db_url, "--token", "cst_forged"], capsys)
    assert code == 4 and "invalid token" in err


def _seed(engine: Engine) -> None:
    with make_session_factory(engine)() as s:
        staff = make_staff(s)
        audit.set_actor(s, "tech")
        make_calibration(s, staff.tech, "M-1")
        make_calibration(s, staff.tech, "M-2")
        s.commit()


def test_audit_verify_names_direct_update_and_delete(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(engine)
    code, out, _ = _calib(["audit", "verify", "--database", db_url], capsys)
    assert code == 0 and "audit chain OK" in out
    with engine.begin() as conn:
        conn.execute(text("UPDATE calibration SET accuracy_class = '0.2' WHERE number LIKE 'CAL-%'"))
    code, out, _ = _calib(["audit", "verify", "--database", db_url], capsys)
    assert code == 1 and "calibration" in out and "changed directly in the database" in out
    with engine.begin() as conn:  # put it back; now cut an event out of the middle of the log
        conn.execute(text("UPDATE calibration SET accuracy_class = NULL"))
        conn.execute(text("DELETE FROM audit_event WHERE seq = 7"))
    code, out, _ = _calib(["audit", "verify", "--database", db_url, "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["first_broken_seq"] == 8
    assert "event(s) 7 missing" in report["summary"]


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            out[table.name] = [
                tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
    return out


def test_backup_restore_round_trip(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if engine.dialect.name == "postgresql":  # the PostgreSQL path needs the client tools (postgresql-client)
        assert shutil.which("pg_dump") and shutil.which("pg_restore"), "pg_dump/pg_restore not on PATH"
    _seed(engine)
    admin = _bootstrap_existing(engine)
    before = _snapshot(engine)
    dump = tmp_path / "calib.backup"
    code, out, _ = _calib(["backup", str(dump), "--database", db_url, "--token", admin], capsys)
    assert code == 0 and "anchored" in out
    anchor = json.loads((tmp_path / "calib.backup.anchor.json").read_text())
    assert anchor["seq"] == max(r[1] for r in before["audit_event"])
    with engine.begin() as conn:  # damage after the backup
        conn.execute(text("DELETE FROM calibration_point"))
    if engine.dialect.name == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'restored.db'}"
        code, out, _ = _calib(["restore", str(dump), "--database", target_url], capsys)
        target = make_engine(target_url)
    else:
        code, _, err = _calib(["restore", str(dump), "--database", db_url, "--token", admin], capsys)
        assert code == 5 and "--force" in err
        code, out, _ = _calib(
            ["restore", str(dump), "--force", "--database", db_url, "--token", admin], capsys
        )
        target = make_engine(db_url)
    assert code == 0, out
    assert "audit chain OK" in out and f"anchor seq {anchor['seq']} matches" in out
    after = _snapshot(target)
    before_audit = before.pop("audit_event")
    assert after.pop("audit_event")[: len(before_audit)] == before_audit
    assert after == before  # identical rows in every table
    target.dispose()


def _bootstrap_existing(engine: Engine) -> str:
    from calib_service.models.base import utcnow
    from calib_service.records.users import get_user, issue_token

    with make_session_factory(engine)() as s:
        admin = get_user(session=s, username="admin")
        secret = issue_token(session=s, actor=admin, user=admin, now=utcnow(), days=1).secret
        s.commit()
    return secret


def test_tampered_backup_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    eng = make_engine(url)
    ensure_schema(eng)
    _seed(eng)
    admin = _bootstrap_existing(eng)
    dump = tmp_path / "a.backup"
    assert _calib(["backup", str(dump), "--database", url, "--token", admin], capsys)[0] == 0
    assert _calib(["backup", str(dump), "--database", url, "--token", admin], capsys)[0] == 5  # no overwrite
    raw = bytearray(dump.read_bytes())
    raw[-100] ^= 0xFF
    dump.write_bytes(bytes(raw))
    code, _, err = _calib(["restore", str(dump), "--database", f"sqlite:///{tmp_path / 'b.db'}"], capsys)
    assert code == 5 and "altered" in err
    code, _, err = _calib(["backup", str(tmp_path / "x.backup"), "--database", url], capsys)
    assert code == 4  # a backup needs an admin identity
    eng.dispose()


def test_validate_writes_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALIB_TOKEN", raising=False)
    report = tmp_path / "validation.json"
    code, out, err = _calib(
        ["validate", "--output", str(report), "--database", f"sqlite:///{tmp_path / 'v.db'}"], capsys
    )
    body = json.loads(report.read_text())
    assert code == (0 if body["ok"] else 1)
    assert "not recorded" in err
    suites = {r["suite"] for r in body["results"]}
    assert suites == {"decision", "uncertainty", "protocol"}
    assert all(len(r["sha256"]) == 64 for r in body["results"])
    assert body["counts"]["pass"] >= 12  # at least the hand-worked decision cases
    assert len(body["code_sha256"]) == 64 and body["package_version"]
    assert "sha256" in out


def test_validate_is_recorded_with_identity(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], session: Session
) -> None:
    _seed(engine)
    admin = _bootstrap_existing(engine)
    _calib(["validate", "--output", str(tmp_path / "v.json"), "--database", db_url, "--token", admin], capsys)
    from calib_service.models import AuditEvent

    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "validation.run")).one()
    assert ev.actor == "admin" and ev.state["results_sha256"]
