"""Batch mode, Python-callable models, complex-step sensitivities and unit handling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import uncertainty
from uncertainty.errors import InvalidInputError


def product_spec(values: Any) -> dict[str, Any]:
    return {
        "measurand": {"name": "P", "unit": "W"},
        "model": "V*I",
        "inputs": [
            {"name": "V", "value": values, "unit": "V", "standard_uncertainty": 0.01, "dof": 9},
            {"name": "I", "value": 2.0, "unit": "A", "distribution": "rectangular", "half_width": 0.002},
        ],
        "options": {"coverage_probability": 0.95},
    }


def test_batch_equals_point_by_point() -> None:
    volts = np.linspace(1.0, 10.0, 7)
    batch = uncertainty.evaluate(product_spec(volts))
    assert batch.value.shape == (7,)
    for i, v in enumerate(volts):
        one = uncertainty.evaluate(product_spec(float(v)))
        assert batch.value[i] == pytest.approx(one.value, rel=1e-15)
        assert batch.standard_uncertainty[i] == pytest.approx(one.standard_uncertainty, rel=1e-14)
        assert batch.dof_eff[i] == pytest.approx(one.dof_eff, rel=1e-12)
        assert batch.coverage_factor[i] == pytest.approx(one.coverage_factor, rel=1e-12)
        assert batch.budget[1].share[i] == pytest.approx(one.budget[1].share, rel=1e-12)
    d = batch.to_dict()
    assert len(d["value"]) == 7 and len(d["budget"][0]["sensitivity"]) == 7


def test_batch_arrays_must_share_length() -> None:
    spec = product_spec(np.ones(3))
    spec["inputs"][1]["value"] = [2.0, 2.0]
    with pytest.raises(InvalidInputError, match="different lengths"):
        uncertainty.evaluate(spec)


def test_batch_refuses_monte_carlo() -> None:
    spec = product_spec(np.ones(3))
    spec["options"] = {"method": "mcm", "trials": 1000}
    with pytest.raises(InvalidInputError, match="batch mode"):
        uncertainty.evaluate(spec)


def test_abs_and_arctan2_sensitivities_are_exact() -> None:
    spec = {
        "model": "abs(a) + arctan2(b, c)",
        "inputs": [
            {"name": "a", "value": -2.0, "standard_uncertainty": 0.1},
            {"name": "b", "value": 1.0, "standard_uncertainty": 0.1},
            {"name": "c", "value": 2.0, "standard_uncertainty": 0.1},
        ],
    }
    r = uncertainty.evaluate(spec)
    assert r.row("a").sensitivity == -1.0
    assert r.row("b").sensitivity == pytest.approx(2.0 / 5.0, rel=1e-15)
    assert r.row("c").sensitivity == pytest.approx(-1.0 / 5.0, rel=1e-15)


def test_sensitivities_at_machine_precision_for_nonlinear_model() -> None:
    spec = {
        "model": "exp(a)*log10(b)/sqrt(c) + sin(a*b)",
        "inputs": [
            {"name": "a", "value": 0.7, "standard_uncertainty": 0.01},
            {"name": "b", "value": 3.0, "standard_uncertainty": 0.01},
            {"name": "c", "value": 5.0, "standard_uncertainty": 0.01},
        ],
    }
    r = uncertainty.evaluate(spec)
    a, b, c = 0.7, 3.0, 5.0
    assert r.row("a").sensitivity == pytest.approx(
        math.exp(a) * math.log10(b) / math.sqrt(c) + b * math.cos(a * b), rel=1e-14
    )
    assert r.row("b").sensitivity == pytest.approx(
        math.exp(a) / (b * math.log(10)) / math.sqrt(c) + a * math.cos(a * b), rel=1e-14
    )
    assert r.row("c").sensitivity == pytest.approx(-0.5 * math.exp(a) * math.log10(b) * c**-1.5, rel=1e-14)


def test_callable_model() -> None:
    def model(**kw: Any) -> Any:
        return uncertainty.cabs(kw["V"]) * kw["I"]

    spec = product_spec(-10.0)
    spec["model"] = model
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(20.0)
    assert r.row("V").sensitivity == pytest.approx(-2.0, rel=1e-15)
    assert r.unit == "W"
    assert r.spec is spec


def test_percent_measurand_converts_a_ratio() -> None:
    spec = {
        "measurand": {"name": "gamma", "unit": "percent"},
        "model": "(m0 - m)/m",
        "inputs": [
            {"name": "m0", "value": 101.0, "unit": "g", "standard_uncertainty": 0.1},
            {"name": "m", "value": 100.0, "unit": "g", "standard_uncertainty": 0.1},
        ],
    }
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(1.0, rel=1e-12)
    assert r.unit == "percent"
    assert r.row("m0").sensitivity == pytest.approx(1.0, rel=1e-12)  # percent per gram


def test_offset_unit_difference_is_allowed() -> None:
    spec = {
        "model": "t - t0",
        "inputs": [
            {"name": "t", "value": 25.0, "unit": "degC", "standard_uncertainty": 0.1},
            {"name": "t0", "value": 20.0, "unit": "degC", "distribution": "constant"},
        ],
        "measurand": {"name": "dt", "unit": "K"},
    }
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(5.0, abs=1e-9)
    assert r.standard_uncertainty == pytest.approx(0.1, rel=1e-12)


def test_derived_unit_when_measurand_unit_absent() -> None:
    spec = {
        "model": "U**2/R",
        "inputs": [
            {"name": "U", "value": 10.0, "unit": "V", "standard_uncertainty": 0.01},
            {"name": "R", "value": 50.0, "unit": "ohm", "standard_uncertainty": 0.05},
        ],
    }
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(2.0)
    assert uncertainty.evaluate({**spec, "measurand": {"name": "P", "unit": "mW"}}).value == pytest.approx(
        2000.0
    )


def test_expanded_uncertainty_with_probability_and_dof() -> None:
    q = {"name": "x", "value": 1.0, "expanded_uncertainty": 0.2, "coverage_probability": 0.95, "dof": 10}
    r = uncertainty.evaluate({"model": "x", "inputs": [q]})
    assert r.standard_uncertainty == pytest.approx(0.2 / 2.2281388519649385, rel=1e-12)
    assert r.row("x").dof == 10


def test_type_a_pooled() -> None:
    q = {
        "name": "d",
        "unit": "nm",
        "distribution": "type_a",
        "samples": [210, 214, 216, 213, 222],
        "pooled_sd": 13.0,
        "pooled_dof": 24,
    }
    r = uncertainty.evaluate({"model": "d", "inputs": [q]})
    assert r.value == pytest.approx(215.0)
    assert r.standard_uncertainty == pytest.approx(13 / math.sqrt(5), rel=1e-12)
    assert r.row("d").dof == 24


def test_format_budget_table() -> None:
    r = uncertainty.evaluate(product_spec(10.0))
    text = uncertainty.format_budget(r)
    assert "V*I" in text and "rectangular" in text
    assert "P = 20.000 W,  U = 0.049 W  (k = 2.12, p = 95 %, ν_eff = 16)" in text


def test_percent_with_explicit_factor_is_refused() -> None:
    spec = {
        "measurand": {"name": "gamma", "unit": "percent"},
        "model": "(m0 - m)/m*100",
        "inputs": [
            {"name": "m0", "value": 101.0, "unit": "g", "standard_uncertainty": 0.1},
            {"name": "m", "value": 100.0, "unit": "g", "standard_uncertainty": 0.1},
        ],
    }
    with pytest.raises(InvalidInputError, match="scale the ratio twice"):
        uncertainty.evaluate(spec)
    spec["measurand"] = {"name": "gamma"}
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(1.0) and r.unit == ""


def test_callable_with_numpy_abs_is_refused() -> None:
    def model(**kw: Any) -> Any:
        return np.abs(kw["V"]) * kw["I"]

    spec = product_spec(-10.0)
    spec["model"] = model
    with pytest.raises(InvalidInputError, match=r"'V'.*cabs"):
        uncertainty.evaluate(spec)


def test_unused_correlated_inputs_leave_no_ws_note() -> None:
    spec = {
        "model": "a",
        "inputs": [
            {"name": "a", "value": 1.0, "standard_uncertainty": 0.1, "dof": 5},
            {"name": "v", "value": 10.0, "unit": "V", "expanded_uncertainty": 0.02, "coverage_factor": 2},
            {"name": "r", "unit": "V", "distribution": "type_a", "samples": [10.01, 10.02, 9.99, 10.00]},
        ],
        "correlations": [["v", "r", 0.5]],
    }
    r = uncertainty.evaluate(spec)
    assert r.notes == ()
    assert r.dof_eff == pytest.approx(5.0)
    spec["model"] = "a*(v + r)"
    assert any("W–S" in n for n in uncertainty.evaluate(spec).notes)
