"""JJG 225-2024 heat meters: class formulas by hand, caps, sub-assemblies and the complete meter."""

from __future__ import annotations

import numpy as np
import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg225, jjg225_budgets


@pytest.mark.parametrize(
    ("part", "cls", "kw", "expected"),
    [
        # complete meter (regulations.md §1): class 2 at Δθ = 10 K, Δθmin = 3 K, q = qp: 3 + 1.2 + 0.02 = 4.22
        ("complete", "2", {"dtheta": 10, "dtheta_min": 3, "q": 1.5, "qp": 1.5}, 4.22),
        # class 1 at Δθ = Δθmin, qp/q = 100: 2 + 4 + 1 = 7
        ("complete", "1", {"dtheta": 3, "dtheta_min": 3, "q": 0.015, "qp": 1.5}, 7.0),
        # class 3 at Δθ = 20 K, Δθmin = 3 K, qp/q = 10: 4 + 0.6 + 0.5 = 5.1
        ("complete", "3", {"dtheta": 20, "dtheta_min": 3, "q": 0.15, "qp": 1.5}, 5.1),
        # class 2 at Δθ = 60 K, Δθmin = 3 K, qp/q = 1: 3 + 0.2 + 0.02 = 3.22
        ("complete", "2", {"dtheta": 60, "dtheta_min": 3, "q": 1.5, "qp": 1.5}, 3.22),
        # flow sensor class 2, qp/q = 100: 2 + 2 = 4 (below the cap 5)
        ("flow_sensor", "2", {"q": 0.015, "qp": 1.5}, 4.0),
        # flow sensor class 2, qp/q = 250: 2 + 5 = 7 → capped at 5 (EN 1434, unverified)
        ("flow_sensor", "2", {"q": 0.006, "qp": 1.5}, 5.0),
        # flow sensor class 1, qp/q = 300: 1 + 3 = 4 → cap 3.5
        ("flow_sensor", "1", {"q": 0.005, "qp": 1.5}, 3.5),
        # flow sensor class 3, qp/q = 10: 3 + 0.5 = 3.5
        ("flow_sensor", "3", {"q": 0.15, "qp": 1.5}, 3.5),
        # temperature pair: 0.5 + 3 Δθmin/Δθ; Δθ = Δθmin → 3.5; Δθ = 20, Δθmin = 3 → 0.95
        ("temperature_pair", "2", {"dtheta": 3, "dtheta_min": 3}, 3.5),
        ("temperature_pair", "1", {"dtheta": 20, "dtheta_min": 3}, 0.95),
        # calculator: 0.5 + Δθmin/Δθ; Δθ = 3 → 1.5; Δθ = 60 → 0.55
        ("calculator", "2", {"dtheta": 3, "dtheta_min": 3}, 1.5),
        ("calculator", "3", {"dtheta": 60, "dtheta_min": 3}, 0.55),
    ],
)
def test_formulas_by_hand(part: str, cls: str, kw: dict[str, float], expected: float) -> None:
    value, row = jjg225.mpe(part, cls, **kw)
    assert value == pytest.approx(expected, abs=1e-12)
    assert row.verified is False and "regulations.md" in row.source


def test_cap_can_be_switched_off_and_is_unverified() -> None:
    value, row = jjg225.mpe("flow_sensor", "1", q=0.005, qp=1.5, apply_cap=False)
    assert value == pytest.approx(4.0)
    assert row.cap == 3.5 and "EN 1434" in row.source and not row.verified


def test_complete_equals_sum_of_sub_assemblies() -> None:
    # EN 1434: the complete-meter formula is the sum of flow sensor, pair and calculator (no cap reached)
    for cls in jjg225.CLASSES:
        kw = {"dtheta": 7.0, "dtheta_min": 3.0}
        total = (
            jjg225.mpe("flow_sensor", cls, q=0.3, qp=1.5)[0]
            + jjg225.mpe("temperature_pair", cls, **kw)[0]
            + jjg225.mpe("calculator", cls, **kw)[0]
        )
        assert jjg225.mpe("complete", cls, q=0.3, qp=1.5, **kw)[0] == pytest.approx(total)


def test_points_and_bad_input() -> None:
    assert jjg225.flow_points(0.006, 0.6)[1] == ("0.1qp", 0.06, 0.066)
    assert jjg225.dtheta_points(3, 70)[0] == ("Δθmin", 3.0, 3.6)
    with pytest.raises(RecordValidationError, match="Δθ"):
        jjg225.mpe("complete", "2", q=1, qp=1)
    with pytest.raises(RecordValidationError, match="part"):
        jjg225.mpe("pump", "2")
    with pytest.raises(RecordValidationError, match="class"):
        jjg225.mpe("calculator", "4", dtheta=10, dtheta_min=3)


def test_flow_sensor_recovers_error() -> None:
    rng = np.random.default_rng(225)
    ref = [100.0, 100.0, 100.0]
    shown = [round(v * (1 + (1.1 + rng.normal(0, 0.05)) / 100), 3) for v in ref]
    r = jjg225_budgets.evaluate_flow_sensor(
        point="0.1qp",
        q=0.15,
        qp=1.5,
        accuracy_class="2",
        indicated_l=shown,
        reference_l=ref,
        reference_u_percent=0.1,
        reference_k=2,
        dut_resolution_l=0.001,
        reference_resolution_l=0.001,
        temperature_correction_u_percent=0.02,
    )
    # MPE = 2 + 0.02 × 10 = 2.2 %
    assert r.mpe == pytest.approx(2.2)
    assert abs(r.error - 1.1) <= r.expanded_uncertainty <= r.mpe / 3  # type: ignore[operator]
    assert r.decision == "pass"


