"""The demo flow end to end over real pseudo-terminals, on SQLite and PostgreSQL.

The simulated meter has a known error (+0.3 %); every point must recover it within its expanded
uncertainty, every raw reading must be stored with its frames, and each stored budget must reload to
the numbers it produced.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import uncertainty
from calib_service.db import make_session_factory
from calib_service.demo import DemoOptions, run_demo
from calib_service.models import Calibration, CalibrationPoint, RawReading
from calib_service.procedures import jjg596
from instruments.clock import ScaledClock

TODAY = date(2026, 12, 1)
INJECTED = 0.3


def _wall() -> datetime:
    return datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


def test_demo_recovers_injected_error(engine: Engine, tmp_path: Path) -> None:
    factory = make_session_factory(engine)
    messages: list[str] = []
    summary = run_demo(
        session_factory=factory,
        options=DemoOptions(out_dir=tmp_path / "out", meter_error_percent=INJECTED, seed=7),
        today=TODAY,
        progress=messages.append,
        wall=_wall,
        clock=ScaledClock(5000.0),
    )
    assert summary["decision"] == "pass"
    assert any("settling" in m for m in messages)
    plan = jjg596.load_points("1")
    with factory() as s:
        cal = s.scalars(select(Calibration)).one()
        assert cal.status == "measured" and cal.decision == "pass"
        points = s.scalars(select(CalibrationPoint).order_by(CalibrationPoint.seq)).all()
        # the load points, then the starting and creep tests (pass/fail on the meter's pulses)
        assert [p.label for p in points] == [lp.label for lp in plan] + ["起动 0.004Ib", "潜动 1.15Un"]
        starting, creep = points[len(plan) :]
        assert (starting.error, starting.decision, starting.error_unit) == (1.0, "pass", "imp")
        assert (creep.error, creep.decision) == (0.0, "pass")
        assert starting.parameters["check"] is True and creep.parameters["limit_verified"] is False
        for p in points[: len(plan)]:
            assert abs(p.error - INJECTED) <= p.expanded_uncertainty, p.label
            assert p.expanded_uncertainty >= 0.05 - 1e-12  # never below the standard's CMC
            assert p.expanded_uncertainty <= p.mpe / 3  # a realistic set-up
            assert p.coverage_factor == 2.0
            assert p.decision == "pass"
            reloaded = uncertainty.archive_loads(json.dumps(p.budget))
            assert reloaded.value == pytest.approx(p.error, rel=1e-12)
            assert p.parameters["limit_verified"] is False  # the limit table is flagged unverified
        readings = s.scalars(select(RawReading).order_by(RawReading.seq)).all()
        # 2 register readings + 7 points × 3 repeats × (error + standard count)
        # + starting (count time, first-pulse time, pulses) + creep (count time, pulses)
        assert len(readings) == 2 + len(plan) * 3 * 2 + 3 + 2
        assert [r.seq for r in readings] == list(range(1, len(readings) + 1))
        assert all(r.frames and r.frames[0]["dir"] == "tx" for r in readings)
        assert all(r.taken_at.tzinfo is not None for r in readings)
        before, after = readings[0], readings[-1]
        assert before.quantity == "register_energy_before" and after.quantity == "register_energy_after"
        assert after.value > before.value  # the register advanced with the applied load
        manual = select(func.count()).select_from(RawReading).where(RawReading.source == "manual")
        assert s.scalar(manual) == 0
    out = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert out["number"] == summary["number"] and len(out["points"]) == len(plan) + 2
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "合格" in report and summary["number"] in report


def test_demo_failing_meter_fails(engine: Engine, tmp_path: Path) -> None:
    summary = run_demo(
        session_factory=make_session_factory(engine),
        options=DemoOptions(out_dir=tmp_path, meter_error_percent=1.6, seed=3, accuracy_class="1"),
        today=TODAY,
        progress=lambda m: None,
        wall=_wall,
        clock=ScaledClock(5000.0),
    )
    assert summary["decision"] == "fail"
    # 1.6 % is outside ±1 % and outside ±1.5 % at 0.05 Ib: every load point fails
    assert {p["decision"] for p in summary["points"][:-2]} == {"fail"}
    assert [p["decision"] for p in summary["points"][-2:]] == ["pass", "pass"]  # it starts and does not creep
