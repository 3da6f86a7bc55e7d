"""Traceability chains (ISO/IEC 17025 6.5): from a calibration result up to a national standard or a CRM.

A chain is a tree of links. Each link is one piece of standard equipment with the certificate that
applied: for the standards used directly (depth 1) the certificate valid on the day of the measurement;
for an upstream link the certificate valid on the day the downstream certificate was issued (when that
calibration was made). Each certificate names the standard that calibrated the equipment
(``upstream_standard_id``); the chain climbs until it reaches a national primary standard (国家计量基准)
or a certified reference material with its producer. A certificate that names its upstream only in free
text, or an upstream standard with no certificate on record, is a broken link.

Findings (code, severity): ``no_standards``, ``no_certificate``, ``expired_certificate``,
``broken_link``, ``certificate_mismatch``, ``cycle``, ``not_a_standard``, ``out_of_range``,
``failed_check``, ``standard_suspended``, ``assessment_expired``, ``uncertainty_below_cmc`` and
``budget_certificate_mismatch`` are errors;
``no_assessment_certificate``, ``not_in_standard`` and ``uncertainty_below_upstream`` (a U smaller
than the U of the link above it, in comparable units) are warnings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError
from calib_service.models import (
    Calibration,
    CalibrationPoint,
    Customer,
    Equipment,
    MeasurementStandard,
    StandardCertificate,
)
from calib_service.services.calibrations import get_calibration
from calib_service.services.standards import standards_of_equipment
from calib_service.traceability._units import convert
from calib_service.traceability.checks import blocking_check
from calib_service.traceability.model_views import CertificateRef, StandardRef, is_top
from calib_service.traceability.usability import DEFAULT_TZ, measurement_day

__all__ = ["Finding", "Link", "Trace", "assert_chain_ok", "assert_traceable", "trace_calibration"]

_REL_TOL = 1e-6


@dataclass(frozen=True)
class Finding:
    """A problem found on a chain; ``link`` is the index of the link concerned (None: the whole result)."""

    code: str
    severity: str
    message: str
    link: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"code": self.code, "severity": self.severity, "message": self.message, "link": self.link}


@dataclass(frozen=True)
class Link:
    """One link: a piece of standard equipment with its certificate, judged on ``judged_on``.

    ``parent`` is the index of the link this one calibrated (None for a standard used directly);
    ``upstream`` the standard that calibrated it; ``top`` whether the chain ends correctly here.
    """

    index: int
    parent: int | None
    depth: int
    equipment_id: int
    equipment: str
    serial: str
    kind: str
    role: str
    standards: tuple[StandardRef, ...]
    certificate: CertificateRef | None
    judged_on: date
    valid: bool
    upstream: StandardRef | None
    upstream_text: str
    top: bool

    def top_standard(self) -> StandardRef | None:
        """The standard at which the chain ends on this link (national primary or CRM), if it does."""
        if not self.top:
            return None
        if self.upstream is not None and self.upstream.level in ("national_primary", "reference_material"):
            return self.upstream
        return next((s for s in self.standards if s.level == "reference_material"), None)

    def label(self) -> str:
        """A short name of the link for messages: equipment, serial and certificate."""
        cert = f", certificate {self.certificate.number}" if self.certificate else ""
        return f"link {self.index + 1} ({self.equipment}, serial {self.serial}{cert})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "index": self.index,
            "parent": self.parent,
            "depth": self.depth,
            "equipment_id": self.equipment_id,
            "equipment": self.equipment,
            "serial": self.serial,
            "kind": self.kind,
            "role": self.role,
            "standards": [s.to_dict() for s in self.standards],
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
            "judged_on": self.judged_on.isoformat(),
            "valid": self.valid,
            "upstream": None if self.upstream is None else self.upstream.to_dict(),
            "upstream_text": self.upstream_text,
            "top": self.top,
        }


@dataclass(frozen=True)
class Trace:
    """The traceability of one calibration: its links (a tree) and findings."""

    calibration_id: int
    number: str
    day: date
    dut: str
    customer: str | None
    links: tuple[Link, ...]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings of severity ``error`` (they block approval)."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def complete(self) -> bool:
        """Whether every branch ends at a national primary standard or a CRM with its producer."""
        if not self.links:
            return False
        parents = {lk.parent for lk in self.links if lk.parent is not None}
        leaves = [lk for lk in self.links if lk.index not in parents]
        return all(lk.top for lk in leaves)

    @property
    def ok(self) -> bool:
        """Complete and without errors: the result may be approved."""
        return self.complete and not self.errors

    def tops(self) -> list[StandardRef]:
        """The standards at the top of the chain (national primary standards, CRMs), once each."""
        seen: dict[int, StandardRef] = {}
        for lk in self.links:
            top = lk.top_standard()
            if top is not None:
                seen.setdefault(top.id, top)
        return list(seen.values())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "calibration_id": self.calibration_id,
            "number": self.number,
            "day": self.day.isoformat(),
            "dut": self.dut,
            "customer": self.customer,
            "complete": self.complete,
            "ok": self.ok,
            "tops": [t.to_dict() for t in self.tops()],
            "links": [lk.to_dict() for lk in self.links],
            "findings": [f.to_dict() for f in self.findings],
        }


class _Builder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.links: list[Link] = []
        self.findings: list[Finding] = []

    def error(self, code: str, message: str, link: int | None) -> None:
        self.findings.append(Finding(code, "error", message, link))

    def warn(self, code: str, message: str, link: int | None) -> None:
        self.findings.append(Finding(code, "warning", message, link))

    def cert_for(self, equipment: Equipment, day: date) -> StandardCertificate | None:
        """The certificate valid on ``day`` (newest), else the newest issued before ``day``, else None."""
        certs = list(
            self.session.scalars(
                select(StandardCertificate)
                .where(StandardCertificate.equipment_id == equipment.id)
                .order_by(StandardCertificate.calibration_date.desc(), StandardCertificate.id.desc())
            )
        )
        for cert in certs:
            if cert.valid_on(day):
                return cert
        return next((c for c in certs if c.calibration_date <= day), None)

    def add(
        self,
        equipment: Equipment,
        cert: StandardCertificate | None,
        judged_on: date,
        parent: int | None,
        depth: int,
        role: str,
        visited: frozenset[int],
    ) -> int:
        idx = len(self.links)
        standards = standards_of_equipment(session=self.session, equipment=equipment)
        own_top = next((s for s in standards if s.level == "reference_material" and is_top(s)), None)
        upstream = None
        if cert is not None and cert.upstream_standard_id is not None:
            upstream = self.session.get(MeasurementStandard, cert.upstream_standard_id)
        top = own_top is not None or (upstream is not None and is_top(upstream))
        valid = cert is not None and cert.valid_on(judged_on)
        link = Link(
            index=idx,
            parent=parent,
            depth=depth,
            equipment_id=equipment.id,
            equipment=equipment.description,
            serial=equipment.serial,
            kind=equipment.kind,
            role=role,
            standards=tuple(StandardRef.of(s) for s in standards),
            certificate=None if cert is None else CertificateRef.of(cert),
            judged_on=judged_on,
            valid=valid,
            upstream=None if upstream is None else StandardRef.of(upstream),
            upstream_text="" if cert is None else cert.upstream_text,
            top=top,
        )
        self.links.append(link)
        name = link.label()
        if cert is None:
            self.error(
                "no_certificate",
                f"{name}: no certificate on record for {judged_on}; record the certificate that applied",
                idx,
            )
            return idx
        if not valid:
            self.error(
                "expired_certificate",
                f"{name}: certificate by {cert.issuing_lab} is valid {cert.calibration_date} to "
                f"{cert.due_date}, not on {judged_on}; a certificate valid on that day is needed",
                idx,
            )
        if own_top is not None:
            return idx
        if upstream is None:
            text = f" (only {cert.upstream_text!r})" if cert.upstream_text.strip() else ""
            self.error(
                "broken_link",
                f"{name}: the certificate names no upstream standard{text}; record the standard of "
                f"{cert.issuing_lab} that calibrated it so the chain reaches a national standard",
                idx,
            )
            return idx
        if upstream.level == "reference_material" and not top:
            self.error(
                "broken_link",
                f"{name}: reference material {upstream.name!r} has no producer; record its producer",
                idx,
            )
            return idx
        if top:
            return idx
        if upstream.id in visited:
            self.error("cycle", f"{name}: upstream standard {upstream.name!r} closes a loop", idx)
            return idx
        if not upstream.equipment:
            self.error(
                "broken_link",
                f"{name}: upstream standard {upstream.name!r} of {upstream.holder or 'unknown holder'} "
                "has no equipment or certificate on record; record its certificate from the laboratory "
                "above it",
                idx,
            )
            return idx
        for up_eq in upstream.equipment:
            up_cert = self.cert_for(up_eq, cert.calibration_date)
            self.add(up_eq, up_cert, cert.calibration_date, idx, depth + 1, "", visited | {upstream.id})
        return idx

    def check_use(self, link: Link, equipment: Equipment, day: date) -> None:
        if equipment.kind not in ("standard", "reference_material"):
            self.error(
                "not_a_standard",
                f"{link.label()} is registered as a {equipment.kind}, not as standard equipment",
                link.index,
            )
        own = [s for s in standards_of_equipment(session=self.session, equipment=equipment) if not s.external]
        if not own and equipment.kind == "standard":
            self.warn(
                "not_in_standard",
                f"{link.label()} belongs to no measurement standard of the centre; no CMC or assessment "
                "applies",
                link.index,
            )
        for s in own:
            if s.status != "in_service":
                self.error(
                    "standard_suspended",
                    f"{link.label()}: measurement standard {s.name!r} is {s.status}",
                    link.index,
                )
            if s.level in ("reference_material", "national_primary"):
                continue
            if s.assessment_valid_until is None:
                self.warn(
                    "no_assessment_certificate",
                    f"{link.label()}: measurement standard {s.name!r} has no assessment certificate "
                    "(计量标准考核证书) on record",
                    link.index,
                )
            elif day > s.assessment_valid_until:
                self.error(
                    "assessment_expired",
                    f"{link.label()}: assessment certificate {s.assessment_certificate_no} of "
                    f"{s.name!r} expired on {s.assessment_valid_until}, before {day}",
                    link.index,
                )
        failed = blocking_check(session=self.session, equipment_id=equipment.id, day=day)
        if failed is not None:
            self.error(
                "failed_check",
                f"{link.label()}: used on {day} after the failed intermediate check of "
                f"{failed.checked_on} at {failed.point} ({failed.value:g} {failed.unit} outside "
                f"[{failed.limit_low:g}, {failed.limit_high:g}])",
                link.index,
            )

    def check_ranges(self, link: Link, equipment: Equipment, points: list[CalibrationPoint]) -> None:
        ranges: list[tuple[float, float, str, str]] = []
        if equipment.range_unit and equipment.range_low is not None and equipment.range_high is not None:
            ranges.append((equipment.range_low, equipment.range_high, equipment.range_unit, "its range"))
        for s in standards_of_equipment(session=self.session, equipment=equipment):
            if s.range_unit and s.range_low is not None and s.range_high is not None and not s.external:
                ranges.append((s.range_low, s.range_high, s.range_unit, f"the range of {s.name!r}"))
        if not ranges:
            return
        for point in points:
            for value, unit in _point_values(point):
                for low, high, r_unit, what in ranges:
                    v = convert(value, unit, r_unit)
                    if v is None:
                        continue
                    tol = 1e-9 * max(abs(low), abs(high), 1.0)
                    if v < low - tol or v > high + tol:
                        self.error(
                            "out_of_range",
                            f"{link.label()}: used at {value:g} {unit} (point {point.label}) outside "
                            f"{what} {low:g} to {high:g} {r_unit}",
                            link.index,
                        )
                        break

    def check_cmc(self, link: Link, equipment: Equipment, points: list[CalibrationPoint]) -> None:
        for s in standards_of_equipment(session=self.session, equipment=equipment):
            if s.external or s.cmc_uncertainty is None or not s.cmc_unit:
                continue
            for point in points:
                u = convert(point.expanded_uncertainty, point.error_unit, s.cmc_unit)
                if u is not None and u < s.cmc_uncertainty * (1 - _REL_TOL):
                    self.error(
                        "uncertainty_below_cmc",
                        f"point {point.label}: U = {point.expanded_uncertainty:g} {point.error_unit} is "
                        f"below the CMC {s.cmc_uncertainty:g} {s.cmc_unit} of {s.name!r}; report at least "
                        "the CMC",
                        link.index,
                    )


def _point_values(point: CalibrationPoint) -> list[tuple[float, str]]:
    """The quantities applied at a point: reference value and ``[value, unit]`` parameters."""
    values: list[tuple[float, str]] = []
    if point.reference_value is not None and point.reference_unit:
        values.append((point.reference_value, point.reference_unit))
    for item in (point.parameters or {}).values():
        if (
            isinstance(item, (list, tuple))
            and len(item) == 2
            and isinstance(item[0], (int, float))
            and not isinstance(item[0], bool)
            and isinstance(item[1], str)
        ):
            values.append((float(item[0]), item[1]))
        elif isinstance(item, dict) and isinstance(item.get("value"), (int, float)) and "unit" in item:
            values.append((float(item["value"]), str(item["unit"])))
    return values


def _budget_certificate_inputs(point: CalibrationPoint) -> list[tuple[str, float, str]]:
    """Inputs of a stored budget that cite a certificate: ``(name, U, unit)``."""
    spec = (point.budget or {}).get("spec", {})
    found: list[tuple[str, float, str]] = []
    for item in spec.get("inputs", []) if isinstance(spec, dict) else []:
        if not isinstance(item, dict):
            continue
        described = str(item.get("description", "")).lower()
        u = item.get("expanded_uncertainty")
        if "certificate" in described and isinstance(u, (int, float)):
            found.append((str(item.get("name", "?")), float(u), str(item.get("unit", ""))))
    return found


def _check_budgets(
    b: _Builder, day: date, points: list[CalibrationPoint], certs: list[CertificateRef]
) -> None:
    candidates: list[tuple[float, str, str]] = []
    for ref in certs:
        candidates.append((ref.expanded_uncertainty, ref.uncertainty_unit, ref.number))
        cert = b.session.get(StandardCertificate, ref.id)
        for row in [] if cert is None else cert.results:
            u = row.get("expanded_uncertainty")
            if isinstance(u, (int, float)):
                unit = str(row.get("uncertainty_unit") or ref.uncertainty_unit)
                candidates.append((float(u), unit, ref.number))
    if not candidates:
        return
    for point in points:
        for name, u, unit in _budget_certificate_inputs(point):
            comparable = False
            matched = False
            for cu, cunit, _ in candidates:
                v = convert(cu, cunit, unit)
                if v is None:
                    continue
                comparable = True
                if math.isclose(v, u, rel_tol=_REL_TOL, abs_tol=1e-15):
                    matched = True
                    break
            if comparable and not matched:
                numbers = ", ".join(sorted({c[2] for c in candidates}))
                b.error(
                    "budget_certificate_mismatch",
                    f"point {point.label}: budget input {name} uses U = {u:g} {unit}, which is not the U of "
                    f"the certificate valid on {day} ({numbers}); re-evaluate with the valid certificate",
                    None,
                )


def _check_flow_down(b: _Builder, points: list[CalibrationPoint]) -> None:
    """Uncertainty can only grow down a chain: a link's U below the U of the link above it (in comparable
    units), or a reported U below the U of the standard's certificate, is suspicious (warning)."""
    by_index = {lk.index: lk for lk in b.links}
    for lk in b.links:
        if lk.parent is None or lk.certificate is None:
            continue
        below = by_index[lk.parent].certificate
        if below is None:
            continue
        up = convert(
            lk.certificate.expanded_uncertainty, lk.certificate.uncertainty_unit, below.uncertainty_unit
        )
        if up is not None and below.expanded_uncertainty < up * (1 - _REL_TOL):
            b.warn(
                "uncertainty_below_upstream",
                f"link {lk.parent + 1}: certificate {below.number} states U = "
                f"{below.expanded_uncertainty:g} {below.uncertainty_unit}, smaller than U = "
                f"{lk.certificate.expanded_uncertainty:g} {lk.certificate.uncertainty_unit} of the standard "
                f"that calibrated it ({lk.certificate.number})",
                lk.parent,
            )
    for lk in b.links:
        if lk.parent is not None or lk.certificate is None:
            continue
        for point in points:
            u_std = convert(
                lk.certificate.expanded_uncertainty, lk.certificate.uncertainty_unit, point.error_unit
            )
            if u_std is not None and point.expanded_uncertainty < u_std * (1 - _REL_TOL):
                b.warn(
                    "uncertainty_below_upstream",
                    f"point {point.label}: U = {point.expanded_uncertainty:g} {point.error_unit} is smaller "
                    f"than U = {lk.certificate.expanded_uncertainty:g} {lk.certificate.uncertainty_unit} of "
                    f"the standard's certificate {lk.certificate.number}",
                    lk.index,
                )


