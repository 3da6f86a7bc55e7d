"""CJ/T 188 driver against the simulated water/gas/heat meter on a real pseudo-terminal."""

from __future__ import annotations

import random

import pytest

from instruments.clock import ManualClock
from instruments.drivers.cjt188_meter import Cjt188Meter
from instruments.errors import ConfigurationError, DeviceError, InstrumentTimeout
from instruments.link import LinkSettings, SerialLink
from instruments.protocols import cjt188 as c
from instruments.sim.cjt188 import WATER_KWH_PER_M3K, Cjt188MeterSim
from instruments.sim.faults import FaultSpec
from instruments.sim.pty import PtySimServer

ADDR = "20260324152900"


def _link(path: str, **kw: float) -> SerialLink:
    # the real bus is 2400 8E1; the pty refuses parity, the link falls back to 8N1 and notes it
    return SerialLink(
        LinkSettings(
            path,
            baudrate=2400,
            parity="E",
            timeout=kw.get("timeout", 0.3),
            inter_byte_timeout=0.05,
            retries=int(kw.get("retries", 2)),
        )
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.mark.parametrize(("kind", "order"), [(0x10, "msb"), (0x30, "lsb")])
def test_water_and_gas_meter_register_follows_flow(clock: ManualClock, kind: int, order: c.DiOrder) -> None:
    sim = Cjt188MeterSim(ADDR, meter_type=kind, di_order=order, clock=clock, error_percent=-1.0)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        meter = Cjt188Meter(link, ADDR, meter_type=kind, di_order=order)
        assert meter.read_volume().value == 0.0
        sim.apply_flow(2.5)
        clock.advance(3600.0)
        r = meter.read_volume()
        assert r.value == pytest.approx(2.5 * 0.99, abs=0.005)  # 0.01 m3 resolution
        assert r.unit == "m**3" and r.as_quantity().to("L").magnitude == pytest.approx(2475.0, abs=5)
        relative_error = (r.value - sim.true_volume) / sim.true_volume * 100
        assert relative_error == pytest.approx(-1.0, abs=0.5)
        assert Cjt188Meter(link, meter_type=kind, di_order=order).read_address() == ADDR
        assert any("parity" in n.text for n in link.trace.notes)
        link.close()


def test_heat_meter(clock: ManualClock) -> None:
    sim = Cjt188MeterSim(
        ADDR, meter_type=0x20, clock=clock, error_percent=2.0, supply_temp=75.0, return_temp=55.0
    )
    with PtySimServer(sim) as server:
        link = _link(server.path)
        meter = Cjt188Meter(link, ADDR, meter_type=0x20)
        sim.apply_flow(1.0)
        clock.advance(7200.0)
        readings = {r.quantity: r for r in meter.read_counter()}
        expected_kwh = 1.0 * 2.0 * WATER_KWH_PER_M3K * 20.0 * 1.02
        assert readings["heat"].value == pytest.approx(expected_kwh, abs=0.01)
        assert readings["heat"].unit == "kWh"
        assert readings["volume"].value == pytest.approx(2.04, abs=0.01)
        assert readings["supply_temperature"].value == 75.0 and readings["supply_temperature"].unit == "degC"
        assert meter.read_heat().value == pytest.approx(expected_kwh, abs=0.01)
        with pytest.raises(ConfigurationError):
            Cjt188Meter(link, ADDR).read_heat()
        link.close()


def test_wrong_address_times_out_and_wrong_di_order_is_abnormal(clock: ManualClock) -> None:
    sim = Cjt188MeterSim(ADDR, di_order="msb", clock=clock)
    with PtySimServer(sim) as server:
        link = _link(server.path, timeout=0.1, retries=1)
        with pytest.raises(InstrumentTimeout):
            Cjt188Meter(link, "11111111111111").read_volume()
        with pytest.raises(DeviceError, match="abnormal"):
            Cjt188Meter(link, ADDR, di_order="lsb").read_volume()
        link.close()


def test_fault_run_never_returns_a_wrong_value() -> None:
    """5 % corrupted replies + random silences, 300 reads: the 8-bit sum is backed by structure checks."""
    clock = ManualClock()
    sim = Cjt188MeterSim(ADDR, clock=clock, flow=3.6, preamble=2)
    faults = FaultSpec.parse("crc=0.05,mute=0.01,garbage=0.01")
    with PtySimServer(sim, faults=faults, rng=random.Random(7)) as server:
        link = _link(server.path, timeout=0.1, retries=4)
        meter = Cjt188Meter(link, ADDR)
        wrong = 0
        for _ in range(300):
            clock.advance(10.0)  # 10 s at 3.6 m3/h = 0.01 m3 per read
            expected = round(sim.true_volume, 2)
            wrong += meter.read_volume().value != pytest.approx(expected, abs=1e-9)
        link.close()
        corrupted = sum(1 for e in server.events if e.kind == "corrupt")
    assert wrong == 0
    assert corrupted >= 8
    rejected = [n.text for n in link.trace.notes if "retrying" in n.text]
    assert len(rejected) >= corrupted  # every damaged reply was rejected and retried (plus silences)
