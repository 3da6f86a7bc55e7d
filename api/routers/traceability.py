"""Traceability routes: standards, certificates, intermediate checks, due lists, chains, impact,
nonconformities and chain diagrams (SVG).

The app mounts the router behind sign-in (any role may read); routes that change data also need a role:
standards, certificates and checks a technician or manager; raising a nonconformity any role but the
auditor's; acting on one a manager or approver. The acting user is recorded as ``raised_by``/``taken_by``
when the body leaves them empty. Routes that change data commit; the services never do.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi import Path as PathParam
from fastapi.responses import Response

from api.auth import require_role
from api.deps import SessionDep
from api.schemas_traceability import (
    ActionCreate,
    ActionPublic,
    CentrePublic,
    CertificateCreate,
    CertificatePublic,
    CheckCreate,
    CheckPublic,
    ControlChartPublic,
    DueItemPublic,
    ImpactPublic,
    NonconformityCreate,
    NonconformityPublic,
    StandardCreate,
    StandardDetail,
    StandardPublic,
    TracePublic,
)
from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.models import MeasurementStandard, StandardCertificate, User
from calib_service.services.equipment import get_equipment
from calib_service.services.standards import (
    add_certificate,
    certificates_of,
    get_standard,
    list_standards,
    register_standard,
)
from calib_service.settings import Settings
from calib_service.traceability import (
    add_action,
    centre_graph,
    centre_svg,
    chain_svg,
    control_chart,
    control_chart_svg,
    due_list,
    get_nonconformity,
    impact_of,
    last_good_calibration,
    list_checks,
    list_nonconformities,
    read_file,
    record_check,
    record_nonconformity,
    store_file,
    trace_calibration,
)

router = APIRouter(tags=["traceability"])

SVG_MEDIA = "image/svg+xml"
SVG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {SVG_MEDIA: {"schema": {"type": "string"}}}}
}
#: A database id as a path parameter: bounded so out-of-range numbers get 422, not a database error.
Id = Annotated[int, PathParam(ge=1, le=2_147_483_647)]

EquipmentKeeper = Annotated[User, Depends(require_role("technician", "manager"))]
Staff = Annotated[User, Depends(require_role("technician", "reviewer", "approver", "manager"))]
QualityManager = Annotated[User, Depends(require_role("manager", "approver"))]


def _today() -> date:
    """The edge reads the clock: today in the laboratory's zone."""
    return datetime.now(ZoneInfo(Settings.from_env().timezone)).date()


def _data_dir(request: Request) -> Path:
    configured = getattr(request.app.state, "data_dir", None)
    return Path(configured) if configured is not None else Settings.from_env().data_dir


def _standard_public(s: MeasurementStandard) -> StandardPublic:
    return StandardPublic(
        id=s.id,
        name=s.name,
        level=s.level,
        holder=s.holder,
        quantity=s.quantity,
        status=s.status,
        external=s.external,
        crm_number=s.crm_number,
        assessment_certificate_no=s.assessment_certificate_no,
        assessment_valid_until=s.assessment_valid_until,
        cmc_uncertainty=s.cmc_uncertainty,
        cmc_unit=s.cmc_unit,
        cmc_k=s.cmc_k,
        range_low=s.range_low,
        range_high=s.range_high,
        range_unit=s.range_unit,
        equipment_ids=[e.id for e in s.equipment],
    )


@router.get("/standards", response_model=list[StandardPublic])
def standards_list(session: SessionDep, include_external: bool = True) -> list[StandardPublic]:
    """Measurement standards: the centre's and (unless excluded) upstream laboratories'."""
    return [_standard_public(s) for s in list_standards(session=session, include_external=include_external)]


@router.post("/standards", response_model=StandardPublic, status_code=status.HTTP_201_CREATED)
def standards_create(body: StandardCreate, session: SessionDep, user: EquipmentKeeper) -> StandardPublic:
    """Register a measurement standard with its equipment."""
    equipment = [get_equipment(session=session, equipment_id=i) for i in body.equipment_ids]
    fields = body.model_dump(exclude={"equipment_ids"})
    standard = register_standard(session=session, equipment=equipment, **fields)
    session.commit()
    return _standard_public(standard)


@router.get("/standards/due", response_model=list[DueItemPublic])
def standards_due(
    session: SessionDep,
    days: Annotated[int, Query(ge=0, le=3650)] = 30,
    as_of: date | None = None,
) -> list[DueItemPublic]:
    """Certificates and assessment certificates due within ``days`` of ``as_of`` (default today), and
    overdue ones."""
    items = due_list(session=session, as_of=as_of or _today(), days=days)
    return [DueItemPublic(**i.to_dict()) for i in items]