def trace_calibration(*, session: Session, calibration_id: int, tz: str = DEFAULT_TZ) -> Trace:
    """The full traceability chain of one calibration, with findings.

    Args:
        session: database session.
        calibration_id: the calibration.
        tz: the laboratory's zone, in which the date of the measurement is taken.

    Returns:
        The chain as a tree of links (equipment, certificate, U, k, validity on the day) and findings.

    Raises:
        NotFoundError: the calibration does not exist.
    """
    cal: Calibration = get_calibration(session=session, calibration_id=calibration_id)
    day = measurement_day(cal, tz)
    b = _Builder(session)
    if not cal.standards:
        b.error(
            "no_standards",
            f"calibration {cal.number} records no standard used; record the standards and their certificates",
            None,
        )
    first: list[tuple[Link, Equipment]] = []
    for used in cal.standards:
        equipment = session.get(Equipment, used.equipment_id)
        assert equipment is not None
        cert = (
            session.get(StandardCertificate, used.certificate_id)
            if used.certificate_id is not None
            else b.cert_for(equipment, day)
        )
        idx = b.add(equipment, cert, day, None, 1, used.role, frozenset())
        first.append((b.links[idx], equipment))
        if cert is not None and cert.equipment_id != equipment.id:
            b.error(
                "certificate_mismatch",
                f"{b.links[idx].label()}: the certificate recorded with the calibration belongs to equipment "
                f"{cert.equipment_id}, not to this one; record the certificate of the equipment used",
                idx,
            )
    for link, equipment in first:
        b.check_use(link, equipment, day)
        b.check_ranges(link, equipment, list(cal.points))
        b.check_cmc(link, equipment, list(cal.points))
    _check_flow_down(b, list(cal.points))
    valid_certs = [lk.certificate for lk, _ in first if lk.certificate is not None and lk.valid]
    _check_budgets(b, day, list(cal.points), valid_certs)
    customer = None if cal.customer_id is None else session.get(Customer, cal.customer_id)
    return Trace(
        calibration_id=cal.id,
        number=cal.number,
        day=day,
        dut=f"{cal.dut.description} (serial {cal.dut.serial})",
        customer=None if customer is None else customer.name,
        links=tuple(b.links),
        findings=tuple(b.findings),
    )


def assert_traceable(*, session: Session, calibration_id: int) -> None:
    """Refuse approval of a calibration whose chain is broken or has errors.

    Raises:
        NotFoundError: the calibration does not exist.
        ConflictError: the chain does not reach a national primary standard or a CRM, or a link has an
            error (expired certificate, used out of range or after a failed check, …); the message names
            the first broken link and counts the others.
    """
    trace = trace_calibration(session=session, calibration_id=calibration_id)
    errors = list(trace.errors)
    if not errors and not trace.complete:
        errors.append(Finding("broken_link", "error", "the chain does not reach a national standard", None))
    if not errors:
        return
    more = (
        f" (and {len(errors) - 1} more: {', '.join(sorted({e.code for e in errors[1:]}))})"
        if len(errors) > 1
        else ""
    )
    raise ConflictError(
        f"calibration {trace.number} of {trace.day} is not traceable: {errors[0].message}{more}"
    )


def assert_chain_ok(*, session: Session, calibration: Calibration) -> None:
    """:func:`assert_traceable` for a loaded calibration.

    Raises:
        ConflictError: as :func:`assert_traceable`.
    """
    assert_traceable(session=session, calibration_id=calibration.id)
