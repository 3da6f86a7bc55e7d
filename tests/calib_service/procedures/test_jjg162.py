"""JJG 162-2019 water meters: limit table vs regulations.md, zones, injected-error recovery, decisions."""

from __future__ import annotations

import numpy as np
import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg162, water

RHO_A = water.air_density(1013.25, 50.0, 20.0)


@pytest.mark.parametrize(
    ("cls", "table", "mpe"),
    [
        # regulations.md §1, JJG 162-2019 row
        ("2", "upper_zone", 2.0),
        ("2", "upper_zone_hot", 3.0),
        ("2", "lower_zone", 5.0),
        ("1", "upper_zone", 1.0),
        ("1", "upper_zone_hot", 2.0),
        ("1", "lower_zone", 3.0),
    ],
)
def test_limit_rows(cls: str, table: str, mpe: float) -> None:
    rows = [r for r in jjg162.LIMITS if r.accuracy_class == cls and r.table == table]
    assert len(rows) == 1
    assert rows[0].value == mpe
    assert rows[0].unit == "%"
    assert rows[0].verified is False  # U in regulations.md
    assert "regulations.md" in rows[0].source and "R 49" in rows[0].source


def test_every_row_unverified_with_source() -> None:
    assert all(not r.verified and r.source for r in jjg162.LIMITS)
    assert jjg162.IN_SERVICE_FACTOR[0] == 2.0


@pytest.mark.parametrize(
    ("flow", "temp", "expected"),
    [
        (0.025, 20.0, 5.0),  # Q1: lower zone
        (0.0399, 20.0, 5.0),  # just below Q2
        (0.04, 20.0, 2.0),  # Q2: upper zone
        (2.5, 30.0, 2.0),  # 30 °C still 0.1-30 °C
        (2.5, 30.5, 3.0),  # > 30 °C
        (3.125, 20.0, 2.0),  # Q4
    ],
)
def test_mpe_zones_class2(flow: float, temp: float, expected: float) -> None:
    # Q3 = 2.5 m³/h, R = 100: Q1 = 0.025, Q2 = 1.6 Q1 = 0.04
    assert jjg162.mpe_for("2", flow, 0.025, 0.04, temp)[0] == expected


def test_in_service_and_below_q1() -> None:
    assert jjg162.mpe_for("1", 1.0, 0.025, 0.04, 20.0, in_service=True)[0] == 2.0
    with pytest.raises(RecordValidationError, match="below Q1"):
        jjg162.mpe_for("2", 0.02, 0.025, 0.04, 20.0)
    with pytest.raises(RecordValidationError, match="class"):
        jjg162.mpe_for("3", 1.0, 0.025, 0.04, 20.0)


def test_flow_points() -> None:
    pts = jjg162.flow_points(2.5, 100, include_q4=True)
    assert [p.label for p in pts] == ["Q1", "Q2", "Q3", "Q4"]
    q1, q2, q3, q4 = pts
    assert (q1.low, q1.high) == pytest.approx((0.025, 0.0275))
    assert (q2.low, q2.high) == pytest.approx((0.04, 0.044))
    assert (q3.low, q3.high) == pytest.approx((2.25, 2.5))
    assert (q4.low, q4.high) == pytest.approx((2.96875, 3.125))
    assert q1.zone == "lower" and q2.zone == "upper"


def test_environment() -> None:
    ok = {
        "ambient_temperature": 20.0,
        "relative_humidity": 60.0,
        "atmospheric_pressure": 101.0,
        "water_temperature": 18.0,
    }
    assert jjg162.check_environment(ok) == []
    bad = dict(ok, water_temperature=45.0, ambient_temperature=30.0)
    problems = jjg162.check_environment(bad)
    assert len(problems) == 2
    assert any("water_temperature" in p for p in problems)


def _grav_runs(
    error: float, volume: float, temp: float, rng: np.random.Generator, n: int = 3, noise: float = 0.05
) -> list[jjg162.GravimetricRun]:
    runs = []
    rho_w = water.water_density(temp)
    for _ in range(n):
        balance = volume / 1000.0 * rho_w / water.buoyancy_factor(RHO_A, rho_w)
        shown = volume * (1 + (error + rng.normal(0.0, noise)) / 100.0)
        runs.append(jjg162.GravimetricRun(1000.0, 1000.0 + round(shown, 2), round(balance, 3), temp))
    return runs


