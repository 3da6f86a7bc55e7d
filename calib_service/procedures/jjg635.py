"""JJG 635-2011 CO/CO₂ infrared (NDIR) gas analysers.

Checks: referenced indication error at zero, mid and span with certified reference gases (each cylinder
is a standard with its certificate; mid and low points may be made by dilution through the mass-flow
controllers), repeatability, response time T90, zero and span drift, interference.

What is known (``shared/domain/regulations.md`` §1): zero drift and span drift ≤ the instrument's
referenced-error limit (V); interference of non-target gases except H₂O ±2 % FS (V); H₂O interference
≤ the referenced-error limit (V). **Table 1 (indication error, repeatability, response time per
class) was not retrieved**: the rows below for those quantities are placeholders marked unverified, to
be replaced from the official text (bump ``DATA_VERSION``). The analyser's class selects the
referenced-error limit; the drift limits follow it, as the regulation says.

Uncertainty model of the indication error (``docs/procedures/jjg635.md``)::

    δ = (C̄_i + δ_res − C_ref)/R × 100 % FS,  C_ref = (C_cyl Q_g + C_0 Q_d)/(Q_g + Q_d)

Interference (``check_interference``): the change of the indication when an interferent gas replaces
the zero gas, I = (C̄_with − C̄_zero)/R × 100 % FS, judged against ±2 % FS for non-target gases and
against the referenced-error limit for H₂O. Which gases, at which amounts, is the bench's choice (the
regulation's list of interferents was not retrieved).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from calib_service.errors import RecordValidationError
from calib_service.procedures import common
from calib_service.procedures.analyser import (
    Dilution,
    drift_percent_fs,
    evaluate_indication,
    relative_std_percent,
    span_drift_percent_fs,
    t90,
)
from calib_service.procedures.common import CheckResult, EnvLimit, LimitRow, PointResult, find_limit

__all__ = [
    "CLASSES",
    "CODE",
    "DATA_VERSION",
    "ENVIRONMENT",
    "FAMILY",
    "KIND",
    "LIMITS",
    "ROLES",
    "TEST_POINTS",
    "TITLE_EN",
    "TITLE_ZH",
    "CheckResult",
    "check_drift",
    "check_environment",
    "check_interference",
    "check_repeatability",
    "check_response_time",
    "evaluate_point",
    "limit",
]

CODE = "JJG 635-2011"
TITLE_ZH = "一氧化碳、二氧化碳红外气体分析器检定规程"
TITLE_EN = "Verification Regulation of Non-dispersive Infrared CO and CO2 Gas Analysers"
FAMILY = "co2"
DATA_VERSION = "2026.12-1"
#: Procedure kind stored with the record.
KIND = "verification"

#: Roles of an analyser bench: role → what it is.
ROLES: dict[str, str] = {
    "analyser": "NDIR analyser under test (ASCII or Modbus codec)",
    "mfc": "mass-flow controllers for cylinder gas and zero gas (dilution)",
    "climate": "ambient temperature and humidity",
}

_SRC_V = "shared/domain/regulations.md §1 (JJG 635-2011 row, status V)"
_SRC_T1 = (
    "PLACEHOLDER: JJG 635-2011 Table 1 not retrieved (regulations.md §1); value is a design default (I), "
    "enter the official figure before relying on it"
)

#: Classes named by their referenced-error limit (% FS); placeholders until Table 1 is entered.
CLASSES: tuple[str, ...] = ("1", "2", "3", "5")


def _rows() -> tuple[LimitRow, ...]:
    rows: list[LimitRow] = []
    for cls in CLASSES:
        mpe = float(cls)
        rows += [
            LimitRow("indication_error", cls, "zero, mid and span points", mpe, "% FS", False, _SRC_T1),
            LimitRow(
                "zero_drift",
                cls,
                "≤ referenced-error limit",
                mpe,
                "% FS",
                False,
                f"{_SRC_V}: drift ≤ the referenced-error limit; the limit itself is a placeholder",
            ),
            LimitRow(
                "span_drift",
                cls,
                "≤ referenced-error limit",
                mpe,
                "% FS",
                False,
                f"{_SRC_V}: drift ≤ the referenced-error limit; the limit itself is a placeholder",
            ),
            LimitRow("interference", cls, "non-target gases except H₂O", 2.0, "% FS", True, _SRC_V),
            LimitRow(
                "interference_h2o",
                cls,
                "H₂O",
                mpe,
                "% FS",
                False,
                f"{_SRC_V}: ≤ referenced-error limit; the limit itself is a placeholder",
            ),
            LimitRow("repeatability", cls, "relative standard deviation", mpe / 2.0, "%", False, _SRC_T1),
            LimitRow("response_time", cls, "T90", 60.0, "s", False, _SRC_T1),
        ]
    return tuple(rows)


LIMITS: tuple[LimitRow, ...] = _rows()

#: Test points as fractions of the range (design defaults, I; check JJG 635-2011).
TEST_POINTS: tuple[tuple[str, float], ...] = (("zero", 0.0), ("mid", 0.5), ("span", 0.9))

_SRC_ENV = (
    "U: third-party page m.zjtcn.com/news/50073918.html quoting verification conditions of a CO-analyser "
    "regulation (apparently an older edition); check JJG 635-2011 5.1"
)
ENVIRONMENT: tuple[EnvLimit, ...] = (
    EnvLimit("ambient_temperature", 10.0, 30.0, "degC", False, _SRC_ENV),
    EnvLimit("relative_humidity", None, 80.0, "%", False, _SRC_ENV),
    EnvLimit("atmospheric_pressure", 86.0, 106.0, "kPa", False, _SRC_ENV),
    EnvLimit(
        "ambient_temperature_change",
        None,
        2.0,
        "K",
        False,
        "design (I): change during the 24 h drift test; check JJG 635-2011",
        required=False,
    ),
)


def limit(table: str, accuracy_class: str) -> LimitRow:
    """The limit row ``table`` for ``accuracy_class``.

    Args:
        table: Which limit (``indication_error``, ``zero_drift`` ...).
        accuracy_class: The class.

    Returns:
        The limit row.

    >>> limit("interference", "2").value
    2.0
    """
    return find_limit(LIMITS, table, accuracy_class, CODE)


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
    accuracy_class: str,
    dut_resolution: float,
    pooled_sd: float | None = None,
    cmc_percent_fs: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Referenced indication error (% FS) at one reference gas.

    Args:
        point: ``zero``, ``mid``, ``span``.
        reference: The cylinder, possibly diluted.
        readings: Analyser readings after stabilisation (at least 2, or 1 with ``pooled_sd``).
        unit: Concentration unit of readings, cylinder and range.
        span: Range R of the analyser.
        accuracy_class: Class (selects the referenced-error limit).
        dut_resolution: Display resolution.
        pooled_sd: Standard deviation of one reading from a prior repeatability test.
        cmc_percent_fs: CMC (U, k = 2) in % FS.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
    """
    row = limit("indication_error", accuracy_class)
    return evaluate_indication(
        point=point,
        reference=reference,
        readings=readings,
        unit=unit,
        span=span,
        mpe=row.value,
        basis="fs",
        dut_resolution=dut_resolution,
        pooled_sd=pooled_sd,
        cmc=cmc_percent_fs,
        decision_rule=decision_rule,
        limit_verified=row.verified,
    )