def test_temperature_pair_recovers_error() -> None:
    rng = np.random.default_rng(2251)
    hot = [45.0 + rng.normal(0, 0.002) for _ in range(4)]
    cold = [35.0 + rng.normal(0, 0.002) for _ in range(4)]
    # pair reads Δθ 0.6 % high
    shown = [round((h - c) * 1.006, 3) for h, c in zip(hot, cold, strict=True)]
    r = jjg225_budgets.evaluate_temperature_pair(
        point="10-20 K",
        dtheta_min=3.0,
        accuracy_class="2",
        indicated_dtheta_k=shown,
        hot_reference_c=hot,
        cold_reference_c=cold,
        thermometer_u_k=0.005,
        thermometer_k=2,
        bath_half_width_k=0.005,
        dut_resolution_k=0.001,
    )
    assert r.mpe == pytest.approx(0.5 + 3 * 3 / r.reference)
    assert abs(r.error - 0.6) <= r.expanded_uncertainty <= r.mpe / 3  # type: ignore[operator]


def test_calculator_and_complete() -> None:
    calc = jjg225_budgets.evaluate_calculator(
        point="Δθ 10 K",
        dtheta=10.0,
        dtheta_min=3.0,
        accuracy_class="2",
        indicated_kwh=[10.05, 10.05],
        reference_kwh=[10.0, 10.0],
        reference_u_percent=0.05,
        reference_k=2,
        dut_resolution_kwh=0.001,
        pooled_sd_percent=0.01,
    )
    assert calc.error == pytest.approx(0.5, abs=1e-9)
    assert calc.mpe == pytest.approx(0.8)
    assert calc.decision == "pass"
    # complete: V = 500 L, k = 1.1545 kWh/(m³·K), Δθ = 20 K → E_ref = 0.5 × 1.1545 × 20 = 11.545 kWh
    comp = jjg225_budgets.evaluate_complete(
        point="qp, 20 K",
        q=1.5,
        qp=1.5,
        dtheta=20.0,
        dtheta_min=3.0,
        accuracy_class="2",
        indicated_kwh=[11.545 * 1.012, 11.545 * 1.0125],
        reference_volume_l=[500.0, 500.0],
        heat_coefficient_kwh_m3k=1.1545,
        heat_coefficient_u_percent=0.03,
        volume_u_percent=0.1,
        volume_k=2,
        reference_dtheta_u_k=0.01,
        reference_dtheta_k=2,
        dut_resolution_kwh=0.001,
    )
    assert comp.reference == pytest.approx(11.545)
    assert comp.error == pytest.approx((1.2 + 1.25) / 2, abs=1e-6)
    assert comp.mpe == pytest.approx(3 + 4 * 3 / 20 + 0.02)
    assert comp.expanded_uncertainty <= comp.mpe / 3  # type: ignore[operator]
    assert comp.decision == "pass"


def test_environment() -> None:
    assert jjg225.check_environment({"ambient_temperature": 22.0, "relative_humidity": 40.0}) == []
    assert jjg225.check_environment(
        {"ambient_temperature": 22.0, "relative_humidity": 40.0, "water_temperature": 70.0}
    )


@pytest.mark.parametrize(
    ("error", "expected"), [(2.19, "pass"), (2.2, "pass"), (-2.2, "pass"), (2.21, "fail")]
)
def test_flow_sensor_decision_at_the_formula_limit(error: float, expected: str) -> None:
    # class 2 flow sensor at qp/q = 10: MPE = 2 + 0.02 × 10 = 2.2 %; U ≈ 0.1 % ≤ MPEV/3 → |E| ≤ 2.2 passes
    r = jjg225_budgets.evaluate_flow_sensor(
        point="0.1qp",
        q=0.15,
        qp=1.5,
        accuracy_class="2",
        indicated_l=[100.0 * (1 + error / 100)],
        reference_l=[100.0],
        reference_u_percent=0.1,
        reference_k=2,
        dut_resolution_l=0.0,
        reference_resolution_l=0.0,
        pooled_sd_percent=0.0,
    )
    assert r.error == pytest.approx(error, abs=1e-9)
    assert r.expanded_uncertainty == pytest.approx(0.1 * (1 + error / 100), rel=1e-6)
    assert r.decision == expected


@pytest.mark.parametrize(
    ("resistance", "r0", "temperature"),
    [
        # IEC 60751 reference table: Pt100 at 0, 50, 100, 200 °C; Pt1000 at 100 °C
        (100.0, 100.0, 0.0),
        (119.3971, 100.0, 50.0),
        (138.5055, 100.0, 100.0),
        (175.856, 100.0, 200.0),
        (1385.055, 1000.0, 100.0),
    ],
)
def test_pt_temperature_iec60751(resistance: float, r0: float, temperature: float) -> None:
    assert jjg225.pt_temperature(resistance, r0) == pytest.approx(temperature, abs=0.001)


def test_pt_temperature_errors_and_pair() -> None:
    with pytest.raises(RecordValidationError, match="below R0"):
        jjg225.pt_temperature(99.0)
    # a Pt500 pair at 70/50 °C: Δθ = 20 K within 1 mK
    hot = 500 * (1 + jjg225.IEC60751_A * 70 + jjg225.IEC60751_B * 70**2)
    cold = 500 * (1 + jjg225.IEC60751_A * 50 + jjg225.IEC60751_B * 50**2)
    assert jjg225.pt_temperature(hot, 500) - jjg225.pt_temperature(cold, 500) == pytest.approx(20.0, abs=1e-3)
