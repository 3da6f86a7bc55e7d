"""Measurement standards (计量标准) and the certificates of their equipment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Double, ForeignKey, String, Table, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calib_service.models.base import Base, UTCDateTime, utcnow
from calib_service.models.equipment import Equipment

__all__ = ["STANDARD_LEVELS", "MeasurementStandard", "StandardCertificate", "standard_equipment"]

#: Level of a standard in the hierarchy (计量检定系统表): the chain is complete only at the top.
STANDARD_LEVELS: tuple[str, ...] = ("national_primary", "secondary", "working", "reference_material")

standard_equipment = Table(
    "measurement_standard_equipment",
    Base.metadata,
    Column("standard_id", ForeignKey("measurement_standard.id"), primary_key=True),
    Column("equipment_id", ForeignKey("equipment.id"), primary_key=True),
)


class MeasurementStandard(Base):
    """A measurement standard: the centre's own (with its assessment certificate) or an upstream one.

    The CMC (``cmc_uncertainty`` in ``cmc_unit``, at ``cmc_k``) is the floor of any uncertainty
    reported with it.
    """

    __tablename__ = "measurement_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    holder: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(30), default="working")
    assessment_certificate_no: Mapped[str | None] = mapped_column(String(100), default=None)
    assessment_valid_until: Mapped[date | None] = mapped_column(Date, default=None)
    quantity: Mapped[str] = mapped_column(String(100), default="")
    range_low: Mapped[float | None] = mapped_column(Double, default=None)
    range_high: Mapped[float | None] = mapped_column(Double, default=None)
    range_unit: Mapped[str | None] = mapped_column(String(40), default=None)
    cmc_uncertainty: Mapped[float | None] = mapped_column(Double, default=None)
    cmc_unit: Mapped[str | None] = mapped_column(String(40), default=None)
    cmc_k: Mapped[float] = mapped_column(Double, default=2.0)
    status: Mapped[str] = mapped_column(String(30), default="in_service")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Held by another laboratory (an upstream link): not on the centre's due list, no assessment check.
    external: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: For a certified reference material (level ``reference_material``): its number, e.g. GBW 08414.
    crm_number: Mapped[str | None] = mapped_column(String(100), default=None)

    equipment: Mapped[list[Equipment]] = relationship(secondary=standard_equipment)


class StandardCertificate(Base):
    """An incoming calibration or verification certificate of one piece of standard equipment.

    ``expanded_uncertainty`` is in ``uncertainty_unit`` at coverage factor ``coverage_factor``.
    ``upstream_standard_id`` names the issuing laboratory's standard, so chains reach the SI.
    """

    __tablename__ = "standard_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    number: Mapped[str] = mapped_column(String(100))
    issuing_lab: Mapped[str] = mapped_column(String(300))
    calibration_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[str] = mapped_column(String(100), default="")
    correction: Mapped[float | None] = mapped_column(Double, default=None)
    correction_unit: Mapped[str | None] = mapped_column(String(40), default=None)
    expanded_uncertainty: Mapped[float] = mapped_column(Double)
    uncertainty_unit: Mapped[str] = mapped_column(String(40))
    coverage_factor: Mapped[float] = mapped_column(Double, default=2.0)
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    upstream_standard_id: Mapped[int | None] = mapped_column(
        ForeignKey("measurement_standard.id"), default=None
    )
    upstream_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Date printed on the certificate as its issue date (the calibration date is the measurement's).
    issued_on: Mapped[date | None] = mapped_column(Date, default=None)
    #: Values or corrections at the calibrated points: ``[{"point", "value", "correction", "unit",
    #: "expanded_uncertainty", "uncertainty_unit", "coverage_factor"}]``.
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    #: How the link is recognised, e.g. "法定计量检定机构 (授权)", "CNAS/ILAC MRA", "CIPM MRA".
    route: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: Original file name of the scanned certificate stored under ``file_sha256``.
    file_name: Mapped[str | None] = mapped_column(String(300), default=None)

    equipment: Mapped[Equipment] = relationship()

    def valid_on(self, day: date) -> bool:
        """Whether the certificate covers ``day`` (from its calibration date to its due date)."""
        return self.calibration_date <= day <= self.due_date
