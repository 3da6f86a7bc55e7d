"""Records tables: API tokens, the hash-chained audit log, job intake, competence, transitions, attachments.

ISO/IEC 17025 7.1/7.4 (job intake: items, condition on receipt, agreed due date and decision rule),
6.2 (authorisation of staff per procedure), 7.5 (who did what and when), 7.11 (access control and
tamper evidence).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calib_service.models.base import Base, UTCDateTime, utcnow

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Authorisation",
    "CalibrationTransition",
    "Job",
    "JobItem",
]


class ApiToken(Base):
    """A bearer token of one user: only its sha256 is stored; revocable and always expiring."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuditEvent(Base):
    """One link of the append-only audit chain.

    ``hash`` = sha256 over the canonical JSON of (seq, prev_hash, occurred_at, actor, action, entity,
    entity_id, state_digest); ``state_digest`` = sha256 of the canonical JSON of ``state``.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(80), index=True)
    entity_id: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[Any] = mapped_column(JSON, nullable=True)
    state_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Job(Base):
    """A customer request (委托单): items received, service asked, agreed due date and decision rule."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    service_requested: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    agreed_due_date: Mapped[date] = mapped_column(Date)
    decision_rule: Mapped[str] = mapped_column(String(30), default="jjf1094")
    #: A recalibration interval the customer asked for (ISO/IEC 17025 7.8.4.3); a calibration certificate
    #: states an interval only then.
    calibration_interval_months: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[JobItem]] = relationship(back_populates="job", order_by="JobItem.seq")


class JobItem(Base):
    """One item received under a job, with its condition on receipt (ISO/IEC 17025 7.4.2)."""

    __tablename__ = "job_item"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_item_job_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    seq: Mapped[int] = mapped_column(Integer)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    condition_on_receipt: Mapped[str] = mapped_column(Text)
    accessories: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[Job] = relationship(back_populates="items")


class Authorisation(Base):
    """A person's authorisation to perform one procedure (持证上岗), valid from/until a date."""

    __tablename__ = "authorisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(60))
    certificate_no: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalibrationTransition(Base):
    """One workflow step of a calibration: from which state to which, by whom, when and why."""

    __tablename__ = "calibration_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibration.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class Attachment(Base):
    """A file (scan, raw export) stored content-addressed by its sha256, linked to one record."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
