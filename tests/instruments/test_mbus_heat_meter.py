"""M-Bus heat meter driver against the simulated meter on a real pseudo-terminal."""

from __future__ import annotations

import random

import pytest

from instruments.clock import ManualClock
from instruments.drivers.mbus_heat_meter import MbusHeatMeter
from instruments.errors import ConfigurationError, InstrumentTimeout
from instruments.link import LinkSettings, SerialLink
from instruments.sim.faults import FaultSpec
from instruments.sim.mbus import WATER_KWH_PER_M3K, MbusHeatMeterSim
from instruments.sim.pty import PtySimServer


def test_heat_meter_readings_follow_applied_flow() -> None:
    clock = ManualClock()
    sim = MbusHeatMeterSim(5, clock=clock, error_percent=1.5)
    with PtySimServer(sim) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=2400, parity="E", timeout=0.3, retries=1))
        meter = MbusHeatMeter(link, 5, ack_pause=0.0)
        meter.reset()
        sim.apply_flow(2.0, supply_temp=80.0, return_temp=60.0)
        clock.advance(10 * 3600.0)
        r = {x.quantity: x for x in meter.read()}
        heat = 2.0 * 10 * WATER_KWH_PER_M3K * 20.0 * 1.015
        assert r["heat"].value == pytest.approx(heat, abs=1.0) and r["heat"].unit == "kWh"
        assert r["volume"].value == pytest.approx(20.0 * 1.015, abs=1e-3) and r["volume"].unit == "m**3"
        assert r["power"].value == pytest.approx(2.0 * WATER_KWH_PER_M3K * 20.0 * 1000, abs=1.0)
        assert r["flow_rate"].value == pytest.approx(2.0, abs=1e-3)
        assert r["supply_temperature"].value == pytest.approx(80.0)
        assert r["temperature_difference"].unit == "delta_degC"
        for x in r.values():
            x.as_quantity()
        assert (r["heat"].value - sim.true_energy) / sim.true_energy * 100 == pytest.approx(
            1.5, abs=0.25
        )  # 1 kWh resolution on ~470 kWh
        with pytest.raises(InstrumentTimeout):
            MbusHeatMeter(link, 6, ack_pause=0.0).reset()
        link.close()
    with pytest.raises(ConfigurationError):
        MbusHeatMeter(link, 300)


def test_corrupted_telegrams_are_rejected_and_retried() -> None:
    clock = ManualClock()
    sim = MbusHeatMeterSim(1, clock=clock, flow=1.0)
    with PtySimServer(sim, faults=FaultSpec.parse("crc=0.2"), rng=random.Random(3)) as server:
        link = SerialLink(
            LinkSettings(server.path, baudrate=2400, timeout=0.1, inter_byte_timeout=0.05, retries=5)
        )
        meter = MbusHeatMeter(link, 1, ack_pause=0.0)
        for _ in range(50):
            clock.advance(360.0)
            expected = round(sim.true_volume * 1000) / 1000
            assert meter.read()[1].value == pytest.approx(expected, abs=1e-9)
        link.close()
        assert sum(1 for e in server.events if e.kind == "corrupt") >= 3
