"""Records over real HTTP (live uvicorn server): who may do what (401/403), login and tokens, job intake,
the four-eyes workflow, optimistic locking (409), GET /audit/verify after direct SQL, attachments checked
on read, search/export, request size limits, and no secrets in the logs (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from calib_service.db import make_session_factory
from calib_service.models.base import utcnow
from calib_service.records import workflow as wf
from calib_service.records.users import issue_token
from calib_service.services.calibrations import ensure_procedure
from tests.calib_service.records import conftest as records_conftest
from tests.calib_service.records.conftest import PROC, Staff, make_staff

# one migrated database per backend for the module, emptied before each test (fast on PostgreSQL)
module_db = records_conftest.module_db
db_url = records_conftest.db_url
engine = records_conftest.engine

JOB = {
    "customer": "重庆某水务公司",
    "service_requested": "verification to JJG 596-2012",
    "received_at": "2026-06-01T01:00:00Z",
    "agreed_due_date": "2026-06-15",
    "decision_rule": "jjf1094",
    "items": [
        {
            "family": "electricity",
            "description": "单相电能表",
            "serial": "E-100",
            "condition_on_receipt": "seal intact",
        }
    ],
}


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Attachments go to a temporary data directory (set before the app is built)."""
    monkeypatch.setenv("CALIB_DATA_DIR", str(tmp_path / "data"))


@dataclass
class World:
    base: str
    tokens: dict[str, str]
    staff: Staff

    def client(self, who: str | None) -> httpx.Client:
        headers = {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)


#: Tests of the HTTP layer alone (same code on both backends): run on SQLite only, to keep the file quick.


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    engine: Engine,
    live_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    monkeypatch.setattr(wf, "_traceability_check", lambda: None)  # the chain itself is tested elsewhere
    with make_session_factory(engine)() as s:
        staff = make_staff(s)
        ensure_procedure(
            session=s,
            code=PROC,
            title_zh="电能表",
            title_en="meters",
            kind="verification",
            family="electricity",
            data_version="1",
        )
        tokens = {}
        for name in ("admin", "tech", "tech2", "reviewer", "approver", "manager", "auditor"):
            user = getattr(staff, name)
            tokens[name] = issue_token(session=s, actor=user, user=user, now=utcnow(), days=1).secret
        s.commit()
    base = "http://" + live_server.split("@", 1)[1]  # without the all-roles tester's credentials
    yield World(base, tokens, staff)


@pytest.mark.sqlite_only  # HTTP layer only; its services run on both backends
def test_only_health_and_docs_are_public(world: World) -> None:
    with world.client(None) as anon:
        assert anon.get("/health").status_code == 200
        assert anon.get("/docs").status_code == 200
        assert anon.get("/openapi.json").status_code == 200
        for path in (
            "/calibrations",
            "/equipment",
            "/jobs",
            "/users",
            "/records/search",
            "/audit/verify",
            "/attachments?entity=job&entity_id=1",
            "/auth/me",
        ):
            r = anon.get(path)
            assert r.status_code == 401, path
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.headers["content-type"] == "application/problem+json"
        assert anon.post("/jobs", json=JOB).status_code == 401
    with httpx.Client(base_url=world.base, headers={"Authorization": "Bearer cst_nope"}) as forged:
        assert forged.get("/calibrations").status_code == 401


