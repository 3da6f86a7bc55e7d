"""Whether a standard may be used on a day, and the CMC floor of the uncertainty reported with it.

A piece of standard equipment is usable on a day when it has a certificate valid that day, every
measurement standard of the centre it belongs to is in service with an assessment certificate
(计量标准考核证书) not expired, and no failed intermediate check blocks it. The calibration runner calls
:func:`assert_usable` for each standard at the start of a run; new calibrations with an overdue standard
are refused there.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, RecordValidationError
from calib_service.models import Calibration, Equipment, MeasurementStandard, StandardCertificate
from calib_service.services.standards import certificate_on, standards_of_equipment
from calib_service.traceability.checks import blocking_check

__all__ = ["DEFAULT_TZ", "assert_usable", "cmc_floor", "measurement_day", "own_standards"]

#: Zone of the laboratory, in which the date of a measurement is taken.
DEFAULT_TZ = "Asia/Shanghai"


def measurement_day(calibration: Calibration, tz: str = DEFAULT_TZ) -> date:
    """The local date of a calibration (its start, else its creation) in the laboratory's zone ``tz``."""
    moment = calibration.started_at or calibration.created_at
    return moment.astimezone(ZoneInfo(tz)).date()


def own_standards(*, session: Session, equipment: Equipment) -> list[MeasurementStandard]:
    """The centre's measurement standards (not external ones) that include ``equipment``."""
    return [s for s in standards_of_equipment(session=session, equipment=equipment) if not s.external]


def assert_usable(*, session: Session, equipment: Equipment, day: date) -> StandardCertificate:
    """Check that ``equipment`` may serve as a standard on ``day`` and return its certificate of the day.

    Args:
        session: database session.
        equipment: standard equipment or reference material.
        day: the (local) date of the measurement.

    Returns:
        The certificate valid on ``day`` (the newest when several are), whose U enters the budget.

    Raises:
        RecordValidationError: the equipment is not a standard or reference material, or it has no
            certificate valid on ``day`` (expired or missing).
        ConflictError: one of its measurement standards is suspended or its assessment certificate has
            expired, or a failed intermediate check blocks it.
    """
    if equipment.kind not in ("standard", "reference_material"):
        raise RecordValidationError(
            f"equipment {equipment.id} ({equipment.description}, serial {equipment.serial}) is a "
            f"{equipment.kind}, not standard equipment; register the standard and use it instead"
        )
    cert = certificate_on(session=session, equipment=equipment, day=day)
    for standard in own_standards(session=session, equipment=equipment):
        if standard.status != "in_service":
            raise ConflictError(
                f"measurement standard {standard.name!r} (with {equipment.description}, serial "
                f"{equipment.serial}) is {standard.status} on {day}; close its nonconformity and return "
                "it to service before use"
            )
        if standard.assessment_valid_until is not None and day > standard.assessment_valid_until:
            raise ConflictError(
                f"assessment certificate {standard.assessment_certificate_no} of measurement standard "
                f"{standard.name!r} expired on {standard.assessment_valid_until}; it cannot be used on {day} "
                "until the standard is re-assessed (复查)"
            )
    failed = blocking_check(session=session, equipment_id=equipment.id, day=day)
    if failed is not None:
        raise ConflictError(
            f"{equipment.description} (serial {equipment.serial}) is out of control since the intermediate "
            f"check of {failed.checked_on} at {failed.point}: {failed.value:g} {failed.unit} outside "
            f"[{failed.limit_low:g}, {failed.limit_high:g}]; recalibrate it or record an in-control check "
            f"(certificate {cert.number} alone does not clear it)"
        )
    return cert


def cmc_floor(*, session: Session, equipment_id: int, day: date) -> tuple[float, str] | None:
    """The CMC of the centre's measurement standard(s) holding the equipment: the floor of a reported U.

    Standards whose assessment certificate had expired by ``day`` are ignored (they may not be used).
    When the equipment serves in several standards with CMCs in the same unit, the largest (most
    conservative) is returned.

    Args:
        session: database session.
        equipment_id: the standard equipment used.
        day: the date of the measurement.

    Returns:
        ``(expanded uncertainty, unit)`` at the standard's ``cmc_k``, or None when no CMC is recorded.
    """
    equipment = session.get(Equipment, equipment_id)
    if equipment is None:
        return None
    cmcs: list[tuple[float, str]] = []
    for standard in own_standards(session=session, equipment=equipment):
        if standard.cmc_uncertainty is None or not standard.cmc_unit:
            continue
        if standard.assessment_valid_until is not None and day > standard.assessment_valid_until:
            continue
        cmcs.append((standard.cmc_uncertainty, standard.cmc_unit))
    if not cmcs:
        return None
    unit = cmcs[0][1]
    return max(v for v, u in cmcs if u == unit), unit
