"""Task evidence of the carbon metrology centre: activities of the seven tasks, quality-system records,
annual plans (targets) and the outcomes of annual assessments.

``shared/domain/centre.md`` §3–§5. Metrics are never stored here: they are computed from these rows and
from the calibration records (``calib_service.evidence.metrics``). Task 0 is governance (the annual work
report and similar), tasks 1–7 are the seven tasks of the 《重庆市市级碳计量中心管理办法》.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Double, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calib_service.models.base import Base, UTCDateTime, utcnow

__all__ = [
    "ACTIVITY_TYPES",
    "ASSESSMENT_KINDS",
    "QUALITY_CATEGORIES",
    "ActivityAttachment",
    "AnnualTarget",
    "AssessmentRecord",
    "EvidenceActivity",
    "QualityRecord",
]

#: Activity type → the task it belongs to (0 = governance).
ACTIVITY_TYPES: dict[str, int] = {
    "needs_analysis": 1,
    "enterprise_survey": 1,
    "gap_closed": 1,
    "research_project": 2,
    "paper": 2,
    "patent": 2,
    "standard_built": 2,
    "specification": 2,
    "reference_material": 2,
    "national_standard": 2,
    "local_standard": 2,
    "data_service": 3,
    "data_product": 3,
    "management_service": 5,
    "supervision_review": 6,
    "supervision_report": 6,
    "training": 7,
    "outreach_event": 7,
    "registered_metrologist": 7,
    "annual_report": 0,
    "other": 0,
}

#: Quality-system record categories (ISO/IEC 17025 7.7.2, 7.9, 8.7, 8.8, 8.9).
QUALITY_CATEGORIES: tuple[str, ...] = (
    "proficiency_test",
    "complaint",
    "corrective_action",
    "internal_audit",
    "management_review",
)

#: Kinds of assessment outcome recorded per year.
ASSESSMENT_KINDS: tuple[str, ...] = ("annual", "acceptance", "re_review")


class EvidenceActivity(Base):
    """One activity under a task: a needs analysis, a project, a training session, an outreach event, …

    ``participants`` counts people (trainees, staff); ``count`` counts what the activity reached
    (enterprises surveyed, units reviewed, audience); ``client`` names the unit served, when there is one.
    """

    __tablename__ = "evidence_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[int] = mapped_column(Integer, index=True)
    activity_type: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    participants: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)
    client: Mapped[str] = mapped_column(String(200), default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    sector: Mapped[str] = mapped_column(String(60), default="")
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attachments: Mapped[list[ActivityAttachment]] = relationship(order_by="ActivityAttachment.id")


class ActivityAttachment(Base):
    """An evidence file of an activity, stored content-addressed by its SHA-256."""

    __tablename__ = "activity_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("evidence_activity.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(300), default="")


class QualityRecord(Base):
    """A quality-system record: proficiency test or comparison (能力验证/比对) with its result, complaint,
    corrective action, internal audit or management review.

    For a proficiency test ``result`` is ``satisfactory``, ``questionable`` or ``unsatisfactory`` and
    ``en_value`` the |En| (or z) score when one was given.
    """

    __tablename__ = "quality_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    recorded_on: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_en: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(String(30), default="")
    en_value: Mapped[float | None] = mapped_column(Double, default=None)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnnualTarget(Base):
    """A target of the annual plan (or of the construction task book 筹建任务书) for one metric."""

    __tablename__ = "annual_target"
    __table_args__ = (UniqueConstraint("year", "metric", name="uq_annual_target_year_metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(60))
    target: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(100), default="annual plan")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentRecord(Base):
    """The official outcome of one year's assessment (年度考核; or acceptance 验收 / re-review 复查).

    ``passed`` is the official verdict: the cumulative failed-year count (revocation at 3) counts these,
    never the self-assessment score.
    """

    __tablename__ = "assessment_record"
    __table_args__ = (UniqueConstraint("year", "kind", name="uq_assessment_record_year_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="annual")
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Double, default=None)
    rectification_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    decided_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
