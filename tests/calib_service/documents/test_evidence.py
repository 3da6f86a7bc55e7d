"""Evidence report: JSON (golden file), HTML with inline SVG, PDF parsed back, XLSX opened with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from calib_service.documents import (
    EVIDENCE_SCHEMA_VERSION,
    AssessmentOutcome,
    EvidenceDataError,
    Text,
    render_evidence_html,
    render_evidence_json,
    render_evidence_pdf,
    render_evidence_xlsx,
)
from calib_service.documents.evidence_samples import sample_evidence
from tests.calib_service.documents.pdf_text import pdf_pages

GOLDEN = Path(__file__).parent / "golden" / "evidence_sample.json"


def test_json_schema_and_figures() -> None:
    doc = json.loads(render_evidence_json(sample_evidence()))
    assert doc["schema"] == "calib-service/evidence-report"
    assert doc["schema_version"] == EVIDENCE_SCHEMA_VERSION == 1
    assert [t["number"] for t in doc["tasks"]] == [1, 2, 3, 4, 5, 6, 7]
    # 62+71+98+104+110+97+120+115+108+119+117+113 = 1234
    assert doc["calibrations_total"] == 1234
    task4 = doc["tasks"][3]["metrics"][0]
    assert task4["key"] == "certificates_issued" and task4["progress_percent"] == 123.4
    standards = doc["targets"][0]
    assert standards["progress_2025_percent"] == 70.0 and standards["progress_2030_percent"] == 23.3
    assert doc["assessments"]["cumulative_failed_years"] == 1
    assert doc["assessments"]["revocation_threshold"] == 3
    assert doc["assessments"]["revocation_reached"] is False
    assert doc["score_sheet"]["total"] == 92.9 and doc["score_sheet"]["passed"] is True
    assert len(doc["evidence_index"]) == 3


def test_json_is_sorted_stable_and_matches_golden_file() -> None:
    raw = render_evidence_json(sample_evidence())
    assert raw == render_evidence_json(sample_evidence())
    doc = json.loads(raw)
    assert list(doc) == sorted(doc)
    assert raw == GOLDEN.read_bytes(), (
        "evidence JSON changed: if intended, bump schema_version when keys change"
    )


def test_failed_years_reach_revocation() -> None:
    report = replace(
        sample_evidence(),
        assessments=(
            AssessmentOutcome(2023, False),
            AssessmentOutcome(2024, True),
            AssessmentOutcome(2025, False),
            AssessmentOutcome(2026, False),
        ),
    )
    assert json.loads(render_evidence_json(report))["assessments"]["revocation_reached"] is True


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(monthly_calibrations=(1,) * 11), "12"),
        (dict(as_of=dt.date(2025, 12, 31)), "before the report year"),
        (dict(audit_chain_head="not-hex"), "audit_chain_head"),
        (dict(assessments=(AssessmentOutcome(2027, True),)), "after the report year"),
    ],
)
def test_inconsistent_report_is_rejected(change: dict[str, object], match: str) -> None:
    with pytest.raises(EvidenceDataError, match=match):
        render_evidence_json(replace(sample_evidence(), **change))  # type: ignore[arg-type]


def test_missing_task_is_rejected() -> None:
    report = sample_evidence()
    with pytest.raises(EvidenceDataError, match=r"1\.\.7"):
        render_evidence_html(replace(report, tasks=report.tasks[:6]))


def test_html_is_self_contained_with_three_kinds_of_chart() -> None:
    html = render_evidence_html(sample_evidence()).decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "2026 年度工作报告（任务证据）" in html
    assert html.count("<svg ") == 4  # monthly, families, 2025 and 2030 progress
    assert "<title>月度检定/校准数量</title>" in html and "<title>器具类别分布</title>" in html
    assert "<script" not in html and "<link" not in html and "src=" not in html
    # every URL in the page is an SVG namespace, nothing is fetched
    assert set(re.findall(r"https?://[^\"' ]+", html)) == {"http://www.w3.org/2000/svg"}
    for n in range(1, 8):
        assert f'id="task{n}"' in html
    assert "开展碳计量人才队伍培育和科普宣传" in html
    assert html == render_evidence_html(sample_evidence()).decode("utf-8")


def test_html_en_variant() -> None:
    html = render_evidence_html(sample_evidence(), "en").decode("utf-8")
    assert '<html lang="en">' in html and "Annual work report 2026: task evidence" in html
    assert "Talent training and popularisation" in html and "Calibrations per month" in html


def test_pdf_content_pages_and_determinism() -> None:
    report = sample_evidence()
    pdf = render_evidence_pdf(report)
    assert pdf == render_evidence_pdf(report)
    assert b"D:20261231000000+08'00'" in pdf
    pages = pdf_pages(pdf)
    text = "\n".join(pages)
    assert "2026 年度工作报告（任务证据）" in pages[0]
    for i, page in enumerate(pages, start=1):
        assert f"第 {i} 页 共 {len(pages)} 页" in page
    for needle in ("开展碳计量测试技术需求分析", "1234", "92.9", "撤销阈值", "证据文件索引", "自行设计"):
        assert needle in text, needle
    assert "月度检定/校准数量" in text  # chart title drawn as text in the drawing


def test_pdf_en_variant() -> None:
    pages = pdf_pages(render_evidence_pdf(sample_evidence(), "en"))
    assert "Annual work report 2026: task evidence" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]


def test_xlsx_sheets_values_and_properties() -> None:
    raw = render_evidence_xlsx(sample_evidence())
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == [
        "概览", "月度检定校准", "器具类别", "目标进度",
        "任务1", "任务2", "任务3", "任务4", "任务5", "任务6", "任务7",
        "质量体系", "自评分", "历年考核", "证据索引",
    ]  # fmt: skip
    task4 = list(wb["任务4"].iter_rows(values_only=True))
    assert task4[0][0] == "任务 4 开展能源资源及碳计量设备测试校准服务"
    header = task4.index(("指标", "数值", "单位", "年度目标", "完成率 (%)"))
    assert task4[header + 1] == ("检定/校准证书", 1234, "份", 1000, 123.4)
    monthly = [r for r in wb["月度检定校准"].iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [r[1] for r in monthly] == [62, 71, 98, 104, 110, 97, 120, 115, 108, 119, 117, 113]
    score_rows = list(wb["自评分"].iter_rows(values_only=True))
    assert score_rows[-1][1] == "合计" and score_rows[-1][2] == 100 and score_rows[-1][5] == 92.9
    assert wb.properties.created == wb.properties.modified == dt.datetime(2026, 12, 31)


def test_xlsx_is_byte_identical_with_fixed_zip_times() -> None:
    raw = render_evidence_xlsx(sample_evidence())
    assert raw == render_evidence_xlsx(sample_evidence())
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 12, 31, 0, 0, 0)}


def test_xlsx_en_variant() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_evidence_xlsx(sample_evidence(), "en")))
    assert "Task 7" in wb.sheetnames and "Evidence index" in wb.sheetnames
    assert wb["Task 7"]["A1"].value == "Task 7 Talent training and popularisation"


def test_html_escapes_markup_in_data() -> None:
    report = sample_evidence()
    task = replace(report.tasks[0], summary=Text("<script>alert(1)</script> & co", ""))
    html = render_evidence_html(replace(report, tasks=(task, *report.tasks[1:]))).decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
