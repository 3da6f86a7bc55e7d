"""A year of plausible centre activity for the demo: jobs, calibrations through the full workflow with
their certificates (each kind), activities of the seven tasks with attachments, quality records, the
annual plan and last year's official outcome. All names and numbers are invented and marked as demo data.

Everything goes through the services (job intake, the four-eyes workflow, the certificate issue), so the
evidence report built afterwards counts real records. Time and randomness are arguments (``year``,
``as_of``, a ``random.Random`` seeded from ``seed``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.certificates.issue import issue_certificate
from calib_service.decision import combine_decisions, decide
from calib_service.demo_data import DemoRefs, seed_reference_data
from calib_service.documents import load_default_score_sheet
from calib_service.errors import ConflictError
from calib_service.evidence.records import (
    add_activity,
    attach_file,
    record_assessment,
    record_quality,
    set_target,
)
from calib_service.models import (
    Authorisation,
    Calibration,
    Equipment,
    EvidenceActivity,
    MeasurementStandard,
    Procedure,
    StandardCertificate,
    User,
)
from calib_service.procedures import comparison, jjg596
from calib_service.records.competence import grant_authorisation
from calib_service.records.jobs import ItemReceived, create_job, open_calibration
from calib_service.records.workflow import transition
from calib_service.services.calibrations import (
    ensure_procedure,
    record_environment,
    store_point,
    use_standard,
)
from calib_service.services.equipment import get_or_create_customer
from calib_service.services.standards import add_certificate
from calib_service.settings import Settings
from calib_service.traceability import DEFAULT_TZ, store_file

__all__ = [
    "DemoPeople",
    "PointSpec",
    "SeedSummary",
    "authorise_technician",
    "demo_people",
    "record_calibration",
    "seed_demo_year",
]

_TZ = ZoneInfo(DEFAULT_TZ)

_CUSTOMERS: tuple[tuple[str, str], ...] = (
    ("重庆示例水泥有限公司（演示）", "energy@cement.example"),
    ("重庆示例化工股份有限公司（演示）", "metering@chem.example"),
    ("重庆示例汽车制造有限公司（演示）", "facility@auto.example"),
    ("重庆示例数据中心（演示）", "ops@dc.example"),
)


@dataclass(frozen=True)
class PointSpec:
    """One point to store: label, error (percent), U (percent, k = 2), MPE (percent) or None, state."""

    label: str
    error: float
    uncertainty: float
    mpe: float | None = 1.0
    state: str = "as_found"
    reference_kwh: float = 1.0


@dataclass(frozen=True)
class DemoPeople:
    """The demo's staff: performer, reviewer, approver (signatory) and manager."""

    technician: User
    reviewer: User
    approver: User
    manager: User


@dataclass
class SeedSummary:
    """What :func:`seed_demo_year` stored."""

    calibration_ids: list[int] = field(default_factory=list)
    certificate_numbers: list[str] = field(default_factory=list)
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    activities: int = 0
    quality_records: int = 0


def _user(session: Session, username: str, full_name: str, roles: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, full_name=full_name, roles=roles)
        session.add(user)
        session.flush()
    return user


def demo_people(*, session: Session) -> DemoPeople:
    """The demo users (created when missing; the same names as ``demo_data``)."""
    return DemoPeople(
        technician=_user(session, "zhang.wei", "张伟", "technician"),
        reviewer=_user(session, "li.na", "李娜", "reviewer"),
        approver=_user(session, "wang.qiang", "王强", "approver"),
        manager=_user(session, "zhao.min", "赵敏", "manager"),
    )


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=_TZ)


