"""JJG 596 data table against the figures quoted in shared/domain/regulations.md §1, and point evaluation."""

from __future__ import annotations

import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg596
from calib_service.procedures.jjg596 import LoadPoint

IB, IMAX = 5.0, 60.0

# (class, current as multiple of Ib/In, PF, MPE %) — regulations.md §1, PF = 1 rows.
PUBLISHED = [
    ("0.2S", 0.05, "1.0", 0.2), ("0.2S", 1.0, "1.0", 0.2),
    ("0.2S", 0.01, "1.0", 0.4), ("0.2S", 0.04, "1.0", 0.4),
    ("0.5S", 0.05, "1.0", 0.5), ("0.5S", 0.01, "1.0", 1.0),
    ("1", 0.1, "1.0", 1.0), ("1", 1.0, "1.0", 1.0), ("1", 0.05, "1.0", 1.5), ("1", 0.09, "1.0", 1.5),
    ("2", 0.1, "1.0", 2.0), ("2", 0.05, "1.0", 2.5),
]


@pytest.mark.parametrize(("cls", "current", "pf", "mpe"), PUBLISHED)
def test_limits_match_published_figures(cls: str, current: float, pf: str, mpe: float) -> None:
    row = jjg596.mpe_for(cls, LoadPoint("p", current, pf), IB, IMAX)
    assert row.mpe_percent == mpe
    assert row.verified is False and "regulations.md" in row.source


def test_imax_uses_the_upper_range() -> None:
    assert jjg596.mpe_for("1", LoadPoint("Imax", "Imax", "1.0"), IB, IMAX).mpe_percent == 1.0


def test_every_load_point_has_a_limit() -> None:
    for cls in jjg596.CLASSES:
        for point in jjg596.load_points(cls):
            assert jjg596.mpe_for(cls, point, IB, IMAX).mpe_percent > 0


def test_unknown_class_and_uncovered_current() -> None:
    with pytest.raises(RecordValidationError, match="class '3'"):
        jjg596.load_points("3")
    with pytest.raises(RecordValidationError, match="no limit"):
        jjg596.mpe_for("1", LoadPoint("tiny", 0.01, "1.0"), IB, IMAX)


def test_rounding_intervals_are_a_tenth_of_the_class() -> None:
    intervals = {c: v[0] for c, v in jjg596.ROUNDING_INTERVAL.items()}
    assert intervals == {"0.2S": 0.02, "0.5S": 0.05, "1": 0.1, "2": 0.2}


def _evaluate(errors: list[float], mpe: float = 1.0, cmc: float | None = 0.05) -> jjg596.PointResult:
    return jjg596.evaluate_point(
        errors_percent=errors, standard_counts=[100_000.0] * len(errors), certificate_u_percent=0.02,
        certificate_k=2.0, cmc_percent=cmc, accuracy_class="1", mpe_percent=mpe,
    )


def test_budget_by_hand() -> None:
    errors = [0.30, 0.32, 0.31]
    r = _evaluate(errors, cmc=None)
    mean = sum(errors) / 3
    s2 = sum((e - mean) ** 2 for e in errors) / 2
    u_a2 = s2 / 3
    u_std2 = (0.02 / 2) ** 2
    u_res2 = (100 / 100_000) ** 2 / 3
    uc = (u_a2 + u_std2 + u_res2) ** 0.5
    assert r.error == pytest.approx(mean, abs=1e-12)
    assert r.expanded_uncertainty == pytest.approx(2 * uc, rel=1e-9)
    nu = uc**4 / (u_a2**2 / 2)  # only the Type A input has finite ν
    assert r.dof_eff == pytest.approx(nu, rel=1e-9)
    assert r.error_rounded == pytest.approx(0.3)
    assert r.decision == "pass" and not r.cmc_applied


def test_cmc_floor() -> None:
    r = _evaluate([0.30, 0.30, 0.30], cmc=0.05)
    assert r.expanded_uncertainty == 0.05 and r.cmc_applied
    assert "CMC" in r.flags[0]


@pytest.mark.parametrize(
    ("errors", "expected"),
    [([0.95, 0.95], "pass"), ([1.04, 1.04], "pass"), ([1.06, 1.06], "fail"), ([-1.2, -1.2], "fail")],
)
def test_decision_uses_rounded_error(errors: list[float], expected: str) -> None:
    # 1.04 rounds to 1.0 (interval 0.1): on the limit, passes; 1.06 rounds to 1.1: fails
    assert _evaluate(errors).decision == expected


def test_needs_two_readings() -> None:
    with pytest.raises(RecordValidationError, match="at least 2 readings"):
        _evaluate([0.3])


def test_pulses_for() -> None:
    assert jjg596.pulses_for(1200, 0.055) == 10  # resolution rule: m ≥ 10 000
    assert jjg596.pulses_for(1200, 13.2) == 88  # about 20 s at 13.2 kW
    with pytest.raises(RecordValidationError):
        jjg596.pulses_for(0, 1.0)
