"""Intermediate checks (期间核查) and stability records as control charts.

Each check is judged when it is recorded, against limits that are stored with it:

* ``reference`` method: the value of a check standard or the certificate value ± its expanded
  uncertainty U (limits ``ref − U`` … ``ref + U``);
* ``statistical`` method: mean ± 3s of the earlier in-control checks of the same point (Shewhart chart
  for individual values), once at least :data:`MIN_BASELINE` of them exist; before that the check is
  recorded as baseline without limits. The baseline grows with each in-control check up to
  :data:`MAX_BASELINE` checks (the first ones), after which the limits are frozen; out-of-control checks
  never enter it.

An out-of-control check blocks the equipment (like an expired certificate) until a later in-control check
of the same point or a new certificate dated on or after the failed check.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.errors import RecordValidationError
from calib_service.models import Equipment, IntermediateCheck, MeasurementStandard, StandardCertificate
from calib_service.services.standards import standards_of_equipment

__all__ = [
    "MAX_BASELINE",
    "MIN_BASELINE",
    "ChartPoint",
    "ControlChart",
    "blocking_check",
    "control_chart",
    "list_checks",
    "record_check",
]

#: In-control checks needed before statistical limits (mean ± 3s) are set.
MIN_BASELINE = 5
#: The baseline stops growing (limits frozen) after this many in-control checks.
MAX_BASELINE = 20


@dataclass(frozen=True)
class ChartPoint:
    """One check on a chart, with the limits it was judged against."""

    check_id: int
    checked_on: date
    value: float
    center: float | None
    limit_low: float | None
    limit_high: float | None
    out_of_control: bool


@dataclass(frozen=True)
class ControlChart:
    """The control chart of one check point of one piece of equipment."""

    equipment_id: int
    equipment: str
    point: str
    unit: str
    method: str
    points: tuple[ChartPoint, ...]

    @property
    def out_of_control(self) -> bool:
        """Whether the latest check is out of control."""
        return bool(self.points) and self.points[-1].out_of_control

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "equipment_id": self.equipment_id,
            "equipment": self.equipment,
            "point": self.point,
            "unit": self.unit,
            "method": self.method,
            "out_of_control": self.out_of_control,
            "points": [
                {
                    "check_id": p.check_id,
                    "checked_on": p.checked_on.isoformat(),
                    "value": p.value,
                    "center": p.center,
                    "limit_low": p.limit_low,
                    "limit_high": p.limit_high,
                    "out_of_control": p.out_of_control,
                }
                for p in self.points
            ],
        }


def _checks(session: Session, equipment_id: int, point: str | None = None) -> list[IntermediateCheck]:
    stmt = select(IntermediateCheck).where(IntermediateCheck.equipment_id == equipment_id)
    if point is not None:
        stmt = stmt.where(IntermediateCheck.point == point)
    return list(session.scalars(stmt.order_by(IntermediateCheck.checked_on, IntermediateCheck.id)))


def record_check(
    *,
    session: Session,
    equipment: Equipment,
    point: str,
    checked_on: date,
    value: float,
    unit: str,
    reference_value: float | None = None,
    reference_uncertainty: float | None = None,
    standard: MeasurementStandard | None = None,
    performed_by: str = "",
    check_standard: str = "",
    notes: str = "",
) -> IntermediateCheck:
    """Record an intermediate check of ``equipment`` at ``point`` and judge it against its control limits.

    Args:
        session: database session (not committed).
        equipment: the standard equipment checked.
        point: the check point, e.g. ``"220 V 5 A PF 1.0"``; a chart is kept per point.
        checked_on: the date of the check.
        value: the value found (e.g. the error of the standard meter against the check standard).
        unit: its unit; must be the unit of earlier checks of the same point.
        reference_value: the reference (certificate or check-standard value); with
            ``reference_uncertainty`` it sets limits ``reference ± U``.
        reference_uncertainty: the expanded uncertainty U of the reference (> 0).
        standard: the measurement standard the equipment serves in (default: its only one, if any).
        performed_by: who did the check.
        check_standard: the check standard (核查标准) used.
        notes: free remarks.

    Returns:
        The stored check with its limits and ``out_of_control`` flag.

    Raises:
        RecordValidationError: the equipment is not standard equipment, the value is not finite, the unit
            differs from earlier checks, or a reference value comes without a positive U.
    """
    if equipment.kind not in ("standard", "reference_material"):
        raise RecordValidationError(
            f"equipment {equipment.id} ({equipment.description}) is a {equipment.kind}; intermediate "
            "checks are recorded for standard equipment and reference materials"
        )
    if not point.strip():
        raise RecordValidationError("check point is empty; name the point checked, e.g. '220 V 5 A PF 1.0'")
    if not math.isfinite(value):
        raise RecordValidationError(f"check value {value} of {equipment.description} is not a finite number")
    u_ref = reference_uncertainty
    if reference_value is not None and (u_ref is None or not math.isfinite(u_ref) or u_ref <= 0):
        raise RecordValidationError(
            f"check of {equipment.description} at {point}: a reference value needs its expanded "
            f"uncertainty U > 0, got {reference_uncertainty}"
        )
    earlier = [c for c in _checks(session, equipment.id, point) if c.checked_on <= checked_on]
    if earlier and earlier[-1].unit != unit:
        raise RecordValidationError(
            f"check of {equipment.description} at {point} is in {unit!r} but earlier checks are in "
            f"{earlier[-1].unit!r}; record it in {earlier[-1].unit!r}"
        )
    if standard is None:
        own = [s for s in standards_of_equipment(session=session, equipment=equipment) if not s.external]
        standard = own[0] if len(own) == 1 else None
    center: float | None = None
    low: float | None = None
    high: float | None = None
    if reference_value is not None and reference_uncertainty is not None:
        method = "reference"
        center, low, high = (
            reference_value,
            reference_value - reference_uncertainty,
            reference_value + reference_uncertainty,
        )
    else:
        method = "statistical"
        baseline = [c.value for c in earlier if c.method == "statistical" and not c.out_of_control]
        baseline = baseline[:MAX_BASELINE]
        if len(baseline) >= MIN_BASELINE:
            center = statistics.fmean(baseline)
            s = statistics.stdev(baseline)
            low, high = center - 3 * s, center + 3 * s
    out = low is not None and high is not None and not (low <= value <= high)
    check = IntermediateCheck(
        equipment_id=equipment.id,
        standard_id=None if standard is None else standard.id,
        point=point,
        checked_on=checked_on,
        value=value,
        unit=unit,
        method=method,
        reference_value=reference_value,
        reference_uncertainty=reference_uncertainty,
        center=center,
        limit_low=low,
        limit_high=high,
        out_of_control=out,
        performed_by=performed_by,
        check_standard=check_standard,
        notes=notes,
    )
    session.add(check)
    session.flush()
    return check


def list_checks(*, session: Session, equipment_id: int) -> list[IntermediateCheck]:
    """All checks of one piece of equipment in date order."""
    return _checks(session, equipment_id)


def control_chart(*, session: Session, equipment: Equipment, point: str) -> ControlChart:
    """The control chart of ``equipment`` at ``point`` (every check with its limits and flag).

    Raises:
        RecordValidationError: no check of this point is on record.
    """
    checks = _checks(session, equipment.id, point)
    if not checks:
        raise RecordValidationError(
            f"no intermediate check of {equipment.description} at point {point!r}; record one first"
        )
    return ControlChart(
        equipment_id=equipment.id,
        equipment=equipment.description,
        point=point,
        unit=checks[-1].unit,
        method=checks[-1].method,
        points=tuple(
            ChartPoint(c.id, c.checked_on, c.value, c.center, c.limit_low, c.limit_high, c.out_of_control)
            for c in checks
        ),
    )


def blocking_check(*, session: Session, equipment_id: int, day: date) -> IntermediateCheck | None:
    """The failed check that blocks the equipment on ``day``, or None when none does.

    A point whose latest check on or before ``day`` is out of control blocks the equipment unless a
    certificate calibrated on or after that check (and not after ``day``) exists.
    """
    latest: dict[str, IntermediateCheck] = {}
    for check in _checks(session, equipment_id):
        if check.checked_on <= day:
            latest[check.point] = check
    failed = sorted((c for c in latest.values() if c.out_of_control), key=lambda c: c.checked_on)
    if not failed:
        return None
    recal_dates = list(
        session.scalars(
            select(StandardCertificate.calibration_date).where(
                StandardCertificate.equipment_id == equipment_id,
                StandardCertificate.calibration_date <= day,
            )
        )
    )
    for check in failed:
        if not any(d >= check.checked_on for d in recal_dates):
            return check
    return None
