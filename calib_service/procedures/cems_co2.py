"""CO₂ and flue-gas channels of CEMS, on the drift and linearity pattern of HJ 75-2017 / HJ 76-2017.

HJ 75/76 cover SO₂, NOₓ and particulates; CO₂ channels follow the Ministry of Ecology and
Environment's newer specification for flue-gas CO₂ continuous monitoring, whose number and limits were
not found (``shared/domain/regulations.md`` §1). Until its text is entered, the limits are
**configurable data**, every figure unverified: two built-in profiles carry the HJ 75-2017 (operation
and acceptance) and HJ 76-2017 (type test) figures for gas channels as quoted in regulations.md, and
:func:`profile_from_mapping` builds a profile from configuration (a YAML file or the database).

Checks: indication (linearity) error at low, mid and high reference gases, 24 h zero and span drift,
response time T90. HJ 75 judges the indication error relative to the standard value (±5 %), or
referenced to the range (±2.5 % FS) at small ranges; HJ 76 referenced to the range (±2 % FS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures import common
from calib_service.procedures.analyser import (
    Dilution,
    drift_percent_fs,
    evaluate_indication,
    span_drift_percent_fs,
    t90,
)
from calib_service.procedures.common import CheckResult, EnvLimit, LimitRow, PointResult

__all__ = [
    "CODE",
    "DATA_VERSION",
    "ENVIRONMENT",
    "FAMILY",
    "KIND",
    "PROFILES",
    "ROLES",
    "TEST_POINTS",
    "TITLE_EN",
    "TITLE_ZH",
    "Profile",
    "check_drift",
    "check_environment",
    "check_response_time",
    "evaluate_point",
    "profile_from_mapping",
]

CODE = "HJ 75-2017/HJ 76-2017 (CO2 pattern)"
TITLE_ZH = "固定污染源烟气二氧化碳连续监测系统 (按 HJ 75/HJ 76 漂移与示值误差模式)"
TITLE_EN = "CO2 / flue-gas CEMS channels (HJ 75/HJ 76 drift and linearity pattern)"
FAMILY = "cems"
DATA_VERSION = "2026.12-1"
#: Procedure kind stored with the record.
KIND = "verification"

#: Roles of a CEMS check: role → what it is.
ROLES: dict[str, str] = {
    "analyser": "CEMS CO2 channel (HJ 212 data link, Modbus, or typed in from the DAS)",
    "mfc": "mass-flow controllers for cylinder gas and zero gas (dilution)",
    "climate": "ambient temperature and humidity in the analyser shelter",
}

_SRC75 = (
    "HJ 75-2017 gas-channel figure as quoted in shared/domain/regulations.md §1 (U: official text not seen); "
    "applied to CO2 by analogy until the CO2 specification is entered"
)
_SRC76 = (
    "HJ 76-2017 gas-channel figure as quoted in shared/domain/regulations.md §1 (U); "
    "applied to CO2 by analogy until the CO2 specification is entered"
)


@dataclass(frozen=True)
class Profile:
    """A configurable set of limits for one CEMS channel.

    Attributes:
        name: Profile name (``HJ75``, ``HJ76`` or a configured one).
        indication_error: Limit of the indication error (value and unit ``%`` or ``% FS``).
        indication_error_small_range: Limit used at small ranges (``% FS``), or None.
        zero_drift: 24 h zero-drift limit, % FS.
        span_drift: 24 h span-drift limit, % FS.
        response_time: Limit of the response time, s.
    """

    name: str
    indication_error: LimitRow
    indication_error_small_range: LimitRow | None
    zero_drift: LimitRow
    span_drift: LimitRow
    response_time: LimitRow

    def rows(self) -> tuple[LimitRow, ...]:
        """All limit rows of the profile."""
        rows = [self.indication_error, self.zero_drift, self.span_drift, self.response_time]
        if self.indication_error_small_range is not None:
            rows.insert(1, self.indication_error_small_range)
        return tuple(rows)


PROFILES: dict[str, Profile] = {
    "HJ75": Profile(
        "HJ75",
        LimitRow("indication_error", "HJ75", "relative to the standard value", 5.0, "%", False, _SRC75),
        LimitRow("indication_error_small_range", "HJ75", "small ranges", 2.5, "% FS", False, _SRC75),
        LimitRow("zero_drift", "HJ75", "24 h", 2.5, "% FS", False, _SRC75),
        LimitRow("span_drift", "HJ75", "24 h", 2.5, "% FS", False, _SRC75),
        LimitRow("response_time", "HJ75", "system response time", 200.0, "s", False, _SRC75),
    ),
    "HJ76": Profile(
        "HJ76",
        LimitRow("indication_error", "HJ76", "referenced to the range", 2.0, "% FS", False, _SRC76),
        None,
        LimitRow("zero_drift", "HJ76", "24 h", 2.0, "% FS", False, _SRC76),
        LimitRow("span_drift", "HJ76", "24 h", 2.0, "% FS", False, _SRC76),
        LimitRow("response_time", "HJ76", "response time", 200.0, "s", False, _SRC76),
    ),
}

#: Reference-gas points as fractions of the range (design defaults, I; check HJ 75-2017 for the CO2 spec).
TEST_POINTS: tuple[tuple[str, float], ...] = (("zero", 0.0), ("low", 0.25), ("mid", 0.55), ("high", 0.85))

ENVIRONMENT: tuple[EnvLimit, ...] = (
    EnvLimit("ambient_temperature", 0.0, 40.0, "degC", False, "design (I): analyser shelter; check the spec"),
    EnvLimit("relative_humidity", None, 90.0, "%", False, "design (I); check the spec"),
)

_KEYS = ("indication_error", "zero_drift", "span_drift", "response_time")


def _cfg_row(name: str, key: str, raw: Any, default_unit: str) -> LimitRow:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = {"value": raw}
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise RecordValidationError(
            f"CEMS profile {name!r}: {key} must be a number or {{value, unit, source}}"
        )
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise RecordValidationError(f"CEMS profile {name!r}: {key} = {value!r} must be a number > 0")
    unit = str(raw.get("unit", default_unit))
    if key == "indication_error" and unit not in ("%", "% FS"):
        raise RecordValidationError(f"CEMS profile {name!r}: indication_error unit must be '%' or '% FS'")
    return LimitRow(
        key,
        name,
        str(raw.get("condition", "")),
        float(value),
        unit,
        bool(raw.get("verified", False)),
        str(raw.get("source", "configured")),
    )


def profile_from_mapping(name: str, data: Mapping[str, Any]) -> Profile:
    """Build a profile from configuration (e.g. a YAML mapping).

    ``data`` holds ``indication_error``, ``zero_drift``, ``span_drift``, ``response_time`` (each a
    number or ``{value, unit, condition, verified, source}``) and optionally
    ``indication_error_small_range``. ``verified`` defaults to False.

    Args:
        name: Profile name.
        data: The configured limits.

    Returns:
        The profile.

    Raises:
        RecordValidationError: a missing key or a bad value.

    >>> p = profile_from_mapping("CO2-draft", {"indication_error": {"value": 3, "unit": "% FS"},
    ...     "zero_drift": 2.5, "span_drift": 2.5, "response_time": 200})
    >>> p.indication_error.value, p.zero_drift.unit, p.span_drift.verified
    (3.0, '% FS', False)
    """
    missing = [k for k in _KEYS if k not in data]
    if missing:
        raise RecordValidationError(f"CEMS profile {name!r}: missing {', '.join(missing)}")
    small = data.get("indication_error_small_range")
    return Profile(
        name,
        _cfg_row(name, "indication_error", data["indication_error"], "%"),
        None if small is None else _cfg_row(name, "indication_error_small_range", small, "% FS"),
        _cfg_row(name, "zero_drift", data["zero_drift"], "% FS"),
        _cfg_row(name, "span_drift", data["span_drift"], "% FS"),
        _cfg_row(name, "response_time", data["response_time"], "s"),
    )


def _profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        raise RecordValidationError(f"unknown CEMS profile {profile!r}; use one of {', '.join(PROFILES)}")
    return PROFILES[profile]


def check_environment(conditions: Mapping[str, float | None]) -> list[str]:
    """Problems with the recorded conditions.

    Args:
        conditions: Recorded values keyed by quantity (see ``ENVIRONMENT``).

    Returns:
        One message per problem; empty when all is within limits.
    """
    return common.check_environment(ENVIRONMENT, conditions)


def evaluate_point(
    *,
    point: str,
    reference: Dilution,
    readings: Sequence[float],
    unit: str,
    span: float,
    profile: str | Profile = "HJ75",
    small_range: bool = False,
    dut_resolution: float = 0.0,
    pooled_sd: float | None = None,
    cmc: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Indication error at one reference gas, judged with the profile's limit.

    With a limit in % of the standard value a zero gas cannot be judged relatively: at the zero point
    (or with ``small_range``) the small-range % FS limit is used when the profile has one.

    Args:
        point: Label.
        reference: Reference gas (cylinder, possibly diluted).
        readings: Channel readings at the point.
        unit: Concentration unit.
        span: Range of the channel.
        profile: Profile name or object.
        small_range: Use the small-range limit (% FS).
        dut_resolution: Display resolution of the channel.
        pooled_sd: Standard deviation of one reading (needed with one reading).
        cmc: CMC (U, k = 2) in the error's unit.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Raises:
        RecordValidationError: a zero reference with only a relative limit.
    """
    prof = _profile(profile)
    row = prof.indication_error
    if (small_range or reference.value == 0) and prof.indication_error_small_range is not None:
        row = prof.indication_error_small_range
    basis = "fs" if row.unit == "% FS" else "reading"
    if basis == "reading" and reference.value == 0:
        raise RecordValidationError(
            f"CEMS {point}: profile {prof.name} has only a relative limit; it cannot judge a zero gas"
        )
    return evaluate_indication(
        point=point,
        reference=reference,
        readings=readings,
        unit=unit,
        span=span,
        mpe=row.value,
        basis=basis,
        dut_resolution=dut_resolution,
        pooled_sd=pooled_sd,
        cmc=cmc,
        decision_rule=decision_rule,
        limit_verified=row.verified,
    )


