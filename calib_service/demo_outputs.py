"""The demo's documents: certificates of the demo's calibrations and of a seeded year, and the annual
evidence report in every format.

``calib demo`` calls :func:`write_demo_documents` after its verification run. The given calibrations are
taken through review and approval by the demo's reviewer and approver (four-eyes; the traceability check
runs at approval) and issued bilingually; the seeded year adds a passing verification (检定证书), a
failing one (检定结果通知书) and a calibration with as-found/as-left results (校准证书), so the outputs
hold a certificate of each kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from calib_service.certificates import issue_certificate
from calib_service.errors import ConflictError
from calib_service.evidence import FORMATS, demo_people, seed_demo_year, write_evidence_report
from calib_service.models import Calibration, IssuedCertificate
from calib_service.records.workflow import transition
from calib_service.settings import Settings
from calib_service.traceability import DEFAULT_TZ, read_file

__all__ = ["DemoDocuments", "write_demo_documents"]


@dataclass
class DemoDocuments:
    """What was written: certificates (number → kind and file paths) and the report files."""

    certificates: dict[str, dict[str, Any]] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    seeded_calibrations: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "certificates": self.certificates,
            "evidence": self.evidence,
            "seeded_calibrations": self.seeded_calibrations,
        }


def _export(session: Session, cert: IssuedCertificate, folder: Path, store: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in cert.files:
        target = folder / f.filename
        target.write_bytes(read_file(store, f.sha256))
        paths.append(str(target))
    return {
        "kind": cert.kind,
        "langs": cert.langs,
        "calibration_id": cert.calibration_id,
        "files": sorted(paths),
    }


def _approve_and_issue(
    session: Session, cal_id: int, when: datetime, store: Path
) -> IssuedCertificate | None:
    people = demo_people(session=session)
    cal = session.get(Calibration, cal_id)
    if cal is None or cal.status == "issued":
        return None
    steps = {
        "measured": (("reviewed", people.reviewer), ("approved", people.approver)),
        "reviewed": (("approved", people.approver),),
    }
    for to_status, actor in steps.get(cal.status, ()):
        transition(session=session, actor=actor, calibration_id=cal_id, to_status=to_status, now=when)
    if cal.status != "approved":
        raise ConflictError(
            f"demo calibration {cal.number} is {cal.status}; it cannot be approved and issued"
        )
    return issue_certificate(
        session=session,
        calibration_id=cal_id,
        approver=people.approver,
        lang="en",
        as_of=when,
        data_dir=store,
    )


def write_demo_documents(
    *,
    session_factory: sessionmaker[Session],
    calibration_ids: Sequence[int],
    out_dir: Path,
    as_of: date,
    year: int,
    seed_year: bool = True,
    calibrations_per_month: int = 1,
    max_calibrations: int | None = None,
    data_dir: Path | None = None,
) -> DemoDocuments:
    """Issue the certificates and write the annual evidence report of the demo.

    Args:
        session_factory: Sessions on the demo database (each step commits its own unit of work).
        calibration_ids: Calibrations to issue (``measured``, ``reviewed`` or ``approved``; issued ones are
            exported again).
        out_dir: Output folder: ``certificates/`` (PDF zh + en and DCC XML each) and ``evidence/``
            (``evidence-<year>.pdf|xlsx|html|json`` in Chinese plus ``-en`` PDF/XLSX/HTML).
        as_of: Date of issue and of the report (documents take their dates from it).
        year: The report year.
        seed_year: Also seed ``year`` with demo activity (once; skipped when already seeded).
        calibrations_per_month: Seeded jobs per month.
        max_calibrations: Cap on the seeded jobs (five give every kind of certificate).
        data_dir: Content-addressed file store (default ``Settings.from_env().data_dir``).

    Returns:
        The paths written.
    """
    store = Settings.from_env().data_dir if data_dir is None else data_dir
    when = datetime.combine(as_of, time(16, 0), tzinfo=ZoneInfo(DEFAULT_TZ))
    result = DemoDocuments()
    certs_dir = out_dir / "certificates"
    for cal_id in calibration_ids:
        with session_factory() as session:
            _approve_and_issue(session, cal_id, when, store)
            session.commit()
    if seed_year:
        with session_factory() as session:
            try:
                summary = seed_demo_year(
                    session=session,
                    year=year,
                    as_of=as_of,
                    calibrations_per_month=calibrations_per_month,
                    max_calibrations=max_calibrations,
                    data_dir=store,
                )
                session.commit()
                result.seeded_calibrations = summary.calibration_ids
            except ConflictError:
                session.rollback()
    with session_factory() as session:
        wanted = list(calibration_ids)
        first_of_kind: dict[str, IssuedCertificate] = {}
        for cal_id in result.seeded_calibrations:
            for cert in session.scalars(
                select(IssuedCertificate).where(IssuedCertificate.calibration_id == cal_id)
            ):
                first_of_kind.setdefault(cert.kind, cert)
        for cal_id in wanted:
            for cert in session.scalars(
                select(IssuedCertificate).where(IssuedCertificate.calibration_id == cal_id)
            ):
                result.certificates[cert.number] = _export(session, cert, certs_dir, store)
        for cert in first_of_kind.values():
            result.certificates[cert.number] = _export(session, cert, certs_dir, store)
        evidence_dir = out_dir / "evidence"
        written = write_evidence_report(session=session, year=year, as_of=as_of, out_dir=evidence_dir)
        written_en = write_evidence_report(
            session=session, year=year, as_of=as_of, out_dir=evidence_dir, formats=FORMATS[:3], lang="en"
        )
        result.evidence = {fmt: str(p) for fmt, p in written.items()}
        result.evidence.update({f"{fmt}-en": str(p) for fmt, p in written_en.items()})
    return result
