"""Simulated M-Bus heat meter (EN 1434 / EN 13757-3) answering SND_NKE and REQ_UD2.

The meter integrates the applied flow and temperature difference into heat (kWh) and volume (m³); the
registers show the true values times ``1 + error_percent/100``. REQ_UD2 returns an RSP_UD long frame
(CI = 0x72) with records: energy (DIF 0C, VIF 06, kWh, 8-digit BCD), volume (0C 13, L resolution),
power (0B 2B, W), volume flow (0B 3B, L/h), flow and return temperature (0A 5A / 0A 5E, 0.1 °C) and
temperature difference (0A 62, 0.1 K). Frames for other addresses or with a bad checksum get no reply.
"""

from __future__ import annotations

import random

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import LengthFramer
from instruments.protocols import mbus
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.flow_register import WATER_KWH_PER_M3K as WATER_KWH_PER_M3K
from instruments.sim.flow_register import FlowRegisterSim

__all__ = ["SIM_ENTRIES", "MbusHeatMeterSim"]


class MbusHeatMeterSim(FlowRegisterSim):
    """An M-Bus heat meter.

    Args:
        address: primary address 1..250.
        ident: 8-digit identification number.
        manufacturer: three-letter code.
        flow: applied flow, m³/h.
        supply_temp, return_temp: °C.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.
    """

    name = "mbus"

    def __init__(
        self,
        address: int = 1,
        *,
        ident: int = 51017578,
        manufacturer: str = "HYD",
        flow: float = 0.0,
        supply_temp: float = 70.0,
        return_temp: float = 50.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        if not 1 <= address <= 250:
            raise ConfigurationError(f"M-Bus primary address must be 1..250, got {address!r}")
        if not 0 <= ident <= 99999999:
            raise ConfigurationError(f"M-Bus identification must have 8 digits, got {ident!r}")
        mbus.manufacturer_id(manufacturer)
        self._start_flow(flow, supply_temp, return_temp)
        self.address = address
        self.ident = ident
        self.manufacturer = manufacturer
        self._access = 0
        self._framer = LengthFramer(mbus.frame_length, max_length=300)

    @property
    def framer(self) -> LengthFramer:
        return self._framer

    def handle(self, request: bytes) -> bytes | None:
        try:
            frame = mbus.decode_frame(request)
        except ProtocolError:
            return None
        if not isinstance(frame, mbus.ShortFrame) or frame.address not in (self.address, 254):
            return None
        if frame.control == mbus.SND_NKE:
            return mbus.ACK
        if frame.control & 0xDF == mbus.REQ_UD2:
            return self._rsp_ud()
        return None

    def _rsp_ud(self) -> bytes:
        with self.lock:
            self._advance()
            energy_kwh = round(self.with_error(self._energy))
            volume_l = round(self.with_error(self._volume) * 1000.0)
            power_w = round(self.noisy(self._power_kw()) * 1000.0)
            flow_lh = round(self.noisy(self._flow) * 1000.0)
            self._access = (self._access + 1) & 0xFF
            access = self._access
        records = (
            mbus.encode_record(0x0C, 0x06, energy_kwh)
            + mbus.encode_record(0x0C, 0x13, volume_l)
            + mbus.encode_record(0x0B, 0x2B, power_w)
            + mbus.encode_record(0x0B, 0x3B, flow_lh)
            + mbus.encode_record(0x0A, 0x5A, round(self.supply_temp * 10))
            + mbus.encode_record(0x0A, 0x5E, round(self.return_temp * 10))
            + mbus.encode_record(0x0A, 0x62, round(abs(self.supply_temp - self.return_temp) * 10))
        )
        data = mbus.encode_variable_data(self.ident, self.manufacturer, 0x20, 0x04, access, 0, records)
        return mbus.encode_long(mbus.RSP_UD, self.address, 0x72, data)


def _factory(ctx: SimContext) -> MbusHeatMeterSim:
    return MbusHeatMeterSim(
        int(ctx.option("primary", 1)),
        ident=int(ctx.option("ident", 51017578)),
        flow=float(ctx.option("flow", 0.0)),
        supply_temp=float(ctx.option("supply_temp", 70.0)),
        return_temp=float(ctx.option("return_temp", 50.0)),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )


SIM_ENTRIES = (
    SimEntry(
        "mbus",
        "M-Bus heat meter (SND_NKE/REQ_UD2 -> RSP_UD); energy and volume advance with the applied flow",
        _factory,
        (
            Option("--primary", "primary address 1..250", int, 1),
            Option("--ident", "8-digit identification number", int, 51017578),
            Option("--flow", "applied flow in m3/h", float, 0.0),
            Option("--supply-temp", "supply temperature in degC", float, 70.0),
            Option("--return-temp", "return temperature in degC", float, 50.0),
        ),
    ),
)
