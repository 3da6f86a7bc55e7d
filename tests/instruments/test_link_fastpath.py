"""The lean read/write path keeps its guarantees: read-size hints, drain opt-out, frames=, last_activity,
timer slack, and the paced simulator's single deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from instruments.errors import ConfigurationError, InstrumentTimeout, LinkDown, ProtocolError
from instruments.framing import LengthFramer, TerminatorFramer
from instruments.link import LinkSettings, SerialLink
from instruments.modbus_client import ModbusClient
from instruments.protocols import modbus_rtu as rtu
from instruments.sim.faults import FaultSpec
from instruments.sim.modbus import ModbusSlaveSim
from instruments.sim.pty import PtySimServer
from instruments.timer_slack import PreciseWait, tighten_timer_slack
from instruments.trace import TraceEntry


def _prefixed(buf: bytes) -> int | None:
    """Length-prefixed frames: first byte = payload length."""
    return 1 + buf[0] if buf else None


class RecordingSerial:
    """Wraps the pyserial object of a link and records the size of every read and any flush."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads: list[int] = []
        self.flushes = 0

    def read(self, n: int) -> bytes:
        self.reads.append(n)
        return bytes(self.inner.read(n))

    def flush(self) -> None:
        self.flushes += 1
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _spy(link: SerialLink) -> RecordingSerial:
    link.open()
    spy = RecordingSerial(link._st.ser)
    link._st.ser = spy
    return spy


def test_length_framer_hint_is_a_lower_bound() -> None:
    f = LengthFramer(_prefixed, min_length=2)
    assert f.expected(b"") == 2  # header unknown: at least the shortest frame
    assert f.expected(b"\x05") == 6  # header known: exact
    assert LengthFramer(_prefixed).expected(b"") is None  # no hint without min_length
    with pytest.raises(ConfigurationError):
        LengthFramer(_prefixed, max_length=4, min_length=5)


def test_hint_reads_the_missing_bytes_in_one_call_and_keeps_the_rest() -> None:
    link = SerialLink(LinkSettings("loop://", timeout=0.2))
    spy = _spy(link)
    link.write(b"\x03abc\x02xy")
    assert link.read_frame(LengthFramer(_prefixed, min_length=1)) == b"\x03abc"
    assert spy.reads == [1, 3]  # header, then exactly the rest: never past the frame
    assert link.read_frame(LengthFramer(_prefixed, min_length=1)) == b"\x02xy"  # came from the port
    assert spy.reads == [1, 3, 1, 2]


def test_without_hint_the_link_reads_what_has_arrived() -> None:
    link = SerialLink(LinkSettings("loop://", timeout=0.2))
    spy = _spy(link)
    link.write(b"one\r\ntwo\r\n")
    assert link.read_frame(TerminatorFramer(b"\r\n")) == b"one\r\n"
    assert link.read_frame(TerminatorFramer(b"\r\n")) == b"two\r\n"  # from the pending bytes
    assert spy.reads[0] == 10


def test_frames_keyword_collects_the_frame_and_partial_bytes_on_timeout() -> None:
    link = SerialLink(LinkSettings("loop://", timeout=0.05))
    frames: list[TraceEntry] = []
    link.write(b"\x02ab")
    assert link.read_frame(LengthFramer(_prefixed, min_length=1), frames=frames) == b"\x02ab"
    link.write(b"\x05ab")  # 3 of 6 bytes, then nothing
    with pytest.raises(InstrumentTimeout, match="3 byte"):
        link.read_frame(LengthFramer(_prefixed, min_length=1), frames=frames)
    assert [e.data for e in frames] == [b"\x02ab", b"\x05ab"]
    assert [e.data for e in link.trace.entries if e.direction == "rx"] == [b"\x02ab", b"\x05ab"]


def test_impossible_header_from_the_hint_is_a_protocol_error_naming_the_port() -> None:
    def bad(buf: bytes) -> int | None:
        if buf and buf[0] == 0xFF:
            raise ProtocolError("length byte FF is impossible")
        return None

    link = SerialLink(LinkSettings("loop://", timeout=0.2))
    link.write(b"\xff\x00")
    with pytest.raises(ProtocolError, match=r"FF is impossible \(on loop://\)"):
        link.read_frame(LengthFramer(bad, min_length=3))


def test_drain_is_the_default_and_can_be_turned_off() -> None:
    assert LinkSettings("loop://").drain is True
    link = SerialLink(LinkSettings("loop://", timeout=0.2))
    spy = _spy(link)
    link.write(b"x")
    assert spy.flushes == 1
    fast = SerialLink(LinkSettings("loop://", baudrate=1200, timeout=0.2, drain=False))
    spy2 = _spy(fast)
    before = time.monotonic()
    fast.write(b"0123456789")
    assert spy2.flushes == 0
    # 10 characters of 10 bits at 1200 baud are still on the wire: activity ends ~83 ms later
    assert fast.last_activity >= before + 10 * 10 / 1200 - 1e-6


def test_without_drain_the_reply_timeout_starts_after_the_request_is_out() -> None:
    link = SerialLink(LinkSettings("loop://", baudrate=1200, timeout=0.05, drain=False))
    link.write(b"0123456789")  # 83 ms of wire time at 1200 baud
    t0 = time.monotonic()
    with pytest.raises(InstrumentTimeout):
        link.read_frame(LengthFramer(lambda b: 99, max_length=100))
    assert time.monotonic() - t0 >= 0.083 + 0.05 - 0.005


def test_last_activity_follows_reads() -> None:
    link = SerialLink(LinkSettings("loop://", timeout=0.2))
    link.write(b"ab\r\n")
    t_write = link.last_activity
    time.sleep(0.01)
    link.read_frame(TerminatorFramer(b"\r\n"))
    assert link.last_activity >= t_write + 0.01


