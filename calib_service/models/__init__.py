"""SQLAlchemy 2.0 typed ORM, one module per aggregate."""

from __future__ import annotations

from calib_service.models.base import Base, UTCDateTime, utcnow
from calib_service.models.calibration import (
    CALIBRATION_STATUSES,
    Calibration,
    CalibrationPoint,
    CalibrationStandard,
    EnvironmentRecord,
    Procedure,
    RawReading,
)
from calib_service.models.equipment import EQUIPMENT_KINDS, FAMILIES, Equipment
from calib_service.models.parties import ROLES, Customer, User
from calib_service.models.standards import (
    STANDARD_LEVELS,
    MeasurementStandard,
    StandardCertificate,
    standard_equipment,
)

__all__ = [
    "CALIBRATION_STATUSES",
    "EQUIPMENT_KINDS",
    "FAMILIES",
    "ROLES",
    "STANDARD_LEVELS",
    "Base",
    "Calibration",
    "CalibrationPoint",
    "CalibrationStandard",
    "Customer",
    "EnvironmentRecord",
    "Equipment",
    "MeasurementStandard",
    "Procedure",
    "RawReading",
    "StandardCertificate",
    "UTCDateTime",
    "User",
    "standard_equipment",
    "utcnow",
]
