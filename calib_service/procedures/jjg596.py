"""JJG 596-2012 electronic AC electricity meters: basic error (standard-meter method), starting and creep.

The data below (limits, rounding intervals, load points) is a versioned table: every row cites its
source and says whether it was verified against the official text. The limit figures are those of IEC
62053-21/22 (≙ GB/T 17215.321/322) as quoted in ``shared/domain/regulations.md`` §1 and are **not
verified** against JJG 596-2012 itself; replace them here (and bump ``DATA_VERSION``) once checked.

Uncertainty model of the error at one load point (documented in ``docs/procedures/jjg596.md``)::

    γ = γ̄ + δ_std + δ_res

γ̄ is the mean of the n error readings of the bench's error calculator (Type A, ν = n − 1); δ_std the
reference standard meter's error, zero with the expanded uncertainty of its certificate valid on the day
(Type B, normal); δ_res the quantisation of the standard's pulse count m, rectangular with half-width
100/m %. The reported U is U95, as for every procedure (``common.finish_point``): k = 2 when ν_eff ≥ 30,
else the Student-t factor for 95 %; it is never below the CMC of the centre's measurement standard.

The starting (起动) and creep (潜动) tests are pass/fail functional tests on the meter's pulse output
(``FUNCTIONAL``, ``starting_time_s``, ``creep_time_s``, ``judge_functional``): at least one pulse within the
starting time at the starting current, at most one pulse in the creep time at 115 % Un without current. They
carry no uncertainty budget. Their factors are **not verified** either (sources in ``FunctionalRow.source``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

import uncertainty
from calib_service.errors import RecordValidationError
from calib_service.procedures import common as _common
from uncertainty.gum import coverage_factor

__all__ = [
    "CODE",
    "DATA_VERSION",
    "FUNCTIONAL",
    "LIMITS",
    "ROUNDING_INTERVAL",
    "FunctionalResult",
    "FunctionalRow",
    "FunctionalTest",
    "LimitRow",
    "LoadPoint",
    "PointResult",
    "creep_time_s",
    "evaluate_point",
    "functional_tests",
    "judge_functional",
    "load_points",
    "mpe_for",
    "pulses_for",
    "starting_time_s",
]

CODE = "JJG 596-2012"
TITLE_ZH = "电子式交流电能表检定规程"
TITLE_EN = "Verification Regulation of Electronic AC Electricity Meters"
FAMILY = "electricity"
DATA_VERSION = "2026.12-2"

_SRC_LIMITS = (
    "IEC 62053-21/22 (≙ GB/T 17215.321/322) as quoted in shared/domain/regulations.md §1; "
    "not yet checked against JJG 596-2012"
)
_SRC_ROUNDING = (
    "commonly quoted JJG 596 practice: 1/10 of the class index; not yet checked against JJG 596-2012"
)

#: ν_eff from which U (k = 2) is taken as U95 (JJF 1094: "when ν_eff is large").
LARGE_DOF = _common.LARGE_DOF

#: Classes this table covers; S classes are transformer-operated (currents relative to In),
#: classes 1 and 2 direct-connected (currents relative to Ib).
CLASSES: tuple[str, ...] = ("0.2S", "0.5S", "1", "2")


@dataclass(frozen=True)
class LimitRow:
    """MPE (± %, relative) of active energy for a class, power factor and current range.

    ``i_low``/``i_high`` are fractions of the basic current (In for S classes, Ib otherwise);
    ``i_high`` None means up to Imax.
    """

    accuracy_class: str
    power_factor: str
    i_low: float
    i_high: float | None
    mpe_percent: float
    verified: bool
    source: str


def _rows(cls: str, pf: str, spans: Sequence[tuple[float, float | None, float]]) -> list[LimitRow]:
    return [LimitRow(cls, pf, lo, hi, mpe, False, _SRC_LIMITS) for lo, hi, mpe in spans]


LIMITS: tuple[LimitRow, ...] = tuple(
    _rows("0.2S", "1.0", [(0.01, 0.05, 0.4), (0.05, None, 0.2)])
    + _rows("0.2S", "0.5L", [(0.02, 0.1, 0.5), (0.1, None, 0.3)])
    + _rows("0.5S", "1.0", [(0.01, 0.05, 1.0), (0.05, None, 0.5)])
    + _rows("0.5S", "0.5L", [(0.02, 0.1, 1.0), (0.1, None, 0.6)])
    + _rows("1", "1.0", [(0.05, 0.1, 1.5), (0.1, None, 1.0)])
    + _rows("1", "0.5L", [(0.1, 0.2, 1.5), (0.2, None, 1.0)])
    + _rows("2", "1.0", [(0.05, 0.1, 2.5), (0.1, None, 2.0)])
    + _rows("2", "0.5L", [(0.1, 0.2, 2.5), (0.2, None, 2.0)])
)

#: Rounding interval (化整间距) of the relative error, % (unverified, see ``_SRC_ROUNDING``).
ROUNDING_INTERVAL: dict[str, tuple[float, bool, str]] = {
    "0.2S": (0.02, False, _SRC_ROUNDING),
    "0.5S": (0.05, False, _SRC_ROUNDING),
    "1": (0.1, False, _SRC_ROUNDING),
    "2": (0.2, False, _SRC_ROUNDING),
}


@dataclass(frozen=True)
class LoadPoint:
    """One load point: current as a multiple of the basic current (``"Imax"`` for the maximum) and PF."""

    label: str
    current: float | str
    power_factor: str

    def amps(self, basic_current: float, max_current: float) -> float:
        """The current in A for a meter rated ``basic_current`` (``max_current``)."""
        return max_current if self.current == "Imax" else float(self.current) * basic_current

    def pf_value(self) -> float:
        """The power factor as a number (0.5L → 0.5)."""
        return float(self.power_factor.rstrip("LC"))


_POINTS_DIRECT: tuple[LoadPoint, ...] = (
    LoadPoint("Imax, 1.0", "Imax", "1.0"),
    LoadPoint("Ib, 1.0", 1.0, "1.0"),
    LoadPoint("0.1Ib, 1.0", 0.1, "1.0"),
    LoadPoint("0.05Ib, 1.0", 0.05, "1.0"),
    LoadPoint("Imax, 0.5L", "Imax", "0.5L"),
    LoadPoint("Ib, 0.5L", 1.0, "0.5L"),
    LoadPoint("0.2Ib, 0.5L", 0.2, "0.5L"),
)
_POINTS_S: tuple[LoadPoint, ...] = (
    LoadPoint("Imax, 1.0", "Imax", "1.0"),
    LoadPoint("In, 1.0", 1.0, "1.0"),
    LoadPoint("0.05In, 1.0", 0.05, "1.0"),
    LoadPoint("0.01In, 1.0", 0.01, "1.0"),
    LoadPoint("Imax, 0.5L", "Imax", "0.5L"),
    LoadPoint("In, 0.5L", 1.0, "0.5L"),
    LoadPoint("0.1In, 0.5L", 0.1, "0.5L"),
)


def _check_class(accuracy_class: str) -> None:
    if accuracy_class not in CLASSES:
        raise RecordValidationError(
            f"accuracy class {accuracy_class!r} is not covered by {CODE}; use one of {', '.join(CLASSES)}"
        )


def load_points(accuracy_class: str) -> tuple[LoadPoint, ...]:
    """The basic-error load points for a class."""
    _check_class(accuracy_class)
    return _POINTS_S if accuracy_class.endswith("S") else _POINTS_DIRECT


def mpe_for(accuracy_class: str, point: LoadPoint, basic_current: float, max_current: float) -> LimitRow:
    """The limit row that applies at ``point``.

    Raises:
        RecordValidationError: the class is unknown or no row covers this current and power factor.
    """
    _check_class(accuracy_class)
    fraction = point.amps(basic_current, max_current) / basic_current
    for row in LIMITS:
        if row.accuracy_class != accuracy_class or row.power_factor != point.power_factor:
            continue
        if fraction + 1e-9 >= row.i_low and (row.i_high is None or fraction < row.i_high - 1e-9):
            return row
    raise RecordValidationError(
        f"{CODE} class {accuracy_class}: no limit for {point.label} ({fraction:g} × basic current, "
        f"PF {point.power_factor})"
    )


def pulses_for(
    meter_constant: float,
    power_kw: float,
    *,
    standard_constant: float = 1.2e6,
    target_seconds: float = 20.0,
    min_standard_pulses: int = 10_000,
) -> int:
    """Number N of meter pulses for one error test.

    Long enough for about ``target_seconds`` at the applied power, and never so short that the
    standard counts fewer than ``min_standard_pulses`` (its ±1-pulse quantisation stays ≤ 0.01 %).

    >>> pulses_for(1200, 1.1)
    10
    >>> pulses_for(1200, 13.2)
    88
    """
    if meter_constant <= 0 or power_kw <= 0 or standard_constant <= 0:
        raise RecordValidationError(
            f"meter constant, standard constant and power must be > 0, got {meter_constant}, "
            f"{standard_constant}, {power_kw}"
        )
    by_time = round(meter_constant * power_kw * target_seconds / 3600.0)
    by_resolution = math.ceil(min_standard_pulses * meter_constant / standard_constant - 1e-9)
    return max(1, by_time, by_resolution)


_SRC_STARTING = (
    "starting current: IEC 62053-22:2003 8.3.3 (0.2S, 0.5S: 0.001 In) and IEC 62053-21:2003 8.3.3 (class 1: "
    "0.004 Ib, class 2: 0.005 Ib, direct connection) (≙ GB/T 17215.322/321); time limit "
    "t = 1.2 × 60·1000/(C·m·Un·Ist) min as commonly quoted from JJG 596-2012; not yet checked against "
    "JJG 596-2012"
)
_SRC_CREEP = (
    "no-load (creep) test: 115 % Un, no current, at most one pulse in Δt = N·10⁶/(C·m·Un·Imax) min with "
    "N = 900 (0.2S), 600 (0.5S) (IEC 62053-22:2003 8.3.2) and N = 600 (class 1), 480 (class 2) (IEC "
    "62053-21:2003 8.3.2) (≙ GB/T 17215.322/321), as recalled, not read from the standards; not yet checked "
    "against JJG 596-2012"
)


@dataclass(frozen=True)
class FunctionalRow:
    """Factors of the starting and creep tests of one class (all unverified until ``verified`` is True).

    Attributes:
        accuracy_class: The class.
        starting_current: Ist as a fraction of the basic current (In for S classes, Ib otherwise).
        starting_time_factor: t_start = factor × the time of one pulse at Ist (1.2).
        creep_voltage: Voltage of the creep test as a fraction of Un (1.15).
        creep_constant: N in Δt = N·10⁶/(C·m·Un·Imax) min.
        creep_max_pulses: The most pulses allowed in Δt (1).
        verified: Checked against the official text.
        source: Where the figures come from.
    """

    accuracy_class: str
    starting_current: float
    starting_time_factor: float
    creep_voltage: float
    creep_constant: float
    creep_max_pulses: int
    verified: bool
    source: str


FUNCTIONAL: dict[str, FunctionalRow] = {
    cls: FunctionalRow(cls, ist, 1.2, 1.15, n, 1, False, f"{_SRC_STARTING}; {_SRC_CREEP}")
    for cls, ist, n in (
        ("0.2S", 0.001, 900.0),
        ("0.5S", 0.001, 600.0),
        ("1", 0.004, 600.0),
        ("2", 0.005, 480.0),
    )
}


@dataclass(frozen=True)
class FunctionalTest:
    """A starting or creep test as planned for one meter.

    Attributes:
        kind: ``starting`` or ``creep``.
        label: Label of the stored point (``起动 0.004Ib``, ``潜动 1.15Un``).
        label_en: English label for certificates.
        voltage: Test voltage, V.
        current: Test current, A (0 for creep).
        seconds: Test time (the gate), s.
        required: ``starting``: at least this many pulses; ``creep``: at most this many.
        row: The data row (factors, verified flag, source).
    """

    kind: str
    label: str
    label_en: str
    voltage: float
    current: float
    seconds: float
    required: int
    row: FunctionalRow

    def judge(self, pulses: int) -> str:
        """``pass`` or ``fail`` for ``pulses`` counted in the test time."""
        return judge_functional(self.kind, pulses, self.required)


def _pulse_minutes(meter_constant: float, phases: int, voltage: float, current: float) -> float:
    if not (meter_constant > 0 and phases >= 1 and voltage > 0 and current > 0):
        raise RecordValidationError(
            f"meter constant, phases, voltage and current must be > 0, got C={meter_constant}, m={phases}, "
            f"U={voltage}, I={current}"
        )
    return 60.0 * 1000.0 / (meter_constant * phases * voltage * current)


def starting_time_s(
    meter_constant: float, voltage: float, starting_current: float, *, phases: int = 1, factor: float = 1.2
) -> float:
    """t_start = factor × 60·1000/(C·m·Un·Ist) min, in seconds.

    >>> round(starting_time_s(1200, 220, 0.02), 1)  # class 1, Ib = 5 A: 13.6 min
    818.2

    Raises:
        RecordValidationError: a non-positive argument.
    """
    return factor * _pulse_minutes(meter_constant, phases, voltage, starting_current) * 60.0


def creep_time_s(
    accuracy_class: str, meter_constant: float, voltage: float, max_current: float, *, phases: int = 1
) -> float:
    """Δt = N·10⁶/(C·m·Un·Imax) min of the class, in seconds (Un the reference voltage, not 115 %).

    >>> round(creep_time_s("1", 1200, 220, 60) / 60, 2)  # class 1, Imax = 60 A: 37.88 min
    37.88

    Raises:
        RecordValidationError: unknown class or a non-positive argument.
    """
    _check_class(accuracy_class)
    _pulse_minutes(meter_constant, phases, voltage, max_current)  # validates
    n = FUNCTIONAL[accuracy_class].creep_constant
    return n * 1e6 / (meter_constant * phases * voltage * max_current) * 60.0


def judge_functional(kind: str, pulses: int, required: int = 1) -> str:
    """``starting``: pass when at least ``required`` pulses came; ``creep``: pass when at most ``required``.

    >>> judge_functional("starting", 0), judge_functional("creep", 1), judge_functional("creep", 2)
    ('fail', 'pass', 'fail')
    """
    if pulses < 0:
        raise RecordValidationError(f"a pulse count cannot be negative, got {pulses}")
    if kind == "starting":
        return "pass" if pulses >= required else "fail"
    if kind == "creep":
        return "pass" if pulses <= required else "fail"
    raise RecordValidationError(f"unknown functional test {kind!r}; use starting or creep")


def functional_tests(
    accuracy_class: str,
    *,
    voltage: float,
    basic_current: float,
    max_current: float,
    meter_constant: float,
    phases: int = 1,
) -> tuple[FunctionalTest, FunctionalTest]:
    """The starting and creep tests of a meter (in that order).

    Raises:
        RecordValidationError: unknown class or non-positive ratings.
    """
    _check_class(accuracy_class)
    row = FUNCTIONAL[accuracy_class]
    base = "In" if accuracy_class.endswith("S") else "Ib"
    ist = row.starting_current * basic_current
    starting = FunctionalTest(
        "starting",
        f"起动 {row.starting_current:g}{base}",
        f"Starting {row.starting_current:g}{base}",
        voltage,
        ist,
        starting_time_s(meter_constant, voltage, ist, phases=phases, factor=row.starting_time_factor),
        1,
        row,
    )
    creep = FunctionalTest(
        "creep",
        f"潜动 {row.creep_voltage:g}Un",
        f"Creep {row.creep_voltage:g}Un",
        round(row.creep_voltage * voltage, 6),
        0.0,
        creep_time_s(accuracy_class, meter_constant, voltage, max_current, phases=phases),
        row.creep_max_pulses,
        row,
    )
    return starting, creep


@dataclass(frozen=True)
class FunctionalResult:
    """The outcome of a starting or creep test: pulses counted in the test time and the decision."""

    test: FunctionalTest
    pulses: int
    counted_s: float
    first_pulse_s: float | None
    decision: str

    def parameters(self) -> dict[str, object]:
        """What is stored with the point (``parameters``): the test, the count and the sources."""
        t = self.test
        return {
            "check": True,
            "functional_test": t.kind,
            "label_en": t.label_en,
            "voltage_V": t.voltage,
            "current_A": t.current,
            "test_time_s": t.seconds,
            "test_time_min": t.seconds / 60.0,
            "criterion": f"pulses {'>=' if t.kind == 'starting' else '<='} {t.required}",
            "required_pulses" if t.kind == "starting" else "max_pulses": t.required,
            "observed_pulses": self.pulses,
            "counted_s": self.counted_s,
            "first_pulse_s": self.first_pulse_s,
            "limit_source": t.row.source,
            "limit_verified": t.row.verified,
        }


def u95_for_decision(expanded: float, k: float, dof_eff: float | None) -> float:
    """U95 for JJF 1094 from a U stated at another k: U at k = 2 when ν_eff is large, else t₀.₉₇₅(ν_eff)·u_c.

    ``evaluate_point`` reports U95 directly; this converts a U stated at k (e.g. from an older record).

    >>> round(u95_for_decision(0.2, 2.0, 4.0), 4)
    0.2776
    """
    if dof_eff is None or dof_eff >= LARGE_DOF:
        return expanded
    k95 = float(coverage_factor(0.95, np.asarray(dof_eff)))
    return expanded / k * k95


#: The per-point result is the one every procedure reports (``common.PointResult``).
PointResult = _common.PointResult


def evaluate_point(
    *,
    errors_percent: Sequence[float],
    standard_counts: Sequence[float],
    certificate_u_percent: float,
    certificate_k: float,
    cmc_percent: float | None,
    accuracy_class: str,
    mpe_percent: float,
    decision_rule: str = "jjf1094",
    point: str = "",
    reference: float = 0.0,
    indication: float = 0.0,
    limit_verified: bool = False,
) -> PointResult:
    """Error, budget, U95 and decision at one point from the bench's repeated readings.

    U is reported as U95, as for every procedure (``common.finish_point``): k = 2 when ν_eff ≥ 30,
    else the Student-t factor for 95 % (JJF 1094); never below the CMC.

    Args:
        errors_percent: the error calculator's readings γ_i, % (at least 2).
        standard_counts: the reference standard's pulse counts m_i in the same gates.
        certificate_u_percent: expanded uncertainty of the standard meter's certificate, % (relative).
        certificate_k: its coverage factor.
        cmc_percent: CMC of the centre's measurement standard (U at k = 2, %), the floor of U.
        accuracy_class: the meter's class (selects the rounding interval).
        mpe_percent: MPEV at this point, %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        point: Label of the load point.
        reference: Reference energy (kWh), for the record.
        indication: Energy registered by the meter (kWh), for the record.
        limit_verified: Verified flag of the limit row.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: fewer than 2 readings or a non-positive pulse count.
    """
    if len(errors_percent) < 2:
        raise RecordValidationError(f"{CODE} needs at least 2 readings per point, got {len(errors_percent)}")
    m_min = min(standard_counts)
    if m_min <= 0:
        raise RecordValidationError(f"standard pulse count must be > 0, got {m_min}")
    spec = {
        "measurand": {"name": "gamma", "unit": "percent"},
        "model": "gamma_obs + delta_std + delta_res",
        "inputs": [
            {
                "name": "gamma_obs",
                "unit": "percent",
                "distribution": "type_a",
                "samples": [float(e) for e in errors_percent],
                "description": "repeated readings of the error calculator",
            },
            {
                "name": "delta_std",
                "value": 0.0,
                "unit": "percent",
                "distribution": "normal",
                "expanded_uncertainty": float(certificate_u_percent),
                "coverage_factor": float(certificate_k),
                "description": "reference standard meter, certificate valid on the day",
            },
            {
                "name": "delta_res",
                "value": 0.0,
                "unit": "percent",
                "distribution": "rectangular",
                "half_width": 100.0 / float(m_min),
                "description": "quantisation of the standard's pulse count (±1 pulse)",
            },
        ],
    }
    result = _common.finish_point(
        point=point,
        spec=spec,
        reference=reference,
        indication=indication,
        unit="kWh",
        error_unit="%",
        mpe=mpe_percent,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        rounding_interval=ROUNDING_INTERVAL[accuracy_class][0],
        limit_verified=limit_verified,
    )
    # the stored budget is the engine's archive (reloadable with uncertainty.archive_loads)
    archive = json.loads(uncertainty.archive_dumps(uncertainty.evaluate(result.budget["spec"])))
    budget = {**archive, "cmc_floor_percent": cmc_percent, "decision_rule": decision_rule}
    return replace(result, budget=budget)
