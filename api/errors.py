"""Domain errors mapped to HTTP status codes and CLI exit codes, in one place.

HTTP responses use RFC 9457 problem details: ``{"type", "title", "status", "detail"}`` where
``detail`` tells the user what to fix.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from calib_service.documents.errors import CertificateRefused, DocumentError
from calib_service.errors import (
    AuthenticationError,
    CalibError,
    ConflictError,
    DatabaseError,
    IntegrityCheckError,
    NotFoundError,
    PermissionDenied,
    RecordValidationError,
)
from instruments.errors import InstrumentError, InstrumentTimeout, LinkDown
from uncertainty.errors import UncertaintyError

__all__ = ["cli_exit_code", "describe_error", "http_status", "install_error_handlers"]

# (exception class, HTTP status, CLI exit code, title); the first matching row wins.
_TABLE: tuple[tuple[type[BaseException], int, int, str], ...] = (
    (AuthenticationError, 401, 4, "Unauthenticated"),
    (NotFoundError, 404, 3, "Not found"),
    (PermissionDenied, 403, 4, "Forbidden"),
    (ConflictError, 409, 5, "Conflict"),
    (RecordValidationError, 422, 2, "Invalid input"),
    (IntegrityCheckError, 409, 5, "Integrity check failed"),
    (DatabaseError, 503, 6, "Database unavailable"),
    (CalibError, 400, 1, "Request failed"),
    (CertificateRefused, 409, 5, "Certificate refused"),
    (DocumentError, 422, 2, "Invalid document data"),
    (UncertaintyError, 422, 2, "Invalid uncertainty input"),
    (InstrumentTimeout, 504, 7, "Instrument timeout"),
    (LinkDown, 503, 7, "Instrument link down"),
    (InstrumentError, 502, 7, "Instrument error"),
)


def _row(exc: BaseException) -> tuple[type[BaseException], int, int, str] | None:
    for row in _TABLE:
        if isinstance(exc, row[0]):
            return row
    return None


def http_status(exc: BaseException) -> int | None:
    """HTTP status for a domain error, or None when ``exc`` is not one."""
    row = _row(exc)
    return None if row is None else row[1]


def cli_exit_code(exc: BaseException) -> int | None:
    """CLI exit status for a domain error, or None when ``exc`` is not one (a bug: let it raise)."""
    row = _row(exc)
    return None if row is None else row[2]


def describe_error(exc: BaseException) -> str:
    """One line naming the cause, for the terminal."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def install_error_handlers(app: FastAPI) -> None:
    """Register one exception handler per domain error family on ``app``."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        row = _row(exc)
        status, title = (500, "Internal error") if row is None else (row[1], row[3])
        body = {"type": "about:blank", "title": title, "status": status, "detail": describe_error(exc)}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)

    for exc_class in (CalibError, UncertaintyError, InstrumentError, DocumentError):
        app.add_exception_handler(exc_class, handler)
