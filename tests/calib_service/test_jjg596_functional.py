"""JJG 596 starting (起动) and creep (潜动) tests: the data table, and ``calib run jjg596`` on a simulated
meter bench served on real pseudo-terminals.

A good meter passes both; a meter whose starting threshold is above Ist fails the starting test; a meter
that creeps 10 pulses an hour fails the creep test. A run that crashes in the middle of the functional
tests resumes without repeating or losing a reading.
"""

from __future__ import annotations

import doctest
import random
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from calib_service.benches import Bench, open_instruments, parse_bench
from calib_service.db import make_session_factory
from calib_service.demo_data import seed_reference_data
from calib_service.demo_families import TECHNICIAN, seed_family_references
from calib_service.errors import RecordValidationError
from calib_service.models import Calibration, CalibrationPoint, RawReading
from calib_service.procedures import jjg596
from calib_service.run_service import RunOutcome, RunRequest, point_json, run_calibration
from calib_service.runner import RunContext
from instruments.clock import ManualClock
from instruments.drivers.meter_bench import MeterBench
from instruments.errors import LinkDown
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.meter_bench import MeterBenchSim
from instruments.sim.pty import PtySimServer

TODAY = date(2026, 12, 1)
METER = "202612010001"
PARAMS = {"basic_current": 5.0, "max_current": 60.0, "meter_constant": 1200.0, "repeats": 2.0}
N_LOAD = len(jjg596.load_points("1"))  # 7: starting is point 8, creep point 9


def _wall() -> datetime:
    return datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


# ---------------------------------------------------------------------- data and formulas
def test_functional_factors_are_flagged_unverified_with_their_source() -> None:
    assert {c: r.starting_current for c, r in jjg596.FUNCTIONAL.items()} == {
        "0.2S": 0.001,
        "0.5S": 0.001,
        "1": 0.004,
        "2": 0.005,
    }
    assert {c: r.creep_constant for c, r in jjg596.FUNCTIONAL.items()} == {
        "0.2S": 900.0,
        "0.5S": 600.0,
        "1": 600.0,
        "2": 480.0,
    }
    for row in jjg596.FUNCTIONAL.values():
        assert row.verified is False
        assert "IEC 62053" in row.source and "not yet checked against JJG 596-2012" in row.source
        assert (row.starting_time_factor, row.creep_voltage, row.creep_max_pulses) == (1.2, 1.15, 1)


def test_test_times_by_hand() -> None:
    # class 1, Ib = 5 A, Imax = 60 A, C = 1200 imp/kWh, 220 V, one element
    starting, creep = jjg596.functional_tests(
        "1", voltage=220.0, basic_current=5.0, max_current=60.0, meter_constant=1200.0
    )
    # Ist = 0.02 A: one pulse per 60·1000/(1200·220·0.02) = 11.36 min; t = 1.2 × that = 13.64 min
    assert starting.current == pytest.approx(0.02) and starting.voltage == 220.0
    assert starting.seconds == pytest.approx(1.2 * 60_000 / (1200 * 220 * 0.02) * 60)
    assert starting.seconds / 60 == pytest.approx(13.636, abs=1e-3)
    # Δt = 600·10⁶/(1200·1·220·60) = 37.88 min at 115 % Un = 253 V, no current
    assert creep.voltage == pytest.approx(253.0) and creep.current == 0.0
    assert creep.seconds / 60 == pytest.approx(600e6 / (1200 * 220 * 60), rel=1e-12)
    assert (starting.label, creep.label) == ("起动 0.004Ib", "潜动 1.15Un")
    s02, c02 = jjg596.functional_tests(
        "0.2S", voltage=57.7, basic_current=1.5, max_current=6.0, meter_constant=20000.0, phases=3
    )
    assert s02.label == "起动 0.001In" and s02.current == pytest.approx(0.0015)
    assert c02.seconds / 60 == pytest.approx(900e6 / (20000 * 3 * 57.7 * 6.0), rel=1e-12)
    with pytest.raises(RecordValidationError, match="must be > 0"):
        jjg596.starting_time_s(0.0, 220.0, 0.02)
    with pytest.raises(RecordValidationError, match="class '3'"):
        jjg596.creep_time_s("3", 1200, 220, 60)


