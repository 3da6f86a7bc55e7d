"""Issue a certificate for an approved calibration, store its files by hash, and verify a file later.

The workflow step ``approved → issued`` goes through the records workflow
(:func:`calib_service.records.workflow.transition`: permission ``certificate.issue``, the transition row,
the audit event); this module then replaces the workflow's placeholder certificate number with the
certificate's own number, so ``Calibration.certificate_number`` and ``IssuedCertificate.number`` agree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from calib_service.certificates.builder import build_certificate_data
from calib_service.documents import render_certificate_pdf, render_dcc_xml
from calib_service.errors import ConflictError, IntegrityCheckError, NotFoundError, RecordValidationError
from calib_service.models import Calibration, IssuedCertificate, IssuedCertificateFile, User
from calib_service.records.permissions import require
from calib_service.records.workflow import transition
from calib_service.settings import Settings
from calib_service.traceability import DEFAULT_TZ, read_file, store_file

__all__ = [
    "VerifiedFile",
    "certificate_bytes",
    "count_certificates",
    "get_certificate",
    "issue_certificate",
    "list_certificates",
    "verify_certificate_bytes",
    "verify_certificate_file",
]

LANG_SETS: dict[str, tuple[str, ...]] = {"zh": ("zh",), "en": ("zh", "en")}
"""``lang`` asked for → languages of issue: Chinese alone, or bilingual (Chinese is the text of record)."""


@dataclass(frozen=True)
class VerifiedFile:
    """A file found to be exactly a file of an issued certificate."""

    certificate: IssuedCertificate
    file: IssuedCertificateFile
    sha256: str
    superseded_by: str | None

    def summary(self) -> str:
        """One line for a terminal."""
        c, f = self.certificate, self.file
        extra = f"; superseded by {self.superseded_by}" if self.superseded_by else ""
        return (
            f"OK: {f.filename} is the {f.role.upper()} ({f.lang}) of certificate {c.number} ({c.kind}), "
            f"issued {c.issue_date.isoformat()}, sha256 {self.sha256}{extra}"
        )


def _issued_at(as_of: date | datetime, tz: str) -> datetime:
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            raise RecordValidationError(f"issue time {as_of.isoformat()} has no zone; give an aware time")
        return as_of
    return datetime.combine(as_of, time(12, 0), tzinfo=ZoneInfo(tz))


def _replaced(session: Session, cal: Calibration) -> IssuedCertificate | None:
    prev_id = cal.revision_of_id
    while prev_id is not None:
        found = session.scalars(
            select(IssuedCertificate)
            .where(IssuedCertificate.calibration_id == prev_id)
            .order_by(IssuedCertificate.id.desc())
        ).first()
        if found is not None:
            return found
        prev = session.get(Calibration, prev_id)
        prev_id = None if prev is None else prev.revision_of_id
    return None


def issue_certificate(
    *,
    session: Session,
    calibration_id: int,
    approver: User,
    lang: str = "zh",
    as_of: date | datetime,
    out_dir: Path | None = None,
    data_dir: Path | None = None,
    tz: str = DEFAULT_TZ,
) -> IssuedCertificate:
    """Issue the certificate of an approved calibration: PDF(s) and DCC, stored by SHA-256.

    Args:
        session: The caller's session (flushed, not committed).
        calibration_id: The calibration (status ``approved``).
        approver: Who issues (role approver or manager: permission ``certificate.issue``).
        lang: ``zh`` (Chinese only) or ``en`` (bilingual: a Chinese and an English PDF, DCC in both).
        as_of: Time of issue (an aware datetime), or a date (noon in ``tz``); fixes the documents' dates.
        out_dir: Also write the files here as ``<number>.<lang>.pdf`` and ``<number>.dcc.xml``.
        data_dir: Content-addressed store (default ``Settings.from_env().data_dir``).
        tz: The laboratory's zone.

    Returns:
        The stored :class:`IssuedCertificate` with its files.

    Raises:
        PermissionDenied: ``approver`` may not issue certificates.
        NotFoundError: no such calibration.
        ConflictError: the calibration is not approved (or already issued).
        CertificateRefused: an undetermined verification (nothing is stored).
        RecordValidationError: missing customer e-mail, results or standard certificates; bad ``lang``.
    """
    if lang not in LANG_SETS:
        raise RecordValidationError(f"certificate language {lang!r}: use 'zh' or 'en' (bilingual)")
    require(approver, "certificate.issue")
    cal = session.get(Calibration, calibration_id)
    if cal is None:
        raise NotFoundError(f"calibration {calibration_id} does not exist")
    if cal.status != "approved":
        raise ConflictError(
            f"calibration {cal.number} is {cal.status}; only an approved record gets a certificate "
            "(measured → reviewed → approved first)"
        )
    issued_at = _issued_at(as_of, tz)
    issue_date = issued_at.astimezone(ZoneInfo(tz)).date()
    old = _replaced(session, cal)
    langs = LANG_SETS[lang]
    built = build_certificate_data(
        session=session,
        calibration_id=cal.id,
        issue_date=issue_date,
        langs=langs,
        approver=approver,
        replaces="" if old is None else old.number,
        replaces_sha256="" if old is None else old.pdf_sha256,
        tz=tz,
    )
    data = built.data
    pdfs = {code: render_certificate_pdf(data, code) for code in langs}
    xml = render_dcc_xml(data, pdf=pdfs["zh"])
    transition(session=session, actor=approver, calibration_id=cal.id, to_status="issued", now=issued_at)
    cal.certificate_number = data.number
    store = Settings.from_env().data_dir if data_dir is None else data_dir
    files = [(f"{data.number}.{code}.pdf", "pdf", code, "application/pdf", pdf) for code, pdf in pdfs.items()]
    files.append((f"{data.number}.dcc.xml", "dcc", ",".join(langs), "application/xml", xml))
    digests = {name: store_file(store, content) for name, _, _, _, content in files}
    row = IssuedCertificate(
        number=data.number,
        calibration_id=cal.id,
        kind=data.kind.value,
        langs=",".join(langs),
        conformity=None if data.conformity is None else data.conformity.value,
        issue_date=issue_date,
        valid_until=None if data.validity is None else data.validity.valid_until,
        pdf_sha256=digests[f"{data.number}.{lang}.pdf"],
        xml_sha256=digests[f"{data.number}.dcc.xml"],
        replaces_id=None if old is None else old.id,
        issued_at=issued_at,
        issued_by_id=approver.id,
        internal_flags=list(built.internal_flags),
    )
    session.add(row)
    session.flush()
    for name, role, code, media, content in files:
        session.add(
            IssuedCertificateFile(
                certificate_id=row.id,
                role=role,
                lang=code,
                filename=name,
                media_type=media,
                sha256=digests[name],
                size=len(content),
            )
        )
    session.flush()
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, _, _, _, content in files:
            (out_dir / name).write_bytes(content)
    session.refresh(row, ["files"])
    return row


def get_certificate(*, session: Session, number: str) -> IssuedCertificate:
    """An issued certificate by number, with its files.

    Raises:
        NotFoundError: no certificate has this number.
    """
    row = session.scalars(
        select(IssuedCertificate)
        .where(IssuedCertificate.number == number)
        .options(selectinload(IssuedCertificate.files))
    ).first()
    if row is None:
        raise NotFoundError(f"no certificate numbered {number!r} was issued")
    return row


def list_certificates(
    *, session: Session, calibration_id: int | None = None, offset: int = 0, limit: int = 50
) -> list[IssuedCertificate]:
    """Issued certificates in issue order, optionally of one calibration."""
    stmt = select(IssuedCertificate).options(selectinload(IssuedCertificate.files))
    if calibration_id is not None:
        stmt = stmt.where(IssuedCertificate.calibration_id == calibration_id)
    return list(session.scalars(stmt.order_by(IssuedCertificate.id).offset(offset).limit(limit)))


def count_certificates(*, session: Session, calibration_id: int | None = None) -> int:
    """How many certificates :func:`list_certificates` pages through."""
    stmt = select(func.count()).select_from(IssuedCertificate)
    if calibration_id is not None:
        stmt = stmt.where(IssuedCertificate.calibration_id == calibration_id)
    return int(session.scalar(stmt) or 0)


def certificate_bytes(
    *, session: Session, number: str, role: str, lang: str = "zh", data_dir: Path | None = None
) -> tuple[IssuedCertificateFile, bytes]:
    """A stored file of a certificate (``role`` ``pdf`` in ``lang``, or ``dcc``), checked against its hash.

    Raises:
        NotFoundError: no such certificate, or no file of this role and language.
        RecordValidationError: the stored file no longer matches its hash.
    """
    cert = get_certificate(session=session, number=number)
    match = [f for f in cert.files if f.role == role and (role == "dcc" or f.lang == lang)]
    if not match:
        have = ", ".join(f"{f.role}/{f.lang}" for f in cert.files)
        raise NotFoundError(f"certificate {number} has no {role} file in {lang!r} (it has {have})")
    store = Settings.from_env().data_dir if data_dir is None else data_dir
    return match[0], read_file(store, match[0].sha256)


def verify_certificate_bytes(*, session: Session, content: bytes, name: str = "file") -> VerifiedFile:
    """Check that ``content`` is exactly a file of an issued certificate.

    Raises:
        IntegrityCheckError: its SHA-256 matches no issued certificate file (altered, or not ours).
    """
    digest = hashlib.sha256(content).hexdigest()
    found = session.scalars(
        select(IssuedCertificateFile)
        .where(IssuedCertificateFile.sha256 == digest)
        .order_by(IssuedCertificateFile.id)
    ).first()
    if found is None:
        raise IntegrityCheckError(
            f"{name}: sha256 {digest} matches no issued certificate; the file was altered or was not "
            "issued by this centre — ask the centre for the original"
        )
    cert = session.get(IssuedCertificate, found.certificate_id)
    assert cert is not None
    newer = session.scalars(select(IssuedCertificate).where(IssuedCertificate.replaces_id == cert.id)).first()
    return VerifiedFile(cert, found, digest, None if newer is None else newer.number)


def verify_certificate_file(*, session: Session, path: Path) -> VerifiedFile:
    """:func:`verify_certificate_bytes` for a file on disk.

    Raises:
        NotFoundError: the file does not exist.
        IntegrityCheckError: its SHA-256 matches no issued certificate file.
    """
    if not path.is_file():
        raise NotFoundError(f"file {path} does not exist; give the path of a certificate PDF or DCC XML")
    return verify_certificate_bytes(session=session, content=path.read_bytes(), name=str(path))
