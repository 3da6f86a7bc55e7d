"""The generic orchestration of ``calib run``: from a bench and a device to a stored, decided calibration.

Order of work (nothing is written before every check has passed):

1. the procedure, its class and decision rule, and the bench's roles are checked;
2. the technician must be authorised for the procedure on the day (``records.assert_authorised``);
3. every standard named by the bench must be usable on the day (``traceability.assert_usable``): its
   certificate of the day gives U and k, the centre's CMC (``traceability.cmc_floor``) the floor of U;
4. the environmental conditions (typed in or asked for) are checked against the regulation's limits:
   outside them the run refuses to start, unless the technician overrides, in which case every point
   is flagged;
5. the device under test is registered if new, the calibration is created with its standards and
   conditions, and committed; then the procedure runs, committing every reading as it arrives;
6. the overall decision is combined from the points; an undetermined verification stays open (待定).

Resume (``resume=ID``) re-opens a calibration still ``running``: it keeps its device, class, rule,
standards and conditions, and the procedure skips the points stored and reuses the readings taken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from calib_service.benches import Bench
from calib_service.decision import DECISION_RULES, combine_decisions
from calib_service.errors import ConflictError, NotFoundError, RecordValidationError
from calib_service.models import Calibration, CalibrationPoint, Equipment, User
from calib_service.models.equipment import FAMILIES as EQUIPMENT_FAMILIES
from calib_service.procedures.registry import ProcedureEntry, lookup
from calib_service.procedures.run_support import Ask, Operator, RunSetup, StandardOnDay, Station
from calib_service.records import assert_authorised
from calib_service.runner import ProgressFn, RunContext
from calib_service.services.calibrations import (
    create_calibration,
    ensure_procedure,
    get_calibration,
    record_environment,
    use_standard,
)
from calib_service.services.equipment import register_equipment
from calib_service.traceability import assert_usable, cmc_floor
from instruments.clock import Clock

__all__ = ["RunOutcome", "RunRequest", "point_json", "prepare", "read_climate", "run_calibration"]


@dataclass(frozen=True)
class RunRequest:
    """What the technician asked for.

    Attributes:
        procedure: Procedure code or alias.
        bench: The bench.
        dut_serial: Serial of the device under test.
        technician: Username of the technician (types the manual entries, must be authorised).
        accuracy_class: Class (default: the device's, else the procedure's default).
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        points: Points chosen by the technician (comparison), or None.
        params: Device ratings and run parameters (``--param``), stored with a new device.
        environment: Conditions typed in, by quantity (regulation units).
        override_environment: Run outside the limits, flagging every point.
        resume: Id of a running calibration to continue.
        dut_description: Description of a new device.
        state: ``as_found`` or ``as_left``.
    """

    procedure: str
    bench: Bench
    dut_serial: str
    technician: str
    accuracy_class: str | None = None
    decision_rule: str = "jjf1094"
    points: tuple[float, ...] | None = None
    params: Mapping[str, float] = field(default_factory=dict)
    environment: Mapping[str, float] = field(default_factory=dict)
    override_environment: bool = False
    resume: int | None = None
    dut_description: str = ""
    state: str = "as_found"


@dataclass(frozen=True)
class RunOutcome:
    """The stored result.

    Attributes:
        calibration_id: Record id.
        number: Record number.
        procedure: Procedure code.
        decision: Overall decision (None for calibrations).
        status: Record status.
        points: The points in ``calib run --json`` form.
    """

    calibration_id: int
    number: str
    procedure: str
    decision: str | None
    status: str
    points: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """The ``calib run --json`` document."""
        return {
            "calibration_id": self.calibration_id,
            "number": self.number,
            "procedure": self.procedure,
            "decision": self.decision,
            "status": self.status,
            "points": self.points,
        }


def point_json(p: CalibrationPoint) -> dict[str, Any]:
    """One stored point in ``calib run --json`` form (``%`` for relative errors; checks have no U)."""
    check = bool(p.parameters.get("check"))
    unit = "%" if p.error_unit == "percent" else p.error_unit
    return {
        "point": p.label,
        "state": p.state,
        "reference": p.reference_value,
        "indication": p.indication,
        "error": p.error,
        "error_unit": unit,
        "mpe": p.mpe,
        "expanded_uncertainty": None if check else p.expanded_uncertainty,
        "coverage_factor": None if check else p.coverage_factor,
        "decision": p.decision,
        "flags": list(p.flags),
    }


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise RecordValidationError(
            f"unknown technician {username!r}; create the user first (calib users add)"
        )
    return user


def _standards(session: Session, bench: Bench, day: date) -> dict[str, tuple[Equipment, StandardOnDay, Any]]:
    out: dict[str, tuple[Equipment, StandardOnDay, Any]] = {}
    for role, serial in bench.standards.items():
        eq = session.scalars(
            select(Equipment).where(
                Equipment.serial == serial, Equipment.kind.in_(("standard", "reference_material"))
            )
        ).first()
        if eq is None:
            raise RecordValidationError(
                f"{bench.source}: standard {serial!r} (role {role}) is not registered; register it with its "
                "certificate (calib standards) or fix the serial"
            )
        cert = assert_usable(session=session, equipment=eq, day=day)
        floor = cmc_floor(session=session, equipment_id=eq.id, day=day)
        out[role] = (
            eq,
            StandardOnDay(
                role=role,
                equipment_id=eq.id,
                serial=eq.serial,
                description=eq.description,
                u=cert.expanded_uncertainty,
                k=cert.coverage_factor,
                unit=cert.uncertainty_unit,
                cmc=None if floor is None else floor[0],
                cmc_unit=None if floor is None else floor[1],
                specs=dict(eq.specs or {}),
            ),
            cert,
        )
    return out


def _ratings(entry: ProcedureEntry, dut: Equipment | None, params: Mapping[str, float]) -> dict[str, float]:
    """The device's stored ratings overridden by this run's parameters; refused if a required one is missing.

    Raises:
        RecordValidationError: a rating the procedure needs is neither stored with the device nor given.
    """
    stored = {} if dut is None else dict((dut.specs or {}).get("ratings", {}))
    stored.update({k: float(v) for k, v in params.items()})
    missing = entry.missing_ratings(stored)
    if missing:
        what = ", ".join(f"{m} ({entry.ratings.get(m, '')})" for m in missing)
        give = " ".join(f"--param {m}=VALUE" for m in missing)
        device = "the new device" if dut is None else f"device {dut.serial}"
        raise RecordValidationError(
            f"{entry.code} needs the device ratings {what}; none is stored with {device}: "
            f"give {give} (nothing was stored)"
        )
    return stored


@dataclass(frozen=True)
class _Prepared:
    entry: ProcedureEntry
    calibration_id: int
    setup: RunSetup


def _environment(entry: ProcedureEntry, given: Mapping[str, float], ask: Ask) -> dict[str, float]:
    conditions = {k: float(v) for k, v in given.items()}
    for quantity, unit, required in entry.environment_quantities():
        if required and quantity not in conditions:
            conditions[quantity] = float(ask(quantity, unit, f"environment: {quantity} ({unit})"))
    return conditions


def read_climate(bench: Bench, instruments: Mapping[str, Any]) -> dict[str, tuple[float, str]]:
    """Conditions measured by the bench's ``climate`` sensor, by quantity: (value, source).

    The sensor is any driver with ``read(register)`` (the generic Modbus driver); its bench entry maps
    the regulation's quantities to register names, e.g.
    ``climate: {driver: modbus, port: /dev/ttyUSB3, address: 7, map: {ambient_temperature: temperature}}``.

    Args:
        bench: The bench.
        instruments: Its open instruments.

    Returns:
        Measured conditions (empty without a serial climate sensor).

    Raises:
        RecordValidationError: the map is not a mapping of quantity to register name.
    """
    sensor = instruments.get("climate")
    spec = bench.instruments.get("climate")
    if sensor is None or spec is None:
        return {}
    mapping = spec.options.get("map", {})
    if not isinstance(mapping, Mapping):
        raise RecordValidationError(
            f"{bench.source}: instruments.climate.map must map quantities to registers"
        )
    out: dict[str, tuple[float, str]] = {}
    for quantity, register in mapping.items():
        reading = sensor.read(str(register))
        out[str(quantity)] = (float(reading.value), f"sensor {reading.source} ({register}, {reading.unit})")
    return out


def prepare(
    *,
    session: Session,
    request: RunRequest,
    today: date,
    wall: Callable[[], datetime],
    ask: Ask,
    sensed: Mapping[str, tuple[float, str]] | None = None,
) -> _Prepared:
    """Do every check and create (or re-open) the calibration; the caller commits.

    Args:
        session: Database session.
        request: The request.
        today: Local date of the calibration.
        wall: UTC clock of the record.
        ask: Asks for missing environmental conditions.
        sensed: Conditions measured by the bench's sensor (:func:`read_climate`): they take precedence
            over typed-in values.

    Returns:
        What the run needs.

    Raises:
        RecordValidationError: bad procedure, class, rule, bench roles, unknown standard or technician,
            or conditions outside the regulation's limits (without override).
        PermissionDenied: the technician is not authorised on the day.
        ConflictError: a standard may not be used, or the calibration to resume is not running.
    """
    entry = lookup(request.procedure)
    if request.decision_rule not in DECISION_RULES:
        raise RecordValidationError(
            f"unknown decision rule {request.decision_rule!r}; use one of {', '.join(DECISION_RULES)}"
        )
    entry.check_bench(request.bench)
    user = _user(session, request.technician)
    assert_authorised(session=session, user=user, procedure_code=entry.code, day=today)
    standards = _standards(session, request.bench, today)
    if request.resume is not None:
        cal = session.get(Calibration, request.resume)
        if cal is None:
            raise NotFoundError(f"calibration {request.resume} does not exist")
        if cal.procedure.code != entry.code:
            raise RecordValidationError(
                f"calibration {cal.number} is a {cal.procedure.code} record, not {entry.code}"
            )
        reopen = request.state == "as_left" and cal.status == "measured"
        if cal.status != "running" and not reopen:
            raise ConflictError(
                f"calibration {cal.number} is {cal.status}; only a running calibration resumes "
                "(or a measured one, to add as-left results after an adjustment)"
            )
        if reopen:
            cal.status = "running"
        dut = session.get(Equipment, cal.dut_id)
        params = {**(cal.run_parameters or {}), **{k: float(v) for k, v in request.params.items()}}
        ratings = _ratings(entry, dut, params)
        if params != (cal.run_parameters or {}):
            cal.run_parameters = params
        conditions = {e.quantity: e.value for e in cal.environment}
        problems = entry.check_environment(conditions)
        setup = RunSetup(
            procedure=entry.code,
            accuracy_class=cal.accuracy_class,
            decision_rule=cal.decision_rule,
            ratings=ratings,
            points=request.points,
            standards={role: s for role, (_, s, _) in standards.items()},
            technician=user,
            flags=tuple(f"environment: {p}" for p in problems),
            state=request.state,
            conditions=conditions,
        )
        return _Prepared(entry, cal.id, setup)
    dut = session.scalars(
        select(Equipment).where(Equipment.serial == request.dut_serial, Equipment.kind == "dut")
    ).first()
    ratings = _ratings(entry, dut, request.params)
    cls = request.accuracy_class or (dut.accuracy_class if dut is not None else None) or entry.default_class
    if entry.classes and cls not in entry.classes:
        raise RecordValidationError(
            f"class {cls!r} is not covered by {entry.code}; use one of {', '.join(entry.classes)}"
        )
    sensed = dict(sensed or {})
    typed = {k: v for k, v in request.environment.items() if k not in sensed}
    conditions = _environment(entry, {**typed, **{k: v for k, (v, _) in sensed.items()}}, ask)
    problems = entry.check_environment(conditions)
    if problems and not request.override_environment:
        raise RecordValidationError(
            f"{entry.code}: conditions outside the regulation's limits, not started: {'; '.join(problems)} "
            "(fix the conditions, or run with --override-environment to flag every point)"
        )
    if dut is None:
        dut = register_equipment(
            session=session,
            kind="dut",
            family=str(entry.module.FAMILY) if entry.module.FAMILY in EQUIPMENT_FAMILIES else "other",
            description=request.dut_description or f"{entry.module.TITLE_EN} under test",
            serial=request.dut_serial,
            accuracy_class=cls,
            specs={"ratings": entry.device_ratings(request.params)},
        )
    proc = ensure_procedure(
        session=session,
        code=entry.code,
        title_zh=str(entry.module.TITLE_ZH),
        title_en=str(entry.module.TITLE_EN),
        kind=entry.kind,
        family=str(entry.module.FAMILY),
        data_version=str(entry.module.DATA_VERSION),
    )
    cal = create_calibration(
        session=session,
        procedure=proc,
        dut=dut,
        started_at=wall(),
        technician=user,
        bench=request.bench.name[:100],
        accuracy_class=cls if entry.classes else None,
        decision_rule=request.decision_rule,
    )
    cal.run_parameters = {k: float(v) for k, v in request.params.items()}
    for role, (eq, _, cert) in standards.items():
        use_standard(session=session, calibration=cal, equipment=eq, certificate=cert, role=role)
    for quantity, value in conditions.items():
        unit = next((u for q, u, _ in entry.environment_quantities() if q == quantity), "")
        record_environment(
            session=session,
            calibration=cal,
            quantity=quantity,
            value=value,
            unit="percent" if unit == "%" else unit,
            taken_at=wall(),
            source=(sensed[quantity][1] if quantity in sensed else f"manual ({user.username})")[:100],
        )
    setup = RunSetup(
        procedure=entry.code,
        accuracy_class=cls if entry.classes else None,
        decision_rule=request.decision_rule,
        ratings=ratings,
        points=request.points,
        standards={role: s for role, (_, s, _) in standards.items()},
        technician=user,
        flags=tuple(f"environment: {p}" for p in problems),
        state=request.state,
        conditions=conditions,
    )
    return _Prepared(entry, cal.id, setup)


def _finish(session: Session, calibration_id: int, wall: Callable[[], datetime]) -> RunOutcome:
    cal = get_calibration(session=session, calibration_id=calibration_id)
    decision = combine_decisions([p.decision for p in cal.points])
    cal.decision = decision
    cal.status = "measured"
    cal.finished_at = wall()
    if decision == "undetermined":
        note = (
            "待定 undetermined: not certified; re-measure with a smaller U or the approver closes it with a "
            "documented decision"
        )
        cal.notes = f"{cal.notes}\n{note}".strip()
    session.flush()
    points = sorted(cal.points, key=lambda p: (p.state != "as_found", p.seq))
    return RunOutcome(
        cal.id, cal.number, cal.procedure.code, decision, cal.status, [point_json(p) for p in points]
    )


def run_calibration(
    *,
    session_factory: sessionmaker[Session],
    request: RunRequest,
    instruments: Mapping[str, Any],
    clock: Clock,
    today: date,
    wall: Callable[[], datetime],
    progress: ProgressFn,
    ask: Ask,
    operator: Operator,
    on_start: Callable[[int], None] | None = None,
) -> RunOutcome:
    """Check, create (or resume), run and finish one calibration.

    Args:
        session_factory: Opens the short sessions the run commits in.
        request: What to run.
        instruments: The bench's open instruments by role (``benches.open_instruments``).
        clock: The run clock (scaled in tests and the demo).
        today: Local date of the calibration (certificates, authorisation).
        wall: UTC clock stamped on records.
        progress: One line per step.
        ask: Typed-in readings and conditions.
        operator: The technician's physical steps.
        on_start: Called with the calibration id once it is committed (before the first reading).

    Returns:
        The stored outcome.
    """
    with session_factory() as session:
        sensed = {} if request.resume is not None else read_climate(request.bench, instruments)
        prepared = prepare(session=session, request=request, today=today, wall=wall, ask=ask, sensed=sensed)
        session.commit()
        number = session.get(Calibration, prepared.calibration_id).number  # type: ignore[union-attr]
    verb = "resumed" if request.resume is not None else "started"
    progress(f"calibration {number} {verb} ({prepared.entry.code}, rule {prepared.setup.decision_rule})")
    if on_start is not None:
        on_start(prepared.calibration_id)
    ctx = RunContext(
        session_factory=session_factory,
        calibration_id=prepared.calibration_id,
        clock=clock,
        progress=progress,
        wall=wall,
    )
    station = Station(ctx=ctx, instruments=instruments, ask=ask, operator=operator, setup=prepared.setup)
    prepared.entry.run(station)
    with session_factory() as session:
        outcome = _finish(session, prepared.calibration_id, wall)
        session.commit()
    progress(
        f"calibration {outcome.number}: {outcome.decision or 'calibrated'} ({len(outcome.points)} points)"
    )
    return outcome
