"""The centre's hierarchy of standards (like a 计量检定系统表): who calibrates whom, as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from calib_service.models import MeasurementStandard, StandardCertificate
from calib_service.traceability.model_views import StandardRef, is_top

__all__ = ["CentreEdge", "CentreGraph", "CentreNode", "centre_graph"]


@dataclass(frozen=True)
class CentreNode:
    """A standard in the hierarchy; ``row`` 0 is the top; ``problem`` says why its link is broken."""

    standard: StandardRef
    row: int
    top: bool
    problem: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "standard": self.standard.to_dict(),
            "row": self.row,
            "top": self.top,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class CentreEdge:
    """``upstream`` calibrated ``downstream`` (certificate ``certificate``, U, valid on the date or not)."""

    upstream_id: int
    downstream_id: int
    certificate: str
    uncertainty: str
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "upstream_id": self.upstream_id,
            "downstream_id": self.downstream_id,
            "certificate": self.certificate,
            "uncertainty": self.uncertainty,
            "valid": self.valid,
        }


@dataclass(frozen=True)
class CentreGraph:
    """All standards and their calibration links as of ``as_of``."""

    as_of: date
    nodes: tuple[CentreNode, ...]
    edges: tuple[CentreEdge, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "as_of": self.as_of.isoformat(),
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
        }


def _current(session: Session, equipment_id: int, as_of: date) -> StandardCertificate | None:
    certs = list(
        session.scalars(
            select(StandardCertificate)
            .where(
                StandardCertificate.equipment_id == equipment_id,
                StandardCertificate.calibration_date <= as_of,
            )
            .order_by(StandardCertificate.calibration_date.desc(), StandardCertificate.id.desc())
        )
    )
    return next((c for c in certs if c.valid_on(as_of)), certs[0] if certs else None)


def _u_text(cert: StandardCertificate) -> str:
    return f"U = {cert.expanded_uncertainty:g} {cert.uncertainty_unit} (k = {cert.coverage_factor:g})"


def centre_graph(*, session: Session, as_of: date) -> CentreGraph:
    """The hierarchy of every registered standard with the certificates current on ``as_of``."""
    standards = list(
        session.scalars(
            select(MeasurementStandard)
            .options(selectinload(MeasurementStandard.equipment))
            .order_by(MeasurementStandard.id)
        )
    )
    by_id = {s.id: s for s in standards}
    edges: list[CentreEdge] = []
    problems: dict[int, str] = {}
    ups: dict[int, set[int]] = {s.id: set() for s in standards}
    for s in standards:
        if is_top(s):
            continue
        if not s.equipment:
            problems[s.id] = "no equipment or certificate on record"
        for eq in s.equipment:
            cert = _current(session, eq.id, as_of)
            if cert is None:
                problems[s.id] = f"{eq.description}: no certificate on record"
                continue
            if cert.upstream_standard_id is None or cert.upstream_standard_id not in by_id:
                problems[s.id] = f"{cert.number}: upstream only {cert.upstream_text!r}"
                continue
            if not cert.valid_on(as_of):
                problems[s.id] = f"{cert.number} expired {cert.due_date}"
            ups[s.id].add(cert.upstream_standard_id)
            edges.append(
                CentreEdge(
                    cert.upstream_standard_id,
                    s.id,
                    cert.number,
                    _u_text(cert),
                    cert.valid_on(as_of),
                )
            )
    rows: dict[int, int] = {}

    def row_of(sid: int, stack: frozenset[int]) -> int:
        if sid in rows:
            return rows[sid]
        parents = [p for p in ups.get(sid, set()) if p not in stack]
        r = 0 if not parents else 1 + max(row_of(p, stack | {sid}) for p in parents)
        rows[sid] = r
        return r

    nodes = tuple(
        CentreNode(StandardRef.of(s), row_of(s.id, frozenset()), is_top(s), problems.get(s.id, ""))
        for s in standards
    )
    return CentreGraph(as_of, nodes, tuple(edges))
