"""Bad input gives InvalidInputError naming the input (or entry) and what to fix."""

from __future__ import annotations

from typing import Any

import pytest

import uncertainty
from uncertainty.errors import InvalidInputError, UncertaintyError


def spec(*inputs: dict[str, Any], model: str = "a + b", **extra: Any) -> dict[str, Any]:
    base = [
        {"name": "a", "value": 1.0, "unit": "m", "standard_uncertainty": 0.1},
        {"name": "b", "value": 2.0, "unit": "m", "standard_uncertainty": 0.2},
    ]
    return {"model": model, "inputs": list(inputs) or base, **extra}


def test_error_class_inherits_value_error() -> None:
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(InvalidInputError, UncertaintyError)


@pytest.mark.parametrize(
    ("bad", "pattern"),
    [
        ({"name": "a", "value": 1.0, "standard_uncertainty": -0.1}, r"'a'.*must not be negative"),
        (
            {"name": "a", "value": 1.0, "distribution": "rectangular", "half_width": -1},
            r"'a'.*half_width.*negative",
        ),
        ({"name": "a", "value": 1.0, "standard_uncertainty": 0.1, "dof": 0.5}, r"'a'.*below 1"),
        (
            {"name": "a", "value": 1.0, "distribution": "lognormal", "standard_uncertainty": 0.1},
            r"'a'.*unknown distribution 'lognormal'",
        ),
        (
            {"name": "a", "value": 1.0, "distribution": "rectangular", "standard_uncertainty": 0.1},
            r"'a'.*do not apply to a rectangular input",
        ),
        ({"name": "a", "value": "x", "standard_uncertainty": 0.1}, r"'a'.*value must be a number"),
        ({"name": "a", "standard_uncertainty": 0.1}, r"'a'.*value is missing"),
        ({"name": "a", "value": 1.0}, r"'a'.*give standard_uncertainty"),
        ({"name": "a", "value": 1.0, "expanded_uncertainty": 0.2}, r"'a'.*coverage_factor"),
        (
            {"name": "a", "value": 1.0, "distribution": "trapezoidal", "half_width": 1, "beta": 2},
            r"'a'.*beta",
        ),
        (
            {"name": "a", "value": 1.0, "distribution": "student_t", "standard_uncertainty": 0.1},
            r"'a'.*needs dof",
        ),
        ({"name": "a", "distribution": "type_a", "samples": [1.0]}, r"'a'.*at least two"),
        ({"name": "2a", "value": 1.0}, r"identifier"),
        (
            {"name": "a", "value": 1.0, "unit": "parsecs_per_fortnight_x", "standard_uncertainty": 1},
            r"'a'.*unknown unit",
        ),
    ],
)
def test_bad_inputs(bad: dict[str, Any], pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        uncertainty.evaluate({"model": "a", "inputs": [bad]})


def test_unit_mismatch_inside_model() -> None:
    s = spec(
        {"name": "a", "value": 1.0, "unit": "m", "standard_uncertainty": 0.1},
        {"name": "b", "value": 2.0, "unit": "K", "standard_uncertainty": 0.2},
    )
    with pytest.raises(InvalidInputError, match=r"unit mismatch in 'a \+ b'.*m.*K"):
        uncertainty.evaluate(s)


def test_function_of_dimensioned_quantity() -> None:
    s = spec(model="exp(a) + b")
    with pytest.raises(InvalidInputError, match=r"exp\(\)"):
        uncertainty.evaluate(s)


def test_declared_measurand_unit_must_match() -> None:
    with pytest.raises(InvalidInputError, match="declared in 'kg'"):
        uncertainty.evaluate(spec(measurand={"name": "y", "unit": "kg"}))


def test_offset_temperature_is_explained() -> None:
    s = spec(
        {"name": "a", "value": 1.0, "unit": "1/K", "standard_uncertainty": 0.1},
        {"name": "b", "value": 20.0, "unit": "degC", "standard_uncertainty": 0.2},
        model="a*b",
    )
    with pytest.raises(InvalidInputError, match="delta_degC"):
        uncertainty.evaluate(s)


def test_undefined_name_in_model() -> None:
    with pytest.raises(InvalidInputError, match=r"name 'c' is not defined by any input"):
        uncertainty.evaluate(spec(model="a + b + c"))


@pytest.mark.parametrize(
    ("model", "pattern"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("a.real + b", "not allowed"),
        ("[a][0]", "not allowed"),
        ("a if b else a", "not allowed"),
        ("sqrt(a, b)", "takes 1 argument"),
        ("a +", "not a valid expression"),
        ("'a' + b", "not a real number"),
        ("lambda: 1", "not allowed"),
    ],
)
def test_unsafe_or_malformed_models_are_refused(model: str, pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        uncertainty.evaluate(spec(model=model))


def test_correlation_not_positive_semidefinite() -> None:
    s = {
        "model": "a + b + c",
        "inputs": [{"name": n, "value": 1.0, "standard_uncertainty": 0.1} for n in "abc"],
        "correlations": [["a", "b", 0.9], ["a", "c", 0.9], ["b", "c", -0.9]],
    }
    with pytest.raises(InvalidInputError, match="not positive semi-definite"):
        uncertainty.evaluate(s)


@pytest.mark.parametrize(
    ("corr", "pattern"),
    [
        ([["a", "z", 0.5]], "'z'.*not an input"),
        ([["a", "b", 1.5]], r"\[-1, 1\]"),
        ([["a", "a", 0.5]], "itself"),
    ],
)
def test_bad_correlation_entries(corr: list[list[Any]], pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        uncertainty.evaluate(spec(correlations=corr))


def test_duplicate_input_and_unknown_keys() -> None:
    dup = {"name": "a", "value": 1.0, "standard_uncertainty": 0.1}
    with pytest.raises(InvalidInputError, match=r"'a'.*defined twice"):
        uncertainty.evaluate({"model": "a", "inputs": [dup, dup]})
    with pytest.raises(InvalidInputError, match=r"unknown key.*modle"):
        uncertainty.evaluate({"modle": "a", "inputs": [dup]})
    with pytest.raises(InvalidInputError, match=r"options: unknown key.*coverage"):
        uncertainty.evaluate(spec(options={"coverage": 0.95}))


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"coverage_probability": 1.5}, r"\(0, 1\)"),
        ({"coverage_factor": -2}, "positive"),
        ({"coverage_factor": 2, "coverage_probability": 0.95}, "not both"),
        ({"method": "bayes"}, "gum, mcm or both"),
        ({"trials": 0}, "positive integer"),
        ({"seed": -1}, "non-negative"),
    ],
)
def test_bad_options(options: dict[str, Any], pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        uncertainty.evaluate(spec(options=options))


def test_model_not_finite_at_estimates() -> None:
    s = spec({"name": "a", "value": 0.0, "standard_uncertainty": 0.1}, model="1/a")
    with pytest.raises(InvalidInputError, match="not finite at the input estimates"):
        uncertainty.evaluate(s)


def test_model_not_finite_in_monte_carlo() -> None:
    s = spec(
        {"name": "a", "value": 1.0, "distribution": "rectangular", "half_width": 2.0},
        model="log(a)",
        options={"method": "mcm", "trials": 1000, "seed": 1},
    )
    with pytest.raises(InvalidInputError, match=r"not finite in .* Monte Carlo trials"):
        uncertainty.evaluate(s)


def test_correlated_non_normal_refused_by_monte_carlo_only() -> None:
    s = spec(
        {"name": "a", "value": 1.0, "distribution": "rectangular", "half_width": 0.1},
        {"name": "b", "value": 1.0, "standard_uncertainty": 0.1},
        correlations=[["a", "b", 0.5]],
        options={"method": "mcm", "trials": 1000},
    )
    with pytest.raises(InvalidInputError, match=r"'a'.*only between normal inputs"):
        uncertainty.evaluate(s)
    s["options"] = {}
    assert uncertainty.evaluate(s).standard_uncertainty > 0


def test_not_a_mapping() -> None:
    with pytest.raises(InvalidInputError, match="mapping"):
        uncertainty.evaluate([1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="inputs must be a non-empty list"):
        uncertainty.evaluate({"model": "a", "inputs": []})


def test_options_cache_keeps_validation() -> None:
    ok = spec(options={"second_order": True})
    assert uncertainty.evaluate(ok).second_order
    with pytest.raises(InvalidInputError, match="true or false"):
        uncertainty.evaluate(spec(options={"second_order": 1}))
