"""Driver for DL/T 645-2007 electricity meters (RS-485 or IR port).

Line defaults: 2400 baud 8E1 (many meters also run 9600 8E1; DL/T 645-1997 meters 1200 8E1). On a
pseudo-terminal the link opens 8N1 and notes it; on a real line the parity matters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from instruments.drivers.base import Driver, Reading
from instruments.link import SerialLink
from instruments.protocols import dlt645 as codec
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DLT645_LINE", "DRIVER_ENTRIES", "DLT645Meter"]

#: Usual line settings: 2400 8E1, 1 s reply timeout (Td ≤ 500 ms), 0.5 s inter-byte gap, 2 retries.
DLT645_LINE = LineDefaults(
    baudrate=2400, bytesize=8, parity="E", stopbits=1, timeout=1.0, inter_byte_timeout=0.5, retries=2
)


class DLT645Meter(Driver):
    """A DL/T 645-2007 meter on a serial link.

    Args:
        link: the serial link (shared with other meters on the same RS-485 bus).
        address: the meter's 12-digit address as printed on its nameplate; ``AAAAAAAAAAAA`` (wildcard)
            works only when it is the only meter on the bus.
        preamble: ``FE`` wake-up bytes before each request (0–4).
        timeout: per-attempt reply timeout in s (default: the link's).
        retries: extra attempts after a timeout or corrupted reply (default: the link's).

    Raises:
        ConfigurationError: malformed address or preamble.
    """

    def __init__(
        self,
        link: SerialLink,
        address: str = codec.WILDCARD,
        *,
        preamble: int = 4,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> None:
        codec.build_read(address, 0, preamble=preamble)  # validates address and preamble
        super().__init__(link, f"DL/T 645 meter {address.upper()}")
        self.address = address.upper()
        self.preamble = preamble
        self.timeout = timeout
        self.retries = retries
        self.framer = codec.DLT645Framer()

    @property
    def source(self) -> str:
        return f"dlt645:{self.link.port}:{self.address}"

    def read(self, di: int | str) -> Reading:
        """Read data identifier ``di`` and decode it with its unit.

        Raises:
            ConfigurationError: unsupported identifier. DeviceError: the meter answered abnormally.
            InstrumentTimeout / ProtocolError: no valid reply after all retries. LinkDown: port gone.
        """
        d = codec.parse_di(di)
        fmt = codec.FORMATS.get(d)
        if fmt is None:
            codec.decode_value(d, b"")  # raises ConfigurationError naming the supported identifiers
            raise AssertionError("unreachable")
        request = codec.build_read(self.address, d, preamble=self.preamble)

        def decode(reply: bytes) -> float:
            _, raw = codec.parse_read_reply(reply, self.address, d)
            return codec.decode_value(d, raw)

        ex = self.link.exchange(
            request, self.framer, decode, timeout=self.timeout, retries=self.retries, device=self.name
        )
        return self._reading(fmt.quantity, ex.value, fmt.unit, ex.frames)

    def read_address(self) -> str:
        """Ask the (only) meter on the bus for its address (C = 0x13 to the wildcard)."""
        ex = self.link.exchange(
            codec.build_read_address(preamble=self.preamble),
            self.framer,
            codec.parse_read_address_reply,
            timeout=self.timeout,
            retries=self.retries,
            device=self.name,
        )
        return ex.value

    def combined_active_energy(self) -> Reading:
        """DI 00000000: combined active energy, total (kWh)."""
        return self.read(0x00000000)

    def forward_active_energy(self) -> Reading:
        """DI 00010000: forward active energy, total (kWh)."""
        return self.read(0x00010000)

    def voltage_a(self) -> Reading:
        """DI 02010100: phase-A voltage (V)."""
        return self.read(0x02010100)

    def current_a(self) -> Reading:
        """DI 02020100: phase-A current (A)."""
        return self.read(0x02020100)

    def active_power(self) -> Reading:
        """DI 02030000: total active power (kW)."""
        return self.read(0x02030000)


def _cli_read(link: SerialLink, options: Mapping[str, Any]) -> Sequence[Reading]:
    meter = DLT645Meter(link, options.get("address") or codec.WILDCARD)
    ids = [s for s in str(options.get("id") or "00000000").split(",") if s.strip()]
    return [meter.read(i) for i in ids]


_SUPPORTED = ", ".join(f"{k:08X} {v.quantity} ({v.unit})" for k, v in codec.FORMATS.items())

DRIVER_ENTRIES = (
    DriverEntry(
        name="dlt645",
        description="DL/T 645-2007 electricity meter (read data, C=0x11)",
        line=DLT645_LINE,
        read=_cli_read,
        options=(
            Option(
                "--id",
                f"data identifier(s) DI3..DI0 in hex, comma-separated; supported: {_SUPPORTED}",
                default="00000000",
            ),
        ),
        address_help="12-digit meter address (AAAAAAAAAAAA = any single meter on the bus)",
    ),
)
