"""The checks ``calib run`` makes before it starts, and what it stores when it does.

Nothing is created when a check fails: environment outside the regulation's limits (unless overridden,
then every point is flagged), an unauthorised technician, an unknown or unusable standard, a class the
regulation does not cover.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calib_service.benches import open_instruments, parse_bench
from calib_service.demo_families import TECHNICIAN, seed_family_references
from calib_service.errors import ConflictError, PermissionDenied, RecordValidationError
from calib_service.models import Calibration, Equipment, User
from calib_service.run_service import RunRequest, prepare, read_climate
from instruments.clock import ManualClock
from instruments.sim.modbus import ModbusSlaveSim
from instruments.sim.pty import PtySimServer

TODAY = date(2026, 12, 2)
ENV = {
    "ambient_temperature": 21.0,
    "relative_humidity": 55.0,
    "atmospheric_pressure": 100.8,
    "water_temperature": 18.4,
}
BENCH = parse_bench(
    {
        "name": "water bench (typed in)",
        "instruments": {"dut": {"driver": "manual"}, "balance": {"driver": "manual"}},
        "standards": {"balance": "DEMO-BAL-3T"},
    }
)


def _wall() -> datetime:
    return datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


def _no_input(quantity: str, unit: str, prompt: str) -> float:
    raise AssertionError(f"unexpected question {quantity}")


def _request(**kw: object) -> RunRequest:
    base: dict[str, object] = {
        "procedure": "jjg162",
        "bench": BENCH,
        "dut_serial": "WM-77",
        "technician": TECHNICIAN,
        "accuracy_class": "2",
        "params": {"q3": 2.5, "ratio": 100.0},
        "environment": ENV,
    }
    base.update(kw)
    return RunRequest(**base)  # type: ignore[arg-type]


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Calibration)) or 0)


@pytest.fixture
def seeded(session: Session) -> Session:
    seed_family_references(session=session, as_of=TODAY)
    session.flush()
    return session


def test_creates_the_record_with_standards_conditions_and_device(seeded: Session) -> None:
    prepared = prepare(session=seeded, request=_request(), today=TODAY, wall=_wall, ask=_no_input)
    cal = seeded.get(Calibration, prepared.calibration_id)
    assert cal is not None and cal.status == "running" and cal.decision_rule == "jjf1094"
    assert cal.bench == "water bench (typed in)" and cal.accuracy_class == "2"
    assert {e.quantity: e.value for e in cal.environment} == ENV
    (link,) = cal.standards
    assert link.role == "balance" and link.certificate_id is not None
    std = prepared.setup.standards["balance"]
    assert (std.u, std.k, std.unit, std.cmc, std.cmc_unit) == (0.1, 2.0, "kg", 0.1, "percent")
    dut = seeded.scalars(select(Equipment).where(Equipment.serial == "WM-77")).one()
    assert dut.kind == "dut" and dut.family == "water" and dut.specs["ratings"] == {"q3": 2.5, "ratio": 100.0}
    # the next calibration of the same meter takes its ratings from the record
    again = prepare(session=seeded, request=_request(params={}), today=TODAY, wall=_wall, ask=_no_input)
    assert again.setup.ratings == {"q3": 2.5, "ratio": 100.0}
    assert seeded.scalar(select(func.count()).select_from(Equipment).where(Equipment.serial == "WM-77")) == 1


def test_environment_outside_limits_refuses_or_flags(seeded: Session) -> None:
    hot = {**ENV, "ambient_temperature": 27.5}
    with pytest.raises(
        RecordValidationError, match=r"not started: ambient_temperature = 27.5 degC is above 25 degC"
    ):
        prepare(session=seeded, request=_request(environment=hot), today=TODAY, wall=_wall, ask=_no_input)
    assert _count(seeded) == 0
    prepared = prepare(
        session=seeded,
        request=_request(environment=hot, override_environment=True),
        today=TODAY,
        wall=_wall,
        ask=_no_input,
    )
    assert any("ambient_temperature = 27.5" in f for f in prepared.setup.flags)

    _missing_conditions_are_asked_for(seeded)


def _missing_conditions_are_asked_for(seeded: Session) -> None:
    asked: list[str] = []

    def ask(quantity: str, unit: str, prompt: str) -> float:
        asked.append(quantity)
        return ENV[quantity]

    env = {k: v for k, v in ENV.items() if k != "water_temperature"}
    prepare(session=seeded, request=_request(environment=env), today=TODAY, wall=_wall, ask=ask)
    assert asked == ["water_temperature"]


def test_unauthorised_technician_or_unusable_standard(seeded: Session) -> None:
    seeded.add(User(username="new.tech", full_name="新人", roles="technician"))
    seeded.flush()
    with pytest.raises(PermissionDenied, match="not authorised for JJG 162-2019"):
        prepare(
            session=seeded, request=_request(technician="new.tech"), today=TODAY, wall=_wall, ask=_no_input
        )
    with pytest.raises(RecordValidationError, match="unknown technician 'nobody'"):
        prepare(session=seeded, request=_request(technician="nobody"), today=TODAY, wall=_wall, ask=_no_input)
    assert _count(seeded) == 0
    _unknown_or_expired_standard(seeded)


def _unknown_or_expired_standard(seeded: Session) -> None:
    bench = parse_bench(
        {
            "name": "b",
            "instruments": {"dut": {"driver": "manual"}, "balance": {"driver": "manual"}},
            "standards": {"balance": "NO-SUCH-BALANCE"},
        }
    )
    with pytest.raises(
        RecordValidationError, match=r"standard 'NO-SUCH-BALANCE' \(role balance\) is not registered"
    ):
        prepare(session=seeded, request=_request(bench=bench), today=TODAY, wall=_wall, ask=_no_input)
    later = TODAY + timedelta(days=400)  # the demo certificates are due 300 days after TODAY
    with pytest.raises(
        RecordValidationError, match=r"serial DEMO-BAL-3T\) has no valid certificate on 2028-01-06"
    ):
        prepare(session=seeded, request=_request(), today=later, wall=_wall, ask=_no_input)
    assert _count(seeded) == 0


def test_class_rule_and_resume_checks(seeded: Session) -> None:
    with pytest.raises(
        RecordValidationError, match="class '3' is not covered by JJG 162-2019; use one of 1, 2"
    ):
        prepare(session=seeded, request=_request(accuracy_class="3"), today=TODAY, wall=_wall, ask=_no_input)
    with pytest.raises(RecordValidationError, match="unknown decision rule 'strict'"):
        prepare(
            session=seeded, request=_request(decision_rule="strict"), today=TODAY, wall=_wall, ask=_no_input
        )
    cid = prepare(session=seeded, request=_request(), today=TODAY, wall=_wall, ask=_no_input).calibration_id
    resumed = prepare(
        session=seeded, request=_request(resume=cid, params={}), today=TODAY, wall=_wall, ask=_no_input
    )
    assert resumed.calibration_id == cid and resumed.setup.conditions == ENV
    cal = seeded.get(Calibration, cid)
    assert cal is not None
    cal.status = "reviewed"
    seeded.flush()
    with pytest.raises(ConflictError, match="only a running calibration resumes"):
        prepare(session=seeded, request=_request(resume=cid), today=TODAY, wall=_wall, ask=_no_input)
    other = parse_bench(
        {"name": "b", "instruments": {"standard": {"driver": "manual"}, "dut": {"driver": "manual"}}}
    )
    with pytest.raises(RecordValidationError, match="is a JJG 162-2019 record, not JJF"):
        prepare(
            session=seeded,
            request=_request(procedure="comparison", bench=other, resume=cid),
            today=TODAY,
            wall=_wall,
            ask=_no_input,
        )


def test_conditions_from_the_bench_sensor(seeded: Session) -> None:
    clock = ManualClock()
    sim = ModbusSlaveSim(7, temperature=22.5, clock=clock)
    with PtySimServer(sim) as srv:
        bench = parse_bench(
            {
                "name": "water bench with a climate transmitter",
                "instruments": {
                    "dut": {"driver": "manual"},
                    "balance": {"driver": "manual"},
                    "climate": {
                        "driver": "modbus",
                        "port": srv.path,
                        "address": 7,
                        "map": {"ambient_temperature": "temperature"},
                    },
                },
                "standards": {"balance": "DEMO-BAL-3T"},
            }
        )
        with open_instruments(bench, roles=tuple(bench.instruments), clock=clock) as instruments:
            sensed = read_climate(bench, instruments)
    assert sensed["ambient_temperature"][0] == pytest.approx(22.5)
    typed = {**ENV, "ambient_temperature": 30.0}  # the sensor wins over a typed-in value
    prepared = prepare(
        session=seeded,
        request=_request(bench=bench, environment=typed),
        today=TODAY,
        wall=_wall,
        ask=_no_input,
        sensed=sensed,
    )
    cal = seeded.get(Calibration, prepared.calibration_id)
    assert cal is not None
    env = {e.quantity: e for e in cal.environment}
    assert env["ambient_temperature"].value == pytest.approx(22.5)
    assert env["ambient_temperature"].source.startswith("sensor modbus:7@")
    assert env["relative_humidity"].source == f"manual ({TECHNICIAN})"
