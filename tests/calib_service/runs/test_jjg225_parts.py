"""JJG 225-2024 sub-assemblies through the run service on pseudo-terminal simulators with known errors.

* flow sensor (``jjg225-flow``): an M-Bus heat meter whose volume register reads +1.3 % high, against a
  reference flowmeter on the generic Modbus driver;
* temperature-sensor pair (``jjg225-pair``): the pair shows Δθ 0.4 % high, read through a CJ/T 188
  heat meter's flow and return temperatures; the reference thermometers are typed in;
* calculator (``jjg225-calc``): a CJ/T 188 heat meter computing with the EN 1434-1 heat coefficient and
  an energy error of −0.3 %; the simulated pulses and resistances are typed in.

Each point must recover the injected error within its U, with U ≤ MPE/3 and the JJF 1094 decision
(pass: |E| + U ≤ MPE). A flow-sensor run that loses its link mid-point resumes without repeating or
losing a reading, and a record of one test cannot be resumed by another.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from calib_service.benches import Bench, open_instruments, parse_bench
from calib_service.db import make_session_factory
from calib_service.demo_families import TECHNICIAN, seed_family_references
from calib_service.errors import RecordValidationError
from calib_service.models import Calibration, CalibrationPoint, RawReading
from calib_service.procedures import jjg225_parts
from calib_service.run_service import RunOutcome, RunRequest, run_calibration
from instruments.clock import ManualClock
from instruments.errors import LinkDown
from instruments.sim.cjt188 import Cjt188MeterSim
from instruments.sim.mbus import MbusHeatMeterSim
from instruments.sim.modbus import ModbusSlaveSim
from instruments.sim.pty import PtySimServer

TODAY = date(2026, 12, 2)
ADDR = "20261201000225"
ENV = {"ambient_temperature": 22.0, "relative_humidity": 50.0}
FLOW_ERROR, PAIR_ERROR, CALC_ERROR = 1.3, 0.4, -0.3


def _wall() -> datetime:
    return datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


@dataclass
class _Bench:
    bench: Bench
    ask: Callable[[str, str, str], float]
    operator: Callable[[str, Mapping[str, Any]], None]
    truth: dict[str, float] = field(default_factory=dict)


def _serve(stack: ExitStack, sim: Any) -> str:
    return stack.enter_context(PtySimServer(sim)).path


def _env_or_fail(quantity: str) -> float:
    if quantity in ENV:
        return ENV[quantity]
    raise KeyError(f"the simulated bench cannot answer {quantity!r}")


@contextmanager
def _flow_bench(clock: ManualClock) -> Iterator[_Bench]:
    with ExitStack() as stack:
        meter = MbusHeatMeterSim(1, clock=clock, error_percent=FLOW_ERROR)
        ref = ModbusSlaveSim(1, clock=clock, temperature=50.0, rng=random.Random(225))

        def operator(action: str, p: Mapping[str, Any]) -> None:
            if action == "flow":
                for sim in (meter, ref):
                    sim.apply_flow(float(p["flow"]))
                clock.advance(float(p["seconds"]))
                for sim in (meter, ref):
                    sim.apply_flow(0.0)

        bench = parse_bench(
            {
                "name": "flow-sensor bench",
                "instruments": {
                    "dut": {"driver": "mbus", "port": _serve(stack, meter), "address": 1, "timeout": 0.5},
                    "reference": {"driver": "modbus", "port": _serve(stack, ref), "address": 1},
                    "climate": {"driver": "manual"},
                },
                "standards": {"reference": "DEMO-REF-FM-25"},
            },
            source="<flow-sensor bench>",
        )
        yield _Bench(bench, lambda q, u, p: _env_or_fail(q), operator)


@contextmanager
def _pair_bench(clock: ManualClock) -> Iterator[_Bench]:
    with ExitStack() as stack:
        meter = Cjt188MeterSim(ADDR, meter_type=0x20, clock=clock)
        truth: dict[str, float] = {}

        def operator(action: str, p: Mapping[str, Any]) -> None:
            if action == "baths":
                hot, cold = float(p["hot"]), float(p["cold"])
                truth.update(hot=hot, cold=cold)
                # the pair in the baths: its Δθ reads PAIR_ERROR % high
                meter.supply_temp = cold + (hot - cold) * (1 + PAIR_ERROR / 100.0)
                meter.return_temp = cold

        def ask(quantity: str, unit: str, prompt: str) -> float:
            name = quantity.split(".")[0]
            if name == "hot_reference":
                return truth["hot"]
            if name == "cold_reference":
                return truth["cold"]
            return _env_or_fail(quantity)

        bench = parse_bench(
            {
                "name": "temperature-pair baths",
                "instruments": {
                    "dut": {
                        "driver": "cjt188",
                        "port": _serve(stack, meter),
                        "address": ADDR,
                        "kind": "heat",
                        "timeout": 0.5,
                    },
                    "thermometers": {"driver": "manual"},
                    "climate": {"driver": "manual"},
                },
                "standards": {"thermometers": "DEMO-HEAT-PRT2"},
            },
            source="<pair bench>",
        )
        yield _Bench(bench, ask, operator, truth)


@contextmanager
def _calc_bench(clock: ManualClock) -> Iterator[_Bench]:
    with ExitStack() as stack:
        meter = Cjt188MeterSim(ADDR, meter_type=0x20, clock=clock, error_percent=CALC_ERROR)
        truth: dict[str, float] = {}

        def operator(action: str, p: Mapping[str, Any]) -> None:
            if action != "flow":
                return
            tf, tr = float(p["flow_temperature"]), float(p["return_temperature"])
            # a calculator that measures the resistances exactly and computes with the EN 1434-1 k
            meter.heat_coefficient = jjg225_parts.heat_coefficient(tf, tr)
            meter.apply_flow(0.0, supply_temp=tf, return_temp=tr)
            v0 = meter.true_volume
            meter.apply_flow(float(p["flow"]))
            clock.advance(float(p["seconds"]))
            meter.apply_flow(0.0)
            truth.update(volume_l=(meter.true_volume - v0) * 1000.0, tf=tf, tr=tr)

        def ask(quantity: str, unit: str, prompt: str) -> float:
            name = quantity.split(".")[0]
            if name == "volume_pulses":
                return truth["volume_l"] / 1.0  # pulse weight 1 L
            if name == "flow_resistance":
                return round(jjg225_parts.pt_resistance(truth["tf"]), 4)
            if name == "return_resistance":
                return round(jjg225_parts.pt_resistance(truth["tr"]), 4)
            return _env_or_fail(quantity)

        bench = parse_bench(
            {
                "name": "calculator bench",
                "instruments": {
                    "dut": {
                        "driver": "cjt188",
                        "port": _serve(stack, meter),
                        "address": ADDR,
                        "kind": "heat",
                        "timeout": 0.5,
                    },
                    "simulator": {"driver": "manual"},
                    "climate": {"driver": "manual"},
                },
                "standards": {"simulator": "DEMO-HEAT-SIM"},
            },
            source="<calculator bench>",
        )
        yield _Bench(bench, ask, operator, truth)


BENCHES = {"jjg225-flow": _flow_bench, "jjg225-pair": _pair_bench, "jjg225-calc": _calc_bench}
PARAMS: dict[str, dict[str, float]] = {
    "jjg225-flow": {"qi": 0.015, "qp": 1.5, "test_volume_l": 500.0},
    "jjg225-pair": {"dtheta_min": 3.0, "dtheta_max": 70.0},
    "jjg225-calc": {"dtheta_min": 3.0, "dtheta_max": 70.0, "test_energy_kwh": 20.0},
}


def _run(
    engine: Engine,
    alias: str,
    *,
    resume: int | None = None,
    operator: Callable[[_Bench], Callable[[str, Mapping[str, Any]], None]] | None = None,
    started: list[int] | None = None,
) -> RunOutcome:
    factory = make_session_factory(engine)
    with factory() as s:
        seed_family_references(session=s, as_of=TODAY)
        s.commit()
    clock = ManualClock()
    with (
        BENCHES[alias](clock) as sb,
        open_instruments(sb.bench, roles=tuple(sb.bench.instruments), clock=clock) as instruments,
    ):
        return run_calibration(
            session_factory=factory,
            request=RunRequest(
                procedure=alias,
                bench=sb.bench,
                dut_serial=f"HM-PART-{alias}",
                technician=TECHNICIAN,
                accuracy_class="2",
                params=PARAMS[alias],
                environment=ENV,
                resume=resume,
            ),
            instruments=instruments,
            clock=clock,
            today=TODAY,
            wall=_wall,
            progress=lambda m: None,
            ask=sb.ask,
            operator=sb.operator if operator is None else operator(sb),
            on_start=None if started is None else started.append,
        )


def _check(engine: Engine, outcome: RunOutcome, injected: float) -> list[CalibrationPoint]:
    factory = make_session_factory(engine)
    with factory() as s:
        cal = s.get(Calibration, outcome.calibration_id)
        assert cal is not None and cal.status == "measured" and cal.procedure.code == "JJG 225-2024"
        points = sorted(cal.points, key=lambda p: p.seq)
        readings = list(
            s.scalars(select(RawReading).where(RawReading.calibration_id == cal.id).order_by(RawReading.seq))
        )
        s.expunge_all()
    assert len(points) == 3 and outcome.decision == "pass"
    for p in points:
        assert p.error_unit == "percent" and p.mpe is not None, p.label
        assert abs(p.error - injected) <= p.expanded_uncertainty, p.label
        assert p.expanded_uncertainty <= p.mpe / 3, p.label
        assert abs(p.error) + p.expanded_uncertainty <= p.mpe and p.decision == "pass", p.label  # JJF 1094
        assert p.coverage_factor >= 2.0 and p.budget, p.label
    assert [r.seq for r in readings] == list(range(1, len(readings) + 1))
    assert all(r.entered_by_id is not None for r in readings if r.source == "manual")
    return points


def test_flow_sensor_on_mbus_and_modbus_reference(engine: Engine) -> None:
    outcome = _run(engine, "jjg225-flow")
    points = _check(engine, outcome, FLOW_ERROR)
    assert [p.label for p in points] == ["qi", "0.1qp", "qp"]
    assert {p.parameters["part"] for p in points} == {"jjg225-flow"}
    # class 2: 2 + 0.02 qp/q at the mid-range flows
    assert points[2].mpe == pytest.approx(2.0 + 0.02 * 1.5 / 1.425)


def test_temperature_pair_in_baths(engine: Engine) -> None:
    outcome = _run(engine, "jjg225-pair")
    points = _check(engine, outcome, PAIR_ERROR)
    assert [p.parameters["dtheta_K"] for p in points] == [3.3, 15.0, 67.5]
    assert points[0].mpe == pytest.approx(0.5 + 3 * 3.0 / 3.3, abs=1e-3)
    assert {p.parameters["part"] for p in points} == {"jjg225-pair"}


def test_calculator_with_simulated_signals(engine: Engine) -> None:
    outcome = _run(engine, "jjg225-calc")
    points = _check(engine, outcome, CALC_ERROR)
    for p in points:
        k = jjg225_parts.heat_coefficient(
            p.parameters["flow_temperature_degC"], p.parameters["return_temperature_degC"]
        )
        assert p.parameters["heat_coefficient_kwh_m3K"] == pytest.approx(k)
        assert p.mpe == pytest.approx(0.5 + 3.0 / p.parameters["dtheta_K"], abs=1e-3)
        assert p.expanded_uncertainty >= 0.1 - 1e-12  # never below the simulator's CMC


def test_flow_sensor_resume_after_link_loss_and_wrong_part(engine: Engine) -> None:
    flows = 0

    def unplugged(sb: _Bench) -> Callable[[str, Mapping[str, Any]], None]:
        def op(action: str, p: Mapping[str, Any]) -> None:
            nonlocal flows
            if action == "flow":
                flows += 1
                if flows == 4:  # 0.1 qp, run 2: its start readings are stored
                    raise LinkDown("mbus on /dev/pts/x: the port went away (cable unplugged)")
            sb.operator(action, p)

        return op

    started: list[int] = []
    with pytest.raises(LinkDown):
        _run(engine, "jjg225-flow", operator=unplugged, started=started)
    (cid,) = started
    factory = make_session_factory(engine)
    with factory() as s:
        before = [
            (r.id, r.quantity, r.value)
            for r in s.scalars(select(RawReading).where(RawReading.calibration_id == cid))
        ]
        assert s.get(Calibration, cid).status == "running"  # type: ignore[union-attr]
    with pytest.raises(RecordValidationError, match="started by jjg225-flow"):
        _run(engine, "jjg225-pair", resume=cid)
    outcome = _run(engine, "jjg225-flow", resume=cid)
    _check(engine, outcome, FLOW_ERROR)
    with factory() as s:
        rows = list(
            s.scalars(select(RawReading).where(RawReading.calibration_id == cid).order_by(RawReading.seq))
        )
    # nothing taken before the link loss was changed or lost
    assert [(r.id, r.quantity, r.value) for r in rows[: len(before)]] == before
    per = Counter((r.point_seq, r.quantity) for r in rows if r.point_seq is not None)
    # the interrupted run 2 at 0.1 qp was repeated (its start readings abandoned, kept); nothing else twice
    twice = {k for k, n in per.items() if n > 1}
    assert twice == {(2, "reference_start.2"), (2, "volume_start.2")}
    assert all(n == 1 for k, n in per.items() if k not in twice)
    assert sorted({seq for seq, _ in per}) == [1, 2, 3]


def test_calib_run_pair_typed_in(
    engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``calib run jjg225-pair``, every reading typed in: the cold bath by --entry, the rest at the prompt."""
    import io
    import json
    import sys

    from api.cli import main

    factory = make_session_factory(engine)
    with factory() as s:
        seed_family_references(session=s, as_of=date.today())
        s.commit()
    bench = tmp_path / "pair.yaml"
    bench.write_text(
        "name: baths by eye\ninstruments:\n  dut: {driver: manual}\n  thermometers: {driver: manual}\n"
        "standards: {thermometers: DEMO-HEAT-PRT2}\n",
        encoding="utf-8",
    )
    lines = []
    for dtheta in (3.3, 15.0, 67.5):  # per reading: Δθ shown by the calculator, then the hot bath
        for _ in range(3):
            lines += [f"{dtheta * (1 + PAIR_ERROR / 100):.3f}", f"{20.0 + dtheta:.3f}"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(
        [
            "run",
            "jjg225-pair",
            "--bench",
            str(bench),
            "--dut",
            "HM-PAIR-CLI",
            "--class",
            "2",
            "--technician",
            TECHNICIAN,
            "--env",
            "ambient_temperature=22",
            "--env",
            "relative_humidity=50",
            "--param",
            "resolution_k=0.001",
            "--entry",
            "cold_reference=20.0",
            "--yes",
            "--json",
            "--database",
            engine.url.render_as_string(hide_password=False),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["procedure"] == "JJG 225-2024" and doc["decision"] == "pass"
    assert [p["point"] for p in doc["points"]] == ["Δθmin (3.3 K)", "10-20 K (15 K)", "Δθmax (67.5 K)"]
    for p in doc["points"]:
        assert abs(p["error"] - PAIR_ERROR) <= p["expanded_uncertainty"] <= p["mpe"] / 3, p
        assert p["coverage_factor"] >= 2.0 and p["decision"] == "pass"
    with factory() as s:
        typed = list(s.scalars(select(RawReading).where(RawReading.calibration_id == doc["calibration_id"])))
    assert len(typed) == 3 * 3 * 3 and all(r.source == "manual" and r.entered_by_id for r in typed)
