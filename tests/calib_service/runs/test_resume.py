"""A run that stops mid-point (an unplugged cable) loses nothing, and resuming finishes it.

The water-meter bench loses its link in the middle of a run at Q2 (after the start reading of the
run, before the flow); the calibration stays ``running`` with every reading taken. Resuming skips Q1,
reuses the complete run at Q2, repeats the interrupted run and measures Q3; the result equals an
uninterrupted run of the same meter within the measurement noise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from calib_service.benches import open_instruments
from calib_service.db import make_session_factory
from calib_service.demo_families import (
    FAMILIES,
    TECHNICIAN,
    run_case,
    seed_family_references,
    simulated_bench,
)
from calib_service.errors import ConflictError
from calib_service.models import Calibration, CalibrationPoint, RawReading
from calib_service.run_service import RunRequest, run_calibration
from instruments.clock import ManualClock
from instruments.errors import LinkDown

TODAY = date(2026, 12, 2)
CASE = FAMILIES["water"]


def _wall() -> datetime:
    return datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_crash_mid_point_then_resume(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        seed_family_references(session=s, as_of=TODAY)
        s.commit()
    clock = ManualClock()
    started: list[int] = []
    with simulated_bench(CASE, clock=clock) as sb:
        flows = 0

        def unplugged_on_fourth_flow(action: str, params: Mapping[str, Any]) -> None:
            nonlocal flows
            if action == "flow":
                flows += 1
                if flows == 4:  # Q2, run 2: the start reading is already stored
                    raise LinkDown("cjt188 on /dev/pts/x: the port went away (cable unplugged)")
            sb.operator(action, params)

        def request(resume: int | None = None) -> RunRequest:
            return RunRequest(
                procedure=CASE.procedure,
                bench=sb.bench,
                dut_serial=CASE.dut_serial,
                technician=TECHNICIAN,
                accuracy_class=CASE.accuracy_class,
                params=CASE.params,
                environment=CASE.environment,
                resume=resume,
            )

        with open_instruments(sb.bench, roles=tuple(sb.bench.instruments), clock=clock) as instruments:
            common: dict[str, Any] = {
                "session_factory": factory,
                "instruments": instruments,
                "clock": clock,
                "today": TODAY,
                "wall": _wall,
                "progress": lambda m: None,
                "ask": sb.ask,
            }
            with pytest.raises(LinkDown):
                run_calibration(
                    request=request(), operator=unplugged_on_fourth_flow, on_start=started.append, **common
                )
            cid = started[0]
            with factory() as s:
                cal = s.get(Calibration, cid)
                assert cal is not None and cal.status == "running"
                before = {r.id: (r.seq, r.quantity, r.value) for r in cal.readings}
                assert [p.label for p in cal.points] == ["Q1"]
            # Q1: 2 runs × 4 readings; Q2: run 1 complete (4) + the start of run 2 (1)
            assert len(before) == 8 + 4 + 1
            outcome = run_calibration(request=request(resume=cid), operator=sb.operator, **common)
            with pytest.raises(ConflictError, match="only a running calibration resumes"):
                run_calibration(request=request(resume=cid), operator=sb.operator, **common)
    assert outcome.calibration_id == cid and outcome.decision == "pass", [
        (p["point"], p["reference"], p["indication"], p["error"]) for p in outcome.points
    ]
    with factory() as s:
        readings = list(
            s.scalars(select(RawReading).where(RawReading.calibration_id == cid).order_by(RawReading.seq))
        )
        points = list(
            s.scalars(
                select(CalibrationPoint)
                .where(CalibrationPoint.calibration_id == cid)
                .order_by(CalibrationPoint.seq)
            )
        )
        # nothing lost: every reading taken before the crash is still there, unchanged
        after = {r.id: (r.seq, r.quantity, r.value) for r in readings}
        assert all(after[i] == v for i, v in before.items())
        # nothing twice: one sequence without gaps, and each reading of a complete run taken once
        assert [r.seq for r in readings] == list(range(1, len(readings) + 1))
        assert len(readings) == 13 + 4 + 8  # the interrupted run repeated (4), Q3 (8)
        per_point = Counter((r.point_seq, r.quantity) for r in readings)
        assert all(n == 1 for (seq, q), n in per_point.items() if not (seq == 2 and q == "meter_start.2"))
        assert per_point[(2, "meter_start.2")] == 2  # the abandoned run's start reading is kept, not reused
        assert [p.label for p in points] == ["Q1", "Q2", "Q3"]
        assert [p.seq for p in points] == [1, 2, 3]
    # the same meter measured without interruption gives the same errors within the noise
    full = run_case(CASE, session_factory=factory, today=TODAY, progress=lambda m: None, wall=_wall)
    for resumed, straight in zip(points, full.points, strict=True):
        assert resumed.label == straight["point"]
        assert abs(resumed.error - straight["error"]) <= resumed.expanded_uncertainty / 10
        assert abs(resumed.error - CASE.error_percent) <= resumed.expanded_uncertainty


def test_as_found_then_adjusted_as_left(engine: Engine) -> None:
    case = FAMILIES["comparison"]
    factory = make_session_factory(engine)
    with factory() as s:
        seed_family_references(session=s, as_of=TODAY)
        s.commit()
    clock = ManualClock()
    with (
        simulated_bench(case, clock=clock) as sb,
        open_instruments(sb.bench, roles=tuple(sb.bench.instruments), clock=clock) as instruments,
    ):
        common: dict[str, Any] = {
            "session_factory": factory,
            "instruments": instruments,
            "clock": clock,
            "today": TODAY,
            "wall": _wall,
            "progress": lambda m: None,
            "ask": sb.ask,
            "operator": sb.operator,
        }
        base: dict[str, Any] = {
            "procedure": case.procedure,
            "bench": sb.bench,
            "dut_serial": case.dut_serial,
            "technician": TECHNICIAN,
            "points": case.points,
            "environment": case.environment,
        }
        found = run_calibration(request=RunRequest(**base), **common)
        sb.sims["dut"].error_percent = 0.0  # the technician adjusts the instrument
        left = run_calibration(
            request=RunRequest(**base, resume=found.calibration_id, state="as_left"), **common
        )
    assert left.calibration_id == found.calibration_id and left.status == "measured"
    states = [(p["state"], p["point"]) for p in left.points]
    assert states == [
        ("as_found", "1 V"),
        ("as_found", "5 V"),
        ("as_found", "10 V"),
        ("as_left", "1 V"),
        ("as_left", "5 V"),
        ("as_left", "10 V"),
    ]
    for p in left.points:
        nominal = float(p["point"].split()[0])
        injected = nominal * case.error_percent / 100.0 if p["state"] == "as_found" else 0.0
        assert abs(p["error"] - injected) <= p["expanded_uncertainty"], p
