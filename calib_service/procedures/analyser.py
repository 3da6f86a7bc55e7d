"""Gas-analyser building blocks shared by JJG 635 and the CEMS channels.

* dilution of a certified cylinder through mass-flow controllers, with its uncertainty;
* the indication error of an analyser against a reference gas, referenced to the range (% FS) or
  relative to the reference value (%), with its budget;
* response time T90 from a time series after a step;
* 24 h zero and span drift, repeatability (relative standard deviation).

Dilution: a cylinder of certified amount fraction C_cyl flows at Q_g and is mixed with zero gas
(amount fraction C_0 of the target gas, nominally 0) flowing at Q_d::

    C = (C_cyl Q_g + C_0 Q_d)/(Q_g + Q_d)

Relative sensitivities (C_0 = 0): ∂ln C/∂ln C_cyl = 1, ∂ln C/∂ln Q_g = Q_d/(Q_g + Q_d) = −∂ln C/∂ln Q_d.
The two flows must be in the same unit and refer to the same standard conditions and gas (apply the
MFC's gas-correction factor before passing them in).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import uncertainty
from calib_service.errors import RecordValidationError
from calib_service.procedures.common import (
    PointResult,
    constant_input,
    finish_point,
    normal_input,
    rect_input,
    repeatability_input,
)

__all__ = [
    "Dilution",
    "drift_percent_fs",
    "evaluate_indication",
    "relative_std_percent",
    "span_drift_percent_fs",
    "t90",
]


@dataclass(frozen=True)
class Dilution:
    """A reference gas from a certified cylinder, optionally diluted through two mass-flow controllers.

    Attributes:
        cylinder: Certified amount fraction of the cylinder (in the concentration unit of the point).
        cylinder_u: Expanded uncertainty of the certificate (same unit).
        cylinder_k: Its coverage factor.
        gas_flow: Flow of cylinder gas (None: undiluted).
        diluent_flow: Flow of zero gas (same unit as ``gas_flow``).
        mfc_accuracy_percent: Half-width of each MFC's error, % of reading (rectangular).
        diluent_impurity: Half-width of the target gas in the zero gas (rectangular, concentration unit).
    """

    cylinder: float
    cylinder_u: float
    cylinder_k: float
    gas_flow: float | None = None
    diluent_flow: float | None = None
    mfc_accuracy_percent: float = 0.0
    diluent_impurity: float = 0.0

    def __post_init__(self) -> None:
        if self.cylinder < 0 or self.cylinder_u < 0 or self.cylinder_k <= 0:
            raise RecordValidationError(
                f"cylinder {self.cylinder} ± {self.cylinder_u} (k = {self.cylinder_k}): "
                "values must be ≥ 0, k > 0"
            )
        if (self.gas_flow is None) != (self.diluent_flow is None):
            raise RecordValidationError("dilution: give both the gas flow and the diluent flow, or neither")
        if self.gas_flow is not None and (self.gas_flow <= 0 or (self.diluent_flow or 0.0) < 0):
            raise RecordValidationError(
                f"dilution: gas flow {self.gas_flow} must be > 0 and diluent flow {self.diluent_flow} ≥ 0"
            )

    @property
    def diluted(self) -> bool:
        """True when the cylinder gas is diluted."""
        return self.gas_flow is not None

    @property
    def value(self) -> float:
        """The amount fraction delivered to the analyser, C_cyl·Q_g/(Q_g + Q_d)."""
        if self.gas_flow is None or self.diluent_flow is None:
            return self.cylinder
        return self.cylinder * self.gas_flow / (self.gas_flow + self.diluent_flow)

    def inputs(self, unit: str) -> tuple[str, list[dict[str, Any]]]:
        """The sub-model (expression) of the reference concentration and its spec inputs.

        Args:
            unit: Concentration unit of the cylinder.

        Returns:
            The expression and the spec entries.
        """
        entries = [
            normal_input(
                "C_cyl",
                self.cylinder,
                unit,
                self.cylinder_u,
                self.cylinder_k,
                "certified reference gas cylinder, certificate valid on the day",
            )
        ]
        if self.gas_flow is None or self.diluent_flow is None:
            return "C_cyl", entries
        a = self.mfc_accuracy_percent
        entries += [
            constant_input("Q_g", float(self.gas_flow), "", "set flow of cylinder gas (MFC)"),
            rect_input("d_g", 0.0, "percent", a, "MFC of the cylinder gas, error of reading"),
            constant_input("Q_d", float(self.diluent_flow), "", "set flow of zero gas (MFC)"),
            rect_input("d_d", 0.0, "percent", a, "MFC of the zero gas, error of reading"),
            rect_input("C_0", 0.0, unit, self.diluent_impurity, "target gas in the zero gas"),
        ]
        expr = "(C_cyl*Q_g*(1 + d_g) + C_0*Q_d*(1 + d_d))/(Q_g*(1 + d_g) + Q_d*(1 + d_d))"
        return expr, entries

    def evaluate(self, unit: str = "ppm") -> tuple[float, float]:
        """The delivered amount fraction and its standard uncertainty (GUM, via the engine).

        Args:
            unit: Concentration unit of the cylinder.

        Returns:
            (amount fraction, standard uncertainty).

        >>> c, u = Dilution(1000.0, 10.0, 2.0, gas_flow=100.0, diluent_flow=400.0,
        ...                 mfc_accuracy_percent=0.5).evaluate()
        >>> round(c, 6), round(u, 4)
        (200.0, 1.1944)
        """
        expr, entries = self.inputs(unit)
        result = uncertainty.evaluate(
            {"measurand": {"name": "C", "unit": unit}, "model": expr, "inputs": entries}
        )
        return float(result.value), float(result.standard_uncertainty)


def evaluate_indication(
    *,
    point: str,
    reference: Dilution,
    readings: Sequence[float],
    unit: str,
    span: float,
    mpe: float | None,
    basis: str = "fs",
    dut_resolution: float = 0.0,
    pooled_sd: float | None = None,
    cmc: float | None = None,
    decision_rule: str = "jjf1094",
    rounding_interval: float | None = None,
    limit_verified: bool | None = None,
) -> PointResult:
    """Indication error of an analyser at one reference gas.

    basis ``fs``: δ = (C̄_i − C_ref)/R × 100 % FS; basis ``reading``: δ = (C̄_i − C_ref)/C_ref × 100 %.

    Args:
        point: Label (``zero``, ``mid``, ``span`` ...).
        reference: The reference gas (cylinder, possibly diluted).
        readings: Analyser readings at the point after stabilisation (in ``unit``).
        unit: Concentration unit (``ppm``, ``percent`` ...).
        span: The analyser's range R (full scale), same unit.
        mpe: MPE in % FS or % (per ``basis``); None for a calibration without limit.
        basis: ``fs`` or ``reading``.
        dut_resolution: Display resolution of the analyser (same unit).
        pooled_sd: Prior standard deviation of one reading (needed with a single reading).
        cmc: CMC (U, k = 2) in the error's unit.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        rounding_interval: 化整间距 of the error, if any.
        limit_verified: Verified flag of the limit.

    Raises:
        RecordValidationError: a bad basis or range, or a zero reference on the ``reading`` basis.
    """
    if basis not in ("fs", "reading"):
        raise RecordValidationError(f"{point}: error basis must be 'fs' or 'reading', got {basis!r}")
    if span <= 0:
        raise RecordValidationError(f"{point}: analyser range must be > 0, got {span}")
    c_ref = reference.value
    if basis == "reading" and c_ref <= 0:
        raise RecordValidationError(
            f"{point}: a relative error needs a reference > 0; use the % FS basis at zero"
        )
    expr, entries = reference.inputs(unit)
    mean = sum(readings) / len(readings) if readings else 0.0
    rep = repeatability_input(
        "C_i", list(readings), unit, "analyser readings at the point", pooled_sd=pooled_sd
    )
    denominator = "R" if basis == "fs" else f"({expr})"
    spec = {
        "measurand": {"name": "delta", "unit": "percent"},
        "model": f"(C_i + d_res - ({expr}))/{denominator}",
        "inputs": [
            rep,
            rect_input("d_res", 0.0, unit, dut_resolution / 2.0, "display resolution of the analyser"),
            *entries,
            constant_input("R", float(span), unit, "range (full scale) of the analyser"),
        ],
    }
    return finish_point(
        point=point,
        spec=spec,
        reference=c_ref,
        indication=mean,
        unit=unit,
        error_unit="% FS" if basis == "fs" else "%",
        mpe=mpe,
        cmc=cmc,
        decision_rule=decision_rule,
        rounding_interval=rounding_interval,
        limit_verified=limit_verified,
    )


def t90(
    samples: Sequence[tuple[float, float]],
    *,
    step_time: float | None = None,
    initial: float | None = None,
    final: float | None = None,
    fraction: float = 0.9,
) -> float:
    """Response time: from the step to the first reading reaching ``fraction`` of the change.

    Linear interpolation between the two samples that bracket the threshold. Works for rising and
    falling steps.

    Args:
        samples: (time, reading) pairs in time order, from the step on.
        step_time: Time of the step (default: the first sample's time).
        initial: Reading before the step (default: the first sample's reading).
        final: Settled reading (default: mean of the last 10 % of the samples, at least 3).
        fraction: 0.9 for T90.

    Returns:
        T90 in the unit of the times.

    Raises:
        RecordValidationError: too few samples, no change, or the threshold is never reached.

    >>> import math
    >>> series = [(t / 10, 1 - math.exp(-t / 10 / 20)) for t in range(0, 4001)]
    >>> round(t90(series, final=1.0), 2)   # τ = 20 s → T90 = τ ln 10
    46.05
    """
    if len(samples) < 3:
        raise RecordValidationError(f"T90 needs at least 3 samples after the step, got {len(samples)}")
    if not 0 < fraction < 1:
        raise RecordValidationError(f"T90 fraction must lie in (0, 1), got {fraction}")
    times = [float(t) for t, _ in samples]
    if any(b < a for a, b in itertools.pairwise(times)):
        raise RecordValidationError("T90: samples must be in time order")
    values = [float(v) for _, v in samples]
    t0 = times[0] if step_time is None else float(step_time)
    y0 = values[0] if initial is None else float(initial)
    if final is None:
        tail = max(3, len(values) // 10)
        final = statistics.fmean(values[-tail:])
    change = final - y0
    if change == 0:
        raise RecordValidationError("T90: the readings do not change after the step; check the gas supply")
    target = fraction
    prev_t, prev_p = times[0], (values[0] - y0) / change
    for t, v in zip(times, values, strict=True):
        p = (v - y0) / change
        if p >= target:
            if t == prev_t or p == prev_p:
                return t - t0
            return prev_t + (target - prev_p) * (t - prev_t) / (p - prev_p) - t0
        prev_t, prev_p = t, p
    raise RecordValidationError(
        f"T90: the readings never reach {fraction:.0%} of the change ({y0:g} → {final:g}); record longer"
    )


def drift_percent_fs(start: float, end: float, span: float) -> float:
    """Drift (end − start)/R × 100 % FS (zero drift, or span drift without zero correction).

    Args:
        start: Reading at the start.
        end: Reading after the period.
        span: Range R (same unit).

    Returns:
        Drift in % FS.

    >>> drift_percent_fs(2.0, 7.0, 1000.0)
    0.5
    """
    if span <= 0:
        raise RecordValidationError(f"drift: range must be > 0, got {span}")
    return (end - start) / span * 100.0


def span_drift_percent_fs(
    span_start: float,
    span_end: float,
    zero_start: float,
    zero_end: float,
    span: float,
    *,
    subtract_zero: bool,
) -> float:
    """Span drift in % FS, optionally corrected for the zero drift over the same period.

    Args:
        span_start: Span reading at the start.
        span_end: Span reading at the end.
        zero_start: Zero reading at the start.
        zero_end: Zero reading at the end.
        span: Range R.
        subtract_zero: Subtract the zero drift.

    Returns:
        Span drift in % FS.

    >>> span_drift_percent_fs(800.0, 812.0, 2.0, 7.0, 1000.0, subtract_zero=True)
    0.7
    """
    raw = drift_percent_fs(span_start, span_end, span)
    if subtract_zero:
        raw -= drift_percent_fs(zero_start, zero_end, span)
    return round(raw, 12)


def relative_std_percent(readings: Sequence[float]) -> float:
    """Repeatability as the relative experimental standard deviation s/x̄ × 100 %.

    Args:
        readings: Repeated readings of one gas.

    Returns:
        s/x̄ in %.

    Raises:
        RecordValidationError: fewer than 2 readings or a zero mean.

    >>> round(relative_std_percent([100.0, 101.0, 99.0, 100.0, 100.5, 99.5]), 4)
    0.7071
    """
    if len(readings) < 2:
        raise RecordValidationError(f"repeatability needs at least 2 readings, got {len(readings)}")
    mean = statistics.fmean(readings)
    if mean == 0:
        raise RecordValidationError("repeatability: the mean reading is 0; use a gas with a non-zero value")
    return statistics.stdev(readings) / abs(mean) * 100.0 if math.isfinite(mean) else math.nan
