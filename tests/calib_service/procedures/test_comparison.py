"""Calibration by comparison: error, correction and U by hand; no decision without a specification."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures.comparison import ExtraTerm, evaluate_point, parse_points


def test_budget_by_hand() -> None:
    # differences 0.20, 0.18, 0.22 → mean 0.20, s = 0.02, s/√3 = 0.011547 (ν = 2)
    # standard U = 0.02 (k = 2) → 0.01; instrument resolution 0.01 → 0.005/√3 = 0.0028868
    # standard resolution 0.001 → 0.00028868; bath ±0.01 rectangular → 0.0057735
    # u_c² = 0.011547² + 0.01² + 0.0028868² + 0.00028868² + 0.0057735² = 0.00027092 → u_c = 0.016460
    # ν_eff = 0.016460⁴/(0.011547⁴/2) = 8.26 → 8; t_0.975(8) = 2.306 → U = 0.03796
    r = evaluate_point(
        point="50 °C",
        unit="K",
        standard_readings=[50.01, 50.02, 50.00],
        instrument_readings=[50.21, 50.20, 50.22],
        standard_u=0.02,
        standard_k=2.0,
        standard_resolution=0.001,
        instrument_resolution=0.01,
        extra_terms=[ExtraTerm("d_bath", "rectangular", 0.01, "bath uniformity")],
    )
    assert r.error == pytest.approx(0.20, abs=1e-12)
    assert r.correction == pytest.approx(-0.20, abs=1e-12)
    assert r.decision is None and r.mpe is None
    u_c = math.sqrt(0.011547**2 + 0.01**2 + 0.0028868**2 + 0.00028868**2 + 0.0057735**2)
    assert r.dof_eff == pytest.approx(u_c**4 / (0.011547**4 / 2), rel=1e-3)
    assert r.coverage_factor == pytest.approx(2.306, abs=1e-3)
    assert r.expanded_uncertainty == pytest.approx(2.306 * u_c, rel=1e-3)


def test_standard_correction_and_cmc() -> None:
    # the standard reads 0.05 low (certificate correction +0.05): true = reading + 0.05
    r = evaluate_point(
        point="100 kPa",
        unit="kPa",
        standard_readings=[100.0, 100.0],
        instrument_readings=[100.3, 100.3],
        standard_u=0.01,
        standard_k=2.0,
        pooled_sd=0.001,
        cmc=0.05,
    )
    assert r.reference == pytest.approx(100.0)
    r2 = evaluate_point(
        point="100 kPa",
        unit="kPa",
        standard_readings=[100.0, 100.0],
        instrument_readings=[100.3, 100.3],
        standard_u=0.01,
        standard_k=2.0,
        standard_correction=0.05,
        pooled_sd=0.001,
        cmc=0.05,
    )
    assert r2.error == pytest.approx(0.25)
    assert r2.reference == pytest.approx(100.05)
    assert r2.expanded_uncertainty == 0.05 and r2.cmc_applied


def test_recovers_known_offset_with_specification() -> None:
    rng = np.random.default_rng(1094)
    std = [20.0 + rng.normal(0, 0.003) for _ in range(10)]
    inst = [round(s + 0.12 + rng.normal(0, 0.005), 2) for s in std]
    r = evaluate_point(
        point="20 °C",
        unit="K",
        standard_readings=std,
        instrument_readings=inst,
        standard_u=0.01,
        standard_k=2.0,
        instrument_resolution=0.01,
        mpe=0.3,
    )
    assert abs(r.error - 0.12) <= r.expanded_uncertainty <= 0.1
    assert r.decision == "pass"


def test_bad_input() -> None:
    with pytest.raises(RecordValidationError, match="pairs"):
        evaluate_point(
            point="p",
            unit="K",
            standard_readings=[1.0],
            instrument_readings=[1.0, 2.0],
            standard_u=0.1,
            standard_k=2,
        )
    with pytest.raises(RecordValidationError, match="reserved"):
        evaluate_point(
            point="p",
            unit="K",
            standard_readings=[1.0, 1.0],
            instrument_readings=[1.0, 2.0],
            standard_u=0.1,
            standard_k=2,
            extra_terms=[ExtraTerm("D", "normal", 0.1, "x")],
        )
    with pytest.raises(RecordValidationError, match="distribution"):
        ExtraTerm("d_x", "cauchy", 0.1, "x").entry("K")
    assert parse_points("0; 20, 50") == [0.0, 20.0, 50.0]
    with pytest.raises(RecordValidationError, match="not a number"):
        parse_points("0, twenty")
