"""The read API over real HTTP: health, equipment, calibrations with points, readings and budgets."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine

from calib_service.db import make_session_factory
from calib_service.services.calibrations import (
    append_reading,
    create_calibration,
    ensure_procedure,
    store_point,
)
from calib_service.services.equipment import register_equipment

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _seed(engine: Engine) -> int:
    with make_session_factory(engine)() as s:
        proc = ensure_procedure(
            session=s, code="JJG 596-2012", title_zh="电子式交流电能表", title_en="AC meters",
            kind="verification", family="electricity", data_version="t",
        )
        dut = register_equipment(session=s, kind="dut", family="electricity", description="单相电能表",
                                 serial="M-001", manufacturer="ACME", accuracy_class="1")
        cal = create_calibration(session=s, procedure=proc, dut=dut, started_at=T0, accuracy_class="1")
        append_reading(session=s, calibration_id=cal.id, quantity="error", value=0.31, unit="percent",
                       taken_at=T0, point_seq=1, instrument="bench@/dev/pts/9",
                       frames=[{"dir": "tx", "hex": "45 52 52", "t": T0.isoformat()}])
        store_point(session=s, calibration_id=cal.id, seq=1, label="Ib, 1.0", error=0.31,
                    error_unit="percent", mpe=1.0, expanded_uncertainty=0.05, coverage_factor=2.0,
                    decision="pass", budget={"format": "test", "rows": [1, 2]})
        s.commit()
        return cal.id


def test_health_is_public(live_server: str) -> None:
    r = httpx.get(f"{live_server}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["schema_revision"]


def test_openapi_docs_served(live_server: str) -> None:
    assert httpx.get(f"{live_server}/docs").status_code == 200
    assert "/calibrations" in httpx.get(f"{live_server}/openapi.json").json()["paths"]


def test_calibration_list_and_detail(engine: Engine, live_server: str) -> None:
    cal_id = _seed(engine)
    page = httpx.get(f"{live_server}/calibrations").json()
    assert page["total"] == 1
    assert page["items"][0]["number"].startswith("CAL-2026-")
    detail = httpx.get(f"{live_server}/calibrations/{cal_id}").json()
    assert detail["points"][0]["error"] == 0.31
    assert detail["points"][0]["decision"] == "pass"
    assert detail["readings"][0]["frames"][0]["hex"] == "45 52 52"
    assert detail["readings"][0]["taken_at"].startswith("2026-11-30T02:00:00")
    budget = httpx.get(f"{live_server}/calibrations/{cal_id}/points/1/budget").json()
    assert budget == {"format": "test", "rows": [1, 2]}
    eq = httpx.get(f"{live_server}/equipment", params={"kind": "dut"}).json()
    assert eq["items"][0]["serial"] == "M-001"


def test_missing_records_give_problem_details(live_server: str) -> None:
    r = httpx.get(f"{live_server}/calibrations/9999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "calibration 9999 does not exist" in r.json()["detail"]
    assert httpx.get(f"{live_server}/calibrations", params={"limit": 0}).status_code == 422