@pytest.fixture
def modbus_link() -> Iterator[SerialLink]:
    with PtySimServer(ModbusSlaveSim(slave=1, size=50)) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=115200, timeout=0.3, drain=False))
        yield link
        link.close()


def test_modbus_client_without_drain_and_with_tight_sleep(modbus_link: SerialLink) -> None:
    c = ModbusClient(modbus_link, tight_sleep=True, spec_silence=True)
    values = c.read_holding_registers(1, 0, 10)
    assert len(values) == 10
    t = c.read_registers(1, 0, 10)
    assert [e.direction for e in t.frames] == ["tx", "rx"]
    assert t.reply == modbus_link.trace.entries[-1].data
    # exception replies (5 bytes) are not held up by the 25-byte normal length
    t0 = time.monotonic()
    with pytest.raises(rtu.ModbusExceptionReply):
        c.read_holding_registers(1, 45, 10)  # runs past the 50 registers
    assert time.monotonic() - t0 < 0.1


def test_silence_holds_without_drain(modbus_link: SerialLink) -> None:
    c = ModbusClient(modbus_link, baudrate=1200, tight_sleep=True)  # t3.5 = 32 ms
    c.read_holding_registers(1, 0, 1)
    t0 = time.monotonic()
    for _ in range(4):
        c.read_holding_registers(1, 0, 1)
    assert time.monotonic() - t0 >= 4 * 38.5 / 1200


def test_corrupted_reply_is_retried_and_hangup_is_link_down_without_drain() -> None:
    faults = FaultSpec(corrupt=1.0)
    with PtySimServer(ModbusSlaveSim(slave=1), faults=faults) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=115200, timeout=0.1, drain=False))
        c = ModbusClient(link, retries=1)
        with pytest.raises(ProtocolError):
            c.read_holding_registers(1, 0, 2)
        assert c.stats.attempts == 2
        server.hangup()
        with pytest.raises(LinkDown):
            c.read_holding_registers(1, 0, 2)
        link.close()


def test_timer_slack_is_per_thread_and_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        tighten_timer_slack(0)
    results: list[bool] = []
    worker = threading.Thread(target=lambda: results.append(tighten_timer_slack()))
    worker.start()
    worker.join()
    assert results == [results[0]] and isinstance(results[0], bool)


def test_precise_wait_never_returns_early_and_learns_a_bounded_margin() -> None:
    w = PreciseWait(max_spin_s=0.0003)
    for wait in (0.0002, 0.001, 0.003) * 20:
        deadline = time.monotonic() + wait
        w.until(deadline)
        assert time.monotonic() >= deadline
        assert 0.0 <= w.margin_s <= 0.0003
    w.until(time.monotonic() - 1.0)  # a passed deadline returns at once
    with pytest.raises(ValueError, match="spin"):
        PreciseWait(max_spin_s=-1)
    assert PreciseWait(max_spin_s=0.0).margin_s == 0.0


class _WriteClock:
    """Records, at every write of a link, how long the line had been quiet (s)."""

    def __init__(self, link: SerialLink) -> None:
        self.gaps: list[float] = []
        self._link = link
        self._write = link.write
        link.write = self  # type: ignore[method-assign]

    def __call__(self, data: bytes) -> TraceEntry:
        self.gaps.append(time.monotonic() - self._link.last_activity)
        return self._write(data)


@pytest.mark.parametrize("spin", ["auto", 0.0])
def test_every_request_waits_the_full_silence(modbus_link: SerialLink, spin: Any) -> None:
    c = ModbusClient(modbus_link, baudrate=9600, tight_sleep=True, spin_s=spin)  # t3.5 = 4.01 ms
    clock = _WriteClock(modbus_link)
    for _ in range(30):
        c.read_holding_registers(1, 0, 10)
    assert len(clock.gaps) == 30
    assert min(clock.gaps[1:]) >= c.silence  # never early, by the same monotonic clock


def test_spin_option_is_checked() -> None:
    link = SerialLink(LinkSettings("loop://"))
    with pytest.raises(ConfigurationError, match="spin_s"):
        ModbusClient(link, spin_s=-0.1)
    with pytest.raises(ConfigurationError, match="spin_s"):
        ModbusClient(link, spin_s="fast")  # type: ignore[arg-type]


def test_paced_simulator_takes_the_wire_time() -> None:
    with PtySimServer(ModbusSlaveSim(slave=1), baud=1200) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=1200, timeout=1.0, drain=False))
        c = ModbusClient(link)
        c.read_holding_registers(1, 0, 10)
        t0 = time.monotonic()
        c.read_holding_registers(1, 0, 10)
        # 8 + 25 bytes at 10 bits per byte and 1200 baud = 275 ms on the simulated wire
        assert time.monotonic() - t0 >= 0.275 - 0.01
        link.close()


class Mute:
    framer = TerminatorFramer(b"\r\n")

    def handle(self, request: bytes) -> bytes | None:
        return None


def test_hangup_during_a_pty_read_is_link_down_and_partial_bytes_stay_out() -> None:
    with PtySimServer(Mute()) as server:
        link = SerialLink(LinkSettings(server.path, timeout=2.0, drain=False))
        link.write(b"hello\r\n")
        timer = threading.Timer(0.1, server.hangup)
        timer.start()
        t0 = time.monotonic()
        with pytest.raises(LinkDown, match="went away"):
            link.read_frame(TerminatorFramer(b"\r\n"))
        assert time.monotonic() - t0 < 1.0  # not the 2 s reply timeout
        timer.join()
        assert not link.is_open
        link.close()
