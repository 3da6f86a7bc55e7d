"""A worked example of the annual evidence report (invented figures), for tests, docs and previews."""

from __future__ import annotations

import datetime as dt
import hashlib

from calib_service.documents.evidence_data import (
    AssessmentOutcome,
    EvidenceFile,
    EvidenceReport,
    FamilyCount,
    Metric,
    QualityCategory,
    QualityItem,
    TargetProgress,
    TaskSection,
)
from calib_service.documents.i18n import Text
from calib_service.documents.samples import SAMPLE_CENTRE
from calib_service.documents.score_sheet import load_default_score_sheet, score

__all__ = ["SAMPLE_EVIDENCE_COUNTS", "sample_evidence"]

SAMPLE_EVIDENCE_COUNTS: dict[str, float] = {
    "needs_reports": 2,
    "enterprises_surveyed": 16,
    "standards_built": 3,
    "specifications": 1,
    "research_outputs": 2,
    "data_services": 3,
    "data_enterprises": 8,
    "certificates_issued": 1234,
    "families_covered": 6,
    "on_time_rate_percent": 97.5,
    "management_services": 4,
    "client_units": 12,
    "units_reviewed": 9,
    "supervision_reports": 2,
    "trainees": 140,
    "outreach_events": 2,
    "annual_report_submitted": 1,
    "quality_reviews_completed": 2,
}

_PIECES = Text("件", "items")


def _m(key: str, zh: str, en: str, target: float | None, unit: Text = _PIECES) -> Metric:
    return Metric(key, Text(zh, en), SAMPLE_EVIDENCE_COUNTS[key], unit, target)


