"""JJG 635 interference test through the run service, on pseudo-terminal simulators.

The demo's CO2 bench (``demo_families``: analyser +1.9 % gain, +4 ppm offset, MFC dilution pair) gets
interferent cylinders as standards, seeded here like the demo's CO2 cylinder (reference materials with a
certificate and a CMC); the simulated analyser gets a known cross-sensitivity. Worked by hand, R = 2000
ppm: 0.02 ppm CO2 per ppm CO × 1000 ppm CO = 20 ppm shown = +1.00 % FS (pass, ±2 % FS); 0.06 × 1000 =
60 ppm = +3.00 % FS (fail); 5 ppm per % H2O × 2 % = 10 ppm = +0.50 % FS (pass, ±2 % FS placeholder of
class 2). The zero offset cancels in the difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from calib_service.benches import Bench, open_instruments, parse_bench
from calib_service.db import make_session_factory
from calib_service.demo_families import FAMILIES, TECHNICIAN, SimulatedBench, simulated_bench
from calib_service.demo_family_data import seed_family_references
from calib_service.errors import RecordValidationError
from calib_service.models import CalibrationPoint, Equipment, RawReading
from calib_service.procedures.registry import lookup
from calib_service.run_service import RunOutcome, RunRequest, run_calibration
from calib_service.services.equipment import register_equipment
from calib_service.services.standards import add_certificate, register_standard
from instruments.clock import ManualClock
from instruments.sim.co2_analyser import Co2AnalyserSim

TODAY = date(2026, 12, 2)
SPAN = 2000.0
FAST = {"t90_window_s": 100.0, "sample_s": 4.0}
CYLINDERS = {"CO": ("TEST-CYL-CO-1000", 1000.0, "ppm"), "H2O": ("TEST-HUM-H2O-2", 2.0, "percent")}


def _wall() -> datetime:
    return datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _seed(factory: sessionmaker[Session]) -> None:
    """The demo's standards and technician, and the interferent cylinders (reference materials)."""
    with factory() as s:
        seed_family_references(session=s, as_of=TODAY)
        crm = register_standard(
            session=s,
            name="interferent gas reference materials GBW(E) (TEST)",
            holder="中国计量科学研究院 (NIM)",
            level="reference_material",
            external=True,
            crm_number="GBW(E)-TEST-0002",
        )
        for gas, (serial, value, unit) in CYLINDERS.items():
            if s.scalars(select(Equipment).where(Equipment.serial == serial)).first() is not None:
                continue
            eq = register_equipment(
                session=s,
                kind="reference_material",
                family="co2",
                description=f"{gas} interferent cylinder (test)",
                serial=serial,
                specs={"certified_value": [value, unit]},
            )
            register_standard(
                session=s,
                name=f"{gas} interferent cylinder standard (test)",
                holder="(test centre)",
                equipment=[eq],
                cmc_uncertainty=2.0,
                cmc_unit="percent",
                assessment_certificate_no=f"TEST-{serial}",
                assessment_valid_until=TODAY + timedelta(days=1000),
            )
            add_certificate(
                session=s,
                equipment=eq,
                number=f"TEST-CERT-{serial}",
                issuing_lab="中国计量科学研究院 (NIM)",
                calibration_date=TODAY - timedelta(days=60),
                due_date=TODAY + timedelta(days=300),
                expanded_uncertainty=2.0,
                uncertainty_unit="percent",
                coverage_factor=2.0,
                upstream=crm,
                upstream_text=crm.name,
            )
        s.commit()


class Crash(RuntimeError):
    """The bench PC dies when the technician connects a given interferent."""


def _operator(sb: SimulatedBench, applied: list[Mapping[str, Any]], crash_on: set[str]) -> Any:
    analyser: Co2AnalyserSim = sb.sims["analyser"]

    def operator(action: str, p: Mapping[str, Any]) -> None:
        if action == "gas" and p["gas"] == "interferent":
            applied.append(dict(p))
            if p["species"] in crash_on:
                crash_on.discard(p["species"])
                raise Crash(f"crash while connecting {p['species']}")
            analyser.apply_gas(0.0, {str(p["species"]): float(p["cylinder"])})
        else:
            sb.operator(action, p)

    return operator


