"""Calibration records: creation, raw readings (append-only), point results and queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from calib_service.decision import DECISION_RULES
from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.models import (
    Calibration,
    CalibrationPoint,
    CalibrationStandard,
    Customer,
    EnvironmentRecord,
    Equipment,
    Procedure,
    RawReading,
    StandardCertificate,
    User,
)

__all__ = [
    "append_reading",
    "count_calibrations",
    "create_calibration",
    "ensure_procedure",
    "get_calibration",
    "list_calibrations",
    "readings_of",
    "record_environment",
    "store_point",
    "use_standard",
]


def ensure_procedure(
    *, session: Session, code: str, title_zh: str, title_en: str, kind: str, family: str, data_version: str
) -> Procedure:
    """The procedure row for ``code``, created or brought to ``data_version``."""
    proc = session.scalars(select(Procedure).where(Procedure.code == code)).first()
    if proc is None:
        proc = Procedure(code=code, title_zh=title_zh, title_en=title_en, kind=kind, family=family)
        session.add(proc)
    proc.data_version = data_version
    session.flush()
    return proc


def create_calibration(
    *,
    session: Session,
    procedure: Procedure,
    dut: Equipment,
    started_at: datetime,
    customer: Customer | None = None,
    technician: User | None = None,
    bench: str = "",
    accuracy_class: str | None = None,
    decision_rule: str = "jjf1094",
) -> Calibration:
    """Open a calibration record in state ``running`` with a unique number ``CAL-YYYY-NNNNNN``.

    Raises:
        RecordValidationError: unknown decision rule, or a device under test that is not a ``dut``.
    """
    if decision_rule not in DECISION_RULES:
        raise RecordValidationError(
            f"unknown decision rule {decision_rule!r}; use one of {', '.join(DECISION_RULES)}"
        )
    if dut.kind != "dut":
        raise RecordValidationError(f"equipment {dut.id} is a {dut.kind}, not a device under test")
    cal = Calibration(
        number=f"tmp-{uuid.uuid4().hex}",
        procedure_id=procedure.id,
        dut_id=dut.id,
        customer_id=None if customer is None else customer.id,
        technician_id=None if technician is None else technician.id,
        bench=bench,
        accuracy_class=accuracy_class,
        decision_rule=decision_rule,
        status="running",
        started_at=started_at,
    )
    session.add(cal)
    session.flush()
    cal.number = f"CAL-{started_at.year}-{cal.id:06d}"
    session.flush()
    return cal


def use_standard(
    *,
    session: Session,
    calibration: Calibration,
    equipment: Equipment,
    certificate: StandardCertificate | None,
    role: str,
) -> CalibrationStandard:
    """Record that ``equipment`` (with the certificate valid on the day) served in ``calibration``."""
    link = CalibrationStandard(
        calibration_id=calibration.id,
        equipment_id=equipment.id,
        certificate_id=None if certificate is None else certificate.id,
        role=role,
    )
    session.add(link)
    session.flush()
    return link


def record_environment(
    *,
    session: Session,
    calibration: Calibration,
    quantity: str,
    value: float,
    unit: str,
    taken_at: datetime,
    source: str = "manual",
) -> EnvironmentRecord:
    """Record one environmental condition of a calibration."""
    rec = EnvironmentRecord(
        calibration_id=calibration.id,
        quantity=quantity,
        value=value,
        unit=unit,
        source=source,
        taken_at=taken_at,
    )
    session.add(rec)
    session.flush()
    return rec


def append_reading(
    *,
    session: Session,
    calibration_id: int,
    quantity: str,
    value: float,
    unit: str,
    taken_at: datetime,
    point_seq: int | None = None,
    state: str = "as_found",
    source: str = "serial",
    instrument: str = "",
    frames: Sequence[dict[str, Any]] = (),
    entered_by: User | None = None,
) -> RawReading:
    """Append one raw reading with the next sequence number of its calibration (never edited later).

    Raises:
        RecordValidationError: a manual reading without the person who typed it, or an unknown source.
    """
    if source not in ("serial", "manual"):
        raise RecordValidationError(f"reading source must be 'serial' or 'manual', got {source!r}")
    if source == "manual" and entered_by is None:
        raise RecordValidationError(f"manual reading of {quantity} has no author; record who typed it")
    last = session.scalar(select(func.max(RawReading.seq)).where(RawReading.calibration_id == calibration_id))
    reading = RawReading(
        calibration_id=calibration_id,
        seq=(last or 0) + 1,
        point_seq=point_seq,
        state=state,
        quantity=quantity,
        value=value,
        unit=unit,
        taken_at=taken_at,
        source=source,
        instrument=instrument,
        frames=list(frames),
        entered_by_id=None if entered_by is None else entered_by.id,
    )
    session.add(reading)
    session.flush()
    return reading


def store_point(*, session: Session, calibration_id: int, **fields: Any) -> CalibrationPoint:
    """Store the result of one point (fields as in :class:`CalibrationPoint`)."""
    point = CalibrationPoint(calibration_id=calibration_id, **fields)
    session.add(point)
    session.flush()
    return point


def get_calibration(*, session: Session, calibration_id: int) -> Calibration:
    """One calibration with its points, readings, environment and standards loaded."""
    cal = session.scalars(
        select(Calibration)
        .where(Calibration.id == calibration_id)
        .options(
            selectinload(Calibration.points),
            selectinload(Calibration.readings),
            selectinload(Calibration.environment),
            selectinload(Calibration.standards),
            selectinload(Calibration.procedure),
            selectinload(Calibration.dut),
        )
    ).first()
    if cal is None:
        raise NotFoundError(f"calibration {calibration_id} does not exist")
    return cal


def readings_of(*, session: Session, calibration_id: int) -> list[RawReading]:
    """The raw readings of a calibration in arrival order."""
    return list(
        session.scalars(
            select(RawReading).where(RawReading.calibration_id == calibration_id).order_by(RawReading.seq)
        )
    )


def list_calibrations(
    *, session: Session, status: str | None = None, offset: int = 0, limit: int = 50
) -> list[Calibration]:
    """Calibrations in creation order, optionally of one status."""
    stmt = (
        select(Calibration)
        .options(selectinload(Calibration.procedure), selectinload(Calibration.dut))
        .order_by(Calibration.id)
    )
    if status is not None:
        stmt = stmt.where(Calibration.status == status)
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def count_calibrations(*, session: Session, status: str | None = None) -> int:
    """How many calibrations :func:`list_calibrations` would page through."""
    stmt = select(func.count()).select_from(Calibration)
    if status is not None:
        stmt = stmt.where(Calibration.status == status)
    return int(session.scalar(stmt) or 0)
