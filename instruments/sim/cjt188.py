"""Simulated CJ/T 188 water, gas or heat meter whose register advances with the applied flow.

The meter integrates the applied flow over its clock: the register shows the true volume (or, for a
heat meter, the true energy ρ·c·q·ΔT) times ``1 + error_percent/100``. It answers read-data (C = 01,
DI 901F) with the 22-byte water/gas or 46-byte heat layout, read-address (C = 03, DI 810A), ignores
frames for other addresses or with a bad checksum (like a meter on a shared bus), and sends an abnormal
reply (C | 0x40) for unknown data identifiers. The DI byte order is configurable per meter model.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import LengthFramer
from instruments.protocols import cjt188 as c
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.flow_register import WATER_KWH_PER_M3K as WATER_KWH_PER_M3K
from instruments.sim.flow_register import FlowRegisterSim

__all__ = ["SIM_ENTRIES", "Cjt188MeterSim"]

_KINDS = {"water": 0x10, "hot-water": 0x11, "heat": 0x20, "gas": 0x30}


class Cjt188MeterSim(FlowRegisterSim):
    """A CJ/T 188 meter.

    Args:
        address: 14 BCD digits as printed on the meter.
        meter_type: T byte (0x10 cold water, 0x11 hot water, 0x20 heat, 0x30 gas).
        di_order: ``"msb"`` (DI 901F sent ``90 1F``) or ``"lsb"`` (``1F 90``).
        preamble: FE bytes sent before each reply.
        flow: initial applied flow, m³/h.
        supply_temp, return_temp: heat meters: water temperatures, °C.
        epoch: the meter's real-time clock at clock time 0 (the reply's time field advances with ``clock``).
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.

    Raises:
        ConfigurationError: bad address, type, order or negative flow.
    """

    name = "cjt188"

    def __init__(
        self,
        address: str = "00000000000012",
        *,
        meter_type: int = 0x10,
        di_order: c.DiOrder = "msb",
        preamble: int = 2,
        flow: float = 0.0,
        supply_temp: float = 70.0,
        return_temp: float = 50.0,
        epoch: datetime = datetime(2026, 1, 1, tzinfo=UTC),
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        self.epoch = epoch
        c.encode_read_data(meter_type, address, di_order=di_order)  # validates address, type and order
        if meter_type not in c.METER_TYPES or meter_type in (0x40, 0xAA):
            raise ConfigurationError(
                f"simulated CJ/T 188 meter type must be water, heat or gas, got {meter_type:#x}"
            )
        self._start_flow(flow, supply_temp, return_temp)
        self.address = address
        self.meter_type = meter_type
        self.di_order: c.DiOrder = di_order
        self.preamble = preamble
        self._framer = LengthFramer(c.frame_length, max_length=300)

    @property
    def framer(self) -> LengthFramer:
        return self._framer

    @property
    def is_heat(self) -> bool:
        """True for heat meters (T = 0x20/0x21)."""
        return self.meter_type in (0x20, 0x21)

    def handle(self, request: bytes) -> bytes | None:
        try:
            frame = c.decode_frame(request)
        except ProtocolError:
            return None
        if frame.control & 0x80:
            return None  # another device's reply on the bus
        wildcard = frame.address == c.WILDCARD_ADDRESS
        if not wildcard and frame.address != self.address:
            return None
        if frame.meter_type not in (0xAA, self.meter_type):
            return None
        if len(frame.data) < 3:
            return self._abnormal(frame.control, frame.data)
        di = int.from_bytes(frame.data[:2], "big" if self.di_order == "msb" else "little")
        if frame.control == 0x01 and di == c.DI_READ_DATA:
            return self._reply(0x81, self._counter_data(frame.data[:2], frame.data[2]))
        if frame.control == 0x03:
            di_lsb = int.from_bytes(frame.data[:2], "little")
            if di_lsb == c.DI_READ_ADDRESS or di == c.DI_READ_ADDRESS:
                return self._reply(0x83, frame.data[:3])
        return self._abnormal(frame.control, frame.data)

    def _reply(self, control: int, data: bytes) -> bytes:
        return c.encode_frame(self.meter_type, self.address, control, data, preamble=self.preamble)

    def _abnormal(self, control: int, data: bytes) -> bytes:
        return self._reply(0xC0 | (control & 0x3F), data[:3])

    def _counter_data(self, di_bytes: bytes, ser: int) -> bytes:
        with self.lock:
            now = (self.epoch + timedelta(seconds=self.clock.now())).strftime("%Y%m%d%H%M%S")
            self._advance()
            volume = self.with_error(self._volume)
            if not self.is_heat:
                unit = "m**3"
                return c.encode_water_data(di_bytes, ser, volume, unit=unit, time_bcd=now)
            return c.encode_heat_data(
                di_bytes,
                ser,
                heat=self.with_error(self._energy),
                power=self.noisy(self._power_kw()),
                flow_rate=self.noisy(self._flow),
                volume=volume,
                supply_temp=self.supply_temp,
                return_temp=self.return_temp,
                working_hours=int(self.clock.now() // 3600),
                time_bcd=now,
            )


def _factory(ctx: SimContext) -> Cjt188MeterSim:
    return Cjt188MeterSim(
        str(ctx.option("meter_address", "00000000000012")),
        meter_type=_KINDS[str(ctx.option("kind", "water"))],
        di_order="lsb" if ctx.option("di_order", "msb") == "lsb" else "msb",
        flow=float(ctx.option("flow", 0.0)),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )


SIM_ENTRIES = (
    SimEntry(
        "cjt188",
        "CJ/T 188 water/gas/heat meter; the register advances with the applied flow",
        _factory,
        (
            Option("--meter-address", "14-digit meter address", str, "00000000000012"),
            Option("--kind", "meter kind", str, "water", tuple(_KINDS)),
            Option("--di-order", "DI byte order of this meter model", str, "msb", ("msb", "lsb")),
            Option("--flow", "applied flow in m3/h", float, 0.0),
        ),
    ),
)
