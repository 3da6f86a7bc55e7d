"""Errors of the document renderers.

The package stands alone (it imports no other part of :mod:`calib_service`), so it carries its own small
hierarchy. Every error is also a :class:`ValueError`: each one means the data handed to a renderer cannot
be issued as given, and the message says which field and what to change.
"""

from __future__ import annotations

__all__ = [
    "CertificateDataError",
    "CertificateRefused",
    "DccValidationError",
    "DocumentError",
    "EvidenceDataError",
    "ScoreSheetError",
]


class DocumentError(ValueError):
    """Base class of the document errors."""


class CertificateDataError(DocumentError):
    """Certificate data that is inconsistent or incomplete (the message names the field)."""


class CertificateRefused(DocumentError):
    """The certificate must not be issued at all, e.g. a verification whose outcome is undetermined (待定)."""


class DccValidationError(DocumentError):
    """A DCC XML document that does not validate against the pinned schema.

    Attributes:
        violations: One line per schema violation, ``line N: message``.
    """

    def __init__(self, message: str, violations: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations


class EvidenceDataError(DocumentError):
    """Evidence-report data that is inconsistent (the message names the section and the value)."""


class ScoreSheetError(DocumentError):
    """A self-assessment score sheet that cannot be loaded or scored (names the item and the fault)."""
