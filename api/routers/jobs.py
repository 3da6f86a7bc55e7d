"""Job intake: customer requests, items received and the calibrations opened for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth import CurrentUser, require_permission
from api.deps import SessionDep
from api.routers.users import Id, Limit, Offset
from api.schemas import Page
from api.schemas_records import CalibrationOpen, CalibrationRecordPublic, JobCreate, JobPublic
from calib_service.models import User
from calib_service.models.base import utcnow
from calib_service.records import commit
from calib_service.records.jobs import (
    ItemReceived,
    count_jobs,
    create_job,
    get_job,
    list_jobs,
    open_calibration,
)
from calib_service.records.users import get_user

__all__ = ["router"]

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.post("", response_model=JobPublic, status_code=201)
def jobs_create(
    body: JobCreate, session: SessionDep, actor: Annotated[User, Depends(require_permission("job.write"))]
) -> JobPublic:
    """Register a customer request with its items and their condition on receipt (technician, manager)."""
    job = create_job(
        session=session,
        actor=actor,
        customer_name=body.customer,
        service_requested=body.service_requested,
        received_at=body.received_at,
        agreed_due_date=body.agreed_due_date,
        decision_rule=body.decision_rule,
        calibration_interval_months=body.calibration_interval_months,
        notes=body.notes,
        items=[ItemReceived(**i.model_dump()) for i in body.items],
    )
    commit(session)
    return JobPublic.model_validate(get_job(session=session, job_id=job.id))


@router.get("", response_model=Page[JobPublic])
def jobs_list(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 50
) -> Page[JobPublic]:
    """Jobs in intake order."""
    jobs = list_jobs(session=session, offset=offset, limit=limit)
    return Page[JobPublic](
        items=[JobPublic.model_validate(j) for j in jobs],
        total=count_jobs(session=session),
        offset=offset,
        limit=limit,
    )


@router.get("/{job_id}", response_model=JobPublic)
def jobs_get(job_id: Id, session: SessionDep, user: CurrentUser) -> JobPublic:
    """One job with its items."""
    return JobPublic.model_validate(get_job(session=session, job_id=job_id))


@router.post(
    "/{job_id}/items/{item_seq}/calibrations", response_model=CalibrationRecordPublic, status_code=201
)
def jobs_open_calibration(
    job_id: Id,
    item_seq: Id,
    body: CalibrationOpen,
    session: SessionDep,
    actor: Annotated[User, Depends(require_permission("job.write"))],
) -> CalibrationRecordPublic:
    """Open a draft calibration of one item, with the job's agreed decision rule."""
    tech = None if body.technician_id is None else get_user(session=session, user_id=body.technician_id)
    cal = open_calibration(
        session=session,
        actor=actor,
        job_id=job_id,
        item_seq=item_seq,
        procedure_code=body.procedure_code,
        now=utcnow(),
        technician=tech,
        bench=body.bench,
    )
    commit(session)
    return CalibrationRecordPublic.model_validate(cal)