@router.get("/standards/{standard_id}", response_model=StandardDetail)
def standards_get(standard_id: Id, session: SessionDep) -> StandardDetail:
    """One standard with the certificates of its equipment."""
    standard = get_standard(session=session, standard_id=standard_id)
    certs = [c for e in standard.equipment for c in certificates_of(session=session, equipment_id=e.id)]
    return StandardDetail(
        **_standard_public(standard).model_dump(),
        certificates=[CertificatePublic.model_validate(c) for c in certs],
    )


@router.post(
    "/standards/{standard_id}/certificates",
    response_model=CertificatePublic,
    status_code=status.HTTP_201_CREATED,
)
def certificates_create(
    standard_id: Id, body: CertificateCreate, session: SessionDep, request: Request, user: EquipmentKeeper
) -> CertificatePublic:
    """Record an incoming certificate of one piece of the standard's equipment (scan stored by sha256)."""
    standard = get_standard(session=session, standard_id=standard_id)
    equipment = next((e for e in standard.equipment if e.id == body.equipment_id), None)
    if equipment is None:
        raise RecordValidationError(
            f"equipment {body.equipment_id} is not part of standard {standard.name!r} (its equipment: "
            f"{', '.join(str(e.id) for e in standard.equipment) or 'none'}); add it to the standard first"
        )
    upstream = None
    if body.upstream_standard_id is not None:
        upstream = get_standard(session=session, standard_id=body.upstream_standard_id)
    sha = None
    if body.file_base64:
        try:
            content = base64.b64decode(body.file_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RecordValidationError("file_base64 is not valid base64; encode the scanned file") from exc
        sha = store_file(_data_dir(request), content)
    cert = add_certificate(
        session=session,
        equipment=equipment,
        upstream=upstream,
        file_sha256=sha,
        **body.model_dump(exclude={"equipment_id", "upstream_standard_id", "file_base64"}),
    )
    session.commit()
    return CertificatePublic.model_validate(cert)


@router.get("/certificates/{certificate_id}/file")
def certificate_file(certificate_id: Id, session: SessionDep, request: Request) -> Response:
    """The scanned file of a certificate, checked against its sha256."""
    cert = session.get(StandardCertificate, certificate_id)
    if cert is None:
        raise NotFoundError(f"certificate {certificate_id} does not exist")
    if cert.file_sha256 is None:
        raise NotFoundError(f"certificate {cert.number} has no stored scan; upload it with the certificate")
    content = read_file(_data_dir(request), cert.file_sha256)
    name = cert.file_name or f"{cert.file_sha256}.bin"
    media = "application/pdf" if name.lower().endswith(".pdf") else "application/octet-stream"
    return Response(content, media_type=media, headers={"X-Content-SHA256": cert.file_sha256})


@router.post(
    "/standards/{standard_id}/checks", response_model=CheckPublic, status_code=status.HTTP_201_CREATED
)
def checks_create(
    standard_id: Id, body: CheckCreate, session: SessionDep, user: EquipmentKeeper
) -> CheckPublic:
    """Record an intermediate check (期间核查) judged against its control limits."""
    standard = get_standard(session=session, standard_id=standard_id)
    if body.equipment_id is None:
        if len(standard.equipment) != 1:
            raise RecordValidationError(
                f"standard {standard.name!r} has {len(standard.equipment)} pieces of equipment; "
                "give equipment_id"
            )
        equipment = standard.equipment[0]
    else:
        found = next((e for e in standard.equipment if e.id == body.equipment_id), None)
        if found is None:
            raise RecordValidationError(
                f"equipment {body.equipment_id} is not part of standard {standard.name!r}"
            )
        equipment = found
    fields = body.model_dump(exclude={"equipment_id"})
    fields["performed_by"] = fields["performed_by"] or user.username
    check = record_check(session=session, equipment=equipment, standard=standard, **fields)
    session.commit()
    return CheckPublic.model_validate(check)


@router.get("/standards/{standard_id}/checks", response_model=list[CheckPublic])
def checks_list(standard_id: Id, session: SessionDep) -> list[CheckPublic]:
    """Every intermediate check of the standard's equipment."""
    standard = get_standard(session=session, standard_id=standard_id)
    checks = [c for e in standard.equipment for c in list_checks(session=session, equipment_id=e.id)]
    return [CheckPublic.model_validate(c) for c in checks]


@router.get("/equipment/{equipment_id}/control-chart", response_model=ControlChartPublic)
def chart_json(equipment_id: Id, point: str, session: SessionDep) -> ControlChartPublic:
    """The control chart of one check point."""
    equipment = get_equipment(session=session, equipment_id=equipment_id)
    return ControlChartPublic(**control_chart(session=session, equipment=equipment, point=point).to_dict())


@router.get("/equipment/{equipment_id}/control-chart.svg", response_class=Response, responses=SVG_RESPONSE)
def chart_svg(equipment_id: Id, point: str, session: SessionDep) -> Response:
    """The control chart of one check point as SVG."""
    equipment = get_equipment(session=session, equipment_id=equipment_id)
    chart = control_chart(session=session, equipment=equipment, point=point)
    return Response(control_chart_svg(chart), media_type=SVG_MEDIA)


@router.get("/standards/{standard_id}/impact", response_model=ImpactPublic)
def standards_impact(
    standard_id: Id, session: SessionDep, since: date | None = None, until: date | None = None
) -> ImpactPublic:
    """Every calibration and certificate that used the standard in the window, at any depth, with the
    customers to notify. ``since`` defaults to its last good calibration before ``until`` (or today)."""
    if since is None:
        since = last_good_calibration(session=session, standard_id=standard_id, before=until or _today())
        if since is None:
            raise RecordValidationError(
                f"standard {standard_id} has no calibration on record; give since=DATE"
            )
    impact = impact_of(session=session, standard_id=standard_id, since=since, until=until)
    return ImpactPublic(**impact.to_dict())


@router.get("/calibrations/{calibration_id}/trace", response_model=TracePublic)
def calibration_trace(calibration_id: Id, session: SessionDep) -> TracePublic:
    """The chain of a calibration to a national standard or CRM, with each link's U and validity."""
    return TracePublic(**trace_calibration(session=session, calibration_id=calibration_id).to_dict())


@router.get("/calibrations/{calibration_id}/trace.svg", response_class=Response, responses=SVG_RESPONSE)
def calibration_trace_svg(calibration_id: Id, session: SessionDep) -> Response:
    """The chain of a calibration as an SVG diagram."""
    svg = chain_svg(trace_calibration(session=session, calibration_id=calibration_id))
    return Response(svg, media_type=SVG_MEDIA)


@router.get("/traceability/centre", response_model=CentrePublic)
def centre_json(session: SessionDep, as_of: date | None = None) -> CentrePublic:
    """The hierarchy of all standards (who calibrates whom) as of a date."""
    return CentrePublic(**centre_graph(session=session, as_of=as_of or _today()).to_dict())


@router.get("/traceability/centre.svg", response_class=Response, responses=SVG_RESPONSE)
def centre_diagram(session: SessionDep, as_of: date | None = None) -> Response:
    """The hierarchy of all standards as an SVG diagram (like a 计量检定系统表)."""
    return Response(centre_svg(centre_graph(session=session, as_of=as_of or _today())), media_type=SVG_MEDIA)


@router.post("/nonconformities", response_model=NonconformityPublic, status_code=status.HTTP_201_CREATED)
def nonconformities_create(
    body: NonconformityCreate, session: SessionDep, user: Staff
) -> NonconformityPublic:
    """Record a standard found out of tolerance: impact stored, standard suspended (unless told not to)."""
    fields = body.model_dump()
    fields["raised_by"] = fields["raised_by"] or user.username
    nc = record_nonconformity(session=session, **fields)
    session.commit()
    return NonconformityPublic.model_validate(get_nonconformity(session=session, nonconformity_id=nc.id))


@router.get("/nonconformities", response_model=list[NonconformityPublic])
def nonconformities_list(
    session: SessionDep, status: Literal["open", "closed"] | None = None
) -> list[NonconformityPublic]:
    """Nonconformities, optionally only open or closed ones."""
    return [
        NonconformityPublic.model_validate(n) for n in list_nonconformities(session=session, status=status)
    ]


@router.get("/nonconformities/{nonconformity_id}", response_model=NonconformityPublic)
def nonconformities_get(nonconformity_id: Id, session: SessionDep) -> NonconformityPublic:
    """One nonconformity with its impacts and actions."""
    return NonconformityPublic.model_validate(
        get_nonconformity(session=session, nonconformity_id=nonconformity_id)
    )


@router.post(
    "/nonconformities/{nonconformity_id}/actions",
    response_model=ActionPublic,
    status_code=status.HTTP_201_CREATED,
)
def nonconformities_action(
    nonconformity_id: Id, body: ActionCreate, session: SessionDep, user: QualityManager
) -> ActionPublic:
    """Append an action (evaluate, recall, notify_customer, return_to_service, close, …)."""
    fields = body.model_dump()
    fields["taken_by"] = fields["taken_by"] or user.username
    action = add_action(session=session, nonconformity_id=nonconformity_id, **fields)
    session.commit()
    return ActionPublic.model_validate(action)
