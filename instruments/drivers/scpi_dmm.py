"""Digital multimeter over SCPI on RS-232 (Fluke 8846A in computer mode, legacy 34401A).

Declarative: each function names its SCPI mnemonic, unit and allowed ranges; a range outside the list
raises ConfigurationError (never rounded to a neighbour). Replies are checked as one NR1/NR2/NR3 number
within 1.2 × the range (or the largest range when autoranging), the overload marker raises DeviceError,
and ``confirm=True`` requires a repeat measurement agreeing within a tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from instruments.drivers.base import Driver, Reading
from instruments.drivers.confirm import confirmed
from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.framing import TerminatorFramer
from instruments.link import SerialLink
from instruments.protocols import scpi
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "FUNCTIONS", "Function", "ScpiDmm"]


@dataclass(frozen=True)
class Function:
    """One measurement function: SCPI mnemonic, reading quantity, pint unit, ranges."""

    mnemonic: str
    quantity: str
    unit: str
    ranges: tuple[float, ...]


FUNCTIONS: dict[str, Function] = {
    "dc_voltage": Function("VOLT:DC", "dc_voltage", "V", (0.1, 1.0, 10.0, 100.0, 1000.0)),
    "dc_current": Function("CURR:DC", "dc_current", "A", (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0)),
    "resistance": Function("RES", "resistance", "ohm", (10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8)),
}


class ScpiDmm(Driver):
    """A SCPI multimeter on a serial link.

    Args:
        link: the serial link (9600 8N1 typical).
        terminator: line ending the instrument is set to (``b"\\n"`` or ``b"\\r\\n"``).
        name: device name for messages and readings.

    Raises:
        ConfigurationError: unsupported terminator.
    """

    def __init__(self, link: SerialLink, *, terminator: bytes = b"\n", name: str = "scpi-dmm") -> None:
        super().__init__(link, name)
        if terminator not in (b"\n", b"\r\n"):
            raise ConfigurationError(f"SCPI terminator must be LF or CR LF, got {terminator!r}")
        self.terminator = terminator
        self._framer = TerminatorFramer(b"\n", max_length=256)

    def _query(self, command: str, decode: Any) -> tuple[Any, tuple[Any, ...]]:
        ex = self.link.exchange(
            scpi.encode_command(command, self.terminator), self._framer, decode, device=self.name
        )
        return ex.value, ex.frames

    def write(self, command: str) -> None:
        """Send a command that has no reply."""
        with self.link.lock:
            self.link.write(scpi.encode_command(command, self.terminator))

    def identity(self) -> scpi.Identity:
        """``*IDN?``."""
        value, _ = self._query("*IDN?", scpi.parse_identity)
        return value  # type: ignore[no-any-return]

    def errors(self) -> list[tuple[int, str]]:
        """Drain the error queue (``SYST:ERR?`` until ``+0``), at most 20 entries."""
        out: list[tuple[int, str]] = []
        for _ in range(20):
            (code, msg), _ = self._query("SYST:ERR?", scpi.parse_error)
            if code == 0:
                break
            out.append((code, msg))
        return out

    def measure(
        self,
        function: str,
        range_: float | None = None,
        *,
        confirm: bool = False,
        tolerance: float | None = None,
        relative: float = 1e-4,
    ) -> Reading:
        """``MEAS:<function>? [range]`` → Reading.

        Args:
            function: ``dc_voltage``, ``dc_current`` or ``resistance``.
            range_: one of the function's ranges, or None for autorange.
            confirm: require a repeat measurement agreeing within ``tolerance`` + ``relative``.
            tolerance: absolute part, in the function's unit (default 1e-6 × range).
            relative: relative part of the confirm tolerance.

        Raises:
            ConfigurationError: unknown function or range.
            DeviceError: overload.
            ProtocolError: malformed or implausible reply, or readings that do not confirm.
        """
        f = FUNCTIONS.get(function)
        if f is None:
            raise ConfigurationError(f"unknown DMM function {function!r}; use one of {sorted(FUNCTIONS)}")
        if range_ is not None and range_ not in f.ranges:
            raise ConfigurationError(f"{function} range {range_!r} {f.unit} is not one of {f.ranges}")
        limit = 1.2 * (range_ if range_ is not None else f.ranges[-1])
        command = f"MEAS:{f.mnemonic}?" + (f" {range_:g}" if range_ is not None else "")

        def decode(reply: bytes) -> float:
            value = scpi.parse_number(reply)
            if abs(value) > limit:
                raise ProtocolError(
                    f"{self.name}: {value:g} {f.unit} is beyond 1.2 × range ({limit:g}): {reply!r}"
                )
            if f.quantity == "resistance" and value < 0:
                raise ProtocolError(f"{self.name}: negative resistance {value:g} ohm: {reply!r}")
            return value

        def once() -> Reading:
            value, frames = self._query(command, decode)
            return self._reading(f.quantity, value, f.unit, frames)

        if not confirm:
            return once()
        tol = 1e-6 * (range_ or f.ranges[-1]) if tolerance is None else tolerance
        return confirmed(once, tolerance=tol, relative=relative, device=self.name)

    def measure_voltage_dc(self, range_: float | None = None, *, confirm: bool = False) -> Reading:
        """DC voltage in V."""
        return self.measure("dc_voltage", range_, confirm=confirm)

    def measure_current_dc(self, range_: float | None = None, *, confirm: bool = False) -> Reading:
        """DC current in A."""
        return self.measure("dc_current", range_, confirm=confirm)

    def measure_resistance(self, range_: float | None = None, *, confirm: bool = False) -> Reading:
        """Resistance in ohm."""
        return self.measure("resistance", range_, confirm=confirm)

    def check(self) -> None:
        """Raise DeviceError if the error queue is not empty (after a command without reply)."""
        errs = self.errors()
        if errs:
            raise DeviceError(f"{self.name} reports errors: {errs}")


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    dmm = ScpiDmm(link)
    return [
        dmm.measure(
            str(options.get("function") or "dc_voltage"),
            options.get("range"),
            confirm=options.get("confirm") == "yes",
        )
    ]


DRIVER_ENTRIES = (
    DriverEntry(
        "scpi-dmm",
        "SCPI digital multimeter over RS-232: DC voltage, DC current or resistance",
        LineDefaults(baudrate=9600, timeout=1.0, inter_byte_timeout=0.2, retries=1),
        _read,
        (
            Option("--function", "measurement function", str, "dc_voltage", tuple(FUNCTIONS)),
            Option("--range", "range in the function's unit (default autorange)", float, None),
            Option("--confirm", "require a confirming repeat read: yes/no", str, "no", ("yes", "no")),
        ),
        address_help="(unused: one instrument per port)",
    ),
)