def _tasks() -> tuple[TaskSection, ...]:
    return (
        TaskSection(
            1,
            Text("开展碳计量测试技术需求分析", "Technical-needs analysis"),
            (
                _m("needs_reports", "需求分析报告", "Needs-analysis reports", 2, Text("份", "reports")),
                _m("enterprises_surveyed", "调研企业", "Enterprises surveyed", 20, Text("家", "enterprises")),
            ),
            Text("完成水泥、化工两个行业的需求分析。", "Needs analyses for cement and chemicals."),
        ),
        TaskSection(
            2,
            Text("开展碳计量技术研究与应用", "Carbon metrology research and application"),
            (
                _m("standards_built", "新建/升级计量标准", "Standards built or upgraded", 2),
                _m("specifications", "计量技术规范", "Metrology specifications", 1),
                _m("research_outputs", "项目、论文与专利", "Projects, papers and patents", 3),
            ),
        ),
        TaskSection(
            3,
            Text("开展碳计量数据应用研究", "Carbon metrology data application research"),
            (
                _m("data_services", "数据应用服务", "Data services", 3),
                _m("data_enterprises", "覆盖企业", "Enterprises covered", 10, Text("家", "enterprises")),
            ),
        ),
        TaskSection(
            4,
            Text("开展能源资源及碳计量设备测试校准服务", "Testing and calibration services"),
            (
                _m(
                    "certificates_issued",
                    "检定/校准证书",
                    "Certificates issued",
                    1000,
                    Text("份", "certificates"),
                ),
                _m("families_covered", "覆盖器具类别", "Instrument families", 6, Text("类", "families")),
                _m("on_time_rate_percent", "按期完成率", "On-time rate", 95, Text("%", "%")),
            ),
        ),
        TaskSection(
            5,
            Text("开展碳计量技术及管理服务", "Technology and management services"),
            (
                _m("management_services", "服务项目", "Services delivered", 5),
                _m("client_units", "服务单位", "Client units", 10, Text("家", "units")),
            ),
        ),
        TaskSection(
            6,
            Text("提供碳计量监督技术支撑", "Supervision technical support"),
            (
                _m("units_reviewed", "参与审查单位", "Units reviewed", 10, Text("家", "units")),
                _m("supervision_reports", "技术支撑报告", "Support reports", 2, Text("份", "reports")),
            ),
        ),
        TaskSection(
            7,
            Text("开展碳计量人才队伍培育和科普宣传", "Talent training and popularisation"),
            (
                _m("trainees", "培训人次", "Trainees", 100, Text("人次", "persons")),
                _m("outreach_events", "科普活动", "Outreach events", 3, Text("场", "events")),
            ),
        ),
    )


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def sample_evidence(year: int = 2026, as_of: dt.date = dt.date(2026, 12, 31)) -> EvidenceReport:
    """The example report.

    Args:
        year: Report year.
        as_of: Date of the data.

    Returns:
        The report.
    """
    families = (
        FamilyCount("electricity", Text("电能表", "Electricity meters"), 512),
        FamilyCount("water", Text("水表", "Water meters"), 301),
        FamilyCount("gas", Text("燃气表", "Gas meters"), 187),
        FamilyCount("heat", Text("热量表", "Heat meters"), 96),
        FamilyCount("cems", Text("烟气排放连续监测系统", "CEMS"), 58),
        FamilyCount("co2_analyser", Text("二氧化碳分析仪", "CO₂ analysers"), 80),
    )
    quality = (
        QualityItem(
            QualityCategory.PROFICIENCY_TEST,
            "PT-2026-03",
            dt.date(2026, 5, 20),
            Text("电能表能力验证", "Energy-meter proficiency test"),
            Text("满意 |En| = 0.42", "Satisfactory, |En| = 0.42"),
        ),
        QualityItem(
            QualityCategory.COMPLAINT,
            "CP-2026-01",
            dt.date(2026, 7, 2),
            Text("证书地址错误", "Wrong address on a certificate"),
            Text("已换发证书", "Certificate reissued"),
        ),
        QualityItem(
            QualityCategory.CORRECTIVE_ACTION,
            "CA-2026-02",
            dt.date(2026, 7, 9),
            Text("证书审核流程整改", "Certificate review procedure corrected"),
            Text("已关闭", "Closed"),
        ),
        QualityItem(
            QualityCategory.INTERNAL_AUDIT,
            "IA-2026",
            dt.date(2026, 9, 15),
            Text("年度内部审核", "Annual internal audit"),
            Text("2 项不符合，已整改", "2 findings, corrected"),
        ),
        QualityItem(
            QualityCategory.MANAGEMENT_REVIEW,
            "MR-2026",
            dt.date(2026, 11, 28),
            Text("年度管理评审", "Annual management review"),
            Text("已完成", "Completed"),
        ),
    )
    files = tuple(
        EvidenceFile(name, _digest(name), Text(zh, en))
        for name, zh, en in (
            ("certificates/2026-index.csv", "证书清单", "Certificate index"),
            ("reports/needs-cement-2026.pdf", "水泥行业需求分析报告", "Cement needs analysis"),
            ("training/2026-sessions.xlsx", "培训记录", "Training records"),
        )
    )
    return EvidenceReport(
        year=year,
        as_of=as_of,
        centre=SAMPLE_CENTRE,
        tasks=_tasks(),
        monthly_calibrations=(62, 71, 98, 104, 110, 97, 120, 115, 108, 119, 117, 113),
        families=families,
        targets=(
            TargetProgress("measurement_standards", Text("计量标准", "Measurement standards"), 7, 10, 30),
            TargetProgress("specifications", Text("计量技术规范", "Metrology specifications"), 3, 5, 30),
            TargetProgress("reference_materials", Text("标准物质", "Reference materials"), 1, None, 10),
            TargetProgress(
                "national_standards", Text("国家/行业标准", "National/industry standards"), 4, 10, 20
            ),
            TargetProgress("local_standards", Text("地方标准", "Local standards"), 2, 5, 10),
        ),
        quality=quality,
        score_sheet=score(load_default_score_sheet(), SAMPLE_EVIDENCE_COUNTS),
        assessments=(
            AssessmentOutcome(2024, True, 86.5),
            AssessmentOutcome(
                2025,
                False,
                76.0,
                dt.date(2026, 6, 30),
                Text("限期整改后复评", "Re-scored after rectification"),
            ),
        ),
        audit_chain_head=_digest("audit-chain-head-2026"),
        evidence_index=files,
    )
