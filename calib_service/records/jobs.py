"""Job intake (ISO/IEC 17025 7.1 review of requests, 7.4 handling of items): a customer request with the
items received, their condition on receipt, the service asked for, the agreed due date and decision rule.
Calibrations hang off a job item; the annual on-time rate is measured against the job's due date.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from calib_service.decision import DECISION_RULES
from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.models import Calibration, Customer, Equipment, Job, JobItem, Procedure, User
from calib_service.records.permissions import require
from calib_service.services.calibrations import create_calibration
from calib_service.services.equipment import get_or_create_customer, register_equipment

__all__ = ["ItemReceived", "count_jobs", "create_job", "get_job", "list_jobs", "open_calibration"]


@dataclass(frozen=True)
class ItemReceived:
    """One item as received: what it is and its condition on receipt."""

    family: str
    description: str
    serial: str
    condition_on_receipt: str
    manufacturer: str = ""
    model: str = ""
    accuracy_class: str | None = None
    accessories: str = ""


def create_job(
    *,
    session: Session,
    actor: User,
    customer_name: str,
    service_requested: str,
    received_at: datetime,
    agreed_due_date: date,
    items: list[ItemReceived],
    decision_rule: str = "jjf1094",
    notes: str = "",
    calibration_interval_months: int | None = None,
) -> Job:
    """Register a customer request and the items received with it (numbered ``JOB-YYYY-NNNNNN``).

    Raises:
        PermissionDenied: ``actor`` may not take in jobs (technician or manager).
        RecordValidationError: no items, empty service or condition, unknown decision rule, a due date
            before receipt, or an item that is registered as a standard.
    """
    require(actor, "job.write")
    if not items:
        raise RecordValidationError("a job needs at least one item received")
    if not service_requested.strip():
        raise RecordValidationError("service requested is empty; say what the customer asked for")
    if decision_rule not in DECISION_RULES:
        raise RecordValidationError(
            f"unknown decision rule {decision_rule!r}; "
            f"agree one of {', '.join(DECISION_RULES)} with the customer"
        )
    if calibration_interval_months is not None and not 1 <= calibration_interval_months <= 120:
        raise RecordValidationError(
            f"calibration interval of {calibration_interval_months} months asked for; give 1 to 120 months"
        )
    if agreed_due_date < received_at.date():
        raise RecordValidationError(
            f"agreed due date {agreed_due_date} is before receipt {received_at.date()}"
        )
    customer: Customer = get_or_create_customer(session=session, name=customer_name)
    job = Job(
        number=f"tmp-{uuid.uuid4().hex}",
        customer_id=customer.id,
        service_requested=service_requested.strip(),
        received_at=received_at,
        agreed_due_date=agreed_due_date,
        decision_rule=decision_rule,
        calibration_interval_months=calibration_interval_months,
        notes=notes,
        created_by_id=actor.id,
    )
    session.add(job)
    session.flush()
    job.number = f"JOB-{received_at.year}-{job.id:06d}"
    for seq, item in enumerate(items, start=1):
        if not item.condition_on_receipt.strip():
            raise RecordValidationError(
                f"item {seq} ({item.serial}): condition on receipt is empty; record what was seen on receipt"
            )
        equipment: Equipment = register_equipment(
            session=session,
            kind="dut",
            family=item.family,
            description=item.description,
            serial=item.serial,
            manufacturer=item.manufacturer,
            model=item.model,
            accuracy_class=item.accuracy_class,
            owner=customer,
        )
        session.add(
            JobItem(
                job_id=job.id,
                seq=seq,
                equipment_id=equipment.id,
                condition_on_receipt=item.condition_on_receipt.strip(),
                accessories=item.accessories,
            )
        )
    session.flush()
    return job


def get_job(*, session: Session, job_id: int) -> Job:
    """One job with its items.

    Raises:
        NotFoundError: no such job.
    """
    job = session.scalars(select(Job).where(Job.id == job_id).options(selectinload(Job.items))).first()
    if job is None:
        raise NotFoundError(f"job {job_id} does not exist")
    return job


def list_jobs(*, session: Session, offset: int = 0, limit: int = 50) -> list[Job]:
    """Jobs in intake order."""
    return list(
        session.scalars(
            select(Job).options(selectinload(Job.items)).order_by(Job.id).offset(offset).limit(limit)
        )
    )


def count_jobs(*, session: Session) -> int:
    """How many jobs exist."""
    return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def open_calibration(
    *,
    session: Session,
    actor: User,
    job_id: int,
    item_seq: int,
    procedure_code: str,
    now: datetime,
    technician: User | None = None,
    bench: str = "",
) -> Calibration:
    """Open a draft calibration of one job item under ``procedure_code``, with the job's decision rule.

    Raises:
        PermissionDenied: ``actor`` may not record calibrations or take in jobs.
        NotFoundError: no such job, item or procedure.
    """
    require(actor, "job.write")
    job = get_job(session=session, job_id=job_id)
    item = next((i for i in job.items if i.seq == item_seq), None)
    if item is None:
        raise NotFoundError(f"job {job.number} has no item {item_seq}")
    procedure = session.scalars(select(Procedure).where(Procedure.code == procedure_code)).first()
    if procedure is None:
        raise NotFoundError(
            f"procedure {procedure_code!r} is not loaded; use a code listed by the procedures"
        )
    dut = session.get(Equipment, item.equipment_id)
    assert dut is not None
    tech = technician if technician is not None else (actor if actor.has_role("technician") else None)
    cal = create_calibration(
        session=session,
        procedure=procedure,
        dut=dut,
        started_at=now,
        customer=session.get(Customer, job.customer_id),
        technician=tech,
        bench=bench,
        accuracy_class=dut.accuracy_class,
        decision_rule=job.decision_rule,
    )
    cal.status = "draft"
    cal.job_id = job.id
    session.flush()
    return cal
