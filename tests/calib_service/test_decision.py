"""JJF 1094-2002 and ILAC-G8 decisions, worked by hand for cases inside, on and outside the limits."""

from __future__ import annotations

import pytest

from calib_service.decision import combine_decisions, decide, round_to_interval
from calib_service.errors import RecordValidationError

# MPEV = 0.5 %, U95 = 0.2 % (> MPEV/3): pass if |Δ| ≤ 0.3, fail if |Δ| ≥ 0.7, else 待定
# (regulations.md §2.1 illustration); U95 = 0.15 % (≤ MPEV/3): simple |Δ| ≤ 0.5.
CASES = [
    (0.29, 0.5, 0.2, "jjf1094", "pass"),
    (0.30, 0.5, 0.2, "jjf1094", "pass"),
    (-0.31, 0.5, 0.2, "jjf1094", "undetermined"),
    (0.69, 0.5, 0.2, "jjf1094", "undetermined"),
    (0.70, 0.5, 0.2, "jjf1094", "fail"),
    (-0.71, 0.5, 0.2, "jjf1094", "fail"),
    (0.50, 0.5, 0.15, "jjf1094", "pass"),
    (0.51, 0.5, 0.15, "jjf1094", "fail"),
    (0.5, 0.5, 1 / 6, "jjf1094", "pass"),  # exactly MPEV/3: the simple branch
    (0.49, 0.5, 0.4, "simple", "pass"),
    (0.51, 0.5, 0.01, "simple", "fail"),
    (0.30, 0.5, 0.2, "guard", "pass"),
    (0.31, 0.5, 0.2, "guard", "undetermined"),
    (0.70, 0.5, 0.2, "guard", "undetermined"),
    (0.71, 0.5, 0.2, "guard", "fail"),
]


@pytest.mark.parametrize(("error", "mpe", "u95", "rule", "expected"), CASES)
def test_decision_by_hand(error: float, mpe: float, u95: float, rule: str, expected: str) -> None:
    assert decide(error, mpe, u95, rule).outcome == expected


def test_acceptance_limit_and_tur() -> None:
    d = decide(0.1, 0.5, 0.2)
    assert d.acceptance_limit == pytest.approx(0.3)
    assert d.tur == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"error": 0.1, "mpe": 0.5, "u95": 0.1, "rule": "fuzzy"}, "unknown decision rule"),
        ({"error": 0.1, "mpe": 0.0, "u95": 0.1}, "MPEV must be > 0"),
        ({"error": 0.1, "mpe": 0.5, "u95": -0.1}, "U95"),
    ],
)
def test_bad_input(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(RecordValidationError, match=fragment):
        decide(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "interval", "expected"),
    [
        (0.26, 0.05, 0.25),
        (0.275, 0.05, 0.3),
        (-0.275, 0.05, -0.3),
        (0.325, 0.05, 0.3),
        (0.123, 0.1, 0.1),
        (1.234, None, 1.234),
    ],
)
def test_round_to_interval(value: float, interval: float | None, expected: float) -> None:
    assert round_to_interval(value, interval) == pytest.approx(expected, abs=1e-12)


def test_combine() -> None:
    assert combine_decisions(["pass", "pass"]) == "pass"
    assert combine_decisions(["pass", "fail", "undetermined"]) == "fail"
    assert combine_decisions([None, None]) is None