@pytest.mark.sqlite_only  # HTTP layer only; its services run on both backends
def test_login_token_and_revocation(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with world.client(None) as anon:
        bad = anon.post("/auth/login", json={"username": "admin", "password": "wrong password!"})
        assert bad.status_code == 401
        ok = anon.post("/auth/login", json={"username": "admin", "password": "correct horse 1"})
        assert ok.status_code == 200
        token = ok.json()["token"]
        me = anon.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == "admin" and "password_hash" not in me.text
        revoked = anon.delete(
            f"/tokens/{ok.json()['token_id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        assert anon.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    logged = caplog.text
    assert "correct horse 1" not in logged and token not in logged and "wrong password!" not in logged


ROLE_MATRIX: list[tuple[str, str, str, dict[str, object] | None, bool]] = [
    ("auditor", "GET", "/records/search", None, True),
    ("auditor", "GET", "/records/export?format=json", None, True),
    ("auditor", "GET", "/audit/verify", None, True),
    ("auditor", "POST", "/jobs", JOB, False),
    ("auditor", "POST", "/users", {"username": "zed", "roles": ["auditor"]}, False),
    ("tech", "POST", "/jobs", JOB, True),
    ("tech", "GET", "/audit/verify", None, False),
    ("tech", "GET", "/records/export", None, False),
    ("tech", "POST", "/users", {"username": "zed", "roles": ["auditor"]}, False),
    ("reviewer", "POST", "/jobs", JOB, False),
    ("manager", "POST", "/jobs", JOB, True),
    ("manager", "GET", "/records/export?format=csv", None, True),
    ("admin", "POST", "/users", {"username": "zed", "roles": ["auditor"]}, True),
    ("admin", "POST", "/jobs", JOB, False),
    ("admin", "GET", "/audit/verify", None, True),
]


@pytest.mark.sqlite_only  # HTTP layer only; its services run on both backends
def test_roles(world: World) -> None:
    """Each role allowed and refused where it should be (one request per row of the matrix)."""
    for who, method, path, body, allowed in ROLE_MATRIX:
        with world.client(who) as c:
            r = c.request(method, path, json=body)
        if allowed:
            assert r.status_code in (200, 201), (who, method, path, r.text)
        else:
            assert r.status_code == 403, (who, method, path, r.text)
            assert r.json()["title"] == "Forbidden"


@pytest.mark.sqlite_only  # HTTP layer only; its services run on both backends
def test_authorisations_by_manager_only(world: World) -> None:
    body = {"procedure_code": "JJG 162-2019", "valid_from": "2026-01-01", "valid_until": "2026-12-31"}
    tech_id = world.staff.tech.id
    with world.client("tech") as c:
        assert c.post(f"/users/{tech_id}/authorisations", json=body).status_code == 403
    with world.client("manager") as c:
        assert c.post(f"/users/{tech_id}/authorisations", json=body).status_code == 201
        assert c.get(f"/users/{tech_id}/authorisations").json()["total"] == 2


def test_job_to_issued_certificate_with_four_eyes(world: World, engine: Engine) -> None:
    with world.client("tech") as tech, world.client("reviewer") as rev, world.client("approver") as appr:
        job = tech.post("/jobs", json=JOB).json()
        assert (
            job["number"].startswith("JOB-2026-") and job["items"][0]["condition_on_receipt"] == "seal intact"
        )
        cal = tech.post(f"/jobs/{job['id']}/items/1/calibrations", json={"procedure_code": PROC}).json()
        assert cal["status"] == "draft" and cal["job_id"] == job["id"]
        cid = cal["id"]
        step = tech.post(f"/calibrations/{cid}/transitions", json={"to_status": "measured"})
        assert step.status_code == 200, step.text
        # the performer may not review their own work, even via another route
        assert (
            tech.post(f"/calibrations/{cid}/transitions", json={"to_status": "reviewed"}).status_code == 403
        )
        stale = rev.post(
            f"/calibrations/{cid}/transitions", json={"to_status": "reviewed", "expected_version": 1}
        )
        assert stale.status_code == 409 and "reload" in stale.json()["detail"]
        version = step.json()["version"]
        ok = rev.post(
            f"/calibrations/{cid}/transitions", json={"to_status": "reviewed", "expected_version": version}
        )
        assert ok.status_code == 200 and ok.json()["reviewed_by_id"] == world.staff.reviewer.id
        assert (
            appr.post(f"/calibrations/{cid}/transitions", json={"to_status": "approved"}).status_code == 200
        )
        issued = appr.post(f"/calibrations/{cid}/transitions", json={"to_status": "issued"}).json()
        assert issued["certificate_number"] == f"CERT-{cal['number']}"
        steps = rev.get(f"/calibrations/{cid}/transitions").json()
        assert [s["to_status"] for s in steps["items"]] == ["measured", "reviewed", "approved", "issued"]
        again = tech.post(f"/calibrations/{cid}/transitions", json={"to_status": "measured"})
        assert again.status_code == 409
        new = tech.post(f"/calibrations/{cid}/revisions", json={"reason": "wrong class on the nameplate"})
        assert new.status_code == 201 and new.json()["revision_of_id"] == cid
        lineage = rev.get(f"/calibrations/{new.json()['id']}/revisions").json()
        assert [c["id"] for c in lineage["items"]] == [cid, new.json()["id"]]
    with world.client("auditor") as aud:
        found = aud.get("/records/search", params={"customer": "水务", "technician": "tech"}).json()
        assert found["total"] == 2 and {r["job"] for r in found["items"]} == {job["number"]}
        none = aud.get("/records/search", params={"date_from": "2027-01-01"}).json()
        assert none["total"] == 0
        csv_text = aud.get("/records/export", params={"format": "csv", "device": "E-100"}).text
        assert csv_text.splitlines()[0].startswith("id,number,revision") and len(csv_text.splitlines()) == 3
        assert aud.get("/audit/verify").json()["ok"] is True


def test_audit_verify_route_finds_direct_sql(world: World, engine: Engine) -> None:
    with world.client("tech") as tech:
        assert tech.post("/jobs", json=JOB).status_code == 201
    with engine.begin() as conn:
        conn.execute(text("UPDATE job SET agreed_due_date = '2026-12-31'"))
    with world.client("auditor") as aud:
        body = aud.get("/audit/verify").json()
    assert body["ok"] is False and "job" in body["summary"] and "changed directly" in body["summary"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    with world.client("auditor") as aud:
        body = aud.get("/audit/verify").json()
    assert body["first_broken_seq"] == 4
    with world.client("auditor") as aud:
        events = aud.get("/audit/events", params={"entity": "job", "limit": 5}).json()
    assert events["items"][0]["action"] == "orm.insert"


def test_attachments_are_checked_on_read(
    world: World, engine: Engine, session: Session, tmp_path: Path
) -> None:
    with world.client("tech") as tech:
        job = tech.post("/jobs", json=JOB).json()
        payload = b"%PDF-1.4 scanned receipt"
        r = tech.post(
            "/attachments",
            json={
                "entity": "job",
                "entity_id": job["id"],
                "filename": "receipt.pdf",
                "media_type": "application/pdf",
                "content_base64": base64.b64encode(payload).decode(),
            },
        )
        assert r.status_code == 201, r.text
        att = r.json()
        got = tech.get(f"/attachments/{att['id']}")
        assert got.content == payload and got.headers["x-content-sha256"] == att["sha256"]
        assert tech.get("/attachments", params={"entity": "job", "entity_id": job["id"]}).json()["total"] == 1
        bad = tech.post(
            "/attachments",
            json={
                "entity": "job",
                "entity_id": job["id"],
                "filename": "x",
                "content_base64": "!!!not base64",
            },
        )
        assert bad.status_code == 422
    with world.client("auditor") as aud:
        assert (
            aud.post(
                "/attachments",
                json={
                    "entity": "job",
                    "entity_id": job["id"],
                    "filename": "x",
                    "content_base64": "AAAA",
                },
            ).status_code
            == 403
        )
    stored = tmp_path / "data" / "attachments" / att["sha256"][:2] / att["sha256"]
    assert stored.read_bytes() == payload  # content-addressed by sha256
    stored.write_bytes(b"tampered")
    with world.client("tech") as tech:
        r = tech.get(f"/attachments/{att['id']}")
    assert r.status_code == 409 and "altered" in r.json()["detail"]


@pytest.mark.sqlite_only  # HTTP layer only; its services run on both backends
def test_request_size_limit(world: World) -> None:
    big = dict(JOB, notes="x" * (2 * 1024 * 1024))
    with world.client("tech") as tech:
        r = tech.post("/jobs", json=big)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.sqlite_only  # HTTP layer only; its services run on both backends
def test_pagination_is_bounded(world: World) -> None:
    with world.client("auditor") as aud:
        assert aud.get("/jobs", params={"limit": 501}).status_code == 422
        assert aud.get("/calibrations", params={"limit": 10_000}).status_code == 422
        assert aud.get("/users", params={"offset": -1}).status_code == 422
