"""Traceability records: intermediate checks (期间核查) and nonconformities with their handling.

An intermediate check is stored with the control limits that applied when it was recorded and its
in/out-of-control flag, so the chart an auditor sees later is the one the technician saw. A
nonconformity keeps the impact list computed when it was raised (reverse traceability, ISO/IEC 17025
7.10) and an append-only list of actions taken.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calib_service.models.base import Base, UTCDateTime, utcnow

__all__ = [
    "CHECK_METHODS",
    "NONCONFORMITY_ACTIONS",
    "IntermediateCheck",
    "Nonconformity",
    "NonconformityAction",
    "NonconformityImpact",
]

#: How the limits of an intermediate check are set: against a reference value ± its U (e.g. the
#: certificate value), or statistically from earlier in-control checks (mean ± 3s).
CHECK_METHODS: tuple[str, ...] = ("reference", "statistical")

#: Actions recorded on a nonconformity (ISO/IEC 17025 7.10.1).
NONCONFORMITY_ACTIONS: tuple[str, ...] = (
    "evaluate",
    "halt_work",
    "withhold",
    "recall",
    "notify_customer",
    "recalibrate",
    "no_impact",
    "return_to_service",
    "close",
)


class IntermediateCheck(Base):
    """One intermediate check (期间核查) or stability reading of a piece of standard equipment.

    ``limit_low``/``limit_high`` are the control limits in force when the check was recorded (None while a
    statistical chart is still collecting its baseline); ``out_of_control`` is the verdict against them.
    """

    __tablename__ = "intermediate_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("measurement_standard.id"), default=None)
    point: Mapped[str] = mapped_column(String(100))
    checked_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(20), default="statistical")
    reference_value: Mapped[float | None] = mapped_column(Double, default=None)
    reference_uncertainty: Mapped[float | None] = mapped_column(Double, default=None)
    limit_low: Mapped[float | None] = mapped_column(Double, default=None)
    limit_high: Mapped[float | None] = mapped_column(Double, default=None)
    center: Mapped[float | None] = mapped_column(Double, default=None)
    out_of_control: Mapped[bool] = mapped_column(Boolean, default=False)
    performed_by: Mapped[str] = mapped_column(String(200), default="")
    check_standard: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Nonconformity(Base):
    """A nonconformity: typically a standard found out of tolerance, with its suspect window.

    ``suspect_since`` is the date of the standard's last good calibration; work done with it from then to
    ``found_on`` is under suspicion. ``status`` is ``open`` until a ``close`` action is recorded.
    """

    __tablename__ = "nonconformity"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("measurement_standard.id"), default=None)
    equipment_id: Mapped[int | None] = mapped_column(ForeignKey("equipment.id"), default=None)
    found_on: Mapped[date] = mapped_column(Date)
    suspect_since: Mapped[date | None] = mapped_column(Date, default=None)
    description: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    impacts: Mapped[list[NonconformityImpact]] = relationship(order_by="NonconformityImpact.id")
    actions: Mapped[list[NonconformityAction]] = relationship(order_by="NonconformityAction.id")


class NonconformityImpact(Base):
    """One affected record found by reverse traceability when the nonconformity was raised.

    ``kind`` is ``calibration`` (a result issued with the suspect standard, directly or through a chain)
    or ``certificate`` (a standard's certificate issued with it); ``depth`` 1 is direct use.
    """

    __tablename__ = "nonconformity_impact"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id"))
    kind: Mapped[str] = mapped_column(String(20))
    depth: Mapped[int] = mapped_column(Integer)
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("calibration.id"), default=None)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("standard_certificate.id"), default=None)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), default=None)
    via: Mapped[str] = mapped_column(Text, default="")


class NonconformityAction(Base):
    """An action taken on a nonconformity (append-only): evaluation, recall, customer notified, …"""

    __tablename__ = "nonconformity_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id"))
    action: Mapped[str] = mapped_column(String(30))
    taken_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), default=None)
    taken_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
