"""DLT645Meter driver against DLT645MeterSim on real pseudo-terminals, with injected faults."""

from __future__ import annotations

import random
import time

import pytest

from instruments.clock import ManualClock
from instruments.drivers.dlt645 import DLT645Meter
from instruments.errors import ConfigurationError, DeviceError, InstrumentTimeout
from instruments.link import LinkSettings, SerialLink
from instruments.protocols import dlt645 as codec
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.faults import FaultSpec
from instruments.sim.pty import PtySimServer

ADDR = "202611300001"


def fast_link(port: str, **kw: object) -> SerialLink:
    base: dict[str, object] = {
        "baudrate": 2400,
        "parity": "E",
        "timeout": 0.08,
        "inter_byte_timeout": 0.02,
        "retries": 4,
    }
    base.update(kw)
    return SerialLink(LinkSettings(port, **base))  # type: ignore[arg-type]


def test_reads_every_helper_with_units_and_frames() -> None:
    clock = ManualClock()
    sim = DLT645MeterSim(ADDR, energy_kwh=100.0, voltage=230.0, current=4.5, power_factor=0.8, clock=clock)
    with PtySimServer(sim) as srv, fast_link(srv.path) as link:
        meter = DLT645Meter(link, ADDR)
        e = meter.combined_active_energy()
        assert (e.quantity, e.value, e.unit) == ("combined_active_energy", 100.0, "kWh")
        assert meter.voltage_a().value == pytest.approx(230.0)
        assert meter.current_a().value == pytest.approx(4.5)
        p = meter.active_power()
        assert (p.value, p.unit) == (pytest.approx(0.828), "kW")
        clock.advance(3600.0)  # one hour at 0.828 kW
        assert meter.forward_active_energy().value == pytest.approx(100.82, abs=0.005)
        assert meter.read_address() == ADDR
        r = meter.voltage_a()
        assert [f.direction for f in r.frames] == ["tx", "rx"]
        assert r.frames[0].data == codec.build_read(ADDR, 0x02010100)
        assert r.source == f"dlt645:{srv.path}:{ADDR}" and r.t == r.frames[-1].t
        assert r.as_quantity().to("kV").magnitude == pytest.approx(0.23)


def test_error_percent_is_applied_to_the_energy_register() -> None:
    clock = ManualClock()
    sim = DLT645MeterSim(ADDR, energy_kwh=0.0, voltage=220, current=10, clock=clock, error_percent=0.5)
    clock.advance(3600.0 * 10)  # 22 kWh true
    with PtySimServer(sim) as srv, fast_link(srv.path) as link:
        shown = DLT645Meter(link, ADDR).forward_active_energy().value
    assert shown == pytest.approx(22.0 * 1.005, abs=0.01)


def test_unknown_identifier_gives_device_error_from_abnormal_reply() -> None:
    sim = DLT645MeterSim(ADDR, clock=ManualClock())
    with PtySimServer(sim) as srv, fast_link(srv.path) as link:
        meter = DLT645Meter(link, ADDR)
        with pytest.raises(DeviceError, match="no requested data"):  # a DI the codec knows, the meter not
            link.exchange(
                codec.build_read(ADDR, 0x04000101),
                meter.framer,
                lambda r: codec.parse_read_reply(r, ADDR, 0x04000101),
                device=meter.name,
            )
        with pytest.raises(ConfigurationError, match="not supported"):
            meter.read("04000101")


def test_wrong_address_is_a_timeout_naming_port_and_meter() -> None:
    sim = DLT645MeterSim(ADDR, clock=ManualClock())
    with PtySimServer(sim) as srv, fast_link(srv.path, retries=1) as link:
        meter = DLT645Meter(link, "111111111111")
        with pytest.raises(InstrumentTimeout, match=rf"DL/T 645 meter 111111111111 on {srv.path}"):
            meter.voltage_a()


def test_dead_device_fails_within_timeout_times_attempts_plus_margin() -> None:
    sim = DLT645MeterSim(ADDR, clock=ManualClock())
    with (
        PtySimServer(sim, faults=FaultSpec.parse("mute=1")) as srv,
        fast_link(srv.path, timeout=0.1, retries=2) as link,
    ):
        t0 = time.monotonic()
        with pytest.raises(InstrumentTimeout, match="after 3 attempt"):
            DLT645Meter(link, ADDR).voltage_a()
        elapsed = time.monotonic() - t0
    # stated bound: timeout × (retries + 1) = 0.3 s, margin 0.5 s (flush, writes, thread scheduling)
    assert 0.3 <= elapsed < 0.8


def test_thousand_reads_through_corruption_and_silences_return_only_correct_values() -> None:
    """5 % corrupted replies (one byte anywhere), plus mutes, truncations, garbage and silence windows."""
    clock = ManualClock()  # the meter's time stands still, so the expected values are exact
    sim = DLT645MeterSim(
        ADDR, energy_kwh=4321.09, voltage=231.7, current=12.345, clock=clock, rng=random.Random(5)
    )
    # the server's fault schedule runs on the wall clock: 0.12 s of silence every 0.5 s
    faults = FaultSpec.parse("corrupt=0.05,mute=0.01,truncate=0.01,garbage=0.02,silence=0.12@0.3/0.5")
    expected = {0x02010100: 231.7, 0x02020100: 12.345, 0x00000000: 4321.09, 0x02030000: 2.8603}
    dis = list(expected)
    with PtySimServer(sim, faults=faults, rng=random.Random(11)) as srv, fast_link(srv.path) as link:
        meter = DLT645Meter(link, ADDR)
        values = []
        for i in range(1000):
            values.append((dis[i % 4], meter.read(dis[i % 4]).value))
        events = srv.events
        notes = [n.text for n in link.trace.notes]
    wrong = [(di, v) for di, v in values if v != pytest.approx(expected[di], abs=1e-9)]
    assert wrong == []
    corrupted = [e for e in events if e.kind == "corrupt"]
    assert 25 <= len(corrupted) <= 80  # ~50 expected at p = 0.05
    retries = [n for n in notes if "failed" in n and "retrying" in n]
    assert len(retries) >= len(corrupted)  # every damaged reply was detected and retried, and logged
    assert any(e.kind == "silence" for e in events)


def test_silence_window_is_survived_by_retries() -> None:
    clock = ManualClock()
    sim = DLT645MeterSim(ADDR, voltage=220.0, clock=clock)
    with (
        PtySimServer(sim, clock=clock, faults=FaultSpec.parse("silence=1@5")) as srv,
        fast_link(srv.path) as link,
    ):
        meter = DLT645Meter(link, ADDR)
        assert meter.voltage_a().value == 220.0
        clock.advance(5.0)  # inside the window
        with pytest.raises(InstrumentTimeout):
            meter.voltage_a()
        clock.advance(1.0)  # window over
        assert meter.voltage_a().value == 220.0
        assert any(e.kind == "silence" for e in srv.events)
