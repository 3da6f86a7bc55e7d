"""Domain errors of the calibration service.

Every error also inherits a builtin, so callers that only know Python's own hierarchy still catch it.
Messages name the offending record or value and say what to fix. HTTP status codes and CLI exit codes
are assigned in one place, :mod:`api.errors`.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "CalibError",
    "ConflictError",
    "DatabaseError",
    "IntegrityCheckError",
    "NotFoundError",
    "PermissionDenied",
    "RecordValidationError",
]


class CalibError(Exception):
    """Base class of the domain errors."""


class NotFoundError(CalibError, LookupError):
    """A record that was asked for does not exist."""


class RecordValidationError(CalibError, ValueError):
    """Input that cannot be stored as given; the message says what to fix."""


class ConflictError(CalibError, RuntimeError):
    """The change conflicts with the stored state (a stale version, a state transition not allowed)."""


class PermissionDenied(CalibError, PermissionError):
    """The acting user lacks the role or authorisation for this action."""


class DatabaseError(CalibError, ConnectionError):
    """The database cannot be reached or its URL is invalid."""


class AuthenticationError(CalibError, PermissionError):
    """No valid identity was given (missing, unknown, expired or revoked token; wrong password)."""


class IntegrityCheckError(CalibError, ValueError):
    """Stored data failed its integrity check (a file whose sha256 no longer matches, a broken chain)."""
