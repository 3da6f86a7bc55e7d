"""Recording task evidence: activities with attachments, quality-system records, annual targets and
official assessment outcomes. Services take ``session=`` and never commit.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from calib_service.errors import ConflictError, RecordValidationError
from calib_service.models import (
    ACTIVITY_TYPES,
    ASSESSMENT_KINDS,
    QUALITY_CATEGORIES,
    ActivityAttachment,
    AnnualTarget,
    AssessmentRecord,
    EvidenceActivity,
    QualityRecord,
)

__all__ = [
    "add_activity",
    "attach_file",
    "list_activities",
    "list_quality_records",
    "list_targets",
    "record_assessment",
    "record_quality",
    "set_target",
]


def add_activity(
    *,
    session: Session,
    activity_type: str,
    held_on: date,
    title: str,
    title_en: str = "",
    participants: int = 0,
    count: int = 0,
    client: str = "",
    outputs: str = "",
    sector: str = "",
    recorded_by: str = "",
    task: int | None = None,
) -> EvidenceActivity:
    """Record one activity; its task follows from its type (:data:`~calib_service.models.ACTIVITY_TYPES`).

    Raises:
        RecordValidationError: unknown type, a task that does not match the type, an empty title or a
            negative count.
    """
    if activity_type not in ACTIVITY_TYPES:
        raise RecordValidationError(
            f"unknown activity type {activity_type!r}; use one of {', '.join(sorted(ACTIVITY_TYPES))}"
        )
    expected = ACTIVITY_TYPES[activity_type]
    if task is not None and task != expected:
        raise RecordValidationError(
            f"activity type {activity_type!r} belongs to task {expected}, not task {task}"
        )
    if not title.strip():
        raise RecordValidationError("activity title is empty; say what was done")
    if participants < 0 or count < 0:
        raise RecordValidationError(
            f"activity {title!r}: participants {participants} and count {count} must be >= 0"
        )
    row = EvidenceActivity(
        task=expected,
        activity_type=activity_type,
        held_on=held_on,
        title=title.strip(),
        title_en=title_en.strip(),
        participants=participants,
        count=count,
        client=client.strip(),
        outputs=outputs,
        sector=sector,
        recorded_by=recorded_by,
    )
    session.add(row)
    session.flush()
    return row


def attach_file(
    *, session: Session, activity: EvidenceActivity, filename: str, content: bytes, description: str = ""
) -> ActivityAttachment:
    """Link an evidence file to an activity by its SHA-256 (store the bytes with ``traceability.store_file``).

    Raises:
        RecordValidationError: empty file or name.
    """
    if not content or not filename.strip():
        raise RecordValidationError(f"attachment {filename!r} is empty or unnamed; attach the evidence file")
    row = ActivityAttachment(
        activity_id=activity.id,
        filename=filename.strip(),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        description=description,
    )
    session.add(row)
    session.flush()
    return row


def list_activities(
    *, session: Session, year: int | None = None, task: int | None = None, as_of: date | None = None
) -> list[EvidenceActivity]:
    """Activities in date order, optionally of one year / task and up to ``as_of``."""
    stmt = select(EvidenceActivity).options(selectinload(EvidenceActivity.attachments))
    if year is not None:
        stmt = stmt.where(
            EvidenceActivity.held_on >= date(year, 1, 1), EvidenceActivity.held_on <= date(year, 12, 31)
        )
    if task is not None:
        stmt = stmt.where(EvidenceActivity.task == task)
    if as_of is not None:
        stmt = stmt.where(EvidenceActivity.held_on <= as_of)
    return list(session.scalars(stmt.order_by(EvidenceActivity.held_on, EvidenceActivity.id)))


def record_quality(
    *,
    session: Session,
    category: str,
    reference: str,
    recorded_on: date,
    description: str,
    outcome: str = "",
    description_en: str = "",
    outcome_en: str = "",
    result: str = "",
    en_value: float | None = None,
    closed_on: date | None = None,
) -> QualityRecord:
    """Record a quality-system item (proficiency test, complaint, corrective action, audit, review).

    Raises:
        RecordValidationError: unknown category, empty reference or description, closure before the record,
            a proficiency-test result that is not satisfactory/questionable/unsatisfactory.
        ConflictError: the reference is already used.
    """
    if category not in QUALITY_CATEGORIES:
        raise RecordValidationError(
            f"unknown category {category!r}; use one of {', '.join(QUALITY_CATEGORIES)}"
        )
    if not reference.strip() or not description.strip():
        raise RecordValidationError("a quality record needs a reference number and a description")
    if closed_on is not None and closed_on < recorded_on:
        raise RecordValidationError(
            f"{reference}: closed on {closed_on}, before it was recorded ({recorded_on})"
        )
    if category == "proficiency_test" and result not in ("satisfactory", "questionable", "unsatisfactory"):
        raise RecordValidationError(
            f"{reference}: proficiency-test result {result!r}; "
            "use satisfactory, questionable or unsatisfactory"
        )
    if session.scalars(select(QualityRecord).where(QualityRecord.reference == reference.strip())).first():
        raise ConflictError(f"quality record {reference!r} exists already; use another reference")
    row = QualityRecord(
        category=category,
        reference=reference.strip(),
        recorded_on=recorded_on,
        description=description.strip(),
        description_en=description_en,
        outcome=outcome,
        outcome_en=outcome_en,
        result=result,
        en_value=en_value,
        closed_on=closed_on,
    )
    session.add(row)
    session.flush()
    return row


def list_quality_records(*, session: Session, year: int, as_of: date | None = None) -> list[QualityRecord]:
    """Quality records of ``year`` (up to ``as_of``) in date order."""
    stmt = select(QualityRecord).where(
        QualityRecord.recorded_on >= date(year, 1, 1), QualityRecord.recorded_on <= date(year, 12, 31)
    )
    if as_of is not None:
        stmt = stmt.where(QualityRecord.recorded_on <= as_of)
    return list(session.scalars(stmt.order_by(QualityRecord.recorded_on, QualityRecord.id)))


def set_target(
    *, session: Session, year: int, metric: str, target: float, source: str = "annual plan"
) -> AnnualTarget:
    """Set (or change) the target of ``metric`` for ``year``.

    Raises:
        RecordValidationError: a negative target or an empty metric key.
    """
    if not metric.strip() or not target >= 0:
        raise RecordValidationError(f"target {metric!r} = {target!r}: give a metric key and a target >= 0")
    row = session.scalars(
        select(AnnualTarget).where(AnnualTarget.year == year, AnnualTarget.metric == metric)
    ).first()
    if row is None:
        row = AnnualTarget(year=year, metric=metric, target=target, source=source)
        session.add(row)
    else:
        row.target, row.source = target, source
    session.flush()
    return row


def list_targets(*, session: Session, year: int) -> dict[str, float]:
    """The targets of ``year`` by metric key."""
    rows = session.scalars(select(AnnualTarget).where(AnnualTarget.year == year))
    return {r.metric: r.target for r in rows}


def record_assessment(
    *,
    session: Session,
    year: int,
    passed: bool,
    decided_on: date,
    score: float | None = None,
    kind: str = "annual",
    rectification_deadline: date | None = None,
    note: str = "",
) -> AssessmentRecord:
    """Record the official outcome of an assessment (the verdict of the assessors, not the self-score).

    Raises:
        RecordValidationError: unknown kind, a score outside 0..100, a decision before the year began.
        ConflictError: an outcome of this kind is already recorded for the year.
    """
    if kind not in ASSESSMENT_KINDS:
        raise RecordValidationError(
            f"unknown assessment kind {kind!r}; use one of {', '.join(ASSESSMENT_KINDS)}"
        )
    if score is not None and not 0 <= score <= 100:
        raise RecordValidationError(f"assessment score {score} of {year} is outside 0..100")
    if decided_on < date(year, 1, 1):
        raise RecordValidationError(f"assessment of {year} decided on {decided_on}, before the year began")
    found = session.scalars(
        select(AssessmentRecord).where(AssessmentRecord.year == year, AssessmentRecord.kind == kind)
    ).first()
    if found is not None:
        raise ConflictError(f"the {kind} assessment of {year} is already recorded (passed={found.passed})")
    row = AssessmentRecord(
        year=year,
        kind=kind,
        passed=passed,
        score=score,
        rectification_deadline=rectification_deadline,
        decided_on=decided_on,
        note=note,
    )
    session.add(row)
    session.flush()
    return row
