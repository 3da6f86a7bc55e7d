"""Running JJG 596-2012 basic-error tests on a meter bench (standard-meter method).

Roles on the bench: ``bench`` (source + reference standard meter + error calculator) and ``dut`` (the
meter's DL/T 645 port, for register readings before and after). Each point's readings are committed as
they arrive; a resumed run skips finished points and reuses the readings already taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from calib_service.procedures import jjg596
from calib_service.runner import RunContext
from instruments.drivers.dlt645 import DLT645Meter
from instruments.drivers.meter_bench import MeterBench

__all__ = ["MeterRating", "StandardInfo", "run_basic_error", "run_register_reading"]


@dataclass(frozen=True)
class MeterRating:
    """Nameplate data of the meter under test."""

    accuracy_class: str
    voltage: float
    basic_current: float
    max_current: float
    meter_constant: float


@dataclass(frozen=True)
class StandardInfo:
    """The reference standard as it stands on the day: certificate U (k) and the CMC floor, in %."""

    certificate_u_percent: float
    certificate_k: float
    cmc_percent: float | None


def run_register_reading(ctx: RunContext, meter: DLT645Meter, *, state: str, when: str) -> float:
    """Read and commit the meter's combined active-energy register (kWh)."""
    reading = meter.combined_active_energy()
    ctx.record(reading, point_seq=None, state=state, quantity=f"register_energy_{when}")
    ctx.progress(f"register ({when}): {reading.value:.2f} {reading.unit}")
    return reading.value


def run_basic_error(
    ctx: RunContext,
    *,
    bench: MeterBench,
    rating: MeterRating,
    standard: StandardInfo,
    decision_rule: str = "jjf1094",
    repeats: int = 2,
    points: Sequence[jjg596.LoadPoint] | None = None,
    state: str = "as_found",
    flags: Sequence[str] = (),
) -> list[jjg596.PointResult]:
    """Measure and evaluate the basic error at each load point; returns the point results in order."""
    plan = tuple(points) if points is not None else jjg596.load_points(rating.accuracy_class)
    done = ctx.stored_points()
    results: list[jjg596.PointResult] = []
    for seq, point in enumerate(plan, start=1):
        label = f"[{seq}/{len(plan)}] {point.label}"
        if (state, seq) in done:
            ctx.progress(f"{label}: already measured, skipped")
            continue
        amps = point.amps(rating.basic_current, rating.max_current)
        pf = point.pf_value()
        limit = jjg596.mpe_for(rating.accuracy_class, point, rating.basic_current, rating.max_current)
        power_kw = rating.voltage * amps * pf / 1000.0
        c0 = bench.standard_constant()
        pulses = jjg596.pulses_for(rating.meter_constant, power_kw, standard_constant=c0)
        ctx.progress(f"{label}: source {rating.voltage:g} V {amps:g} A PF {point.power_factor}, settling")
        bench.set_source(rating.voltage, amps, pf)
        taken = ctx.readings(point_seq=seq, state=state, quantity="meter_error")
        for rep in range(len(taken), repeats):
            ctx.progress(f"{label}: error test {rep + 1}/{repeats} ({pulses} pulses)")
            outcome = bench.measure_error(rating.meter_constant, pulses)
            for reading in outcome.readings:
                ctx.record(reading, point_seq=seq, state=state)
        gammas = [r.value for r in ctx.readings(point_seq=seq, state=state, quantity="meter_error")]
        counts = [r.value for r in ctx.readings(point_seq=seq, state=state, quantity="standard_pulses")]
        reference_kwh = sum(counts) / len(counts) / c0
        result = jjg596.evaluate_point(
            point=point.label,
            reference=reference_kwh,
            indication=pulses / rating.meter_constant,
            limit_verified=limit.verified,
            errors_percent=gammas,
            standard_counts=counts,
            certificate_u_percent=standard.certificate_u_percent,
            certificate_k=standard.certificate_k,
            cmc_percent=standard.cmc_percent,
            accuracy_class=rating.accuracy_class,
            mpe_percent=limit.mpe_percent,
            decision_rule=decision_rule,
        )
        ctx.store_point(
            seq=seq,
            state=state,
            label=point.label,
            parameters={
                "voltage_V": rating.voltage,
                "current_A": amps,
                "power_factor": point.power_factor,
                "meter_pulses": pulses,
                "meter_constant_per_kWh": rating.meter_constant,
                "standard_constant_per_kWh": c0,
                "error_rounded": result.error_rounded,
                "cmc_applied": result.cmc_applied,
                "limit_source": limit.source,
                "limit_verified": limit.verified,
            },
            reference_value=reference_kwh,
            reference_unit="kWh",
            indication=pulses / rating.meter_constant,
            indication_unit="kWh",
            error=result.error,
            error_unit="percent",
            mpe=result.mpe,
            expanded_uncertainty=result.expanded_uncertainty,
            coverage_factor=result.coverage_factor,
            dof_eff=result.dof_eff,
            decision=result.decision,
            flags=[*flags, *result.flags],
            budget=result.budget,
        )
        ctx.progress(
            f"{label}: error {result.error:+.4f} % (rounded {result.error_rounded:+g} %), "
            f"U = {result.expanded_uncertainty:.2g} % (k = {result.coverage_factor:g}), "
            f"MPE ±{result.mpe:g} % → {result.decision}"
        )
        results.append(result)
    bench.off()
    return results
