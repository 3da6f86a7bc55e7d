"""Plain, JSON-ready views of standards and certificates used by chain, impact and diagram results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from calib_service.models import MeasurementStandard, StandardCertificate

__all__ = ["CertificateRef", "StandardRef", "is_top"]


def is_top(standard: MeasurementStandard) -> bool:
    """Whether a chain may end at ``standard``: a national primary standard (国家计量基准) or a
    certified reference material with its producer (the holder)."""
    if standard.level == "national_primary":
        return True
    return standard.level == "reference_material" and bool(standard.holder.strip())


@dataclass(frozen=True)
class StandardRef:
    """A measurement standard as shown in a chain."""

    id: int
    name: str
    level: str
    holder: str
    quantity: str
    external: bool
    crm_number: str | None
    status: str

    @classmethod
    def of(cls, s: MeasurementStandard) -> StandardRef:
        """The view of ``s``."""
        return cls(s.id, s.name, s.level, s.holder, s.quantity, s.external, s.crm_number, s.status)

    def label(self) -> str:
        """``name (holder)``."""
        return f"{self.name} ({self.holder})" if self.holder else self.name

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "name": self.name,
            "level": self.level,
            "holder": self.holder,
            "quantity": self.quantity,
            "external": self.external,
            "crm_number": self.crm_number,
            "status": self.status,
        }


@dataclass(frozen=True)
class CertificateRef:
    """A certificate as shown in a chain: number, laboratory, validity and U (k)."""

    id: int
    number: str
    issuing_lab: str
    calibration_date: date
    due_date: date
    expanded_uncertainty: float
    uncertainty_unit: str
    coverage_factor: float
    route: str
    file_sha256: str | None

    @classmethod
    def of(cls, c: StandardCertificate) -> CertificateRef:
        """The view of ``c``."""
        return cls(
            c.id,
            c.number,
            c.issuing_lab,
            c.calibration_date,
            c.due_date,
            c.expanded_uncertainty,
            c.uncertainty_unit,
            c.coverage_factor,
            c.route,
            c.file_sha256,
        )

    @property
    def standard_uncertainty(self) -> float:
        """u = U / k."""
        return self.expanded_uncertainty / self.coverage_factor

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "number": self.number,
            "issuing_lab": self.issuing_lab,
            "calibration_date": self.calibration_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "expanded_uncertainty": self.expanded_uncertainty,
            "uncertainty_unit": self.uncertainty_unit,
            "coverage_factor": self.coverage_factor,
            "standard_uncertainty": self.standard_uncertainty,
            "route": self.route,
            "file_sha256": self.file_sha256,
        }
