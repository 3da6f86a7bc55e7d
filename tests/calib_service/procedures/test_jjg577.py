"""JJG 577 diaphragm gas meters: limits vs regulations.md, flows, injected error, JJF 1094 by hand."""

from __future__ import annotations

import numpy as np
import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg577


@pytest.mark.parametrize(
    ("cls", "flow", "mpe"),
    [
        # regulations.md §1: class 1.5 qmin ≤ q < qt ±3 %, qt ≤ q ≤ qmax ±1.5 %; class 1.0 ±2 % / ±1 %
        ("1.5", 0.04, 3.0),
        ("1.5", 0.59, 3.0),
        ("1.5", 0.6, 1.5),  # qt = 0.1 qmax belongs to the upper range
        ("1.5", 6.0, 1.5),
        ("1.0", 0.04, 2.0),
        ("1.0", 6.0, 1.0),
    ],
)
def test_limits(cls: str, flow: float, mpe: float) -> None:
    value, row = jjg577.mpe_for(cls, flow, 0.04, 6.0)
    assert value == mpe
    assert row.verified is False and "regulations.md" in row.source


def test_flows_and_bad_input() -> None:
    flows = jjg577.flow_points(0.04, 6.0)
    assert [f.label for f in flows] == ["qmin", "qt", "qmax"]
    assert flows[1].nominal == pytest.approx(0.6)
    with pytest.raises(RecordValidationError, match="outside"):
        jjg577.mpe_for("1.5", 0.03, 0.04, 6.0)
    with pytest.raises(RecordValidationError, match="class"):
        jjg577.mpe_for("2", 1.0, 0.04, 6.0)


def test_environment() -> None:
    assert jjg577.check_environment({"ambient_temperature": 20.0, "relative_humidity": 50.0}) == []
    assert "above 22" in jjg577.check_environment({"ambient_temperature": 23.0, "relative_humidity": 50.0})[0]


def _runs(
    error: float, volume: float, rng: np.random.Generator, n: int = 3, noise: float = 0.05
) -> list[jjg577.GasRun]:
    out = []
    for _ in range(n):
        run = jjg577.GasRun(0.0, 0.0, volume, 101.3, 0.45, 0.60, 20.2, 20.6)
        shown = run.reference_at_meter_l() * (1 + (error + rng.normal(0, noise)) / 100)
        out.append(jjg577.GasRun(5000.0, 5000.0 + round(shown, 3), volume, 101.3, 0.45, 0.60, 20.2, 20.6))
    return out


def _eval(point: str, flow: float, runs: list[jjg577.GasRun], **kw: object) -> jjg577.PointResult:
    args: dict[str, object] = dict(
        point=point,
        flow=flow,
        qmin=0.04,
        qmax=6.0,
        runs=runs,
        accuracy_class="1.5",
        dut_resolution_l=0.002,
        reference_u_percent=0.2,
        reference_k=2.0,
        reference_resolution_l=0.02,
        barometer_u_kpa=0.05,
        gauge_u_kpa=0.01,
        thermometer_u_c=0.1,
    )
    args.update(kw)
    return jjg577.evaluate_point(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("point", "flow", "volume", "error"),
    [("qmin", 0.04, 20.0, 2.1), ("qt", 0.6, 50.0, -0.7), ("qmax", 6.0, 100.0, 0.4)],
)
def test_recovers_injected_error(point: str, flow: float, volume: float, error: float) -> None:
    r = _eval(point, flow, _runs(error, volume, np.random.default_rng(577)))
    assert abs(r.error - error) <= r.expanded_uncertainty
    assert r.expanded_uncertainty <= r.mpe / 3  # type: ignore[operator]
    assert r.decision == "pass"


def test_pressure_temperature_correction_by_hand() -> None:
    # 100 L at the prover (101.3 + 0.45 kPa, 20.2 °C) → at the meter (101.3 + 0.60 kPa, 20.6 °C):
    # 100 × 101.75/101.90 × 293.75/293.35 = 100 × 0.998527969 × 1.001363559 = 99.98895 L
    run = jjg577.GasRun(0, 0, 100.0, 101.3, 0.45, 0.60, 20.2, 20.6)
    assert run.reference_at_meter_l() == pytest.approx(99.98895, abs=1e-5)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # U dominated by the prover: u(d_s) = 0.8/2 = 0.4 %, sensitivity (1 + E/100); U ≈ 0.8 (1 + E/100)
        # > MPEV/3 = 0.5, so JJF 1094: pass if |E| ≤ 1.5 − U, fail if |E| ≥ 1.5 + U
        (0.6, "pass"),  # U = 0.8048, limit 0.695
        (1.0, "undetermined"),  # U = 0.808: 0.692 < 1.0 < 2.308
        (-2.0, "undetermined"),  # U = 0.784: 2.0 < 2.284
        (2.4, "fail"),  # U = 0.8192: 2.4 ≥ 2.319
    ],
)
def test_jjf1094_with_a_poor_prover(error: float, expected: str) -> None:
    runs = [jjg577.GasRun(0.0, 100.0 * (1 + error / 100), 100.0, 101.3, 0.0, 0.0, 20.0, 20.0)]
    r = _eval(
        "qmax",
        6.0,
        runs,
        reference_u_percent=0.8,
        reference_resolution_l=0.0,
        dut_resolution_l=0.0,
        barometer_u_kpa=0.0,
        gauge_u_kpa=0.0,
        thermometer_u_c=0.0,
        pooled_sd_percent=0.0,
    )
    assert r.error == pytest.approx(error, abs=1e-9)
    assert r.expanded_uncertainty == pytest.approx(0.8 * (1 + error / 100), rel=1e-6)
    assert r.decision == expected
    simple = _eval(
        "qmax",
        6.0,
        runs,
        reference_u_percent=0.8,
        reference_resolution_l=0.0,
        dut_resolution_l=0.0,
        barometer_u_kpa=0.0,
        gauge_u_kpa=0.0,
        thermometer_u_c=0.0,
        pooled_sd_percent=0.0,
        decision_rule="simple",
    )
    assert simple.decision == ("pass" if abs(error) <= 1.5 else "fail")
