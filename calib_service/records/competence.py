"""Competence (ISO/IEC 17025 6.2): who is authorised to perform which procedure, and until when (持证上岗)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.errors import NotFoundError, PermissionDenied, RecordValidationError
from calib_service.models import Authorisation, User
from calib_service.records.permissions import require

__all__ = ["assert_authorised", "authorisations_of", "grant_authorisation", "revoke_authorisation"]


def grant_authorisation(
    *,
    session: Session,
    actor: User,
    user: User,
    procedure_code: str,
    valid_from: date,
    valid_until: date,
    certificate_no: str = "",
) -> Authorisation:
    """Authorise ``user`` to perform ``procedure_code`` from ``valid_from`` to ``valid_until`` inclusive.

    Raises:
        PermissionDenied: ``actor`` is not a manager.
        RecordValidationError: empty code, dates out of order, or a user who cannot record calibrations.
    """
    require(actor, "authorisation.write")
    code = procedure_code.strip()
    if not code:
        raise RecordValidationError("procedure code is empty; give e.g. 'JJG 596-2012'")
    if valid_until < valid_from:
        raise RecordValidationError(
            f"authorisation of {user.username} for {code}: {valid_until} is before {valid_from}"
        )
    if not user.has_role("technician"):
        raise RecordValidationError(
            f"user {user.username!r} is not a technician; give the role before authorising procedures"
        )
    auth = Authorisation(
        user_id=user.id,
        procedure_code=code,
        certificate_no=certificate_no,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by_id=actor.id,
    )
    session.add(auth)
    session.flush()
    return auth


def revoke_authorisation(
    *, session: Session, actor: User, authorisation_id: int, now: datetime
) -> Authorisation:
    """Withdraw an authorisation from ``now`` on (kept for the record).

    Raises:
        PermissionDenied: ``actor`` is not a manager.
        NotFoundError: no such authorisation.
    """
    require(actor, "authorisation.write")
    auth = session.get(Authorisation, authorisation_id)
    if auth is None:
        raise NotFoundError(f"authorisation {authorisation_id} does not exist")
    if auth.revoked_at is None:
        auth.revoked_at = now
        session.flush()
    return auth


def authorisations_of(*, session: Session, user: User) -> list[Authorisation]:
    """All authorisations of ``user``, newest first."""
    return list(
        session.scalars(
            select(Authorisation).where(Authorisation.user_id == user.id).order_by(Authorisation.id.desc())
        )
    )


def assert_authorised(*, session: Session, user: User, procedure_code: str, day: date) -> Authorisation:
    """The authorisation that lets ``user`` perform ``procedure_code`` on ``day``.

    The runner calls this before it starts a calibration; the workflow calls it when a record is marked
    measured. An authorisation revoked on a day no longer covers that day.

    Raises:
        PermissionDenied: the user is inactive, not a technician, or holds no authorisation for the
            procedure valid on ``day``; the message says which and what to do.
    """
    if not user.active or not user.has_role("technician"):
        raise PermissionDenied(
            f"user {user.username!r} is not an active technician and may not perform {procedure_code}"
        )
    rows = session.scalars(
        select(Authorisation).where(
            Authorisation.user_id == user.id, Authorisation.procedure_code == procedure_code
        )
    ).all()
    for auth in rows:
        revoked = auth.revoked_at is not None and auth.revoked_at.date() <= day
        if auth.valid_from <= day <= auth.valid_until and not revoked:
            return auth
    if not rows:
        why = "holds no authorisation for it"
    else:
        spans = "; ".join(
            f"{a.valid_from}–{a.valid_until}{' (revoked)' if a.revoked_at else ''}" for a in rows
        )
        why = f"has authorisations {spans}, none valid on {day}"
    raise PermissionDenied(
        f"technician {user.username!r} is not authorised for {procedure_code} on {day}: {why}; "
        "a manager must grant or renew the authorisation (calib users authorise)"
    )
