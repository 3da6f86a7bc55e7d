"""Nonconforming work (ISO/IEC 17025 7.10): a suspect standard, its impact and how it was handled.

Raising a nonconformity on a standard stores the impact list (reverse traceability over the suspect
window) as it stood, suspends the standard (it is then refused like an expired one) and records an
``evaluate`` action. Further actions are appended, never edited. ``close`` is refused while a customer
with an affected result has not been notified, unless a ``no_impact`` evaluation is on record;
``return_to_service`` needs a certificate of the standard's equipment issued on or after the finding.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from calib_service.errors import ConflictError, NotFoundError, RecordValidationError
from calib_service.models import (
    NONCONFORMITY_ACTIONS,
    Customer,
    Nonconformity,
    NonconformityAction,
    NonconformityImpact,
    StandardCertificate,
)
from calib_service.services.standards import get_standard
from calib_service.traceability.impact import impact_of, last_good_calibration
from calib_service.traceability.usability import DEFAULT_TZ

__all__ = ["add_action", "get_nonconformity", "list_nonconformities", "record_nonconformity"]


def record_nonconformity(
    *,
    session: Session,
    standard_id: int,
    found_on: date,
    description: str,
    suspect_since: date | None = None,
    raised_by: str = "",
    suspend: bool = True,
    tz: str = DEFAULT_TZ,
) -> Nonconformity:
    """Record that a standard was found out of tolerance, with the work it affected.

    Args:
        session: database session (not committed).
        standard_id: the suspect measurement standard.
        found_on: the date it was found out of tolerance.
        description: what was found (values, check or calibration that showed it).
        suspect_since: start of the suspect window; default the last calibration of its equipment on or
            before ``found_on`` (its last good calibration).
        raised_by: who raised it.
        suspend: take the standard out of service (default), so it is refused for new work.
        tz: the laboratory's zone.

    Returns:
        The nonconformity, numbered ``NC-YYYY-NNNN``, with its impacts and a first ``evaluate`` action.

    Raises:
        NotFoundError: the standard does not exist.
        RecordValidationError: empty description, or no suspect window can be determined.
    """
    if not description.strip():
        raise RecordValidationError("nonconformity description is empty; say what was found and how")
    standard = get_standard(session=session, standard_id=standard_id)
    if suspect_since is None:
        suspect_since = last_good_calibration(session=session, standard_id=standard_id, before=found_on)
        if suspect_since is None:
            raise RecordValidationError(
                f"standard {standard.name!r} has no calibration on record before {found_on}; give "
                "suspect_since (the start of the suspect window)"
            )
    impact = impact_of(session=session, standard_id=standard_id, since=suspect_since, until=found_on, tz=tz)
    nc = Nonconformity(
        number=f"tmp-{uuid.uuid4().hex}",
        standard_id=standard.id,
        equipment_id=standard.equipment[0].id if len(standard.equipment) == 1 else None,
        found_on=found_on,
        suspect_since=suspect_since,
        description=description,
        raised_by=raised_by,
        status="open",
    )
    session.add(nc)
    session.flush()
    nc.number = f"NC-{found_on.year}-{nc.id:04d}"
    for item in impact.items:
        session.add(
            NonconformityImpact(
                nonconformity_id=nc.id,
                kind=item.kind,
                depth=item.depth,
                calibration_id=item.calibration_id,
                certificate_id=item.certificate_id,
                customer_id=item.customer_id,
                via=item.via,
            )
        )
    customers = impact.customers()
    session.add(
        NonconformityAction(
            nonconformity_id=nc.id,
            action="evaluate",
            taken_on=found_on,
            description=(
                f"reverse traceability {suspect_since} to {found_on}: {len(impact.calibrations)} "
                f"calibration(s), {len(impact.certificates)} certificate(s), depth {impact.max_depth}; "
                f"customers to notify: {', '.join(n for _, n in customers) or 'none'}"
            ),
            taken_by=raised_by,
        )
    )
    if suspend:
        standard.status = "suspended"
    session.flush()
    session.expire(nc, ["impacts", "actions"])
    return nc


def get_nonconformity(*, session: Session, nonconformity_id: int) -> Nonconformity:
    """One nonconformity with its impacts and actions.

    Raises:
        NotFoundError: no nonconformity has this id.
    """
    nc = session.scalars(
        select(Nonconformity)
        .where(Nonconformity.id == nonconformity_id)
        .options(selectinload(Nonconformity.impacts), selectinload(Nonconformity.actions))
    ).first()
    if nc is None:
        raise NotFoundError(f"nonconformity {nonconformity_id} does not exist")
    return nc


def list_nonconformities(*, session: Session, status: str | None = None) -> list[Nonconformity]:
    """Nonconformities in id order, optionally of one status (``open`` or ``closed``)."""
    stmt = select(Nonconformity).options(
        selectinload(Nonconformity.impacts), selectinload(Nonconformity.actions)
    )
    if status is not None:
        stmt = stmt.where(Nonconformity.status == status)
    return list(session.scalars(stmt.order_by(Nonconformity.id)))


def add_action(
    *,
    session: Session,
    nonconformity_id: int,
    action: str,
    taken_on: date,
    description: str = "",
    customer_id: int | None = None,
    taken_by: str = "",
) -> NonconformityAction:
    """Append an action taken on a nonconformity.

    Raises:
        NotFoundError: the nonconformity or the customer does not exist.
        RecordValidationError: unknown action, a date before the finding, or ``notify_customer``
            without a customer.
        ConflictError: the nonconformity is closed; ``close`` while affected customers are not notified;
            ``return_to_service`` without a certificate issued on or after the finding.
    """
    nc = get_nonconformity(session=session, nonconformity_id=nonconformity_id)
    if action not in NONCONFORMITY_ACTIONS:
        raise RecordValidationError(
            f"unknown nonconformity action {action!r}; use one of {', '.join(NONCONFORMITY_ACTIONS)}"
        )
    if nc.status == "closed":
        raise ConflictError(f"nonconformity {nc.number} was closed on {nc.closed_on}; raise a new one")
    if taken_on < nc.found_on:
        raise RecordValidationError(
            f"action on {taken_on} is before nonconformity {nc.number} was found ({nc.found_on})"
        )
    if action == "notify_customer":
        if customer_id is None:
            raise RecordValidationError("notify_customer needs the customer notified (customer_id)")
        if session.get(Customer, customer_id) is None:
            raise NotFoundError(f"customer {customer_id} does not exist")
    if action == "close":
        _check_can_close(session, nc)
    if action == "return_to_service" and nc.standard_id is not None:
        standard = get_standard(session=session, standard_id=nc.standard_id)
        ids = [e.id for e in standard.equipment]
        fresh = session.scalars(
            select(StandardCertificate.number).where(
                StandardCertificate.equipment_id.in_(ids), StandardCertificate.calibration_date >= nc.found_on
            )
        ).first()
        if fresh is None:
            raise ConflictError(
                f"standard {standard.name!r} of nonconformity {nc.number} has no certificate issued on or "
                f"after {nc.found_on}; recalibrate it and record the certificate before returning it "
                "to service"
            )
        standard.status = "in_service"
    record = NonconformityAction(
        nonconformity_id=nc.id,
        action=action,
        taken_on=taken_on,
        description=description,
        customer_id=customer_id,
        taken_by=taken_by,
    )
    session.add(record)
    if action == "close":
        nc.status = "closed"
        nc.closed_on = taken_on
    session.flush()
    session.expire(nc, ["actions"])
    return record


def _check_can_close(session: Session, nc: Nonconformity) -> None:
    if any(a.action == "no_impact" for a in nc.actions):
        return
    affected = {i.customer_id for i in nc.impacts if i.customer_id is not None}
    notified = {a.customer_id for a in nc.actions if a.action == "notify_customer"}
    missing = sorted(affected - notified)
    if missing:
        names = sorted(c.name for c in (session.get(Customer, cid) for cid in missing) if c is not None)
        raise ConflictError(
            f"nonconformity {nc.number} cannot be closed: customer(s) {', '.join(names)} with affected "
            "results not notified yet; record notify_customer for each (or a no_impact evaluation)"
        )
