"""Meter-bench protocol, the standard-meter error formula, and the driver against the simulator on a pty."""

from __future__ import annotations

import random
import statistics

import pytest

from instruments.clock import ManualClock, ScaledClock
from instruments.drivers.dlt645 import DLT645Meter
from instruments.drivers.meter_bench import MeterBench
from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.link import LinkSettings, SerialLink
from instruments.protocols import meterbench as mb
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.faults import FaultSpec
from instruments.sim.meter_bench import MeterBenchSim
from instruments.sim.pty import PtySimServer


def link_to(port: str, **kw: object) -> SerialLink:
    base: dict[str, object] = {"timeout": 0.2, "inter_byte_timeout": 0.05, "retries": 3}
    base.update(kw)
    return SerialLink(LinkSettings(port, **base))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- arithmetic (regulations.md §3)
def test_worked_example_of_the_standard_meter_method() -> None:
    # C0 = 1.2e6 imp/kWh, CL = 1200 imp/kWh, N = 10, m = 10 020  ->  m0 = 10 000, γ = −0.1996 %
    assert mb.expected_standard_pulses(1.2e6, 1200, 10) == pytest.approx(10_000)
    assert mb.error_percent(10_020, 1.2e6, 1200, 10) == pytest.approx(-0.1996, abs=5e-5)


def test_transformer_ratios_and_inverse() -> None:
    assert mb.expected_standard_pulses(1.2e6, 1200, 10, ki=5, ku=2) == pytest.approx(1000)
    m = mb.standard_pulses_for_error(0.25, 1.2e6, 1200, 10)
    assert mb.error_percent(m, 1.2e6, 1200, 10) == pytest.approx(0.25, abs=1e-12)
    for bad in ((0, 1200, 10), (1.2e6, -1, 10), (1.2e6, 1200, float("nan"))):
        with pytest.raises(ConfigurationError):
            mb.expected_standard_pulses(*bad)
    with pytest.raises(ConfigurationError, match="m must be > 0"):
        mb.error_percent(0, 1.2e6, 1200, 10)


# ---------------------------------------------------------------------- codec
def test_frame_round_trip_and_documented_example() -> None:
    assert mb.build_request("SRC", 220.0, 5.0, 1.0) == b"SRC 220 5 1*56\r\n"
    assert mb.checksum(b"SRC 220 5 1") == 0x56
    assert mb.parse_request(b"SRC 220 5 1*56\r\n") == ("SRC", ("220", "5", "1"))
    reply = mb.parse_reply(mb.build_reply("OK", "STD?", 1.1, 0.5, 600000), "STD?")
    assert reply.status == "OK" and reply.numbers(3) == (1.1, 0.5, 600000.0)
    assert mb.parse_reply(mb.build_reply("BUSY", "TEST?", 3, 10), "TEST?").status == "BUSY"


def test_every_single_byte_corruption_is_rejected() -> None:
    frame = mb.build_reply("OK", "TEST?", 10020, "-0.1996", 10)
    for i in range(len(frame)):
        for flip in (0x01, 0x20, 0x80):
            bad = bytearray(frame)
            bad[i] ^= flip
            with pytest.raises(ProtocolError):
                mb.parse_reply(bytes(bad), "TEST?")


def test_echo_error_and_syntax_checks() -> None:
    with pytest.raises(ProtocolError, match="echoes"):
        mb.parse_reply(mb.build_reply("OK", "SRC?", 1, 2, 3, "STABLE"), "STD?")
    with pytest.raises(DeviceError, match="error 3"):
        mb.parse_reply(mb.build_reply("ER", "TEST", 3, "source", "off"), "TEST")
    with pytest.raises(ProtocolError, match="single spaces"):
        mb.decode_frame(mb.encode_frame("OK  SRC").replace(b"  ", b"  "))
    with pytest.raises(ProtocolError, match="status"):
        mb.parse_reply(mb.encode_frame("MAYBE SRC"), "SRC")
    with pytest.raises(ConfigurationError, match="unknown meter-bench command"):
        mb.build_request("FIRE")
    with pytest.raises(ProtocolError, match="not numbers"):
        mb.parse_reply(mb.build_reply("OK", "STD?", "a", "b", "c"), "STD?").numbers(3)


# ---------------------------------------------------------------------- driver vs simulator
def test_error_test_recovers_the_injected_error_within_noise() -> None:
    clock = ScaledClock(5000.0)  # a 100-pulse test at 1.1 kW takes 273 s of bench time, ~0.05 s of wall time
    gamma, noise = 0.35, 0.02
    sim = MeterBenchSim(
        clock=clock, error_percent=gamma, noise_percent=noise, rng=random.Random(3), settle_s=2
    )
    with PtySimServer(sim, clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock, poll_s=5.0)
        assert bench.identify().startswith("CALIB-SIM")
        assert bench.standard_constant() == 1.2e6
        st = bench.set_source(220.0, 5.0, 1.0)
        assert st.state == "STABLE" and st.active_power_kw == pytest.approx(1.1)
        results = [bench.measure_error(1200, 100) for _ in range(5)]
    errors = [r.error_percent for r in results]
    # each result: |γ_measured − γ| within 4 σ of the pulse noise (0.02 %) plus quantisation (0.001 %)
    assert all(abs(e - gamma) < 4 * noise + 0.002 for e in errors), errors
    assert statistics.fmean(errors) == pytest.approx(gamma, abs=2 * noise)
    r = results[0]
    assert r.expected_pulses == pytest.approx(100_000)
    assert r.error_percent == pytest.approx(mb.error_percent(r.standard_pulses, 1.2e6, 1200, 100))
    assert [x.quantity for x in r.readings] == ["meter_error", "standard_pulses"]
    assert r.readings[0].unit == "percent" and r.readings[0].frames


