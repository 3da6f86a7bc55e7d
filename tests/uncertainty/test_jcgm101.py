"""JCGM 101 clause 9 examples: GUM (GUF) and Monte Carlo, tolerances include Monte Carlo noise.

Published or computed values and their status are in shared/domain/uncertainty.md §4.4-4.9. Trial
counts are kept modest (≤ 2·10⁵) and the tolerances are widened to about four Monte Carlo standard
errors of the trials run, never tighter than the published digits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import uncertainty
from uncertainty.errors import InvalidInputError

SQ3 = math.sqrt(3.0)


def additive(inputs: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {
        "model": "X1 + X2 + X3 + X4",
        "inputs": inputs,
        "options": {"coverage_probability": 0.95, "method": "both", **options},
    }


def test_9_2_2_normal_inputs() -> None:
    spec = additive(
        [{"name": f"X{i}", "value": 0.0, "standard_uncertainty": 1.0} for i in range(1, 5)],
        trials=200_000,
        seed=11,
    )
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(0.0, abs=0.005)
    assert r.standard_uncertainty == pytest.approx(2.0, abs=0.005)
    assert r.coverage_factor == pytest.approx(1.96, abs=0.005)
    assert r.expanded_uncertainty == pytest.approx(3.92, abs=0.005)
    m = r.mcm
    assert m is not None and m.trials == 200_000
    assert m.value == pytest.approx(0.0, abs=0.02)  # sd of the mean 0.0045
    assert m.standard_uncertainty == pytest.approx(2.0, abs=0.015)
    assert m.coverage_interval[0] == pytest.approx(-3.92, abs=0.04)
    assert m.coverage_interval[1] == pytest.approx(3.92, abs=0.04)
    assert m.gum_validated is True  # n_dig = 2: δ = 0.05


def test_9_2_3_rectangular_inputs() -> None:
    inputs = [
        {"name": f"X{i}", "value": 0.0, "distribution": "rectangular", "half_width": SQ3} for i in range(1, 5)
    ]
    r = uncertainty.evaluate(additive(inputs, trials=200_000, seed=12))
    assert r.standard_uncertainty == pytest.approx(2.0, abs=0.005)
    assert r.expanded_uncertainty == pytest.approx(3.92, abs=0.005)
    m = r.mcm
    assert m is not None
    assert m.standard_uncertainty == pytest.approx(2.0, abs=0.015)
    assert m.coverage_interval[0] == pytest.approx(-3.88, abs=0.03)
    assert m.coverage_interval[1] == pytest.approx(3.88, abs=0.03)
    # the 0.04 endpoint difference passes at n_dig = 2 (δ = 0.05) and fails at n_dig = 3 (δ = 0.005)
    assert m.delta == pytest.approx(0.05)
    strict = uncertainty.evaluate(additive(inputs, trials=200_000, seed=12, n_dig=3)).mcm
    assert strict is not None and strict.delta == pytest.approx(0.005) and strict.gum_validated is False


def test_9_2_4_dominant_rectangular_input() -> None:
    inputs = [
        {"name": f"X{i}", "value": 0.0, "distribution": "rectangular", "half_width": SQ3} for i in range(1, 4)
    ]
    inputs.append({"name": "X4", "value": 0.0, "distribution": "rectangular", "half_width": 10 * SQ3})
    r = uncertainty.evaluate(additive(inputs, trials=200_000, seed=13))
    assert r.standard_uncertainty == pytest.approx(10.1, abs=0.05)
    assert r.value - r.expanded_uncertainty == pytest.approx(-19.9, abs=0.05)
    m = r.mcm
    assert m is not None
    assert m.standard_uncertainty == pytest.approx(10.1, abs=0.08)
    assert m.coverage_interval[0] == pytest.approx(-17.0, abs=0.1)
    assert m.coverage_interval[1] == pytest.approx(17.0, abs=0.1)
    assert m.gum_validated is False


def mass_spec(**options: Any) -> dict[str, Any]:
    return {
        "measurand": {"name": "delta_m", "unit": "mg"},
        "model": "(m_Rc + dm_Rc)*(1 + (rho_a - rho_a0)*(1/rho_W - 1/rho_R)) - m_nom",
        "inputs": [
            {"name": "m_Rc", "value": 100000, "unit": "mg", "standard_uncertainty": 0.050},
            {"name": "dm_Rc", "value": 1.234, "unit": "mg", "standard_uncertainty": 0.020},
            {
                "name": "rho_a",
                "value": 1.2,
                "unit": "kg/m^3",
                "distribution": "rectangular",
                "half_width": 0.1,
            },
            {
                "name": "rho_W",
                "value": 8000,
                "unit": "kg/m^3",
                "distribution": "rectangular",
                "half_width": 1000,
            },
            {
                "name": "rho_R",
                "value": 8000,
                "unit": "kg/m^3",
                "distribution": "rectangular",
                "half_width": 50,
            },
            {"name": "rho_a0", "value": 1.2, "unit": "kg/m^3", "distribution": "constant"},
            {"name": "m_nom", "value": 100, "unit": "g", "distribution": "constant"},
        ],
        "options": {"coverage_probability": 0.95, **options},
    }


def test_9_3_mass_gum() -> None:
    r = uncertainty.evaluate(mass_spec())
    assert r.unit == "mg"
    assert r.value == pytest.approx(1.2340, abs=5e-5)
    assert r.standard_uncertainty == pytest.approx(0.0539, abs=5e-5)
    assert r.value - r.expanded_uncertainty == pytest.approx(1.1285, abs=5e-5)
    assert r.value + r.expanded_uncertainty == pytest.approx(1.3395, abs=5e-5)
    assert r.row("rho_a").sensitivity == pytest.approx(0.0, abs=1e-12)


def test_9_3_mass_second_order() -> None:
    r = uncertainty.evaluate(mass_spec(second_order=True))
    assert r.standard_uncertainty == pytest.approx(0.075, abs=0.0005)


def test_9_3_mass_monte_carlo_adaptive() -> None:
    r = uncertainty.evaluate(mass_spec(method="mcm", trials="adaptive", seed=93))
    m = r.mcm
    assert m is not None and m.adaptive and m.converged
    assert m.trials >= 20_000 and m.trials % 10_000 == 0
    assert m.value == pytest.approx(1.2340, abs=0.0005)
    assert m.standard_uncertainty == pytest.approx(0.0755, abs=0.0003)
    assert m.coverage_interval[0] == pytest.approx(1.0844, abs=0.002)
    assert m.coverage_interval[1] == pytest.approx(1.3836, abs=0.002)
    assert m.gum_validated is False
    assert m.d_low == pytest.approx(0.044, abs=0.003) and m.d_high == pytest.approx(0.044, abs=0.003)


U9_4 = 0.005


def comparison_loss(x1: float, r: float, **options: Any) -> dict[str, Any]:
    return {
        "model": "1 - X1**2 - X2**2",
        "inputs": [
            {"name": "X1", "value": x1, "standard_uncertainty": U9_4},
            {"name": "X2", "value": 0.0, "standard_uncertainty": U9_4},
        ],
        "correlations": [["X1", "X2", r]] if r else [],
        "options": {
            "coverage_probability": 0.95,
            "method": "both",
            "trials": 200_000,
            "shortest_interval": True,
            **options,
        },
    }


@pytest.mark.parametrize(
    ("x1", "r", "mcm_u", "interval"),
    [
        (0.0, 0.0, 5.0e-5, (0.9998502, 1.0)),
        (0.0, 0.9, 6.7268e-5, (0.9998151, 1.0)),
        (0.010, 0.0, 1.11803e-4, (0.9996342, 1.0)),
        (0.010, 0.9, 1.2052e-4, (0.9996025, 0.9999875)),
        (0.050, 0.0, 5.02494e-4, (0.9964484, 0.9984045)),
        (0.050, 0.9, 5.04505e-4, (0.9964467, 0.9983776)),
    ],
)
def test_9_4_comparison_loss(x1: float, r: float, mcm_u: float, interval: tuple[float, float]) -> None:
    res = uncertainty.evaluate(comparison_loss(x1, r, seed=int(1000 * x1 + 10 * r)))
    assert res.value == pytest.approx(1 - x1**2, abs=5e-8)
    assert res.standard_uncertainty == pytest.approx(2 * x1 * U9_4, abs=5e-8)
    m = res.mcm
    assert m is not None
    # MC noise at 2e5 trials: mean ~ u/450, sd ~ u/300, interval ends ~ 1e-5 at x1 = 0.05
    assert m.value == pytest.approx(1 - x1**2 - 2 * U9_4**2, abs=max(4 * mcm_u / math.sqrt(2e5), 2e-6))
    assert m.standard_uncertainty == pytest.approx(mcm_u, rel=0.01)
    tol = 2e-6 if x1 <= 0.010 else 2e-5
    assert m.coverage_interval[0] == pytest.approx(interval[0], abs=tol * (2 if x1 else 1))
    assert m.coverage_interval[1] == pytest.approx(interval[1], abs=tol)
    if x1 == 0:
        assert res.gum_valid is False and m.gum_validated is False
        assert any("sensitivit" in n for n in res.notes)
    else:
        assert res.gum_valid is True


def gauge_block(**options: Any) -> dict[str, Any]:
    return {
        "measurand": {"name": "delta_L", "unit": "nm"},
        "model": "L_s + D_bar + D1 + D2 - L_s*(delta_alpha*(theta_bar + Delta) + "
        "alpha_s*delta_theta) - L_nom",
        "inputs": [
            {
                "name": "L_s",
                "value": 50000623,
                "unit": "nm",
                "distribution": "student_t",
                "standard_uncertainty": 25,
                "dof": 18,
            },
            {
                "name": "D_bar",
                "value": 215,
                "unit": "nm",
                "distribution": "student_t",
                "standard_uncertainty": 5.8,
                "dof": 24,
            },
            {
                "name": "D1",
                "value": 0,
                "unit": "nm",
                "distribution": "student_t",
                "standard_uncertainty": 3.9,
                "dof": 5,
            },
            {
                "name": "D2",
                "value": 0,
                "unit": "nm",
                "distribution": "student_t",
                "standard_uncertainty": 6.7,
                "dof": 8,
            },
            {
                "name": "alpha_s",
                "value": 11.5e-6,
                "unit": "1/K",
                "distribution": "rectangular",
                "half_width": 2e-6,
            },
            {"name": "theta_bar", "value": -0.1, "unit": "K", "standard_uncertainty": 0.2},
            {"name": "Delta", "value": 0, "unit": "K", "distribution": "arcsine", "half_width": 0.5},
            {
                "name": "delta_alpha",
                "value": 0,
                "unit": "1/K",
                "distribution": "curvilinear_trapezoid",
                "half_width": 1e-6,
                "d": 0.1e-6,
                "dof": 50,
            },
            {
                "name": "delta_theta",
                "value": 0,
                "unit": "K",
                "distribution": "curvilinear_trapezoid",
                "half_width": 0.05,
                "d": 0.025,
                "dof": 2,
            },
            {"name": "L_nom", "value": 50, "unit": "mm", "distribution": "constant"},
        ],
        "options": {"coverage_probability": 0.99, **options},
    }


def test_9_5_gauge_block_gum() -> None:
    # the GUF of 9.5 is GUM H.1: t inputs enter with their scale as u, the half-widths as rectangles
    spec = gauge_block()
    for q in spec["inputs"]:
        if q.get("distribution") == "curvilinear_trapezoid":
            del q["d"]
            q["distribution"] = "rectangular"
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(838, abs=0.5)
    assert r.standard_uncertainty == pytest.approx(32, abs=0.5)
    assert r.value - r.expanded_uncertainty == pytest.approx(745, abs=1.0)
    assert r.value + r.expanded_uncertainty == pytest.approx(931, abs=1.0)


def test_9_5_gauge_block_monte_carlo() -> None:
    r = uncertainty.evaluate(gauge_block(method="mcm", trials=200_000, seed=95, shortest_interval=True))
    m = r.mcm
    assert m is not None and m.shortest
    assert m.value == pytest.approx(838, abs=0.5)
    assert m.standard_uncertainty == pytest.approx(35.68, abs=0.5)
    assert m.coverage_interval[0] == pytest.approx(745, abs=2.0)
    assert m.coverage_interval[1] == pytest.approx(931.5, abs=2.0)


def test_curvilinear_trapezoid_variance() -> None:
    spec = {
        "model": "x",
        "inputs": [
            {
                "name": "x",
                "value": 0.0,
                "distribution": "curvilinear_trapezoid",
                "half_width": 0.05,
                "d": 0.025,
            }
        ],
        "options": {"method": "both", "trials": 200_000, "seed": 3},
    }
    r = uncertainty.evaluate(spec)
    expected = math.sqrt(0.05**2 / 3 + 0.025**2 / 9)
    assert r.standard_uncertainty == pytest.approx(expected, rel=1e-12)
    assert r.mcm is not None and r.mcm.standard_uncertainty == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("dist", ["triangular", "arcsine", "trapezoidal"])
def test_bounded_distributions_sample_their_variance(dist: str) -> None:
    q: dict[str, Any] = {"name": "x", "value": 1.0, "distribution": dist, "half_width": 0.3}
    if dist == "trapezoidal":
        q["beta"] = 0.4
    r = uncertainty.evaluate(
        {"model": "x", "inputs": [q], "options": {"method": "both", "trials": 200_000, "seed": 5}}
    )
    assert r.mcm is not None
    assert r.mcm.standard_uncertainty == pytest.approx(r.standard_uncertainty, rel=0.01)
    assert r.mcm.value == pytest.approx(1.0, abs=0.003)


def test_monte_carlo_refuses_infinite_variance_t() -> None:
    spec = {
        "model": "x",
        "inputs": [
            {"name": "x", "value": 1.0, "distribution": "student_t", "standard_uncertainty": 0.1, "dof": 2}
        ],
        "options": {"method": "mcm", "trials": 1000},
    }
    with pytest.raises(InvalidInputError, match=r"'x'.*infinite variance"):
        uncertainty.evaluate(spec)
    spec["options"] = {}
    assert uncertainty.evaluate(spec).standard_uncertainty == pytest.approx(0.1)
    spec_a = {
        "model": "r",
        "inputs": [{"name": "r", "distribution": "type_a", "samples": [1.0, 1.1, 0.9]}],
        "options": {"method": "mcm", "trials": 1000},
    }
    with pytest.raises(InvalidInputError, match=r"'r'.*infinite variance"):
        uncertainty.evaluate(spec_a)


def test_seed_makes_monte_carlo_reproducible() -> None:
    spec = additive(
        [{"name": f"X{i}", "value": 0.0, "standard_uncertainty": 1.0} for i in range(1, 5)],
        trials=20_000,
        seed=99,
    )
    a, b = uncertainty.evaluate(spec).mcm, uncertainty.evaluate(spec).mcm
    assert a == b
    gen = uncertainty.evaluate(spec, rng=np.random.default_rng(99)).mcm
    assert gen is not None and gen.seed is None


def test_block_size_does_not_change_the_distribution() -> None:
    spec = additive(
        [{"name": f"X{i}", "value": 0.0, "standard_uncertainty": 1.0} for i in range(1, 5)],
        trials=50_000,
        seed=4,
        block_size=7_000,
    )
    m = uncertainty.evaluate(spec).mcm
    assert m is not None and m.trials == 50_000
    assert m.standard_uncertainty == pytest.approx(2.0, abs=0.04)
