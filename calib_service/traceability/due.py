"""Due lists: the centre's standards and reference materials due for recalibration, and assessment
certificates (计量标准考核证书) due for re-assessment, within N days of ``as_of`` (overdue ones included).

Standards held by other laboratories (``external``) and customers' equipment (with an owner, not part of
a standard of the centre) are not on the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from calib_service.errors import RecordValidationError
from calib_service.models import Equipment, MeasurementStandard, StandardCertificate

__all__ = ["DueItem", "due_list"]


@dataclass(frozen=True)
class DueItem:
    """One thing due: ``kind`` is ``certificate`` or ``assessment``; ``status`` ``overdue``, ``due`` or
    ``no_certificate``."""

    kind: str
    status: str
    due_date: date | None
    days_left: int | None
    equipment_id: int | None
    equipment: str
    serial: str
    standard_id: int | None
    standard: str
    document: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "status": self.status,
            "due_date": None if self.due_date is None else self.due_date.isoformat(),
            "days_left": self.days_left,
            "equipment_id": self.equipment_id,
            "equipment": self.equipment,
            "serial": self.serial,
            "standard_id": self.standard_id,
            "standard": self.standard,
            "document": self.document,
        }


def due_list(*, session: Session, as_of: date, days: int = 30) -> list[DueItem]:
    """What falls due by ``as_of + days`` (and what is already overdue), earliest first.

    Args:
        session: database session.
        as_of: the reference date (an argument, so a list can be reproduced for an auditor).
        days: look-ahead in days (≥ 0).

    Returns:
        Items sorted by due date; items without a certificate come first.

    Raises:
        RecordValidationError: ``days`` is negative.
    """
    if days < 0:
        raise RecordValidationError(f"days must be ≥ 0, got {days}")
    horizon = as_of + timedelta(days=days)
    standards = list(
        session.scalars(
            select(MeasurementStandard)
            .options(selectinload(MeasurementStandard.equipment))
            .order_by(MeasurementStandard.id)
        )
    )
    external_only: set[int] = set()
    owner: dict[int, MeasurementStandard] = {}
    for s in standards:
        for e in s.equipment:
            if s.external:
                external_only.add(e.id)
            else:
                owner.setdefault(e.id, s)
    external_only -= set(owner)
    items: list[DueItem] = []
    equipment = session.scalars(
        select(Equipment).where(Equipment.kind.in_(("standard", "reference_material"))).order_by(Equipment.id)
    )
    for eq in equipment:
        if eq.id in external_only or (eq.owner_id is not None and eq.id not in owner):
            continue  # an upstream laboratory's or a customer's equipment
        std = owner.get(eq.id)
        last = session.scalars(
            select(StandardCertificate)
            .where(StandardCertificate.equipment_id == eq.id)
            .order_by(StandardCertificate.due_date.desc(), StandardCertificate.id.desc())
        ).first()
        if last is None:
            items.append(
                DueItem(
                    "certificate",
                    "no_certificate",
                    None,
                    None,
                    eq.id,
                    eq.description,
                    eq.serial,
                    None if std is None else std.id,
                    "" if std is None else std.name,
                    "",
                )
            )
            continue
        if last.due_date > horizon:
            continue
        items.append(
            DueItem(
                "certificate",
                "overdue" if last.due_date < as_of else "due",
                last.due_date,
                (last.due_date - as_of).days,
                eq.id,
                eq.description,
                eq.serial,
                None if std is None else std.id,
                "" if std is None else std.name,
                f"{last.number} ({last.issuing_lab})",
            )
        )
    for s in standards:
        if s.external or s.assessment_valid_until is None or s.assessment_valid_until > horizon:
            continue
        items.append(
            DueItem(
                "assessment",
                "overdue" if s.assessment_valid_until < as_of else "due",
                s.assessment_valid_until,
                (s.assessment_valid_until - as_of).days,
                None,
                "",
                "",
                s.id,
                s.name,
                s.assessment_certificate_no or "",
            )
        )
    items.sort(key=lambda i: (i.due_date is not None, i.due_date or as_of, i.standard, i.equipment))
    return items
