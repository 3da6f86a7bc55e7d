"""The annual evidence report from the records, its renderings, the multi-year view and the acceptance
(three-year) and re-review (five-year) packs, all built by one builder.

The same records and ``as_of`` give the same files byte for byte: every date in the documents comes from
``as_of``, every list is sorted by a stable key, and the audit-chain head is the last event recorded up
to the end of ``as_of``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.certificates.centre import centre_of
from calib_service.certificates.validity import add_months
from calib_service.documents import (
    AssessmentOutcome,
    EvidenceFile,
    EvidenceReport,
    FamilyCount,
    Metric,
    QualityCategory,
    QualityItem,
    ScoreSheet,
    TargetProgress,
    TaskSection,
    Text,
    load_default_score_sheet,
    render_evidence_html,
    render_evidence_json,
    render_evidence_pdf,
    render_evidence_xlsx,
    score,
)
from calib_service.errors import RecordValidationError
from calib_service.evidence.metrics import (
    CHONGQING_TARGETS,
    FAMILY_NAMES,
    METRICS,
    TASK_NAMES,
    AnnualMetrics,
    compute_metrics,
)
from calib_service.evidence.records import list_activities, list_quality_records, list_targets
from calib_service.models import (
    AssessmentRecord,
    AuditEvent,
    IssuedCertificate,
    IssuedCertificateFile,
    MeasurementStandard,
)
from calib_service.traceability import DEFAULT_TZ

__all__ = [
    "FORMATS",
    "REVOCATION_THRESHOLD",
    "EvidencePack",
    "MultiYearView",
    "assessment_history",
    "build_evidence_report",
    "build_pack",
    "render_report",
    "write_evidence_report",
    "write_pack",
]

#: Output formats of ``calib evidence``.
FORMATS: tuple[str, ...] = ("pdf", "xlsx", "html", "json")

#: Failed annual assessments in total that lead to revocation (centre.md §4, condition 3).
REVOCATION_THRESHOLD = 3

_MEDIA = {"pdf": "pdf", "xlsx": "xlsx", "html": "html", "json": "json"}


def _audit_head(session: Session, as_of: date, tz: str) -> str:
    limit = datetime.combine(as_of + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(tz))
    row = session.scalars(
        select(AuditEvent).where(AuditEvent.occurred_at < limit).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return "" if row is None else row.hash


def _evidence_index(
    session: Session, year: int, as_of: date, metrics: AnnualMetrics
) -> tuple[EvidenceFile, ...]:
    files: dict[str, EvidenceFile] = {}
    for act in list_activities(session=session, year=year, as_of=as_of):
        for att in act.attachments:
            name = f"activities/{act.held_on.isoformat()}-{act.id}/{att.filename}"
            files[name] = EvidenceFile(name, att.sha256, Text(act.title, act.title_en))
    if metrics.certificate_ids:
        rows = session.scalars(
            select(IssuedCertificateFile).where(
                IssuedCertificateFile.certificate_id.in_(metrics.certificate_ids)
            )
        )
        for f in rows:
            name = f"certificates/{f.filename}"
            files[name] = EvidenceFile(name, f.sha256, Text("证书文件", "Certificate file"))
    return tuple(files[k] for k in sorted(files))


def _quality(session: Session, year: int, as_of: date) -> tuple[QualityItem, ...]:
    return tuple(
        QualityItem(
            category=QualityCategory(q.category),
            reference=q.reference,
            date=q.recorded_on,
            description=Text(q.description, q.description_en),
            outcome=Text(q.outcome, q.outcome_en),
            closed=q.closed_on is not None and q.closed_on <= as_of,
        )
        for q in list_quality_records(session=session, year=year, as_of=as_of)
    )


def _assessments(session: Session, year: int, as_of: date) -> tuple[AssessmentOutcome, ...]:
    rows = session.scalars(
        select(AssessmentRecord)
        .where(
            AssessmentRecord.kind == "annual",
            AssessmentRecord.year <= year,
            AssessmentRecord.decided_on <= as_of,
        )
        .order_by(AssessmentRecord.year)
    )
    return tuple(
        AssessmentOutcome(r.year, r.passed, r.score, r.rectification_deadline, Text(r.note)) for r in rows
    )


def _tasks(metrics: AnnualMetrics, targets: dict[str, float]) -> tuple[TaskSection, ...]:
    sections = []
    for number in range(1, 8):
        ms = tuple(
            Metric(m.key, m.name, metrics.values[m.key], m.unit, targets.get(m.key))
            for m in METRICS
            if m.task == number
        )
        met = sum(1 for x in ms if x.target is not None and x.value >= x.target)
        with_target = sum(1 for x in ms if x.target is not None)
        summary = Text(
            f"截至 {metrics.as_of.isoformat()}，{with_target} 项有目标的指标中已完成 {met} 项。",
            f"As of {metrics.as_of.isoformat()}, {met} of {with_target} metrics with a target are met.",
        )
        sections.append(TaskSection(number, TASK_NAMES[number], ms, summary))
    return tuple(sections)


def build_evidence_report(
    *,
    session: Session,
    year: int,
    as_of: date,
    score_sheet: ScoreSheet | None = None,
    tz: str = DEFAULT_TZ,
) -> EvidenceReport:
    """The annual evidence report of ``year`` as the records stand at ``as_of``.

    Args:
        session: Database session.
        year: The report year.
        as_of: The report date (on or after 1 January of ``year``).
        score_sheet: The self-assessment sheet (default: the packaged sheet, the centre's own design).
        tz: The laboratory's zone.

    Returns:
        The report, ready for any renderer.

    Raises:
        RecordValidationError: ``as_of`` before the report year.
    """
    if as_of < date(year, 1, 1):
        raise RecordValidationError(
            f"as_of {as_of} is before the report year {year}; give a date in or after it"
        )
    metrics = compute_metrics(session=session, year=year, as_of=as_of, tz=tz)
    targets = list_targets(session=session, year=year)
    sheet = score_sheet if score_sheet is not None else load_default_score_sheet()
    own_numbers = session.scalars(
        select(MeasurementStandard.assessment_certificate_no)
        .where(
            MeasurementStandard.external.is_(False),
            MeasurementStandard.assessment_certificate_no.is_not(None),
        )
        .order_by(MeasurementStandard.assessment_certificate_no)
    ).all()
    return EvidenceReport(
        year=year,
        as_of=as_of,
        centre=centre_of(session=session, standard_certificate_numbers=[n for n in own_numbers if n]),
        tasks=_tasks(metrics, targets),
        monthly_calibrations=metrics.monthly_calibrations,
        families=tuple(
            FamilyCount(key, FAMILY_NAMES.get(key, Text(key)), count) for key, count in metrics.families
        ),
        targets=tuple(
            TargetProgress(t.key, t.name, metrics.chongqing[t.key], t.target_2025, t.target_2030)
            for t in CHONGQING_TARGETS
        ),
        quality=_quality(session, year, as_of),
        score_sheet=score(sheet, metrics.values),
        assessments=_assessments(session, year, as_of),
        audit_chain_head=_audit_head(session, as_of, tz),
        evidence_index=_evidence_index(session, year, as_of, metrics),
        revocation_threshold=REVOCATION_THRESHOLD,
    )


def render_report(report: EvidenceReport, fmt: str, lang: str = "zh") -> bytes:
    """Render ``report`` as ``pdf``, ``xlsx``, ``html`` or ``json`` (JSON carries both languages).

    Raises:
        RecordValidationError: an unknown format.
    """
    if fmt == "pdf":
        return render_evidence_pdf(report, lang)
    if fmt == "xlsx":
        return render_evidence_xlsx(report, lang)
    if fmt == "html":
        return render_evidence_html(report, lang)
    if fmt == "json":
        return render_evidence_json(report)
    raise RecordValidationError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_evidence_report(
    *,
    session: Session,
    year: int,
    as_of: date,
    out_dir: Path,
    formats: tuple[str, ...] = FORMATS,
    lang: str = "zh",
) -> dict[str, Path]:
    """Build the report and write ``evidence-<year>.<fmt>`` (``-en`` suffix for English) into ``out_dir``.

    Returns:
        Format → path written.
    """
    report = build_evidence_report(session=session, year=year, as_of=as_of)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        suffix = "" if lang == "zh" or fmt == "json" else f"-{lang}"
        path = out_dir / f"evidence-{year}{suffix}.{_MEDIA.get(fmt, fmt)}"
        path.write_bytes(render_report(report, fmt, lang))
        written[fmt] = path
    return written


@dataclass(frozen=True)
class MultiYearView:
    """Each year's official outcome and the cumulative failed-year count against the revocation line."""

    outcomes: tuple[AssessmentOutcome, ...]
    cumulative_failed: tuple[tuple[int, int], ...]
    threshold: int

    @property
    def failed_years(self) -> int:
        """Years whose official annual assessment failed."""
        return sum(1 for o in self.outcomes if not o.passed)

    @property
    def revocation_reached(self) -> bool:
        """True when the failed years reach the threshold (revocation condition 3)."""
        return self.failed_years >= self.threshold

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        failed = dict(self.cumulative_failed)
        return {
            "threshold": self.threshold,
            "failed_years": self.failed_years,
            "revocation_reached": self.revocation_reached,
            "years": [
                {
                    "year": o.year,
                    "passed": o.passed,
                    "score": o.score,
                    "rectification_deadline": None
                    if o.rectification_deadline is None
                    else o.rectification_deadline.isoformat(),
                    "cumulative_failed": failed[o.year],
                }
                for o in self.outcomes
            ],
        }


def assessment_history(*, session: Session, up_to_year: int, as_of: date | None = None) -> MultiYearView:
    """The official annual outcomes up to ``up_to_year`` (decided by ``as_of``) with the running count
    of failed years. The self-assessment score never enters this count."""
    stmt = select(AssessmentRecord).where(
        AssessmentRecord.kind == "annual", AssessmentRecord.year <= up_to_year
    )
    if as_of is not None:
        stmt = stmt.where(AssessmentRecord.decided_on <= as_of)
    rows = list(session.scalars(stmt.order_by(AssessmentRecord.year)))
    outcomes = tuple(
        AssessmentOutcome(r.year, r.passed, r.score, r.rectification_deadline, Text(r.note)) for r in rows
    )
    running, counts = 0, []
    for o in outcomes:
        running += int(not o.passed)
        counts.append((o.year, running))
    return MultiYearView(outcomes, tuple(counts), REVOCATION_THRESHOLD)


PACK_YEARS = {"acceptance": 3, "re_review": 5}


@dataclass(frozen=True)
class EvidencePack:
    """A construction-acceptance (three years) or re-review (five years) pack: one report per year.

    ``score`` and ``passed`` are the official outcome when one is recorded for the last year (kind
    ``acceptance`` / ``re_review``), else the last year's self-assessment (``official`` False).
    ``rectification_deadline``: below 80 points the centre must rectify within 3 months (限期整改).
    """

    kind: str
    years: tuple[int, ...]
    as_of: date
    reports: tuple[EvidenceReport, ...]
    score: float
    official: bool
    rectification_deadline: date | None
    history: MultiYearView

    @property
    def passed(self) -> bool:
        """Score at or above the pass line (80)."""
        return self.score >= self.reports[-1].score_sheet.pass_line

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (the reports are written beside it)."""
        return {
            "schema": "calib-service/evidence-pack",
            "schema_version": 1,
            "kind": self.kind,
            "years": list(self.years),
            "as_of": self.as_of.isoformat(),
            "score": self.score,
            "official": self.official,
            "passed": self.passed,
            "rectification_deadline": None
            if self.rectification_deadline is None
            else self.rectification_deadline.isoformat(),
            "self_scores": {str(r.year): r.score_sheet.total for r in self.reports},
            "history": self.history.to_dict(),
        }


def build_pack(*, session: Session, kind: str, end_year: int, as_of: date) -> EvidencePack:
    """The acceptance (3 years) or re-review (5 years) pack ending with ``end_year``.

    Raises:
        RecordValidationError: unknown kind, or ``as_of`` before ``end_year``.
    """
    if kind not in PACK_YEARS:
        raise RecordValidationError(
            f"unknown pack {kind!r}; use 'acceptance' (3 years) or 're_review' (5 years)"
        )
    years = tuple(range(end_year - PACK_YEARS[kind] + 1, end_year + 1))
    reports = tuple(
        build_evidence_report(
            session=session, year=y, as_of=min(as_of, date(y, 12, 31)) if y < end_year else as_of
        )
        for y in years
    )
    official = session.scalars(
        select(AssessmentRecord).where(AssessmentRecord.kind == kind, AssessmentRecord.year == end_year)
    ).first()
    if official is not None and official.score is not None:
        points, is_official = official.score, True
        deadline = official.rectification_deadline
    else:
        points, is_official = reports[-1].score_sheet.total, False
        deadline = None
    if deadline is None and points < reports[-1].score_sheet.pass_line:
        deadline = add_months(official.decided_on if official is not None else as_of, 3)
    return EvidencePack(
        kind=kind,
        years=years,
        as_of=as_of,
        reports=reports,
        score=points,
        official=is_official,
        rectification_deadline=deadline,
        history=assessment_history(session=session, up_to_year=end_year, as_of=as_of),
    )


def write_pack(
    pack: EvidencePack, out_dir: Path, *, formats: tuple[str, ...] = FORMATS, lang: str = "zh"
) -> Path:
    """Write ``pack.json`` and each year's report under ``out_dir/<year>/``; returns the summary path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for report in pack.reports:
        folder = out_dir / str(report.year)
        folder.mkdir(exist_ok=True)
        for fmt in formats:
            (folder / f"evidence-{report.year}.{fmt}").write_bytes(render_report(report, fmt, lang))
    path = out_dir / "pack.json"
    path.write_bytes(
        json.dumps(pack.to_dict(), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    )
    return path


def certificates_in(*, session: Session, year: int, as_of: date) -> list[IssuedCertificate]:
    """Certificates counted in ``year`` up to ``as_of`` (issue order)."""
    ids = compute_metrics(session=session, year=year, as_of=as_of).certificate_ids
    return [c for c in (session.get(IssuedCertificate, i) for i in ids) if c is not None]
