"""CEMS CO2 channel: HJ 75/76 figures as configurable data, indication error, 24 h drift, T90."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import cems_co2
from calib_service.procedures.analyser import Dilution


@pytest.mark.parametrize(
    ("profile", "field", "value", "unit"),
    [
        # regulations.md §1: HJ 75-2017 gas 24 h zero and span drift ≤ ±2.5 % FS; indication ±5 % of the
        # standard value (±2.5 % FS at small ranges); response ≤ 200 s
        ("HJ75", "zero_drift", 2.5, "% FS"),
        ("HJ75", "span_drift", 2.5, "% FS"),
        ("HJ75", "indication_error", 5.0, "%"),
        ("HJ75", "indication_error_small_range", 2.5, "% FS"),
        ("HJ75", "response_time", 200.0, "s"),
        # HJ 76-2017: indication ±2 % FS, 24 h drift ±2 % FS, response ≤ 200 s
        ("HJ76", "indication_error", 2.0, "% FS"),
        ("HJ76", "zero_drift", 2.0, "% FS"),
        ("HJ76", "span_drift", 2.0, "% FS"),
        ("HJ76", "response_time", 200.0, "s"),
    ],
)
def test_profile_rows(profile: str, field: str, value: float, unit: str) -> None:
    row = getattr(cems_co2.PROFILES[profile], field)
    assert row.value == value and row.unit == unit
    assert row.verified is False and "regulations.md" in row.source


def test_every_built_in_row_unverified() -> None:
    assert all(not r.verified for p in cems_co2.PROFILES.values() for r in p.rows())


def test_profile_from_config() -> None:
    p = cems_co2.profile_from_mapping(
        "CO2-spec",
        {
            "indication_error": {"value": 3.0, "unit": "% FS", "source": "draft"},
            "zero_drift": 2.0,
            "span_drift": 2.0,
            "response_time": 180,
        },
    )
    assert p.indication_error.unit == "% FS" and p.indication_error.source == "draft"
    assert p.response_time.value == 180.0 and not p.zero_drift.verified
    with pytest.raises(RecordValidationError, match="missing"):
        cems_co2.profile_from_mapping("x", {"zero_drift": 2})
    with pytest.raises(RecordValidationError, match="> 0"):
        cems_co2.profile_from_mapping(
            "x", {"indication_error": -1, "zero_drift": 2, "span_drift": 2, "response_time": 200}
        )


def test_indication_relative_and_zero() -> None:
    # CO2 channel 0-20 %vol; reference 12 %vol ± 0.06 (k = 2); channel reads 2 % high
    rng = np.random.default_rng(75)
    ref = Dilution(12.0, 0.06, 2.0)
    readings = [round(12.0 * 1.02 + rng.normal(0, 0.01), 2) for _ in range(3)]
    r = cems_co2.evaluate_point(
        point="high", reference=ref, readings=readings, unit="percent", span=20.0, dut_resolution=0.01
    )
    assert r.error_unit == "%" and r.mpe == 5.0
    assert abs(r.error - 2.0) <= r.expanded_uncertainty <= 5.0 / 3
    assert r.decision == "pass"
    zero = cems_co2.evaluate_point(
        point="zero",
        reference=Dilution(0.0, 0.005, 2.0),
        readings=[0.1, 0.11, 0.09],
        unit="percent",
        span=20.0,
        dut_resolution=0.01,
    )
    # 0.1/20 = 0.5 % FS judged against the small-range 2.5 % FS
    assert zero.error_unit == "% FS" and zero.mpe == 2.5
    assert zero.error == pytest.approx(0.5)
    hj76 = cems_co2.evaluate_point(
        point="high",
        reference=ref,
        readings=readings,
        unit="percent",
        span=20.0,
        profile="HJ76",
        dut_resolution=0.01,
    )
    # 0.24/20 = 1.2 % FS against ±2 % FS
    assert hj76.error_unit == "% FS" and abs(hj76.error - 1.2) <= hj76.expanded_uncertainty


def test_drift_on_and_over_the_limit() -> None:
    # 20 %vol range: 2.5 % FS = 0.5 %vol
    zero, sp = cems_co2.check_drift(
        span=20.0, zero_start=0.0, zero_end=0.5, span_start=16.0, span_end=16.51, elapsed_hours=24.0
    )
    assert zero.value == pytest.approx(2.5) and zero.decision == "pass"
    assert sp.value == pytest.approx(2.55) and sp.decision == "fail"
    _, sp76 = cems_co2.check_drift(
        span=20.0,
        zero_start=0.0,
        zero_end=0.1,
        span_start=16.0,
        span_end=16.3,
        elapsed_hours=23.8,
        profile="HJ76",
        subtract_zero=True,
    )
    assert sp76.value == pytest.approx(1.0) and sp76.decision == "pass"


def test_response_time() -> None:
    series = [(float(t), 16.0 * (1 - math.exp(-t / 60.0))) for t in range(0, 1200)]
    rt = cems_co2.check_response_time(series, final=16.0)
    assert rt.value == pytest.approx(60 * math.log(10), abs=0.05)
    assert rt.decision == "pass"
    slow = [(float(t), 16.0 * (1 - math.exp(-t / 100.0))) for t in range(0, 2000)]
    assert cems_co2.check_response_time(slow, final=16.0).decision == "fail"  # 230 s > 200 s


def test_unknown_profile_and_environment() -> None:
    with pytest.raises(RecordValidationError, match="profile"):
        cems_co2.check_response_time([(0, 0.0), (1, 1.0), (2, 1.0)], profile="HJ99")
    assert cems_co2.check_environment({"ambient_temperature": 25.0, "relative_humidity": 60.0}) == []
