"""JJG 596 reports U the way every procedure does: U95 with k = 2 for large ν_eff, else the t factor."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from calib_service.procedures import jjg596
from calib_service.procedures.common import PointResult


def _evaluate(errors: list[float]) -> PointResult:
    return jjg596.evaluate_point(
        errors_percent=errors,
        standard_counts=[100_000.0] * len(errors),
        certificate_u_percent=0.002,
        certificate_k=2.0,
        cmc_percent=None,
        accuracy_class="1",
        mpe_percent=1.0,
        point="Ib, 1.0",
    )


def test_small_dof_uses_the_student_factor() -> None:
    errors = [0.30, 0.36]
    r = _evaluate(errors)
    assert isinstance(r, PointResult) and r.point == "Ib, 1.0" and r.error_unit == "%"
    s = abs(errors[1] - errors[0]) / math.sqrt(2)
    u_a2 = s**2 / 2
    uc = math.sqrt(u_a2 + (0.002 / 2) ** 2 + (100 / 100_000) ** 2 / 3)
    nu = uc**4 / (u_a2**2 / 1)
    assert r.dof_eff == pytest.approx(nu, rel=1e-9) and nu < 30
    k = float(stats.t.ppf(0.975, math.floor(nu)))
    assert r.coverage_factor == pytest.approx(k, rel=1e-6)
    assert r.expanded_uncertainty == pytest.approx(k * uc, rel=1e-6)
    assert r.u95 == r.expanded_uncertainty
    # U95 = 0.38 % > MPE/3: 0.33 % rounds to 0.3 %, inside MPE − U95 → pass under JJF 1094
    assert r.decision == "pass"


def test_large_dof_keeps_k_2_and_the_archive_budget() -> None:
    r = _evaluate([0.30, 0.301, 0.302, 0.300, 0.301, 0.302])
    assert r.dof_eff is None or r.dof_eff >= 30
    assert r.coverage_factor == 2.0
    assert r.budget["cmc_floor_percent"] is None and r.budget["decision_rule"] == "jjf1094"
