"""Pydantic schemas of the records routes (users, tokens, jobs, workflow, audit, attachments, search)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AttachmentCreate",
    "AttachmentPublic",
    "AuditEventPublic",
    "AuditVerifyPublic",
    "AuthorisationCreate",
    "AuthorisationPublic",
    "CalibrationOpen",
    "CalibrationRecordPublic",
    "JobCreate",
    "JobItemCreate",
    "JobItemPublic",
    "JobPublic",
    "LoginRequest",
    "RecordRow",
    "RevisionCreate",
    "TokenCreate",
    "TokenIssued",
    "TokenPublic",
    "TransitionCreate",
    "TransitionPublic",
    "UserCreate",
    "UserPublic",
]

Role = Literal["technician", "reviewer", "approver", "manager", "auditor", "admin"]
Status = Literal["draft", "running", "measured", "reviewed", "approved", "issued"]
Rule = Literal["jjf1094", "simple", "guard"]
Family = Literal[
    "electricity", "water", "gas", "heat", "flow", "co2", "cems", "temperature", "mass", "electrical", "other"
]
Name = Field(min_length=1, max_length=200)


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(_In):
    """Username and password; the reply carries a bearer token (the password is never logged)."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    days: float = Field(default=1.0, gt=0, le=30, allow_inf_nan=False, description="token validity in days")


class TokenIssued(BaseModel):
    """A new token: ``token`` is shown this once only."""

    token: str
    token_id: int
    expires_at: datetime
    username: str
    roles: list[str]


class TokenCreate(_In):
    """Validity and a label for a token issued by an admin or to oneself."""

    days: float = Field(default=30.0, gt=0, le=366, allow_inf_nan=False)
    name: str = Field(default="", max_length=100)


class TokenPublic(_Public):
    """A token's metadata (never its secret)."""

    id: int
    user_id: int
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class UserCreate(_In):
    """A new user: roles from technician, reviewer, approver, manager, auditor, admin."""

    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    roles: list[Role] = Field(min_length=1, max_length=6)
    full_name: str = Field(default="", max_length=200)
    password: str | None = Field(default=None, min_length=10, max_length=200)


class UserPublic(_Public):
    """A user (never the password hash)."""

    id: int
    username: str
    full_name: str
    roles: str
    active: bool
    created_at: datetime


class AuthorisationCreate(_In):
    """Authorise a technician for one procedure over a validity period (持证上岗)."""

    procedure_code: str = Field(min_length=1, max_length=60)
    valid_from: date
    valid_until: date
    certificate_no: str = Field(default="", max_length=100)


class AuthorisationPublic(_Public):
    """An authorisation."""

    id: int
    user_id: int
    procedure_code: str
    certificate_no: str
    valid_from: date
    valid_until: date
    granted_by_id: int | None
    revoked_at: datetime | None


class JobItemCreate(_In):
    """An item received: identity and condition on receipt."""

    family: Family
    description: str = Name
    serial: str = Field(min_length=1, max_length=100)
    condition_on_receipt: str = Field(min_length=1, max_length=2000)
    manufacturer: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=200)
    accuracy_class: str | None = Field(default=None, max_length=30)
    accessories: str = Field(default="", max_length=2000)


class JobCreate(_In):
    """A customer request (ISO/IEC 17025 7.1): service, agreed due date and decision rule, items received."""

    customer: str = Name
    service_requested: str = Field(min_length=1, max_length=2000)
    received_at: datetime
    agreed_due_date: date
    decision_rule: Rule = "jjf1094"
    calibration_interval_months: int | None = Field(
        default=None, ge=1, le=120, description="a recalibration interval the customer asked for"
    )
    items: list[JobItemCreate] = Field(min_length=1, max_length=200)
    notes: str = Field(default="", max_length=4000)


class JobItemPublic(_Public):
    """An item of a job."""

    seq: int
    equipment_id: int
    condition_on_receipt: str
    accessories: str


class JobPublic(_Public):
    """A job with its items."""

    id: int
    number: str
    customer_id: int
    service_requested: str
    received_at: datetime
    agreed_due_date: date
    decision_rule: str
    calibration_interval_months: int | None
    status: str
    notes: str
    created_by_id: int | None
    created_at: datetime
    items: list[JobItemPublic]


class CalibrationOpen(_In):
    """Open a draft calibration of a job item under a procedure."""

    procedure_code: str = Field(min_length=1, max_length=60)
    technician_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    bench: str = Field(default="", max_length=100)


class CalibrationRecordPublic(_Public):
    """A calibration's record state: workflow, who and when, revision and certificate."""

    id: int
    number: str
    status: str
    version: int
    job_id: int | None
    technician_id: int | None
    measured_at: datetime | None
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    approved_by_id: int | None
    approved_at: datetime | None
    issued_by_id: int | None
    issued_at: datetime | None
    certificate_number: str | None
    replaces_certificate: str | None
    revision: int
    revision_of_id: int | None
    revision_reason: str
    revised_by_id: int | None


class TransitionCreate(_In):
    """A workflow step; ``expected_version`` guards against saving over someone else's change."""

    to_status: Status
    note: str = Field(default="", max_length=2000)
    expected_version: int | None = Field(default=None, ge=1, le=2_147_483_647)


class TransitionPublic(_Public):
    """A recorded workflow step."""

    id: int
    from_status: str
    to_status: str
    actor_id: int
    at: datetime
    note: str


class RevisionCreate(_In):
    """Why an approved record is being corrected (ISO/IEC 17025 7.5.2)."""

    reason: str = Field(min_length=1, max_length=2000)


class RecordRow(BaseModel):
    """One calibration as found by the inspector search."""

    id: int
    number: str
    revision: int
    revision_of_id: int | None
    status: str
    decision: str | None
    procedure: str
    customer: str | None
    job: str | None
    dut_id: int
    dut_serial: str
    dut_description: str
    technician: str | None
    reviewer: str | None
    approver: str | None
    started_at: datetime | None
    finished_at: datetime | None
    approved_at: datetime | None
    certificate_number: str | None
    replaces_certificate: str | None
    standards: list[str]


class AuditEventPublic(_Public):
    """One link of the audit chain."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    state: Any
    state_digest: str
    prev_hash: str
    hash: str


class AuditVerifyPublic(BaseModel):
    """Result of recomputing the audit chain."""

    ok: bool
    events: int
    head: dict[str, Any]
    anchor: dict[str, Any] | None
    rows_checked: int
    first_broken_seq: int | None
    summary: str
    problems: list[dict[str, Any]]


class AttachmentCreate(_In):
    """A file to attach, base64-encoded (at most 20 MiB decoded)."""

    entity: Literal["calibration", "job"]
    entity_id: int = Field(ge=1, le=2_147_483_647)
    filename: str = Field(min_length=1, max_length=255)
    media_type: str = Field(default="application/octet-stream", max_length=100)
    content_base64: str = Field(min_length=1, max_length=28_000_000)


class AttachmentPublic(_Public):
    """An attachment's metadata; GET /attachments/{id} returns the content after checking its sha256."""

    id: int
    sha256: str
    filename: str
    media_type: str
    size: int
    entity: str
    entity_id: int
    uploaded_by_id: int
    created_at: datetime
