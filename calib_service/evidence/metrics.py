"""Metrics of the annual task evidence, computed from the records at a date (``as_of``), never typed in.

Task 4 counts itself: calibrations completed and certificates issued (by instrument family and customer),
the on-time rate against the job's agreed due date (records issue), nonconformities raised and closed
(traceability issue), the centre's standards in service and whether their certificates are valid.
The other tasks count :class:`~calib_service.models.EvidenceActivity` rows by type. The Chongqing
2025/2030 targets (``shared/domain/centre.md`` §6, status V) are configurable data in
:data:`CHONGQING_TARGETS`; whether the official figures are cumulative is not stated, so progress is
shown as the cumulative count of the matching activities up to ``as_of``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calib_service.documents import Text
from calib_service.models import (
    Calibration,
    Customer,
    EvidenceActivity,
    IssuedCertificate,
    Job,
    MeasurementStandard,
    Nonconformity,
    QualityRecord,
    StandardCertificate,
)
from calib_service.traceability import DEFAULT_TZ

__all__ = [
    "CHONGQING_TARGETS",
    "FAMILY_NAMES",
    "METRICS",
    "TASK_NAMES",
    "AnnualMetrics",
    "ChongqingTarget",
    "MetricDef",
    "compute_metrics",
]


@dataclass(frozen=True)
class MetricDef:
    """A metric: key, task (0 = governance), printed name and unit."""

    key: str
    task: int
    name: Text
    unit: Text


def _m(key: str, task: int, zh: str, en: str, uzh: str, uen: str) -> MetricDef:
    return MetricDef(key, task, Text(zh, en), Text(uzh, uen))


#: The seven tasks as named in the policy interpretation (centre.md §5).
TASK_NAMES: dict[int, Text] = {
    1: Text("开展碳计量测试技术需求分析", "Technical-needs analysis"),
    2: Text("开展碳计量技术研究与应用", "Carbon metrology research and application"),
    3: Text("开展碳计量数据应用研究", "Carbon metrology data application research"),
    4: Text("开展能源资源及碳计量设备测试校准服务", "Testing and calibration services"),
    5: Text("开展碳计量技术及管理服务", "Technology and management services"),
    6: Text("提供碳计量监督技术支撑", "Supervision technical support"),
    7: Text("开展碳计量人才队伍培育和科普宣传", "Talent training and popularisation"),
}

#: Every metric, in report order. Keys match the evidence keys of the default score sheet.
METRICS: tuple[MetricDef, ...] = (
    _m("needs_reports", 1, "需求分析报告", "Needs-analysis reports", "份", "reports"),
    _m("enterprises_surveyed", 1, "调研企业", "Enterprises surveyed", "家", "enterprises"),
    _m("gaps_closed", 1, "补齐的计量能力缺口", "Capability gaps closed", "项", "items"),
    _m("standards_built", 2, "新建/升级计量标准", "Standards built or upgraded", "项", "items"),
    _m("specifications", 2, "计量技术规范", "Metrology specifications", "项", "items"),
    _m("research_outputs", 2, "项目、论文与专利", "Projects, papers and patents", "项", "items"),
    _m("standards_in_service", 2, "在用计量标准", "Standards in service", "项", "items"),
    _m("standards_traceable", 2, "溯源有效的计量标准", "Standards with valid traceability", "项", "items"),
    _m("data_services", 3, "数据应用服务", "Data services", "项", "items"),
    _m("data_enterprises", 3, "覆盖企业", "Enterprises covered", "家", "enterprises"),
    _m("calibrations_completed", 4, "完成检定/校准", "Calibrations completed", "台件", "items"),
    _m("certificates_issued", 4, "出具证书", "Certificates issued", "份", "certificates"),
    _m("families_covered", 4, "覆盖器具类别", "Instrument families", "类", "families"),
    _m("customers_served", 4, "服务客户", "Customers served", "家", "customers"),
    _m("on_time_rate_percent", 4, "按期完成率", "On-time rate", "%", "%"),
    _m("nonconformities_raised", 4, "不符合工作", "Nonconformities raised", "项", "items"),
    _m("nonconformities_closed", 4, "已关闭不符合工作", "Nonconformities closed", "项", "items"),
    _m("management_services", 5, "服务项目", "Services delivered", "项", "items"),
    _m("client_units", 5, "服务单位", "Client units", "家", "units"),
    _m("units_reviewed", 6, "参与审查单位", "Units reviewed", "家", "units"),
    _m("supervision_reports", 6, "技术支撑报告", "Support reports", "份", "reports"),
    _m("trainees", 7, "培训人次", "Trainees", "人次", "persons"),
    _m("training_sessions", 7, "培训班次", "Training sessions", "期", "sessions"),
    _m("outreach_events", 7, "科普活动", "Outreach events", "场", "events"),
    _m("outreach_audience", 7, "科普受众", "Outreach audience", "人次", "persons"),
    _m("annual_report_submitted", 0, "年度工作报告", "Annual work report", "份", "reports"),
    _m("quality_reviews_completed", 0, "内审与管理评审", "Audits and management reviews", "次", "times"),
    _m("proficiency_tests", 0, "能力验证/比对", "Proficiency tests and comparisons", "次", "times"),
    _m("proficiency_satisfactory", 0, "能力验证满意", "Proficiency tests satisfactory", "次", "times"),
)

#: Printed names of the instrument families (``Equipment.family``).
FAMILY_NAMES: dict[str, Text] = {
    "electricity": Text("电能表", "Electricity meters"),
    "water": Text("水表", "Water meters"),
    "gas": Text("燃气表", "Gas meters"),
    "heat": Text("热量表", "Heat meters"),
    "flow": Text("流量计", "Flowmeters"),
    "co2": Text("二氧化碳分析仪", "CO₂ analysers"),
    "cems": Text("烟气排放连续监测系统", "CEMS"),
    "temperature": Text("温度仪表", "Temperature instruments"),
    "mass": Text("质量计量器具", "Mass instruments"),
    "electrical": Text("电学仪表", "Electrical instruments"),
    "other": Text("其他", "Other"),
}


@dataclass(frozen=True)
class ChongqingTarget:
    """A municipal target (centre.md §6) and the activity type whose records count toward it."""

    key: str
    name: Text
    target_2025: float | None
    target_2030: float | None
    activity_type: str


#: 《重庆市建立健全碳达峰碳中和标准计量体系实施方案》 targets (V); replace to configure.
CHONGQING_TARGETS: tuple[ChongqingTarget, ...] = (
    ChongqingTarget(
        "measurement_standards", Text("计量标准", "Measurement standards"), 10, 30, "standard_built"
    ),
    ChongqingTarget(
        "specifications", Text("计量技术规范", "Metrology specifications"), 5, 30, "specification"
    ),
    ChongqingTarget(
        "reference_materials", Text("标准物质", "Reference materials"), None, 10, "reference_material"
    ),
    ChongqingTarget(
        "national_standards",
        Text("国家/行业标准", "National/industry standards"),
        10,
        20,
        "national_standard",
    ),
    ChongqingTarget("local_standards", Text("地方标准", "Local standards"), 5, 10, "local_standard"),
)


@dataclass(frozen=True)
class AnnualMetrics:
    """Everything counted for one year up to ``as_of``.

    Attributes:
        year: The year.
        as_of: The date the counts are taken at.
        values: Metric key → value (every key of :data:`METRICS`).
        monthly_calibrations: Calibrations completed per month (12).
        families: (family, certificates) sorted by family key.
        customers: (customer name, certificates) sorted by name.
        certificates_by_kind: Kind → count.
        chongqing: Target key → cumulative count up to ``as_of``.
        certificate_ids: The certificates counted (ids, in issue order).
    """

    year: int
    as_of: date
    values: dict[str, float]
    monthly_calibrations: tuple[int, ...]
    families: tuple[tuple[str, int], ...]
    customers: tuple[tuple[str, int], ...]
    certificates_by_kind: dict[str, int]
    chongqing: dict[str, float]
    certificate_ids: tuple[int, ...] = field(default=())


def _window(year: int, as_of: date) -> tuple[date, date]:
    return date(year, 1, 1), min(date(year, 12, 31), as_of)


def _calibrations(session: Session, start: date, end: date, zone: ZoneInfo) -> list[tuple[Calibration, date]]:
    done: list[tuple[Calibration, date]] = []
    when = func.coalesce(
        Calibration.finished_at, Calibration.measured_at, Calibration.started_at, Calibration.created_at
    )
    # coarse window in SQL (a day of margin either side for the zone), exact local dates below
    low = datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC)
    stmt = select(Calibration).where(
        Calibration.status.in_(("measured", "reviewed", "approved", "issued")),
        Calibration.revision == 1,
        when >= low,
        when < high,
    )
    for cal in session.scalars(stmt.order_by(Calibration.id)):
        moment = cal.finished_at or cal.measured_at or cal.started_at or cal.created_at
        day = moment.astimezone(zone).date()
        if start <= day <= end:
            done.append((cal, day))
    return done


def _standards(session: Session, as_of: date) -> tuple[int, int]:
    own = session.scalars(
        select(MeasurementStandard).where(
            MeasurementStandard.external.is_(False),
            MeasurementStandard.status == "in_service",
            MeasurementStandard.level.in_(("secondary", "working")),
        )
    ).all()
    traceable = 0
    for std in own:
        ok = bool(std.equipment)
        for eq in std.equipment:
            certs = session.scalars(
                select(StandardCertificate).where(StandardCertificate.equipment_id == eq.id)
            )
            ok = ok and any(c.valid_on(as_of) for c in certs)
        traceable += int(ok)
    return len(own), traceable


def _activity_values(acts: list[EvidenceActivity]) -> dict[str, float]:
    def n(kind: str) -> float:
        return float(sum(1 for a in acts if a.activity_type == kind))

    def total(kinds: tuple[str, ...], attr: str) -> float:
        return float(sum(getattr(a, attr) for a in acts if a.activity_type in kinds))

    return {
        "needs_reports": n("needs_analysis"),
        "enterprises_surveyed": total(("needs_analysis", "enterprise_survey"), "count"),
        "gaps_closed": n("gap_closed"),
        "standards_built": n("standard_built"),
        "specifications": n("specification"),
        "research_outputs": n("research_project") + n("paper") + n("patent"),
        "data_services": n("data_service") + n("data_product"),
        "data_enterprises": total(("data_service", "data_product"), "count"),
        "management_services": n("management_service"),
        "client_units": float(len({a.client for a in acts if a.task == 5 and a.client})),
        "units_reviewed": total(("supervision_review",), "count"),
        "supervision_reports": n("supervision_report"),
        "trainees": total(("training",), "participants"),
        "training_sessions": n("training"),
        "outreach_events": n("outreach_event"),
        "outreach_audience": total(("outreach_event",), "count"),
        "annual_report_submitted": n("annual_report"),
    }


def _certificates(
    session: Session, start: date, end: date
) -> tuple[list[IssuedCertificate], dict[int, Calibration]]:
    certs = list(
        session.scalars(
            select(IssuedCertificate)
            .where(IssuedCertificate.issue_date >= start, IssuedCertificate.issue_date <= end)
            .order_by(IssuedCertificate.issue_date, IssuedCertificate.id)
        )
    )
    cals = {c.calibration_id: session.get(Calibration, c.calibration_id) for c in certs}
    return certs, {k: v for k, v in cals.items() if v is not None}


def compute_metrics(*, session: Session, year: int, as_of: date, tz: str = DEFAULT_TZ) -> AnnualMetrics:
    """Count the year's evidence up to ``as_of``.

    Args:
        session: Database session.
        year: The report year.
        as_of: Count records dated up to this day (inclusive).
        tz: The laboratory's zone (dates of calibrations).

    Returns:
        The counts.
    """
    zone = ZoneInfo(tz)
    start, end = _window(year, as_of)
    cals = _calibrations(session, start, end, zone)
    monthly = [0] * 12
    for _, day in cals:
        monthly[day.month - 1] += 1
    certs, cal_of = _certificates(session, start, end)
    originals = [c for c in certs if c.replaces_id is None]
    families: Counter[str] = Counter()
    customers: Counter[str] = Counter()
    on_time = with_job = 0
    for cert in originals:
        cal = cal_of[cert.calibration_id]
        families[cal.dut.family] += 1
        cust = session.get(Customer, cal.customer_id) if cal.customer_id is not None else None
        customers[cust.name if cust is not None else "—"] += 1
        job = session.get(Job, cal.job_id) if cal.job_id is not None else None
        if job is not None:
            with_job += 1
            on_time += int(cert.issue_date <= job.agreed_due_date)
    acts = list(
        session.scalars(
            select(EvidenceActivity).where(EvidenceActivity.held_on >= start, EvidenceActivity.held_on <= end)
        )
    )
    values = _activity_values(acts)
    in_service, traceable = _standards(session, as_of)
    ncs = session.scalars(
        select(Nonconformity).where(Nonconformity.found_on >= start, Nonconformity.found_on <= end)
    ).all()
    quality = session.scalars(
        select(QualityRecord).where(QualityRecord.recorded_on >= start, QualityRecord.recorded_on <= end)
    ).all()
    pts = [q for q in quality if q.category == "proficiency_test"]
    values.update(
        {
            "standards_in_service": float(in_service),
            "standards_traceable": float(traceable),
            "calibrations_completed": float(len(cals)),
            "certificates_issued": float(len(originals)),
            "families_covered": float(len(families)),
            "customers_served": float(len(customers)),
            "on_time_rate_percent": round(100.0 * on_time / with_job, 1) if with_job else 0.0,
            "nonconformities_raised": float(len(ncs)),
            "nonconformities_closed": float(
                sum(
                    1
                    for n in ncs
                    if n.status == "closed" and n.closed_on is not None and n.closed_on <= as_of
                )
            ),
            "quality_reviews_completed": float(
                sum(
                    1
                    for q in quality
                    if q.category in ("internal_audit", "management_review")
                    and q.closed_on is not None
                    and q.closed_on <= as_of
                )
            ),
            "proficiency_tests": float(len(pts)),
            "proficiency_satisfactory": float(sum(1 for q in pts if q.result == "satisfactory")),
        }
    )
    cumulative = Counter(
        a.activity_type
        for a in session.scalars(select(EvidenceActivity).where(EvidenceActivity.held_on <= as_of))
    )
    return AnnualMetrics(
        year=year,
        as_of=as_of,
        values={m.key: values.get(m.key, 0.0) for m in METRICS},
        monthly_calibrations=tuple(monthly),
        families=tuple(sorted(families.items())),
        customers=tuple(sorted(customers.items())),
        certificates_by_kind=dict(sorted(Counter(c.kind for c in certs).items())),
        chongqing={t.key: float(cumulative[t.activity_type]) for t in CHONGQING_TARGETS},
        certificate_ids=tuple(c.id for c in certs),
    )
