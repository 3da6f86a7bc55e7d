"""JJG 635-2011 NDIR analysers: limit rows, injected gain/offset errors recovered, drift, T90."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg635
from calib_service.procedures.analyser import Dilution


def test_verified_rows_and_placeholders() -> None:
    # regulations.md §1 (V): interference of non-target gases except H2O ±2 % FS
    for cls in jjg635.CLASSES:
        row = jjg635.limit("interference", cls)
        assert row.value == 2.0 and row.verified is True
        # drift limits equal the referenced-error limit (V), itself a placeholder (Table 1 not retrieved)
        mpe = jjg635.limit("indication_error", cls)
        assert jjg635.limit("zero_drift", cls).value == mpe.value
        assert jjg635.limit("span_drift", cls).value == mpe.value
        assert jjg635.limit("interference_h2o", cls).value == mpe.value
        assert not mpe.verified and "PLACEHOLDER" in mpe.source
        assert not jjg635.limit("response_time", cls).verified


def _readings(true: float, gain: float, offset: float, rng: np.random.Generator, n: int = 3) -> list[float]:
    return [round(true * (1 + gain / 100) + offset + rng.normal(0, 0.8), 1) for _ in range(n)]


@pytest.mark.parametrize("name", ["zero", "mid", "span"])
def test_recovers_gain_and_offset(name: str) -> None:
    # 2000 ppm range, class 2 (±2 % FS placeholder); cylinder 1800 ppm ±0.5 % (k = 2, a GBW-grade gas),
    # mid by 1:1 dilution
    rng = np.random.default_rng(635)
    span = 2000.0
    refs = {
        "zero": Dilution(0.0, 0.5, 2.0),
        "mid": Dilution(1800.0, 9.0, 2.0, gas_flow=500.0, diluent_flow=500.0, mfc_accuracy_percent=0.5),
        "span": Dilution(1800.0, 9.0, 2.0),
    }
    ref = refs[name]
    gain, offset = 1.5, 4.0
    r = jjg635.evaluate_point(
        point=name,
        reference=ref,
        readings=_readings(ref.value, gain, offset, rng),
        unit="ppm",
        span=span,
        accuracy_class="2",
        dut_resolution=0.1,
    )
    injected = (ref.value * gain / 100 + offset) / span * 100
    assert abs(r.error - injected) <= r.expanded_uncertainty
    assert r.expanded_uncertainty <= r.mpe / 3  # type: ignore[operator]
    assert r.decision == "pass"
    assert r.error_unit == "% FS"


def test_drift_checks() -> None:
    zero, sp = jjg635.check_drift(
        accuracy_class="2",
        span=2000.0,
        zero_start=1.0,
        zero_end=21.0,
        span_start=1800.0,
        span_end=1850.0,
        elapsed_hours=24.0,
    )
    # zero drift 20/2000 = 1.0 % FS; span drift (50 − 20)/2000 = 1.5 % FS
    assert zero.value == pytest.approx(1.0) and zero.decision == "pass"
    assert sp.value == pytest.approx(1.5) and sp.decision == "pass"
    _, sp2 = jjg635.check_drift(
        accuracy_class="1",
        span=2000.0,
        zero_start=1.0,
        zero_end=21.0,
        span_start=1800.0,
        span_end=1850.0,
        elapsed_hours=24.2,
    )
    assert sp2.decision == "fail"
    with pytest.raises(RecordValidationError, match="24 h"):
        jjg635.check_drift(
            accuracy_class="2",
            span=2000.0,
            zero_start=0,
            zero_end=0,
            span_start=1,
            span_end=1,
            elapsed_hours=12.0,
        )


def test_response_time_and_repeatability() -> None:
    series = [(i * 0.5, 1800.0 * (1 - math.exp(-i * 0.5 / 10.0))) for i in range(400)]
    rt = jjg635.check_response_time("2", series, final=1800.0)
    assert rt.value == pytest.approx(10.0 * math.log(10), abs=0.05)
    assert rt.unit == "s"
    rep = jjg635.check_repeatability("2", [1000.0, 1004.0, 996.0, 1001.0, 999.0, 1000.0])
    assert rep.value == pytest.approx(0.26077, abs=1e-4)  # s = 2.6077 ppm on 1000 ppm


def test_environment() -> None:
    assert (
        jjg635.check_environment(
            {"ambient_temperature": 20.0, "relative_humidity": 50.0, "atmospheric_pressure": 101.0}
        )
        == []
    )
    assert jjg635.check_environment({"ambient_temperature": 40.0})


@pytest.mark.parametrize(
    ("delta", "rule", "expected"),
    [
        # class 1 (±1 % FS placeholder), 2000 ppm range, span cylinder 1800 ppm ± 18 ppm (k = 2):
        # u = 9 ppm = 0.45 % FS, U = 0.9 % FS > MPEV/3 → JJF 1094: pass |δ| ≤ 0.1, fail |δ| ≥ 1.9
        (0.05, "jjf1094", "pass"),
        (0.1, "jjf1094", "pass"),
        (0.5, "jjf1094", "undetermined"),
        (-1.0, "jjf1094", "undetermined"),
        (1.9, "jjf1094", "fail"),
        (1.9, "guard", "undetermined"),  # ILAC-G8 w = U fails only beyond MPEV + U
        (1.95, "guard", "fail"),
        (1.0, "simple", "pass"),
        (1.05, "simple", "fail"),
    ],
)
def test_decisions_by_hand(delta: float, rule: str, expected: str) -> None:
    reading = 1800.0 + delta / 100 * 2000.0
    r = jjg635.evaluate_point(
        point="span",
        reference=Dilution(1800.0, 18.0, 2.0),
        readings=[reading],
        unit="ppm",
        span=2000.0,
        accuracy_class="1",
        dut_resolution=0.0,
        pooled_sd=0.0,
        decision_rule=rule,
    )
    assert r.error == pytest.approx(delta, abs=1e-9)
    assert r.expanded_uncertainty == pytest.approx(0.9, abs=1e-9)
    assert r.decision == expected


@pytest.mark.parametrize(
    ("cls", "gas", "zero", "with_gas", "value", "limit", "decision"),
    [
        # by hand, R = 2000 ppm: (24.0 − mean(4.0, 4.2, 3.8) = 4.0)/2000 × 100 = +1.00 % FS, inside ±2
        ("2", "CO", [4.0, 4.2, 3.8], [24.0, 23.9, 24.1], 1.0, 2.0, "pass"),
        # on the limit: (44 − 4)/2000 = +2.00 % FS passes; (10 − 50)/2000 = −2.00 % FS passes
        ("2", "CO", [4.0], [44.0], 2.0, 2.0, "pass"),
        ("1", "CH4", [50.0], [10.0], -2.0, 2.0, "pass"),
        # outside: (44.2 − 4)/2000 = 2.01 % FS; (64 − 4)/2000 = 3.00 % FS (±2 % FS whatever the class)
        ("5", "CO", [4.0], [44.2], 2.01, 2.0, "fail"),
        ("2", "N2O", [4.0, 4.0], [64.0, 64.0], 3.0, 2.0, "fail"),
        # H2O: ≤ the referenced-error limit of the class (placeholder): class 1 ±1, class 5 ±5 % FS
        ("1", "H2O", [0.0], [20.0], 1.0, 1.0, "pass"),
        ("1", "H₂O", [0.0], [20.2], 1.01, 1.0, "fail"),
        ("5", "h2o", [0.0], [60.0], 3.0, 5.0, "pass"),
    ],
)
def test_interference_by_hand(
    cls: str, gas: str, zero: list[float], with_gas: list[float], value: float, limit: float, decision: str
) -> None:
    r = jjg635.check_interference(cls, gas, zero, with_gas, 2000.0)
    assert r.value == pytest.approx(value, abs=1e-9)
    assert r.unit == "% FS" and r.limit == limit and r.decision == decision
    h2o = gas.upper().replace("₂", "2") == "H2O"
    row = jjg635.limit("interference_h2o" if h2o else "interference", cls)
    assert r.limit_verified is row.verified and r.limit_verified is (not h2o)
    assert r.name == ("interference_H2O" if gas == "H₂O" else f"interference_{gas}")


@pytest.mark.parametrize(
    ("gas", "zero", "with_gas", "span", "cls"),
    [
        ("CO2", [0.0], [1.0], 2000.0, "2"),  # the target gas itself
        ("C O", [0.0], [1.0], 2000.0, "2"),
        ("CO", [], [1.0], 2000.0, "2"),
        ("CO", [0.0], [math.nan], 2000.0, "2"),
        ("CO", [0.0], [1.0], 0.0, "2"),
        ("CO", [0.0], [1.0], 2000.0, "7"),  # no such class
    ],
)
def test_interference_rejects_bad_input(
    gas: str, zero: list[float], with_gas: list[float], span: float, cls: str
) -> None:
    with pytest.raises(RecordValidationError):
        jjg635.check_interference(cls, gas, zero, with_gas, span)


def test_interference_of_single_readings() -> None:
    assert jjg635.check_interference("2", "CO", 4.0, 24.0, 2000.0).value == pytest.approx(1.0)
