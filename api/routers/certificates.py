"""Certificate routes: issue (approver), list, show, download the PDF or DCC, verify a file."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import CurrentUser, require_permission, require_role
from api.deps import SessionDep
from api.routers.users import Id, Limit, Offset
from api.schemas import Page
from calib_service.certificates import (
    DEFAULT_PROFILE,
    certificate_bytes,
    count_certificates,
    current_profile,
    get_certificate,
    issue_certificate,
    list_certificates,
    set_profile,
    verify_certificate_bytes,
)
from calib_service.errors import RecordValidationError
from calib_service.models import User
from calib_service.models.base import utcnow
from calib_service.records import commit

__all__ = ["router"]

router = APIRouter(tags=["certificates"])


class CertificateIssue(BaseModel):
    """Issue request: ``zh`` (Chinese) or ``en`` (bilingual: Chinese and English PDFs, DCC in both)."""

    lang: Literal["zh", "en"] = "zh"


class CertificateFilePublic(BaseModel):
    """One stored file of a certificate."""

    model_config = ConfigDict(from_attributes=True)

    role: str
    lang: str
    filename: str
    media_type: str
    sha256: str
    size: int


class IssuedCertificatePublic(BaseModel):
    """An issued certificate with the hashes of its files."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    calibration_id: int
    kind: str
    langs: str
    conformity: str | None
    issue_date: date
    valid_until: date | None
    pdf_sha256: str
    xml_sha256: str
    replaces_id: int | None
    issued_at: datetime
    issued_by_id: int
    internal_flags: list[str]
    files: list[CertificateFilePublic]


class VerifyRequest(BaseModel):
    """A file to check, base64-encoded (at most ~50 MiB)."""

    content_base64: str = Field(min_length=1, max_length=70_000_000)
    name: str = Field(default="file", max_length=255)


class VerifyPublic(BaseModel):
    """The file is exactly this file of this certificate."""

    ok: bool
    number: str
    kind: str
    role: str
    lang: str
    filename: str
    sha256: str
    issue_date: date
    superseded_by: str | None
    summary: str


class CentreProfileUpdate(BaseModel):
    """Fields of the centre as printed on certificates and reports; omitted fields keep their value."""

    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    address_zh: str | None = Field(default=None, max_length=400)
    address_en: str | None = Field(default=None, max_length=400)
    email: str | None = Field(default=None, min_length=3, max_length=200)
    authorisation_number: str | None = Field(default=None, min_length=1, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=50)
    laboratory_code: str | None = Field(default=None, max_length=100)
    certificate_prefix: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,20}$")


class CentreProfilePublic(BaseModel):
    """The centre profile in force (``stored`` false: the demo default, nothing stored yet)."""

    stored: bool
    name_zh: str
    name_en: str
    address_zh: str
    address_en: str
    email: str
    authorisation_number: str
    city: str
    postcode: str
    phone: str
    laboratory_code: str
    certificate_prefix: str


Number = Annotated[str, PathParam(min_length=1, max_length=80)]


def _data_dir(request: Request) -> Path:
    return Path(getattr(request.app.state, "data_dir", "./calib-data"))


@router.post(
    "/calibrations/{calibration_id}/certificate", response_model=IssuedCertificatePublic, status_code=201
)
def certificate_issue(
    calibration_id: Id,
    body: CertificateIssue,
    request: Request,
    session: SessionDep,
    user: Annotated[User, Depends(require_permission("certificate.issue"))],
) -> IssuedCertificatePublic:
    """Issue the certificate of an approved calibration (检定证书 / 检定结果通知书 / 校准证书).

    An undetermined verification is refused (409); the record must be approved first (409).
    """
    cert = issue_certificate(
        session=session,
        calibration_id=calibration_id,
        approver=user,
        lang=body.lang,
        as_of=utcnow(),
        data_dir=_data_dir(request),
    )
    commit(session, f"certificate {cert.number}")
    return IssuedCertificatePublic.model_validate(cert)


@router.get("/issued-certificates", response_model=Page[IssuedCertificatePublic])
def certificates_list(
    session: SessionDep,
    user: CurrentUser,
    calibration_id: Annotated[int | None, Query(ge=1)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[IssuedCertificatePublic]:
    """Issued certificates in issue order (optionally of one calibration)."""
    rows = list_certificates(session=session, calibration_id=calibration_id, offset=offset, limit=limit)
    return Page[IssuedCertificatePublic](
        items=[IssuedCertificatePublic.model_validate(r) for r in rows],
        total=count_certificates(session=session, calibration_id=calibration_id),
        offset=offset,
        limit=limit,
    )


@router.get("/issued-certificates/{number}", response_model=IssuedCertificatePublic)
def certificate_get(number: Number, session: SessionDep, user: CurrentUser) -> IssuedCertificatePublic:
    """One issued certificate by number."""
    return IssuedCertificatePublic.model_validate(get_certificate(session=session, number=number))


@router.get("/issued-certificates/{number}/pdf", response_class=Response)
def certificate_pdf(
    number: Number,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The certificate's PDF in ``lang`` (checked against its stored SHA-256)."""
    f, content = certificate_bytes(
        session=session, number=number, role="pdf", lang=lang, data_dir=_data_dir(request)
    )
    headers = {"Content-Disposition": f'attachment; filename="{f.filename}"', "X-SHA256": f.sha256}
    return Response(content, media_type="application/pdf", headers=headers)


@router.get("/issued-certificates/{number}/dcc", response_class=Response)
def certificate_dcc(number: Number, request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The certificate's Digital Calibration Certificate (PTB DCC 3.1.2 XML)."""
    f, content = certificate_bytes(session=session, number=number, role="dcc", data_dir=_data_dir(request))
    headers = {"Content-Disposition": f'attachment; filename="{f.filename}"', "X-SHA256": f.sha256}
    return Response(content, media_type="application/xml", headers=headers)


@router.post("/issued-certificates/verify", response_model=VerifyPublic)
def certificate_verify(body: VerifyRequest, session: SessionDep, user: CurrentUser) -> VerifyPublic:
    """Check that a file is exactly a file of an issued certificate (409 when it is not)."""
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RecordValidationError("content_base64 is not valid base64; encode the file's bytes") from exc
    found = verify_certificate_bytes(session=session, content=content, name=body.name)
    c, f = found.certificate, found.file
    return VerifyPublic(
        ok=True,
        number=c.number,
        kind=c.kind,
        role=f.role,
        lang=f.lang,
        filename=f.filename,
        sha256=found.sha256,
        issue_date=c.issue_date,
        superseded_by=found.superseded_by,
        summary=found.summary(),
    )


def _profile_public(session: SessionDep) -> CentreProfilePublic:
    row = current_profile(session=session)
    values = DEFAULT_PROFILE if row is None else {k: str(getattr(row, k)) for k in DEFAULT_PROFILE}
    return CentreProfilePublic(stored=row is not None, **values)


@router.get("/centre-profile", response_model=CentreProfilePublic)
def centre_profile_get(session: SessionDep, user: CurrentUser) -> CentreProfilePublic:
    """The centre as printed on certificates: name, address, e-mail, 计量授权证书号, number prefix."""
    return _profile_public(session)


@router.put("/centre-profile", response_model=CentreProfilePublic)
def centre_profile_put(
    body: CentreProfileUpdate,
    session: SessionDep,
    user: Annotated[User, Depends(require_role("manager", "admin"))],
) -> CentreProfilePublic:
    """Store a new centre profile (manager or admin); later certificates and reports use it."""
    set_profile(session=session, **{k: v for k, v in body.model_dump().items() if v is not None})
    commit(session)
    return _profile_public(session)
