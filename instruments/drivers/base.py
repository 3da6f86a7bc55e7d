"""The reading a driver returns, and the small base every driver shares.

A :class:`Reading` carries its value with a pint-parsable unit string and the raw frames it was decoded
from, so a calibration record can store the evidence next to the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from instruments.link import SerialLink
from instruments.trace import TraceEntry, utc_now

__all__ = ["Driver", "Reading"]


@dataclass(frozen=True)
class Reading:
    """One value read from an instrument.

    Attributes:
        quantity: what was measured, e.g. ``"combined_active_energy"``, ``"voltage_a"``, ``"meter_error"``.
        value: the magnitude, in ``unit``.
        unit: a pint-parsable unit string (``"kWh"``, ``"V"``, ``"A"``, ``"kW"``, ``"percent"``, ``"count"``).
        t: when the reply carrying the value arrived (UTC).
        frames: the raw frames of the exchange, including failed attempts.
        source: which device answered (driver, port, address), e.g. ``"dlt645:/dev/pts/3:111111111111"``.
    """

    quantity: str
    value: float
    unit: str
    t: datetime
    frames: tuple[TraceEntry, ...] = ()
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with the frames as ``{"dir", "hex", "t"}``."""
        return {
            "quantity": self.quantity,
            "value": self.value,
            "unit": self.unit,
            "t": self.t.isoformat(),
            "source": self.source,
            "frames": [f.to_dict() for f in self.frames],
        }

    def as_quantity(self) -> Any:
        """The value as a pint Quantity of the application registry."""
        import pint  # imported here: pint is slow to import and most readings never need it

        ureg = pint.get_application_registry()  # type: ignore[no-untyped-call]
        return ureg.Quantity(self.value, self.unit)


class Driver:
    """Base of the drivers: holds the link and names the device in messages.

    Args:
        link: the serial link (real port, pseudo-terminal or ``loop://``).
        name: a short device description used in error messages and ``Reading.source``.
    """

    def __init__(self, link: SerialLink, name: str) -> None:
        self.link = link
        self.name = name

    @property
    def source(self) -> str:
        """``"<name>@<port>"``, stored with each reading."""
        return f"{self.name}@{self.link.port}"

    def _reading(self, quantity: str, value: float, unit: str, frames: tuple[TraceEntry, ...]) -> Reading:
        rx = [f for f in frames if f.direction == "rx"]
        t = rx[-1].t if rx else utc_now()
        return Reading(quantity, value, unit, t, frames, self.source)
