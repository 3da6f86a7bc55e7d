"""Simulated NDIR CO₂ analyser: first-order response to the applied gas, gain error, zero offset, noise.

The sensor follows the applied mole fraction with a first-order response whose T90 is configurable
(time constant τ = T90 / ln 10, on the device clock). It reports
``c_sensor × (1 + error_percent/100) + offset`` plus noise, in one of two protocols:

* ``vaisala``: ``SEND`` CR → ``CO2=  412.3 ppm`` CR LF (unknown commands: ``Unknown command``);
* ``senseair``: Modbus RTU, input register 3 (IR4) holds the reading in whole ppm (S8 style, any-address
  0xFE accepted), IR1 a status word of 0; other registers get exception 02.
"""

from __future__ import annotations

import math
import random

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import Framer, LengthFramer, TerminatorFramer
from instruments.protocols import modbus_rtu as rtu
from instruments.protocols import ndir_co2
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["PROTOCOLS", "SIM_ENTRIES", "Co2AnalyserSim"]

PROTOCOLS = ("vaisala", "senseair")


class Co2AnalyserSim(SimBase):
    """An NDIR CO₂ analyser.

    Args:
        protocol: ``vaisala`` or ``senseair``.
        t90: time to reach 90 % of a step, s (0 = instantaneous).
        offset: zero offset, ppm.
        address: Modbus address (senseair; 0xFE is always accepted too).
        ppm: initially applied mole fraction, ppm.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.

    Raises:
        ConfigurationError: unknown protocol, negative T90, or bad address.
    """

    name = "co2-analyser"

    def __init__(
        self,
        protocol: str = "vaisala",
        *,
        t90: float = 20.0,
        offset: float = 0.0,
        address: int = 0x68,
        ppm: float = 0.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        if protocol not in PROTOCOLS:
            raise ConfigurationError(f"analyser protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if t90 < 0:
            raise ConfigurationError(f"T90 must be >= 0 s, got {t90!r}")
        if not 1 <= address <= 247:
            raise ConfigurationError(f"Modbus address must be 1..247, got {address!r}")
        self.protocol = protocol
        self.t90 = t90
        self.offset = offset
        self.address = address
        self._applied = float(ppm)
        self._sensor = float(ppm)
        self._t = self.clock.now()
        self._framer: Framer = (
            TerminatorFramer(b"\r", max_length=64)
            if protocol == "vaisala"
            else LengthFramer(rtu.request_length, max_length=256)
        )

    @property
    def framer(self) -> Framer:
        return self._framer

    def _advance(self) -> None:
        now = self.clock.now()
        dt = max(0.0, now - self._t)
        if self.t90 == 0:
            self._sensor = self._applied
        else:
            tau = self.t90 / math.log(10.0)
            self._sensor += (self._applied - self._sensor) * (1.0 - math.exp(-dt / tau))
        self._t = now

    def apply_gas(self, ppm: float) -> None:
        """Apply a gas of ``ppm`` CO₂ to the inlet from now on.

        Raises:
            ConfigurationError: negative mole fraction.
        """
        if ppm < 0:
            raise ConfigurationError(f"applied CO2 must be >= 0 ppm, got {ppm!r}")
        with self.lock:
            self._advance()
            self._applied = float(ppm)

    def indicated(self) -> float:
        """What the analyser shows now (response, gain error, offset; no noise)."""
        with self.lock:
            self._advance()
            return self.with_error(self._sensor) + self.offset

    def _reading(self) -> float:
        with self.lock:
            self._advance()
            return max(0.0, self.noisy(self.with_error(self._sensor)) + self.offset)

    def handle(self, request: bytes) -> bytes | None:
        if self.protocol == "vaisala":
            try:
                text = request.decode("ascii").strip().upper()
            except UnicodeDecodeError:
                return b"Unknown command\r\n"
            if text == "SEND" or text == f"SEND {self.address}":
                return ndir_co2.format_vaisala_line(self._reading())
            return b"Unknown command\r\n"
        try:
            req = rtu.decode_request(request)
        except ProtocolError:
            return None
        if req.slave not in (self.address, 0xFE):
            return None
        if req.function != rtu.READ_INPUT:
            return rtu.encode_exception(req.slave, req.function, 0x01)
        if req.address + req.count > 4 or req.count < 1:
            return rtu.encode_exception(req.slave, req.function, 0x02)
        image = [0, 0, 0, min(0xFFFF, round(self._reading()))]
        return rtu.encode_registers_reply(
            req.slave, req.function, image[req.address : req.address + req.count]
        )


def _factory(ctx: SimContext) -> Co2AnalyserSim:
    return Co2AnalyserSim(
        str(ctx.option("protocol", "vaisala")),
        t90=float(ctx.option("t90", 20.0)),
        offset=float(ctx.option("offset", 0.0)),
        ppm=float(ctx.option("ppm", 400.0)),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )


SIM_ENTRIES = (
    SimEntry(
        "co2-analyser",
        "NDIR CO2 analyser (Vaisala SEND or Senseair Modbus); first-order response with T90",
        _factory,
        (
            Option("--protocol", "serial protocol", str, "vaisala", PROTOCOLS),
            Option("--t90", "response time T90 in s", float, 20.0),
            Option("--offset", "zero offset in ppm", float, 0.0),
            Option("--ppm", "applied CO2 mole fraction in ppm", float, 400.0),
        ),
    ),
)
