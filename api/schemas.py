"""Pydantic schemas of the HTTP API (``<Thing>Public`` for responses; ORM objects are never returned)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CalibrationDetail",
    "CalibrationPublic",
    "EnvironmentPublic",
    "EquipmentPublic",
    "Health",
    "Page",
    "PointPublic",
    "ReadingPublic",
    "StandardUsedPublic",
]

T = TypeVar("T")


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Health(BaseModel):
    """Liveness and schema state."""

    status: str
    version: str
    database: str
    schema_revision: str | None


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items`` from ``offset``, ``total`` in all."""

    items: list[T]
    total: int
    offset: int
    limit: int


class EquipmentPublic(_Public):
    """An item of equipment."""

    id: int
    kind: str
    family: str
    description: str
    manufacturer: str
    model: str
    serial: str
    accuracy_class: str | None
    specs: dict[str, Any]
    created_at: datetime


class PointPublic(_Public):
    """The result at one test point; ``budget`` is the stored uncertainty archive."""

    seq: int
    state: str
    label: str
    parameters: dict[str, Any]
    reference_value: float | None
    reference_unit: str
    indication: float | None
    indication_unit: str
    error: float
    error_unit: str
    mpe: float | None
    expanded_uncertainty: float
    coverage_factor: float
    dof_eff: float | None
    decision: str | None
    flags: list[str]
    budget: dict[str, Any]


class ReadingPublic(_Public):
    """One raw reading as it arrived."""

    seq: int
    point_seq: int | None
    state: str
    quantity: str
    value: float
    unit: str
    taken_at: datetime
    source: str
    instrument: str
    frames: list[dict[str, Any]]
    entered_by_id: int | None


class EnvironmentPublic(_Public):
    """An environmental condition of a calibration."""

    quantity: str
    value: float
    unit: str
    source: str
    taken_at: datetime


class StandardUsedPublic(_Public):
    """Standard equipment used, with the certificate valid on the day."""

    equipment_id: int
    certificate_id: int | None
    role: str


class CalibrationPublic(BaseModel):
    """A calibration in a list."""

    id: int
    number: str
    procedure: str
    dut_id: int
    dut_serial: str
    accuracy_class: str | None
    decision_rule: str
    status: str
    decision: str | None
    started_at: datetime | None
    finished_at: datetime | None


class CalibrationDetail(CalibrationPublic):
    """A calibration with its points, readings, environment and standards."""

    run_parameters: dict[str, float]
    points: list[PointPublic]
    readings: list[ReadingPublic]
    environment: list[EnvironmentPublic]
    standards: list[StandardUsedPublic]
