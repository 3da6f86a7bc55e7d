"""Trace, framers and the fault grammar (pure, no ports)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest

from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import IdleGapFramer, LengthFramer, TerminatorFramer
from instruments.sim.faults import FaultInjector, FaultSpec, Window
from instruments.trace import Trace, TraceEntry


def test_trace_entry_hex_and_dict_round_trip() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    e = TraceEntry("tx", bytes.fromhex("680a16"), t)
    assert e.hex == "68 0A 16"
    d = e.to_dict()
    assert d == {"dir": "tx", "hex": "68 0A 16", "t": "2026-01-02T03:04:05+00:00"}
    assert TraceEntry.from_dict(d) == e


def test_trace_entry_rejects_naive_time_and_bad_direction() -> None:
    with pytest.raises(ValueError, match="timezone"):
        TraceEntry("rx", b"", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="direction"):
        TraceEntry("up", b"", datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]


def test_trace_is_bounded_thread_safe_and_drains() -> None:
    trace = Trace(maxlen=1000)

    def writer() -> None:
        for i in range(500):
            trace.append("tx", bytes([i & 0xFF]))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(trace) == 1000  # 2000 appended, bounded to the newest 1000
    trace.note("hello")
    drained = trace.drain()
    assert len(drained) == 1000 and len(trace) == 0
    assert [n.text for n in trace.notes] == ["hello"]


def test_terminator_framer() -> None:
    f = TerminatorFramer(b"\r\n", max_length=16)
    assert f.feed(b"OK") is None
    assert f.feed(b"OK\r") is None
    assert f.feed(b"OK\r\nrest") == 4
    with pytest.raises(ProtocolError, match="terminator"):
        f.feed(b"x" * 16)
    with pytest.raises(ConfigurationError):
        TerminatorFramer(b"")


def test_length_framer() -> None:
    # toy protocol: first byte is the payload length, frame = len byte + payload
    f = LengthFramer(lambda b: b[0] + 1 if b else None, max_length=8)
    assert f.feed(b"") is None
    assert f.feed(b"\x03ab") is None
    assert f.feed(b"\x03abcX") == 4
    with pytest.raises(ProtocolError, match="out of range"):
        f.feed(b"\x20")


def test_idle_gap_framer_leaves_the_end_to_the_link() -> None:
    f = IdleGapFramer(0.01, max_length=4)
    assert f.idle_gap == 0.01
    assert f.feed(b"abcd") is None
    with pytest.raises(ProtocolError):
        f.feed(b"abcde")
    with pytest.raises(ConfigurationError):
        IdleGapFramer(0)


def test_fault_grammar_full_example() -> None:
    spec = FaultSpec.parse("crc=0.05,drop=0.01,truncate=0.01,slow=0.2@0.5,silence=2@10,hangup=5@30")
    assert spec.corrupt == 0.05 and spec.corrupt_bytes == 1
    assert spec.drop == 0.01 and spec.truncate == 0.01
    assert (spec.slow, spec.slow_delay) == (0.2, 0.5)
    assert spec.silence == (Window(2, 10),)
    assert spec.hangup == (Window(5, 30),)
    assert FaultSpec.parse(str(spec)) == spec


def test_fault_grammar_variants_and_empty() -> None:
    assert FaultSpec.parse("") == FaultSpec() and not FaultSpec.parse(None).any
    spec = FaultSpec.parse("corrupt=0.1:2, garbage=0.5, mute=0.02, silence=1@2/10, silence=3@50")
    assert spec.corrupt_bytes == 2 and spec.garbage == 0.5 and spec.mute == 0.02
    assert spec.silence == (Window(1, 2, 10), Window(3, 50))
    w = spec.silence[0]
    assert [w.active(t) for t in (1.9, 2.0, 2.9, 3.0, 12.5, 13.1)] == [False, True, True, False, True, False]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("crc=2", r"\[0, 1\]"),
        ("crc=x", "probability"),
        ("bogus=1", "unknown fault 'bogus'"),
        ("slow=0.5", "slow=PROBABILITY@DELAY_S"),
        ("silence=2", "DURATION@START"),
        ("silence=2@1/1", "period"),
        ("drop", "name=value"),
        ("corrupt=0.1:0", "byte count"),
    ],
)
def test_fault_grammar_errors_name_the_item(text: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        FaultSpec.parse(text)


def test_injector_corrupts_exactly_one_byte_and_logs_it() -> None:
    inj = FaultInjector(FaultSpec(corrupt=1.0), random.Random(1))
    reply = bytes(range(20))
    out, delay = inj.apply(0.0, reply)
    assert out is not None and delay == 0.0
    assert sum(a != b for a, b in zip(out, reply, strict=True)) == 1
    assert [e.kind for e in inj.events] == ["corrupt"]


def test_injector_mute_truncate_drop_garbage_slow() -> None:
    reply = bytes(range(20))
    assert FaultInjector(FaultSpec(mute=1.0), random.Random(0)).apply(0, reply)[0] is None
    out, _ = FaultInjector(FaultSpec(truncate=1.0), random.Random(0)).apply(0, reply)
    assert out is not None and 1 <= len(out) < 20 and reply.startswith(out)
    out, _ = FaultInjector(FaultSpec(drop=1.0), random.Random(0)).apply(0, reply)
    assert out is not None and len(out) == 19
    out, _ = FaultInjector(FaultSpec(garbage=1.0), random.Random(0)).apply(0, reply)
    assert out is not None and out.endswith(reply) and 21 <= len(out) <= 28
    inj = FaultInjector(FaultSpec(slow=1.0, slow_delay=0.5), random.Random(0))
    assert inj.apply(0, reply) == (reply, 0.5)


def test_injector_rates_follow_the_probability() -> None:
    inj = FaultInjector(FaultSpec(corrupt=0.05), random.Random(7))
    damaged = sum(inj.apply(0, bytes(20))[0] != bytes(20) for _ in range(4000))
    assert 140 < damaged < 260  # 200 expected; ±4.3 sigma
