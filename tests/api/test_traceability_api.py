"""The traceability routes over real HTTP (the live uvicorn server of tests/api/conftest.py) on SQLite
and PostgreSQL (starlette's TestClient warns about httpx; `filterwarnings = error` fails on that)."""

from __future__ import annotations

import base64
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from api.cli import main
from calib_service.db import ensure_schema, make_engine, make_session_factory
from calib_service.records.users import create_user, get_user
from tests.calib_service.traceability.builders import build_chain, calibrate, utc


@pytest.fixture
def data_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans go to a temporary data directory (set before the app is built)."""
    monkeypatch.setenv("CALIB_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def client_and_ids(
    data_dir_env: None, engine: Engine, live_server: str
) -> Iterator[tuple[httpx.Client, dict[str, int]]]:
    with make_session_factory(engine)() as session:
        chain = build_chain(session)
        good = calibrate(
            session, chain, at=utc(2025, 7, 1), standard=chain.e3, certificate=None, customer=chain.customer_a
        )
        bad = calibrate(
            session, chain, at=utc(2026, 3, 5), standard=chain.e2, certificate=None, customer=chain.customer_b
        )
        ids = {
            "s1": chain.s1.id,
            "s2": chain.s2.id,
            "s3": chain.s3.id,
            "e2": chain.e2.id,
            "e3": chain.e3.id,
            "good": good.id,
            "bad": bad.id,
            "customer_a": chain.customer_a.id,
            "customer_b": chain.customer_b.id,
        }
        session.commit()
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client, ids


def test_standards_due_and_certificates(client_and_ids: tuple[httpx.Client, dict[str, int]]) -> None:
    client, ids = client_and_ids
    listed = client.get("/standards", params={"include_external": "false"}).json()
    assert [s["name"] for s in listed] == ["0.05 级三相电能表检定装置", "0.2 级电能表工作标准"]
    due = client.get("/standards/due", params={"as_of": "2026-02-15", "days": 30}).json()
    assert [(d["serial"], d["status"], d["days_left"]) for d in due] == [("T-E2", "due", 13)]
    scan = b"%PDF-1.4 scanned certificate"
    r = client.post(
        f"/standards/{ids['s2']}/certificates",
        json={
            "equipment_id": ids["e2"],
            "number": "TEST-CQ-2026-02",
            "issuing_lab": "重庆市计量质量检测研究院",
            "calibration_date": "2026-03-01",
            "due_date": "2027-02-28",
            "expanded_uncertainty": 0.015,
            "uncertainty_unit": "%",
            "upstream_standard_id": ids["s1"],
            "route": "法定计量检定机构",
            "file_base64": base64.b64encode(scan).decode(),
            "file_name": "cq-2026-02.pdf",
            "results": [{"point": "220 V 5 A PF 1.0", "correction": -0.003, "unit": "%"}],
        },
    )
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["file_sha256"] == hashlib.sha256(scan).hexdigest()
    f = client.get(f"/certificates/{cert['id']}/file")
    assert f.status_code == 200 and f.content == scan and f.headers["content-type"] == "application/pdf"
    detail = client.get(f"/standards/{ids['s2']}").json()
    assert [c["number"] for c in detail["certificates"]] == ["TEST-CQ-2026-02", "TEST-CQ-2025-02"]
    wrong = client.post(
        f"/standards/{ids['s2']}/certificates",
        json={
            "equipment_id": ids["e3"],
            "number": "X",
            "issuing_lab": "Y",
            "calibration_date": "2026-01-01",
            "due_date": "2026-12-31",
            "expanded_uncertainty": 0.1,
            "uncertainty_unit": "%",
        },
    )
    assert wrong.status_code == 422 and "not part of standard" in wrong.json()["detail"]
    created = client.post(
        "/standards", json={"name": "新标准", "level": "working", "equipment_ids": [ids["e3"]]}
    )
    assert created.status_code == 201 and created.json()["equipment_ids"] == [ids["e3"]]
    assert client.post("/standards", json={"name": "x", "level": "bogus"}).status_code == 422
    assert client.get("/standards/999999").status_code == 404


def test_trace_json_svg_and_centre(client_and_ids: tuple[httpx.Client, dict[str, int]]) -> None:
    client, ids = client_and_ids
    good = client.get(f"/calibrations/{ids['good']}/trace").json()
    assert good["ok"] and good["complete"]
    assert [lk["certificate"]["number"] for lk in good["links"]] == [
        "TEST-CENTRE-2025-03",
        "TEST-CQ-2025-02",
        "TEST-NIM-2025-01",
    ]
    bad = client.get(f"/calibrations/{ids['bad']}/trace").json()
    assert not bad["ok"] and [f["code"] for f in bad["findings"]] == ["expired_certificate"]
    svg = client.get(f"/calibrations/{ids['good']}/trace.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    texts = [t.text or "" for t in ET.fromstring(svg.content).iter("{http://www.w3.org/2000/svg}text")]
    assert any("国家电能计量基准" in t for t in texts)
    centre = client.get("/traceability/centre.svg", params={"as_of": "2026-01-20"})
    assert "0.2 级电能表工作标准" in centre.text
    ET.fromstring(centre.content)
    graph = client.get("/traceability/centre", params={"as_of": "2026-01-20"}).json()
    assert len(graph["edges"]) == 3
    assert client.get("/calibrations/999999/trace").status_code == 404


def test_checks_impact_and_nonconformity(client_and_ids: tuple[httpx.Client, dict[str, int]]) -> None:
    client, ids = client_and_ids
    r = client.post(
        f"/standards/{ids['s2']}/checks",
        json={
            "point": "PF 1.0",
            "checked_on": "2025-10-01",
            "value": 0.05,
            "unit": "%",
            "reference_value": 0.0,
            "reference_uncertainty": 0.02,
        },
    )
    assert r.status_code == 201 and r.json()["out_of_control"] is True
    assert len(client.get(f"/standards/{ids['s2']}/checks").json()) == 1
    chart = client.get(f"/equipment/{ids['e2']}/control-chart", params={"point": "PF 1.0"}).json()
    assert chart["out_of_control"]
    ET.fromstring(client.get(f"/equipment/{ids['e2']}/control-chart.svg", params={"point": "PF 1.0"}).content)
    impact = client.get(
        f"/standards/{ids['s1']}/impact", params={"since": "2025-01-10", "until": "2026-06-30"}
    )
    body = impact.json()
    assert body["max_depth"] == 3 and [c["name"] for c in body["customers"]] == ["重庆某电力用户 A"]
    default_since = client.get(f"/standards/{ids['s2']}/impact", params={"until": "2025-12-31"}).json()
    assert default_since["since"] == "2025-03-01"
    nc = client.post(
        "/nonconformities",
        json={"standard_id": ids["s2"], "found_on": "2025-10-01", "description": "期间核查失控"},
    )
    assert nc.status_code == 201, nc.text
    ncj = nc.json()
    assert ncj["status"] == "open" and {
        i["calibration_id"] for i in ncj["impacts"] if i["kind"] == "calibration"
    } == {ids["good"]}
    closing = client.post(
        f"/nonconformities/{ncj['id']}/actions", json={"action": "close", "taken_on": "2025-10-02"}
    )
    assert closing.status_code == 409 and "not notified" in closing.json()["detail"]
    notify = client.post(
        f"/nonconformities/{ncj['id']}/actions",
        json={"action": "notify_customer", "taken_on": "2025-10-02", "customer_id": ids["customer_a"]},
    )
    assert notify.status_code == 201
    assert (
        client.post(
            f"/nonconformities/{ncj['id']}/actions", json={"action": "close", "taken_on": "2025-10-03"}
        ).status_code
        == 201
    )
    assert client.get("/nonconformities", params={"status": "closed"}).json()[0]["number"] == ncj["number"]
    assert client.get(f"/nonconformities/{ncj['id']}").json()["closed_on"] == "2025-10-03"


@pytest.fixture
def cli_db(tmp_path: Path) -> tuple[str, dict[str, int]]:
    """A SQLite file with the test chain and two calibrations, committed, for the CLI verbs."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with make_session_factory(engine)() as session:
        chain = build_chain(session)
        good = calibrate(
            session, chain, at=utc(2025, 7, 1), standard=chain.e3, certificate=None, customer=chain.customer_a
        )
        bad = calibrate(
            session, chain, at=utc(2026, 3, 5), standard=chain.e2, certificate=None, customer=chain.customer_b
        )
        ids = {"good": good.id, "bad": bad.id, "s1": chain.s1.id}
        session.commit()
    engine.dispose()
    return url, ids