def check_drift(
    *,
    accuracy_class: str,
    span: float,
    zero_start: float,
    zero_end: float,
    span_start: float,
    span_end: float,
    elapsed_hours: float,
    subtract_zero: bool = True,
    tolerance_hours: float = 0.5,
) -> tuple[CheckResult, CheckResult]:
    """Zero and span drift over (about) 24 h against the referenced-error limit.

    Args:
        accuracy_class: The class.
        span: Range R.
        zero_start: Zero reading at the start.
        zero_end: Zero reading 24 h later.
        span_start: Span reading at the start.
        span_end: Span reading 24 h later.
        elapsed_hours: Time between the readings, h.
        subtract_zero: Correct the span drift for the zero drift.
        tolerance_hours: Accepted deviation from 24 h.

    Returns:
        (zero drift, span drift) checks in % FS.

    Raises:
        RecordValidationError: the elapsed time is not 24 h within ``tolerance_hours``.
    """
    if abs(elapsed_hours - 24.0) > tolerance_hours:
        raise RecordValidationError(
            f"{CODE}: drift is judged over 24 h; the readings are {elapsed_hours:g} h apart"
        )
    zero = drift_percent_fs(zero_start, zero_end, span)
    sp = span_drift_percent_fs(span_start, span_end, zero_start, zero_end, span, subtract_zero=subtract_zero)
    return (
        CheckResult.judge("zero_drift", zero, "% FS", limit("zero_drift", accuracy_class)),
        CheckResult.judge("span_drift", sp, "% FS", limit("span_drift", accuracy_class)),
    )


