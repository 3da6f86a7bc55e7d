"""SCPI DMM driver against the simulated multimeter on a real pseudo-terminal."""

from __future__ import annotations

import random

import pytest

from instruments.drivers.scpi_dmm import ScpiDmm
from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.link import LinkSettings, SerialLink
from instruments.sim.faults import FaultSpec
from instruments.sim.pty import PtySimServer
from instruments.sim.scpi_dmm import DmmSim


def _link(path: str, timeout: float = 0.3) -> SerialLink:
    return SerialLink(LinkSettings(path, baudrate=9600, timeout=timeout, inter_byte_timeout=0.05, retries=1))


def test_measurements_identity_and_errors() -> None:
    sim = DmmSim(error_percent=0.01, offset=1e-5)
    sim.apply("VOLT:DC", 10.0)
    sim.apply("CURR:DC", 0.0125)
    sim.apply("RES", 99.95)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        dmm = ScpiDmm(link)
        assert dmm.identity().model == "8846A"
        v = dmm.measure_voltage_dc(10.0)
        assert v.value == pytest.approx(10.0 * 1.0001 + 1e-5, abs=1e-7) and v.unit == "V"
        assert dmm.measure_current_dc().value == pytest.approx(0.0125 * 1.0001 + 1e-5, abs=1e-9)
        r = dmm.measure_resistance(100.0, confirm=True)
        assert r.unit == "ohm" and r.value == pytest.approx(99.95 * 1.0001 + 1e-5, abs=1e-6)
        assert len([f for f in r.frames if f.direction == "tx"]) == 2  # the confirming repeat read
        assert r.as_quantity().to("kohm").magnitude == pytest.approx(0.09996, abs=1e-5)
        dmm.write("FOO:BAR")
        assert dmm.errors() == [(-113, "Undefined header")]
        dmm.check()
        with pytest.raises(ConfigurationError, match="range 3"):
            dmm.measure_voltage_dc(3.0)
        with pytest.raises(ConfigurationError):
            dmm.measure("frequency")
        sim.apply("VOLT:DC", 15.0)
        with pytest.raises(DeviceError, match="overload"):
            dmm.measure_voltage_dc(10.0)
        link.close()


def test_noise_fails_confirmation_and_corruption_never_passes() -> None:
    sim = DmmSim(noise_percent=1.0, rng=random.Random(1))
    sim.apply("VOLT:DC", 5.0)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        with pytest.raises(ProtocolError, match="did not confirm"):
            ScpiDmm(link).measure_voltage_dc(10.0, confirm=True)
        link.close()
    quiet = DmmSim()
    quiet.apply("VOLT:DC", 5.0)
    with PtySimServer(quiet, faults=FaultSpec.parse("corrupt=0.2"), rng=random.Random(2)) as server:
        link = _link(server.path, timeout=0.08)
        dmm = ScpiDmm(link)
        ok = 0
        for _ in range(40):
            try:
                r = dmm.measure_voltage_dc(10.0, confirm=True)
            except (ProtocolError, DeviceError):
                continue
            ok += 1
            assert r.value == 5.0  # a corrupted digit cannot survive the confirming read
        assert ok >= 20
        link.close()
