"""Archive round trip and golden file; JJF 1059.1 rounding of reported results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import uncertainty
from tests.uncertainty.conftest import h1_spec
from uncertainty.errors import InvalidInputError

GOLDEN = Path(__file__).parent / "golden" / "h1_archive_v1.json"


def test_archive_round_trip_gives_same_numbers() -> None:
    r = uncertainty.evaluate(h1_spec(method="both", trials=20_000, seed=5))
    text = uncertainty.archive_dumps(r)
    back = uncertainty.archive_loads(text)
    assert back == r  # every number bit for bit, budget rows and Monte Carlo summary included
    assert back.to_dict() == r.to_dict()
    doc = json.loads(text)
    assert doc["format"] == "calib-uncertainty-budget" and doc["version"] == 1
    assert doc["spec"]["options"]["seed"] == 5


def test_archive_recompute_reproduces_monte_carlo() -> None:
    r = uncertainty.evaluate(h1_spec(method="mcm", trials=10_000))  # fresh entropy, seed recorded
    assert r.mcm is not None and r.mcm.seed is not None
    again = uncertainty.archive_recompute(uncertainty.archive_dumps(r))
    assert again.mcm == r.mcm
    assert again.value == r.value


def test_golden_archive_loads_to_published_h1_values() -> None:
    # written by archive_dumps of this engine for GUM H.1; the format must keep loading
    r = uncertainty.archive_loads(GOLDEN.read_text(encoding="utf-8"))
    assert r.value == pytest.approx(50_000_838, abs=0.5)
    assert r.standard_uncertainty == pytest.approx(31.66, abs=0.01)
    assert r.coverage_factor == pytest.approx(2.92, abs=0.005)
    assert [b.name for b in r.budget][:2] == ["l_s", "d_bar"]
    fresh = uncertainty.evaluate(h1_spec())
    assert set(json.loads(uncertainty.archive_dumps(fresh))) == set(json.loads(GOLDEN.read_text()))
    assert uncertainty.archive_loads(uncertainty.archive_dumps(fresh)).to_dict() == fresh.to_dict()


def test_archive_rejects_other_documents() -> None:
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        uncertainty.archive_loads("{")
    with pytest.raises(InvalidInputError, match="version 99"):
        uncertainty.archive_loads(json.dumps({"format": "calib-uncertainty-budget", "version": 99}))


@pytest.mark.parametrize(
    ("value", "u", "expected"),
    [
        (50_000_838.27, 92.53, ("50000838", "93")),
        (50_000_838.27, 31.66, ("50000838", "32")),
        (1.2340, 0.0539, ("1.234", "0.054")),
        (1.23456, 0.0996, ("1.23", "0.10")),
        (1.25, 0.25, ("1.25", "0.25")),
        (10.045, 0.0125, ("10.045", "0.012")),  # half to even: 0.0125 -> 0.012
        (10.05, 0.135, ("10.05", "0.14")),  # 0.135 -> 0.14 (even)
        (-0.1494, 0.0041, ("-0.1494", "0.0041")),
        (123456.0, 1234.0, ("123500", "1200")),
    ],
)
def test_round_result_two_significant_digits(value: float, u: float, expected: tuple[str, str]) -> None:
    assert uncertainty.round_result(value, u) == expected


def test_round_result_options() -> None:
    assert uncertainty.round_result(1.2345, 0.0121, mode="up") == ("1.234", "0.013")  # value: half to even
    assert uncertainty.round_result(1.2345, 0.0121, sig=1) == ("1.23", "0.01")
    assert uncertainty.round_result(5.0, 0.0) == ("5.0", "0")
    with pytest.raises(InvalidInputError, match="uncertainty"):
        uncertainty.round_result(1.0, -1.0)