def check_repeatability(accuracy_class: str, readings: Sequence[float]) -> CheckResult:
    """Repeatability (relative standard deviation of repeated readings of one gas).

    Args:
        accuracy_class: The class.
        readings: Repeated readings of one gas.

    Returns:
        The check (relative standard deviation, %).
    """
    return CheckResult.judge(
        "repeatability", relative_std_percent(readings), "%", limit("repeatability", accuracy_class)
    )


def check_response_time(
    accuracy_class: str,
    samples: Sequence[tuple[float, float]],
    *,
    step_time: float | None = None,
    initial: float | None = None,
    final: float | None = None,
) -> CheckResult:
    """Response time T90 from the (time s, reading) series after switching from zero to span gas.

    Args:
        accuracy_class: The class.
        samples: (time s, reading) after the step.
        step_time: Time of the step.
        initial: Reading before the step.
        final: Settled reading.

    Returns:
        The check (T90, s).
    """
    value = t90(samples, step_time=step_time, initial=initial, final=final)
    return CheckResult.judge("response_time", value, "s", limit("response_time", accuracy_class))


_FORMULA = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _mean(values: float | Sequence[float], what: str) -> float:
    seq = [float(values)] if isinstance(values, int | float) else [float(v) for v in values]
    if not seq or not all(math.isfinite(v) for v in seq):
        raise RecordValidationError(
            f"{CODE}: interference needs at least one finite {what} reading, got {seq}"
        )
    return sum(seq) / len(seq)


def check_interference(
    accuracy_class: str,
    gas: str,
    zero: float | Sequence[float],
    with_interferent: float | Sequence[float],
    span: float,
    *,
    target: str = "CO2",
) -> CheckResult:
    """Interference of one gas: the change of the indication from zero gas to the interferent gas, in % FS.

    ``I = (C̄_with − C̄_zero)/R × 100 % FS`` (C̄: mean of the readings), judged |I| ≤ limit: H₂O against
    the ``interference_h2o`` row (≤ the referenced-error limit of the class), any other non-target gas
    against the ``interference`` row (±2 % FS, verified).

    Args:
        accuracy_class: The class.
        gas: The interferent, as a formula (``CO``, ``H2O``, ``H₂O``, ``CH4`` ...).
        zero: Reading(s) on zero gas just before.
        with_interferent: Reading(s) with the interferent gas applied.
        span: Range R, in the unit of the readings.
        target: The gas the analyser measures (may not be its own interferent).

    Returns:
        The check, named ``interference_<GAS>``.

    Raises:
        RecordValidationError: no or non-finite readings, range not > 0, a gas that is not a formula, or
            the target gas itself.

    >>> r = check_interference("2", "CO", [4.0, 4.2, 3.8], [24.0], 2000.0)
    >>> round(r.value, 6), r.unit, r.limit, r.decision, r.name
    (1.0, '% FS', 2.0, 'pass', 'interference_CO')
    >>> check_interference("1", "H₂O", 0.0, 24.2, 2000.0).decision  # 1.01 % FS against ±1 % FS
    'fail'
    """
    name = gas.strip().translate(_SUBSCRIPTS)
    if not _FORMULA.fullmatch(name):
        raise RecordValidationError(f"{CODE}: interferent {gas!r} must be a formula such as CO, H2O or CH4")
    if name.upper() == target.upper():
        raise RecordValidationError(f"{CODE}: {name} is the gas the analyser measures, not an interferent")
    if not span > 0:
        raise RecordValidationError(f"{CODE}: the range must be > 0, got {span!r}")
    value = (_mean(with_interferent, "with-interferent") - _mean(zero, "zero-gas")) / span * 100.0
    table = "interference_h2o" if name.upper() == "H2O" else "interference"
    return CheckResult.judge(f"interference_{name}", value, "% FS", limit(table, accuracy_class))
