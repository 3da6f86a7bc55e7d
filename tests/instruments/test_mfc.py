"""Mass-flow controller driver against the simulated controller on a real pseudo-terminal."""

from __future__ import annotations

import math
import random

import pytest

from instruments.clock import ManualClock
from instruments.drivers.mfc import MassFlowController
from instruments.errors import ConfigurationError, DeviceError, InstrumentTimeout, ProtocolError
from instruments.link import LinkSettings, SerialLink
from instruments.sim.faults import FaultSpec
from instruments.sim.mfc import MfcSim
from instruments.sim.pty import PtySimServer


def _link(path: str, timeout: float = 0.3) -> SerialLink:
    return SerialLink(LinkSettings(path, baudrate=19200, timeout=timeout, inter_byte_timeout=0.05, retries=1))


def test_flow_follows_setpoint_first_order() -> None:
    clock = ManualClock()
    sim = MfcSim("B", full_scale=5.0, tau=2.0, clock=clock, error_percent=-0.5)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        mfc = MassFlowController(link, "B", full_scale=5.0)
        assert mfc.set_flow(2.0).value == 2.0
        clock.advance(2.0)  # one time constant: 63.2 % of the step
        r = mfc.read_flow()
        assert r.value == pytest.approx(2.0 * (1 - math.exp(-1)) * 0.995, abs=0.001)
        assert r.unit == "L/min" and r.as_quantity().to("mL/min").magnitude == pytest.approx(r.value * 1000)
        clock.advance(60.0)
        readings = {x.quantity: x for x in mfc.read()}
        assert readings["mass_flow"].value == pytest.approx(1.990, abs=0.001)
        assert readings["setpoint"].value == 2.0
        assert readings["pressure"].unit == "psi" and readings["temperature"].unit == "degC"
        assert mfc.read_flow(confirm=True).value == pytest.approx(1.990, abs=0.001)
        with pytest.raises(ConfigurationError, match="outside"):
            mfc.set_flow(5.5)
        with pytest.raises(InstrumentTimeout):
            MassFlowController(link, "C").read_flow()
        link.close()


def test_device_refusal_and_corruption() -> None:
    clock = ManualClock()
    sim = MfcSim("A", full_scale=10.0, clock=clock)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        small = MassFlowController(link, "A", full_scale=20.0)  # misconfigured: device's full scale is 10
        with pytest.raises(DeviceError):
            small.set_flow(15.0)
        link.close()
    sim.set_setpoint(4.0)
    clock.advance(100.0)
    with PtySimServer(sim, faults=FaultSpec.parse("corrupt=0.2"), rng=random.Random(4)) as server:
        link = _link(server.path, timeout=0.08)
        mfc = MassFlowController(link, "A", full_scale=10.0)
        ok = 0
        for _ in range(40):
            try:
                r = mfc.read_flow(confirm=True, tolerance=0.0005)
            except (ProtocolError, DeviceError, InstrumentTimeout):
                continue
            ok += 1
            assert r.value == 4.0
        assert ok >= 20
        link.close()
