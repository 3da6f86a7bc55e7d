"""Reference data the demo registers: the centre, its people, its electricity standard and its chain.

Certificate numbers, serials and addresses here are demo data (invented, marked ``DEMO``); the
structure is what a real centre enters: the centre's working standard (a 0.05-class three-phase
reference standard meter) calibrated by the provincial institute, whose 0.01-class standard is traced
to the national primary standard of electrical energy at NIM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.models import (
    Customer,
    Equipment,
    MeasurementStandard,
    Procedure,
    StandardCertificate,
    User,
)
from calib_service.procedures import jjg596
from calib_service.records.users import count_users, create_user
from calib_service.services.calibrations import ensure_procedure
from calib_service.services.equipment import get_or_create_customer, register_equipment
from calib_service.services.standards import add_certificate, register_standard

__all__ = ["DEMO_ADMIN", "DemoRefs", "seed_reference_data"]

CENTRE = "重庆市碳计量中心（演示）"

#: The demo's administrator, created only in an empty database (the records bootstrap path), so that
#: ``calib serve`` can be signed into after the demo. Demo data: never use it on a real database.
DEMO_ADMIN = ("demo.admin", "calib-demo-2026")


@dataclass(frozen=True)
class DemoRefs:
    """Ids of what the demo registered."""

    customer: Customer
    technician: User
    standard_meter: Equipment
    certificate: StandardCertificate
    standard: MeasurementStandard
    procedure: Procedure


def _user(session: Session, username: str, full_name: str, roles: str) -> User:
    found = session.scalars(select(User).where(User.username == username)).first()
    if found is None:
        found = User(username=username, full_name=full_name, roles=roles)
        session.add(found)
        session.flush()
    return found


def seed_reference_data(*, session: Session, as_of: date) -> DemoRefs:
    """Register (idempotently) the demo's customer, users, standards, certificates and procedure."""
    customer = get_or_create_customer(
        session=session,
        name="重庆两江某制造有限公司（演示客户）",
        address="重庆市渝北区（演示地址）",
        email="energy@customer.example",
    )
    if count_users(session=session) == 0:
        create_user(
            session=session,
            actor=None,
            username=DEMO_ADMIN[0],
            roles=["admin", "auditor", "manager"],
            password=DEMO_ADMIN[1],
            full_name="演示管理员",
        )
    technician = _user(session, "zhang.wei", "张伟", "technician")
    _user(session, "li.na", "李娜", "reviewer")
    _user(session, "wang.qiang", "王强", "approver")
    nim = register_standard(
        session=session,
        name="国家电能计量基准",
        holder="中国计量科学研究院 (NIM)",
        level="national_primary",
        external=True,
        quantity="AC electrical energy",
        cmc_uncertainty=0.002,
        cmc_unit="percent",
    )
    provincial_meter = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.01级三相标准电能表",
        manufacturer="(provincial institute)",
        serial="DEMO-CQ-0001",
        accuracy_class="0.01",
    )
    provincial = register_standard(
        session=session,
        name="0.01级三相电能表标准装置",
        holder="重庆市计量质量检测研究院",
        level="secondary",
        external=True,
        equipment=[provincial_meter],
        quantity="AC electrical energy",
        cmc_uncertainty=0.01,
        cmc_unit="percent",
    )
    add_certificate(
        session=session,
        equipment=provincial_meter,
        number="DEMO-NIM-DLJ2026-0117",
        issuing_lab="中国计量科学研究院",
        calibration_date=as_of - timedelta(days=200),
        due_date=as_of + timedelta(days=530),
        expanded_uncertainty=0.004,
        uncertainty_unit="percent",
        coverage_factor=2.0,
        quantity="AC active energy",
        upstream=nim,
    )
    meter = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.05级三相标准电能表",
        manufacturer="(centre)",
        model="SIM-STD-3",
        serial="DEMO-STD-0005",
        accuracy_class="0.05",
        specs={"standard_constant": [1.2e6, "1/kWh"]},
    )
    centre_standard = register_standard(
        session=session,
        name="0.05级电能表检定装置",
        holder=CENTRE,
        level="working",
        equipment=[meter],
        assessment_certificate_no="DEMO-[2026]渝量标证字第0001号",
        assessment_valid_until=as_of + timedelta(days=1200),
        quantity="AC electrical energy",
        cmc_uncertainty=0.05,
        cmc_unit="percent",
        cmc_k=2.0,
        range_low=0.0,
        range_high=100.0,
        range_unit="A",
    )
    certificate = add_certificate(
        session=session,
        equipment=meter,
        number="DEMO-CQJL-DN2026-0342",
        issuing_lab="重庆市计量质量检测研究院",
        calibration_date=as_of - timedelta(days=90),
        due_date=as_of + timedelta(days=275),
        expanded_uncertainty=0.02,
        uncertainty_unit="percent",
        coverage_factor=2.0,
        quantity="AC active energy",
        upstream=provincial,
    )
    procedure = ensure_procedure(
        session=session,
        code=jjg596.CODE,
        title_zh=jjg596.TITLE_ZH,
        title_en=jjg596.TITLE_EN,
        kind="verification",
        family=jjg596.FAMILY,
        data_version=jjg596.DATA_VERSION,
    )
    return DemoRefs(customer, technician, meter, certificate, centre_standard, procedure)