def test_result_is_busy_until_the_test_has_run_its_time() -> None:
    clock = ManualClock()
    sim = MeterBenchSim(clock=clock, error_percent=-0.2, settle_s=2)
    with PtySimServer(sim, clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock)
        assert bench.set_source(220, 5, 1.0, wait=False).state == "SETTLING"
        with pytest.raises(DeviceError, match="error 3"):
            bench.start_error_test(1200, 10)  # refused while settling
        clock.advance(2.0)
        assert bench.source_state().state == "STABLE"
        bench.start_error_test(1200, 10)
        duration = 10 / (1200 * 1.1 * (1 - 0.002)) * 3600  # 27.3 s
        clock.advance(duration * 0.5)
        assert bench.error_result(1200, 10) is None  # BUSY, not a premature value
        clock.advance(duration * 0.51)
        result = bench.error_result(1200, 10)
        assert result is not None
        assert result.standard_pulses == round(10_000 / (1 - 0.002))
        assert result.error_percent == pytest.approx(-0.2, abs=0.011)  # one pulse in 10 000


def test_standard_meter_integrates_energy_and_settings_are_validated_before_sending() -> None:
    clock = ManualClock()
    sim = MeterBenchSim(clock=clock, settle_s=0)
    with PtySimServer(sim, clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock)
        bench.set_source(230, 10, 0.5)
        bench.reset_standard()
        clock.advance(1800.0)
        p, e, pulses = (r.value for r in bench.read_standard())
        assert p == pytest.approx(1.15) and e == pytest.approx(0.575) and pulses == 690_000
        n_tx = len(link.trace.entries)
        with pytest.raises(ConfigurationError, match="PF"):
            bench.set_source(230, 10, 1.5)
        assert len(link.trace.entries) == n_tx  # nothing was sent
        bench.off()
        assert bench.source_state().state == "OFF"
        with pytest.raises(DeviceError, match="error 4"):
            bench.error_result(1200, 10)


def test_bench_survives_corrupted_replies() -> None:
    clock = ManualClock()
    sim = MeterBenchSim(clock=clock, settle_s=0)
    faults = FaultSpec.parse("corrupt=0.1,truncate=0.02")  # 12 % of replies damaged; 6 attempts each
    with (
        PtySimServer(sim, clock=clock, faults=faults, rng=random.Random(2)) as srv,
        link_to(srv.path) as link,
    ):
        bench = MeterBench(link, clock=clock)
        for u in (100.0, 150.0, 220.0, 57.7) * 10:
            assert bench.set_source(u, 1.0, 1.0).voltage == u
        assert any(e.kind == "corrupt" for e in srv.events)


def test_bench_drives_the_companion_meter_under_test() -> None:
    clock = ManualClock()
    meter = DLT645MeterSim(
        "000000000042", energy_kwh=10.0, voltage=0, current=0, clock=clock, error_percent=1.0
    )
    sim = MeterBenchSim(clock=clock, settle_s=0, meter=meter, error_percent=1.0)
    assert sim.companions() == {"meter": meter}
    with (
        PtySimServer(sim, clock=clock) as bsrv,
        PtySimServer(meter, clock=clock) as msrv,
        link_to(bsrv.path) as blink,
        link_to(msrv.path, parity="E") as mlink,
    ):
        bench, dut = MeterBench(blink, clock=clock), DLT645Meter(mlink, "000000000042")
        bench.set_source(220, 5, 1.0)
        assert dut.voltage_a().value == pytest.approx(220.0)
        clock.advance(3600.0)
        assert dut.forward_active_energy().value == pytest.approx(10.0 + 1.1 * 1.01, abs=0.01)


def test_calculator_uses_the_standard_constant_it_is_given() -> None:
    """A wrong C_0 entered in the error calculator shifts γ as the formula says (m is physical)."""
    clock = ManualClock()
    sim = MeterBenchSim(clock=clock, settle_s=0, error_percent=0.0, c0=1.2e6)
    with PtySimServer(sim, clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock)
        bench.set_source(220, 5, 1.0)
        bench.start_error_test(1200, 10, c0=1.212e6)  # 1 % too high
        clock.advance(60.0)
        result = bench.error_result()
    assert result is not None and result.standard_pulses == 10_000
    assert result.error_percent == pytest.approx(1.0, abs=1e-9)  # (10 100 − 10 000)/10 000
    assert result.standard_constant == 1.212e6
