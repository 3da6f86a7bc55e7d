"""Document renderers: certificates (PDF, DCC XML) and the annual evidence report, from plain data.

Nothing here touches the database: the calibration service fills the frozen dataclasses from its records
and calls a renderer. See ``docs/documents.md``.
"""

from __future__ import annotations

from calib_service.documents.certificate_data import (
    Centre,
    CertificateData,
    CertificateKind,
    Customer,
    Decision,
    EnvironmentCondition,
    Item,
    MeasurementPoint,
    Method,
    Person,
    ResultSet,
    ResultState,
    Software,
    StandardUsed,
    VerificationValidity,
    check_certificate,
)
from calib_service.documents.certificate_pdf import render_certificate_pdf
from calib_service.documents.errors import (
    CertificateDataError,
    CertificateRefused,
    DccValidationError,
    DocumentError,
    EvidenceDataError,
    ScoreSheetError,
)
from calib_service.documents.fonts import PdfFont, cjk_font, fallback_font
from calib_service.documents.i18n import Text
from calib_service.documents.rounding import round_result
from calib_service.documents.units import dsi_unit, unit_symbol

__all__ = [
    "Centre",
    "CertificateData",
    "CertificateDataError",
    "CertificateKind",
    "CertificateRefused",
    "Customer",
    "DccValidationError",
    "Decision",
    "DocumentError",
    "EnvironmentCondition",
    "EvidenceDataError",
    "Item",
    "MeasurementPoint",
    "Method",
    "PdfFont",
    "Person",
    "ResultSet",
    "ResultState",
    "ScoreSheetError",
    "Software",
    "StandardUsed",
    "Text",
    "VerificationValidity",
    "check_certificate",
    "cjk_font",
    "dsi_unit",
    "fallback_font",
    "render_certificate_pdf",
    "round_result",
    "unit_symbol",
]
