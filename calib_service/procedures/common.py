"""Shared pieces of the procedures: limit and environment tables, spec builders, the per-point result.

Every procedure module keeps its own data (limits, test points, environment limits) as tuples of the
frozen rows defined here, each row citing its source and saying whether it was verified against the
official text. :func:`finish_point` turns an uncertainty spec of the error at one point into a
:class:`PointResult`: it evaluates the budget with :func:`uncertainty.evaluate`, chooses the coverage
factor (k = 2 when ν_eff ≥ :data:`LARGE_DOF`, else the Student-t factor for 95 %, so that U is the
U95 JJF 1094 judges with), raises U to the CMC of the measurement standard when it falls below it,
rounds the error to the rounding interval (化整间距) where the regulation has one and applies the
decision rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import uncertainty
from calib_service.decision import decide, round_to_interval
from calib_service.errors import RecordValidationError

__all__ = [
    "LARGE_DOF",
    "CheckResult",
    "EnvLimit",
    "LimitRow",
    "PointResult",
    "check_environment",
    "constant_input",
    "find_limit",
    "finish_point",
    "normal_input",
    "rect_input",
    "repeatability_input",
    "triangular_input",
]


#: ν_eff from which k = 2 gives U95 (JJF 1094 "when ν_eff is large"); below it k = t₀.₉₇₅(ν_eff).
LARGE_DOF = 30.0


@dataclass(frozen=True)
class LimitRow:
    """One limit of a regulation, as versioned data.

    Attributes:
        table: What the limit is for, e.g. ``"upper_zone"``, ``"zero_drift"``.
        accuracy_class: The class (or profile) it applies to.
        condition: Where it applies, in words (flow zone, temperature range, ...).
        value: The limit (MPE magnitude, or the coefficient of a formula).
        unit: ``"%"`` (of the reference value), ``"% FS"`` (referenced to the range), ``"s"``, ...
        verified: True only when checked against the official text of the regulation.
        source: Where the figure comes from (regulations.md and the underlying document).
    """

    table: str
    accuracy_class: str
    condition: str
    value: float
    unit: str
    verified: bool
    source: str


@dataclass(frozen=True)
class EnvLimit:
    """An environmental-condition limit: ``low ≤ value ≤ high`` (either end may be open).

    Attributes:
        quantity: Key in the conditions mapping, e.g. ``"ambient_temperature"``.
        low: Lowest value allowed, or None.
        high: Highest value allowed, or None.
        unit: Unit of the value (``"degC"``, ``"%"`` relative humidity, ``"K"``, ``"kPa"``).
        verified: True only when checked against the official text.
        source: Where the figure comes from.
        required: When True a missing value is itself a problem.
    """

    quantity: str
    low: float | None
    high: float | None
    unit: str
    verified: bool
    source: str
    required: bool = True


@dataclass(frozen=True)
class CheckResult:
    """A scalar check (drift, repeatability, response time) judged against its limit, |value| ≤ limit.

    These checks carry no uncertainty budget: the regulation compares the value with the limit.
    """

    name: str
    value: float
    unit: str
    limit: float
    limit_verified: bool
    decision: str

    @classmethod
    def judge(cls, name: str, value: float, unit: str, row: LimitRow) -> CheckResult:
        """Compare ``value`` with the limit of ``row``.

        Args:
            name: What was checked.
            value: The value found.
            unit: Its unit.
            row: The limit row.

        Returns:
            The check result.
        """
        outcome = "pass" if abs(value) <= row.value * (1 + 1e-12) else "fail"
        return cls(name, float(value), unit, row.value, row.verified, outcome)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "point": self.name,
            "value": self.value,
            "unit": self.unit,
            "limit": self.limit,
            "limit_verified": self.limit_verified,
            "decision": self.decision,
        }


def find_limit(rows: Iterable[LimitRow], table: str, accuracy_class: str, code: str) -> LimitRow:
    """The row of ``table`` for ``accuracy_class``.

    Args:
        rows: The limit table.
        table: Which limit.
        accuracy_class: The class.
        code: The regulation code (for the message).

    Returns:
        The row.

    Raises:
        RecordValidationError: No row for this class.
    """
    rows = tuple(rows)
    for row in rows:
        if row.table == table and row.accuracy_class == accuracy_class:
            return row
    classes = sorted({r.accuracy_class for r in rows if r.table == table})
    raise RecordValidationError(
        f"{code}: no {table} limit for class {accuracy_class!r}; use one of {', '.join(classes) or '(none)'}"
    )


def check_environment(limits: Iterable[EnvLimit], conditions: Mapping[str, float | None]) -> list[str]:
    """The problems found in the recorded conditions (empty when all are within limits).

    Args:
        limits: The regulation's environment limits.
        conditions: Recorded values keyed by quantity, in the limits' units.

    Returns:
        One message per problem: a missing required value, or a value outside its limits.
    """
    problems: list[str] = []
    for lim in limits:
        value = conditions.get(lim.quantity)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if lim.required:
                problems.append(f"{lim.quantity} not recorded; measure it or type it in ({lim.unit})")
            continue
        tag = "" if lim.verified else " [limit unverified]"
        if lim.low is not None and value < lim.low:
            problems.append(f"{lim.quantity} = {value:g} {lim.unit} is below {lim.low:g} {lim.unit}{tag}")
        if lim.high is not None and value > lim.high:
            problems.append(f"{lim.quantity} = {value:g} {lim.unit} is above {lim.high:g} {lim.unit}{tag}")
    return problems


def normal_input(
    name: str, value: float, unit: str, expanded: float, k: float, description: str
) -> dict[str, Any]:
    """A Type B normal input from a certificate's expanded uncertainty and coverage factor.

    Args:
        name: Input name.
        value: Estimate.
        unit: Unit of value and U.
        expanded: Expanded uncertainty U of the certificate.
        k: Its coverage factor.
        description: Source text.

    Returns:
        The spec entry.

    Raises:
        RecordValidationError: k is not positive or U is negative.
    """
    if k <= 0 or expanded < 0:
        raise RecordValidationError(f"{name}: certificate U must be ≥ 0 and k > 0, got U={expanded}, k={k}")
    return {
        "name": name,
        "value": float(value),
        "unit": unit,
        "distribution": "normal",
        "expanded_uncertainty": float(expanded),
        "coverage_factor": float(k),
        "description": description,
    }


def constant_input(name: str, value: Any, unit: str, description: str) -> dict[str, Any]:
    """An input taken as exact (no uncertainty of its own), e.g. a volume whose errors enter separately.

    Args:
        name: Input name.
        value: Estimate (a number, or an array in batch mode).
        unit: Unit.
        description: Source text.

    Returns:
        The spec entry.
    """
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "distribution": "constant",
        "description": description,
    }


def triangular_input(name: str, value: Any, unit: str, half_width: Any, description: str) -> dict[str, Any]:
    """A Type B triangular input of half-width ``half_width`` (u = a/√6), e.g. a resolution read twice.

    Args:
        name: Input name.
        value: Estimate.
        unit: Unit.
        half_width: Half-width a.
        description: Source text.

    Returns:
        The spec entry.
    """
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "distribution": "triangular",
        "half_width": half_width,
        "description": description,
    }


def rect_input(name: str, value: float, unit: str, half_width: float, description: str) -> dict[str, Any]:
    """A Type B rectangular input of half-width ``half_width`` (u = a/√3).

    Args:
        name: Input name.
        value: Estimate.
        unit: Unit.
        half_width: Half-width a.
        description: Source text.

    Returns:
        The spec entry.

    Raises:
        RecordValidationError: negative half-width.
    """
    if half_width < 0:
        raise RecordValidationError(f"{name}: half-width must be ≥ 0, got {half_width}")
    return {
        "name": name,
        "value": float(value),
        "unit": unit,
        "distribution": "rectangular",
        "half_width": float(half_width),
        "description": description,
    }


def repeatability_input(
    name: str,
    samples: Sequence[float],
    unit: str,
    description: str,
    *,
    pooled_sd: float | None = None,
    pooled_dof: int | None = None,
) -> dict[str, Any]:
    """A Type A input: mean of ``samples`` with s/√n, or with a pooled s/√n when one is given.

    With a single sample a pooled standard deviation (from the standard's repeatability test) is
    required, since s cannot be computed from one value.

    Args:
        name: Input name.
        samples: The repeated observations (already in ``unit``).
        unit: Their unit.
        description: Source text.
        pooled_sd: A prior standard deviation of one observation, used instead of s.
        pooled_dof: Its degrees of freedom (None: infinite).

    Returns:
        The spec entry.

    Raises:
        RecordValidationError: no samples, or one sample without a pooled standard deviation.
    """
    values = [float(v) for v in samples]
    if not values:
        raise RecordValidationError(f"{name}: no readings given; take at least one")
    n = len(values)
    if pooled_sd is None and n < 2:
        raise RecordValidationError(
            f"{name}: one reading only; repeat the point or give the pooled repeatability standard deviation"
        )
    if pooled_sd is None:
        return {
            "name": name,
            "unit": unit,
            "distribution": "type_a",
            "samples": values,
            "description": description,
        }
    if pooled_sd < 0:
        raise RecordValidationError(f"{name}: pooled standard deviation must be ≥ 0, got {pooled_sd}")
    entry: dict[str, Any] = {
        "name": name,
        "value": sum(values) / n,
        "unit": unit,
        "distribution": "normal",
        "standard_uncertainty": float(pooled_sd) / math.sqrt(n),
        "description": f"{description} (pooled s = {pooled_sd:g} {unit}, n = {n})",
    }
    if pooled_dof is not None:
        entry["dof"] = int(pooled_dof)
    return entry


@dataclass(frozen=True)
class PointResult:
    """The evaluated result of one test point (full precision; rounding happens on display).

    Attributes:
        point: Label of the point (``"Q3"``, ``"span"``, ``"20 °C"``).
        reference: Conventional true value at the point (in ``unit``).
        indication: Indication of the device under test (in ``unit``).
        unit: Unit of ``reference`` and ``indication``.
        error: The error in ``error_unit`` (the quantity judged).
        error_unit: ``"%"``, ``"% FS"`` or the unit of an absolute error.
        error_absolute: indication − reference, in ``unit``.
        error_relative: (indication − reference)/reference in %, None when the reference is 0.
        error_rounded: ``error`` rounded to the rounding interval (equal to ``error`` without one).
        mpe: MPEV at the point (same unit as ``error``), None for a calibration.
        expanded_uncertainty: U of the error (never below the CMC), same unit as ``error``.
        coverage_factor: k used for U.
        dof_eff: ν_eff (None when infinite).
        decision: ``pass``, ``fail``, ``undetermined`` or None (calibration, no limit).
        cmc_applied: True when U was raised to the CMC.
        limit_verified: Whether the limit row was checked against the official text (None: no limit).
        correction: For calibrations: −error, the correction to add to the indication.
        budget: Spec, engine result and CMC, as stored with the record.
        flags: Notes the verifier must see (unverified limits, CMC floor, ...).
    """

    point: str
    reference: float
    indication: float
    unit: str
    error: float
    error_unit: str
    error_absolute: float
    error_relative: float | None
    error_rounded: float
    mpe: float | None
    expanded_uncertainty: float
    coverage_factor: float
    dof_eff: float | None
    decision: str | None
    cmc_applied: bool
    limit_verified: bool | None
    correction: float | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    @property
    def u95(self) -> float:
        """U95 for the decision: the reported U (its k is already the 95 % factor)."""
        return self.expanded_uncertainty

    def store_fields(
        self, *, label: str | None = None, parameters: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Keyword arguments for ``RunContext.store_point`` (the columns of ``CalibrationPoint``).

        ``seq`` and ``state`` are the runner's; the error unit ``%`` is stored as pint's ``percent``.

        Args:
            label: Point label (default: :attr:`point`).
            parameters: Extra parameters of the point (flow, temperature, gas ...), merged in.
        """
        params: dict[str, Any] = {
            "error_rounded": self.error_rounded,
            "error_absolute": self.error_absolute,
            "error_relative_percent": self.error_relative,
            "correction": self.correction,
            "cmc_applied": self.cmc_applied,
            "limit_verified": self.limit_verified,
        }
        params.update(parameters or {})
        return {
            "label": label if label is not None else self.point,
            "parameters": params,
            "reference_value": self.reference,
            "reference_unit": self.unit,
            "indication": self.indication,
            "indication_unit": self.unit,
            "error": self.error,
            "error_unit": "percent" if self.error_unit == "%" else self.error_unit,
            "mpe": self.mpe,
            "expanded_uncertainty": self.expanded_uncertainty,
            "coverage_factor": self.coverage_factor,
            "dof_eff": self.dof_eff,
            "decision": self.decision,
            "flags": list(self.flags),
            "budget": self.budget,
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``calib run --json`` form of the point (contract keys first, then details)."""
        return {
            "point": self.point,
            "reference": self.reference,
            "indication": self.indication,
            "error": self.error,
            "error_unit": self.error_unit,
            "mpe": self.mpe,
            "expanded_uncertainty": self.expanded_uncertainty,
            "coverage_factor": self.coverage_factor,
            "decision": self.decision,
            "unit": self.unit,
            "error_rounded": self.error_rounded,
            "error_absolute": self.error_absolute,
            "error_relative": self.error_relative,
            "correction": self.correction,
            "dof_eff": self.dof_eff,
            "cmc_applied": self.cmc_applied,
            "limit_verified": self.limit_verified,
            "flags": list(self.flags),
        }


def _relative(indication: float, reference: float) -> float | None:
    return None if reference == 0 else (indication - reference) / reference * 100.0


def finish_point(
    *,
    point: str,
    spec: Mapping[str, Any],
    reference: float,
    indication: float,
    unit: str,
    error_unit: str,
    mpe: float | None,
    cmc: float | None,
    decision_rule: str = "jjf1094",
    rounding_interval: float | None = None,
    limit_verified: bool | None = None,
    calibration: bool = False,
    flags: Sequence[str] = (),
) -> PointResult:
    """Evaluate the error budget ``spec`` and judge the point.

    The coverage factor is k = 2 when ν_eff ≥ :data:`LARGE_DOF` (JJF 1059.1), else the Student-t
    factor t₀.₉₇₅(ν_eff) (ν_eff truncated), so the reported U is the U95 of JJF 1094.

    Args:
        point: Label of the point.
        spec: Uncertainty spec whose measurand is the error, in ``error_unit`` (``%`` → ``percent``).
        reference: Reference value (display and relative error).
        indication: Indication of the device (display and relative error).
        unit: Unit of reference and indication.
        error_unit: Unit of the error.
        mpe: MPEV in ``error_unit``; None for calibrations.
        cmc: CMC of the measurement standard as U (k = 2) in ``error_unit``: the floor of U.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        rounding_interval: 化整间距 of the error, or None.
        limit_verified: Verified flag of the limit row.
        calibration: True for calibrations (no decision; the correction is reported).
        flags: Notes collected by the caller.

    Returns:
        The :class:`PointResult`.

    Raises:
        RecordValidationError: a CMC below zero, or a bad decision rule or MPE.
    """
    spec = dict(spec)
    options = dict(spec.get("options") or {})
    options.pop("coverage_factor", None)
    options["coverage_probability"] = 0.95
    spec["options"] = options
    result = uncertainty.evaluate(spec)
    u_c = float(result.standard_uncertainty)
    nu = result.dof_eff
    small_dof = nu is not None and math.isfinite(nu) and nu < LARGE_DOF
    k = float(result.coverage_factor) if small_dof else 2.0
    u_expanded = k * u_c
    notes = list(flags)
    cmc_applied = False
    if cmc is not None:
        if cmc < 0:
            raise RecordValidationError(f"{point}: CMC must be ≥ 0, got {cmc}")
        if u_expanded < cmc:
            u_expanded = float(cmc)
            k = 2.0  # the CMC is stated at k = 2
            cmc_applied = True
            notes.append(f"U raised to the CMC of the measurement standard ({cmc:g} {error_unit})")
    if u_expanded == 0.0:
        notes.append("U is 0: the budget holds no uncertainty; give the standard's certificate U or the CMC")
    error = float(result.value)
    rounded = round_to_interval(error, rounding_interval)
    decision: str | None = None
    if not calibration and mpe is not None:
        decision = decide(rounded, mpe, u_expanded, decision_rule).outcome
        if limit_verified is False:
            notes.append("limit not verified against the official text of the regulation")
    dof = float(result.dof_eff) if result.dof_eff is not None and math.isfinite(result.dof_eff) else None
    return PointResult(
        point=point,
        reference=float(reference),
        indication=float(indication),
        unit=unit,
        error=error,
        error_unit=error_unit,
        error_absolute=float(indication) - float(reference),
        error_relative=_relative(float(indication), float(reference)),
        error_rounded=rounded,
        mpe=mpe,
        expanded_uncertainty=u_expanded,
        coverage_factor=k,
        dof_eff=dof,
        decision=decision,
        cmc_applied=cmc_applied,
        limit_verified=limit_verified,
        correction=-error if calibration else None,
        budget={"spec": spec, "result": result.to_dict(), "cmc": cmc, "decision_rule": decision_rule},
        flags=tuple(notes),
    )