def authorise_technician(session: Session, people: DemoPeople, code: str, year: int) -> None:
    """Authorise the demo technician for ``code`` over ``year`` (granted by the manager; idempotent)."""
    found = session.scalars(
        select(Authorisation).where(
            Authorisation.user_id == people.technician.id,
            Authorisation.procedure_code == code,
            Authorisation.valid_from <= date(year, 1, 1),
            Authorisation.valid_until >= date(year, 12, 31),
        )
    ).first()
    if found is None:
        grant_authorisation(
            session=session,
            actor=people.manager,
            user=people.technician,
            procedure_code=code,
            valid_from=date(year - 1, 1, 1),
            valid_until=date(year + 2, 12, 31),
            certificate_no=f"DEMO-持证-{code}",
        )


def _year_certificates(session: Session, refs: DemoRefs, year: int) -> StandardCertificate:
    """Certificates of the demo chain that cover the whole of ``year`` (idempotent)."""
    provincial = session.scalars(
        select(MeasurementStandard).where(MeasurementStandard.name == "0.01级三相电能表标准装置")
    ).one()
    nim = session.scalars(
        select(MeasurementStandard).where(MeasurementStandard.level == "national_primary")
    ).first()
    add_certificate(
        session=session,
        equipment=provincial.equipment[0],
        number=f"DEMO-NIM-DLJ{year - 1}-0099",
        issuing_lab="中国计量科学研究院",
        calibration_date=date(year - 1, 6, 1),
        due_date=date(year + 1, 5, 31),
        expanded_uncertainty=0.004,
        uncertainty_unit="percent",
        coverage_factor=2.0,
        quantity="AC active energy",
        upstream=nim,
    )
    return add_certificate(
        session=session,
        equipment=refs.standard_meter,
        number=f"DEMO-CQJL-DN{year - 1}-0611",
        issuing_lab="重庆市计量质量检测研究院",
        calibration_date=date(year - 1, 12, 15),
        due_date=date(year, 12, 31),
        expanded_uncertainty=0.02,
        uncertainty_unit="percent",
        coverage_factor=2.0,
        quantity="AC active energy",
        upstream=provincial,
    )


def record_calibration(
    *,
    session: Session,
    people: DemoPeople,
    procedure: Procedure,
    standard: tuple[Equipment, StandardCertificate],
    customer_name: str,
    serial: str,
    day: date,
    points: list[PointSpec],
    due_days: int = 7,
    accuracy_class: str = "1",
) -> Calibration:
    """Take in a job, record a calibration of its item and take it to ``approved`` through the workflow.

    Args:
        session: The caller's session.
        people: Performer, reviewer, approver, manager.
        procedure: The procedure row.
        standard: (standard equipment, its certificate valid on ``day``).
        customer_name: The customer (created when missing).
        serial: The item's serial number.
        day: The day of the measurement (received two days before).
        points: The results.
        due_days: Agreed due date = ``day`` + this many days.
        accuracy_class: The item's class.

    Returns:
        The approved calibration.
    """
    job = create_job(
        session=session,
        actor=people.technician,
        customer_name=customer_name,
        service_requested=f"{procedure.code} {'检定' if procedure.kind == 'verification' else '校准'}",
        received_at=_at(day - timedelta(days=2), 10),
        agreed_due_date=day + timedelta(days=due_days),
        items=[
            ItemReceived(
                family="electricity",
                description="三相智能电能表（演示）"
                if procedure.kind == "verification"
                else "三相标准电能表（演示）",
                serial=serial,
                condition_on_receipt="外观完好，铅封完整（演示）",
                manufacturer="示例电气（演示）",
                model="DTZY-DEMO",
                accuracy_class=accuracy_class,
            )
        ],
    )
    cal = open_calibration(
        session=session,
        actor=people.technician,
        job_id=job.id,
        item_seq=1,
        procedure_code=procedure.code,
        now=_at(day, 9),
    )
    equipment, certificate = standard
    use_standard(
        session=session, calibration=cal, equipment=equipment, certificate=certificate, role="standard meter"
    )
    for quantity, value, unit in (
        ("ambient_temperature", 22.8, "degC"),
        ("relative_humidity", 51.0, "percent"),
    ):
        record_environment(
            session=session, calibration=cal, quantity=quantity, value=value, unit=unit, taken_at=_at(day, 9)
        )
    final: list[str | None] = []
    states = {p.state for p in points}
    for seq, p in enumerate(points, start=1):
        outcome = None if p.mpe is None else decide(p.error, p.mpe, p.uncertainty, cal.decision_rule).outcome
        if p.state == ("as_left" if "as_left" in states else "as_found"):
            final.append(outcome)
        store_point(
            session=session,
            calibration_id=cal.id,
            seq=seq,
            state=p.state,
            label=p.label,
            parameters={"limit_verified": False} if p.mpe is not None else {},
            reference_value=p.reference_kwh,
            reference_unit="kWh",
            indication=round(p.reference_kwh * (1 + p.error / 100.0), 6),
            indication_unit="kWh",
            error=p.error,
            error_unit="percent",
            mpe=p.mpe,
            expanded_uncertainty=p.uncertainty,
            coverage_factor=2.0,
            decision=outcome,
        )
    cal.decision = combine_decisions(final)
    transition(
        session=session,
        actor=people.technician,
        calibration_id=cal.id,
        to_status="measured",
        now=_at(day, 11),
    )
    transition(
        session=session, actor=people.reviewer, calibration_id=cal.id, to_status="reviewed", now=_at(day, 15)
    )
    transition(
        session=session,
        actor=people.approver,
        calibration_id=cal.id,
        to_status="approved",
        now=_at(day + timedelta(days=1), 10),
    )
    return cal


