"""Builders of the test chains (all certificate numbers and serials are invented test data).

Electricity chain, four levels::

    国家电能计量基准 (NIM, national_primary)                                   P
      └ provincial 0.01 级 standard meter E1 in standard S1 (重庆院, secondary)    certs C1a, C1b (by NIM)
          └ centre's 0.05 级 reference meter E2 in standard S2 (working)          certs C2a, [C2b] (by 重庆院)
              └ centre's 0.2 级 working meter E3 in standard S3 (working)          cert C3 (by the centre)

CRM chain: CO2 analyser standard E5 in S5 ← CRM cylinder E4, a certified reference material R.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from calib_service.models import (
    Calibration,
    Customer,
    Equipment,
    MeasurementStandard,
    Procedure,
    StandardCertificate,
)
from calib_service.services.calibrations import (
    create_calibration,
    ensure_procedure,
    store_point,
    use_standard,
)
from calib_service.services.equipment import get_or_create_customer, register_equipment
from calib_service.services.standards import add_certificate, register_standard

NIM = "中国计量科学研究院"
CQ = "重庆市计量质量检测研究院"
CENTRE = "重庆市市级碳计量中心"


@dataclass
class Chain:
    """The records of the test chain."""

    p: MeasurementStandard
    s1: MeasurementStandard
    s2: MeasurementStandard
    s3: MeasurementStandard
    e1: Equipment
    e2: Equipment
    e3: Equipment
    c1a: StandardCertificate
    c1b: StandardCertificate
    c2a: StandardCertificate
    c3: StandardCertificate
    procedure: Procedure
    customer_a: Customer
    customer_b: Customer


def build_chain(session: Session) -> Chain:
    """The electricity chain without C2b (so E2 expires after 2026-02-28)."""
    p = register_standard(
        session=session, name="国家电能计量基准", holder=NIM, level="national_primary", external=True
    )
    e1 = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.01 级三相标准电能表",
        manufacturer="TEST",
        serial="T-E1",
        accuracy_class="0.01",
    )
    s1 = register_standard(
        session=session,
        name="0.01 级电能表标准装置",
        holder=CQ,
        level="secondary",
        equipment=[e1],
        external=True,
    )
    e2 = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.05 级三相标准电能表",
        manufacturer="TEST",
        serial="T-E2",
        accuracy_class="0.05",
        range_low=0.0,
        range_high=100.0,
        range_unit="A",
    )
    s2 = register_standard(
        session=session,
        name="0.05 级三相电能表检定装置",
        holder=CENTRE,
        level="working",
        equipment=[e2],
        assessment_certificate_no="TEST-考证-0002",
        assessment_valid_until=date(2027, 12, 31),
        cmc_uncertainty=0.05,
        cmc_unit="%",
    )
    e3 = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="0.2 级工作标准电能表",
        manufacturer="TEST",
        serial="T-E3",
        accuracy_class="0.2",
    )
    s3 = register_standard(
        session=session,
        name="0.2 级电能表工作标准",
        holder=CENTRE,
        level="working",
        equipment=[e3],
        assessment_certificate_no="TEST-考证-0003",
        assessment_valid_until=date(2028, 6, 30),
        cmc_uncertainty=0.1,
        cmc_unit="%",
    )
    c1a = add_certificate(
        session=session,
        equipment=e1,
        number="TEST-NIM-2025-01",
        issuing_lab=NIM,
        calibration_date=date(2025, 1, 10),
        due_date=date(2026, 1, 9),
        expanded_uncertainty=0.005,
        uncertainty_unit="%",
        upstream=p,
    )
    c1b = add_certificate(
        session=session,
        equipment=e1,
        number="TEST-NIM-2026-01",
        issuing_lab=NIM,
        calibration_date=date(2026, 1, 5),
        due_date=date(2027, 1, 4),
        expanded_uncertainty=0.005,
        uncertainty_unit="%",
        upstream=p,
    )
    c2a = add_certificate(
        session=session,
        equipment=e2,
        number="TEST-CQ-2025-02",
        issuing_lab=CQ,
        calibration_date=date(2025, 3, 1),
        due_date=date(2026, 2, 28),
        expanded_uncertainty=0.02,
        uncertainty_unit="%",
        upstream=s1,
    )
    c3 = add_certificate(
        session=session,
        equipment=e3,
        number="TEST-CENTRE-2025-03",
        issuing_lab=CENTRE,
        calibration_date=date(2025, 6, 1),
        due_date=date(2026, 5, 31),
        expanded_uncertainty=0.06,
        uncertainty_unit="%",
        upstream=s2,
    )
    procedure = ensure_procedure(
        session=session,
        code="JJG 596-2012",
        title_zh="电子式交流电能表检定规程",
        title_en="Electronic AC electricity meters",
        kind="verification",
        family="electricity",
        data_version="test",
    )
    customer_a = get_or_create_customer(session=session, name="重庆某电力用户 A")
    customer_b = get_or_create_customer(session=session, name="重庆某水务公司 B")
    return Chain(p, s1, s2, s3, e1, e2, e3, c1a, c1b, c2a, c3, procedure, customer_a, customer_b)


def renew_c2(session: Session, chain: Chain) -> StandardCertificate:
    """C2b: E2 recalibrated on 2026-03-01 (by S1 under C1b)."""
    return add_certificate(
        session=session,
        equipment=chain.e2,
        number="TEST-CQ-2026-02",
        issuing_lab=CQ,
        calibration_date=date(2026, 3, 1),
        due_date=date(2027, 2, 28),
        expanded_uncertainty=0.015,
        uncertainty_unit="%",
        upstream=chain.s1,
    )


_serial = [0]


def calibrate(
    session: Session,
    chain: Chain,
    *,
    at: datetime,
    standard: Equipment,
    certificate: StandardCertificate | None,
    customer: Customer,
    u_percent: float = 0.1,
    parameters: dict[str, Any] | None = None,
    budget_u: float | None = None,
) -> Calibration:
    """A customer's meter calibrated at ``at`` with ``standard`` (one point, U in %)."""
    _serial[0] += 1
    dut = register_equipment(
        session=session,
        kind="dut",
        family="electricity",
        description="单相电子式电能表",
        manufacturer="TEST-DUT",
        serial=f"DUT-{_serial[0]:05d}",
        owner=customer,
    )
    cal = create_calibration(
        session=session,
        procedure=chain.procedure,
        dut=dut,
        started_at=at,
        customer=customer,
        accuracy_class="1",
    )
    use_standard(
        session=session, calibration=cal, equipment=standard, certificate=certificate, role="reference"
    )
    budget: dict[str, Any] = {}
    if budget_u is not None:
        budget = {
            "spec": {
                "inputs": [
                    {
                        "name": "delta_std",
                        "unit": "percent",
                        "expanded_uncertainty": budget_u,
                        "description": "reference standard meter, certificate valid on the day",
                    }
                ]
            }
        }
    store_point(
        session=session,
        calibration_id=cal.id,
        seq=1,
        label="Ib, 1.0",
        error=0.05,
        error_unit="%",
        expanded_uncertainty=u_percent,
        coverage_factor=2.0,
        reference_value=1.0,
        reference_unit="kWh",
        parameters=parameters or {"current": [5.0, "A"], "voltage": [220.0, "V"]},
        budget=budget,
    )
    session.refresh(cal)
    return cal


def utc(y: int, m: int, d: int, h: int = 2) -> datetime:
    """A UTC time (10:00 in Chongqing for the default hour)."""
    return datetime(y, m, d, h, tzinfo=UTC)
