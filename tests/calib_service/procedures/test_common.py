"""finish_point: coverage factor rule, CMC floor, rounding, decisions; environment checks."""

from __future__ import annotations

import math

import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures.common import (
    CheckResult,
    EnvLimit,
    LimitRow,
    PointResult,
    check_environment,
    find_limit,
    finish_point,
    repeatability_input,
)


def _spec(u: float, dof: int | None = None) -> dict[str, object]:
    entry: dict[str, object] = {
        "name": "e",
        "value": 0.4,
        "unit": "percent",
        "distribution": "normal",
        "standard_uncertainty": u,
    }
    if dof is not None:
        entry["distribution"] = "student_t"
        entry["dof"] = dof
    return {"measurand": {"name": "E", "unit": "percent"}, "model": "e", "inputs": [entry]}


def _finish(u: float, dof: int | None = None, **kw: object) -> PointResult:
    args: dict[str, object] = {
        "point": "p",
        "spec": _spec(u, dof),
        "reference": 100.0,
        "indication": 100.4,
        "unit": "L",
        "error_unit": "%",
        "mpe": 1.0,
        "cmc": None,
    }
    args.update(kw)
    return finish_point(**args)  # type: ignore[arg-type]


def test_k2_for_large_dof() -> None:
    r = _finish(0.05)
    assert r.coverage_factor == 2.0
    assert r.expanded_uncertainty == pytest.approx(0.1)
    assert r.decision == "pass"


def test_t_factor_for_small_dof() -> None:
    # ν = 4: t_0.975(4) = 2.776 (Student t table)
    r = _finish(0.05, dof=4)
    assert r.coverage_factor == pytest.approx(2.776, abs=1e-3)
    assert r.expanded_uncertainty == pytest.approx(0.1388, abs=1e-4)


def test_cmc_floor() -> None:
    r = _finish(0.01, cmc=0.05)
    assert r.expanded_uncertainty == 0.05
    assert r.cmc_applied
    assert r.coverage_factor == 2.0
    assert any("CMC" in f for f in r.flags)
    r2 = _finish(0.05, cmc=0.05)
    assert not r2.cmc_applied


def test_rounding_interval_used_in_decision() -> None:
    # error 1.04 % rounds to 1.0 with an interval of 0.1 → on the limit → pass (U = 0.02 ≤ MPEV/3)
    spec = _spec(0.01)
    spec["inputs"][0]["value"] = 1.04  # type: ignore[index]
    r = finish_point(
        point="p",
        spec=spec,
        reference=1,
        indication=1,
        unit="",
        error_unit="%",
        mpe=1.0,
        cmc=None,
        rounding_interval=0.1,
    )
    assert r.error_rounded == pytest.approx(1.0)
    assert r.decision == "pass"
    r2 = finish_point(
        point="p", spec=spec, reference=1, indication=1, unit="", error_unit="%", mpe=1.0, cmc=None
    )
    assert r2.decision == "fail"


def test_calibration_has_no_decision_and_a_correction() -> None:
    r = _finish(0.05, calibration=True)
    assert r.decision is None
    assert r.correction == pytest.approx(-0.4)
    d = r.to_dict()
    for key in (
        "point",
        "reference",
        "indication",
        "error",
        "error_unit",
        "mpe",
        "expanded_uncertainty",
        "coverage_factor",
        "decision",
    ):
        assert key in d


def test_relative_error_and_unverified_flag() -> None:
    r = _finish(0.05, limit_verified=False)
    assert r.error_relative == pytest.approx(0.4)
    assert r.error_absolute == pytest.approx(0.4)
    assert any("not verified" in f for f in r.flags)


def test_check_environment() -> None:
    limits = (
        EnvLimit("ambient_temperature", 15.0, 25.0, "degC", False, "x"),
        EnvLimit("relative_humidity", None, 75.0, "%", True, "y"),
        EnvLimit("optional", 0.0, 1.0, "K", True, "z", required=False),
    )
    assert check_environment(limits, {"ambient_temperature": 20.0, "relative_humidity": 50.0}) == []
    problems = check_environment(
        limits, {"ambient_temperature": 26.0, "relative_humidity": math.nan, "optional": -1.0}
    )
    assert len(problems) == 3
    assert "above 25" in problems[0] and "unverified" in problems[0]
    assert "relative_humidity not recorded" in problems[1]
    assert "below 0" in problems[2]


def test_find_limit_and_check_result() -> None:
    rows = (LimitRow("a", "1", "", 2.0, "%", False, "s"),)
    assert find_limit(rows, "a", "1", "X").value == 2.0
    with pytest.raises(RecordValidationError, match="class '9'"):
        find_limit(rows, "a", "9", "X")
    assert CheckResult.judge("z", -2.0, "%", rows[0]).decision == "pass"
    assert CheckResult.judge("z", 2.01, "%", rows[0]).decision == "fail"


def test_repeatability_input() -> None:
    with pytest.raises(RecordValidationError, match="pooled"):
        repeatability_input("r", [1.0], "percent", "x")
    e = repeatability_input("r", [1.0], "percent", "x", pooled_sd=0.2)
    assert e["standard_uncertainty"] == pytest.approx(0.2)
    e4 = repeatability_input("r", [1.0, 2.0, 3.0, 4.0], "percent", "x", pooled_sd=0.2, pooled_dof=9)
    assert e4["standard_uncertainty"] == pytest.approx(0.1)
    assert e4["dof"] == 9


def test_store_fields_are_json_ready_columns() -> None:
    import json

    r = _finish(0.05, limit_verified=False)
    fields = r.store_fields(parameters={"flow_m3_h": 2.4})
    assert fields["error_unit"] == "percent"
    assert fields["reference_value"] == 100.0 and fields["indication"] == 100.4
    assert fields["parameters"]["flow_m3_h"] == 2.4 and fields["parameters"]["limit_verified"] is False
    assert set(fields) == {
        "label",
        "parameters",
        "reference_value",
        "reference_unit",
        "indication",
        "indication_unit",
        "error",
        "error_unit",
        "mpe",
        "expanded_uncertainty",
        "coverage_factor",
        "dof_eff",
        "decision",
        "flags",
        "budget",
    }
    json.dumps(fields, allow_nan=False)


def test_every_module_names_its_roles() -> None:
    from calib_service.procedures import cems_co2, comparison, jjg162, jjg225, jjg577, jjg635

    for module in (cems_co2, comparison, jjg162, jjg225, jjg577, jjg635):
        assert module.ROLES and all(isinstance(v, str) and v for v in module.ROLES.values())
        assert module.CODE and module.TITLE_ZH and module.TITLE_EN and module.FAMILY and module.DATA_VERSION
        expected_kind = "calibration" if module is comparison else "verification"
        assert expected_kind == module.KIND
        assert len(module.CODE) <= 60 and len(module.FAMILY) <= 30  # Procedure columns
    assert "balance" in jjg162.ROLES and "dut" in jjg162.ROLES
    assert "analyser" in jjg635.ROLES and "mfc" in jjg635.ROLES


def test_zero_uncertainty_is_flagged() -> None:
    r = _finish(0.0)
    assert r.expanded_uncertainty == 0.0
    assert any("U is 0" in f for f in r.flags)
