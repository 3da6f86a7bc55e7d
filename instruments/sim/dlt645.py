"""Simulated DL/T 645-2007 electricity meter.

The meter carries a load (voltage, current, power factor), either from its own settings or applied by a
companion simulator (the meter bench's source calls :meth:`DLT645MeterSim.apply_load`). Its energy
registers advance with the true energy of that load, times ``1 + error_percent/100`` (the meter's
systematic error); instantaneous values (U, I, P, PF) carry ``noise_percent`` of relative noise.

It answers "read data" (C = 0x11) for the identifiers in :data:`instruments.protocols.dlt645.FORMATS`,
"read address" (C = 0x13) to the wildcard, replies abnormally (ERR bit 1 "no requested data") to unknown
identifiers and ERR bit 0 to other functions, and, like a real meter, stays silent on frames with a bad
checksum, on frames for other addresses and on broadcasts.
"""

from __future__ import annotations

import math
import random

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.protocols import dlt645 as codec
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["SIM_ENTRIES", "DLT645MeterSim"]


class DLT645MeterSim(SimBase):
    """A single-phase DL/T 645 meter.

    Args:
        address: the meter's 12-digit address.
        energy_kwh: the energy register at start (kWh).
        voltage: load voltage (V); current: load current (A); power_factor: load power factor.
        reply_preamble: ``FE`` bytes in front of each reply (0–4).
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.

    Raises:
        ConfigurationError: malformed address or out-of-range load.
    """

    name = "dlt645"

    def __init__(
        self,
        address: str = "111111111111",
        *,
        energy_kwh: float = 1234.56,
        voltage: float = 220.0,
        current: float = 5.0,
        power_factor: float = 1.0,
        reply_preamble: int = 4,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        codec.build_frame(address, 0x91, preamble=reply_preamble)  # validates address and preamble
        if "A" in address.upper():
            raise ConfigurationError(f"a simulated meter needs a real address (digits only), got {address!r}")
        if energy_kwh < 0:
            raise ConfigurationError(f"initial energy must be >= 0 kWh, got {energy_kwh!r}")
        self.address = address.upper()
        self.reply_preamble = reply_preamble
        self._framer = codec.DLT645Framer()
        self._register0 = float(energy_kwh)
        self._true_kwh = 0.0
        self._reverse_kwh = 0.0
        self._t_last = self.clock.now()
        self._u = self._i = self._pf = 0.0
        self.apply_load(voltage, current, power_factor)

    @property
    def framer(self) -> codec.DLT645Framer:
        return self._framer

    # ------------------------------------------------------------------ physics
    def _integrate(self) -> None:
        now = self.clock.now()
        dt_h = max(0.0, now - self._t_last) / 3600.0
        self._t_last = now
        p_kw = self._u * self._i * self._pf / 1000.0
        if p_kw >= 0:
            self._true_kwh += p_kw * dt_h
        else:
            self._reverse_kwh += -p_kw * dt_h

    def apply_load(self, voltage: float, current: float, power_factor: float) -> None:
        """Change the load from now on (energy up to now is integrated with the old load).

        Raises:
            ConfigurationError: negative voltage/current or |PF| > 1.
        """
        if (
            voltage < 0
            or current < 0
            or not -1.0 <= power_factor <= 1.0
            or not math.isfinite(voltage + current)
        ):
            raise ConfigurationError(
                f"load must have U >= 0 V, I >= 0 A and -1 <= PF <= 1, got U={voltage!r}, I={current!r}, "
                f"PF={power_factor!r}"
            )
        with self.lock:
            self._integrate()
            self._u, self._i, self._pf = float(voltage), float(current), float(power_factor)

    @property
    def true_energy_kwh(self) -> float:
        """Forward energy actually delivered since start (kWh), without the meter's error."""
        with self.lock:
            self._integrate()
            return self._true_kwh

    def register_kwh(self) -> float:
        """The forward active energy register (kWh) as the meter shows it (with its error)."""
        with self.lock:
            self._integrate()
            return self._register0 + self.with_error(self._true_kwh)

    def value(self, di: int) -> float | None:
        """The meter's current value for identifier ``di`` (None if the meter does not know it)."""
        with self.lock:
            self._integrate()
            forward = self._register0 + self.with_error(self._true_kwh)
            reverse = self.with_error(self._reverse_kwh)
            power = self.with_error(self._u * self._i * self._pf / 1000.0)
            values = {
                0x00000000: forward + reverse,
                0x00010000: forward,
                0x00020000: reverse,
                0x02010100: self.noisy(self._u),
                0x02010200: 0.0,
                0x02010300: 0.0,
                0x02020100: self.noisy(self._i),
                0x02020200: 0.0,
                0x02020300: 0.0,
                0x02030000: self.noisy(power),
                0x02030100: self.noisy(power),
                0x02060000: self._pf,
                0x02800002: 50.0,
            }
        v = values.get(di)
        if v is None:
            return None
        fmt = codec.FORMATS[di]
        return math.floor(v * 10**fmt.decimals) / 10**fmt.decimals if "energy" in fmt.quantity else v

    # ------------------------------------------------------------------ protocol
    def handle(self, request: bytes) -> bytes | None:
        try:
            frame = codec.parse_frame(request)
        except ProtocolError:
            return None  # a real meter ignores frames it cannot check
        if frame.is_reply:
            return None
        wildcard = frame.address == codec.WILDCARD
        if frame.address == codec.BROADCAST or not (wildcard or frame.address == self.address):
            return None
        pre = self.reply_preamble
        if frame.function == codec.C_READ_ADDRESS:
            return codec.build_read_address_reply(self.address, preamble=pre) if wildcard else None
        if frame.function == codec.C_READ:
            if len(frame.data) < 4:
                return codec.build_abnormal_reply(self.address, codec.C_READ, 0x01, preamble=pre)
            di = int.from_bytes(frame.data[:4], "little")
            v = self.value(di)
            if v is None:
                return codec.build_abnormal_reply(self.address, codec.C_READ, 0x02, preamble=pre)
            return codec.build_read_reply(self.address, di, v, preamble=pre)
        return codec.build_abnormal_reply(self.address, frame.function, 0x01, preamble=pre)


def _factory(ctx: SimContext) -> DLT645MeterSim:
    return DLT645MeterSim(
        ctx.option("address", "111111111111"),
        energy_kwh=float(ctx.option("energy", 1234.56)),
        voltage=float(ctx.option("voltage", 220.0)),
        current=float(ctx.option("current", 5.0)),
        power_factor=float(ctx.option("power_factor", 1.0)),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )


SIM_ENTRIES = (
    SimEntry(
        name="dlt645",
        description="DL/T 645-2007 single-phase electricity meter (energy advances with the load)",
        factory=_factory,
        options=(
            Option("--address", "12-digit meter address", default="111111111111"),
            Option("--energy", "energy register at start (kWh)", type=float, default=1234.56),
            Option("--voltage", "load voltage (V)", type=float, default=220.0),
            Option("--current", "load current (A)", type=float, default=5.0),
            Option("--power-factor", "load power factor", type=float, default=1.0),
        ),
    ),
)
