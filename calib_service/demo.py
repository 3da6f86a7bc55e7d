"""The demo: one JJG 596 verification of a DL/T 645 meter on a simulated bench, end to end.

Instruments are simulated on real pseudo-terminals (or real ports when given), readings go through the
serial drivers, each raw reading is committed as it arrives, the uncertainty engine evaluates every
point, and the output folder gets ``summary.json`` and ``report.md``. Nothing is written to the database
before both instruments have answered, so a wrong port or a silent meter leaves no half-made record.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from calib_service.decision import RULE_TEXT, combine_decisions
from calib_service.demo_data import seed_reference_data
from calib_service.errors import RecordValidationError
from calib_service.models import Calibration
from calib_service.procedures import jjg596
from calib_service.procedures.jjg596_run import (
    MeterRating,
    StandardInfo,
    run_basic_error,
    run_functional_tests,
    run_register_reading,
)
from calib_service.records.users import count_users
from calib_service.reporting import summary_of, write_report
from calib_service.runner import ProgressFn, RunContext
from calib_service.services.calibrations import (
    create_calibration,
    get_calibration,
    record_environment,
    use_standard,
)
from calib_service.services.equipment import register_equipment
from calib_service.traceability import assert_usable, cmc_floor
from instruments.clock import Clock, ScaledClock
from instruments.drivers.dlt645 import DLT645_LINE, DLT645Meter
from instruments.drivers.meter_bench import METER_BENCH_LINE, MeterBench
from instruments.link import SerialLink
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.meter_bench import MeterBenchSim
from instruments.sim.pty import PtySimServer

__all__ = ["DemoOptions", "run_demo"]

METER_ADDRESS = "202612010001"


@dataclass(frozen=True)
class DemoOptions:
    """What the demo does.

    Attributes:
        out_dir: output folder for ``summary.json`` and ``report.md``.
        time_scale: how much faster than real time the simulated physics runs.
        seed: seed of the simulators' noise.
        meter_error_percent: the simulated meter's error (its register and its test output).
        noise_percent: relative noise of each simulated error test.
        accuracy_class: the meter's class (JJG 596: 0.2S, 0.5S, 1, 2).
        decision_rule: ``jjf1094`` (default), ``simple`` or ``guard``.
        repeats: error tests per load point.
        functional: also run the starting and creep tests after the load points.
        dut_port, bench_port: real serial ports instead of the simulators.
        temperature_c, humidity_rh: the conditions the technician reads off the lab's hygrometer.
    """

    out_dir: Path
    time_scale: float = 2000.0
    seed: int = 2026
    meter_error_percent: float = 0.3
    noise_percent: float = 0.01
    accuracy_class: str = "1"
    decision_rule: str = "jjf1094"
    repeats: int = 3
    functional: bool = True
    dut_port: str | None = None
    bench_port: str | None = None
    temperature_c: float = 23.1
    humidity_rh: float = 52.0


@contextmanager
def _instruments(
    options: DemoOptions, clock: Clock, progress: ProgressFn
) -> Iterator[tuple[MeterBench, DLT645Meter]]:
    with ExitStack() as stack:
        rng = random.Random(options.seed)
        dut_port, bench_port = options.dut_port, options.bench_port
        meter_sim = DLT645MeterSim(
            METER_ADDRESS, clock=clock, rng=rng, error_percent=options.meter_error_percent, current=0.0
        )
        if dut_port is None:
            dut_port = stack.enter_context(PtySimServer(meter_sim, clock=clock, name="dlt645")).path
            progress(f"simulated DL/T 645 meter on {dut_port}")
        if bench_port is None:
            bench_sim = MeterBenchSim(
                meter=meter_sim,
                clock=clock,
                rng=random.Random(options.seed + 1),
                error_percent=options.meter_error_percent,
                noise_percent=options.noise_percent,
            )
            bench_port = stack.enter_context(PtySimServer(bench_sim, clock=clock, name="meter-bench")).path
            progress(f"simulated meter bench on {bench_port}")
        bench_link = stack.enter_context(SerialLink(METER_BENCH_LINE.settings(bench_port), clock=clock))
        meter_link = stack.enter_context(SerialLink(DLT645_LINE.settings(dut_port), clock=clock))
        yield MeterBench(bench_link, clock=clock, poll_s=0.5), DLT645Meter(meter_link, METER_ADDRESS)


def run_demo(
    *,
    session_factory: sessionmaker[Session],
    options: DemoOptions,
    today: date,
    progress: ProgressFn,
    wall: Callable[[], datetime],
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Run the demo verification and write its outputs; returns the summary.

    Raises:
        InstrumentError: an instrument could not be reached (before anything was stored) or stopped
            answering (the readings taken so far stay stored; the record stays ``running``).
        RecordValidationError: invalid options (class, rule) or a standard without a valid certificate.
    """
    jjg596.load_points(options.accuracy_class)  # validates the class before anything starts
    clock = clock if clock is not None else ScaledClock(options.time_scale)
    rating = MeterRating(options.accuracy_class, 220.0, 5.0, 60.0, 1200.0)
    with _instruments(options, clock, progress) as (bench, meter):
        progress(f"bench: {bench.identify()}; standard constant {bench.standard_constant():g} imp/kWh")
        address = meter.read_address()
        progress(f"meter under test answers at address {address}")
        with session_factory() as session:
            admin_created = count_users(session=session) == 0
            refs = seed_reference_data(session=session, as_of=today)
            cert = assert_usable(session=session, equipment=refs.standard_meter, day=today)
            floor = cmc_floor(session=session, equipment_id=refs.standard_meter.id, day=today)
            if floor is not None and floor[1] not in ("percent", "%"):
                raise RecordValidationError(
                    f"CMC of the reference standard meter is in {floor[1]}, expected %"
                )
            dut = register_equipment(
                session=session,
                kind="dut",
                family="electricity",
                description="单相费控智能电能表 (simulated DL/T 645-2007)",
                manufacturer="CALIB-SIM",
                model="DDZY-SIM",
                serial=address,
                accuracy_class=options.accuracy_class,
                owner=refs.customer,
                specs={
                    "reference_voltage": [rating.voltage, "V"],
                    "basic_current": [rating.basic_current, "A"],
                    "max_current": [rating.max_current, "A"],
                    "meter_constant": [rating.meter_constant, "1/kWh"],
                },
            )
            proc = refs.procedure
            cal = create_calibration(
                session=session,
                procedure=proc,
                dut=dut,
                started_at=wall(),
                customer=refs.customer,
                technician=refs.technician,
                bench="demo meter bench",
                accuracy_class=options.accuracy_class,
                decision_rule=options.decision_rule,
            )
            use_standard(
                session=session,
                calibration=cal,
                equipment=refs.standard_meter,
                certificate=cert,
                role="reference standard meter",
            )
            for quantity, value, unit in (
                ("ambient_temperature", options.temperature_c, "degC"),
                ("relative_humidity", options.humidity_rh, "percent"),
            ):
                record_environment(
                    session=session,
                    calibration=cal,
                    quantity=quantity,
                    value=value,
                    unit=unit,
                    taken_at=wall(),
                    source=f"manual ({refs.technician.username})",
                )
            session.commit()
            cal_id, number = cal.id, cal.number
            standard = StandardInfo(
                cert.expanded_uncertainty, cert.coverage_factor, None if floor is None else floor[0]
            )
        progress(
            f"calibration {number} started (JJG 596-2012, class {options.accuracy_class}, "
            f"decision rule {options.decision_rule})"
        )
        ctx = RunContext(
            session_factory=session_factory, calibration_id=cal_id, clock=clock, progress=progress, wall=wall
        )
        run_register_reading(ctx, meter, state="as_found", when="before")
        run_basic_error(
            ctx,
            bench=bench,
            rating=rating,
            standard=standard,
            decision_rule=options.decision_rule,
            repeats=options.repeats,
        )
        if options.functional:
            run_functional_tests(
                ctx, bench=bench, rating=rating, first_seq=len(jjg596.load_points(options.accuracy_class)) + 1
            )
        run_register_reading(ctx, meter, state="as_found", when="after")
    with session_factory() as session:
        stored = session.get(Calibration, cal_id)
        assert stored is not None
        stored.decision = combine_decisions([p.decision for p in stored.points])
        stored.status = "measured"
        stored.finished_at = wall()
        session.commit()
        full = get_calibration(session=session, calibration_id=cal_id)
        summary = summary_of(full, rule_text=RULE_TEXT[full.decision_rule])
    summary["admin_created"] = admin_created
    write_report(summary, options.out_dir)
    return summary


