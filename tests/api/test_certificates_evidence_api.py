"""Certificate and evidence routes over real HTTP (live uvicorn) on SQLite and PostgreSQL, and the
``calib certificate`` / ``calib evidence`` verbs."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from lxml import etree
from sqlalchemy import Engine, select

from api.cli import main
from calib_service.db import make_session_factory
from calib_service.documents import validate_dcc
from calib_service.evidence import PointSpec
from calib_service.models import User
from calib_service.records.users import create_user, issue_token
from tests.calib_service.certificates.helpers import DAY, approved, dcc_xsd, lab, pdf_text

POINTS = [PointSpec("Imax, cosφ=1.0", 0.137, 0.06), PointSpec("Ib, cosφ=1.0", -0.211, 0.06)]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Issued files go to a temporary data directory (set before the app is built)."""
    monkeypatch.setenv("CALIB_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def client_and_ids(
    store: Path, engine: Engine, live_server: str
) -> Iterator[tuple[httpx.Client, dict[str, int]]]:
    with make_session_factory(engine)() as session:
        lab_ = lab(session)
        ok = approved(session, lab_, POINTS, serial="API-1")
        undetermined = approved(session, lab_, [PointSpec("Ib, cosφ=1.0", 0.98, 0.4)], serial="API-2")
        session.commit()
        ids = {"ok": ok.id, "undetermined": undetermined.id}
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client, ids