def _points(kind: str, rng: random.Random) -> list[PointSpec]:
    labels = ("Imax, cosφ=1.0", "Ib, cosφ=1.0", "0.1Ib, cosφ=1.0", "Ib, cosφ=0.5L")
    if kind == "calibration":
        found = [PointSpec(lb, round(rng.uniform(0.15, 0.3), 3), 0.06, None, "as_found") for lb in labels[:2]]
        left = [PointSpec(lb, round(rng.uniform(-0.03, 0.03), 3), 0.06, None, "as_left") for lb in labels[:2]]
        return found + left
    pts = [PointSpec(lb, round(rng.uniform(-0.45, 0.45), 3), 0.06) for lb in labels]
    if kind == "fail":
        pts[1] = PointSpec(labels[1], 1.62, 0.06)
    return pts


_ACTIVITIES: tuple[tuple[str, int, int, str, str, int, int, str], ...] = (
    # type, month, day, title (zh), title (en), participants, count, client
    ("needs_analysis", 3, 18, "水泥行业碳计量测试需求分析报告", "Cement-sector needs analysis", 4, 12, ""),
    ("needs_analysis", 9, 9, "化工行业碳计量测试需求分析报告", "Chemicals-sector needs analysis", 5, 9, ""),
    (
        "enterprise_survey",
        5,
        22,
        "智能网联汽车企业能源计量调研",
        "Survey of connected-vehicle makers",
        3,
        6,
        "",
    ),
    ("gap_closed", 10, 30, "补建二氧化碳分析仪检定能力", "CO₂ analyser verification capability", 0, 0, ""),
    (
        "research_project",
        4,
        1,
        "烟气二氧化碳排放连续监测校准方法研究",
        "Research: CO₂ CEMS calibration method",
        6,
        0,
        "",
    ),
    (
        "paper",
        8,
        12,
        "论文：电能表现场校准不确定度评定",
        "Paper: on-site meter calibration uncertainty",
        2,
        0,
        "",
    ),
    (
        "standard_built",
        6,
        28,
        "新建二氧化碳气体分析器检定装置",
        "New CO₂ analyser verification standard",
        0,
        0,
        "",
    ),
    (
        "specification",
        11,
        20,
        "起草 JJF(渝) 碳排放计量器具配备规范（演示）",
        "Draft JJF(Yu) metering specification",
        0,
        0,
        "",
    ),
    (
        "data_service",
        7,
        15,
        "重点用能单位能耗在线监测数据分析",
        "Online energy-data analysis",
        3,
        5,
        "重庆示例数据中心（演示）",
    ),
    (
        "data_service",
        11,
        5,
        "水泥企业碳排放核算数据服务",
        "Carbon accounting data for cement",
        2,
        3,
        "重庆示例水泥有限公司（演示）",
    ),
    (
        "management_service",
        4,
        20,
        "能源计量审查技术咨询",
        "Energy-metrology review consulting",
        2,
        1,
        "重庆示例化工股份有限公司（演示）",
    ),
    (
        "management_service",
        9,
        26,
        "测量管理体系建设辅导",
        "Measurement-management system support",
        2,
        1,
        "重庆示例汽车制造有限公司（演示）",
    ),
    (
        "supervision_review",
        6,
        10,
        "参与重点用能单位能源计量审查",
        "Energy-metrology review of key users",
        3,
        6,
        "",
    ),
    (
        "supervision_report",
        12,
        10,
        "年度能源计量监督技术支撑报告",
        "Annual supervision support report",
        2,
        0,
        "",
    ),
    ("training", 3, 28, "碳计量基础培训班", "Carbon metrology basics course", 46, 0, ""),
    ("training", 10, 16, "电能表检定人员培训", "Meter verification staff training", 38, 0, ""),
    ("outreach_event", 5, 20, "5·20 世界计量日科普开放日", "World Metrology Day open day", 12, 320, ""),
    ("outreach_event", 8, 8, "节能宣传周碳计量科普", "Energy-saving week outreach", 8, 150, ""),
    ("annual_report", 12, 20, "年度工作报告报送主管部门", "Annual work report submitted", 0, 0, ""),
)


