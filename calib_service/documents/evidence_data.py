"""Plain data of the annual evidence report (年度工作报告 / task evidence) of the carbon metrology centre.

The report is built from stored records (``shared/domain/centre.md`` §5, §6, §3/§4): the seven tasks with
their metrics, monthly calibration counts, the breakdown by instrument family, progress to the Chongqing
2025/2030 targets, quality-system items, the self-assessment score sheet, the multi-year assessment
outcomes with the cumulative failed-year count (revocation at 3), the head digest of the audit chain and
an index of evidence files with their SHA-256. Nothing here is typed in by hand: the service fills it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from enum import StrEnum

from calib_service.documents.certificate_data import Centre
from calib_service.documents.errors import EvidenceDataError
from calib_service.documents.i18n import EMPTY_TEXT, Text

__all__ = [
    "AssessmentOutcome",
    "EvidenceFile",
    "EvidenceReport",
    "FamilyCount",
    "Metric",
    "QualityCategory",
    "QualityItem",
    "ScoreItem",
    "ScoreSheetResult",
    "TargetProgress",
    "TaskSection",
    "check_evidence",
    "progress_percent",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def progress_percent(value: float, target: float | None) -> float | None:
    """Progress to a target in percent, one decimal, or None without a (positive) target.

    >>> progress_percent(7, 10), progress_percent(3, None)
    (70.0, None)
    """
    if target is None or target <= 0:
        return None
    return round(100.0 * value / target, 1)


@dataclass(frozen=True)
class Metric:
    """One KPI of a task.

    Attributes:
        key: Stable identifier, e.g. ``certificates_issued``.
        name: Printed name.
        value: The value for the year (as of the report date).
        unit: Printed unit, e.g. 份 / reports; may be empty.
        target: The annual target, or None.
    """

    key: str
    name: Text
    value: float
    unit: Text = EMPTY_TEXT
    target: float | None = None

    @property
    def progress(self) -> float | None:
        """Progress to the target in percent, or None."""
        return progress_percent(self.value, self.target)


@dataclass(frozen=True)
class TaskSection:
    """One of the seven tasks (centre.md §5).

    Attributes:
        number: 1 to 7.
        name: Task name as in the policy interpretation.
        metrics: Its KPIs.
        summary: A sentence describing the year's work, may be empty.
    """

    number: int
    name: Text
    metrics: tuple[Metric, ...]
    summary: Text = EMPTY_TEXT


@dataclass(frozen=True)
class FamilyCount:
    """Calibrations and verifications of one instrument family in the year.

    Attributes:
        key: e.g. ``electricity``.
        name: Printed name, e.g. 电能表.
        count: Number of certificates.
    """

    key: str
    name: Text
    count: int


@dataclass(frozen=True)
class TargetProgress:
    """Progress to a Chongqing 2025/2030 target (centre.md §6).

    Attributes:
        key: e.g. ``measurement_standards``.
        name: Printed name.
        achieved: Count achieved so far (cumulative, as stored).
        target_2025: The 2025 target or None.
        target_2030: The 2030 target or None.
    """

    key: str
    name: Text
    achieved: float
    target_2025: float | None
    target_2030: float | None

    @property
    def progress_2025(self) -> float | None:
        """Percent of the 2025 target."""
        return progress_percent(self.achieved, self.target_2025)

    @property
    def progress_2030(self) -> float | None:
        """Percent of the 2030 target."""
        return progress_percent(self.achieved, self.target_2030)


class QualityCategory(StrEnum):
    """Kinds of quality-system record (ISO/IEC 17025 7.7, 7.9, 8.7, 8.8, 8.9)."""

    PROFICIENCY_TEST = "proficiency_test"
    COMPLAINT = "complaint"
    CORRECTIVE_ACTION = "corrective_action"
    INTERNAL_AUDIT = "internal_audit"
    MANAGEMENT_REVIEW = "management_review"


@dataclass(frozen=True)
class QualityItem:
    """One quality-system record.

    Attributes:
        category: Its kind.
        reference: Record number.
        date: Date of the record.
        description: What it was.
        outcome: Result or status (e.g. 满意 |En| ≤ 1; closed).
        closed: True when the item is closed.
    """

    category: QualityCategory
    reference: str
    date: dt.date
    description: Text
    outcome: Text
    closed: bool = True


@dataclass(frozen=True)
class ScoreItem:
    """A scored item of the self-assessment sheet.

    Attributes:
        key: Stable identifier.
        task: Task number 1-7, or 0 for governance.
        name: Printed name.
        weight: Maximum points.
        score: Points given (0 <= score <= weight).
        evidence: The evidence count used, or None for an item scored by hand.
        target: The count that earns full points, or None.
    """

    key: str
    task: int
    name: Text
    weight: float
    score: float
    evidence: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class ScoreSheetResult:
    """The scored self-assessment sheet.

    Attributes:
        title: Name of the sheet.
        notice: The statement of what the sheet is (the centre's own design).
        items: Scored items.
        pass_line: Points needed to pass (80).
        scale: Full score (100).
    """

    title: Text
    notice: Text
    items: tuple[ScoreItem, ...]
    pass_line: float = 80.0
    scale: float = 100.0

    @property
    def total(self) -> float:
        """Sum of the item scores, rounded to 0.1."""
        return round(sum(i.score for i in self.items), 1)

    @property
    def passed(self) -> bool:
        """True when the total reaches the pass line."""
        return self.total >= self.pass_line


@dataclass(frozen=True)
class AssessmentOutcome:
    """The outcome of one annual assessment (年度考核).

    Attributes:
        year: Assessment year.
        passed: True when the year's tasks were assessed as completed.
        score: The score, if one was given.
        rectification_deadline: Deadline for rectification (限期整改), if any.
        note: Remarks.
    """

    year: int
    passed: bool
    score: float | None = None
    rectification_deadline: dt.date | None = None
    note: Text = EMPTY_TEXT


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file in the index.

    Attributes:
        name: File name (relative path in the evidence pack).
        sha256: Hex SHA-256 of its content.
        description: What it is, may be empty.
    """

    name: str
    sha256: str
    description: Text = EMPTY_TEXT


@dataclass(frozen=True)
class EvidenceReport:
    """The annual evidence report.

    Attributes:
        year: The report year.
        as_of: Date the data was taken; fixes the documents' dates.
        centre: The centre.
        tasks: The seven task sections.
        monthly_calibrations: Twelve counts, January first.
        families: Counts by instrument family.
        targets: Progress to the municipal targets.
        quality: Quality-system items.
        score_sheet: The scored self-assessment sheet.
        assessments: Outcomes of annual assessments, this year and before.
        audit_chain_head: Hex digest at the head of the hash-chained audit log.
        evidence_index: Evidence files with SHA-256.
        revocation_threshold: Failed years in total that lead to revocation (3).
    """

    year: int
    as_of: dt.date
    centre: Centre
    tasks: tuple[TaskSection, ...]
    monthly_calibrations: tuple[int, ...]
    families: tuple[FamilyCount, ...]
    targets: tuple[TargetProgress, ...]
    quality: tuple[QualityItem, ...]
    score_sheet: ScoreSheetResult
    assessments: tuple[AssessmentOutcome, ...]
    audit_chain_head: str
    evidence_index: tuple[EvidenceFile, ...]
    revocation_threshold: int = 3

    @property
    def cumulative_failed_years(self) -> int:
        """Years up to and including ``year`` whose annual assessment failed."""
        return sum(1 for a in self.assessments if not a.passed and a.year <= self.year)

    @property
    def calibrations_total(self) -> int:
        """Sum of the monthly counts."""
        return sum(self.monthly_calibrations)


def _bad(what: str) -> EvidenceDataError:
    return EvidenceDataError(f"evidence report: {what}")


def _check_numbers(report: EvidenceReport) -> None:
    for task in report.tasks:
        for m in task.metrics:
            if not math.isfinite(m.value) or (m.target is not None and not math.isfinite(m.target)):
                raise _bad(f"task {task.number} metric {m.key!r} has a non-finite value or target")
    for f in report.families:
        if f.count < 0:
            raise _bad(f"family {f.key!r} has a negative count {f.count}")
    sheet = report.score_sheet
    for item in sheet.items:
        if not 0 <= item.score <= item.weight:
            raise _bad(f"score item {item.key!r}: score {item.score} is outside 0..{item.weight}")
    weights = round(sum(i.weight for i in sheet.items), 6)
    if sheet.items and weights != sheet.scale:
        raise _bad(f"score-sheet weights add up to {weights}, not {sheet.scale}")


def check_evidence(report: EvidenceReport) -> None:
    """Check an evidence report before rendering; every renderer calls this.

    Args:
        report: The report.

    Raises:
        EvidenceDataError: A section is inconsistent; the message names it and the value.
    """
    numbers = sorted(t.number for t in report.tasks)
    if numbers != list(range(1, 8)):
        raise _bad(f"tasks must be numbered 1..7 once each, got {numbers}")
    if len(report.monthly_calibrations) != 12 or any(c < 0 for c in report.monthly_calibrations):
        raise _bad(f"monthly_calibrations needs 12 non-negative counts, got {report.monthly_calibrations}")
    if report.as_of.year < report.year:
        raise _bad(f"as_of {report.as_of} is before the report year {report.year}")
    years = [a.year for a in report.assessments]
    if len(set(years)) != len(years):
        raise _bad(f"assessment years repeat: {sorted(years)}")
    if any(y > report.year for y in years):
        raise _bad(f"assessment outcomes after the report year {report.year}: {sorted(years)}")
    for f in report.evidence_index:
        if not _SHA256.match(f.sha256):
            raise _bad(f"evidence file {f.name!r}: {f.sha256!r} is not a lower-case hex SHA-256")
    if report.audit_chain_head and not re.fullmatch(r"[0-9a-f]{16,128}", report.audit_chain_head):
        raise _bad(f"audit_chain_head {report.audit_chain_head!r} is not a lower-case hex digest")
    if report.revocation_threshold < 1:
        raise _bad(f"revocation_threshold {report.revocation_threshold} must be at least 1")
    _check_numbers(report)
