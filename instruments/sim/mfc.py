"""Simulated Alicat-style mass-flow controller whose flow follows the setpoint.

The flow approaches the setpoint with a first-order response (time constant ``tau`` seconds of the device
clock); the reported mass flow carries the gain error ``error_percent`` and noise. Commands (CR
terminated, unit id first): ``A`` poll, ``AS<value>`` setpoint (replies with a data frame), ``AG<gas>``
select gas. A setpoint above full scale or a malformed command gets ``?``; other unit ids get no reply
(several controllers share one RS-485 port).
"""

from __future__ import annotations

import math
import random
import re

from instruments.clock import Clock
from instruments.errors import ConfigurationError
from instruments.framing import TerminatorFramer
from instruments.protocols import alicat
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["SIM_ENTRIES", "MfcSim"]

_SETPOINT = re.compile(r"^S([+-]?\d+(?:\.\d*)?)$")
_GAS = re.compile(r"^G([A-Za-z][A-Za-z0-9]{0,9})$")


class MfcSim(SimBase):
    """A mass-flow controller.

    Args:
        unit_id: letter A–Z.
        full_scale: full-scale flow in standard L/min.
        tau: time constant of the flow response, s.
        gas: selected gas name.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.

    Raises:
        ConfigurationError: bad unit id, full scale or time constant.
    """

    name = "mfc"

    def __init__(
        self,
        unit_id: str = "A",
        *,
        full_scale: float = 5.0,
        tau: float = 0.5,
        gas: str = "Air",
        pressure_psia: float = 14.7,
        temperature: float = 25.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        alicat.encode_poll(unit_id)
        if not full_scale > 0 or tau < 0:
            raise ConfigurationError(f"MFC needs full_scale > 0 and tau >= 0, got {full_scale!r}, {tau!r}")
        self.unit_id = unit_id
        self.full_scale = full_scale
        self.tau = tau
        self.gas = gas
        self.pressure = pressure_psia
        self.temperature = temperature
        self.setpoint = 0.0
        self._flow = 0.0
        self._t = self.clock.now()
        self._framer = TerminatorFramer(b"\r", max_length=64)

    @property
    def framer(self) -> TerminatorFramer:
        return self._framer

    def _advance(self) -> None:
        now = self.clock.now()
        dt = max(0.0, now - self._t)
        k = 1.0 if self.tau == 0 else 1.0 - math.exp(-dt / self.tau)
        self._flow += (self.setpoint - self._flow) * k
        self._t = now

    def set_setpoint(self, value: float) -> None:
        """Change the setpoint in-process (as the front panel would).

        Raises:
            ConfigurationError: outside 0..full scale.
        """
        if not 0 <= value <= self.full_scale:
            raise ConfigurationError(f"setpoint {value!r} outside 0..{self.full_scale} SLPM")
        with self.lock:
            self._advance()
            self.setpoint = float(value)

    @property
    def true_flow(self) -> float:
        """Flow really delivered, SLPM."""
        with self.lock:
            self._advance()
            return self._flow

    def _frame(self) -> bytes:
        self._advance()
        mass = self.noisy(self.with_error(self._flow))
        vol = mass * (self.temperature + 273.15) / 298.15
        return alicat.format_data_frame(
            alicat.DataFrame(
                self.unit_id, self.pressure, self.temperature, vol, mass, self.setpoint, self.gas, ()
            )
        )

    def handle(self, request: bytes) -> bytes | None:
        try:
            text = request.decode("ascii").strip()
        except UnicodeDecodeError:
            return None
        if not text or text[0] != self.unit_id:
            return None
        body = text[1:]
        with self.lock:
            if body == "":
                return self._frame()
            m = _SETPOINT.match(body)
            if m is not None:
                value = float(m.group(1))
                if not 0 <= value <= self.full_scale:
                    return b"?\r"
                self._advance()
                self.setpoint = value
                return self._frame()
            g = _GAS.match(body)
            if g is not None:
                self.gas = g.group(1)
                return self._frame()
        return b"?\r"


def _factory(ctx: SimContext) -> MfcSim:
    sim = MfcSim(
        str(ctx.option("unit_id", "A")),
        full_scale=float(ctx.option("full_scale", 5.0)),
        tau=float(ctx.option("tau", 0.5)),
        gas=str(ctx.option("gas", "Air")),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )
    return sim


SIM_ENTRIES = (
    SimEntry(
        "mfc",
        "Alicat-style mass-flow controller (poll, AS setpoint); flow follows the setpoint (first order)",
        _factory,
        (
            Option("--unit-id", "unit id A-Z", str, "A"),
            Option("--full-scale", "full-scale flow in SLPM", float, 5.0),
            Option("--tau", "time constant of the flow response, s", float, 0.5),
            Option("--gas", "gas name", str, "Air"),
        ),
    ),
)
