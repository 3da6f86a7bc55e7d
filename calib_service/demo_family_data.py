"""Reference data of the family demos: the standards of each simulated bench and the technician.

Certificate numbers and serials are demo data (marked DEMO): a 3 t weighing system and a reference
flowmeter for water meters, a bell prover for gas meters, the heat-meter bench's reference volume, its
reference thermometers and calculator signal simulator, two certified CO2 cylinders (reference
materials with ``certified_value`` in their specs), and a reference DMM. Each gets a measurement
standard with its CMC, a certificate valid around the day, and the technician an authorisation for
every procedure of ``calib procedures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.models import Equipment, MeasurementStandard, User
from calib_service.procedures.registry import entries
from calib_service.records import grant_authorisation
from calib_service.records.competence import authorisations_of
from calib_service.services.equipment import register_equipment
from calib_service.services.standards import add_certificate, register_standard

__all__ = ["STANDARDS", "TECHNICIAN", "StandardData", "seed_family_references"]

TECHNICIAN = "chen.jing"


@dataclass(frozen=True)
class StandardData:
    """One demo standard: serial, what it is, certificate U and unit, CMC, equipment family and specs."""

    serial: str
    description: str
    kind: str
    u: float
    unit: str
    cmc: float
    cmc_unit: str
    family: str
    specs: dict[str, Any] = field(default_factory=dict)


STANDARDS: dict[str, StandardData] = {
    "balance": StandardData(
        "DEMO-BAL-3T",
        "3 t weighing system (water-meter bench)",
        "standard",
        0.1,
        "kg",
        0.1,
        "percent",
        "water",
        {"resolution": [20.0, "g"]},
    ),
    "prover": StandardData(
        "DEMO-BELL-2000",
        "2000 L bell prover",
        "standard",
        0.2,
        "percent",
        0.3,
        "percent",
        "gas",
        {"resolution": [0.1, "L"]},
    ),
    "heat_ref": StandardData(
        "DEMO-HEAT-REF",
        "heat-meter bench reference volume (weighing)",
        "standard",
        0.2,
        "percent",
        0.3,
        "percent",
        "heat",
    ),
    "heat_prt": StandardData(
        "DEMO-HEAT-PRT2",
        "pair of reference platinum resistance thermometers with read-out (heat-meter baths)",
        "standard",
        0.01,
        "K",
        0.02,
        "K",
        "heat",
    ),
    "heat_sim": StandardData(
        "DEMO-HEAT-SIM",
        "heat-meter calculator signal simulator (Pt resistances and volume pulses)",
        "standard",
        0.002,
        "ohm",
        0.1,
        "percent",
        "heat",
    ),
    "cyl_1800": StandardData(
        "DEMO-CYL-1800",
        "CO2 in N2 cylinder, GBW (demo)",
        "reference_material",
        0.5,
        "percent",
        0.6,
        "percent",
        "co2",
        {"certified_value": [1800.0, "ppm"]},
    ),
    "cyl_17pct": StandardData(
        "DEMO-CYL-170000",
        "CO2 in N2 cylinder 17 %mol (demo)",
        "reference_material",
        1.0,
        "percent",
        1.0,
        "percent",
        "cems",
        {"certified_value": [170000.0, "ppm"]},
    ),
    "ref_flowmeter": StandardData(
        "DEMO-REF-FM-25",
        "reference electromagnetic flowmeter DN25 (Modbus)",
        "standard",
        0.2,
        "percent",
        0.2,
        "percent",
        "water",
        {"resolution": [0.001, "L"]},
    ),
    "dmm_ref": StandardData(
        "DEMO-DMM-8508", "reference DMM, DC voltage", "standard", 0.0002, "V", 0.0002, "V", "electrical"
    ),
}


def _user(session: Session, username: str, full_name: str, roles: str) -> User:
    found = session.scalars(select(User).where(User.username == username)).first()
    if found is None:
        found = User(username=username, full_name=full_name, roles=roles)
        session.add(found)
        session.flush()
    return found


#: The top of each chain (DEMO data: names as in the national hierarchy, numbers invented):
#: a national primary standard per quantity, or for gas cylinders the certified reference material
#: and its producer.
UPSTREAM: dict[str, tuple[str, str]] = {
    "water": ("国家水流量计量基准 (DEMO)", "national_primary"),
    "gas": ("国家气体流量计量基准 (DEMO)", "national_primary"),
    "heat": ("国家热量计量基准 (DEMO)", "national_primary"),
    "electrical": ("国家直流电压计量基准 (约瑟夫森, DEMO)", "national_primary"),
    "crm": ("氮中二氧化碳气体标准物质 GBW(E) (DEMO)", "reference_material"),
}


def _upstream(session: Session, std: StandardData) -> MeasurementStandard:
    key = std.family if std.kind == "standard" else "crm"
    name, level = UPSTREAM[key]
    return register_standard(
        session=session,
        name=name,
        holder="中国计量科学研究院 (NIM)",
        level=level,
        external=True,
        crm_number="GBW(E)-DEMO-0001" if level == "reference_material" else None,
        quantity=std.description,
    )


def seed_family_references(*, session: Session, as_of: date, technician: str = TECHNICIAN) -> User:
    """Register (idempotently) the families' standards, certificates, CMCs and the technician.

    Args:
        session: Database session (the caller commits).
        as_of: The day of the calibrations (certificates valid around it).
        technician: Username of the technician authorised for every procedure.

    Returns:
        The technician.
    """
    tech = _user(session, technician, "陈静", "technician")
    manager = _user(session, "demo.manager", "演示负责人", "manager")
    for std in STANDARDS.values():
        if session.scalars(select(Equipment).where(Equipment.serial == std.serial)).first() is not None:
            continue
        eq = register_equipment(
            session=session,
            kind=std.kind,
            family=std.family,
            description=std.description,
            manufacturer="(demo)",
            serial=std.serial,
            specs=dict(std.specs),
        )
        register_standard(
            session=session,
            name=f"{std.description} standard",
            holder="(demo centre)",
            equipment=[eq],
            quantity=std.description,
            cmc_uncertainty=std.cmc,
            cmc_unit=std.cmc_unit,
            assessment_certificate_no=f"DEMO-{std.serial}",
            assessment_valid_until=as_of + timedelta(days=1000),
        )
        add_certificate(
            session=session,
            equipment=eq,
            number=f"DEMO-CERT-{std.serial}",
            issuing_lab="中国计量科学研究院 (NIM)",
            calibration_date=as_of - timedelta(days=60),
            due_date=as_of + timedelta(days=300),
            expanded_uncertainty=std.u,
            uncertainty_unit=std.unit,
            coverage_factor=2.0,
            quantity=std.description,
            upstream=_upstream(session, std),
            upstream_text=UPSTREAM[std.family if std.kind == "standard" else "crm"][0],
        )
    granted = {
        a.procedure_code for a in authorisations_of(session=session, user=tech) if a.revoked_at is None
    }
    for entry in entries():
        if entry.code in granted:
            continue
        grant_authorisation(
            session=session,
            actor=manager,
            user=tech,
            procedure_code=entry.code,
            valid_from=as_of - timedelta(days=30),
            valid_until=as_of + timedelta(days=700),
        )
        granted.add(entry.code)  # sub-assembly procedures share their regulation's code
    session.flush()
    return tech