def _grav(
    point: str, flow: float, runs: list[jjg162.GravimetricRun], cls: str = "2", **kw: object
) -> jjg162.PointResult:
    args: dict[str, object] = dict(
        point=point,
        flow=flow,
        q1=0.025,
        q2=0.04,
        runs=runs,
        accuracy_class=cls,
        dut_resolution_l=0.01,
        balance_u_kg=0.005,
        balance_k=2.0,
        balance_resolution_kg=0.001,
        air_density_kg_m3=RHO_A,
        air_density_u=0.002,
        thermometer_u_c=0.2,
    )
    args.update(kw)
    return jjg162.evaluate_gravimetric(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("point", "flow", "volume", "error"),
    [
        ("Q1", 0.026, 10.0, -3.1),
        ("Q2", 0.041, 20.0, 1.4),
        ("Q3", 2.45, 200.0, -0.8),
    ],
)
def test_gravimetric_recovers_injected_error(point: str, flow: float, volume: float, error: float) -> None:
    rng = np.random.default_rng(162)
    r = _grav(point, flow, _grav_runs(error, volume, 19.6, rng))
    assert abs(r.error - error) <= r.expanded_uncertainty
    assert r.expanded_uncertainty <= r.mpe / 3  # type: ignore[operator]
    assert r.decision == "pass"
    assert r.unit == "L" and r.error_unit == "%"
    names = [row["name"] for row in r.budget["result"]["budget"]]
    assert {"d_m", "d_rho_t", "d_res", "d_rep"} <= set(names)


def test_single_run_needs_pooled_sd() -> None:
    rng = np.random.default_rng(1)
    runs = _grav_runs(0.5, 100.0, 20.0, rng, n=1)
    with pytest.raises(RecordValidationError, match="pooled"):
        _grav("Q3", 2.4, runs)
    r = _grav("Q3", 2.4, runs, pooled_sd_percent=0.05)
    assert abs(r.error - 0.5) <= r.expanded_uncertainty + 0.05


@pytest.mark.parametrize(
    ("error", "expected"), [(1.99, "pass"), (2.0, "pass"), (2.02, "fail"), (-2.02, "fail")]
)
def test_decisions_at_the_upper_zone_limit(error: float, expected: str) -> None:
    # noise-free runs, U ≈ 0.03 % ≤ MPEV/3 = 0.667 %: JJF 1094 reduces to |Δ| ≤ 2 %
    rho_w = water.water_density(20.0)
    runs = [
        jjg162.GravimetricRun(
            0.0, 100.0 * (1 + error / 100), 0.1 * rho_w / water.buoyancy_factor(RHO_A, rho_w), 20.0
        )
    ]
    r = _grav("Q3", 2.4, runs, pooled_sd_percent=0.0)
    assert r.error == pytest.approx(error, abs=1e-9)
    assert r.decision == expected


def test_standard_meter_method() -> None:
    rng = np.random.default_rng(7)
    runs = []
    for _ in range(3):
        v_s = 100.0
        # the same mass of water: at the meter (22 °C) it occupies V_s ρ(18)/ρ(22)
        v_true = v_s * water.water_density(18.0) / water.water_density(22.0)
        shown = v_true * (1 + (0.9 + rng.normal(0, 0.03)) / 100)
        runs.append(jjg162.StandardMeterRun(v_s, 0.0, round(shown, 2), 18.0, 22.0))
    r = jjg162.evaluate_standard_meter(
        point="Q3",
        flow=2.4,
        q1=0.025,
        q2=0.04,
        runs=runs,
        accuracy_class="2",
        dut_resolution_l=0.01,
        reference_u_percent=0.1,
        reference_k=2.0,
        reference_resolution_l=0.001,
        thermometer_u_c=0.2,
    )
    assert abs(r.error - 0.9) <= r.expanded_uncertainty <= 2.0 / 3
    assert r.decision == "pass"


def test_hot_water_flag_and_limit() -> None:
    rng = np.random.default_rng(3)
    r = _grav("Q3", 2.4, _grav_runs(2.5, 100.0, 35.0, rng))
    assert r.mpe == 3.0
    assert r.decision == "pass"
    assert any("> 30 °C" in f for f in r.flags)


def test_start_stop_term_adds_in_quadrature() -> None:
    rng = np.random.default_rng(5)
    runs = _grav_runs(0.3, 100.0, 20.0, rng)
    base = _grav("Q3", 2.4, runs)
    with_ss = _grav("Q3", 2.4, runs, start_stop_u_percent=0.05)
    u0 = base.budget["result"]["standard_uncertainty"]
    u1 = with_ss.budget["result"]["standard_uncertainty"]
    assert u1 == pytest.approx((u0**2 + 0.05**2) ** 0.5, rel=1e-9)
    assert with_ss.error == pytest.approx(base.error)
    with pytest.raises(RecordValidationError, match="start/stop"):
        _grav("Q3", 2.4, runs, start_stop_u_percent=-0.1)


def test_flow_outside_the_point_range_is_flagged() -> None:
    rng = np.random.default_rng(11)
    q3 = jjg162.flow_points(2.5, 100)[2]
    runs = _grav_runs(0.3, 100.0, 20.0, rng)
    inside = _grav("Q3", 2.4, runs, flow_range=(q3.low, q3.high))
    assert not any("outside the test-flow range" in f for f in inside.flags)
    outside = _grav("Q3", 2.0, runs, flow_range=(q3.low, q3.high))
    assert any("outside the test-flow range 2.25 … 2.5" in f for f in outside.flags)
