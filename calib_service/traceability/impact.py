"""Reverse traceability (失准追溯, ISO/IEC 17025 7.10): what a suspect standard has touched.

From a measurement standard found out of tolerance, over a suspect window (its last good calibration to
the finding), the walk lists at any depth:

* depth 1: calibrations made with the standard's equipment in the window, and certificates of other
  equipment issued with the standard as their upstream (``upstream_standard_id``) in the window;
* depth n + 1: for each certificate found at depth n, the calibrations made with that equipment under
  that certificate, and certificates issued with the standards holding that equipment while the
  certificate was in force; and so on.

The customers of the affected calibrations are the ones to notify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.errors import RecordValidationError
from calib_service.models import (
    Calibration,
    CalibrationStandard,
    Customer,
    Equipment,
    StandardCertificate,
)
from calib_service.services.standards import get_standard, standards_of_equipment
from calib_service.traceability.model_views import StandardRef
from calib_service.traceability.usability import DEFAULT_TZ, measurement_day

__all__ = ["Impact", "ImpactItem", "impact_of", "last_good_calibration"]

MAX_DEPTH = 25


@dataclass(frozen=True)
class ImpactItem:
    """One affected record: a calibration result or a standard's certificate."""

    kind: str
    depth: int
    day: date
    calibration_id: int | None
    calibration_number: str | None
    certificate_id: int | None
    certificate_number: str | None
    equipment_id: int
    equipment: str
    customer_id: int | None
    customer: str | None
    via: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "depth": self.depth,
            "day": self.day.isoformat(),
            "calibration_id": self.calibration_id,
            "calibration_number": self.calibration_number,
            "certificate_id": self.certificate_id,
            "certificate_number": self.certificate_number,
            "equipment_id": self.equipment_id,
            "equipment": self.equipment,
            "customer_id": self.customer_id,
            "customer": self.customer,
            "via": self.via,
        }


@dataclass(frozen=True)
class Impact:
    """The records affected by a suspect standard over ``since`` … ``until``."""

    standard: StandardRef
    since: date
    until: date | None
    items: tuple[ImpactItem, ...]

    @property
    def calibrations(self) -> tuple[ImpactItem, ...]:
        """The affected calibration results."""
        return tuple(i for i in self.items if i.kind == "calibration")

    @property
    def certificates(self) -> tuple[ImpactItem, ...]:
        """The affected certificates of other standards."""
        return tuple(i for i in self.items if i.kind == "certificate")

    @property
    def max_depth(self) -> int:
        """The deepest level reached (0 when nothing is affected)."""
        return max((i.depth for i in self.items), default=0)

    def customers(self) -> list[tuple[int, str]]:
        """The customers to notify, ``(id, name)``, by name: those of affected results, and owners of
        affected standard equipment (a customer's standard calibrated by the centre)."""
        seen = {i.customer_id: i.customer for i in self.items if i.customer_id is not None}
        return sorted(((k, v or "") for k, v in seen.items()), key=lambda kv: kv[1])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "standard": self.standard.to_dict(),
            "since": self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "max_depth": self.max_depth,
            "calibration_count": len(self.calibrations),
            "certificate_count": len(self.certificates),
            "customers": [{"id": k, "name": v} for k, v in self.customers()],
            "items": [i.to_dict() for i in self.items],
        }


def last_good_calibration(*, session: Session, standard_id: int, before: date) -> date | None:
    """The latest calibration date of the standard's equipment on or before ``before`` (None: none)."""
    standard = get_standard(session=session, standard_id=standard_id)
    ids = [e.id for e in standard.equipment]
    if not ids:
        return None
    dates = session.scalars(
        select(StandardCertificate.calibration_date).where(
            StandardCertificate.equipment_id.in_(ids), StandardCertificate.calibration_date <= before
        )
    )
    return max(dates, default=None)


