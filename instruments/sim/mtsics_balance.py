"""Simulated Mettler Toledo balance speaking MT-SICS, with settling, zero, tare and overload.

After :meth:`BalanceSim.load` the reading is dynamic for ``settle_time`` seconds of the device clock: it
approaches the new value with a decaying oscillation; ``SI`` answers ``S D <value> g`` meanwhile and
``S`` answers ``S I`` (no stable value yet), then both answer ``S S``. The display is
``(load − zero) × (1 + error_percent/100) − tare`` plus noise, rounded to the resolution ``d``.
"""

from __future__ import annotations

import math
import random

from instruments.clock import Clock
from instruments.errors import ConfigurationError
from instruments.framing import TerminatorFramer
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["SIM_ENTRIES", "BalanceSim"]


class BalanceSim(SimBase):
    """A balance.

    Args:
        capacity: maximum load in g (above it: ``S +``).
        resolution: display resolution d in g.
        settle_time: seconds until a new load is stable.
        serial: serial number returned by ``I4``.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`
            (``noise_percent`` is relative to the capacity here: a balance's noise does not scale with load).

    Raises:
        ConfigurationError: non-positive capacity, resolution or negative settle time.
    """

    name = "mtsics-balance"

    def __init__(
        self,
        *,
        capacity: float = 6200.0,
        resolution: float = 0.01,
        settle_time: float = 2.0,
        serial: str = "B123456789",
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        if not capacity > 0 or not resolution > 0 or settle_time < 0:
            raise ConfigurationError(
                f"need capacity > 0, resolution > 0, settle_time >= 0; got {capacity}, {resolution}, "
                f"{settle_time}"
            )
        self.capacity = capacity
        self.resolution = resolution
        self.settle_time = settle_time
        self.serial = serial
        self.decimals = max(0, -math.floor(math.log10(resolution) + 1e-9))
        self._load = 0.0
        self._previous = 0.0
        self._changed = self.clock.now() - settle_time
        self._zero = 0.0
        self._tare = 0.0
        self._framer = TerminatorFramer(b"\r\n", max_length=128)

    @property
    def framer(self) -> TerminatorFramer:
        return self._framer

    def load(self, mass_g: float, *, settle: bool = True) -> None:
        """Put ``mass_g`` on the pan (total load, g); the reading settles over ``settle_time``.

        Args:
            mass_g: total load on the pan, g.
            settle: False makes the new load stable at once (initial state of a simulator).
        """
        with self.lock:
            self._previous = self._gross()
            self._load = float(mass_g)
            self._changed = self.clock.now() - (0.0 if settle else self.settle_time)

    def _since(self) -> float:
        return self.clock.now() - self._changed

    def stable(self) -> bool:
        """True once ``settle_time`` has passed since the last load change."""
        with self.lock:
            return self._since() >= self.settle_time

    def _gross(self) -> float:
        """What the load cell sees now (settling towards the load)."""
        s = self._since()
        if s >= self.settle_time or self.settle_time == 0:
            return self._load
        frac = s / self.settle_time
        step = self._load - self._previous
        return self._load - step * math.exp(-5 * frac) * math.cos(3 * math.pi * frac)

    def _net(self) -> float:
        value = (self._gross() - self._zero) * (1 + self.error_percent / 100.0) - self._tare
        if self.noise_percent:
            value += self.rng.gauss(0.0, self.noise_percent / 100.0 * self.capacity)
        return round(value / self.resolution) * self.resolution

    def _weight(self, stable_only: bool) -> str:
        gross = self._gross() - self._zero
        if gross > self.capacity * 1.01:
            return "S +"
        if gross < -self.capacity * 0.01 - 10 * self.resolution:
            return "S -"
        stable = self._since() >= self.settle_time
        if stable_only and not stable:
            return "S I"
        return f"S {'S' if stable else 'D'} {self._net():>10.{self.decimals}f} g"

    def handle(self, request: bytes) -> bytes | None:
        try:
            cmd = request.decode("ascii").strip()
        except UnicodeDecodeError:
            return b"ET\r\n"
        with self.lock:
            reply = self._command(cmd)
        return reply.encode("ascii") + b"\r\n"

    def _command(self, cmd: str) -> str:
        stable = self._since() >= self.settle_time
        if cmd == "S":
            return self._weight(stable_only=True)
        if cmd == "SI":
            return self._weight(stable_only=False)
        if cmd in ("Z", "ZI"):
            if not stable and cmd == "Z":
                return "Z I"
            self._zero = self._gross()
            self._tare = 0.0
            return "Z A" if stable else "ZI D"
        if cmd == "T":
            if not stable:
                return "T I"
            self._tare = (self._gross() - self._zero) * (1 + self.error_percent / 100.0)
            return f"T S {self._tare:>10.{self.decimals}f} g"
        if cmd == "TAC":
            self._tare = 0.0
            return "TAC A"
        if cmd in ("I4", "@"):
            return f'I4 A "{self.serial}"'
        return "ES"


def _factory(ctx: SimContext) -> BalanceSim:
    sim = BalanceSim(
        capacity=float(ctx.option("capacity", 6200.0)),
        resolution=float(ctx.option("resolution", 0.01)),
        settle_time=float(ctx.option("settle_time", 2.0)),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )
    sim.load(float(ctx.option("load", 0.0)), settle=False)
    return sim


SIM_ENTRIES = (
    SimEntry(
        "mtsics-balance",
        "Mettler Toledo balance (MT-SICS S/SI/Z/T/I4), settles after each load",
        _factory,
        (
            Option("--capacity", "maximum load in g", float, 6200.0),
            Option("--resolution", "display resolution in g", float, 0.01),
            Option("--settle-time", "seconds until a new load is stable", float, 2.0),
            Option("--load", "initial load on the pan in g", float, 0.0),
        ),
    ),
)
