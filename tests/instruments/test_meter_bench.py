"""Meter-bench protocol, the standard-meter error formula, and the driver against the simulator on a pty."""

from __future__ import annotations

import doctest
import random
import statistics
import time

import pytest

from instruments.clock import ManualClock, ScaledClock
from instruments.drivers.dlt645 import DLT645Meter
from instruments.drivers.meter_bench import MeterBench
from instruments.errors import ConfigurationError, DeviceError, InstrumentTimeout, ProtocolError
from instruments.link import LinkSettings, SerialLink
from instruments.protocols import meterbench as mb
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.faults import FaultSpec
from instruments.sim.meter_bench import MeterBenchSim, count_in_gate
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


# ---------------------------------------------------------------------- pulse counting (starting / creep)
def test_count_request_and_reply_codec() -> None:
    assert mb.build_request("CNT", 600.0) == mb.encode_frame("CNT 600")
    assert mb.parse_request(mb.build_request("CNT", 818.18)) == ("CNT", ("818.18",))
    assert mb.parse_request(mb.build_request("CNT?")) == ("CNT?", ())
    busy = mb.parse_count(mb.parse_reply(mb.build_reply("BUSY", "CNT?", 0, 12.5, 600, "NONE"), "CNT?"))
    assert busy == mb.CountStatus(0, 12.5, 600.0, None, False)
    done = mb.parse_count(mb.parse_reply(mb.build_reply("OK", "CNT?", 3, 600, 600, 41.25), "CNT?"))
    assert done == mb.CountStatus(3, 600.0, 600.0, 41.25, True)
    with pytest.raises(DeviceError, match="error 4"):
        mb.parse_reply(mb.build_reply("ER", "CNT?", 4, "no", "pulse", "count", "started"), "CNT?")


@pytest.mark.parametrize(
    ("status", "fields", "message"),
    [
        ("OK", (1, 600, 600), "4 fields"),
        ("OK", (1.5, 600, 600, 3), "whole number"),
        ("OK", (-1, 600, 600, "NONE"), "whole number"),
        ("BUSY", (0, 700, 600, "NONE"), "does not fit a gate"),
        ("OK", (0, 599, 600, "NONE"), "closed after"),
        ("OK", (1, 600, 600, "SOON"), "not a number or NONE"),
        ("OK", (1, 600, 600, 601), "outside the 600"),
        ("OK", (0, 600, 600, 5), "exactly when n >= 1"),
        ("OK", (2, 600, 600, "NONE"), "exactly when n >= 1"),
        ("OK", (0, 0, 0, "NONE"), "does not fit a gate"),
    ],
)
def test_inconsistent_count_replies_are_rejected(
    status: str, fields: tuple[float | int | str, ...], message: str
) -> None:
    reply = mb.parse_reply(mb.build_reply(status, "CNT?", *fields), "CNT?")  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match=message):
        mb.parse_count(reply)


def test_every_single_byte_corruption_of_a_count_reply_is_rejected() -> None:
    frame = mb.build_reply("OK", "CNT?", 1, 818.182, 818.182, 681.818)
    for i in range(len(frame)):
        for flip in (0x01, 0x20, 0x80):
            bad = bytearray(frame)
            bad[i] ^= flip
            with pytest.raises(ProtocolError):
                mb.parse_count(mb.parse_reply(bytes(bad), "CNT?"))


def test_pulses_in_a_gate() -> None:
    assert count_in_gate(0.25, 0.01, 100.0) == (1, 75.0)
    assert count_in_gate(0.0, 0.01, 99.999) == (0, None)
    assert count_in_gate(0.0, 0.01, 100.0) == (1, 100.0)
    assert count_in_gate(7.5, 0.1, 100.0) == (10, 5.0)  # whole pulses already emitted do not count
    assert count_in_gate(0.9, 0.0, 1e9) == (0, None)


# class 1, Ib 5 A, C 1200 imp/kWh, 220 V: Ist = 0.004 Ib = 0.02 A, one pulse per 681.8 s at 4.4 W
T_ONE_PULSE = 3600.0 / (1200 * 220 * 0.02 / 1000)


def _count_bench(clock: ManualClock, *, threshold: float = 0.0, creep: float = 0.0) -> MeterBenchSim:
    return MeterBenchSim(
        clock=clock, settle_s=2, meter_constant=1200, start_threshold_a=threshold, creep_pulses_per_hour=creep
    )


