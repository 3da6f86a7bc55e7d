"""Property tests: linear models against the analytic result, Monte Carlo against GUM, unit invariance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import uncertainty

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e2, allow_nan=False, allow_infinity=False)
coef = st.floats(min_value=-10, max_value=10, allow_nan=False).filter(lambda c: abs(c) > 1e-3)


@st.composite
def linear_budgets(draw: st.DrawFn) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=1, max_value=6))
    a = np.array([draw(coef) for _ in range(n)])
    x = np.array([draw(finite) for _ in range(n)])
    u = np.array([draw(positive) for _ in range(n)])
    corr = np.eye(n)
    pairs = []
    if n >= 2 and draw(st.booleans()):
        r = draw(st.floats(min_value=-0.95, max_value=0.95))
        corr[0, 1] = corr[1, 0] = r
        pairs.append(["x0", "x1", r])
    model = " + ".join(f"({float(c)!r})*x{i}" for i, c in enumerate(a))
    spec = {
        "model": model,
        "inputs": [
            {"name": f"x{i}", "value": float(x[i]), "standard_uncertainty": float(u[i])} for i in range(n)
        ],
        "correlations": pairs,
    }
    return spec, a, x, u, corr


@settings(max_examples=60, deadline=None)
@given(linear_budgets())
def test_linear_model_equals_analytic(
    case: tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    spec, a, x, u, corr = case
    r = uncertainty.evaluate(spec)
    cov = corr * np.outer(u, u)
    assert math.isclose(r.value, float(a @ x), rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(r.standard_uncertainty, math.sqrt(float(a @ cov @ a)), rel_tol=1e-12)
    for row, c in zip(r.budget, a, strict=True):
        assert math.isclose(row.sensitivity, c, rel_tol=1e-12)


@settings(max_examples=8, deadline=None)
@given(linear_budgets(), st.integers(min_value=0, max_value=2**32))
def test_monte_carlo_converges_to_gum_for_linear_gaussian(
    case: tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray], seed: int
) -> None:
    spec, *_ = case
    trials = 100_000
    spec["options"] = {"method": "both", "trials": trials, "seed": seed, "coverage_probability": 0.95}
    r = uncertainty.evaluate(spec)
    m = r.mcm
    assert m is not None
    u = r.standard_uncertainty
    # standard errors: mean u/√M, sd u/√(2M), 95 % quantiles about 1.7 u/√M; allow ~5 standard errors
    assert abs(m.value - r.value) <= 5 * u / math.sqrt(trials)
    assert abs(m.standard_uncertainty - u) <= 5 * u / math.sqrt(2 * trials)
    assert abs(m.coverage_interval[0] - (r.value - r.expanded_uncertainty)) <= 9 * u / math.sqrt(trials)
    assert abs(m.coverage_interval[1] - (r.value + r.expanded_uncertainty)) <= 9 * u / math.sqrt(trials)


UNITS = [("nm", 1e-9), ("um", 1e-6), ("mm", 1e-3), ("m", 1.0), ("km", 1e3)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(positive, st.floats(min_value=1e-4, max_value=0.1)), min_size=3, max_size=3),
    st.sampled_from(UNITS),
    st.sampled_from(UNITS),
)
def test_unit_change_keeps_relative_uncertainty(
    vals: list[tuple[float, float]], unit_a: tuple[str, float], unit_b: tuple[str, float]
) -> None:
    def build(unit: tuple[str, float]) -> dict[str, Any]:
        name, factor = unit
        (a, ra), (b, rb), (c, rc) = vals
        return {
            "measurand": {"name": "y", "unit": "m^2"},
            "model": "a*b/c + b",
            "inputs": [
                {"name": "a", "value": a / factor, "unit": name, "standard_uncertainty": ra * a / factor},
                {"name": "b", "value": b, "unit": "m^2", "distribution": "rectangular", "half_width": rb * b},
                {"name": "c", "value": c, "unit": "m", "standard_uncertainty": rc * c, "dof": 7},
            ],
            "options": {"coverage_probability": 0.95},
        }

    r1, r2 = uncertainty.evaluate(build(unit_a)), uncertainty.evaluate(build(unit_b))
    assert math.isclose(r1.value, r2.value, rel_tol=1e-12)
    assert math.isclose(r1.standard_uncertainty / r1.value, r2.standard_uncertainty / r2.value, rel_tol=1e-12)
    assert math.isclose(r1.dof_eff, r2.dof_eff, rel_tol=1e-9)
    for x, y in zip(r1.budget, r2.budget, strict=True):
        assert math.isclose(x.contribution, y.contribution, rel_tol=1e-12, abs_tol=1e-300)
        assert math.isclose(x.share, y.share, rel_tol=1e-9, abs_tol=1e-12)
