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
from calib_service.documents.dcc import render_dcc_xml, validate_dcc
from calib_service.documents.errors import (
    CertificateDataError,
    CertificateRefused,
    DccValidationError,
    DocumentError,
    EvidenceDataError,
    ScoreSheetError,
)
from calib_service.documents.evidence_data import (
    AssessmentOutcome,
    EvidenceFile,
    EvidenceReport,
    FamilyCount,
    Metric,
    QualityCategory,
    QualityItem,
    ScoreItem,
    ScoreSheetResult,
    TargetProgress,
    TaskSection,
    check_evidence,
)
from calib_service.documents.evidence_html import render_evidence_html
from calib_service.documents.evidence_json import (
    EVIDENCE_SCHEMA_VERSION,
    evidence_to_dict,
    render_evidence_json,
)
from calib_service.documents.evidence_pdf import render_evidence_pdf
from calib_service.documents.evidence_xlsx import render_evidence_xlsx
from calib_service.documents.fonts import PdfFont, cjk_font, fallback_font
from calib_service.documents.i18n import Text
from calib_service.documents.rounding import round_result
from calib_service.documents.score_sheet import (
    ScoreSheet,
    ScoreSheetItem,
    load_default_score_sheet,
    load_score_sheet,
    score,
)
from calib_service.documents.units import dsi_unit, unit_symbol

__all__ = [
    "EVIDENCE_SCHEMA_VERSION",
    "AssessmentOutcome",
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
    "EvidenceFile",
    "EvidenceReport",
    "FamilyCount",
    "Item",
    "MeasurementPoint",
    "Method",
    "Metric",
    "PdfFont",
    "Person",
    "QualityCategory",
    "QualityItem",
    "ResultSet",
    "ResultState",
    "ScoreItem",
    "ScoreSheet",
    "ScoreSheetError",
    "ScoreSheetItem",
    "ScoreSheetResult",
    "Software",
    "StandardUsed",
    "TargetProgress",
    "TaskSection",
    "Text",
    "VerificationValidity",
    "check_certificate",
    "check_evidence",
    "cjk_font",
    "dsi_unit",
    "evidence_to_dict",
    "fallback_font",
    "load_default_score_sheet",
    "load_score_sheet",
    "render_certificate_pdf",
    "render_dcc_xml",
    "render_evidence_html",
    "render_evidence_json",
    "render_evidence_pdf",
    "render_evidence_xlsx",
    "round_result",
    "score",
    "unit_symbol",
    "validate_dcc",
]
