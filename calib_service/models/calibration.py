"""Procedures, calibrations, their per-point results, raw readings and environmental conditions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calib_service.models.base import Base, UTCDateTime, utcnow
from calib_service.models.equipment import Equipment

__all__ = [
    "CALIBRATION_STATUSES",
    "Calibration",
    "CalibrationPoint",
    "CalibrationStandard",
    "EnvironmentRecord",
    "Procedure",
    "RawReading",
]

#: Workflow states of a calibration record.
CALIBRATION_STATUSES: tuple[str, ...] = (
    "draft",
    "running",
    "measured",
    "reviewed",
    "approved",
    "issued",
)


class Procedure(Base):
    """A verification regulation (JJG) or calibration specification (JJF) the centre works to."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # verification | calibration
    family: Mapped[str] = mapped_column(String(30))
    data_version: Mapped[str] = mapped_column(String(40), default="1")


class Calibration(Base):
    """One calibration or verification of one device under test.

    ``version`` is the optimistic-locking counter: a stale update raises instead of overwriting.
    """

    __tablename__ = "calibration"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    dut_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), default=None)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    bench: Mapped[str] = mapped_column(String(100), default="")
    accuracy_class: Mapped[str | None] = mapped_column(String(30), default=None)
    decision_rule: Mapped[str] = mapped_column(String(30), default="jjf1094")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    decision: Mapped[str | None] = mapped_column(String(20), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # records (issue 7): job intake, four-eyes workflow, revisions and certificate reissue
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"), default=None)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revision_of_id: Mapped[int | None] = mapped_column(ForeignKey("calibration.id"), default=None)
    revision_reason: Mapped[str] = mapped_column(Text, default="")
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    certificate_number: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    replaces_certificate: Mapped[str | None] = mapped_column(String(80), default=None)
    #: Every ``--param`` the run was given (device ratings and run parameters such as repeats, test
    #: volume or a skipped test), so the record says how it was run and a resumed run continues alike.
    run_parameters: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)

    procedure: Mapped[Procedure] = relationship()
    dut: Mapped[Equipment] = relationship()
    points: Mapped[list[CalibrationPoint]] = relationship(
        back_populates="calibration", order_by="CalibrationPoint.seq"
    )
    readings: Mapped[list[RawReading]] = relationship(order_by="RawReading.seq")
    environment: Mapped[list[EnvironmentRecord]] = relationship(order_by="EnvironmentRecord.id")
    standards: Mapped[list[CalibrationStandard]] = relationship(order_by="CalibrationStandard.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CalibrationStandard(Base):
    """A piece of standard equipment used in a calibration, with the certificate valid on the day."""

    __tablename__ = "calibration_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibration.id"))
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("standard_certificate.id"), default=None)
    role: Mapped[str] = mapped_column(String(60), default="")


class CalibrationPoint(Base):
    """The result at one test point: reference, indication, error, MPE, U, k and decision.

    ``budget`` is the uncertainty engine's versioned archive of the point's budget (full precision);
    ``state`` is ``as_found`` or ``as_left`` (ISO/IEC 17025 7.8.4).
    """

    __tablename__ = "calibration_point"
    __table_args__ = (
        UniqueConstraint("calibration_id", "state", "seq", name="uq_point_calibration_state_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibration.id"))
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="as_found")
    label: Mapped[str] = mapped_column(String(100))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reference_value: Mapped[float | None] = mapped_column(Double, default=None)
    reference_unit: Mapped[str] = mapped_column(String(40), default="")
    indication: Mapped[float | None] = mapped_column(Double, default=None)
    indication_unit: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[float] = mapped_column(Double)
    error_unit: Mapped[str] = mapped_column(String(40))
    mpe: Mapped[float | None] = mapped_column(Double, default=None)
    expanded_uncertainty: Mapped[float] = mapped_column(Double)
    coverage_factor: Mapped[float] = mapped_column(Double)
    dof_eff: Mapped[float | None] = mapped_column(Double, default=None)
    decision: Mapped[str | None] = mapped_column(String(20), default=None)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    calibration: Mapped[Calibration] = relationship(back_populates="points")


class RawReading(Base):
    """One raw reading as it arrived, never edited: value, unit, time, source and raw frames.

    ``source`` is ``serial`` or ``manual``; a manual entry records who typed it (``entered_by_id``).
    ``frames`` holds the raw exchange as ``[{"dir": "tx"|"rx", "hex": ..., "t": ...}]``.
    """

    __tablename__ = "raw_reading"
    __table_args__ = (UniqueConstraint("calibration_id", "seq", name="uq_reading_calibration_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibration.id"))
    seq: Mapped[int] = mapped_column(Integer)
    point_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    state: Mapped[str] = mapped_column(String(20), default="as_found")
    quantity: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String(40))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20), default="serial")
    instrument: Mapped[str] = mapped_column(String(200), default="")
    frames: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EnvironmentRecord(Base):
    """An environmental condition recorded for a calibration (temperature, humidity, …)."""

    __tablename__ = "environment_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibration.id"))
    quantity: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(100), default="manual")
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