def test_cli_standards_due(cli_db: tuple[str, dict[str, int]], capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = cli_db
    assert main(["standards", "due", "--database", url, "--as-of", "2026-02-15", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "1 item(s)" in out and "T-E2" in out and "TEST-CQ-2025-02" in out
    assert main(["standards", "due", "--database", url, "--as-of", "2026-03-05", "--json"]) == 1  # overdue
    body = json.loads(capsys.readouterr().out)
    assert [(i["serial"], i["status"]) for i in body["items"]] == [("T-E2", "overdue")]
    assert main(["standards", "list", "--database", url]) == 0
    assert "0.05 级三相电能表检定装置" in capsys.readouterr().out


def test_cli_trace_text_json_svg(
    cli_db: tuple[str, dict[str, int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, ids = cli_db
    svg = tmp_path / "chain.svg"
    assert main(["trace", str(ids["good"]), "--database", url, "--svg", str(svg)]) == 0
    out = capsys.readouterr().out
    assert "chain complete, ok" in out and "top: 国家电能计量基准 (中国计量科学研究院)" in out
    assert "TEST-CENTRE-2025-03" in out
    ET.parse(svg)
    assert "TEST-NIM-2025-01" in svg.read_text(encoding="utf-8")
    assert main(["trace", str(ids["bad"]), "--database", url, "--json"]) == 1
    assert [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["expired_certificate"]
    assert main(["trace", "999999", "--database", url]) == 3
    assert "calibration 999999 does not exist" in capsys.readouterr().err


def test_cli_impact(cli_db: tuple[str, dict[str, int]], capsys: pytest.CaptureFixture[str]) -> None:
    url, ids = cli_db
    assert (
        main(["impact", str(ids["s1"]), "--since", "2025-01-10", "--until", "2026-06-30", "--database", url])
        == 0
    )
    out = capsys.readouterr().out
    assert "depth 3" in out and "customers to notify: 重庆某电力用户 A" in out
    assert main(["impact", str(ids["s1"]), "--since", "2025-01-10", "--json", "--database", url]) == 0
    assert json.loads(capsys.readouterr().out)["max_depth"] == 3
    with pytest.raises(SystemExit) as exc:
        main(["impact", str(ids["s1"]), "--since", "10/01/2025", "--database", url])
    assert exc.value.code == 2
    assert "write it as YYYY-MM-DD" in capsys.readouterr().err


def test_roles_guard_changes(
    engine: Engine, client_and_ids: tuple[httpx.Client, dict[str, int]], live_server: str
) -> None:
    client, ids = client_and_ids
    with make_session_factory(engine)() as s:
        admin = get_user(session=s, username="api-tester")
        create_user(
            session=s, actor=admin, username="audit-only", roles=["auditor"], password="audit-only-password-1"
        )
        s.commit()
    host = live_server.rsplit("@", 1)[1]
    with httpx.Client(base_url=f"http://audit-only:audit-only-password-1@{host}", timeout=30) as auditor:
        assert auditor.get("/standards").status_code == 200
        body = {"standard_id": ids["s2"], "found_on": "2025-10-01", "description": "x"}
        assert auditor.post("/nonconformities", json=body).status_code == 403
        check = {"point": "P", "checked_on": "2025-10-01", "value": 0.0, "unit": "%"}
        assert auditor.post(f"/standards/{ids['s2']}/checks", json=check).status_code == 403
    with httpx.Client(base_url=f"http://{host}", timeout=30) as anonymous:
        assert anonymous.get("/calibrations/1/trace").status_code == 401
    nc = client.post(
        "/nonconformities", json={"standard_id": ids["s3"], "found_on": "2025-10-01", "description": "y"}
    )
    assert nc.status_code == 201 and nc.json()["raised_by"] == "api-tester"