class _Walk:
    def __init__(self, session: Session, tz: str) -> None:
        self.session = session
        self.tz = tz
        self.items: list[ImpactItem] = []
        self.seen_cals: set[int] = set()
        self.seen_certs: set[int] = set()

    def _customer(self, cal: Calibration) -> tuple[int | None, str | None]:
        cid = cal.customer_id if cal.customer_id is not None else cal.dut.owner_id
        if cid is None:
            return None, None
        cust = self.session.get(Customer, cid)
        return cid, None if cust is None else cust.name

    def calibrations(
        self,
        equipment_ids: list[int],
        start: date,
        end: date | None,
        depth: int,
        via: str,
        certificate: StandardCertificate | None,
    ) -> None:
        rows = self.session.execute(
            select(CalibrationStandard, Calibration)
            .join(Calibration, Calibration.id == CalibrationStandard.calibration_id)
            .where(CalibrationStandard.equipment_id.in_(equipment_ids))
            .order_by(Calibration.id)
        ).all()
        for used, cal in rows:
            if cal.id in self.seen_cals:
                continue
            day = measurement_day(cal, self.tz)
            if day < start or (end is not None and day > end):
                continue
            if certificate is not None:
                if used.certificate_id is not None and used.certificate_id != certificate.id:
                    continue
                if used.certificate_id is None and not certificate.valid_on(day):
                    continue
            self.seen_cals.add(cal.id)
            eq = self.session.get(Equipment, used.equipment_id)
            cid, cname = self._customer(cal)
            self.items.append(
                ImpactItem(
                    kind="calibration",
                    depth=depth,
                    day=day,
                    calibration_id=cal.id,
                    calibration_number=cal.number,
                    certificate_id=None,
                    certificate_number=None,
                    equipment_id=used.equipment_id,
                    equipment="" if eq is None else eq.description,
                    customer_id=cid,
                    customer=cname,
                    via=via,
                )
            )

    def certificates(
        self, standard_ids: list[int], start: date, end: date | None, depth: int, via: str
    ) -> None:
        if depth > MAX_DEPTH or not standard_ids:
            return
        stmt = select(StandardCertificate).where(
            StandardCertificate.upstream_standard_id.in_(standard_ids),
            StandardCertificate.calibration_date >= start,
        )
        if end is not None:
            stmt = stmt.where(StandardCertificate.calibration_date <= end)
        for cert in list(self.session.scalars(stmt.order_by(StandardCertificate.calibration_date))):
            if cert.id in self.seen_certs:
                continue
            self.seen_certs.add(cert.id)
            eq = cert.equipment
            owner = None if eq.owner_id is None else self.session.get(Customer, eq.owner_id)
            self.items.append(
                ImpactItem(
                    kind="certificate",
                    depth=depth,
                    day=cert.calibration_date,
                    calibration_id=None,
                    calibration_number=None,
                    certificate_id=cert.id,
                    certificate_number=cert.number,
                    equipment_id=eq.id,
                    equipment=eq.description,
                    customer_id=None if owner is None else owner.id,
                    customer=None if owner is None else owner.name,
                    via=via,
                )
            )
            path = f"{via} → {eq.description} [{cert.number}]"
            self.calibrations([eq.id], cert.calibration_date, _min(cert.due_date, end), depth + 1, path, cert)
            holders = [s.id for s in standards_of_equipment(session=self.session, equipment=eq)]
            self.certificates(holders, cert.calibration_date, _min(cert.due_date, end), depth + 1, path)


def _min(a: date, b: date | None) -> date:
    return a if b is None else min(a, b)


def impact_of(
    *, session: Session, standard_id: int, since: date, until: date | None = None, tz: str = DEFAULT_TZ
) -> Impact:
    """Every calibration and certificate that used the standard from ``since`` to ``until``, at any depth.

    Args:
        session: database session.
        standard_id: the suspect measurement standard.
        since: start of the suspect window (normally its last good calibration).
        until: end of the window (the date it was found out of tolerance); None: up to now.
        tz: the laboratory's zone for the dates of calibrations.

    Returns:
        The affected records with their depth (1: direct use) and the path that reached them.

    Raises:
        NotFoundError: the standard does not exist.
        RecordValidationError: ``until`` is before ``since``.
    """
    if until is not None and until < since:
        raise RecordValidationError(f"impact window ends {until}, before it starts {since}; swap the dates")
    standard = get_standard(session=session, standard_id=standard_id)
    walk = _Walk(session, tz)
    ids = [e.id for e in standard.equipment]
    if ids:
        walk.calibrations(ids, since, until, 1, standard.name, None)
    walk.certificates([standard.id], since, until, 1, standard.name)
    items = sorted(walk.items, key=lambda i: (i.depth, i.day, i.kind))
    return Impact(StandardRef.of(standard), since, until, tuple(items))
