"""The calibration runner: a run is its own unit of work.

Every raw reading is committed the moment it arrives and every point result as soon as it is
evaluated, so a crash or an unplugged cable loses nothing; a resumed run skips the points already
stored and reuses the readings already taken for the point it was on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from calib_service.models import CalibrationPoint, RawReading, User, utcnow
from calib_service.services.calibrations import append_reading, store_point
from instruments.clock import Clock
from instruments.drivers.base import Reading

__all__ = ["ProgressFn", "RunContext"]

ProgressFn = Callable[[str], None]


def _silent(message: str) -> None:
    """Default progress sink."""


@dataclass
class RunContext:
    """What a procedure needs while it runs one calibration.

    Attributes:
        session_factory: opens the short sessions in which readings and points are committed.
        calibration_id: the record being filled.
        clock: the (possibly scaled) clock of settling and waiting.
        progress: receives one line per step for the technician's display.
        wall: the UTC time stamped on readings (an edge: injectable for tests).
    """

    session_factory: sessionmaker[Session]
    calibration_id: int
    clock: Clock
    progress: ProgressFn = _silent
    wall: Callable[[], datetime] = utcnow
    recorded: list[int] = field(default_factory=list)

    def record(
        self,
        reading: Reading,
        *,
        point_seq: int | None,
        state: str = "as_found",
        quantity: str | None = None,
    ) -> RawReading:
        """Commit one instrument reading with its raw frames."""
        return self._append(
            quantity=quantity or reading.quantity,
            value=reading.value,
            unit=reading.unit,
            taken_at=reading.t,
            point_seq=point_seq,
            state=state,
            source="serial",
            instrument=reading.source,
            frames=[f.to_dict() for f in reading.frames],
            entered_by=None,
        )

    def record_manual(
        self,
        *,
        quantity: str,
        value: float,
        unit: str,
        entered_by: User,
        point_seq: int | None,
        state: str = "as_found",
        instrument: str = "",
    ) -> RawReading:
        """Commit one reading typed in by ``entered_by``."""
        return self._append(
            quantity=quantity,
            value=value,
            unit=unit,
            taken_at=self.wall(),
            point_seq=point_seq,
            state=state,
            source="manual",
            instrument=instrument,
            frames=[],
            entered_by=entered_by,
        )

    def _append(self, **fields: Any) -> RawReading:
        with self.session_factory() as session:
            reading = append_reading(session=session, calibration_id=self.calibration_id, **fields)
            session.commit()
            self.recorded.append(reading.id)
            return reading

    def readings(self, *, point_seq: int, state: str, quantity: str) -> list[RawReading]:
        """Readings already stored for one point (used when a run resumes mid-point)."""
        with self.session_factory() as session:
            return list(
                session.scalars(
                    select(RawReading)
                    .where(
                        RawReading.calibration_id == self.calibration_id,
                        RawReading.point_seq == point_seq,
                        RawReading.state == state,
                        RawReading.quantity == quantity,
                    )
                    .order_by(RawReading.seq)
                )
            )

    def stored_points(self) -> dict[tuple[str, int], CalibrationPoint]:
        """Points already evaluated, keyed by (state, seq)."""
        with self.session_factory() as session:
            rows: Sequence[CalibrationPoint] = session.scalars(
                select(CalibrationPoint).where(CalibrationPoint.calibration_id == self.calibration_id)
            ).all()
            return {(p.state, p.seq): p for p in rows}

    def store_point(self, **fields: Any) -> CalibrationPoint:
        """Commit one evaluated point."""
        with self.session_factory() as session:
            point = store_point(session=session, calibration_id=self.calibration_id, **fields)
            session.commit()
            return point