def _seed_activities(session: Session, year: int, as_of: date, store: Path) -> int:
    n = 0
    for kind, month, day, zh, en, participants, count, client in _ACTIVITIES:
        held = date(year, month, day)
        if held > as_of:
            continue
        act = add_activity(
            session=session,
            activity_type=kind,
            held_on=held,
            title=zh,
            title_en=en,
            participants=participants,
            count=count,
            client=client,
            outputs="演示记录",
            recorded_by="zhao.min",
        )
        content = f"DEMO evidence {year}-{month:02d}-{day:02d}: {zh}\n".encode()
        store_file(store, content)
        attach_file(
            session=session, activity=act, filename=f"{kind}-{month:02d}{day:02d}.txt", content=content
        )
        n += 1
    return n


def _seed_quality(session: Session, year: int, as_of: date) -> int:
    rows = (
        (
            "proficiency_test",
            f"PT-{year}-01",
            date(year, 5, 12),
            "电能表能力验证（演示）",
            "满意，|En| = 0.42",
            "satisfactory",
            0.42,
            date(year, 6, 30),
        ),
        (
            "complaint",
            f"CP-{year}-01",
            date(year, 7, 2),
            "证书客户地址错误（演示）",
            "已换发证书",
            "",
            None,
            date(year, 7, 9),
        ),
        (
            "corrective_action",
            f"CA-{year}-01",
            date(year, 7, 9),
            "证书审核流程纠正措施（演示）",
            "已关闭",
            "",
            None,
            date(year, 8, 1),
        ),
        (
            "internal_audit",
            f"IA-{year}",
            date(year, 9, 15),
            "年度内部审核（演示）",
            "2 项不符合，已整改",
            "",
            None,
            date(year, 10, 15),
        ),
        (
            "management_review",
            f"MR-{year}",
            date(year, 11, 28),
            "年度管理评审（演示）",
            "已完成",
            "",
            None,
            date(year, 12, 5),
        ),
    )
    n = 0
    for category, ref, day, desc, outcome, result, en, closed in rows:
        if day > as_of:
            continue
        record_quality(
            session=session,
            category=category,
            reference=ref,
            recorded_on=day,
            description=desc,
            outcome=outcome,
            result=result,
            en_value=en,
            closed_on=closed if closed <= as_of else None,
        )
        n += 1
    return n


