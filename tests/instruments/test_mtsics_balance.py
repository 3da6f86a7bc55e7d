"""MT-SICS balance driver against the simulated balance on a real pseudo-terminal."""

from __future__ import annotations

import random

import pytest

from instruments.clock import ManualClock, ScaledClock
from instruments.drivers.base import Reading
from instruments.drivers.confirm import confirmed
from instruments.drivers.mtsics_balance import MtSicsBalance
from instruments.errors import ConfigurationError, DeviceError, InstrumentTimeout, ProtocolError
from instruments.link import LinkSettings, SerialLink
from instruments.sim.faults import FaultSpec
from instruments.sim.mtsics_balance import BalanceSim
from instruments.sim.pty import PtySimServer
from instruments.trace import utc_now


def _link(path: str) -> SerialLink:
    return SerialLink(LinkSettings(path, baudrate=9600, timeout=0.3, inter_byte_timeout=0.05, retries=2))


def test_balance_settles_then_reads_stable_weight() -> None:
    clock = ManualClock()
    sim = BalanceSim(settle_time=2.0, clock=clock, error_percent=0.01)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        bal = MtSicsBalance(link, clock=clock, poll=0.5, stable_timeout=5.0)
        assert bal.serial_number() == "B123456789"
        sim.load(1000.0)
        r, stable = bal.weight_immediate()
        assert not stable and r.quantity == "mass_dynamic"
        w = bal.weight()  # polls S I ... until the ManualClock has advanced past settle_time
        assert w.value == pytest.approx(1000.10, abs=0.005) and w.unit == "g"
        assert w.as_quantity().to("kg").magnitude == pytest.approx(1.0001, abs=1e-5)
        r, stable = bal.weight_immediate()
        assert stable and r.value == w.value
        assert bal.weight(confirm=True).value == w.value
        t = bal.tare()
        assert t.value == pytest.approx(1000.10, abs=0.005)
        assert bal.weight().value == 0.0
        bal.zero()
        sim.load(1500.0)
        clock.advance(3.0)
        assert bal.weight().value == pytest.approx(500.05, abs=0.005)
        link.close()


def test_overload_and_never_stable() -> None:
    clock = ManualClock()
    sim = BalanceSim(capacity=200.0, settle_time=100.0, clock=clock)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        bal = MtSicsBalance(link, capacity=200.0, clock=clock, poll=1.0, stable_timeout=5.0)
        sim.load(50.0)
        with pytest.raises(InstrumentTimeout, match="stable"):
            bal.weight()
        sim.load(250.0)
        clock.advance(100.0)
        with pytest.raises(DeviceError, match="overload"):
            bal.weight_immediate()
        link.close()


def test_unit_and_range_checks() -> None:
    clock = ManualClock()
    sim = BalanceSim(capacity=6200.0, settle_time=0.0, clock=clock)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        sim.load(300.0)
        with pytest.raises(ProtocolError, match="configured for 'kg'"):
            MtSicsBalance(link, unit="kg", capacity=1000.0, clock=clock).weight()
        with pytest.raises(ProtocolError):  # 300 g is beyond 110 % of a 100 g balance: rejected, not clipped
            MtSicsBalance(link, capacity=100.0, clock=clock).weight()
        link.close()
    with pytest.raises(ConfigurationError):
        MtSicsBalance(link, unit="lb")


def test_confirm_rejects_disagreeing_readings() -> None:
    values = iter([1.0, 1.5, 2.0])

    def once() -> Reading:
        return Reading("mass", next(values), "g", utc_now())

    with pytest.raises(ProtocolError, match="did not confirm"):
        confirmed(once, tolerance=0.1)
    values2 = iter([1.0, 1.5, 1.52])
    r = confirmed(lambda: Reading("mass", next(values2), "g", utc_now()), tolerance=0.05)
    assert r.value == 1.52


def test_noisy_line_with_confirm_and_scaled_clock() -> None:
    clock = ScaledClock(50.0)
    sim = BalanceSim(settle_time=1.0, clock=clock)
    with PtySimServer(
        sim, faults=FaultSpec.parse("corrupt=0.1"), rng=random.Random(5), clock=clock
    ) as server:
        link = _link(server.path)
        bal = MtSicsBalance(link, clock=clock, poll=0.2, stable_timeout=20.0)
        sim.load(250.0)
        good = 0
        for _ in range(20):
            try:
                r = bal.weight(confirm=True)
            except (ProtocolError, DeviceError):
                continue  # a corrupted reply detected and reported: acceptable, a wrong value is not
            good += 1
            assert r.value == pytest.approx(250.0, abs=0.005)
        assert good >= 15
        link.close()
