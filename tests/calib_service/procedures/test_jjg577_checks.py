"""JJG 577 pressure loss and cyclic volume: the checks worked by hand and through a run on simulators."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select

from calib_service.db import make_session_factory
from calib_service.demo_families import FAMILIES, run_case
from calib_service.errors import RecordValidationError
from calib_service.models import CalibrationPoint
from calib_service.procedures import jjg577
from instruments.clock import ManualClock


@pytest.mark.parametrize(
    ("qmax", "loss", "limit", "decision"),
    [
        (6.0, 199.9, 200.0, "pass"),
        (6.0, 200.0, 200.0, "pass"),  # on the limit: |value| <= limit
        (6.0, 200.1, 200.0, "fail"),
        (16.0, 250.0, 200.0, "fail"),  # 16 m³/h is still the smallest size
        (25.0, 250.0, 300.0, "pass"),
        (100.0, 401.0, 400.0, "fail"),
    ],
)
def test_pressure_loss_by_hand(qmax: float, loss: float, limit: float, decision: str) -> None:
    check = jjg577.check_pressure_loss(qmax, loss)
    assert (check.name, check.value, check.unit, check.limit, check.decision) == (
        "pressure_loss",
        loss,
        "Pa",
        limit,
        decision,
    )
    assert check.limit_verified is False  # design value until JJG 577-2012's figure is entered


@pytest.mark.parametrize(
    ("measured", "decision"),
    [(12.6, "pass"), (12.60001, "fail"), (11.4, "pass"), (11.39999, "fail")],
)
def test_cyclic_volume_by_hand(measured: float, decision: str) -> None:
    # marked V = 1.2 L, 10 cycles: 12.6 L is +5.000 % (on the limit), 11.4 L is −5.000 %
    check = jjg577.check_cyclic_volume(1.2, measured, 10)
    assert check.value == pytest.approx((measured / 12.0 - 1.0) * 100.0, abs=1e-12)
    assert check.decision == decision and check.limit == 5.0


def test_bad_check_input_names_what_to_fix() -> None:
    with pytest.raises(RecordValidationError, match="pressure loss must be >= 0"):
        jjg577.check_pressure_loss(6.0, -1.0)
    with pytest.raises(RecordValidationError, match="no pressure-loss limit for qmax = 250"):
        jjg577.check_pressure_loss(250.0, 100.0)
    with pytest.raises(RecordValidationError, match="at least one cycle"):
        jjg577.check_cyclic_volume(1.2, 12.0, 0)


def _checks(engine: Engine, params: dict[str, float]) -> dict[str, CalibrationPoint]:
    factory = make_session_factory(engine)
    outcome = run_case(
        FAMILIES["gas"],
        session_factory=factory,
        today=date(2026, 12, 2),
        progress=lambda m: None,
        wall=lambda: datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
        clock=ManualClock(),
        params=params,
    )
    with factory() as s:
        points = s.scalars(
            select(CalibrationPoint).where(CalibrationPoint.calibration_id == outcome.calibration_id)
        ).all()
        s.expunge_all()
    return {p.label: p for p in points if p.parameters.get("check")}


def test_run_with_a_marked_cyclic_volume_and_without_the_pressure_loss(engine: Engine) -> None:
    checks = _checks(engine, {"cyclic_volume_l": 1.2})
    # the simulated bench answers 118 Pa and 12.1 L for 10 cycles: +0.833 % of the marked 1.2 L
    assert set(checks) == {"pressure_loss", "cyclic_volume"}
    assert checks["pressure_loss"].seq == 4 and checks["pressure_loss"].error == 118.0
    cyc = checks["cyclic_volume"]
    assert cyc.seq == 5 and cyc.error == pytest.approx((12.1 / 10 / 1.2 - 1) * 100, abs=1e-9)
    assert cyc.decision == "pass" and cyc.parameters["marked_l"] == 1.2 and cyc.parameters["cycles"] == 10
    # the next run of the same meter: the marked V is a device rating (stored), the skip a run parameter
    again = _checks(engine, {"pressure_loss": 0.0})
    assert set(again) == {"cyclic_volume"}
