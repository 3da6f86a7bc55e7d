"""Alicat-style mass-flow controller (gas dilution for CO₂ analyser calibration).

Declarative limits: the setpoint must lie in 0..full scale (ConfigurationError otherwise, never clipped),
and the reply's setpoint field must echo it within the display resolution (ProtocolError otherwise).
Replies have no checksum, so each data frame is parsed strictly (unit id, field count, number syntax, gas,
status tokens) and the flow must lie within −2 %..+110 % of full scale; ``read_flow(confirm=True)``
requires a repeat poll agreeing within a tolerance.

Units: flows are standard litres per minute, reported as pint ``L/min`` with the quantity names
``mass_flow`` (standard conditions of the controller, usually 25 °C / 1 atm) and ``volumetric_flow``;
pressure in ``psi`` (absolute), temperature in ``degC``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instruments.drivers.base import Driver, Reading
from instruments.drivers.confirm import confirmed
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import TerminatorFramer
from instruments.link import SerialLink
from instruments.protocols import alicat
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "MassFlowController"]

_FRAMER = TerminatorFramer(b"\r", max_length=128)


class MassFlowController(Driver):
    """A mass-flow controller on a (possibly shared) port.

    Args:
        link: the serial link (19200 8N1, CR).
        unit_id: letter A–Z.
        full_scale: full-scale flow, SLPM.
        resolution: display resolution of the setpoint, SLPM.
        name: device name for messages and readings.

    Raises:
        ConfigurationError: bad unit id or full scale.
    """

    def __init__(
        self,
        link: SerialLink,
        unit_id: str = "A",
        *,
        full_scale: float = 5.0,
        resolution: float = 0.001,
        name: str | None = None,
    ) -> None:
        super().__init__(link, name or f"mfc:{unit_id}")
        alicat.encode_poll(unit_id)
        if not full_scale > 0:
            raise ConfigurationError(f"MFC full scale must be > 0 SLPM, got {full_scale!r}")
        self.unit_id = unit_id
        self.full_scale = full_scale
        self.resolution = resolution

    def _decode(self, reply: bytes) -> alicat.DataFrame:
        f = alicat.parse_data_frame(reply, self.unit_id)
        lo, hi = -0.02 * self.full_scale, 1.1 * self.full_scale
        for label, v in (
            ("mass flow", f.mass_flow),
            ("volumetric flow", f.volumetric_flow),
            ("setpoint", f.setpoint),
        ):
            if not lo <= v <= hi:
                raise ProtocolError(f"{self.name}: {label} {v} outside {lo:g}..{hi:g} SLPM: {reply!r}")
        if not 0 < f.pressure < 200 or not -40 < f.temperature < 100:
            raise ProtocolError(f"{self.name}: implausible pressure/temperature in {reply!r}")
        return f

    def poll(self) -> tuple[alicat.DataFrame, tuple[Any, ...]]:
        """One data frame."""
        ex = self.link.exchange(alicat.encode_poll(self.unit_id), _FRAMER, self._decode, device=self.name)
        return ex.value, ex.frames

    def read(self) -> list[Reading]:
        """Mass flow, volumetric flow, setpoint, pressure and temperature."""
        f, frames = self.poll()
        return [
            self._reading("mass_flow", f.mass_flow, "L/min", frames),
            self._reading("volumetric_flow", f.volumetric_flow, "L/min", frames),
            self._reading("setpoint", f.setpoint, "L/min", frames),
            self._reading("pressure", f.pressure, "psi", frames),
            self._reading("temperature", f.temperature, "degC", frames),
        ]

    def read_flow(self, *, confirm: bool = False, tolerance: float | None = None) -> Reading:
        """Mass flow in SLPM; ``confirm``: a repeat poll must agree within ``tolerance`` (0.5 % FS)."""

        def once() -> Reading:
            f, frames = self.poll()
            return self._reading("mass_flow", f.mass_flow, "L/min", frames)

        if not confirm:
            return once()
        tol = 0.005 * self.full_scale if tolerance is None else tolerance
        return confirmed(once, tolerance=tol, device=self.name)

    def set_flow(self, slpm: float) -> Reading:
        """Set the setpoint; returns the setpoint the controller reports.

        Raises:
            ConfigurationError: outside 0..full scale (nothing is sent).
            ProtocolError: the reply does not echo the setpoint.
            DeviceError: the controller answered ``?``.
        """
        if not 0 <= slpm <= self.full_scale:
            raise ConfigurationError(f"{self.name}: setpoint {slpm!r} SLPM outside 0..{self.full_scale} SLPM")
        request = alicat.encode_setpoint(self.unit_id, slpm, decimals=3)

        def decode(reply: bytes) -> alicat.DataFrame:
            f = self._decode(reply)
            if abs(f.setpoint - slpm) > self.resolution:
                raise ProtocolError(
                    f"{self.name}: setpoint reply {f.setpoint} does not echo {slpm}: {reply!r}"
                )
            return f

        ex = self.link.exchange(request, _FRAMER, decode, device=self.name)
        return self._reading("setpoint", ex.value.setpoint, "L/min", ex.frames)


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    unit = str(options.get("address") or "A")
    mfc = MassFlowController(link, unit, full_scale=float(options.get("full_scale") or 5.0))
    if options.get("setpoint") is not None:
        mfc.set_flow(float(options["setpoint"]))
    return mfc.read()


DRIVER_ENTRIES = (
    DriverEntry(
        "mfc",
        "Alicat-style mass-flow controller: flows, setpoint, pressure, temperature",
        LineDefaults(baudrate=19200, timeout=0.5, inter_byte_timeout=0.1, retries=1),
        _read,
        (
            Option("--full-scale", "full-scale flow in SLPM", float, 5.0),
            Option("--setpoint", "set this flow (SLPM) before reading", float, None),
        ),
        address_help="unit id A-Z (default A)",
    ),
)
