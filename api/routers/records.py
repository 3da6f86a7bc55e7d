"""Record routes: workflow transitions, revisions, inspector search/export, audit chain, attachments."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from api.auth import CurrentUser, require_permission
from api.deps import SessionDep
from api.routers.users import Id, Limit, Offset
from api.schemas import Page
from api.schemas_records import (
    AttachmentCreate,
    AttachmentPublic,
    AuditEventPublic,
    AuditVerifyPublic,
    CalibrationRecordPublic,
    RecordRow,
    RevisionCreate,
    TransitionCreate,
    TransitionPublic,
)
from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.models import AuditEvent, Calibration, CalibrationTransition, User
from calib_service.models.base import utcnow
from calib_service.records import audit, commit
from calib_service.records.attachments import (
    attachments_of,
    count_attachments,
    read_attachment,
    store_attachment,
)
from calib_service.records.search import RecordQuery, export_records, search_records
from calib_service.records.workflow import revise, revisions_of, transition

__all__ = ["router"]

router = APIRouter(tags=["records"])

Status = Literal["draft", "running", "measured", "reviewed", "approved", "issued"]
Text = Annotated[str | None, Query(max_length=200)]


def _record(session: SessionDep, calibration_id: int) -> Calibration:
    cal = session.get(Calibration, calibration_id)
    if cal is None:
        raise NotFoundError(f"calibration {calibration_id} does not exist")
    return cal


def _data_dir(request: Request) -> Path:
    return Path(getattr(request.app.state, "data_dir", "./calib-data"))


@router.get("/calibrations/{calibration_id}/record", response_model=CalibrationRecordPublic)
def record_get(calibration_id: Id, session: SessionDep, user: CurrentUser) -> CalibrationRecordPublic:
    """Workflow state of a calibration: who performed, reviewed, approved and issued it, when; revision."""
    return CalibrationRecordPublic.model_validate(_record(session, calibration_id))


@router.post("/calibrations/{calibration_id}/transitions", response_model=CalibrationRecordPublic)
def record_transition(
    calibration_id: Id, body: TransitionCreate, session: SessionDep, user: CurrentUser
) -> CalibrationRecordPublic:
    """Move a calibration one workflow step (measured, reviewed, approved, issued; or back with a note).

    Reviewer and approver must differ from the performer (four-eyes); ``expected_version`` makes a save
    over someone else's change a 409.
    """
    cal = transition(
        session=session,
        actor=user,
        calibration_id=calibration_id,
        to_status=body.to_status,
        now=utcnow(),
        note=body.note,
        expected_version=body.expected_version,
    )
    commit(session, f"calibration {cal.number}")
    return CalibrationRecordPublic.model_validate(cal)


@router.get("/calibrations/{calibration_id}/transitions", response_model=Page[TransitionPublic])
def record_transitions(
    calibration_id: Id, session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 50
) -> Page[TransitionPublic]:
    """The workflow steps of a calibration, oldest first."""
    _record(session, calibration_id)
    stmt = select(CalibrationTransition).where(CalibrationTransition.calibration_id == calibration_id)
    rows = session.scalars(stmt.order_by(CalibrationTransition.id).offset(offset).limit(limit)).all()
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    return Page[TransitionPublic](
        items=[TransitionPublic.model_validate(r) for r in rows], total=total, offset=offset, limit=limit
    )


@router.post(
    "/calibrations/{calibration_id}/revisions", response_model=CalibrationRecordPublic, status_code=201
)
def record_revise(
    calibration_id: Id,
    body: RevisionCreate,
    session: SessionDep,
    user: Annotated[User, Depends(require_permission("calibration.revise"))],
) -> CalibrationRecordPublic:
    """Start a correction of an approved record: a new draft revision with a reason (the old one stays)."""
    new = revise(session=session, actor=user, calibration_id=calibration_id, reason=body.reason, now=utcnow())
    commit(session)
    return CalibrationRecordPublic.model_validate(new)


@router.get("/calibrations/{calibration_id}/revisions", response_model=Page[CalibrationRecordPublic])
def record_revisions(
    calibration_id: Id, session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 50
) -> Page[CalibrationRecordPublic]:
    """Every revision of the record, from the original to the newest."""
    chain = revisions_of(session=session, calibration_id=calibration_id)
    return Page[CalibrationRecordPublic](
        items=[CalibrationRecordPublic.model_validate(c) for c in chain[offset : offset + limit]],
        total=len(chain),
        offset=offset,
        limit=limit,
    )


def _query(
    customer: Text = None,
    device: Text = None,
    standard: Text = None,
    technician: Text = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: Status | None = None,
) -> RecordQuery:
    return RecordQuery(
        customer=customer,
        device=device,
        standard_serial=standard,
        technician=technician,
        date_from=date_from,
        date_to=date_to,
        status=status,
    )


@router.get("/records/search", response_model=Page[RecordRow])
def records_search(
    session: SessionDep,
    user: CurrentUser,
    query: Annotated[RecordQuery, Depends(_query)],
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[RecordRow]:
    """Calibrations by customer, device, standard used, technician and date range (unannounced inspection)."""
    rows, total = search_records(session=session, query=query, offset=offset, limit=limit)
    return Page[RecordRow](
        items=[RecordRow.model_validate(r) for r in rows], total=total, offset=offset, limit=limit
    )


@router.get(
    "/records/export",
    response_class=Response,
    responses={
        200: {"description": "CSV or JSON export", "content": {"text/csv": {}, "application/json": {}}}
    },
)
def records_export(
    session: SessionDep,
    user: Annotated[User, Depends(require_permission("records.export"))],
    query: Annotated[RecordQuery, Depends(_query)],
    format: Literal["csv", "json"] = "csv",
) -> Response:
    """All matching calibrations as CSV or JSON for inspectors (auditor, manager); the export is audited."""
    body = export_records(session=session, query=query, fmt=format)
    audit.append(
        session=session,
        actor=user.username,
        action="records.exported",
        entity="export",
        entity_id=format,
        state={"query": query.__dict__, "sha256": hashlib.sha256(body.encode()).hexdigest()},
    )
    commit(session)
    media = "text/csv" if format == "csv" else "application/json"
    return Response(
        body,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="records.{format}"'},
    )


@router.get("/audit/verify", response_model=AuditVerifyPublic)
def audit_verify(
    request: Request, session: SessionDep, user: Annotated[User, Depends(require_permission("audit.verify"))]
) -> AuditVerifyPublic:
    """Recompute the audit chain; name the first broken event; compare with the anchor file if configured."""
    anchor_path = getattr(request.app.state, "audit_anchor", None)
    anchor = (
        None
        if anchor_path is None or not Path(anchor_path).exists()
        else audit.read_anchor(Path(anchor_path))
    )
    return AuditVerifyPublic.model_validate(audit.verify(session, anchor=anchor).to_dict())


@router.get("/audit/events", response_model=Page[AuditEventPublic])
def audit_events(
    session: SessionDep,
    user: Annotated[User, Depends(require_permission("audit.verify"))],
    entity: Annotated[str | None, Query(max_length=80)] = None,
    entity_id: Annotated[str | None, Query(max_length=80)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[AuditEventPublic]:
    """Audit events, oldest first, optionally of one record."""
    stmt = select(AuditEvent)
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    rows = session.scalars(stmt.order_by(AuditEvent.seq).offset(offset).limit(limit)).all()
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    return Page[AuditEventPublic](
        items=[AuditEventPublic.model_validate(r) for r in rows], total=total, offset=offset, limit=limit
    )


@router.post("/attachments", response_model=AttachmentPublic, status_code=201)
def attachments_add(
    body: AttachmentCreate,
    request: Request,
    session: SessionDep,
    user: Annotated[User, Depends(require_permission("attachment.write"))],
) -> AttachmentPublic:
    """Attach a file (base64) to a calibration or job; stored once under its sha256."""
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RecordValidationError(f"content_base64 of {body.filename!r} is not valid base64") from exc
    att = store_attachment(
        session=session,
        actor=user,
        data_dir=_data_dir(request),
        entity=body.entity,
        entity_id=body.entity_id,
        filename=body.filename,
        content=content,
        media_type=body.media_type,
    )
    commit(session)
    return AttachmentPublic.model_validate(att)


@router.get("/attachments", response_model=Page[AttachmentPublic])
def attachments_list(
    session: SessionDep,
    user: CurrentUser,
    entity: Literal["calibration", "job"],
    entity_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[AttachmentPublic]:
    """The attachments of one record."""
    rows = attachments_of(session=session, entity=entity, entity_id=entity_id, offset=offset, limit=limit)
    return Page[AttachmentPublic](
        items=[AttachmentPublic.model_validate(a) for a in rows],
        total=count_attachments(session=session, entity=entity, entity_id=entity_id),
        offset=offset,
        limit=limit,
    )


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {
            "description": "the file, checked against its sha256",
            "content": {"application/octet-stream": {}},
        }
    },
)
def attachments_get(attachment_id: Id, request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The file's content after its sha256 was checked (409 if the stored file was altered)."""
    stored = read_attachment(session=session, data_dir=_data_dir(request), attachment_id=attachment_id)
    safe = "".join(
        c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in stored.attachment.filename
    )
    return Response(
        stored.content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-SHA256": stored.attachment.sha256,
        },
    )
