"""Gas-analyser building blocks: dilution arithmetic by hand, T90 of a first-order response, drift."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calib_service.errors import RecordValidationError
from calib_service.procedures.analyser import (
    Dilution,
    drift_percent_fs,
    evaluate_indication,
    relative_std_percent,
    span_drift_percent_fs,
    t90,
)


def test_dilution_by_hand() -> None:
    # 1000 ppm at 100 mL/min + zero gas at 400 mL/min → 1000 × 100/500 = 200 ppm
    # u_rel² = (5/1000)² + 0.8² × 2 × (0.5 %/√3)² = 0.25 + 0.64 × 0.166667 = 0.356667 (%²)
    # u = 200 × 0.597216 % = 1.19443 ppm
    d = Dilution(1000.0, 10.0, 2.0, gas_flow=100.0, diluent_flow=400.0, mfc_accuracy_percent=0.5)
    c, u = d.evaluate("ppm")
    assert c == pytest.approx(200.0, abs=1e-9)
    assert u == pytest.approx(1.19443, abs=1e-5)


def test_dilution_with_impurity_and_undiluted() -> None:
    # impurity half-width 1 ppm in the zero gas at weight 0.8: u = 0.8/√3 = 0.46188 ppm more in quadrature
    d = Dilution(
        1000.0, 10.0, 2.0, gas_flow=100.0, diluent_flow=400.0, mfc_accuracy_percent=0.5, diluent_impurity=1.0
    )
    _, u = d.evaluate("ppm")
    assert u == pytest.approx(math.hypot(1.19443, 0.8 / math.sqrt(3)), abs=1e-5)
    plain = Dilution(400.0, 4.0, 2.0)
    assert plain.value == 400.0
    assert plain.evaluate("ppm") == pytest.approx((400.0, 2.0))


def test_dilution_bad_input() -> None:
    with pytest.raises(RecordValidationError, match="both"):
        Dilution(1000.0, 10.0, 2.0, gas_flow=100.0)
    with pytest.raises(RecordValidationError, match="k > 0"):
        Dilution(1000.0, 10.0, 0.0)


@pytest.mark.parametrize(("tau", "dt"), [(20.0, 0.1), (8.0, 0.5), (45.0, 1.0)])
def test_t90_first_order(tau: float, dt: float) -> None:
    # y(t) = y0 + (y∞ − y0)(1 − exp(−t/τ)): T90 = τ ln 10
    n = int(15 * tau / dt)
    series = [(i * dt, 5.0 + 795.0 * (1 - math.exp(-i * dt / tau))) for i in range(n + 1)]
    # linear interpolation error is at most about dt²/(8τ) of a time unit here
    assert t90(series) == pytest.approx(tau * math.log(10), abs=dt * dt / tau + 1e-6)


def test_t90_falling_step_offset_time_and_noise() -> None:
    rng = np.random.default_rng(90)
    tau, t_step = 12.0, 100.0
    series = [(t_step + i * 0.5, 800.0 * math.exp(-i * 0.5 / tau) + rng.normal(0, 0.5)) for i in range(400)]
    value = t90(series, step_time=t_step, initial=800.0)
    assert value == pytest.approx(tau * math.log(10), abs=0.5)


def test_t90_errors() -> None:
    with pytest.raises(RecordValidationError, match="never reach"):
        t90([(0, 0.0), (1, 0.5), (2, 0.6)], final=1.0)
    with pytest.raises(RecordValidationError, match="do not change"):
        t90([(0, 1.0), (1, 1.0), (2, 1.0)])
    with pytest.raises(RecordValidationError, match="time order"):
        t90([(0, 0.0), (2, 0.5), (1, 1.0)])


def test_drift_and_repeatability_by_hand() -> None:
    # zero 2 → 7 ppm on a 1000 ppm range: 0.5 % FS; span 800 → 812: 1.2 % FS, minus zero drift 0.7 % FS
    assert drift_percent_fs(2.0, 7.0, 1000.0) == pytest.approx(0.5)
    assert span_drift_percent_fs(800.0, 812.0, 2.0, 7.0, 1000.0, subtract_zero=False) == pytest.approx(1.2)
    assert span_drift_percent_fs(800.0, 812.0, 2.0, 7.0, 1000.0, subtract_zero=True) == pytest.approx(0.7)
    # s of (100, 101, 99, 100, 100.5, 99.5) = √(2.5/5) = 0.70711; mean 100 → 0.70711 %
    assert relative_std_percent([100.0, 101.0, 99.0, 100.0, 100.5, 99.5]) == pytest.approx(0.70711, abs=1e-5)


def test_indication_fs_and_reading_basis() -> None:
    ref = Dilution(500.0, 5.0, 2.0)
    fs = evaluate_indication(
        point="mid",
        reference=ref,
        readings=[510.0, 512.0, 508.0],
        unit="ppm",
        span=1000.0,
        mpe=2.0,
        basis="fs",
        dut_resolution=1.0,
    )
    # (510 − 500)/1000 = 1.0 % FS
    assert fs.error == pytest.approx(1.0)
    assert fs.error_unit == "% FS"
    rel = evaluate_indication(
        point="mid",
        reference=ref,
        readings=[510.0, 512.0, 508.0],
        unit="ppm",
        span=1000.0,
        mpe=5.0,
        basis="reading",
    )
    # (510 − 500)/500 = 2.0 %
    assert rel.error == pytest.approx(2.0)
    assert rel.error_unit == "%"
    with pytest.raises(RecordValidationError, match="relative error"):
        evaluate_indication(
            point="zero",
            reference=Dilution(0.0, 0.1, 2.0),
            readings=[1.0, 1.0],
            unit="ppm",
            span=1000.0,
            mpe=5.0,
            basis="reading",
        )


@settings(max_examples=40, deadline=None)
@given(
    tau=st.floats(1.0, 100.0),
    y0=st.floats(-50.0, 50.0),
    change=st.floats(10.0, 5000.0),
    rising=st.booleans(),
    t0=st.floats(0.0, 1e5),
)
def test_t90_is_tau_ln10_for_any_first_order_step(
    tau: float, y0: float, change: float, rising: bool, t0: float
) -> None:
    dt = tau / 50.0
    final = y0 + (change if rising else -change)
    series = [(t0 + i * dt, y0 + (final - y0) * (1 - math.exp(-i * dt / tau))) for i in range(800)]
    assert t90(series, final=final) == pytest.approx(tau * math.log(10), abs=dt * dt / tau + 1e-6 * tau)


@settings(max_examples=40, deadline=None)
@given(cyl=st.floats(1.0, 1e5), qg=st.floats(0.01, 10.0), qd=st.floats(0.0, 10.0), scale=st.floats(0.1, 10.0))
def test_dilution_depends_only_on_the_flow_ratio(cyl: float, qg: float, qd: float, scale: float) -> None:
    a = Dilution(cyl, cyl / 100, 2.0, gas_flow=qg, diluent_flow=qd, mfc_accuracy_percent=0.5)
    b = Dilution(cyl, cyl / 100, 2.0, gas_flow=qg * scale, diluent_flow=qd * scale, mfc_accuracy_percent=0.5)
    assert a.value == pytest.approx(cyl * qg / (qg + qd), rel=1e-12)
    assert b.value == pytest.approx(a.value, rel=1e-12)
    ca, ua = a.evaluate("ppm")
    cb, ub = b.evaluate("ppm")
    assert cb == pytest.approx(ca, rel=1e-9)
    assert ub == pytest.approx(ua, rel=1e-9)
    # u_rel² = 0.5² + (qd/(qg+qd))² · 2 · (0.5/√3)²  (%²)
    w = qd / (qg + qd)
    assert ua / ca * 100 == pytest.approx(math.sqrt(0.25 + w * w * 2 * 0.25 / 3), rel=1e-6)