def run_full_demo(
    *,
    session_factory: sessionmaker[Session],
    options: DemoOptions,
    today: date,
    progress: ProgressFn,
    wall: Callable[[], datetime],
    clock: Clock | None = None,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """The electricity verification, then certificates and the year's evidence report.

    Returns the electricity summary with ``documents`` (certificates and report files) added; the
    combined summary is written to ``summary.json`` again.
    """
    from calib_service.demo_outputs import write_demo_documents

    summary = run_demo(
        session_factory=session_factory,
        options=options,
        today=today,
        progress=progress,
        wall=wall,
        clock=clock,
    )
    from calib_service.demo_families import run_family_demos

    progress("one calibration of each other family on simulated benches")
    family_ids = run_family_demos(
        session_factory=session_factory, out_dir=options.out_dir, today=today, progress=progress, wall=wall
    )
    with session_factory() as session:
        # the family benches are the centre's own runs; in the demo they were all ordered by one customer
        customer = seed_reference_data(session=session, as_of=today).customer
        for cal_id in family_ids:
            cal = get_calibration(session=session, calibration_id=cal_id)
            if cal.customer_id is None:
                cal.customer_id = customer.id
        session.commit()
        all_ids = [summary["calibration_id"], *family_ids]
        done = [get_calibration(session=session, calibration_id=i) for i in all_ids]
        summary["families"] = [
            {
                "calibration_id": c.id,
                "number": c.number,
                "procedure": c.procedure.code,
                "family": c.procedure.family,
                "decision": c.decision,
                "status": c.status,
            }
            for c in done
        ]
    # an undetermined verification is not certified: it stays open (待定) for re-measurement or the approver
    issuable = [c["calibration_id"] for c in summary["families"] if c["decision"] != "undetermined"]
    progress("reviewing, approving and issuing certificates; writing the annual evidence report")
    year = today.year if today.month > 6 else today.year - 1
    docs = write_demo_documents(
        session_factory=session_factory,
        calibration_ids=issuable,
        out_dir=options.out_dir,
        as_of=today,
        year=year,
        max_calibrations=5,
        data_dir=data_dir,
    )
    summary["documents"] = docs.to_dict()
    write_report(summary, options.out_dir)
    return summary