def seed_demo_year(
    *,
    session: Session,
    year: int,
    as_of: date,
    calibrations_per_month: int = 2,
    seed: int = 2026,
    data_dir: Path | None = None,
    issue: bool = True,
) -> SeedSummary:
    """Seed ``year`` up to ``as_of`` with demo activity (the caller commits).

    Each month gets ``calibrations_per_month`` jobs; every fifth is a failing verification (检定结果通知书),
    every fourth a calibration (校准证书) with as-found and as-left results, the rest passing JJG 596
    verifications (检定证书). With ``issue`` each approved record gets its certificate: the first of each
    kind bilingual (Chinese and English PDFs), the others in Chinese.

    Raises:
        ConflictError: the year already has activities (seed once).
    """
    if session.scalars(
        select(EvidenceActivity).where(
            EvidenceActivity.held_on >= date(year, 1, 1), EvidenceActivity.held_on <= date(year, 12, 31)
        )
    ).first():
        raise ConflictError(f"{year} already has evidence activities; the demo year is seeded once")
    store = Settings.from_env().data_dir if data_dir is None else data_dir
    rng = random.Random(seed + year)
    refs = seed_reference_data(session=session, as_of=as_of)
    people = demo_people(session=session)
    for name, email in _CUSTOMERS:
        customer = get_or_create_customer(
            session=session, name=name, email=email, address="重庆市（演示地址）"
        )
        if not customer.email:
            customer.email = email
    cert = _year_certificates(session, refs, year)
    verification = refs.procedure
    calibration = ensure_procedure(
        session=session,
        code=comparison.CODE,
        title_zh=comparison.TITLE_ZH,
        title_en=comparison.TITLE_EN,
        kind="calibration",
        family=comparison.FAMILY,
        data_version=comparison.DATA_VERSION,
    )
    for code in (jjg596.CODE, comparison.CODE):
        authorise_technician(session, people, code, year)
    summary = SeedSummary()
    index = 0
    for month in range(1, 13):
        for k in range(calibrations_per_month):
            day = date(year, month, min(3 + 9 * k, 26))
            if day + timedelta(days=2) > as_of or day > cert.due_date:
                continue
            index += 1
            kind = "fail" if index % 5 == 0 else "calibration" if index % 4 == 0 else "pass"
            cal = record_calibration(
                session=session,
                people=people,
                procedure=calibration if kind == "calibration" else verification,
                standard=(refs.standard_meter, cert),
                customer_name=_CUSTOMERS[index % len(_CUSTOMERS)][0],
                serial=f"DEMO-{year}-{index:04d}",
                day=day,
                points=_points(kind, rng),
                due_days=1 if index % 6 == 0 else 7,
            )
            summary.calibration_ids.append(cal.id)
            summary.by_kind.setdefault(kind, []).append(cal.id)
            if issue:
                issued = issue_certificate(
                    session=session,
                    calibration_id=cal.id,
                    approver=people.approver,
                    lang="en" if len(summary.by_kind[kind]) == 1 else "zh",
                    as_of=_at(day + timedelta(days=2), 10),
                    data_dir=store,
                )
                summary.certificate_numbers.append(issued.number)
    summary.activities = _seed_activities(session, year, as_of, store)
    summary.quality_records = _seed_quality(session, year, as_of)
    for item in load_default_score_sheet().items:
        set_target(
            session=session, year=year, metric=item.evidence, target=item.target, source="年度计划（演示）"
        )
    if date(year, 3, 15) <= as_of:
        record_assessment(
            session=session,
            year=year - 1,
            passed=True,
            score=86.5,
            decided_on=date(year, 3, 15),
            note="演示：上年度考核合格",
        )
    session.flush()
    return summary
