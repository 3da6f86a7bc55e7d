"""Demo content of a seeded year: customers, activities of the seven tasks and quality records (invented,
marked 演示 / DEMO), written through the evidence services."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from calib_service.evidence.records import add_activity, attach_file, record_quality
from calib_service.traceability import store_file

__all__ = ["DEMO_CUSTOMERS", "seed_activities", "seed_quality"]

DEMO_CUSTOMERS: tuple[tuple[str, str], ...] = (
    ("重庆示例水泥有限公司（演示）", "energy@cement.example"),
    ("重庆示例化工股份有限公司（演示）", "metering@chem.example"),
    ("重庆示例汽车制造有限公司（演示）", "facility@auto.example"),
    ("重庆示例数据中心（演示）", "ops@dc.example"),
)


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


def seed_activities(session: Session, year: int, as_of: date, store: Path) -> int:
    """Record the demo activities dated up to ``as_of`` with one attachment each; returns how many."""
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


def seed_quality(session: Session, year: int, as_of: date) -> int:
    """Record the demo quality-system items dated up to ``as_of``; returns how many."""
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
