"""Simulated digital multimeter speaking SCPI over RS-232 (Fluke 8846A-style, "computer mode").

The meter measures what :meth:`DmmSim.apply` put on its terminals, with a gain error ``error_percent``,
an ``offset`` (in the function's unit) and noise, and reports NR3 numbers. Commands are case-insensitive
with SCPI short/long forms: ``*IDN?``, ``*RST``, ``*CLS``, ``SYST:REM``, ``SYST:ERR?``,
``MEAS:VOLT:DC? [range]``, ``MEAS:CURR:DC? [range]``, ``MEAS:RES? [range]``, ``CONF:<function> [range]``
and ``READ?``. A value beyond 1.2 × range reads ``+9.90000000E+37`` (overload); unknown commands queue
``-113,"Undefined header"``.
"""

from __future__ import annotations

import random
import re

from instruments.clock import Clock
from instruments.errors import ConfigurationError
from instruments.framing import TerminatorFramer
from instruments.protocols import scpi
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["RANGES", "SIM_ENTRIES", "DmmSim"]

#: Ranges per function (largest = autorange ceiling).
RANGES: dict[str, tuple[float, ...]] = {
    "VOLT:DC": (0.1, 1.0, 10.0, 100.0, 1000.0),
    "CURR:DC": (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0),
    "RES": (10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8),
}
_FUNC = re.compile(
    r"^(MEAS(?:URE)?|CONF(?:IGURE)?):(VOLT(?:AGE)?:DC|CURR(?:ENT)?:DC|RES(?:ISTANCE)?)(\?)?(?:\s+(\S+))?$"
)


def _canonical(func: str) -> str:
    head = func.split(":")[0]
    return {"VOLT": "VOLT:DC", "VOLTAGE": "VOLT:DC", "CURR": "CURR:DC", "CURRENT": "CURR:DC"}.get(head, "RES")


class DmmSim(SimBase):
    """A DMM.

    Args:
        identity: the ``*IDN?`` reply.
        offset: zero offset in the function's unit.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.
    """

    name = "scpi-dmm"

    def __init__(
        self,
        *,
        identity: str = "FLUKE,8846A,1234567,08/02/10-11:53",
        offset: float = 0.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        self.identity = identity
        self.offset = offset
        self.inputs = {"VOLT:DC": 0.0, "CURR:DC": 0.0, "RES": 1e9}
        self.errors: list[tuple[int, str]] = []
        self.function = "VOLT:DC"
        self.range: float | None = None
        self._framer = TerminatorFramer(b"\n", max_length=256)

    @property
    def framer(self) -> TerminatorFramer:
        return self._framer

    def apply(self, function: str, value: float) -> None:
        """Put a signal on the terminals: ``apply("VOLT:DC", 10.0)``, ``"CURR:DC"`` (A), ``"RES"`` (Ω).

        Raises:
            ConfigurationError: unknown function.
        """
        if function not in self.inputs:
            raise ConfigurationError(f"DMM function must be one of {sorted(self.inputs)}, got {function!r}")
        with self.lock:
            self.inputs[function] = float(value)

    def _measure(self) -> bytes:
        true = self.inputs[self.function]
        shown = self.noisy(self.with_error(true)) + self.offset
        ranges = RANGES[self.function]
        rng = (
            self.range
            if self.range is not None
            else next((r for r in ranges if abs(true) <= r * 1.2), ranges[-1])
        )
        if abs(shown) > rng * 1.2:
            return scpi.format_number(scpi.OVERLOAD)
        return scpi.format_number(shown)

    def handle(self, request: bytes) -> bytes | None:
        try:
            text = request.decode("ascii").strip().upper()
        except UnicodeDecodeError:
            with self.lock:
                self.errors.append((-102, "Syntax error"))
            return None
        with self.lock:
            reply = self._command(text)
        return None if reply is None else reply + b"\n"

    def _command(self, cmd: str) -> bytes | None:
        if cmd == "*IDN?":
            return self.identity.encode("ascii")
        if cmd in ("*RST", "*CLS", "SYST:REM", "SYSTEM:REMOTE"):
            if cmd == "*RST":
                self.function, self.range = "VOLT:DC", None
            elif cmd == "*CLS":
                self.errors.clear()
            return None
        if cmd == "*OPC?":
            return b"1"
        if cmd in ("SYST:ERR?", "SYSTEM:ERROR?"):
            code, msg = self.errors.pop(0) if self.errors else (0, "No error")
            return f'{code:+d},"{msg}"'.encode("ascii")
        if cmd == "READ?":
            return self._measure()
        m = _FUNC.match(cmd)
        if m is None or (m.group(1).startswith("MEAS") != bool(m.group(3))):
            self.errors.append((-113, "Undefined header"))
            return None
        function = _canonical(m.group(2))
        rng_text = m.group(4)
        rng: float | None = None
        if rng_text not in (None, "AUTO", "DEF"):
            try:
                rng = float(rng_text)
            except ValueError:
                self.errors.append((-224, "Illegal parameter value"))
                return None
            if rng not in RANGES[function]:
                self.errors.append((-222, "Data out of range"))
                return None
        self.function, self.range = function, rng
        return self._measure() if m.group(3) else None


def _factory(ctx: SimContext) -> DmmSim:
    sim = DmmSim(
        offset=float(ctx.option("offset", 0.0)),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )
    sim.apply("VOLT:DC", float(ctx.option("voltage", 0.0)))
    sim.apply("CURR:DC", float(ctx.option("current", 0.0)))
    sim.apply("RES", float(ctx.option("resistance", 1e9)))
    return sim


SIM_ENTRIES = (
    SimEntry(
        "scpi-dmm",
        "SCPI digital multimeter over RS-232 (MEAS:VOLT:DC?, MEAS:CURR:DC?, MEAS:RES?, SYST:ERR?)",
        _factory,
        (
            Option("--voltage", "applied DC voltage in V", float, 0.0),
            Option("--current", "applied DC current in A", float, 0.0),
            Option("--resistance", "applied resistance in ohm", float, 1e9),
            Option("--offset", "zero offset in the function's unit", float, 0.0),
        ),
    ),
)
