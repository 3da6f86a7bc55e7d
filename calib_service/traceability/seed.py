"""A realistic, complete traceability chain for the demo's electricity standard.

国家电能计量基准 (中国计量科学研究院, NIM; national primary) → 重庆市计量质量检测研究院's 0.01 级 standard
meter (secondary) → the centre's 0.05 级 three-phase reference standard meter (working, with its
assessment certificate and CMC). For CO₂ analysers, :func:`seed_demo_co2_chain` adds a chain ending at a
certified reference material (氮中二氧化碳气体标准物质) with its producer. The laboratories and the level
structure are real; **every certificate number, CRM number, serial number, date and value below is invented
demo data** (marked ``DEMO``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from calib_service.services.equipment import register_equipment
from calib_service.services.standards import add_certificate, register_standard

__all__ = ["NIM", "PROVINCIAL", "seed_demo_chain", "seed_demo_co2_chain"]

NIM = "中国计量科学研究院 (NIM)"
PROVINCIAL = "重庆市计量质量检测研究院"
CENTRE = "重庆市市级碳计量中心"


def _years(day: date, n: int) -> date:
    try:
        return day.replace(year=day.year + n)
    except ValueError:  # 29 February
        return day.replace(year=day.year + n, day=28)


def seed_demo_chain(*, session: Session, as_of: date) -> dict[str, Any]:
    """Create the demo chain so that every certificate is valid on ``as_of`` (idempotent).

    Args:
        session: database session (not committed).
        as_of: the demo's date; certificates are dated before it and due after it.

    Returns:
        ``national``, ``provincial`` and ``centre`` (MeasurementStandard), ``provincial_meter`` and
        ``reference_meter`` (Equipment), ``certificates`` (the two StandardCertificate rows, upstream first).
    """
    national = register_standard(
        session=session,
        name="国家电能计量基准",
        holder=NIM,
        level="national_primary",
        quantity="electrical energy",
        external=True,
    )
    provincial_meter = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.01 级三相标准电能表 (上级标准)",
        manufacturer="DEMO 上级实验室设备",
        model="DEMO-0.01",
        serial="DEMO-CQ-0001",
        accuracy_class="0.01",
    )
    provincial = register_standard(
        session=session,
        name="0.01 级三相电能表检定装置",
        holder=PROVINCIAL,
        level="secondary",
        quantity="electrical energy",
        equipment=[provincial_meter],
        external=True,
        assessment_certificate_no="DEMO-[2023]渝量标证字第0001号",
        assessment_valid_until=_years(as_of, 3),
    )
    reference_meter = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.05 级三相标准电能表",
        manufacturer="DEMO 标准表厂",
        model="DEMO-3P-0.05",
        serial="DEMO-RM-0005",
        accuracy_class="0.05",
        specs={"meter_constant": [6.0e6, "1/kWh"], "reference_voltage": [220, "V"]},
        range_low=0.0,
        range_high=100.0,
        range_unit="A",
    )
    centre = register_standard(
        session=session,
        name="0.05 级三相电能表检定装置",
        holder=CENTRE,
        level="working",
        quantity="electrical energy",
        equipment=[reference_meter],
        assessment_certificate_no="DEMO-[2025]渝量标企证字第0005号",
        assessment_valid_until=_years(as_of, 2),
        cmc_uncertainty=0.05,
        cmc_unit="%",
        cmc_k=2.0,
        range_low=0.0,
        range_high=100.0,
        range_unit="A",
    )
    up_day = as_of - timedelta(days=200)
    cert_provincial = add_certificate(
        session=session,
        equipment=provincial_meter,
        number="DEMO-NIM-DLjz2025-0001",
        issuing_lab=NIM,
        calibration_date=up_day,
        due_date=_years(up_day, 1) - timedelta(days=1),
        expanded_uncertainty=0.005,
        uncertainty_unit="%",
        coverage_factor=2.0,
        quantity="electrical energy",
        upstream=national,
        route="国家计量基准 (法定)",
        results=[
            {
                "point": "220 V 5 A PF 1.0",
                "correction": 0.001,
                "unit": "%",
                "expanded_uncertainty": 0.005,
                "uncertainty_unit": "%",
                "coverage_factor": 2.0,
            },
        ],
    )
    own_day = as_of - timedelta(days=90)
    cert_centre = add_certificate(
        session=session,
        equipment=reference_meter,
        number="DEMO-CQJL-2025-DN-0123",
        issuing_lab=PROVINCIAL,
        calibration_date=own_day,
        due_date=_years(own_day, 1) - timedelta(days=1),
        expanded_uncertainty=0.02,
        uncertainty_unit="%",
        coverage_factor=2.0,
        quantity="electrical energy",
        upstream=provincial,
        route="法定计量检定机构 (授权)",
        results=[
            {
                "point": "220 V 5 A PF 1.0",
                "correction": -0.004,
                "unit": "%",
                "expanded_uncertainty": 0.02,
                "uncertainty_unit": "%",
                "coverage_factor": 2.0,
            },
            {
                "point": "220 V 5 A PF 0.5L",
                "correction": -0.006,
                "unit": "%",
                "expanded_uncertainty": 0.02,
                "uncertainty_unit": "%",
                "coverage_factor": 2.0,
            },
        ],
    )
    session.flush()
    return {
        "national": national,
        "provincial": provincial,
        "centre": centre,
        "provincial_meter": provincial_meter,
        "reference_meter": reference_meter,
        "certificates": [cert_provincial, cert_centre],
    }


def seed_demo_co2_chain(*, session: Session, as_of: date) -> dict[str, Any]:
    """A CO₂ chain ending at a certified reference material, valid on ``as_of`` (idempotent).

    CRM 氮中二氧化碳气体标准物质 (producer NIM, level ``reference_material``) → the centre's cylinder of it
    (kind ``reference_material``) used as the standard for CO₂ analysers; the centre's CO₂ analyser
    calibration device (working standard, CMC 1 µmol/mol) holds the cylinder.

    Returns:
        ``crm`` and ``centre`` (MeasurementStandard), ``cylinder`` (Equipment), ``certificate``.
    """
    crm = register_standard(
        session=session,
        name="氮中二氧化碳气体标准物质 (400 µmol/mol)",
        holder=NIM,
        level="reference_material",
        quantity="amount fraction of CO2 in N2",
        external=True,
        crm_number="GBW DEMO-CO2-0400",
    )
    cylinder = register_equipment(
        session=session,
        kind="reference_material",
        family="co2",
        description="CO2/N2 标准气体钢瓶 400 µmol/mol",
        manufacturer="DEMO 气体公司",
        serial="DEMO-CYL-0400",
        range_low=0.0,
        range_high=2000.0,
        range_unit="ppm",
    )
    if cylinder not in crm.equipment:
        crm.equipment.append(cylinder)
    centre = register_standard(
        session=session,
        name="二氧化碳气体分析仪校准装置",
        holder=CENTRE,
        level="working",
        quantity="amount fraction of CO2",
        equipment=[cylinder],
        assessment_certificate_no="DEMO-[2025]渝量标企证字第0009号",
        assessment_valid_until=_years(as_of, 2),
        cmc_uncertainty=1.0,
        cmc_unit="ppm",
        cmc_k=2.0,
    )
    day = as_of - timedelta(days=120)
    certificate = add_certificate(
        session=session,
        equipment=cylinder,
        number="DEMO-GBW-CO2-0400-0117",
        issuing_lab=NIM,
        calibration_date=day,
        due_date=_years(day, 1) - timedelta(days=1),
        expanded_uncertainty=0.8,
        uncertainty_unit="ppm",
        coverage_factor=2.0,
        quantity="amount fraction of CO2 in N2",
        route="有证标准物质 (CRM)",
        results=[
            {
                "point": "CO2 in N2",
                "value": 400.3,
                "unit": "ppm",
                "expanded_uncertainty": 0.8,
                "uncertainty_unit": "ppm",
                "coverage_factor": 2.0,
            },
        ],
    )
    session.flush()
    return {"crm": crm, "centre": centre, "cylinder": cylinder, "certificate": certificate}
