"""Modbus RTU client and generic device driver against the simulated slave on a real pseudo-terminal."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pint
import pytest

from instruments.clock import ManualClock
from instruments.drivers.modbus_device import FLOWMETER_MAP, ModbusDevice, RegisterSpec
from instruments.errors import ConfigurationError, InstrumentTimeout, LinkDown, ProtocolError
from instruments.framing import Framer
from instruments.link import LinkSettings, SerialLink
from instruments.modbus_client import ModbusClient
from instruments.protocols import modbus_rtu as rtu
from instruments.sim.faults import FaultSpec
from instruments.sim.modbus import ModbusSlaveSim
from instruments.sim.pty import PtySimServer


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> ModbusSlaveSim:
    return ModbusSlaveSim(slave=3, size=200, word_order="CDAB", clock=clock, error_percent=0.5)


@pytest.fixture
def link(sim: ModbusSlaveSim) -> Iterator[SerialLink]:
    with PtySimServer(sim) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=19200, timeout=0.3, inter_byte_timeout=0.05))
        yield link
        link.close()


def test_read_write_registers(link: SerialLink, sim: ModbusSlaveSim) -> None:
    c = ModbusClient(link)
    assert c.read_holding_registers(3, 0, 10) == list(range(10))
    assert c.read_holding_registers(3, 150, 3) == [150, 151, 152]
    c.write_register(3, 5, 0xBEEF)
    c.write_registers(3, 10, [7, 8, 9])
    assert sim.holding[5] == 0xBEEF and sim.holding[10:13] == [7, 8, 9]
    assert c.read_holding_registers(3, 4, 3) == [4, 0xBEEF, 6]
    c.write_float(3, 20, 3.25, word_order="CDAB")
    assert c.read_float(3, 20, word_order="CDAB") == 3.25
    assert rtu.registers_to_float32(sim.holding[20:22], "CDAB") == 3.25
    c.write_long(3, 30, -123456, signed=True, word_order="DCBA")
    assert c.read_long(3, 30, signed=True, word_order="DCBA") == -123456
    assert c.stats.failures == 0 and c.stats.attempts == c.stats.transactions


def test_exception_reply_is_fast_and_not_retried(link: SerialLink) -> None:
    c = ModbusClient(link, timeout=0.5, retries=3)
    t0 = time.monotonic()
    with pytest.raises(rtu.ModbusExceptionReply) as info:
        c.read_holding_registers(3, 199, 2)
    assert time.monotonic() - t0 < 0.25  # far below the 0.5 s timeout
    assert info.value.code == 2
    assert c.stats.attempts == 1
    with pytest.raises(rtu.ModbusExceptionReply) as info:
        c.read_input_registers(3, 5, 3)  # input registers 0..6 only
    assert info.value.code == 2


def test_encoder_refuses_out_of_range_before_sending(link: SerialLink) -> None:
    c = ModbusClient(link)
    with pytest.raises(ConfigurationError):
        c.read_holding_registers(3, 0, 126)
    with pytest.raises(ConfigurationError):
        c.write_register(3, 0, -1)


def test_other_slave_times_out_within_budget(link: SerialLink) -> None:
    c = ModbusClient(link, timeout=0.1, retries=2)
    t0 = time.monotonic()
    with pytest.raises(InstrumentTimeout, match="after 3 attempt"):
        c.read_holding_registers(9, 0, 1)
    elapsed = time.monotonic() - t0
    assert 0.3 <= elapsed <= c.worst_case_s + 0.15
    assert c.stats.timeouts == 3


def test_broadcast_write_gets_no_reply_but_lands(link: SerialLink, sim: ModbusSlaveSim) -> None:
    c = ModbusClient(link, timeout=0.1)
    c.write_register(0, 7, 77)
    deadline = time.monotonic() + 1.0
    while sim.holding[7] != 77 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert sim.holding[7] == 77


def test_flowmeter_map_follows_applied_flow(
    link: SerialLink, sim: ModbusSlaveSim, clock: ManualClock
) -> None:
    dev = ModbusDevice(
        link,
        3,
        [
            RegisterSpec(s.name, s.register, s.type, s.unit, s.scale, "CDAB", s.function)
            for s in FLOWMETER_MAP
        ],
    )
    sim.apply_flow(2.0)
    clock.advance(1800.0)  # half an hour at 2 m3/h = 1 m3 true volume
    readings = {r.quantity: r for r in dev.read_all()}
    assert readings["volume"].value == pytest.approx(1.0 * 1.005, rel=1e-6)  # error_percent = 0.5
    assert abs(readings["volume_litres"].value - 1005.0) <= 1.0  # whole litres, truncated
    assert readings["flow_rate"].value == pytest.approx(2.0 * 1.005, rel=1e-6)
    assert readings["temperature"].value == pytest.approx(20.0)
    ureg = pint.get_application_registry()  # type: ignore[no-untyped-call]
    for r in readings.values():
        ureg.Unit(r.unit)  # every unit is pint-parsable
        assert r.frames and r.frames[0].direction == "tx"
    assert dev.read("volume").as_quantity().to("L").magnitude == pytest.approx(1005.0, rel=1e-6)


def test_register_spec_validation_raises_never_clips(link: SerialLink, sim: ModbusSlaveSim) -> None:
    spec = RegisterSpec("setpoint", 40, "uint16", "L/h", scale=0.1, writable=True, minimum=0.0, maximum=500.0)
    dev = ModbusDevice(link, 3, [spec])
    dev.write("setpoint", 123.4)
    assert sim.holding[40] == 1234
    assert dev.read("setpoint").value == pytest.approx(123.4)
    with pytest.raises(ConfigurationError, match="outside the allowed range"):
        dev.write("setpoint", 500.1)
    with pytest.raises(ConfigurationError, match="resolution"):
        dev.write("setpoint", 1.23)
    assert sim.holding[40] == 1234
    with pytest.raises(ConfigurationError, match="read-only"):
        ModbusDevice(link, 3).write("volume", 1.0)
    with pytest.raises(ConfigurationError, match="pint"):
        RegisterSpec("x", 0, unit="furlongs per fortnight squared banana")
    with pytest.raises(ConfigurationError):
        RegisterSpec("x", 0, function=4, writable=True)


def test_dead_device_fails_within_timeout_times_attempts_plus_margin() -> None:
    """Stated margin: 0.15 s on top of (timeout + t3.5) × (retries + 1)."""
    dead = ModbusSlaveSim(slave=1)
    with PtySimServer(dead, faults=FaultSpec.parse("mute=1")) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=9600, timeout=0.2, retries=2))
        c = ModbusClient(link)
        t0 = time.monotonic()
        with pytest.raises(InstrumentTimeout):
            c.read_holding_registers(1, 0, 10)
        elapsed = time.monotonic() - t0
        link.close()
    assert 0.2 * 3 <= elapsed <= c.worst_case_s + 0.15
    assert c.worst_case_s == pytest.approx((0.2 + 38.5 / 9600) * 3)


def test_silence_is_honoured_between_transactions(link: SerialLink) -> None:
    c = ModbusClient(link, baudrate=1200)  # t3.5 = 32 ms at 1200 baud
    c.read_holding_registers(3, 0, 1)
    t0 = time.monotonic()
    for _ in range(5):
        c.read_holding_registers(3, 0, 1)
    assert time.monotonic() - t0 >= 5 * 38.5 / 1200
    spec = ModbusClient(link, baudrate=115200, spec_silence=True)
    assert spec.silence == 0.00175


def test_hangup_raises_link_down_then_recovers(tmp_path: Path) -> None:
    sim = ModbusSlaveSim(slave=1)
    stable = str(tmp_path / "ttyMODBUS")  # like /dev/serial/by-id/...
    with PtySimServer(sim, link_path=stable) as server:
        link = SerialLink(LinkSettings(stable, baudrate=19200, timeout=0.1, reopen_backoff=0.05))
        c = ModbusClient(link, retries=1)
        assert c.read_holding_registers(1, 0, 2) == [0, 1]
        server.hangup()
        with pytest.raises(LinkDown):
            c.read_holding_registers(1, 0, 2)
        server.reappear()
        deadline = time.monotonic() + 2.0
        while True:
            try:
                assert c.read_holding_registers(1, 0, 2) == [0, 1]
                break
            except LinkDown:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        link.close()


def test_two_threads_on_one_port_never_interleave(link: SerialLink) -> None:
    """Two links (two file descriptors) on the same port share its lock: no frame of one thread is read by
    the other, and every read returns its own registers."""
    import threading

    other = SerialLink(link.settings)
    errors: list[str] = []

    def worker(lk: SerialLink, start: int) -> None:
        c = ModbusClient(lk)
        for i in range(150):
            got = c.read_holding_registers(3, start + i % 20, 5)
            if got != list(range(start + i % 20, start + i % 20 + 5)):
                errors.append(f"{start}: {got}")

    threads = [threading.Thread(target=worker, args=(lk, s)) for lk, s in ((link, 0), (other, 100))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    other.close()
    assert errors == []


def test_spin_option_still_honours_the_silence(link: SerialLink) -> None:
    c = ModbusClient(link, baudrate=1200, spin_s=0.01)
    c.read_holding_registers(3, 0, 1)
    t0 = time.monotonic()
    for _ in range(3):
        c.read_holding_registers(3, 0, 1)
    assert time.monotonic() - t0 >= 3 * 38.5 / 1200


class _EchoingAdapter:
    """An RS-485 adapter that echoes every request before the slave's reply."""

    def __init__(self, inner: ModbusSlaveSim) -> None:
        self.inner = inner

    @property
    def framer(self) -> Framer:
        return self.inner.framer

    def handle(self, request: bytes) -> bytes | None:
        return request + (self.inner.handle(request) or b"")


