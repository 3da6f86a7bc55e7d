"""The annual evidence report from a seeded year: metrics equal the records, every format parses back to
the same numbers, identical bytes for the same data and as_of, progress follows as_of, packs."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from calib_service.errors import RecordValidationError
from calib_service.evidence import (
    FORMATS,
    build_evidence_report,
    build_pack,
    compute_metrics,
    render_report,
    write_evidence_report,
    write_pack,
)
from calib_service.models import (
    AnnualTarget,
    Calibration,
    EvidenceActivity,
    IssuedCertificate,
    IssuedCertificateFile,
    Job,
    MeasurementStandard,
    StandardCertificate,
)
from tests.calib_service.evidence.conftest import AS_OF, Seeded

ZONE = ZoneInfo("Asia/Shanghai")


def test_metrics_equal_the_records(seeded: Seeded) -> None:
    with seeded.factory() as s:
        m = compute_metrics(session=s, year=2026, as_of=AS_OF)
        certs = s.scalars(select(IssuedCertificate).where(IssuedCertificate.issue_date <= AS_OF)).all()
        assert len(certs) == len(seeded.summary.certificate_numbers) == 5
        assert m.values["certificates_issued"] == len(certs)
        assert m.certificates_by_kind == dict(Counter(c.kind for c in certs))
        assert m.certificates_by_kind == {"calibration": 1, "verification": 3, "verification_notice": 1}
        cals = [s.get(Calibration, c.calibration_id) for c in certs]
        months = Counter(c.finished_at.astimezone(ZONE).month for c in cals if c and c.finished_at)
        assert list(m.monthly_calibrations) == [months.get(i, 0) for i in range(1, 13)]
        assert m.values["calibrations_completed"] == sum(m.monthly_calibrations) == 5
        assert dict(m.families) == {"electricity": 5}
        on_time = sum(
            1
            for c, cal in zip(certs, cals, strict=True)
            if cal is not None and c.issue_date <= s.get(Job, cal.job_id).agreed_due_date  # type: ignore[union-attr]
        )
        assert m.values["on_time_rate_percent"] == round(100 * on_time / len(certs), 1)
        acts = s.scalars(select(EvidenceActivity).where(EvidenceActivity.held_on <= AS_OF)).all()
        assert (
            m.values["trainees"] == sum(a.participants for a in acts if a.activity_type == "training") == 46
        )
        assert m.values["outreach_audience"] == 320 and m.values["outreach_events"] == 1
        assert m.values["needs_reports"] == 1  # the March report; the September one is after as_of
        assert m.values["proficiency_tests"] == 1 and m.values["proficiency_satisfactory"] == 1
        assert m.values["quality_reviews_completed"] == 0  # audit and review come later in the year
        own = s.scalars(
            select(MeasurementStandard).where(
                MeasurementStandard.external.is_(False),
                MeasurementStandard.status == "in_service",
                MeasurementStandard.level.in_(("secondary", "working")),
            )
        ).all()
        assert m.values["standards_in_service"] == len(own) >= 1
        valid = [
            std
            for std in own
            if all(
                any(
                    c.valid_on(AS_OF)
                    for c in s.scalars(
                        select(StandardCertificate).where(StandardCertificate.equipment_id == eq.id)
                    )
                )
                for eq in std.equipment
            )
        ]
        assert m.values["standards_traceable"] == len(valid)
        report = build_evidence_report(session=s, year=2026, as_of=AS_OF)
        targets = {
            t.metric: t.target for t in s.scalars(select(AnnualTarget).where(AnnualTarget.year == 2026))
        }
        task4 = next(t for t in report.tasks if t.number == 4)
        issued = next(x for x in task4.metrics if x.key == "certificates_issued")
        assert issued.value == 5 and issued.target == targets["certificates_issued"]
        files = {f.sha256 for f in s.scalars(select(IssuedCertificateFile))}
        assert files <= {f.sha256 for f in report.evidence_index}
        assert report.assessments[0].year == 2025 and report.assessments[0].passed


def test_progress_follows_as_of(seeded: Seeded) -> None:
    with seeded.factory() as s:
        march = compute_metrics(session=s, year=2026, as_of=date(2026, 3, 31))
        feb = compute_metrics(session=s, year=2026, as_of=date(2026, 2, 28))
        assert march.values["certificates_issued"] == 3 and feb.values["certificates_issued"] == 2
        assert march.values["trainees"] == 46 and feb.values["trainees"] == 0
        early = build_evidence_report(session=s, year=2026, as_of=date(2026, 2, 28))
        assert (
            early.score_sheet.total
            < build_evidence_report(session=s, year=2026, as_of=AS_OF).score_sheet.total
        )
        with pytest.raises(RecordValidationError, match="before the report year"):
            build_evidence_report(session=s, year=2026, as_of=date(2025, 12, 31))


def test_every_format_parses_back_to_the_records(seeded: Seeded, tmp_path: Path) -> None:
    with seeded.factory() as s:
        written = write_evidence_report(session=s, year=2026, as_of=AS_OF, out_dir=tmp_path)
        m = compute_metrics(session=s, year=2026, as_of=AS_OF)
    assert set(written) == set(FORMATS)
    wb = openpyxl.load_workbook(written["xlsx"])
    rows = {r[0]: r for r in wb["任务4"].iter_rows(values_only=True) if r and r[0]}
    assert rows["出具证书"][1] == m.values["certificates_issued"] == 5
    assert rows["按期完成率"][1] == m.values["on_time_rate_percent"]
    monthly = [
        r[1] for r in wb["月度检定校准"].iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)
    ]
    assert monthly == list(m.monthly_calibrations)
    rows7 = {r[0]: r for r in wb["任务7"].iter_rows(values_only=True) if r and r[0]}
    assert rows7["培训人次"][1] == 46
    doc = json.loads(written["json"].read_bytes())
    assert doc["schema_version"] == 1 and doc["year"] == 2026 and doc["as_of"] == "2026-05-31"
    text = json.dumps(doc, ensure_ascii=False)
    assert '"certificates_issued"' in text
    pdf = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(written["pdf"].read_bytes())).pages)
    assert "2026" in pdf and "出具证书" in pdf and "培训人次" in pdf
    html = written["html"].read_text(encoding="utf-8")
    assert "<svg" in html and "出具证书" in html


def test_same_data_and_as_of_give_identical_bytes(seeded: Seeded) -> None:
    with seeded.factory() as s:
        first = build_evidence_report(session=s, year=2026, as_of=AS_OF)
    with seeded.factory() as s:
        second = build_evidence_report(session=s, year=2026, as_of=AS_OF)
    assert first == second
    for fmt in FORMATS:
        assert render_report(first, fmt) == render_report(second, fmt), fmt
    assert render_report(first, "pdf", "en") == render_report(second, "pdf", "en")


def test_acceptance_pack_below_80_gets_a_rectification_deadline(seeded: Seeded, tmp_path: Path) -> None:
    with seeded.factory() as s:
        pack = build_pack(session=s, kind="acceptance", end_year=2026, as_of=AS_OF)
        assert pack.years == (2024, 2025, 2026) and not pack.official
        assert pack.score == pack.reports[-1].score_sheet.total < 80
        assert not pack.passed and pack.rectification_deadline == date(2026, 8, 31)
        path = write_pack(pack, tmp_path, formats=("json",))
    summary = json.loads(path.read_text(encoding="utf-8"))
    assert summary["kind"] == "acceptance" and summary["rectification_deadline"] == "2026-08-31"
    assert (tmp_path / "2024" / "evidence-2024.json").is_file()
    with seeded.factory() as s, pytest.raises(RecordValidationError, match="re_review"):
        build_pack(session=s, kind="yearly", end_year=2026, as_of=AS_OF)
