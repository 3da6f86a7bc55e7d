"""Mettler Toledo balance over MT-SICS: stable and immediate weight, zero, tare, serial number.

MT-SICS has no checksum: every reply is parsed strictly (command echo, status, number syntax, unit equal
to the configured unit, magnitude within 110 % of the capacity) and ``weight(confirm=True)`` requires a
second stable reading that agrees within ``tolerance`` (default: two display digits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instruments.clock import Clock, RealClock
from instruments.drivers.base import Driver, Reading
from instruments.drivers.confirm import confirmed
from instruments.errors import ConfigurationError, DeviceError, InstrumentTimeout, ProtocolError
from instruments.framing import TerminatorFramer
from instruments.link import SerialLink
from instruments.protocols import mtsics
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "MtSicsBalance"]

_FRAMER = TerminatorFramer(b"\r\n", max_length=128)


class MtSicsBalance(Driver):
    """A balance on a link.

    Args:
        link: the serial link (9600 8N1, CR LF).
        capacity: maximum load in ``unit``; replies beyond 110 % of it are rejected as corrupt.
        resolution: display resolution d in ``unit`` (sets the default confirm tolerance).
        unit: the unit the balance is set to report (``g``, ``kg`` or ``mg``).
        stable_timeout: seconds (of ``clock``) to wait for a stable value before giving up.
        poll: seconds between polls while the balance is not stable.
        clock: time used for the waits (a ScaledClock in the demo).
        name: device name for messages and readings.

    Raises:
        ConfigurationError: unknown unit or non-positive capacity/resolution.
    """

    def __init__(
        self,
        link: SerialLink,
        *,
        capacity: float = 6200.0,
        resolution: float = 0.01,
        unit: str = "g",
        stable_timeout: float = 10.0,
        poll: float = 0.1,
        clock: Clock | None = None,
        name: str = "mtsics-balance",
    ) -> None:
        super().__init__(link, name)
        if unit not in ("g", "kg", "mg"):
            raise ConfigurationError(f"balance unit must be g, kg or mg, got {unit!r}")
        if not capacity > 0 or not resolution > 0:
            raise ConfigurationError(f"capacity and resolution must be > 0, got {capacity!r}, {resolution!r}")
        self.capacity = capacity
        self.resolution = resolution
        self.unit = unit
        self.stable_timeout = stable_timeout
        self.poll = poll
        self.clock: Clock = clock if clock is not None else RealClock()

    def _command(self, command: str) -> tuple[bytes, tuple[Any, ...]]:
        ex = self.link.exchange(mtsics.encode_command(command), _FRAMER, lambda r: r, device=self.name)
        return ex.value, ex.frames

    def _weigh(self, command: str) -> tuple[mtsics.WeightReply, tuple[Any, ...]]:
        def decode(reply: bytes) -> mtsics.WeightReply:
            w = mtsics.parse_weight(reply, command, max_abs=self.capacity * 1.1)
            if w.unit != self.unit:
                raise ProtocolError(
                    f"{self.name} reported {w.unit!r}, configured for {self.unit!r}: {reply!r}"
                )
            return w

        ex = self.link.exchange(mtsics.encode_command(command), _FRAMER, decode, device=self.name)
        return ex.value, ex.frames

    def _stable_once(self) -> Reading:
        deadline = self.clock.now() + self.stable_timeout
        while True:
            try:
                w, frames = self._weigh("S")
                return self._reading("mass", w.value, w.unit, frames)
            except DeviceError as exc:
                if "S I" not in str(exc) or self.clock.now() >= deadline:
                    raise
            self.clock.sleep(self.poll)
            if self.clock.now() >= deadline:
                raise InstrumentTimeout(f"{self.name} did not become stable within {self.stable_timeout} s")

    def weight(self, *, confirm: bool = False, tolerance: float | None = None) -> Reading:
        """A stable weight (``S``), waiting while the balance answers ``S I``.

        Args:
            confirm: require a second stable reading agreeing within ``tolerance``.
            tolerance: in ``unit``; default two display digits.

        Raises:
            InstrumentTimeout: no stable value within ``stable_timeout``.
            DeviceError: overload/underload or ES/ET/EL.
            ProtocolError: malformed reply, or (confirm) the readings disagree.
        """
        if not confirm:
            return self._stable_once()
        tol = 2 * self.resolution if tolerance is None else tolerance
        return confirmed(self._stable_once, tolerance=tol, device=self.name)

    def weight_immediate(self) -> tuple[Reading, bool]:
        """The current weight (``SI``) and whether the balance called it stable."""
        w, frames = self._weigh("SI")
        return self._reading("mass" if w.stable else "mass_dynamic", w.value, w.unit, frames), w.stable

    def zero(self) -> None:
        """Zero the balance (``Z``); waits for stability like ``S``.

        Raises:
            DeviceError: the balance refused (not stable within the timeout, or out of the zero range).
        """
        deadline = self.clock.now() + self.stable_timeout
        while True:
            reply, _ = self._command("Z")
            try:
                mtsics.parse_ack(reply, "Z")
                return
            except DeviceError:
                if self.clock.now() >= deadline:
                    raise
            self.clock.sleep(self.poll)

    def tare(self) -> Reading:
        """Tare (``T``); returns the tare weight."""
        reply, frames = self._command("T")
        r = mtsics.parse_reply(reply, "T")
        if r.status != "S" or len(r.fields) != 2:
            raise DeviceError(f"{self.name} refused to tare: {reply!r}")
        w = mtsics.parse_weight(
            b"S S " + " ".join(r.fields).encode() + b"\r\n", "S", max_abs=self.capacity * 1.1
        )
        return self._reading("tare_mass", w.value, w.unit, frames)

    def serial_number(self) -> str:
        """Serial number (``I4``)."""
        reply, _ = self._command("I4")
        r = mtsics.parse_reply(reply, "I4")
        if r.status != "A" or len(r.fields) != 1:
            raise ProtocolError(f"{self.name}: malformed I4 reply {reply!r}")
        return r.fields[0].strip('"')


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    bal = MtSicsBalance(link, capacity=float(options.get("capacity") or 6200.0))
    return [bal.weight(confirm=options.get("confirm") == "yes")]


DRIVER_ENTRIES = (
    DriverEntry(
        "mtsics-balance",
        "Mettler Toledo balance (MT-SICS): stable weight",
        LineDefaults(baudrate=9600, timeout=1.0, inter_byte_timeout=0.2, retries=1),
        _read,
        (
            Option("--capacity", "balance capacity in g", float, 6200.0),
            Option("--confirm", "require a confirming repeat read: yes/no", str, "no", ("yes", "no")),
        ),
        address_help="(unused: one balance per port)",
    ),
)
