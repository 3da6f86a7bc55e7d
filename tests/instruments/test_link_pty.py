"""SerialLink on real pseudo-terminals: framing, timeouts, per-port locks, hang-up and recovery, parity."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, InstrumentError, InstrumentTimeout, LinkDown, ProtocolError
from instruments.framing import IdleGapFramer, LengthFramer, TerminatorFramer
from instruments.link import LinkSettings, SerialLink, is_pseudo_terminal, port_lock
from instruments.sim.faults import FaultSpec
from instruments.sim.pty import PtySimServer

CRLF = TerminatorFramer(b"\r\n")


class Echo:
    """Replies ``ECHO <request>``; ``None`` for requests starting with ``QUIET``."""

    framer = CRLF

    def handle(self, request: bytes) -> bytes | None:
        if request.startswith(b"QUIET"):
            return None
        return b"ECHO " + request


class TwoFrames:
    """Replies to any line with two length-prefixed frames in one write."""

    framer = CRLF

    def handle(self, request: bytes) -> bytes | None:
        return b"\x03abc\x02xy"


class NoTerminator:
    framer = CRLF

    def handle(self, request: bytes) -> bytes | None:
        return b"raw-reply-without-terminator"


class FlakyOnce:
    """First reply is garbled, later ones are fine."""

    framer = CRLF

    def __init__(self) -> None:
        self.n = 0

    def handle(self, request: bytes) -> bytes | None:
        self.n += 1
        return b"BAD\r\n" if self.n == 1 else b"GOOD\r\n"


def settings(port: str, **kw: object) -> LinkSettings:
    base: dict[str, object] = {"timeout": 0.2, "inter_byte_timeout": 0.05, "reopen_backoff": 0.05}
    base.update(kw)
    return LinkSettings(port, **base)  # type: ignore[arg-type]


def test_terminator_framing_and_trace() -> None:
    with PtySimServer(Echo()) as srv, SerialLink(settings(srv.path)) as link:
        assert is_pseudo_terminal(srv.path)
        assert link.transact(b"HELLO\r\n", CRLF) == b"ECHO HELLO\r\n"
        entries = link.trace.entries
        assert [(e.direction, e.data) for e in entries] == [("tx", b"HELLO\r\n"), ("rx", b"ECHO HELLO\r\n")]
        assert entries[0].t <= entries[1].t and entries[0].t.tzinfo is not None


def test_length_framing_keeps_the_rest_for_the_next_read() -> None:
    framer = LengthFramer(lambda b: b[0] + 1 if b else None)
    with PtySimServer(TwoFrames()) as srv, SerialLink(settings(srv.path)) as link:
        assert link.transact(b"GO\r\n", framer) == b"\x03abc"
        assert link.read_frame(framer, 0.2) == b"\x02xy"


def test_idle_gap_framing_ends_the_frame_on_silence() -> None:
    with PtySimServer(NoTerminator()) as srv, SerialLink(settings(srv.path)) as link:
        assert link.transact(b"X\r\n", IdleGapFramer(0.03)) == b"raw-reply-without-terminator"


def test_missing_terminator_is_an_incomplete_frame_not_a_hang() -> None:
    with PtySimServer(NoTerminator()) as srv, SerialLink(settings(srv.path, timeout=2.0)) as link:
        t0 = time.monotonic()
        with pytest.raises(ProtocolError, match="incomplete frame"):
            link.transact(b"X\r\n", CRLF)
        assert time.monotonic() - t0 < 1.5  # ended by the 0.05 s inter-byte timeout, not the 2 s timeout


def test_silent_device_times_out_within_timeout_times_attempts() -> None:
    with PtySimServer(Echo()) as srv, SerialLink(settings(srv.path, timeout=0.1, retries=2)) as link:
        t0 = time.monotonic()
        with pytest.raises(InstrumentTimeout, match=srv.path) as info:
            link.transact(b"QUIET\r\n", CRLF)
        elapsed = time.monotonic() - t0
        assert "3 attempt" in str(info.value)
        # bound: timeout × (retries + 1) = 0.3 s, plus a stated margin of 0.5 s for scheduling on a loaded box
        assert elapsed < 0.3 + 0.5
        assert elapsed >= 0.3
        assert sum(e.direction == "tx" for e in link.trace.entries) == 3


def test_retry_after_rejected_reply_is_noted() -> None:
    def check(reply: bytes) -> None:
        if reply != b"GOOD\r\n":
            raise ProtocolError(f"bad reply {reply!r}")

    with PtySimServer(FlakyOnce()) as srv, SerialLink(settings(srv.path, retries=1)) as link:
        ex = link.exchange(b"Q\r\n", CRLF, lambda r: (check(r), r)[1], device="flaky")
        assert ex.value == b"GOOD\r\n" and ex.attempts == 2
        assert [f.data for f in ex.frames] == [b"Q\r\n", b"BAD\r\n", b"Q\r\n", b"GOOD\r\n"]
        assert any("attempt 1/2 failed" in n.text for n in link.trace.notes)


def test_parity_e_on_a_pty_opens_with_a_trace_note() -> None:
    with PtySimServer(Echo()) as srv:
        link = SerialLink(settings(srv.path, baudrate=2400, parity="E"))
        with link:
            assert link.settings.parity == "E"  # the driver's real default is kept
            assert link.applied_settings["parity"] == "N"
            assert any("parity E not applied" in n.text for n in link.trace.notes)
            assert link.transact(b"P\r\n", CRLF) == b"ECHO P\r\n"
        link2 = SerialLink(settings(srv.path, bytesize=7, parity="O"))
        with link2:
            assert any("bytesize 7" in n.text for n in link2.trace.notes)


def test_nonexistent_port_is_link_down_with_one_clear_line() -> None:
    with pytest.raises(LinkDown, match=r"cannot open serial port /dev/does-not-exist-xyz: \[Errno 2\]"):
        SerialLink(settings("/dev/does-not-exist-xyz")).open()


def test_links_on_one_port_share_one_lock_even_through_a_symlink(tmp_path: Path) -> None:
    link_path = str(tmp_path / "ttyBUS")
    with PtySimServer(Echo(), link_path=link_path) as srv:
        a, b = SerialLink(settings(srv.path)), SerialLink(settings(link_path))
        assert a.lock is b.lock is port_lock(srv.path)
        assert SerialLink(settings("loop://")).lock is not a.lock


def test_two_links_on_one_pty_never_interleave() -> None:
    errors: list[str] = []
    with PtySimServer(Echo()) as srv:
        links = [SerialLink(settings(srv.path, timeout=1.0)) for _ in range(2)]

        def worker(k: int) -> None:
            link = links[k]
            for i in range(40):
                req = f"L{k}-{i}\r\n".encode()
                try:
                    reply = link.transact(req, CRLF)
                except InstrumentError as exc:
                    errors.append(repr(exc))
                    continue
                if reply != b"ECHO " + req:
                    errors.append(f"{req!r} got {reply!r}")

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for link in links:
            link.close()
    assert errors == []


def test_hangup_gives_link_down_and_the_link_recovers_when_the_port_returns(tmp_path: Path) -> None:
    link_path = str(tmp_path / "ttyUSB-sim")
    with PtySimServer(Echo(), link_path=link_path) as srv:
        link = SerialLink(settings(link_path))
        with link:
            assert link.transact(b"A\r\n", CRLF) == b"ECHO A\r\n"
            srv.hangup()
            with pytest.raises(LinkDown, match="went away"):
                link.transact(b"B\r\n", CRLF)
            # every public call now fails with LinkDown only (no termios.error / OSError / SerialException)
            for call in (
                lambda: link.write(b"x"),
                lambda: link.flush_input(),
                lambda: link.read_frame(CRLF, 0.05),
                lambda: link.transact(b"C\r\n", CRLF),
            ):
                with pytest.raises(LinkDown):
                    call()
            new_path = srv.reappear()
            assert os.path.realpath(link_path) == new_path
            deadline = time.monotonic() + 3.0
            while True:
                try:
                    assert link.transact(b"D\r\n", CRLF) == b"ECHO D\r\n"
                    break
                except LinkDown:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            assert any("reopened" in n.text for n in link.trace.notes)


def test_scheduled_hangup_fault_and_raw_errors_never_escape(tmp_path: Path) -> None:
    link_path = str(tmp_path / "ttyFLAKY")
    faults = FaultSpec.parse("hangup=0.3@0.2/0.6")
    seen: set[str] = set()
    with (
        PtySimServer(Echo(), faults=faults, link_path=link_path) as srv,
        SerialLink(settings(link_path)) as link,
    ):
        t_end = time.monotonic() + 1.6
        while time.monotonic() < t_end:
            try:
                link.transact(b"PING\r\n", CRLF)
                seen.add("ok")
            except InstrumentError as exc:  # anything else escaping fails the test
                seen.add(type(exc).__name__)
            time.sleep(0.01)
        kinds = [e.kind for e in srv.events]
    assert "ok" in seen and "LinkDown" in seen
    assert "hangup" in kinds and "reappear" in kinds


def test_loop_url_works_without_a_device() -> None:
    with SerialLink(settings("loop://")) as link:
        link.write(b"abc\r\n")
        assert link.read_frame(CRLF, 0.2) == b"abc\r\n"


def test_min_gap_and_settings_validation() -> None:
    assert LinkSettings("x", baudrate=9600).min_gap == pytest.approx(3.5 * 10 / 9600)
    assert LinkSettings("x", baudrate=9600, parity="E").min_gap == pytest.approx(3.5 * 11 / 9600)
    assert LinkSettings("x", baudrate=115200).min_gap == pytest.approx(0.00175)
    assert LinkSettings("x", baudrate=115200, rtu_fixed_gap=False).min_gap == pytest.approx(3.5 * 10 / 115200)
    assert LinkSettings("x", timeout=0.5, retries=3).worst_case_s == pytest.approx(2.0)
    assert LinkSettings("x", baudrate=2400, parity="E").describe() == "2400 8E1"
    for bad in ({"baudrate": 0}, {"parity": "X"}, {"timeout": 0}, {"retries": -1}, {"stopbits": 3}):
        with pytest.raises(ConfigurationError):
            LinkSettings("x", **bad)  # type: ignore[arg-type]


def test_min_gap_is_enforced_before_writes() -> None:
    with (
        PtySimServer(Echo()) as srv,
        SerialLink(settings(srv.path, baudrate=300, enforce_min_gap=True)) as link,
    ):
        link.transact(b"A\r\n", CRLF)
        t0 = time.monotonic()
        link.transact(b"B\r\n", CRLF)
        assert time.monotonic() - t0 >= 3.5 * 10 / 300 * 0.9


def test_idle_gap_framing_is_not_cut_short_by_the_inter_byte_timeout() -> None:
    # an inter-byte timeout shorter than the gap must not turn the gap-ended frame into an error
    with PtySimServer(NoTerminator()) as srv, SerialLink(settings(srv.path, inter_byte_timeout=0.01)) as link:
        assert link.transact(b"X\r\n", IdleGapFramer(0.05)) == b"raw-reply-without-terminator"
