"""The centre's measurement standards and the certificates of their equipment."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.models import (
    STANDARD_LEVELS,
    Equipment,
    MeasurementStandard,
    StandardCertificate,
    standard_equipment,
)

__all__ = [
    "add_certificate",
    "certificate_on",
    "certificates_of",
    "get_standard",
    "list_standards",
    "register_standard",
    "standards_of_equipment",
]


def register_standard(
    *,
    session: Session,
    name: str,
    level: str = "working",
    holder: str = "",
    equipment: list[Equipment] | None = None,
    assessment_certificate_no: str | None = None,
    assessment_valid_until: date | None = None,
    quantity: str = "",
    cmc_uncertainty: float | None = None,
    cmc_unit: str | None = None,
    cmc_k: float = 2.0,
    range_low: float | None = None,
    range_high: float | None = None,
    range_unit: str | None = None,
    external: bool = False,
    crm_number: str | None = None,
) -> MeasurementStandard:
    """Register a measurement standard (the centre's or an upstream laboratory's).

    ``external`` marks a standard held by another laboratory (an upstream link of a chain); a certified
    reference material is registered with level ``reference_material``, its producer as ``holder`` and
    its number as ``crm_number``.

    Raises:
        RecordValidationError: unknown level, or a CMC without its unit or with a negative value.
    """
    if level not in STANDARD_LEVELS:
        raise RecordValidationError(
            f"unknown standard level {level!r}; use one of {', '.join(STANDARD_LEVELS)}"
        )
    if cmc_uncertainty is not None and (cmc_uncertainty < 0 or not cmc_unit):
        raise RecordValidationError(
            f"CMC of standard {name!r} must be ≥ 0 with a unit, got {cmc_uncertainty} {cmc_unit!r}"
        )
    existing = session.scalars(
        select(MeasurementStandard).where(
            MeasurementStandard.name == name, MeasurementStandard.holder == holder
        )
    ).first()
    if existing is not None:
        return existing
    standard = MeasurementStandard(
        name=name,
        level=level,
        holder=holder,
        assessment_certificate_no=assessment_certificate_no,
        assessment_valid_until=assessment_valid_until,
        quantity=quantity,
        cmc_uncertainty=cmc_uncertainty,
        cmc_unit=cmc_unit,
        cmc_k=cmc_k,
        range_low=range_low,
        range_high=range_high,
        range_unit=range_unit,
        external=external,
        crm_number=crm_number,
    )
    standard.equipment = list(equipment or [])
    session.add(standard)
    session.flush()
    return standard


def add_certificate(
    *,
    session: Session,
    equipment: Equipment,
    number: str,
    issuing_lab: str,
    calibration_date: date,
    due_date: date,
    expanded_uncertainty: float,
    uncertainty_unit: str,
    coverage_factor: float = 2.0,
    quantity: str = "",
    upstream: MeasurementStandard | None = None,
    upstream_text: str = "",
    file_sha256: str | None = None,
    correction: float | None = None,
    correction_unit: str | None = None,
    results: list[dict[str, Any]] | None = None,
    route: str = "",
    issued_on: date | None = None,
    file_name: str | None = None,
) -> StandardCertificate:
    """Record an incoming certificate of a piece of standard equipment.

    Recording the same number for the same equipment again returns the stored certificate unchanged.

    Raises:
        RecordValidationError: dates out of order, non-positive U or k, an empty number or laboratory,
            or a correction without its unit.
    """
    if not number.strip() or not issuing_lab.strip():
        raise RecordValidationError(
            f"certificate of equipment {equipment.id}: give the certificate number and the issuing "
            f"laboratory (got number={number!r}, issuing_lab={issuing_lab!r})"
        )
    if correction is not None and not correction_unit:
        raise RecordValidationError(f"certificate {number}: correction {correction} has no unit")
    _check_results(number, results or [])
    if due_date < calibration_date:
        raise RecordValidationError(
            f"certificate {number}: due date {due_date} is before calibration date {calibration_date}"
        )
    if expanded_uncertainty < 0 or coverage_factor <= 0:
        raise RecordValidationError(
            f"certificate {number}: U must be ≥ 0 and k > 0, "
            f"got U={expanded_uncertainty}, k={coverage_factor}"
        )
    existing = session.scalars(
        select(StandardCertificate).where(
            StandardCertificate.equipment_id == equipment.id, StandardCertificate.number == number
        )
    ).first()
    if existing is not None:
        return existing
    cert = StandardCertificate(
        equipment_id=equipment.id,
        number=number,
        issuing_lab=issuing_lab,
        calibration_date=calibration_date,
        due_date=due_date,
        expanded_uncertainty=expanded_uncertainty,
        uncertainty_unit=uncertainty_unit,
        coverage_factor=coverage_factor,
        quantity=quantity,
        upstream_standard_id=None if upstream is None else upstream.id,
        upstream_text=upstream_text,
        file_sha256=file_sha256,
        correction=correction,
        correction_unit=correction_unit,
        results=list(results or []),
        route=route,
        issued_on=issued_on,
        file_name=file_name,
    )
    session.add(cert)
    session.flush()
    return cert


def _check_results(number: str, results: list[dict[str, Any]]) -> None:
    """Each result row is a mapping whose numbers are finite, with U ≥ 0 and k > 0."""
    for i, row in enumerate(results, start=1):
        if not isinstance(row, dict):
            raise RecordValidationError(f"certificate {number}: result row {i} is not a mapping: {row!r}")
        for key in ("value", "correction", "expanded_uncertainty", "coverage_factor"):
            v = row.get(key)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise RecordValidationError(
                    f"certificate {number}: result row {i} {key} = {v!r} is not a number"
                )
        if row.get("expanded_uncertainty") is not None and row["expanded_uncertainty"] < 0:
            raise RecordValidationError(f"certificate {number}: result row {i} has U < 0")
        if row.get("coverage_factor") is not None and row["coverage_factor"] <= 0:
            raise RecordValidationError(f"certificate {number}: result row {i} has k ≤ 0")


def certificate_on(*, session: Session, equipment: Equipment, day: date) -> StandardCertificate:
    """The certificate of ``equipment`` valid on ``day`` (the most recent one when several are).

    Raises:
        RecordValidationError: no certificate covers that day (expired or missing); the message names
            the equipment and the last due date.
    """
    certs = list(
        session.scalars(
            select(StandardCertificate)
            .where(StandardCertificate.equipment_id == equipment.id)
            .order_by(StandardCertificate.calibration_date.desc())
        )
    )
    for cert in certs:
        if cert.valid_on(day):
            return cert
    last = (
        f"last certificate {certs[0].number} was due {certs[0].due_date}"
        if certs
        else "no certificate on record"
    )
    raise RecordValidationError(
        f"standard {equipment.description} (serial {equipment.serial}) has no valid certificate on {day}: "
        f"{last}; recalibrate it before use"
    )


def standards_of_equipment(*, session: Session, equipment: Equipment) -> list[MeasurementStandard]:
    """The measurement standards that include ``equipment``."""
    return list(
        session.scalars(
            select(MeasurementStandard)
            .join(standard_equipment, standard_equipment.c.standard_id == MeasurementStandard.id)
            .where(standard_equipment.c.equipment_id == equipment.id)
            .order_by(MeasurementStandard.id)
        )
    )


def get_standard(*, session: Session, standard_id: int) -> MeasurementStandard:
    """One measurement standard with its equipment.

    Raises:
        NotFoundError: no standard has this id.
    """
    standard = session.scalars(
        select(MeasurementStandard)
        .where(MeasurementStandard.id == standard_id)
        .options(selectinload(MeasurementStandard.equipment))
    ).first()
    if standard is None:
        raise NotFoundError(f"measurement standard {standard_id} does not exist")
    return standard


def list_standards(*, session: Session, include_external: bool = True) -> list[MeasurementStandard]:
    """Measurement standards in id order, optionally only the centre's own."""
    stmt = select(MeasurementStandard).options(selectinload(MeasurementStandard.equipment))
    if not include_external:
        stmt = stmt.where(MeasurementStandard.external.is_(False))
    return list(session.scalars(stmt.order_by(MeasurementStandard.id)))


def certificates_of(*, session: Session, equipment_id: int) -> list[StandardCertificate]:
    """The certificates of one piece of equipment, newest calibration first."""
    return list(
        session.scalars(
            select(StandardCertificate)
            .where(StandardCertificate.equipment_id == equipment_id)
            .order_by(StandardCertificate.calibration_date.desc(), StandardCertificate.id.desc())
        )
    )
