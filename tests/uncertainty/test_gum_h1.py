"""GUM H.1 (end gauge): published values from JCGM 100 Annex H, tolerances from their digits."""

from __future__ import annotations

import math
from typing import Any

import pytest

import uncertainty
from tests.uncertainty.conftest import h1_spec


def test_h1_value_and_combined_uncertainty(h1: dict[str, Any]) -> None:
    r = uncertainty.evaluate(h1)
    assert r.unit == "nm"
    assert r.value == pytest.approx(50_000_838, abs=0.5)
    assert r.standard_uncertainty == pytest.approx(32, abs=0.5)
    assert r.standard_uncertainty == pytest.approx(31.66, abs=0.01)  # GTC 1.5.1 reproduction


def test_h1_effective_dof_and_coverage(h1: dict[str, Any]) -> None:
    r = uncertainty.evaluate(h1)
    assert r.dof_eff == pytest.approx(16.75, abs=0.1)
    assert math.floor(r.dof_eff) == 16
    assert r.coverage_factor == pytest.approx(2.92, abs=0.005)
    assert r.coverage_probability == 0.99
    assert r.expanded_uncertainty == pytest.approx(93, abs=1.0)


def test_h1_contributions(h1: dict[str, Any]) -> None:
    r = uncertainty.evaluate(h1)
    assert r.row("l_s").contribution == pytest.approx(25, abs=0.05)
    assert r.row("delta_theta").contribution == pytest.approx(16.6, abs=0.05)
    assert r.row("delta_alpha").contribution == pytest.approx(2.9, abs=0.05)
    assert r.row("alpha_s").contribution == 0
    assert r.row("theta_bar").contribution == 0
    assert r.row("Delta").contribution == 0
    assert sum(b.share for b in r.budget) == pytest.approx(100)
    assert r.row("l_s").sensitivity == pytest.approx(1.0, abs=1e-9)
    assert r.row("delta_theta").sensitivity == pytest.approx(-50_000_623 * 11.5e-6, rel=1e-12)


def test_h1_intermediate_d_and_theta() -> None:
    spec = h1_spec()
    d = uncertainty.evaluate(
        {"model": "d_bar + d1 + d2", "inputs": spec["inputs"][1:4], "measurand": {"name": "d", "unit": "nm"}}
    )
    assert d.standard_uncertainty == pytest.approx(9.7, abs=0.05)
    assert d.dof_eff == pytest.approx(25.6, abs=0.3)
    theta = uncertainty.evaluate({"model": "theta_bar + Delta", "inputs": spec["inputs"][5:7]})
    assert theta.standard_uncertainty == pytest.approx(0.41, abs=0.005)
    assert theta.unit == "K"


def test_h1_second_order_terms() -> None:
    r = uncertainty.evaluate(h1_spec(second_order=True))
    assert r.second_order
    assert r.standard_uncertainty == pytest.approx(34, abs=0.5)
    assert r.standard_uncertainty == pytest.approx(33.81, abs=0.01)  # GTC 1.5.1


def test_h1_units_mm_input_gives_same_result() -> None:
    spec = h1_spec()
    spec["inputs"][0] = {**spec["inputs"][0], "value": 50.000623, "unit": "mm", "expanded_uncertainty": 75e-6}
    r = uncertainty.evaluate(spec)
    assert r.value == pytest.approx(50_000_838, abs=0.5)
    assert r.standard_uncertainty == pytest.approx(31.66, abs=0.01)
    assert r.row("l_s").sensitivity == pytest.approx(1e6, rel=1e-9)  # nm per mm


def test_h1_to_dict_contract(h1: dict[str, Any]) -> None:
    d = uncertainty.evaluate(h1).to_dict()
    for key in (
        "measurand",
        "unit",
        "value",
        "standard_uncertainty",
        "dof_eff",
        "coverage_factor",
        "coverage_probability",
        "expanded_uncertainty",
        "budget",
    ):
        assert key in d
    assert "mcm" not in d
    assert d["measurand"] == "l"
    row = d["budget"][4]
    assert set(row) == {
        "name",
        "value",
        "unit",
        "distribution",
        "standard_uncertainty",
        "sensitivity",
        "contribution",
        "share",
        "dof",
    }
    assert row["name"] == "alpha_s" and row["dof"] is None and row["unit"] == "1/K"


def test_default_is_fixed_k_2(h1: dict[str, Any]) -> None:
    h1["options"] = {}
    r = uncertainty.evaluate(h1)
    assert r.coverage_factor == 2.0
    assert r.coverage_probability is None
    assert r.expanded_uncertainty == pytest.approx(2 * r.standard_uncertainty)
