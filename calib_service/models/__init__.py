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
from calib_service.models.certificates import (
    CERTIFICATE_KINDS,
    CentreProfile,
    IssuedCertificate,
    IssuedCertificateFile,
)
from calib_service.models.equipment import EQUIPMENT_KINDS, FAMILIES, Equipment
from calib_service.models.evidence import (
    ACTIVITY_TYPES,
    ASSESSMENT_KINDS,
    QUALITY_CATEGORIES,
    ActivityAttachment,
    AnnualTarget,
    AssessmentRecord,
    EvidenceActivity,
    QualityRecord,
)
from calib_service.models.parties import ROLES, Customer, User
from calib_service.models.records import (
    ApiToken,
    Attachment,
    AuditEvent,
    Authorisation,
    CalibrationTransition,
    Job,
    JobItem,
)
from calib_service.models.standards import (
    STANDARD_LEVELS,
    MeasurementStandard,
    StandardCertificate,
    standard_equipment,
)
from calib_service.models.traceability import (
    CHECK_METHODS,
    NONCONFORMITY_ACTIONS,
    IntermediateCheck,
    Nonconformity,
    NonconformityAction,
    NonconformityImpact,
)

__all__ = [
    "ACTIVITY_TYPES",
    "ASSESSMENT_KINDS",
    "CALIBRATION_STATUSES",
    "CERTIFICATE_KINDS",
    "CHECK_METHODS",
    "EQUIPMENT_KINDS",
    "FAMILIES",
    "NONCONFORMITY_ACTIONS",
    "QUALITY_CATEGORIES",
    "ROLES",
    "STANDARD_LEVELS",
    "ActivityAttachment",
    "AnnualTarget",
    "ApiToken",
    "AssessmentRecord",
    "Attachment",
    "AuditEvent",
    "Authorisation",
    "Base",
    "Calibration",
    "CalibrationPoint",
    "CalibrationStandard",
    "CalibrationTransition",
    "CentreProfile",
    "Customer",
    "EnvironmentRecord",
    "Equipment",
    "EvidenceActivity",
    "IntermediateCheck",
    "IssuedCertificate",
    "IssuedCertificateFile",
    "Job",
    "JobItem",
    "MeasurementStandard",
    "Nonconformity",
    "NonconformityAction",
    "NonconformityImpact",
    "Procedure",
    "QualityRecord",
    "RawReading",
    "StandardCertificate",
    "UTCDateTime",
    "User",
    "standard_equipment",
    "utcnow",
]

# Installs the session hook that audits every ORM insert/update/delete (issue 7); imported last because
# it needs the mapped classes above.
import calib_service.records.autoaudit  # noqa: F401
