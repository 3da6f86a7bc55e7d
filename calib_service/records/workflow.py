"""The record workflow draft → measured → reviewed → approved → issued, with four-eyes and revisions.

ISO/IEC 17025 7.5.1: who performed and who checked; 7.5.2: amendments traceable to the previous version
with date, change and person; 7.8.8: a reissued certificate references the one it replaces.
Every transition is stored (who, when, from, to, note) and audited by the ORM hook.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, NotFoundError, PermissionDenied, RecordValidationError
from calib_service.models import (
    Calibration,
    CalibrationPoint,
    CalibrationStandard,
    CalibrationTransition,
    EnvironmentRecord,
    RawReading,
    User,
)
from calib_service.records.competence import assert_authorised
from calib_service.records.permissions import require

__all__ = [
    "TRANSITIONS",
    "certificate_lineage",
    "revise",
    "revisions_of",
    "transition",
    "transitions_of",
]

#: (from, to) → permission needed. Returns (measured → draft, reviewed → measured) send a record back.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "measured"): "calibration.record",
    ("running", "measured"): "calibration.record",
    ("measured", "draft"): "calibration.review",
    ("measured", "reviewed"): "calibration.review",
    ("reviewed", "measured"): "calibration.approve",
    ("reviewed", "approved"): "calibration.approve",
    ("approved", "issued"): "certificate.issue",
}


def _traceability_check() -> Callable[..., Any] | None:
    """``assert_traceable`` of the traceability package when it is installed (looked up lazily)."""
    for name in ("calib_service.traceability", "calib_service.traceability.chain"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
        fn = getattr(module, "assert_traceable", None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def _load(session: Session, calibration_id: int) -> Calibration:
    cal = session.get(Calibration, calibration_id)
    if cal is None:
        raise NotFoundError(f"calibration {calibration_id} does not exist")
    return cal


def _four_eyes(cal: Calibration, actor: User, what: str) -> None:
    if cal.technician_id is not None and cal.technician_id == actor.id:
        raise PermissionDenied(
            f"{actor.username!r} performed calibration {cal.number} and may not {what} it "
            "(four-eyes principle); "
            "another authorised person must do it"
        )


def transition(
    *,
    session: Session,
    actor: User,
    calibration_id: int,
    to_status: str,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Calibration:
    """Move a calibration to ``to_status``, recording who and when.

    Args:
        session: the caller's session (flushed, not committed).
        actor: who acts; needs the role of the step (technician, reviewer, approver, approver/manager).
        calibration_id: the record.
        to_status: ``measured``, ``reviewed``, ``approved``, ``issued`` (or a return: ``draft``,
            ``measured``).
        now: the time of the step (UTC).
        note: why (required for returns).
        expected_version: the version the client saw; a different stored version is a conflict.

    Raises:
        NotFoundError: no such calibration.
        ConflictError: the step is not allowed from the current status, or the record changed since
            ``expected_version``, or the traceability check refuses approval.
        PermissionDenied: missing role, the performer reviewing/approving their own work, or a
            technician not authorised for the procedure on the day.
        RecordValidationError: a return without a note.
    """
    cal = _load(session, calibration_id)
    if expected_version is not None and cal.version != expected_version:
        raise ConflictError(
            f"calibration {cal.number} changed since you loaded it (version {expected_version}, now "
            f"{cal.version}); reload and retry"
        )
    step = (cal.status, to_status)
    if step not in TRANSITIONS:
        nexts = ", ".join(t for f, t in TRANSITIONS if f == cal.status) or "none"
        raise ConflictError(
            f"calibration {cal.number} is {cal.status}; cannot go to {to_status!r} (allowed next: {nexts})"
        )
    require(actor, TRANSITIONS[step])
    is_return = to_status in ("draft",) or step == ("reviewed", "measured")
    if is_return and not note.strip():
        raise RecordValidationError(
            f"returning calibration {cal.number} to {to_status} needs a note saying why"
        )
    if to_status == "measured" and not is_return:
        if cal.technician_id is None:
            cal.technician_id = actor.id
        elif cal.technician_id != actor.id:
            raise PermissionDenied(
                f"calibration {cal.number} is performed by another technician; "
                "only the performer marks it measured"
            )
        day = (cal.started_at or now).date()
        assert_authorised(session=session, user=actor, procedure_code=cal.procedure.code, day=day)
        cal.measured_at = now
        if cal.finished_at is None:
            cal.finished_at = now
    elif to_status == "reviewed":
        _four_eyes(cal, actor, "review")
        cal.reviewed_by_id, cal.reviewed_at = actor.id, now
    elif to_status == "approved":
        _four_eyes(cal, actor, "approve")
        check = _traceability_check()
        if check is not None:
            check(session=session, calibration_id=cal.id)
        cal.approved_by_id, cal.approved_at = actor.id, now
    elif to_status == "issued":
        cal.issued_by_id, cal.issued_at = actor.id, now
        cal.certificate_number = f"CERT-{cal.number}"
        cal.replaces_certificate = _replaced_certificate(session, cal)
    elif step == ("reviewed", "measured"):
        cal.reviewed_by_id, cal.reviewed_at = None, None
    session.add(
        CalibrationTransition(
            calibration_id=cal.id,
            from_status=cal.status,
            to_status=to_status,
            actor_id=actor.id,
            at=now,
            note=note,
        )
    )
    cal.status = to_status
    session.flush()
    return cal


def _replaced_certificate(session: Session, cal: Calibration) -> str | None:
    prev_id = cal.revision_of_id
    while prev_id is not None:
        prev = _load(session, prev_id)
        if prev.certificate_number:
            return prev.certificate_number
        prev_id = prev.revision_of_id
    return None


def transitions_of(*, session: Session, calibration_id: int) -> list[CalibrationTransition]:
    """The workflow steps of a calibration, oldest first."""
    return list(
        session.scalars(
            select(CalibrationTransition)
            .where(CalibrationTransition.calibration_id == calibration_id)
            .order_by(CalibrationTransition.id)
        )
    )


def revisions_of(*, session: Session, calibration_id: int) -> list[Calibration]:
    """The revision lineage containing ``calibration_id``, from the original to the newest."""
    cal = _load(session, calibration_id)
    while cal.revision_of_id is not None:
        cal = _load(session, cal.revision_of_id)
    chain = [cal]
    while True:
        nxt = session.scalars(select(Calibration).where(Calibration.revision_of_id == chain[-1].id)).first()
        if nxt is None:
            return chain
        chain.append(nxt)


def certificate_lineage(*, session: Session, calibration_id: int) -> list[str]:
    """Certificate numbers issued along the lineage, oldest first (each replacing the one before)."""
    return [
        c.certificate_number
        for c in revisions_of(session=session, calibration_id=calibration_id)
        if c.certificate_number
    ]


_SKIP = {"id", "calibration_id"}


def _copy(obj: Any, cls: type[Any], calibration_id: int) -> Any:
    values = {c.key: getattr(obj, c.key) for c in cls.__table__.columns if c.key not in _SKIP}
    return cls(calibration_id=calibration_id, **values)


def revise(*, session: Session, actor: User, calibration_id: int, reason: str, now: datetime) -> Calibration:
    """Start a correction of an approved or issued record: a new draft revision with a reason and author.

    The old record stays unchanged and readable; the new one copies its results, readings, conditions
    and standards (to be corrected, then reviewed and approved again). When the new revision is issued
    its certificate references the certificate it replaces.

    Raises:
        PermissionDenied: ``actor`` may not revise records (the auditor and admin may not).
        ConflictError: the record is not approved/issued yet (change it directly), or already revised.
        RecordValidationError: no reason given.
    """
    require(actor, "calibration.revise")
    src = _load(session, calibration_id)
    if not reason.strip():
        raise RecordValidationError(f"a revision of {src.number} needs a reason (ISO/IEC 17025 7.5.2)")
    if src.status not in ("approved", "issued"):
        raise ConflictError(
            f"calibration {src.number} is {src.status}, not approved; correct it in place before approval"
        )
    newer = session.scalars(select(Calibration).where(Calibration.revision_of_id == src.id)).first()
    if newer is not None:
        raise ConflictError(
            f"calibration {src.number} was already revised as {newer.number}; revise that one"
        )
    root = src.number.split("-R")[0]
    copied = {
        c.key: getattr(src, c.key)
        for c in Calibration.__table__.columns
        if c.key
        in {
            "procedure_id",
            "dut_id",
            "customer_id",
            "technician_id",
            "bench",
            "accuracy_class",
            "decision_rule",
            "decision",
            "started_at",
            "finished_at",
            "notes",
            "job_id",
        }
    }
    new = Calibration(
        number=f"{root}-R{src.revision + 1}",
        status="draft",
        revision=src.revision + 1,
        revision_of_id=src.id,
        revision_reason=reason.strip(),
        revised_by_id=actor.id,
        **copied,
    )
    session.add(new)
    session.flush()
    for cls in (CalibrationPoint, CalibrationStandard, EnvironmentRecord, RawReading):
        rows = session.scalars(select(cls).where(cls.calibration_id == src.id).order_by(cls.id)).all()
        for row in rows:
            session.add(_copy(row, cls, new.id))
    session.flush()
    return new