def test_a_good_meter_starts_and_does_not_creep() -> None:
    clock = ManualClock()
    with PtySimServer(_count_bench(clock), clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock)
        bench.set_source(220, 0.02, 1.0)
        started = bench.count_pulses(1.2 * T_ONE_PULSE, stop_at=1)
        assert started.pulses == 1 and not started.complete  # stopped at the first pulse
        assert started.first_pulse_s is not None  # a fresh accumulator, which also ran while settling (2 s)
        assert T_ONE_PULSE - 3.0 < started.first_pulse_s <= T_ONE_PULSE
        assert started.elapsed_s < 1.2 * T_ONE_PULSE
        assert [r.quantity for r in started.readings] == ["count_time", "first_pulse_time", "dut_pulses"]
        assert started.readings[-1].unit == "count" and started.readings[0].frames
        bench.set_source(253, 0.0, 1.0)  # 115 % Un, no current
        t0 = clock.now()
        creep = bench.count_pulses(2273.0, stop_at=2)
        assert creep.complete and creep.pulses == 0 and creep.first_pulse_s is None
        assert clock.now() - t0 >= 2273.0  # the whole gate ran on the injected clock
        assert [r.quantity for r in creep.readings] == ["count_time", "dut_pulses"]


def test_a_meter_that_does_not_start_counts_no_pulse_and_its_error_test_never_ends() -> None:
    clock = ManualClock()
    with (
        PtySimServer(_count_bench(clock, threshold=0.05), clock=clock) as srv,
        link_to(srv.path) as link,
    ):
        bench = MeterBench(link, clock=clock)
        bench.set_source(220, 0.02, 1.0)
        result = bench.count_pulses(1.2 * T_ONE_PULSE, stop_at=1)
        assert result.complete and result.pulses == 0  # a result, not an error
        bench.start_error_test(1200, 1)
        clock.advance(1e6)
        assert bench.error_result() is None  # BUSY: no pulse ever comes
        bench.set_source(220, 0.06, 1.0)  # above its threshold it registers
        assert bench.count_pulses(1.2 * 3600.0 / (1200 * 220 * 0.06 / 1000), stop_at=1).pulses == 1


def test_a_creeping_meter_is_stopped_at_its_second_pulse() -> None:
    clock = ManualClock()
    with (
        PtySimServer(_count_bench(clock, creep=10.0), clock=clock) as srv,
        link_to(srv.path) as link,
    ):
        bench = MeterBench(link, clock=clock)
        bench.set_source(253, 0.0, 1.0)
        result = bench.count_pulses(2273.0, stop_at=2)
        assert result.pulses == 2 and not result.complete
        assert result.first_pulse_s is not None and 357.0 < result.first_pulse_s <= 360.0  # 10 per hour
        assert result.elapsed_s < 2273.0
        full = bench.count_pulses(2273.0)  # without stop_at the gate runs to its end
        assert full.complete and full.pulses == 6


def test_count_is_cancelled_by_a_source_change_and_refused_while_settling() -> None:
    clock = ManualClock()
    with PtySimServer(_count_bench(clock), clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock)
        bench.set_source(220, 0.02, 1.0, wait=False)
        with pytest.raises(DeviceError, match="error 3"):
            bench.start_pulse_count(100.0)
        clock.advance(2.0)
        bench.start_pulse_count(100.0)
        bench.set_source(220, 0.5, 1.0, wait=False)
        with pytest.raises(DeviceError, match="error 4"):
            bench.pulse_count()
        n_tx = len(link.trace.entries)
        for bad in (0.0, -5.0, float("inf")):
            with pytest.raises(ConfigurationError, match="gate"):
                bench.start_pulse_count(bad)
        with pytest.raises(ConfigurationError, match="stop_at"):
            bench.count_pulses(10.0, stop_at=0)
        assert len(link.trace.entries) == n_tx  # nothing was sent


def test_a_dead_bench_is_not_read_as_no_pulse() -> None:
    """The bench goes silent in the middle of a creep gate: InstrumentTimeout, never ``pulses == 0``."""
    clock = ManualClock()
    faults = FaultSpec.parse("silence=1000000@500")  # no replies from t = 500 s of the bench clock
    with (
        PtySimServer(_count_bench(clock), clock=clock, faults=faults) as srv,
        link_to(srv.path, retries=1, timeout=0.1) as link,
    ):
        bench = MeterBench(link, clock=clock)
        bench.set_source(253, 0.0, 1.0)
        with pytest.raises(InstrumentTimeout):
            bench.count_pulses(2273.0, stop_at=2)


def test_the_gate_runs_on_the_scaled_clock() -> None:
    clock = ScaledClock(20000.0)  # a 2273 s creep gate is ~0.11 s of wall time
    sim = MeterBenchSim(clock=clock, settle_s=2, creep_pulses_per_hour=0.0)
    with PtySimServer(sim, clock=clock) as srv, link_to(srv.path) as link:
        bench = MeterBench(link, clock=clock, poll_s=0.5)
        bench.set_source(253, 0.0, 1.0)
        wall = time.monotonic()
        result = bench.count_pulses(2273.0, stop_at=2)
        assert result.complete and result.pulses == 0
        assert time.monotonic() - wall < 5.0


def test_doctests_of_the_codec_and_the_simulator() -> None:
    import instruments.sim.meter_bench as sim_module

    for module in (mb, sim_module):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 1, module.__name__
