"""Pydantic schemas of the traceability API (standards, certificates, checks, chains, impact, NCs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ActionCreate",
    "ActionPublic",
    "CentrePublic",
    "CertificateCreate",
    "CertificatePublic",
    "CheckCreate",
    "CheckPublic",
    "ControlChartPublic",
    "DueItemPublic",
    "ImpactPublic",
    "ImpactRowPublic",
    "NonconformityCreate",
    "NonconformityPublic",
    "StandardCreate",
    "StandardDetail",
    "StandardPublic",
    "TracePublic",
]


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class StandardCreate(BaseModel):
    """A measurement standard to register (the centre's, or an upstream laboratory's with ``external``)."""

    name: str = Field(min_length=1, max_length=300)
    level: str = "working"
    holder: str = ""
    quantity: str = ""
    equipment_ids: list[int] = Field(default_factory=list)
    assessment_certificate_no: str | None = None
    assessment_valid_until: date | None = None
    cmc_uncertainty: float | None = None
    cmc_unit: str | None = None
    cmc_k: float = 2.0
    range_low: float | None = None
    range_high: float | None = None
    range_unit: str | None = None
    external: bool = False
    crm_number: str | None = None


class StandardPublic(_Public):
    """A measurement standard."""

    id: int
    name: str
    level: str
    holder: str
    quantity: str
    status: str
    external: bool
    crm_number: str | None
    assessment_certificate_no: str | None
    assessment_valid_until: date | None
    cmc_uncertainty: float | None
    cmc_unit: str | None
    cmc_k: float
    range_low: float | None
    range_high: float | None
    range_unit: str | None
    equipment_ids: list[int]


class CertificateCreate(BaseModel):
    """An incoming certificate of one piece of the standard's equipment; the scan as base64 (optional)."""

    equipment_id: int
    number: str = Field(min_length=1, max_length=100)
    issuing_lab: str = Field(min_length=1, max_length=300)
    calibration_date: date
    due_date: date
    expanded_uncertainty: float = Field(ge=0)
    uncertainty_unit: str = Field(min_length=1)
    coverage_factor: float = Field(default=2.0, gt=0)
    quantity: str = ""
    correction: float | None = None
    correction_unit: str | None = None
    results: list[dict[str, Any]] = Field(default_factory=list)
    route: str = ""
    issued_on: date | None = None
    upstream_standard_id: int | None = None
    upstream_text: str = ""
    file_base64: str | None = None
    file_name: str | None = None


class CertificatePublic(_Public):
    """A certificate of standard equipment."""

    id: int
    equipment_id: int
    number: str
    issuing_lab: str
    calibration_date: date
    due_date: date
    issued_on: date | None
    quantity: str
    correction: float | None
    correction_unit: str | None
    expanded_uncertainty: float
    uncertainty_unit: str
    coverage_factor: float
    results: list[dict[str, Any]]
    route: str
    upstream_standard_id: int | None
    upstream_text: str
    file_sha256: str | None
    file_name: str | None


class StandardDetail(StandardPublic):
    """A standard with the certificates of its equipment (newest first)."""

    certificates: list[CertificatePublic]


class CheckCreate(BaseModel):
    """An intermediate check; ``equipment_id`` may be left out when the standard has one piece."""

    equipment_id: int | None = None
    point: str = Field(min_length=1, max_length=100)
    checked_on: date
    value: float
    unit: str = Field(min_length=1, max_length=40)
    reference_value: float | None = None
    reference_uncertainty: float | None = None
    performed_by: str = ""
    check_standard: str = ""
    notes: str = ""


class CheckPublic(_Public):
    """A recorded intermediate check with its control limits and verdict."""

    id: int
    equipment_id: int
    standard_id: int | None
    point: str
    checked_on: date
    value: float
    unit: str
    method: str
    reference_value: float | None
    reference_uncertainty: float | None
    center: float | None
    limit_low: float | None
    limit_high: float | None
    out_of_control: bool
    performed_by: str
    check_standard: str
    notes: str


class ControlChartPublic(BaseModel):
    """A control chart: every check of one point with its limits."""

    equipment_id: int
    equipment: str
    point: str
    unit: str
    method: str
    out_of_control: bool
    points: list[dict[str, Any]]


class DueItemPublic(BaseModel):
    """A certificate or assessment falling due (or overdue)."""

    kind: str
    status: str
    due_date: date | None
    days_left: int | None
    equipment_id: int | None
    equipment: str
    serial: str
    standard_id: int | None
    standard: str
    document: str


class TracePublic(BaseModel):
    """The traceability chain of one calibration (links form a tree through ``parent``)."""

    calibration_id: int
    number: str
    day: date
    dut: str
    customer: str | None
    complete: bool
    ok: bool
    tops: list[dict[str, Any]]
    links: list[dict[str, Any]]
    findings: list[dict[str, Any]]


class ImpactPublic(BaseModel):
    """Reverse traceability of a suspect standard over a window."""

    standard: dict[str, Any]
    since: date
    until: date | None
    max_depth: int
    calibration_count: int
    certificate_count: int
    customers: list[dict[str, Any]]
    items: list[dict[str, Any]]


class CentrePublic(BaseModel):
    """The centre's hierarchy of standards."""

    as_of: date
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class NonconformityCreate(BaseModel):
    """A standard found out of tolerance."""

    standard_id: int
    found_on: date
    description: str = Field(min_length=1)
    suspect_since: date | None = None
    raised_by: str = ""
    suspend: bool = True


class ActionCreate(BaseModel):
    """An action taken on a nonconformity."""

    action: str
    taken_on: date
    description: str = ""
    customer_id: int | None = None
    taken_by: str = ""


class ActionPublic(_Public):
    """A recorded action."""

    id: int
    action: str
    taken_on: date
    description: str
    customer_id: int | None
    taken_by: str
    created_at: datetime


class ImpactRowPublic(_Public):
    """An affected record stored with a nonconformity."""

    kind: str
    depth: int
    calibration_id: int | None
    certificate_id: int | None
    customer_id: int | None
    via: str


class NonconformityPublic(_Public):
    """A nonconformity with its impacts and actions."""

    id: int
    number: str
    standard_id: int | None
    equipment_id: int | None
    found_on: date
    suspect_since: date | None
    description: str
    raised_by: str
    status: str
    closed_on: date | None
    impacts: list[ImpactRowPublic]
    actions: list[ActionPublic]
