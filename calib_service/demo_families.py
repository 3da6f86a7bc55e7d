"""One calibration of each family on simulated benches, through the same run service as ``calib run``.

Each family's instruments are simulated in-process on real pseudo-terminals and read through the
serial drivers named in a bench; the technician's physical steps (open the valve, connect the cylinder)
and the readings typed in (bell-prover scale, reference volume, bath temperatures) are played by the
simulated bench itself, which knows the true flows and volumes. The devices' errors are known:

=============  ====================  ================  =========================================
family         procedure             injected error    expected outcome (JJF 1094)
=============  ====================  ================  =========================================
water          JJG 162-2019, cl. 2   +1.2 % register   pass (gravimetric, MT-SICS balance)
water-sm       JJG 162-2019, cl. 2   −0.8 % register   pass (standard meter, Modbus reference flowmeter)
gas            JJG 577-2012, cl. 1.5 +2.0 % register   fail (qt and qmax limits are ±1.5 %)
heat           JJG 225-2024, cl. 2   −1.1 % energy     pass
co2            JJG 635-2011, cl. 2   +1.9 % gain       undetermined at span, guard band w = U
                                     +4 ppm offset     (1.91 % FS within U of the ±2 % FS limit)
cems           HJ 75 pattern         +2.0 % gain       pass
comparison     JJF comparison        +0.05 % DMM gain  calibration (no decision)
=============  ====================  ================  =========================================

Slow physics (hours of flow at Q1, 24 h drift) runs on a manual clock that the simulated bench
advances, so the whole set takes seconds. Standards, certificates, CMCs and the technician's
authorisations are seeded idempotently by :func:`seed_family_references` (``demo_family_data``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from calib_service.benches import Bench, open_instruments, parse_bench
from calib_service.decision import RULE_TEXT
from calib_service.demo_family_data import STANDARDS as _STANDARDS
from calib_service.demo_family_data import TECHNICIAN, seed_family_references
from calib_service.procedures import water
from calib_service.reporting import summary_of, write_report
from calib_service.run_service import RunOutcome, RunRequest, run_calibration
from calib_service.runner import ProgressFn
from calib_service.services.calibrations import get_calibration
from instruments.clock import Clock, ManualClock
from instruments.sim.cjt188 import WATER_KWH_PER_M3K, Cjt188MeterSim
from instruments.sim.co2_analyser import Co2AnalyserSim
from instruments.sim.mfc import MfcSim
from instruments.sim.modbus import ModbusSlaveSim
from instruments.sim.mtsics_balance import BalanceSim
from instruments.sim.pty import PtySimServer
from instruments.sim.scpi_dmm import DmmSim

__all__ = [
    "FAMILIES",
    "TECHNICIAN",
    "FamilyCase",
    "SimulatedBench",
    "run_case",
    "run_family_demos",
    "seed_family_references",
    "simulated_bench",
]

METER_ADDR = "20261201000162"


@dataclass
class SimulatedBench:
    """A simulated bench: its bench file, the simulators, and the technician's hands and eyes.

    Attributes:
        bench: The bench (ports of the pseudo-terminals).
        sims: The simulated devices by role.
        ask: Typed-in readings, answered from the simulated physics.
        operator: Physical steps, performed on the simulators.
        truth: What the simulated bench knows (last volumes delivered ...).
    """

    bench: Bench
    sims: dict[str, Any]
    ask: Callable[[str, str, str], float]
    operator: Callable[[str, Mapping[str, Any]], None]
    truth: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FamilyCase:
    """One family's demo calibration.

    Attributes:
        family: Family key.
        procedure: Procedure alias.
        dut_serial: Serial of the simulated device.
        accuracy_class: Its class (None for a calibration).
        error_percent: The injected error.
        params: Device ratings and run parameters.
        environment: Conditions typed in.
        points: Technician-chosen points (comparison).
        decision_rule: Decision rule of the calibration.
    """

    family: str
    procedure: str
    dut_serial: str
    accuracy_class: str | None
    error_percent: float
    params: dict[str, float]
    environment: dict[str, float]
    points: tuple[float, ...] | None = None
    decision_rule: str = "jjf1094"


FAMILIES: dict[str, FamilyCase] = {
    "water": FamilyCase(
        "water",
        "jjg162",
        "DEMO-WM-0001",
        "2",
        1.2,
        {"q3": 2.5, "ratio": 100.0},
        {
            "ambient_temperature": 21.0,
            "relative_humidity": 55.0,
            "atmospheric_pressure": 100.8,
            "water_temperature": 18.4,
        },
    ),
    "water-sm": FamilyCase(
        "water-sm",
        "jjg162",
        "DEMO-WM-0002",
        "2",
        -0.8,
        {"q3": 2.5, "ratio": 100.0},
        {
            "ambient_temperature": 21.0,
            "relative_humidity": 55.0,
            "atmospheric_pressure": 100.8,
            "water_temperature": 18.4,
        },
    ),
    "gas": FamilyCase(
        "gas",
        "jjg577",
        "DEMO-GM-0001",
        "1.5",
        2.0,
        {"qmin": 0.04, "qmax": 6.0},
        {"ambient_temperature": 20.2, "relative_humidity": 60.0},
    ),
    "heat": FamilyCase(
        "heat",
        "jjg225",
        "DEMO-HM-0001",
        "2",
        -1.1,
        {"qi": 0.015, "qp": 1.5, "heat_coefficient": WATER_KWH_PER_M3K},
        {"ambient_temperature": 22.0, "relative_humidity": 50.0},
    ),
    "co2": FamilyCase(
        "co2",
        "jjg635",
        "DEMO-NDIR-0001",
        "2",
        1.9,
        {"span": 2000.0},
        {"ambient_temperature": 22.0, "relative_humidity": 50.0, "atmospheric_pressure": 100.5},
        decision_rule="guard",
    ),
    "cems": FamilyCase(
        "cems",
        "cems_co2",
        "DEMO-CEMS-0001",
        "HJ75",
        2.0,
        {"span": 200000.0},
        {"ambient_temperature": 25.0, "relative_humidity": 60.0},
    ),
    "comparison": FamilyCase(
        "comparison",
        "comparison",
        "DEMO-DMM-0001",
        None,
        0.05,
        {},
        {"ambient_temperature": 23.0, "relative_humidity": 45.0},
        (1.0, 5.0, 10.0),
    ),
}


def _serve(stack: ExitStack, sim: Any, name: str) -> str:
    return stack.enter_context(PtySimServer(sim, name=name)).path


def _flow_bench(stack: ExitStack, clock: ManualClock, case: FamilyCase, seed: int) -> SimulatedBench:
    kinds = {
        "water": ("water", 0x10),
        "water-sm": ("water", 0x10),
        "gas": ("gas", 0x30),
        "heat": ("heat", 0x20),
    }
    kind = kinds[case.family]
    meter = Cjt188MeterSim(
        METER_ADDR,
        meter_type=kind[1],
        clock=clock,
        error_percent=case.error_percent,
        supply_temp=70.0,
        return_temp=50.0,
    )
    instruments: dict[str, Any] = {
        "dut": {
            "driver": "cjt188",
            "port": _serve(stack, meter, "cjt188"),
            "address": METER_ADDR,
            "kind": kind[0],
            "timeout": 0.5,
        },
    }
    truth: dict[str, float] = {}
    sims: dict[str, Any] = {"dut": meter}
    standards: dict[str, str] = {}
    balance: BalanceSim | None = None
    t_water = case.environment.get("water_temperature", 20.0)
    reference: ModbusSlaveSim | None = None
    if case.family == "water-sm":
        reference = ModbusSlaveSim(
            1, clock=clock, temperature=t_water, rng=random.Random(seed), noise_percent=0.01
        )
        sims["reference"] = reference
        instruments["reference"] = {
            "driver": "modbus",
            "port": _serve(stack, reference, "modbus"),
            "address": 1,
        }
        instruments["thermometer"] = {"driver": "manual"}
        standards["reference"] = _STANDARDS["ref_flowmeter"].serial
    elif case.family == "water":
        balance = BalanceSim(
            capacity=3_000_000.0,
            resolution=20.0,
            settle_time=2.0,
            clock=clock,
            rng=random.Random(seed),
            noise_percent=0.000005,
        )
        sims["balance"] = balance
        instruments["balance"] = {
            "driver": "mtsics-balance",
            "port": _serve(stack, balance, "balance"),
            "capacity": 3_000_000.0,
            "resolution": 20.0,
            "timeout": 0.5,
        }
        instruments["thermometer"] = {"driver": "manual"}
        standards["balance"] = _STANDARDS["balance"].serial
    elif case.family == "gas":
        instruments.update(
            {r: {"driver": "manual"} for r in ("reference", "barometer", "gauges", "thermometers")}
        )
        standards["reference"] = _STANDARDS["prover"].serial
    else:
        instruments.update({r: {"driver": "manual"} for r in ("reference", "thermometers")})
        standards["reference"] = _STANDARDS["heat_ref"].serial
    env = case.environment
    rho_a = water.air_density(
        env.get("atmospheric_pressure", 101.3) * 10.0,
        env.get("relative_humidity", 50.0),
        env.get("ambient_temperature", 20.0),
    )
    gas_typed = {
        "barometric": 101.2,
        "prover_gauge": 0.45,
        "meter_gauge": 0.62,
        "prover_temperature": 20.3,
        "meter_temperature": 20.6,
        "pressure_loss": 118.0,  # Pa across the meter at qmax (JJG 577 check)
        "cyclic_test_volume": 12.1,  # L for 10 cycles, when a marked cyclic volume is given
    }

    def operator(action: str, p: Mapping[str, Any]) -> None:
        if action == "empty_tank" and balance is not None:
            balance.load(0.0)
            clock.advance(5.0)
        elif action == "flow":
            v0 = meter.true_volume
            meter.apply_flow(float(p["flow"]))
            if reference is not None:
                reference.apply_flow(float(p["flow"]))
            clock.advance(float(p["seconds"]))
            meter.apply_flow(0.0)
            if reference is not None:
                reference.apply_flow(0.0)
            truth["volume_l"] = (meter.true_volume - v0) * 1000.0
            if balance is not None:
                rho_w = water.water_density(t_water)
                kg = truth["volume_l"] / 1000.0 * rho_w / water.buoyancy_factor(rho_a, rho_w)
                balance.load(kg * 1000.0)
                clock.advance(5.0)

    def ask(quantity: str, unit: str, prompt: str) -> float:
        name = quantity.split(".")[0]
        if name == "water_temperature":
            return t_water
        if name in gas_typed:
            return gas_typed[name]
        if name == "prover_volume":
            g = gas_typed
            at_meter = truth["volume_l"]
            prover = (
                at_meter
                * (g["barometric"] + g["meter_gauge"])
                / (g["barometric"] + g["prover_gauge"])
                * (g["prover_temperature"] + 273.15)
                / (g["meter_temperature"] + 273.15)
            )
            return round(prover, 1)
        if name == "reference_volume":
            return round(truth["volume_l"], 2)
        if name == "supply_temperature":
            return 70.0
        if name == "return_temperature":
            return 50.0
        if name in env:
            return env[name]
        raise KeyError(f"the simulated bench cannot answer {quantity!r}")

    bench = parse_bench(
        {"name": f"simulated {case.family} bench", "instruments": instruments, "standards": standards},
        source=f"<simulated {case.family} bench>",
    )
    return SimulatedBench(bench, sims, ask, operator, truth)


def _gas_bench(stack: ExitStack, clock: ManualClock, case: FamilyCase, seed: int) -> SimulatedBench:
    rng = random.Random(seed)
    cems = case.family == "cems"
    an = Co2AnalyserSim(
        "vaisala",
        t90=30.0 if cems else 20.0,
        offset=0.0 if cems else 4.0,
        ppm=0.0,
        clock=clock,
        rng=rng,
        error_percent=case.error_percent,
        noise_percent=0.01 if cems else 0.02,
    )
    gas = MfcSim("A", full_scale=2.0, tau=0.5, clock=clock, error_percent=0.3)
    dil = MfcSim("B", full_scale=2.0, tau=0.5, clock=clock, error_percent=-0.2)
    span = case.params["span"]
    cylinder = _STANDARDS["cyl_17pct" if cems else "cyl_1800"]
    c_true = float(cylinder.specs["certified_value"][0])
    instruments = {
        "analyser": {
            "driver": "co2-analyser",
            "port": _serve(stack, an, "co2"),
            "span_ppm": span,
            "timeout": 0.5,
        },
        "mfc": {"driver": "mfc", "port": _serve(stack, gas, "mfc-a"), "address": "A", "full_scale": 2.0},
        "mfc_diluent": {
            "driver": "mfc",
            "port": _serve(stack, dil, "mfc-b"),
            "address": "B",
            "full_scale": 2.0,
        },
        "climate": {"driver": "manual"},
    }

    def operator(action: str, p: Mapping[str, Any]) -> None:
        if action != "gas":
            return
        if p["gas"] == "zero":
            an.apply_gas(0.0)
        elif p["gas"] == "cylinder":
            an.apply_gas(c_true)
        elif p["gas"] == "interferent":  # JJG 635 interference: zero gas carrying the other gas
            an.apply_gas(0.0, {str(p["species"]): float(p["cylinder"])})
        elif p["gas"] == "dilution":
            an.apply_gas(c_true * gas.true_flow / (gas.true_flow + dil.true_flow))
        else:
            raise ValueError(f"the simulated gas bench cannot apply {p['gas']!r}")

    def ask(quantity: str, unit: str, prompt: str) -> float:
        if quantity in case.environment:
            return case.environment[quantity]
        raise KeyError(f"the simulated bench cannot answer {quantity!r}")

    bench = parse_bench(
        {
            "name": f"simulated {case.family} bench",
            "instruments": instruments,
            "standards": {"cylinder": cylinder.serial},
        },
        source=f"<simulated {case.family} bench>",
    )
    return SimulatedBench(
        bench, {"analyser": an, "mfc": gas, "mfc_diluent": dil}, ask, operator, {"cylinder": c_true}
    )


def _dmm_bench(stack: ExitStack, clock: ManualClock, case: FamilyCase, seed: int) -> SimulatedBench:
    ref = DmmSim(clock=clock, rng=random.Random(seed), noise_percent=0.0005)
    dut = DmmSim(
        clock=clock, rng=random.Random(seed + 1), error_percent=case.error_percent, noise_percent=0.001
    )
    instruments = {
        "standard": {"driver": "scpi-dmm", "port": _serve(stack, ref, "dmm-ref")},
        "dut": {"driver": "scpi-dmm", "port": _serve(stack, dut, "dmm-dut")},
    }

    def operator(action: str, p: Mapping[str, Any]) -> None:
        if action == "stimulus":
            for sim in (ref, dut):
                sim.apply("VOLT:DC", float(p["value"]))

    def ask(quantity: str, unit: str, prompt: str) -> float:
        if quantity in case.environment:
            return case.environment[quantity]
        raise KeyError(f"the simulated bench cannot answer {quantity!r}")

    bench = parse_bench(
        {
            "name": "simulated comparison bench",
            "instruments": instruments,
            "standards": {"standard": _STANDARDS["dmm_ref"].serial},
        },
        source="<simulated dmm bench>",
    )
    return SimulatedBench(bench, {"standard": ref, "dut": dut}, ask, operator)


@contextmanager
def simulated_bench(case: FamilyCase, *, clock: ManualClock, seed: int = 2026) -> Iterator[SimulatedBench]:
    """Serve the simulators of ``case`` on pseudo-terminals for as long as the context lasts.

    Args:
        case: The family case (its injected error).
        clock: The manual clock the simulated physics runs on (advanced by the simulated bench).
        seed: Seed of the simulators' noise.

    Yields:
        The simulated bench.
    """
    with ExitStack() as stack:
        if case.family in ("water", "water-sm", "gas", "heat"):
            yield _flow_bench(stack, clock, case, seed)
        elif case.family in ("co2", "cems"):
            yield _gas_bench(stack, clock, case, seed)
        else:
            yield _dmm_bench(stack, clock, case, seed)


def run_case(
    case: FamilyCase,
    *,
    session_factory: sessionmaker[Session],
    today: date,
    progress: ProgressFn,
    wall: Callable[[], datetime],
    clock: ManualClock | None = None,
    seed: int = 2026,
    params: Mapping[str, float] | None = None,
    decision_rule: str | None = None,
) -> RunOutcome:
    """Run one family's calibration on its simulated bench.

    Args:
        case: The family case.
        session_factory: Sessions of the run.
        today: Date of the calibration.
        progress: Progress lines.
        wall: UTC clock of the records.
        clock: Manual clock of the simulated physics (a new one if None).
        seed: Noise seed.
        params: Extra run parameters (override the case's).
        decision_rule: Decision rule (default: the case's).

    Returns:
        The stored outcome.
    """
    clock = clock if clock is not None else ManualClock()
    with session_factory() as session:
        seed_family_references(session=session, as_of=today)
        session.commit()
    with simulated_bench(case, clock=clock, seed=seed) as sb:
        roles = tuple(sb.bench.instruments)
        with open_instruments(sb.bench, roles=roles, clock=clock) as instruments:
            request = RunRequest(
                procedure=case.procedure,
                bench=sb.bench,
                dut_serial=case.dut_serial,
                technician=TECHNICIAN,
                accuracy_class=case.accuracy_class,
                decision_rule=decision_rule or case.decision_rule,
                points=case.points,
                params={**case.params, **(params or {})},
                environment=case.environment,
                dut_description=f"simulated {case.family} device (injected error {case.error_percent:+g} %)",
            )
            return run_calibration(
                session_factory=session_factory,
                request=request,
                instruments=instruments,
                clock=clock,
                today=today,
                wall=wall,
                progress=progress,
                ask=sb.ask,
                operator=sb.operator,
            )


def run_family_demos(
    *,
    session_factory: sessionmaker[Session],
    out_dir: Path,
    today: date,
    progress: ProgressFn,
    wall: Callable[[], datetime],
    clock: Clock | None = None,
) -> list[int]:
    """Run one calibration of each family (water, gas, heat, CO2, CEMS, comparison); returns their ids.

    Each record gets ``out_dir/<family>/summary.json`` and ``report.md``. The gas meter fails and the
    CO2 analyser ends undetermined (待定), by design of their injected errors.

    Args:
        session_factory: Sessions of the runs.
        out_dir: Output folder.
        today: Date of the calibrations.
        progress: Progress lines.
        wall: UTC clock of the records.
        clock: Ignored unless it is a :class:`ManualClock` (the simulated physics needs a clock the
            simulated bench can advance); a new manual clock per family otherwise.

    Returns:
        The calibration ids, in family order.
    """
    ids: list[int] = []
    for case in FAMILIES.values():
        manual = clock if isinstance(clock, ManualClock) else ManualClock()
        progress(f"== {case.family}: {case.procedure}, simulated device with error {case.error_percent:+g} %")
        outcome = run_case(
            case, session_factory=session_factory, today=today, progress=progress, wall=wall, clock=manual
        )
        ids.append(outcome.calibration_id)
        with session_factory() as session:
            cal = get_calibration(session=session, calibration_id=outcome.calibration_id)
            write_report(summary_of(cal, rule_text=RULE_TEXT[cal.decision_rule]), out_dir / case.family)
    return ids