def test_decisions_at_the_limits() -> None:
    assert [jjg596.judge_functional("starting", n) for n in (0, 1, 5)] == ["fail", "pass", "pass"]
    assert [jjg596.judge_functional("creep", n) for n in (0, 1, 2)] == ["pass", "pass", "fail"]
    with pytest.raises(RecordValidationError, match="unknown functional test"):
        jjg596.judge_functional("warm-up", 0)
    with pytest.raises(RecordValidationError, match="negative"):
        jjg596.judge_functional("creep", -1)


def test_functional_rows_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "procedures" / "jjg596.md").read_text(
        encoding="utf-8"
    )
    for cls, row in jjg596.FUNCTIONAL.items():
        base = "In" if cls.endswith("S") else "Ib"
        line = f"| {cls} | {row.starting_current:g} {base} | {row.creep_constant:g} | "
        assert f"{line}{'V' if row.verified else 'U'} |" in text, line


def test_jjg596_doctests() -> None:
    result = doctest.testmod(jjg596)
    assert result.failed == 0 and result.attempted >= 6


# ---------------------------------------------------------------------- runs on pseudo-terminals
@contextmanager
def _bench(clock: ManualClock, **meter: float) -> Iterator[Bench]:
    dut = DLT645MeterSim(METER, clock=clock, rng=random.Random(7), error_percent=0.3, current=0.0)
    sim = MeterBenchSim(
        meter=dut,
        clock=clock,
        rng=random.Random(8),
        error_percent=0.3,
        noise_percent=0.01,
        settle_s=1.0,
        meter_constant=1200.0,
        start_threshold_a=meter.get("threshold", 0.0),
        creep_pulses_per_hour=meter.get("creep", 0.0),
    )
    with PtySimServer(dut, clock=clock) as m, PtySimServer(sim, clock=clock) as b:
        yield parse_bench(
            {
                "name": "meter bench (test)",
                "instruments": {
                    "bench": {"driver": "meter-bench", "port": b.path},
                    "dut": {"driver": "dlt645", "port": m.path, "address": METER},
                },
                "standards": {"bench": "DEMO-STD-0005"},
            }
        )


def _seed(engine: Engine) -> None:
    with make_session_factory(engine)() as s:
        seed_reference_data(session=s, as_of=TODAY)
        seed_family_references(session=s, as_of=TODAY)
        s.commit()


def _run(
    engine: Engine,
    bench: Bench,
    clock: ManualClock,
    *,
    params: Mapping[str, float] = PARAMS,
    resume: int | None = None,
    started: list[int] | None = None,
    progress: list[str] | None = None,
) -> RunOutcome:
    request = RunRequest(
        procedure="jjg596",
        bench=bench,
        dut_serial=METER,
        technician=TECHNICIAN,
        accuracy_class="1",
        params=params,
        environment={"ambient_temperature": 23.1, "relative_humidity": 52.0},
        resume=resume,
    )
    with open_instruments(bench, roles=tuple(bench.instruments), clock=clock) as instruments:
        return run_calibration(
            session_factory=make_session_factory(engine),
            request=request,
            instruments=instruments,
            clock=clock,
            today=TODAY,
            wall=_wall,
            progress=(progress.append if progress is not None else lambda _m: None),
            ask=lambda q, u, p: pytest.fail(f"nothing is typed in on this bench, asked {q}"),
            operator=lambda a, p: None,
            on_start=started.append if started is not None else None,
        )


def _functional(outcome: RunOutcome) -> dict[str, dict[str, Any]]:
    return {p["point"]: p for p in outcome.points[N_LOAD:]}


