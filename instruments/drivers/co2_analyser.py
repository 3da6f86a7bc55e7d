"""NDIR CO₂ analyser driver: Vaisala-style ASCII (``SEND``) or Senseair-style Modbus (IR4).

The ASCII line has no checksum: it is parsed strictly (``CO2= <number> ppm|%``), converted to ppm and
range-checked against the analyser's span; ``read(confirm=True)`` requires a repeat read agreeing within a
tolerance (default 1 % of reading + 2 ppm, which a first-order response of T90 ≥ 10 s does not exceed
between two polls). The Modbus variant is protected by the CRC and the client's structure checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instruments.drivers.base import Driver, Reading
from instruments.drivers.confirm import confirmed
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import TerminatorFramer
from instruments.link import SerialLink
from instruments.modbus_client import ModbusClient
from instruments.protocols import ndir_co2
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "Co2Analyser"]

_FRAMER = TerminatorFramer(b"\r\n", max_length=128)


class Co2Analyser(Driver):
    """A CO₂ analyser on a link.

    Args:
        link: the serial link (19200 8N1 Vaisala; 9600 8N1 Senseair).
        protocol: ``vaisala`` or ``senseair``.
        address: Modbus address for ``senseair`` (0xFE = any, single sensor on the bus).
        span_ppm: upper end of the analyser's range; readings above 110 % of it are rejected.
        name: device name for messages and readings.

    Raises:
        ConfigurationError: unknown protocol or non-positive span.
    """

    def __init__(
        self,
        link: SerialLink,
        protocol: str = "vaisala",
        *,
        address: int = 0xFE,
        span_ppm: float = 10000.0,
        name: str | None = None,
    ) -> None:
        super().__init__(link, name or f"co2-analyser:{protocol}")
        if protocol not in ("vaisala", "senseair"):
            raise ConfigurationError(f"analyser protocol must be 'vaisala' or 'senseair', got {protocol!r}")
        if not span_ppm > 0:
            raise ConfigurationError(f"analyser span must be > 0 ppm, got {span_ppm!r}")
        self.protocol = protocol
        self.address = address
        self.span_ppm = span_ppm
        self._client = ModbusClient(link) if protocol == "senseair" else None

    def _once(self) -> Reading:
        limit = 1.1 * self.span_ppm
        if self._client is not None:
            tx = self._client.read_registers(self.address, ndir_co2.S8_CO2_REGISTER, 1, 4)
            ppm = float(tx.values[0])
            if ppm > limit:
                raise ProtocolError(
                    f"{self.name}: {ppm:g} ppm beyond 110 % of the span {self.span_ppm:g} ppm"
                )
            return self._reading("co2", ppm, "ppm", tx.frames)

        def decode(reply: bytes) -> float:
            value, unit = ndir_co2.parse_vaisala_line(reply, max_ppm=limit)
            return value * (1e4 if unit == "percent" else 1.0)

        ex = self.link.exchange(ndir_co2.encode_vaisala_send(), _FRAMER, decode, device=self.name)
        return self._reading("co2", ex.value, "ppm", ex.frames)

    def read(self, *, confirm: bool = False, tolerance: float = 2.0, relative: float = 0.01) -> Reading:
        """The CO₂ mole fraction in ppm.

        Args:
            confirm: require a repeat read agreeing within ``tolerance`` ppm + ``relative`` × reading.
            tolerance: absolute part of the confirm tolerance, ppm.
            relative: relative part of the confirm tolerance.

        Raises:
            InstrumentTimeout, ProtocolError: after the link's retries, or readings that do not confirm.
        """
        if not confirm:
            return self._once()
        return confirmed(self._once, tolerance=tolerance, relative=relative, device=self.name)


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    address = options.get("address")
    a = Co2Analyser(
        link,
        str(options.get("protocol") or "vaisala"),
        address=int(address, 0) if isinstance(address, str) else 0xFE,
    )
    return [a.read(confirm=options.get("confirm") == "yes")]


DRIVER_ENTRIES = (
    DriverEntry(
        "co2-analyser",
        "NDIR CO2 analyser: mole fraction in ppm (Vaisala SEND or Senseair Modbus IR4)",
        LineDefaults(baudrate=19200, timeout=1.0, inter_byte_timeout=0.2, retries=2),
        _read,
        (
            Option("--protocol", "serial protocol", str, "vaisala", ("vaisala", "senseair")),
            Option("--confirm", "require a confirming repeat read: yes/no", str, "no", ("yes", "no")),
        ),
        address_help="Modbus address for --protocol senseair (e.g. 0x68; default 0xFE = any)",
    ),
)