def check_drift(
    *,
    span: float,
    zero_start: float,
    zero_end: float,
    span_start: float,
    span_end: float,
    elapsed_hours: float,
    profile: str | Profile = "HJ75",
    subtract_zero: bool = False,
    tolerance_hours: float = 0.5,
) -> tuple[CheckResult, CheckResult]:
    """24 h zero and span drift in % FS against the profile's limits.

    HJ 75 computes the span drift from the span readings alone (``subtract_zero`` False, as commonly
    quoted, U); set it to subtract the zero drift where the specification asks.

    Args:
        span: Range R.
        zero_start: Zero reading at the start.
        zero_end: Zero reading 24 h later.
        span_start: Span reading at the start.
        span_end: Span reading 24 h later.
        elapsed_hours: Time between the readings, h.
        profile: Profile name or object.
        subtract_zero: Correct the span drift for the zero drift.
        tolerance_hours: Accepted deviation from 24 h.

    Returns:
        (zero drift, span drift) checks in % FS.

    Raises:
        RecordValidationError: readings not 24 h apart (within ``tolerance_hours``).
    """
    prof = _profile(profile)
    if abs(elapsed_hours - 24.0) > tolerance_hours:
        raise RecordValidationError(
            f"CEMS drift is judged over 24 h; the readings are {elapsed_hours:g} h apart"
        )
    zero = drift_percent_fs(zero_start, zero_end, span)
    sp = span_drift_percent_fs(span_start, span_end, zero_start, zero_end, span, subtract_zero=subtract_zero)
    return (
        CheckResult.judge("zero_drift", zero, "% FS", prof.zero_drift),
        CheckResult.judge("span_drift", sp, "% FS", prof.span_drift),
    )


def check_response_time(
    samples: Sequence[tuple[float, float]],
    *,
    profile: str | Profile = "HJ75",
    step_time: float | None = None,
    initial: float | None = None,
    final: float | None = None,
) -> CheckResult:
    """Response time T90 (s) from the series after the step, against the profile's limit.

    Args:
        samples: (time s, reading) after the step.
        profile: Profile name or object.
        step_time: Time of the step.
        initial: Reading before the step.
        final: Settled reading.

    Returns:
        The check (T90, s).
    """
    value = t90(samples, step_time=step_time, initial=initial, final=final)
    return CheckResult.judge("response_time", value, "s", _profile(profile).response_time)