def test_a_good_meter_passes_starting_and_creep(engine: Engine) -> None:
    _seed(engine)
    clock = ManualClock()
    messages: list[str] = []
    with _bench(clock) as bench:
        outcome = _run(engine, bench, clock, progress=messages)
    assert outcome.decision == "pass"
    assert [p["point"] for p in outcome.points] == [
        *(lp.label for lp in jjg596.load_points("1")),
        "起动 0.004Ib",
        "潜动 1.15Un",
    ]
    start, creep = _functional(outcome).values()
    for p in (start, creep):  # the --json form: a count, no U, no k, no MPE
        assert p["error_unit"] == "imp" and p["expanded_uncertainty"] is None
        assert p["coverage_factor"] is None and p["mpe"] is None and p["decision"] == "pass"
        assert any("functional test" in f for f in p["flags"])
        assert any("not verified" in f for f in p["flags"])
    assert start["error"] == 1.0 and creep["error"] == 0.0
    assert any("counting the meter's pulses for up to 37.88 min" in m for m in messages)
    with make_session_factory(engine)() as s:
        cal = s.get(Calibration, outcome.calibration_id)
        assert cal is not None and cal.status == "measured"
        points = {p.seq: p for p in cal.points}
        sp, cp = points[N_LOAD + 1], points[N_LOAD + 2]
        assert sp.parameters["functional_test"] == "starting" and cp.parameters["functional_test"] == "creep"
        assert sp.parameters["observed_pulses"] == 1 and sp.parameters["required_pulses"] == 1
        assert sp.parameters["first_pulse_s"] <= sp.parameters["test_time_s"]
        assert sp.parameters["current_A"] == pytest.approx(0.02)
        assert cp.parameters["observed_pulses"] == 0 and cp.parameters["max_pulses"] == 1
        assert cp.parameters["counted_s"] == pytest.approx(cp.parameters["test_time_s"], rel=1e-5)
        assert cp.parameters["voltage_V"] == pytest.approx(253.0) and cp.parameters["current_A"] == 0.0
        assert cp.parameters["limit_verified"] is False and "IEC 62053-21" in cp.parameters["limit_source"]
        quantities = Counter(
            (r.point_seq, r.quantity) for r in cal.readings if r.point_seq and r.point_seq > N_LOAD
        )
        assert quantities == {
            (N_LOAD + 1, "count_time"): 1,
            (N_LOAD + 1, "first_pulse_time"): 1,
            (N_LOAD + 1, "dut_pulses"): 1,
            (N_LOAD + 2, "count_time"): 1,
            (N_LOAD + 2, "dut_pulses"): 1,
        }
        assert all(r.frames for r in cal.readings)
        assert cal.readings[-1].quantity == "register_energy_after"
        assert point_json(cp)["expanded_uncertainty"] is None


def test_a_meter_that_does_not_start_fails(engine: Engine) -> None:
    _seed(engine)
    clock = ManualClock()
    with _bench(clock, threshold=0.05) as bench:  # Ist = 0.02 A; it registers from 0.05 A only
        outcome = _run(engine, bench, clock)
    start, creep = _functional(outcome).values()
    assert start["decision"] == "fail" and start["error"] == 0.0
    assert creep["decision"] == "pass"
    assert all(p["decision"] == "pass" for p in outcome.points[:N_LOAD])  # 0.05 Ib = 0.25 A registers
    assert outcome.decision == "fail"


def test_a_creeping_meter_fails(engine: Engine) -> None:
    _seed(engine)
    clock = ManualClock()
    with _bench(clock, creep=10.0) as bench:  # 10 pulses an hour with voltage and no current
        t0 = clock.now()
        outcome = _run(engine, bench, clock)
    start, creep = _functional(outcome).values()
    assert start["decision"] == "pass"
    assert creep["decision"] == "fail" and creep["error"] == 2.0  # stopped at the pulse that fails it
    assert outcome.decision == "fail"
    with make_session_factory(engine)() as s:
        cp = s.scalars(
            select(CalibrationPoint).where(
                CalibrationPoint.calibration_id == outcome.calibration_id, CalibrationPoint.seq == N_LOAD + 2
            )
        ).one()
        assert cp.parameters["counted_s"] < cp.parameters["test_time_s"]
    assert clock.now() - t0 > 0  # everything waited on the injected clock


