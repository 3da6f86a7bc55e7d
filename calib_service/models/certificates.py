"""Issued certificates (检定证书, 检定结果通知书, 校准证书) with their file hashes; the centre profile.

ISO/IEC 17025 7.8.2 (unique identification), 7.8.8 (amendments: a reissue references the certificate it
replaces), 7.11 (protection of data). Every file of an issued certificate (PDF per language, DCC XML) is
stored content-addressed by its SHA-256 under ``Settings.data_dir``; the rows keep the hashes so
``calib certificate verify FILE`` can tell whether a file is exactly what was issued.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calib_service.errors import ConflictError
from calib_service.models.base import Base, UTCDateTime, utcnow

__all__ = ["CERTIFICATE_KINDS", "CentreProfile", "IssuedCertificate", "IssuedCertificateFile"]

#: Kinds of issued document (the values of ``documents.CertificateKind``).
CERTIFICATE_KINDS: tuple[str, ...] = ("verification", "verification_notice", "calibration")


class CentreProfile(Base):
    """The issuing centre as printed on certificates and reports (one row; the newest row wins).

    ``authorisation_number`` is the centre's 计量授权证书号. The measurement-standard certificate numbers
    (计量标准考核证书号) are not typed here: they come from the centre's own standards used in each job.
    """

    __tablename__ = "centre_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    address_zh: Mapped[str] = mapped_column(String(400), default="")
    address_en: Mapped[str] = mapped_column(String(400), default="")
    email: Mapped[str] = mapped_column(String(200))
    authorisation_number: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100), default="重庆")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    laboratory_code: Mapped[str] = mapped_column(String(100), default="")
    certificate_prefix: Mapped[str] = mapped_column(String(20), default="CQCM")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IssuedCertificate(Base):
    """One issued certificate of one calibration record.

    ``pdf_sha256`` is the PDF in the language asked for, ``xml_sha256`` the DCC; every file (a PDF per
    language of issue and the DCC) is listed in :class:`IssuedCertificateFile`. ``replaces_id`` points at
    the certificate of an earlier revision that this one replaces. ``internal_flags`` records what the
    certificate rests on that has not been checked against the official text (limits or periods marked
    unverified); they are kept internally and not printed.
    """

    __tablename__ = "issued_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibration.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    langs: Mapped[str] = mapped_column(String(20))
    conformity: Mapped[str | None] = mapped_column(String(20), default=None)
    issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    xml_sha256: Mapped[str] = mapped_column(String(64), index=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("issued_certificate.id"), default=None)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    internal_flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    files: Mapped[list[IssuedCertificateFile]] = relationship(order_by="IssuedCertificateFile.id")


class IssuedCertificateFile(Base):
    """One file of an issued certificate: ``role`` ``pdf`` (one per language) or ``dcc``."""

    __tablename__ = "issued_certificate_file"
    __table_args__ = (
        UniqueConstraint("certificate_id", "role", "lang", name="uq_certificate_file_role_lang"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("issued_certificate.id"))
    role: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")


def _refuse_change(mapper: Any, connection: Any, target: Any) -> None:
    raise ConflictError(
        f"{type(target).__name__} {getattr(target, 'number', None) or getattr(target, 'filename', '')} is an "
        "issued record and is never changed or deleted; revise the calibration and issue a new certificate "
        "(ISO/IEC 17025 7.8.8)"
    )


for _cls in (IssuedCertificate, IssuedCertificateFile):
    event.listen(_cls, "before_update", _refuse_change)
    event.listen(_cls, "before_delete", _refuse_change)