def test_local_echo_option() -> None:
    sim = ModbusSlaveSim(slave=2)
    with PtySimServer(_EchoingAdapter(sim)) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=19200, timeout=0.1, inter_byte_timeout=0.02))
        plain = ModbusClient(link, retries=0)
        with pytest.raises(ProtocolError):  # the echo is taken for the reply and fails its checks
            plain.read_holding_registers(2, 0, 4)
        echoing = ModbusClient(link, local_echo=True, retries=0)
        assert echoing.read_holding_registers(2, 0, 4) == [0, 1, 2, 3]
        echoing.write_register(2, 9, 99)
        assert sim.holding[9] == 99
        assert echoing.read_holding_registers(2, 8, 3) == [8, 99, 10]
        link.close()


def test_silence_holds_between_different_clients_on_one_port(link: SerialLink) -> None:
    a = ModbusClient(link, baudrate=1200)  # t3.5 = 32 ms
    b = ModbusClient(SerialLink(link.settings, trace=link.trace), baudrate=1200)
    for _ in range(3):
        a.read_holding_registers(3, 0, 1)
        b.read_holding_registers(3, 1, 1)
    entries = link.trace.entries
    gaps = [
        (nxt.t - cur.t).total_seconds()
        for cur, nxt in itertools.pairwise(entries)
        if cur.direction == "rx" and nxt.direction == "tx"
    ]
    assert len(gaps) == 5
    assert min(gaps) >= 38.5 / 1200
    b.link.close()