def test_functional_tests_can_be_skipped(engine: Engine) -> None:
    _seed(engine)
    clock = ManualClock()
    messages: list[str] = []
    with _bench(clock, creep=10.0) as bench:
        outcome = _run(engine, bench, clock, params={**PARAMS, "creep": 0.0}, progress=messages)
        assert [p["point"] for p in outcome.points[N_LOAD:]] == ["起动 0.004Ib"]
        assert outcome.decision == "pass"  # the creeping meter was not tested for creep
        assert any("潜动 1.15Un: not requested, skipped" in m for m in messages)
        with pytest.raises(RecordValidationError, match="--param starting must be 1"):
            _run(engine, bench, clock, params={**PARAMS, "starting": 2.0})


def test_crash_in_the_functional_tests_then_resume(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Crash 1: the link drops during the creep count. Crash 2: after the creep count was stored, before its
    point. Each resume takes only what is missing: no reading lost, none taken twice."""
    _seed(engine)
    clock = ManualClock()
    factory = make_session_factory(engine)
    started: list[int] = []
    with _bench(clock) as bench:
        real_count = MeterBench.count_pulses
        calls = 0

        def count_then_unplug(self: MeterBench, seconds: float, **kw: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 2:  # the creep test
                raise LinkDown(f"meter bench on {self.link.port}: the port went away (cable unplugged)")
            return real_count(self, seconds, **kw)

        monkeypatch.setattr(MeterBench, "count_pulses", count_then_unplug)
        with pytest.raises(LinkDown):
            _run(engine, bench, clock, started=started)
        cid = started[0]
        with factory() as s:
            cal = s.get(Calibration, cid)
            assert cal is not None and cal.status == "running"
            assert sorted(p.seq for p in cal.points) == list(range(1, N_LOAD + 2))  # starting stored
            first_crash = {r.id: (r.seq, r.quantity, r.value) for r in cal.readings}
        monkeypatch.setattr(MeterBench, "count_pulses", real_count)

        real_store = RunContext.store_point

        def store_fails_for_creep(self: RunContext, **fields: Any) -> Any:
            if fields.get("seq") == N_LOAD + 2:
                raise LinkDown("the bench PC lost power before the creep point was stored")
            return real_store(self, **fields)

        monkeypatch.setattr(RunContext, "store_point", store_fails_for_creep)
        with pytest.raises(LinkDown):
            _run(engine, bench, clock, resume=cid)
        with factory() as s:
            cal = s.get(Calibration, cid)
            assert cal is not None
            second_crash = {r.id: (r.seq, r.quantity, r.value) for r in cal.readings}
        new = [v for i, v in second_crash.items() if i not in first_crash]
        assert [q for _, q, _ in new] == ["count_time", "dut_pulses"]  # the creep count, stored
        monkeypatch.setattr(RunContext, "store_point", real_store)

        messages: list[str] = []
        outcome = _run(engine, bench, clock, resume=cid, progress=messages)
    assert outcome.calibration_id == cid and outcome.decision == "pass"
    assert any("pulse count already stored, reused" in m for m in messages)
    assert any("起动 0.004Ib: already measured, skipped" in m for m in messages)
    with factory() as s:
        readings = list(
            s.scalars(select(RawReading).where(RawReading.calibration_id == cid).order_by(RawReading.seq))
        )
        after = {r.id: (r.seq, r.quantity, r.value) for r in readings}
        assert all(after[i] == v for i, v in second_crash.items())  # nothing lost or changed
        assert [r.seq for r in readings] == list(range(1, len(readings) + 1))  # no gap
        per_point = Counter((r.point_seq, r.quantity) for r in readings if r.point_seq is not None)
        assert per_point[(N_LOAD + 1, "dut_pulses")] == 1 and per_point[(N_LOAD + 2, "dut_pulses")] == 1
        assert per_point[(N_LOAD + 2, "count_time")] == 1  # the resumed run reused the stored count
        assert {n for (_, q), n in per_point.items() if q == "meter_error"} == {2}
        quantities = [r.quantity for r in readings if r.point_seq is None]
        # the register before (once, the run was fresh then), after: once per run that reached the end
        assert quantities == ["register_energy_before", "register_energy_after"]
        points = s.scalars(select(CalibrationPoint).where(CalibrationPoint.calibration_id == cid)).all()
        assert sorted(p.seq for p in points) == list(range(1, N_LOAD + 3))