def _run(
    factory: sessionmaker[Session],
    sb: SimulatedBench,
    bench: Bench,
    clock: ManualClock,
    dut: str,
    operator: Any,
    resume: int | None = None,
    params: Mapping[str, float] | None = None,
    on_start: Any = None,
) -> RunOutcome:
    case = FAMILIES["co2"]
    with open_instruments(bench, roles=tuple(bench.instruments), clock=clock) as instruments:
        request = RunRequest(
            procedure="jjg635",
            bench=bench,
            dut_serial=dut,
            technician=TECHNICIAN,
            accuracy_class="2",
            decision_rule="guard",
            params={**case.params, **FAST, **(params or {})},
            environment=case.environment,
            resume=resume,
        )
        return run_calibration(
            session_factory=factory,
            request=request,
            instruments=instruments,
            clock=clock,
            today=TODAY,
            wall=_wall,
            progress=lambda m: None,
            ask=sb.ask,
            operator=operator,
            on_start=on_start,
        )


def _points(factory: sessionmaker[Session], cid: int) -> dict[str, CalibrationPoint]:
    with factory() as s:
        points = s.scalars(select(CalibrationPoint).where(CalibrationPoint.calibration_id == cid)).all()
        s.expunge_all()
    assert len({p.seq for p in points}) == len(points)
    return {p.label: p for p in points}


def _readings(factory: sessionmaker[Session], cid: int, seq: int) -> list[RawReading]:
    with factory() as s:
        rows = list(
            s.scalars(
                select(RawReading)
                .where(RawReading.calibration_id == cid, RawReading.point_seq == seq)
                .order_by(RawReading.seq)
            )
        )
        s.expunge_all()
    return rows


def test_interference_pass_and_fail_recover_the_injected_cross_sensitivity(engine: Engine) -> None:
    factory = make_session_factory(engine)
    _seed(factory)
    clock = ManualClock()
    case = FAMILIES["co2"]

    # 1. +1 % FS from CO and +0.5 % FS from H2O (pass); the bench PC crashes when H2O is connected
    with simulated_bench(case, clock=clock) as sb:
        sb.sims["analyser"].cross_sensitivity = {"CO": 0.02, "H2O": 5.0}
        bench = replace(
            sb.bench,
            standards={
                **sb.bench.standards,
                "interferent_H2O": CYLINDERS["H2O"][0],
                "interferent_CO": CYLINDERS["CO"][0],
            },
        )
        applied: list[Mapping[str, Any]] = []
        operator = _operator(sb, applied, crash_on={"H2O"})
        started: list[int] = []
        with pytest.raises(Crash):
            _run(factory, sb, bench, clock, "TEST-NDIR-XS-1", operator, on_start=started.append)
        cid = started[0]
        before = _points(factory, cid)
        # points 1-3 indication, 4 repeatability, 5 T90, 6-7 drift, 8 CO; H2O (9) interrupted
        assert before["interference_CO"].seq == 8 and "interference_H2O" not in before
        co_readings = _readings(factory, cid, 8)
        h2o_abandoned = _readings(factory, cid, 9)
        assert sorted(r.quantity for r in h2o_abandoned) == ["zero.1", "zero.2", "zero.3"]
        outcome = _run(factory, sb, bench, clock, "TEST-NDIR-XS-1", operator, resume=cid)
    points = _points(factory, cid)
    assert set(before) <= set(points) and len(points) == 9
    # the CO point and its readings are kept as they were; H2O's zero readings were taken again with it
    assert points["interference_CO"].error == before["interference_CO"].error
    assert [r.id for r in _readings(factory, cid, 8)] == [r.id for r in co_readings] and len(co_readings) == 6
    h2o = _readings(factory, cid, 9)
    assert [r.id for r in h2o[:3]] == [r.id for r in h2o_abandoned]
    assert sorted(r.quantity for r in h2o[3:]) == sorted(
        [f"zero.{i}" for i in (1, 2, 3)] + [f"interferent.{i}" for i in (1, 2, 3)]
    )
    new = {r.quantity: r.value for r in h2o[3:]}
    by_hand = (
        (sum(new[f"interferent.{i}"] for i in (1, 2, 3)) - sum(new[f"zero.{i}"] for i in (1, 2, 3)))
        / 3
        / SPAN
        * 100.0
    )
    assert points["interference_H2O"].error == pytest.approx(by_hand, abs=1e-9)
    for label, expected, limit, verified in (
        ("interference_CO", 1.0, 2.0, True),
        ("interference_H2O", 0.5, 2.0, False),
    ):
        p = points[label]
        assert p.error == pytest.approx(expected, abs=0.01), label  # 0.2 ppm: display 0.1 ppm, noise
        assert p.error_unit == "% FS" and p.mpe == limit and p.decision == "pass", label
        assert p.parameters["check"] is True and p.parameters["limit_verified"] is verified
    assert points["interference_CO"].parameters | {"check": True} == {
        "check": True,
        "limit_verified": True,
        "species": "CO",
        "concentration": 1000.0,
        "concentration_unit": "ppm",
        "standard": "TEST-CYL-CO-1000",
    }
    assert points["interference_H2O"].parameters["concentration_unit"] == "percent"
    # the operator was told what to apply: CO once, H2O twice (crash, then again on resume)
    assert [(a["species"], a["cylinder"], a["unit"]) for a in applied] == [
        ("CO", 1000.0, "ppm"),
        ("H2O", 2.0, "percent"),
        ("H2O", 2.0, "percent"),
    ]
    assert outcome.decision == "undetermined"  # the span point of the demo analyser (guard band), as before

    # 2. +3 % FS from CO: fails (±2 % FS, verified limit), so the verification fails
    with simulated_bench(case, clock=clock) as sb:
        sb.sims["analyser"].cross_sensitivity = {"CO": 0.06}
        bench = replace(sb.bench, standards={**sb.bench.standards, "interferent_CO": CYLINDERS["CO"][0]})
        outcome = _run(
            factory, sb, bench, clock, "TEST-NDIR-XS-3", _operator(sb, [], set()), params={"drift_hours": 0}
        )
    points = _points(factory, outcome.calibration_id)
    p = points["interference_CO"]
    assert p.seq == 8  # the interference points keep their numbers when the drift test is skipped
    assert "zero_drift" not in points
    assert p.error == pytest.approx(3.0, abs=0.01) and p.mpe == 2.0 and p.decision == "fail"
    assert outcome.decision == "fail"
    row = next(pt for pt in outcome.points if pt["point"] == "interference_CO")
    assert row["error_unit"] == "% FS" and row["expanded_uncertainty"] is None


