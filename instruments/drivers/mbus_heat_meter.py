"""M-Bus heat meter driver: SND_NKE, then REQ_UD2 → RSP_UD decoded into readings.

The FCB bit toggles between REQ_UD2 telegrams. Records are mapped by VIF to quantities; values carry
pint units (energy in kWh, volume m³, power W, flow m³/h, temperatures °C, differences delta_degC).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from instruments.drivers.base import Driver, Reading
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import LengthFramer
from instruments.link import SerialLink
from instruments.protocols import mbus
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "MbusHeatMeter"]

_FRAMER = LengthFramer(mbus.frame_length, max_length=300)
_NAMES = {
    "energy": "heat",
    "volume": "volume",
    "power": "power",
    "volume flow": "flow_rate",
    "flow temperature": "supply_temperature",
    "return temperature": "return_temperature",
    "temperature difference": "temperature_difference",
}
#: Conversion of the decoded base units to the reading units.
_UNITS = {
    "Wh": ("kWh", 1e-3),
    "W": ("W", 1.0),
    "m**3": ("m**3", 1.0),
    "m**3/h": ("m**3/h", 1.0),
    "degC": ("degC", 1.0),
    "delta_degC": ("delta_degC", 1.0),
    "J": ("J", 1.0),
}


class MbusHeatMeter(Driver):
    """An M-Bus heat meter behind a level converter / M-Bus master.

    Args:
        link: the serial link (2400 8E1 on a real bus).
        address: primary address 1..250 (254: the only meter on the bus).
        ack_pause: seconds to wait after the ACK before the next request (0.3 s in practice; 0 in tests).
        name: device name for messages and readings.

    Raises:
        ConfigurationError: bad address.
    """

    def __init__(
        self, link: SerialLink, address: int = 254, *, ack_pause: float = 0.3, name: str | None = None
    ) -> None:
        super().__init__(link, name or f"mbus:{address}")
        if not 0 <= address <= 254:
            raise ConfigurationError(f"M-Bus primary address must be 0..254, got {address!r}")
        self.address = address
        self.ack_pause = ack_pause
        self._fcb = False

    def reset(self) -> None:
        """SND_NKE: reset the meter's link layer; expects ACK ``E5``."""

        def decode(reply: bytes) -> None:
            if mbus.decode_frame(reply) != mbus.ACK:
                raise ProtocolError(f"{self.name}: expected ACK E5 to SND_NKE, got {reply.hex(' ')}")

        self.link.exchange(mbus.encode_short(mbus.SND_NKE, self.address), _FRAMER, decode, device=self.name)
        self._fcb = False
        if self.ack_pause > 0:
            time.sleep(self.ack_pause)

    def read_data(self) -> tuple[mbus.VariableData, tuple[Any, ...]]:
        """REQ_UD2 → the decoded variable data and the frames of the exchange."""
        self._fcb = not self._fcb
        request = mbus.encode_req_ud2(self.address, fcb=self._fcb)

        def decode(reply: bytes) -> mbus.VariableData:
            frame = mbus.decode_frame(reply)
            if not isinstance(frame, mbus.LongFrame) or frame.control & 0x0F != mbus.RSP_UD:
                raise ProtocolError(f"{self.name}: expected RSP_UD long frame, got {reply.hex(' ')}")
            if self.address != 254 and frame.address != self.address:
                raise ProtocolError(f"{self.name}: RSP_UD from address {frame.address}, asked {self.address}")
            if frame.ci != 0x72:
                raise ProtocolError(f"{self.name}: unsupported CI {frame.ci:#04x} (expected 0x72)")
            return mbus.decode_variable_data(frame.data)

        ex = self.link.exchange(request, _FRAMER, decode, device=self.name)
        return ex.value, ex.frames

    def read(self) -> list[Reading]:
        """Current values (storage 0, tariff 0) of the known quantities, error-state records skipped."""
        data, frames = self.read_data()
        out: list[Reading] = []
        for rec in data.records:
            name = _NAMES.get(rec.quantity)
            if (
                name is None
                or rec.storage
                or rec.tariff
                or rec.function
                or rec.value is None
                or rec.unit is None
            ):
                continue
            unit, factor = _UNITS.get(rec.unit, (rec.unit, 1.0))
            out.append(self._reading(name, float(rec.value) * factor, unit, frames))
        return out

    def read_heat(self) -> Reading:
        """The cumulative heat register, kWh.

        Raises:
            ProtocolError: the telegram has no energy record.
        """
        for r in self.read():
            if r.quantity == "heat":
                return r
        raise ProtocolError(f"{self.name}: RSP_UD carries no energy record")


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    address = options.get("address")
    meter = MbusHeatMeter(
        link, int(address) if address is not None else 254, ack_pause=float(options.get("ack_pause") or 0.3)
    )
    meter.reset()
    return meter.read()


DRIVER_ENTRIES = (
    DriverEntry(
        "mbus",
        "M-Bus heat meter: heat, volume, power, flow and temperatures (REQ_UD2)",
        LineDefaults(baudrate=2400, parity="E", timeout=1.5, inter_byte_timeout=0.2, retries=2),
        _read,
        (Option("--ack-pause", "seconds between ACK and the next request", float, 0.3),),
        address_help="primary address 1..250, or 254 if the meter is alone on the bus (default 254)",
    ),
)
