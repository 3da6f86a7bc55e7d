"""Task-evidence routes: activities (with attachments), quality records, annual plans, official
assessment outcomes, metrics at a date and the annual report downloads. Writes need the manager role."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import CurrentUser, require_role
from api.deps import SessionDep
from api.routers.users import Id
from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.evidence import (
    METRICS,
    add_activity,
    assessment_history,
    attach_file,
    build_evidence_report,
    compute_metrics,
    list_activities,
    list_quality_records,
    list_targets,
    record_assessment,
    record_quality,
    render_report,
    set_target,
)
from calib_service.models import EvidenceActivity, User
from calib_service.records import commit
from calib_service.traceability import store_file

__all__ = ["router"]

router = APIRouter(prefix="/evidence", tags=["evidence"])

Manager = Annotated[User, Depends(require_role("manager"))]
Year = Annotated[int, Query(ge=2000, le=2100)]
YearPath = Annotated[int, Field(ge=2000, le=2100)]
YearParam = Annotated[int, PathParam(ge=2000, le=2100)]
AsOf = Annotated[date | None, Query(description="report date (default: 31 December of the year)")]

_MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


class AttachmentPublic(BaseModel):
    """An evidence file of an activity."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    sha256: str
    size: int
    description: str


class ActivityCreate(BaseModel):
    """A new activity; the task follows from the type."""

    activity_type: str = Field(max_length=40)
    held_on: date
    title: str = Field(min_length=1, max_length=300)
    title_en: str = Field(default="", max_length=300)
    participants: int = Field(default=0, ge=0, le=10_000_000)
    count: int = Field(default=0, ge=0, le=10_000_000)
    client: str = Field(default="", max_length=200)
    outputs: str = Field(default="", max_length=10_000)
    sector: str = Field(default="", max_length=60)


class ActivityPublic(BaseModel):
    """A stored activity."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    task: int
    activity_type: str
    held_on: date
    title: str
    title_en: str
    participants: int
    count: int
    client: str
    outputs: str
    sector: str
    recorded_by: str
    attachments: list[AttachmentPublic]


class AttachmentCreate(BaseModel):
    """An evidence file, base64-encoded."""

    filename: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(min_length=1, max_length=70_000_000)
    description: str = Field(default="", max_length=300)


class QualityCreate(BaseModel):
    """A quality-system record."""

    category: Literal[
        "proficiency_test", "complaint", "corrective_action", "internal_audit", "management_review"
    ]
    reference: str = Field(min_length=1, max_length=60)
    recorded_on: date
    description: str = Field(min_length=1, max_length=10_000)
    description_en: str = Field(default="", max_length=10_000)
    outcome: str = Field(default="", max_length=10_000)
    outcome_en: str = Field(default="", max_length=10_000)
    result: str = Field(default="", max_length=30)
    en_value: float | None = None
    closed_on: date | None = None


class QualityPublic(QualityCreate):
    """A stored quality record."""

    model_config = ConfigDict(from_attributes=True)

    id: int


class PlanUpdate(BaseModel):
    """Targets of the year's plan by metric key."""

    targets: dict[str, float]
    source: str = Field(default="annual plan", max_length=100)


class PlanPublic(BaseModel):
    """The year's targets."""

    year: int
    targets: dict[str, float]


class AssessmentCreate(BaseModel):
    """The official outcome of an assessment (not the self-score)."""

    year: YearPath
    passed: bool
    decided_on: date
    score: float | None = Field(default=None, ge=0, le=100)
    kind: Literal["annual", "acceptance", "re_review"] = "annual"
    rectification_deadline: date | None = None
    note: str = Field(default="", max_length=2000)


def _as_of(year: int, as_of: date | None) -> date:
    return as_of if as_of is not None else date(year, 12, 31)


@router.get("/activities", response_model=list[ActivityPublic])
def activities_list(
    session: SessionDep,
    user: CurrentUser,
    year: Year,
    task: Annotated[int | None, Query(ge=0, le=7)] = None,
) -> list[ActivityPublic]:
    """Activities of a year (optionally of one task), in date order."""
    return [ActivityPublic.model_validate(a) for a in list_activities(session=session, year=year, task=task)]


@router.post("/activities", response_model=ActivityPublic, status_code=201)
def activity_create(body: ActivityCreate, session: SessionDep, user: Manager) -> ActivityPublic:
    """Record an activity under its task (manager)."""
    act = add_activity(session=session, recorded_by=user.username, **body.model_dump())
    commit(session)
    session.refresh(act, ["attachments"])
    return ActivityPublic.model_validate(act)


