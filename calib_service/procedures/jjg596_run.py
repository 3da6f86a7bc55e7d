"""Running JJG 596-2012 on a meter bench: basic error (standard-meter method), then starting and creep.

Roles on the bench: ``bench`` (source + reference standard meter + error calculator + pulse counter) and
``dut`` (the meter's DL/T 645 port, for register readings before and after). Each point's readings are
committed as they arrive; a resumed run skips finished points and reuses the readings already taken.

``run`` (what ``calib run jjg596`` calls) takes these run parameters (``--param NAME=VALUE``) besides the
meter's ratings: ``repeats`` (error tests per load point, 3), ``starting`` (1: run the starting test, 0:
skip it), ``creep`` (1/0, the creep test), ``phases`` (m, measuring elements, 1). The starting and creep
tests are stored as the points after the load points (seq n + 1 and n + 2, n load points), also when one
of them is skipped, so a resumed run finds them where it left them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg596
from calib_service.procedures.run_support import Station
from calib_service.runner import RunContext
from instruments.drivers.dlt645 import DLT645Meter
from instruments.drivers.meter_bench import MeterBench

__all__ = [
    "FUNCTIONAL_KINDS",
    "MeterRating",
    "StandardInfo",
    "run",
    "run_basic_error",
    "run_functional_tests",
    "run_register_reading",
]

#: The functional tests after the load points, in order.
FUNCTIONAL_KINDS: tuple[str, ...] = ("starting", "creep")


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


def _stored_count(ctx: RunContext, seq: int, state: str) -> tuple[int, float, float | None] | None:
    """A count already stored at ``seq`` (pulses, seconds counted, first pulse), or None.

    ``dut_pulses`` is recorded last, so a count interrupted before it is taken again; the last
    ``count_time`` (and ``first_pulse_time``) stored belong to the last complete count.
    """
    pulses = ctx.readings(point_seq=seq, state=state, quantity="dut_pulses")
    times = ctx.readings(point_seq=seq, state=state, quantity="count_time")
    if not pulses or not times:
        return None
    n = round(pulses[-1].value)
    firsts = ctx.readings(point_seq=seq, state=state, quantity="first_pulse_time") if n > 0 else []
    return n, times[-1].value, firsts[-1].value if firsts else None


def run_functional_tests(
    ctx: RunContext,
    *,
    bench: MeterBench,
    rating: MeterRating,
    first_seq: int,
    kinds: Sequence[str] = FUNCTIONAL_KINDS,
    phases: int = 1,
    state: str = "as_found",
    flags: Sequence[str] = (),
) -> list[jjg596.FunctionalResult]:
    """The starting and creep tests (those in ``kinds``), stored as points ``first_seq`` and ``first_seq+1``.

    Each counts the meter's pulses on the bench for the test time on the bench's clock (a starting test
    stops at the first pulse, a creep test at the pulse that fails it) and stores the count, the test
    time and the decision as a point without an uncertainty budget (``parameters.check``).

    Raises:
        RecordValidationError: an unknown kind. InstrumentError: the bench stopped answering (what was
            stored stays stored; the run can be resumed).
    """
    unknown = set(kinds) - set(FUNCTIONAL_KINDS)
    if unknown:
        raise RecordValidationError(f"unknown functional tests {sorted(unknown)}; use {FUNCTIONAL_KINDS}")
    plan = jjg596.functional_tests(
        rating.accuracy_class,
        voltage=rating.voltage,
        basic_current=rating.basic_current,
        max_current=rating.max_current,
        meter_constant=rating.meter_constant,
        phases=phases,
    )
    done = ctx.stored_points()
    results: list[jjg596.FunctionalResult] = []
    for seq, test in enumerate(plan, start=first_seq):
        label = f"[{seq}] {test.label}"
        if test.kind not in kinds:
            ctx.progress(f"{label}: not requested, skipped")
            continue
        if (state, seq) in done:
            ctx.progress(f"{label}: already measured, skipped")
            continue
        criterion = "at least" if test.kind == "starting" else "at most"
        kept = _stored_count(ctx, seq, state)
        if kept is not None:
            ctx.progress(f"{label}: pulse count already stored, reused")
            pulses, counted, first = kept
        else:
            ctx.progress(f"{label}: source {test.voltage:g} V {test.current:g} A PF 1.0, settling")
            bench.set_source(test.voltage, test.current, 1.0)
            ctx.progress(
                f"{label}: counting the meter's pulses for up to {test.seconds / 60:.2f} min "
                f"({criterion} {test.required} pulse{'s' if test.required != 1 else ''})"
            )
            stop_at = test.required if test.kind == "starting" else test.required + 1
            count = bench.count_pulses(test.seconds, stop_at=stop_at)
            for reading in count.readings:
                ctx.record(reading, point_seq=seq, state=state)
            pulses, counted, first = count.pulses, count.elapsed_s, count.first_pulse_s
        result = jjg596.FunctionalResult(test, pulses, counted, first, test.judge(pulses))
        ctx.store_point(
            seq=seq,
            state=state,
            label=test.label,
            parameters=result.parameters(),
            reference_value=None,
            indication=None,
            error=float(pulses),
            error_unit="imp",
            mpe=None,
            expanded_uncertainty=0.0,
            coverage_factor=0.0,
            decision=result.decision,
            flags=[
                *flags,
                "functional test: pulses counted in the test time, judged pass/fail, no uncertainty budget",
                *([] if test.row.verified else ["limit not verified against the official text"]),
            ],
            budget={"check": result.parameters()},
        )
        when = "" if first is None else f", first after {first / 60:.2f} min"
        ctx.progress(
            f"{label}: {pulses} pulse{'s' if pulses != 1 else ''} in {counted / 60:.2f} min{when} "
            f"({criterion} {test.required} in {test.seconds / 60:.2f} min) → {result.decision}"
        )
        results.append(result)
    bench.off()
    return results


def _switch(st: Station, name: str) -> bool:
    value = st.setup.rating(name, 1.0)
    if value not in (0.0, 1.0):
        raise RecordValidationError(f"--param {name} must be 1 (run the test) or 0 (skip it), got {value:g}")
    return value == 1.0


def run(st: Station) -> None:
    """JJG 596 on a bench: register, basic error at each load point, starting and creep, register again.

    Raises:
        RecordValidationError: missing ratings, a bad switch or phase count, no standard in role ``bench``.
    """
    s = st.setup
    cls = s.accuracy_class or "1"
    rating = MeterRating(
        cls,
        s.rating("voltage", 220.0),
        s.rating("basic_current"),
        s.rating("max_current"),
        s.rating("meter_constant"),
    )
    kinds = [k for k in FUNCTIONAL_KINDS if _switch(st, k)]
    phases = s.rating("phases", 1.0)
    if phases not in (1.0, 2.0, 3.0):
        raise RecordValidationError(f"--param phases must be 1, 2 or 3 measuring elements, got {phases:g}")
    std = s.standard("bench")
    standard = StandardInfo(std.u_in("%", of=1.0), std.k, std.cmc_in("%"))
    bench: MeterBench = st.instruments["bench"]
    meter = st.instruments.get("dut")
    fresh = not st.ctx.stored_points()
    if meter is not None and fresh:
        run_register_reading(st.ctx, meter, state=s.state, when="before")
    points = jjg596.load_points(cls)
    run_basic_error(
        st.ctx,
        bench=bench,
        rating=rating,
        standard=standard,
        decision_rule=s.decision_rule,
        repeats=int(s.rating("repeats", 3)),
        points=points,
        state=s.state,
        flags=s.flags,
    )
    if kinds:
        run_functional_tests(
            st.ctx,
            bench=bench,
            rating=rating,
            first_seq=len(points) + 1,
            kinds=kinds,
            phases=int(phases),
            state=s.state,
            flags=s.flags,
        )
    if meter is not None:
        run_register_reading(st.ctx, meter, state=s.state, when="after")
