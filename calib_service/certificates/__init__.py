"""Certificates from calibration records: 检定证书 (pass), 检定结果通知书 (fail), 校准证书 (JJF), as PDF and
PTB DCC 3.1.2 XML, issued through the records workflow and stored by SHA-256. See
``docs/certificates-evidence.md``.
"""

from __future__ import annotations

from calib_service.certificates.builder import (
    BuiltCertificate,
    build_certificate_data,
    certificate_kind,
    certificate_number,
)
from calib_service.certificates.centre import DEFAULT_PROFILE, centre_of, current_profile, set_profile
from calib_service.certificates.issue import (
    LANG_SETS,
    VerifiedFile,
    certificate_bytes,
    count_certificates,
    get_certificate,
    issue_certificate,
    list_certificates,
    verify_certificate_bytes,
    verify_certificate_file,
)
from calib_service.certificates.validity import (
    DEFAULT_PERIOD_MONTHS,
    PERIODS,
    PeriodRule,
    period_for,
    valid_until,
)

__all__ = [
    "DEFAULT_PERIOD_MONTHS",
    "DEFAULT_PROFILE",
    "LANG_SETS",
    "PERIODS",
    "BuiltCertificate",
    "PeriodRule",
    "VerifiedFile",
    "build_certificate_data",
    "centre_of",
    "certificate_bytes",
    "certificate_kind",
    "certificate_number",
    "count_certificates",
    "current_profile",
    "get_certificate",
    "issue_certificate",
    "list_certificates",
    "period_for",
    "set_profile",
    "valid_until",
    "verify_certificate_bytes",
    "verify_certificate_file",
]
