"""NDIR CO2 analyser driver against the simulated analyser (both protocols) on a real pseudo-terminal."""

from __future__ import annotations

import doctest
import math
import random

import pytest

from instruments.clock import ManualClock
from instruments.drivers.co2_analyser import Co2Analyser
from instruments.errors import ConfigurationError, InstrumentTimeout, ProtocolError
from instruments.link import LinkSettings, SerialLink
from instruments.sim import co2_analyser
from instruments.sim.co2_analyser import Co2AnalyserSim, parse_gas_values
from instruments.sim.faults import FaultSpec
from instruments.sim.pty import PtySimServer


def _link(path: str, timeout: float = 1.0) -> SerialLink:  # generous: a loaded CI machine is slow
    return SerialLink(LinkSettings(path, baudrate=19200, timeout=timeout, inter_byte_timeout=0.05, retries=2))


@pytest.mark.parametrize("protocol", ["vaisala", "senseair"])
def test_first_order_response_gain_and_offset(protocol: str) -> None:
    clock = ManualClock()
    sim = Co2AnalyserSim(protocol, t90=30.0, offset=3.0, ppm=400.0, clock=clock, error_percent=2.0)
    with PtySimServer(sim) as server:
        link = _link(server.path)
        an = Co2Analyser(link, protocol, address=0x68 if protocol == "senseair" else 0xFE)
        resolution = 0.05 if protocol == "vaisala" else 0.5
        assert an.read().value == pytest.approx(400.0 * 1.02 + 3.0, abs=resolution)
        sim.apply_gas(1000.0)
        clock.advance(30.0)  # T90: 90 % of the step
        r = an.read()
        expected = (400.0 + 0.9 * 600.0) * 1.02 + 3.0
        assert r.value == pytest.approx(expected, abs=resolution) and r.unit == "ppm"
        clock.advance(10.0)
        tau = 30.0 / math.log(10.0)
        expected = (1000.0 - 600.0 * math.exp(-40.0 / tau)) * 1.02 + 3.0
        assert an.read().value == pytest.approx(expected, abs=resolution)
        clock.advance(600.0)
        assert an.read(confirm=True).value == pytest.approx(1023.0, abs=resolution)
        assert r.as_quantity().to("percent").magnitude == pytest.approx(r.value / 1e4)
        link.close()


def test_span_and_protocol_checks() -> None:
    clock = ManualClock()
    sim = Co2AnalyserSim("vaisala", t90=0.0, ppm=3000.0, clock=clock)
    with PtySimServer(sim) as server:
        link = _link(server.path, timeout=0.1)
        with pytest.raises(ProtocolError):
            Co2Analyser(link, span_ppm=2000.0).read()  # 3000 ppm on a 2000 ppm analyser: rejected
        with pytest.raises(InstrumentTimeout):  # Modbus request to an ASCII analyser: no answer
            Co2Analyser(link, "senseair").read()
        link.close()
    with pytest.raises(ConfigurationError):
        Co2Analyser(link, "licor")


def test_ascii_corruption_caught_by_syntax_or_confirmation() -> None:
    clock = ManualClock()
    sim = Co2AnalyserSim("vaisala", t90=0.0, ppm=412.3, clock=clock)
    with PtySimServer(sim, faults=FaultSpec.parse("corrupt=0.15"), rng=random.Random(11)) as server:
        link = _link(server.path, timeout=0.08)
        an = Co2Analyser(link)
        ok = 0
        for _ in range(40):
            try:
                r = an.read(confirm=True, tolerance=0.05, relative=0.0)
            except (ProtocolError, InstrumentTimeout):
                continue
            ok += 1
            assert r.value == 412.3
        assert ok >= 20
        link.close()


def test_cross_sensitivity_through_the_same_first_order_response() -> None:
    # 0.02 ppm CO2 shown per ppm CO; 1000 ppm CO in zero air: +20 ppm shown (not scaled by the +2 % gain,
    # the cross-sensitivity is what the display shows), reached with T90 = 30 s like CO2; offset 3 ppm
    clock = ManualClock()
    sim = Co2AnalyserSim(
        "vaisala", t90=30.0, offset=3.0, clock=clock, error_percent=2.0, cross_sensitivity={"CO": 0.02}
    )
    with PtySimServer(sim) as server:
        link = _link(server.path)
        an = Co2Analyser(link)
        assert an.read().value == pytest.approx(3.0, abs=0.05)
        sim.apply_gas(0.0, {"CO": 1000.0})
        clock.advance(30.0)
        assert an.read().value == pytest.approx(3.0 + 0.9 * 20.0, abs=0.05)
        clock.advance(600.0)
        assert an.read().value == pytest.approx(23.0, abs=0.05)
        sim.apply_gas(1000.0, {"CO": 1000.0, "CH4": 500.0})  # CH4: no cross-sensitivity configured
        clock.advance(600.0)
        assert sim.indicated() == pytest.approx(1000.0 * 1.02 + 20.0 + 3.0)
        sim.apply_gas(0.0)  # zero gas again: the interferents are gone, back through the response
        clock.advance(30.0)
        assert sim.indicated() == pytest.approx(3.0 + 0.1 * (1020.0 + 20.0))
        link.close()
    instant = Co2AnalyserSim(t90=0.0, clock=clock, cross_sensitivity={"H2O": 5.0}, interferents={"H2O": 2.0})
    assert instant.indicated() == pytest.approx(10.0)  # 5 ppm per % H2O at 2 % H2O, from the start


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CO", "is not GAS=NUMBER"),
        ("CO=", "is not GAS=NUMBER"),
        ("=1", "is not GAS=NUMBER"),
        ("CO=abc", "'abc' (for CO) is not a number"),
        ("CO=nan", "not a finite number"),
        ("C-O=1", "must be a formula"),
        ("2CO=1", "must be a formula"),
        ("CO=1,CO=2", "CO is given twice"),
    ],
)
def test_cross_sensitivity_grammar_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        parse_gas_values(text)
    assert message in str(err.value) and "--cross-sensitivity" in str(err.value)
    assert "\n" not in str(err.value)


def test_cross_sensitivity_grammar_and_checks() -> None:
    assert parse_gas_values(" CO = 0.002 ,H2O=5,CH4=-0.01") == {"CO": 0.002, "H2O": 5.0, "CH4": -0.01}
    assert parse_gas_values(None) == {} and parse_gas_values("  ") == {}
    with pytest.raises(ConfigurationError, match="negative"):
        parse_gas_values("CO=-1", flag="--interferents", nonnegative=True)
    with pytest.raises(ConfigurationError, match="finite"):
        Co2AnalyserSim(cross_sensitivity={"CO": math.inf})
    sim = Co2AnalyserSim(t90=0.0, clock=ManualClock())
    with pytest.raises(ConfigurationError, match=">= 0"):
        sim.apply_gas(0.0, {"CO": -5.0})
    with pytest.raises(ConfigurationError, match="formula"):
        sim.apply_gas(0.0, {"carbon monoxide": 5.0})


def test_doctests_of_the_simulator() -> None:
    result = doctest.testmod(co2_analyser)
    assert result.attempted >= 2 and result.failed == 0
