"""CJ/T 188 water, gas and heat meter driver.

Each request carries a fresh sequence number SER; a reply is accepted only if its 8-bit sum, length,
start/end bytes, direction bit, meter type, address and DI/SER echo all agree
(:func:`instruments.protocols.cjt188.check_reply`), because the 8-bit sum alone misses many errors.
Rejected replies are retried by the link within its budget and noted in the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instruments.drivers.base import Driver, Reading
from instruments.errors import ConfigurationError
from instruments.framing import LengthFramer
from instruments.link import SerialLink
from instruments.protocols import cjt188 as c
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "KINDS", "Cjt188Meter"]

#: Meter kinds by name → T byte.
KINDS: dict[str, int] = {"water": 0x10, "hot-water": 0x11, "heat": 0x20, "gas": 0x30}
_FRAMER = LengthFramer(c.frame_length, max_length=300)


class Cjt188Meter(Driver):
    """A CJ/T 188 meter on a link.

    Args:
        link: the serial link (2400 8E1 on a real bus).
        address: 14 digits as printed on the meter, or 14 × 'A' (only one meter on the bus).
        meter_type: T byte; see :data:`KINDS`.
        di_order: DI byte order of this meter model (``"msb"``: ``90 1F``; ``"lsb"``: ``1F 90``).
        preamble: FE wake-up bytes sent before each request.
        name: device name for messages and readings.

    Raises:
        ConfigurationError: bad address, type or DI order.
    """

    def __init__(
        self,
        link: SerialLink,
        address: str = c.WILDCARD_ADDRESS,
        *,
        meter_type: int = 0x10,
        di_order: c.DiOrder = "msb",
        preamble: int = 2,
        name: str | None = None,
    ) -> None:
        super().__init__(link, name or f"cjt188:{address}")
        c.encode_read_data(meter_type, address, di_order=di_order)  # validates
        self.address = address
        self.meter_type = meter_type
        self.di_order: c.DiOrder = di_order
        self.preamble = preamble
        self._ser = 0

    @property
    def is_heat(self) -> bool:
        """True for heat meters (T = 0x20/0x21)."""
        return self.meter_type in (0x20, 0x21)

    def _next_ser(self) -> int:
        self._ser = (self._ser + 1) & 0xFF
        return self._ser

    def read_counter(self) -> list[Reading]:
        """Read DI 901F: volume (water/gas) or heat, power, flow, volume and temperatures (heat).

        Raises:
            InstrumentTimeout, ProtocolError: after the link's retries. DeviceError: abnormal reply.
        """
        request = c.encode_read_data(
            self.meter_type,
            self.address,
            ser=self._next_ser(),
            di_order=self.di_order,
            preamble=self.preamble,
        )

        def decode(reply: bytes) -> c.CounterData | c.HeatData:
            frame = c.check_reply(request, reply, di_order=self.di_order)
            return c.decode_heat_data(frame.data) if self.is_heat else c.decode_water_data(frame.data)

        ex = self.link.exchange(request, _FRAMER, decode, device=self.name)
        d, frames = ex.value, ex.frames
        if isinstance(d, c.HeatData):
            return [
                self._reading("heat", d.heat, d.heat_unit, frames),
                self._reading("power", d.power, d.power_unit, frames),
                self._reading("flow_rate", d.flow_rate, d.flow_rate_unit, frames),
                self._reading("volume", d.volume, d.volume_unit, frames),
                self._reading("supply_temperature", d.supply_temp, "degC", frames),
                self._reading("return_temperature", d.return_temp, "degC", frames),
            ]
        return [
            self._reading("volume", d.flow, d.flow_unit, frames),
            self._reading("settlement_volume", d.settlement_flow, d.settlement_unit, frames),
        ]

    def read_volume(self) -> Reading:
        """The cumulative volume register."""
        return next(r for r in self.read_counter() if r.quantity == "volume")

    def read_heat(self) -> Reading:
        """The cumulative heat register (heat meters only).

        Raises:
            ConfigurationError: the meter is not a heat meter.
        """
        if not self.is_heat:
            raise ConfigurationError(f"{self.name} is not a heat meter (type {self.meter_type:#04x})")
        return next(r for r in self.read_counter() if r.quantity == "heat")

    def read_address(self) -> str:
        """Ask the (only) meter on the bus for its address (C = 03, DI 810A sent ``0A 81``)."""
        request = c.encode_read_address(self.meter_type, ser=self._next_ser(), preamble=self.preamble)
        ex = self.link.exchange(
            request, _FRAMER, lambda r: c.check_reply(request, r).address, device=self.name
        )
        return ex.value


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    kind = str(options.get("kind") or "water")
    address = options.get("address") or c.WILDCARD_ADDRESS
    order: c.DiOrder = "lsb" if options.get("di_order") == "lsb" else "msb"
    return Cjt188Meter(link, str(address), meter_type=KINDS[kind], di_order=order).read_counter()


DRIVER_ENTRIES = (
    DriverEntry(
        "cjt188",
        "CJ/T 188 water/gas/heat meter: cumulative volume or heat (DI 901F)",
        LineDefaults(baudrate=2400, parity="E", timeout=1.0, inter_byte_timeout=0.2, retries=2),
        _read,
        (
            Option("--kind", "meter kind", str, "water", tuple(KINDS)),
            Option("--di-order", "DI byte order of this meter model", str, "msb", ("msb", "lsb")),
        ),
        address_help="14-digit meter address (default: wildcard AAAAAAAAAAAAAA)",
    ),
)