def test_issue_download_and_verify_over_http(client_and_ids: tuple[httpx.Client, dict[str, int]]) -> None:
    client, ids = client_and_ids
    assert client.get("/centre-profile").json()["stored"] is False
    profile = client.put(
        "/centre-profile", json={"authorisation_number": "(渝)法计(2026)00777号", "name_en": "CQ CMC"}
    )
    assert profile.status_code == 200 and profile.json()["certificate_prefix"] == "CQCM"
    r = client.post(f"/calibrations/{ids['ok']}/certificate", json={"lang": "en"})
    assert r.status_code == 201, r.text
    cert = r.json()
    number = cert["number"]
    assert cert["kind"] == "verification" and cert["langs"] == "zh,en" and len(cert["files"]) == 3
    pdf = client.get(f"/issued-certificates/{number}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == cert["files"][0]["sha256"] == pdf.headers["x-sha256"]
    pages = pdf_text(pdf.content)
    assert "检定证书" in pages[0] and number in pages[-1] and "-0.211" in "\n".join(pages)
    assert "(渝)法计(2026)00777号" in pages[0]  # the stored centre profile
    en = client.get(f"/issued-certificates/{number}/pdf", params={"lang": "en"})
    assert hashlib.sha256(en.content).hexdigest() == cert["pdf_sha256"]
    dcc = client.get(f"/issued-certificates/{number}/dcc")
    validate_dcc(dcc.content, dcc_xsd())
    ns = {"dcc": "https://ptb.de/dcc"}
    assert etree.fromstring(dcc.content).xpath("//dcc:uniqueIdentifier/text()", namespaces=ns) == [number]
    listed = client.get("/issued-certificates", params={"calibration_id": ids["ok"]}).json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == number
    ok = client.post(
        "/issued-certificates/verify", json={"content_base64": base64.b64encode(pdf.content).decode()}
    )
    assert ok.status_code == 200 and ok.json()["number"] == number and ok.json()["lang"] == "zh"
    bad = client.post(
        "/issued-certificates/verify", json={"content_base64": base64.b64encode(pdf.content + b"%").decode()}
    )
    assert bad.status_code == 409 and "matches no issued certificate" in bad.json()["detail"]
    again = client.post(f"/calibrations/{ids['ok']}/certificate", json={})
    assert again.status_code == 409  # already issued
    refused = client.post(f"/calibrations/{ids['undetermined']}/certificate", json={})
    assert refused.status_code == 409 and "待定" in refused.json()["detail"]
    assert client.get("/issued-certificates/NOPE-1").status_code == 404


def test_only_approvers_issue(client_and_ids: tuple[httpx.Client, dict[str, int]], engine: Engine) -> None:
    client, ids = client_and_ids
    with make_session_factory(engine)() as session:
        admin = session.scalars(select(User).where(User.username == "api-tester")).one()
        tech = create_user(session=session, actor=admin, username="tech-only", roles="technician")
        token = issue_token(session=session, actor=admin, user=tech, now=datetime.now(UTC)).secret
        session.commit()
    url = str(client.base_url).replace("api-tester:api-tester-password-1@", "")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as tc:
        r = tc.post(f"/calibrations/{ids['ok']}/certificate", json={})
        assert r.status_code == 403
        assert tc.post("/evidence/activities", json={}).status_code in (403, 422)


def test_evidence_routes(client_and_ids: tuple[httpx.Client, dict[str, int]]) -> None:
    client, ids = client_and_ids
    assert client.post(f"/calibrations/{ids['ok']}/certificate", json={}).status_code == 201
    act = client.post(
        "/evidence/activities",
        json={
            "activity_type": "training",
            "held_on": "2026-11-10",
            "title": "碳计量培训",
            "participants": 42,
        },
    )
    assert act.status_code == 201 and act.json()["task"] == 7
    att = client.post(
        f"/evidence/activities/{act.json()['id']}/attachments",
        json={"filename": "sign-in.txt", "content_base64": base64.b64encode(b"42 names").decode()},
    )
    assert att.status_code == 201 and att.json()["sha256"] == hashlib.sha256(b"42 names").hexdigest()
    bad = client.post(
        "/evidence/activities", json={"activity_type": "party", "held_on": "2026-11-10", "title": "x"}
    )
    assert bad.status_code == 422
    plan = client.put("/evidence/plans/2026", json={"targets": {"trainees": 100, "certificates_issued": 10}})
    assert plan.json()["targets"] == {"certificates_issued": 10.0, "trainees": 100.0}
    assert client.put("/evidence/plans/2026", json={"targets": {"nonsense": 1}}).status_code == 422
    q = client.post(
        "/evidence/quality",
        json={
            "category": "proficiency_test",
            "reference": "PT-API-1",
            "recorded_on": "2026-06-01",
            "description": "电能表能力验证",
            "result": "satisfactory",
            "en_value": 0.4,
        },
    )
    assert q.status_code == 201
    for year, passed in ((2024, False), (2025, False)):
        r = client.post(
            "/evidence/assessments", json={"year": year, "passed": passed, "decided_on": f"{year + 1}-03-01"}
        )
        assert r.status_code == 201
    assert r.json()["failed_years"] == 2 and not r.json()["revocation_reached"]
    metrics = client.get("/evidence/metrics/2026", params={"as_of": "2026-12-31"}).json()
    by_key = {m["key"]: m for m in metrics["metrics"]}
    assert by_key["certificates_issued"]["value"] == 1 and by_key["certificates_issued"]["target"] == 10
    assert by_key["trainees"]["value"] == 42 and metrics["families"] == {"electricity": 1}
    assert metrics["monthly_calibrations"][DAY.month - 1] == 2  # both records completed, one issued
    xlsx = client.get("/evidence/reports/2026.xlsx", params={"as_of": "2026-12-31"})
    assert xlsx.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = {r[0]: r for r in wb["任务7"].iter_rows(values_only=True) if r and r[0]}
    assert rows["培训人次"][1] == 42 and rows["培训人次"][3] == 100
    report = client.get("/evidence/reports/2026.json", params={"as_of": "2026-12-31"})
    assert json.loads(report.content)["year"] == 2026
    assert report.content == client.get("/evidence/reports/2026.json", params={"as_of": "2026-12-31"}).content
    pdf = client.get("/evidence/reports/2026.pdf", params={"as_of": "2026-12-31", "lang": "en"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.sqlite_only  # the CLI path is the same on both backends; the services are tested on both
def test_cli_certificate_and_evidence(
    store: Path,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with make_session_factory(engine)() as session:
        lab_ = lab(session)
        cal = approved(session, lab_, POINTS, serial="CLI-1")
        approver = lab_.people.approver
        token = issue_token(session=session, actor=approver, user=approver, now=datetime.now(UTC)).secret
        session.commit()
    monkeypatch.delenv("CALIB_TOKEN", raising=False)
    out = tmp_path / "certs"
    assert main(["certificate", "issue", str(cal.id), "--database", url, "--out", str(out)]) == 4  # no token
    monkeypatch.setenv("CALIB_TOKEN", token)
    assert (
        main(["certificate", "issue", str(cal.id), "--database", url, "--out", str(out), "--lang", "en"]) == 0
    )
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3 and files[0].endswith(".dcc.xml")
    pdf = next(p for p in out.iterdir() if p.name.endswith(".zh.pdf"))
    capsys.readouterr()
    assert main(["certificate", "verify", str(pdf), "--database", url]) == 0
    assert "OK:" in capsys.readouterr().out
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(pdf.read_bytes() + b"\n")
    assert main(["certificate", "verify", str(tampered), "--database", url]) == 5
    assert "matches no issued certificate" in capsys.readouterr().err
    rep = tmp_path / "rep"
    assert main(["evidence", "2026", "--database", url, "--out", str(rep), "--as-of", "2026-12-31"]) == 0
    assert sorted(p.suffix for p in rep.iterdir()) == [".html", ".json", ".pdf", ".xlsx"]
    first = (rep / "evidence-2026.pdf").read_bytes()
    assert (
        main(
            [
                "evidence",
                "2026",
                "--database",
                url,
                "--out",
                str(rep),
                "--as-of",
                "2026-12-31",
                "--format",
                "pdf",
            ]
        )
        == 0
    )
    assert (rep / "evidence-2026.pdf").read_bytes() == first
    capsys.readouterr()
    assert main(["evidence", "2026", "--database", url, "--history"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history["threshold"] == 3 and history["failed_years"] == 0
    assert (
        main(
            [
                "evidence",
                "2026",
                "--database",
                url,
                "--out",
                str(tmp_path / "pack"),
                "--pack",
                "acceptance",
                "--format",
                "json",
                "--as-of",
                "2026-12-31",
            ]
        )
        == 0
    )
    pack = json.loads((tmp_path / "pack" / "pack.json").read_text(encoding="utf-8"))
    assert pack["years"] == [2024, 2025, 2026] and pack["rectification_deadline"] == "2027-03-31"