def test_standards_roles_of_jjg635() -> None:
    def bench(standards: dict[str, str]) -> Bench:
        return parse_bench(
            {
                "name": "b",
                "instruments": {"analyser": {"driver": "manual"}},
                "standards": {"cylinder": "X", **standards},
            },
            source="b.yaml",
        )

    entry = lookup("jjg635")
    entry.check_bench(bench({"interferent_CO": "Y", "interferent_H2O": "Z", "zero_gas": "W"}))
    for role, message in (
        ("interferant_CO", "not used by JJG 635-2011"),
        ("cylindre", "not used by JJG 635-2011"),
        ("interferent_", "must be a formula"),
        ("interferent_C O", "must be a formula"),
        ("interferent_CO2", "CO2 is the gas the analyser measures"),
    ):
        with pytest.raises(RecordValidationError, match=message) as err:
            entry.check_bench(bench({role: "Y"}))
        assert "b.yaml" in str(err.value) and role in str(err.value)
    # the other procedures: a standard serves in a bench position or in a declared standards role


def _bench_with_standards(standards: dict[str, str]) -> Bench:
    return parse_bench(
        {
            "name": "c",
            "instruments": {"standard": {"driver": "manual"}, "dut": {"driver": "manual"}},
            "standards": standards,
        },
        source="c.yaml",
    )


def test_standards_roles_of_the_other_procedures() -> None:
    lookup("comparison").check_bench(_bench_with_standards({"standard": "S", "climate": "T"}))
    for role in ("interferent_CO", "standrad", "dut"):
        with pytest.raises(RecordValidationError, match="is not used by JJF") as err:
            lookup("comparison").check_bench(_bench_with_standards({role: "S"}))
        assert "c.yaml" in str(err.value) and "standard, climate" in str(err.value)
    cems = parse_bench(
        {
            "name": "e",
            "instruments": {"analyser": {"driver": "manual"}},
            "standards": {"cylinder": "X", "zero_gas": "Z"},
        },
        source="e.yaml",
    )
    lookup("cems_co2").check_bench(cems)