@router.post("/activities/{activity_id}/attachments", response_model=AttachmentPublic, status_code=201)
def activity_attach(
    activity_id: Id, body: AttachmentCreate, request: Request, session: SessionDep, user: Manager
) -> AttachmentPublic:
    """Attach an evidence file (stored by SHA-256 under the data directory)."""
    act = session.get(EvidenceActivity, activity_id)
    if act is None:
        raise NotFoundError(f"activity {activity_id} does not exist")
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RecordValidationError("content_base64 is not valid base64; encode the file's bytes") from exc
    store_file(Path(getattr(request.app.state, "data_dir", "./calib-data")), content)
    att = attach_file(
        session=session, activity=act, filename=body.filename, content=content, description=body.description
    )
    commit(session)
    return AttachmentPublic.model_validate(att)


@router.get("/quality", response_model=list[QualityPublic])
def quality_list(session: SessionDep, user: CurrentUser, year: Year) -> list[QualityPublic]:
    """Quality-system records of a year."""
    return [QualityPublic.model_validate(q) for q in list_quality_records(session=session, year=year)]


@router.post("/quality", response_model=QualityPublic, status_code=201)
def quality_create(body: QualityCreate, session: SessionDep, user: Manager) -> QualityPublic:
    """Record a proficiency test, complaint, corrective action, internal audit or management review."""
    row = record_quality(session=session, **body.model_dump())
    commit(session)
    return QualityPublic.model_validate(row)


@router.get("/plans/{year}", response_model=PlanPublic)
def plan_get(year: YearParam, session: SessionDep, user: CurrentUser) -> PlanPublic:
    """The targets of a year's plan."""
    return PlanPublic(year=year, targets=list_targets(session=session, year=year))


@router.put("/plans/{year}", response_model=PlanPublic)
def plan_put(year: YearParam, body: PlanUpdate, session: SessionDep, user: Manager) -> PlanPublic:
    """Set targets of a year's plan (keys: the metric keys of ``GET /evidence/metrics``)."""
    known = {m.key for m in METRICS}
    unknown = sorted(set(body.targets) - known)
    if unknown:
        raise RecordValidationError(f"unknown metric(s) {', '.join(unknown)}; use {', '.join(sorted(known))}")
    for metric, target in sorted(body.targets.items()):
        set_target(session=session, year=year, metric=metric, target=target, source=body.source)
    commit(session)
    return PlanPublic(year=year, targets=list_targets(session=session, year=year))


@router.get("/assessments")
def assessments_get(session: SessionDep, user: CurrentUser, up_to_year: Year) -> dict[str, Any]:
    """Official outcomes and the cumulative failed-year count against the revocation threshold (3)."""
    return assessment_history(session=session, up_to_year=up_to_year).to_dict()


@router.post("/assessments", status_code=201)
def assessment_create(body: AssessmentCreate, session: SessionDep, user: Manager) -> dict[str, Any]:
    """Record an official assessment outcome; returns the updated multi-year view."""
    record_assessment(session=session, **body.model_dump())
    commit(session)
    return assessment_history(session=session, up_to_year=body.year).to_dict()


@router.get("/metrics/{year}")
def metrics_get(
    year: YearParam, session: SessionDep, user: CurrentUser, as_of: AsOf = None
) -> dict[str, Any]:
    """The year's metrics computed from the records at ``as_of``, with the plan's targets."""
    when = _as_of(year, as_of)
    m = compute_metrics(session=session, year=year, as_of=when)
    targets = list_targets(session=session, year=year)
    return {
        "year": year,
        "as_of": when.isoformat(),
        "metrics": [
            {
                "key": d.key,
                "task": d.task,
                "name": d.name.zh,
                "value": m.values[d.key],
                "target": targets.get(d.key),
            }
            for d in METRICS
        ],
        "monthly_calibrations": list(m.monthly_calibrations),
        "families": dict(m.families),
        "customers": dict(m.customers),
        "certificates_by_kind": m.certificates_by_kind,
        "chongqing_cumulative": m.chongqing,
    }


@router.get("/reports/{year}.{fmt}", response_class=Response)
def report_get(
    year: YearParam,
    fmt: Literal["pdf", "xlsx", "html", "json"],
    session: SessionDep,
    user: CurrentUser,
    as_of: AsOf = None,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The annual evidence report as PDF, XLSX, HTML or JSON (same records and ``as_of``: same bytes)."""
    report = build_evidence_report(session=session, year=year, as_of=_as_of(year, as_of))
    content = render_report(report, fmt, lang)
    suffix = "" if lang == "zh" or fmt == "json" else f"-{lang}"
    headers = {"Content-Disposition": f'attachment; filename="evidence-{year}{suffix}.{fmt}"'}
    return Response(content, media_type=_MEDIA[fmt], headers=headers)
