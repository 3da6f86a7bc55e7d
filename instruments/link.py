"""One serial link per physical port: explicit settings and timeouts, a per-port lock, a raw-frame trace,
automatic reopen after a hang-up, and uniform errors.

A :class:`SerialLink` wraps :func:`serial.serial_for_url`, so the same driver runs on a real port
(``/dev/ttyUSB0``, ``/dev/serial/by-id/…``), a pseudo-terminal served by a simulator, or ``loop://``.

Guarantees:

* No ``serial.SerialException``, ``OSError`` or ``termios.error`` escapes: opening failures and hang-ups
  become :class:`~instruments.errors.LinkDown`, a missing reply
  :class:`~instruments.errors.InstrumentTimeout`, a malformed or
  incomplete reply :class:`~instruments.errors.ProtocolError`.
* Every :class:`SerialLink` on the same physical port (same resolved device path) shares one
  :class:`threading.RLock` (``link.lock``): instruments on one RS-485 bus never interleave their frames.
  Drivers hold ``link.lock`` across multi-step exchanges.
* After a hang-up (USB adapter unplugged, simulator gone) the port is closed; the next call tries to
  reopen it once the back-off has passed (doubling from ``reopen_backoff`` up to ``reopen_backoff_max``)
  and fails fast with LinkDown before that.
* Linux pseudo-terminals refuse parity E/O and 7 data bits (``termios.error`` EINVAL, or the setting is
  silently dropped). On a pseudo-terminal the link then opens with what it can apply (8N1) and writes a
  note to the trace; a pty carries bytes regardless of parity, so drivers keep their real defaults.
  On a real port such a refusal is an error.

Reply timeouts are wall-clock time (they are physics of the wire); the injected ``clock`` only schedules
reopen attempts.

Hot path: on a POSIX tty or pty the link writes a short frame with one non-blocking ``os.write`` (the rest,
if the output buffer is full, through pyserial's write and its ``write_timeout``) and waits for replies on
the descriptor (one ``select`` + one ``read`` per chunk); other ports go through pyserial, where a
framer's ``expected()`` hint sizes each blocking read. ``LinkSettings(drain=False)`` skips the tcdrain
after a write on links where it only costs a wake-up. Each frame gets one trace entry, one timestamp.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar

import serial

from instruments.clock import Clock, RealClock
from instruments.errors import ConfigurationError, InstrumentTimeout, LinkDown, ProtocolError
from instruments.framing import Framer
from instruments.trace import Trace, TraceEntry

__all__ = ["Exchange", "LinkSettings", "SerialLink", "is_pseudo_terminal", "port_lock"]

T = TypeVar("T")

Parity = Literal["N", "E", "O"]

#: How long one low-level read waits for a byte before the link re-checks its deadlines (s).
POLL_S = 0.005

_IO_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)


@dataclass(frozen=True)
class LinkSettings:
    """Line settings and timing of one serial connection.

    Attributes:
        port: device path or pyserial URL (``/dev/ttyUSB0``, ``/dev/pts/3``, ``loop://``).
        baudrate: bits per second.
        bytesize: data bits (7 or 8).
        parity: ``"N"``, ``"E"`` or ``"O"``.
        stopbits: 1, 1.5 or 2.
        timeout: total time allowed for one reply to arrive complete, in seconds.
        inter_byte_timeout: once a reply has started, a silence this long (s) ends it as *incomplete*
            (ProtocolError) instead of waiting for the total timeout; None disables.
        write_timeout: seconds a write may block (flow control) before InstrumentTimeout.
        retries: how many times an exchange is repeated after a timeout or a malformed reply.
        rtu_fixed_gap: above 19200 baud use the Modbus spec's fixed t3.5 = 1.75 ms for :attr:`min_gap`.
        enforce_min_gap: wait :attr:`min_gap` of silence since the last byte before every write (RTU).
        reopen_backoff: first wait (s) before reopening a port after a hang-up; doubles per failure.
        reopen_backoff_max: upper bound of the reopen wait (s).
        drain: after each write, wait until the port has sent every byte (``tcdrain``) before returning.
            The safe default: the reply timeout then starts when the request is on the wire, and a
            driver that switches an RS-485 transceiver by hand may turn the line around. ``False`` skips
            that wait where it only costs a scheduler wake-up (pseudo-terminals, RS-232, USB adapters
            with automatic RS-485 direction control): the reply cannot start before the request is out
            anyway. The link then counts the request's wire time itself (``len × char_time`` at
            :attr:`baudrate`): the reply timeout and :attr:`SerialLink.last_activity` start after it.
    """

    port: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: Parity = "N"
    stopbits: float = 1
    timeout: float = 1.0
    inter_byte_timeout: float | None = None
    write_timeout: float = 1.0
    retries: int = 0
    rtu_fixed_gap: bool = True
    enforce_min_gap: bool = False
    reopen_backoff: float = 0.2
    reopen_backoff_max: float = 5.0
    drain: bool = True

    def __post_init__(self) -> None:
        if not self.port:
            raise ConfigurationError("serial port must not be empty (e.g. /dev/ttyUSB0 or loop://)")
        if self.baudrate <= 0:
            raise ConfigurationError(f"baud rate must be > 0, got {self.baudrate!r} for {self.port}")
        if self.bytesize not in (5, 6, 7, 8):
            raise ConfigurationError(f"bytesize must be 5..8, got {self.bytesize!r} for {self.port}")
        if self.parity not in ("N", "E", "O"):
            raise ConfigurationError(f"parity must be N, E or O, got {self.parity!r} for {self.port}")
        if self.stopbits not in (1, 1.5, 2):
            raise ConfigurationError(f"stop bits must be 1, 1.5 or 2, got {self.stopbits!r} for {self.port}")
        if not self.timeout > 0:
            raise ConfigurationError(f"reply timeout must be > 0 s, got {self.timeout!r} for {self.port}")
        if self.inter_byte_timeout is not None and not self.inter_byte_timeout > 0:
            raise ConfigurationError(
                f"inter-byte timeout must be > 0 s or None, got {self.inter_byte_timeout!r} for {self.port}"
            )
        if not self.write_timeout > 0:
            raise ConfigurationError(f"write timeout must be > 0 s, got {self.write_timeout!r}")
        if self.retries < 0:
            raise ConfigurationError(f"retries must be >= 0, got {self.retries!r} for {self.port}")
        if not 0 < self.reopen_backoff <= self.reopen_backoff_max:
            raise ConfigurationError(
                f"need 0 < reopen_backoff <= reopen_backoff_max, got {self.reopen_backoff!r}, "
                f"{self.reopen_backoff_max!r}"
            )

    @property
    def url(self) -> str:
        """Alias of :attr:`port` (pyserial calls it a URL: ``/dev/ttyUSB0``, ``loop://`` …)."""
        return self.port

    @property
    def char_bits(self) -> float:
        """Bits per character on the wire: start + data + parity + stop."""
        return 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits

    @property
    def char_time(self) -> float:
        """Seconds per character at :attr:`baudrate`."""
        return self.char_bits / self.baudrate

    @property
    def min_gap(self) -> float:
        """Modbus RTU inter-frame silence t3.5 (s): 3.5 character times, or 1.75 ms above 19200 baud."""
        if self.rtu_fixed_gap and self.baudrate > 19200:
            return 0.00175
        return 3.5 * self.char_time

    @property
    def worst_case_s(self) -> float:
        """Upper bound of one failing exchange: ``timeout × (retries + 1)``."""
        return self.timeout * (self.retries + 1)

    def with_(self, **changes: Any) -> LinkSettings:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def describe(self) -> str:
        """Short form like ``2400 8E1`` for messages."""
        sb = int(self.stopbits) if self.stopbits != 1.5 else 1.5
        return f"{self.baudrate} {self.bytesize}{self.parity}{sb}"


@dataclass(frozen=True)
class Exchange(Generic[T]):
    """Result of one request/reply exchange, possibly after retries.

    Attributes:
        value: what the ``decode`` function returned for the accepted reply.
        reply: the accepted reply frame.
        frames: every frame sent and received during the exchange, including failed attempts.
        attempts: how many times the request was sent.
    """

    value: T
    reply: bytes
    frames: tuple[TraceEntry, ...]
    attempts: int


_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _port_key(port: str) -> str:
    if "://" in port:
        return port
    return os.path.realpath(port)


def port_lock(port: str) -> threading.RLock:
    """The one re-entrant lock of the physical port ``port`` (symlinks resolved)."""
    key = _port_key(port)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = threading.RLock()
        return lock


def is_pseudo_terminal(port: str) -> bool:
    """True when ``port`` resolves to a Unix98 pseudo-terminal slave (``/dev/pts/N``)."""
    if "://" in port:
        return False
    path = os.path.realpath(port)
    if path.startswith("/dev/pts/"):
        return True
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and 136 <= os.major(st.st_rdev) <= 143


def _reason(exc: BaseException) -> str:
    if isinstance(exc, termios.error) and exc.args:
        code = exc.args[0]
        return f"[Errno {code}] {os.strerror(code) if isinstance(code, int) else code}"
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code > 0:
        # pyserial says "[Errno 2] could not open port X: [Errno 2] No such file …": keep the cause only.
        return f"[Errno {code}] {os.strerror(code)}"
    return str(exc) or type(exc).__name__


def _errno_of(exc: BaseException) -> int | None:
    if isinstance(exc, termios.error) and exc.args and isinstance(exc.args[0], int):
        return int(exc.args[0])
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    return errno.EINVAL if "Invalid argument" in str(exc) else None


def _read_fd(fd: int, left: float) -> bytes:
    """Wait up to ``min(left, POLL_S)`` for input on a non-blocking POSIX port; return what has arrived.

    Bytes beyond the current frame are fine: read_frame keeps them pending for the next read.

    Raises:
        serial.SerialException: readable but no data (the device hung up), like pyserial's read.
        OSError: from the system calls (EIO after a hang-up).
    """
    ready, _, _ = select.select((fd,), (), (), POLL_S if left > POLL_S else max(left, 0.0))
    if not ready:
        return b""
    try:
        chunk = os.read(fd, 4096)
    except BlockingIOError:  # spurious readiness
        return b""
    if not chunk:
        raise serial.SerialException(
            "device reports readiness to read but returned no data (device disconnected?)"
        )
    return chunk


@dataclass
class _State:
    ser: Any = None
    pending: bytes = b""
    last_activity: float = 0.0
    tx_end: float = 0.0
    fd: int | None = None
    next_reopen: float | None = None
    backoff: float = 0.0
    down_reason: str = ""
    applied: dict[str, Any] = field(default_factory=dict)


class SerialLink:
    """A serial connection with explicit timeouts, a per-port lock and a raw-frame trace.

    Args:
        settings: line settings and timing.
        trace: where frames and notes are recorded (a new :class:`Trace` if None).
        clock: schedules reopen attempts after a hang-up (RealClock if None).
    """

    def __init__(
        self, settings: LinkSettings, *, trace: Trace | None = None, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.trace = trace if trace is not None else Trace()
        self._clock: Clock = clock if clock is not None else RealClock()
        self.lock: threading.RLock = port_lock(settings.port)
        self._st = _State(backoff=settings.reopen_backoff)

    # ------------------------------------------------------------------ open / close
    @property
    def port(self) -> str:
        """The configured port or URL."""
        return self.settings.port

    @property
    def last_activity(self) -> float:
        """Monotonic time (``time.monotonic()``, s) of the last byte sent or received on this link.

        For a write without drain (``LinkSettings(drain=False)``) it is the computed end of the request on
        the wire; for a read, when the read call returned the bytes (never earlier than their arrival).
        """
        return self._st.last_activity

    @property
    def is_open(self) -> bool:
        """True while the underlying port is open."""
        return self._st.ser is not None

    @property
    def applied_settings(self) -> dict[str, Any]:
        """Line settings actually in force (may differ from :attr:`settings` on a pseudo-terminal)."""
        return dict(self._st.applied)

    def open(self) -> SerialLink:
        """Open the port (idempotent).

        Returns:
            self, for chaining.

        Raises:
            LinkDown: the port does not exist, is busy, or refuses the settings.
        """
        with self.lock:
            if self._st.ser is None:
                self._open()
        return self

    def close(self) -> None:
        """Close the port (idempotent); a later call reopens it."""
        with self.lock:
            ser, self._st.ser = self._st.ser, None
            self._st.fd = None
            self._st.pending = b""
            self._st.next_reopen = None
            if ser is not None:
                with contextlib.suppress(*_IO_ERRORS):
                    ser.close()

    def __enter__(self) -> SerialLink:
        return self.open()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _serial(self, **kw: Any) -> Any:
        s = self.settings
        ser = serial.serial_for_url(
            s.port,
            do_not_open=True,
            baudrate=s.baudrate,
            bytesize=kw.get("bytesize", s.bytesize),
            parity=kw.get("parity", s.parity),
            stopbits=s.stopbits,
            timeout=POLL_S,
            write_timeout=s.write_timeout,
        )
        ser.open()
        return ser

    def _open(self) -> None:
        s = self.settings
        fallback = False
        try:
            ser = self._serial()
        except ValueError as exc:
            raise ConfigurationError(f"serial port {s.port} rejects settings {s.describe()}: {exc}") from exc
        except _IO_ERRORS as exc:
            wants_special = s.parity != "N" or s.bytesize != 8
            if wants_special and _errno_of(exc) == errno.EINVAL and is_pseudo_terminal(s.port):
                try:
                    ser = self._serial(parity="N", bytesize=8)
                except _IO_ERRORS as exc2:
                    raise LinkDown(f"cannot open serial port {s.port}: {_reason(exc2)}") from exc2
                fallback = True
            else:
                raise LinkDown(
                    f"cannot open serial port {s.port}: {_reason(exc)} "
                    f"(check the port name, permissions, and that no other program holds it)"
                ) from exc
        applied: dict[str, Any] = {
            "baudrate": s.baudrate,
            "bytesize": s.bytesize,
            "parity": s.parity,
            "stopbits": s.stopbits,
        }
        if fallback:
            applied.update(bytesize=8, parity="N")
        fd = getattr(ser, "fd", None)
        if isinstance(fd, int):
            try:
                cflag = termios.tcgetattr(fd)[2]
                odd = "O" if cflag & termios.PARODD else "E"
                applied["parity"] = odd if cflag & termios.PARENB else "N"
                applied["bytesize"] = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}.get(
                    cflag & termios.CSIZE, s.bytesize
                )
            except termios.error:
                pass
        missing = [
            f"{name} {want}"
            for name, want in (("parity", s.parity), ("bytesize", s.bytesize))
            if applied[name] != want
        ]
        if missing:
            if not is_pseudo_terminal(s.port):
                with contextlib.suppress(*_IO_ERRORS):
                    ser.close()
                raise LinkDown(f"cannot open serial port {s.port}: the port refused {', '.join(missing)}")
            self.trace.note(
                f"{', '.join(missing)} not applied on {s.port}: pseudo-terminal refuses it; "
                f"opened {applied['bytesize']}{applied['parity']}{s.describe()[-1]} (bytes pass unchanged)"
            )
        self._st.ser = ser
        # a plain POSIX port (real tty or pty): read_frame waits on the descriptor itself, one select +
        # one read per chunk (pyserial's read(n) adds a timeout object, an abort pipe and a loop per call)
        self._st.fd = fd if type(ser) is serial.Serial and isinstance(fd, int) else None
        self._st.applied = applied
        self._st.pending = b""
        self._st.next_reopen = None
        self._st.backoff = s.reopen_backoff
        self._st.last_activity = time.monotonic()

    def _ensure_open(self) -> Any:
        st = self._st
        if st.ser is not None:
            return st.ser
        if st.next_reopen is not None:
            wait = st.next_reopen - self._clock.now()
            if wait > 0:
                raise LinkDown(
                    f"serial port {self.port} is down ({st.down_reason}); next reopen attempt in {wait:.2f} s"
                )
        try:
            self._open()
        except LinkDown as exc:
            if not st.down_reason:
                raise  # never opened: nothing to recover, the message says what to fix
            wait = st.backoff
            st.next_reopen = self._clock.now() + wait
            st.backoff = min(st.backoff * 2, self.settings.reopen_backoff_max)
            raise LinkDown(f"{exc}; the link will retry in {wait:.2f} s") from exc
        if st.down_reason:
            self.trace.note(f"reopened {self.port} after: {st.down_reason}")
            st.down_reason = ""
        return st.ser

    def _hangup(self, what: str, exc: BaseException) -> LinkDown:
        st = self._st
        reason = f"{what} failed: {_reason(exc)}"
        ser, st.ser = st.ser, None
        st.fd = None
        if ser is not None:
            with contextlib.suppress(*_IO_ERRORS):
                ser.close()
        st.pending = b""
        st.down_reason = reason
        st.next_reopen = self._clock.now() + st.backoff
        self.trace.note(f"link down on {self.port}: {reason}")
        return LinkDown(
            f"serial port {self.port} went away ({reason}); "
            f"check the cable/adapter, the link reopens it automatically"
        )

    @contextlib.contextmanager
    def _io(self, what: str) -> Iterator[None]:
        try:
            yield
        except serial.SerialTimeoutException as exc:
            raise InstrumentTimeout(
                f"{what} on {self.port} blocked longer than {self.settings.write_timeout} s "
                f"(flow control or a stuck adapter)"
            ) from exc
        except _IO_ERRORS as exc:
            raise self._hangup(what, exc) from exc

    # ------------------------------------------------------------------ primitive I/O
    def _io_error(self, what: str, exc: BaseException) -> InstrumentTimeout | LinkDown:
        """Map an I/O exception of ``what`` to ours (a hang-up closes the port, see :meth:`_hangup`)."""
        if isinstance(exc, serial.SerialTimeoutException):
            return InstrumentTimeout(
                f"{what} on {self.port} blocked longer than {self.settings.write_timeout} s "
                f"(flow control or a stuck adapter)"
            )
        return self._hangup(what, exc)

    def write(self, data: bytes) -> TraceEntry:
        """Write ``data`` (after the RTU silence if enabled) and trace it.

        With ``settings.drain`` (the default) the call returns when the port has sent every byte.

        Returns:
            The trace entry of the written bytes.

        Raises:
            LinkDown: the port is gone. InstrumentTimeout: the write blocked past ``write_timeout``.
        """
        with self.lock:
            st = self._st
            ser = st.ser if st.ser is not None else self._ensure_open()
            s = self.settings
            if s.enforce_min_gap:
                wait = st.last_activity + s.min_gap - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            fd = st.fd
            try:
                # a POSIX port takes a short frame in one non-blocking write; anything left (output
                # buffer full, flow control) goes through pyserial's write with its write_timeout
                sent = os.write(fd, data) if fd is not None else 0
                if sent < len(data):
                    ser.write(data[sent:])
                if s.drain:
                    ser.flush()
            except BlockingIOError:
                try:
                    ser.write(data)
                    if s.drain:
                        ser.flush()
                except _IO_ERRORS as exc:
                    raise self._io_error("write", exc) from exc
            except _IO_ERRORS as exc:
                raise self._io_error("write", exc) from exc
            now = time.monotonic()
            if not s.drain:
                now += len(data) * s.char_time  # still on the wire: count it as activity
                st.tx_end = now
            st.last_activity = now
            return self.trace.append("tx", data)

    def flush_input(self) -> bytes:
        """Discard bytes already received (stale replies, line noise) and return them (noted in the trace)."""
        with self.lock:
            ser = self._ensure_open()
            stale = self._st.pending
            self._st.pending = b""
            with self._io("flush input"):
                n = ser.in_waiting
                if n:
                    stale += ser.read(n)
                ser.reset_input_buffer()
            if stale:
                self.trace.note(f"discarded {len(stale)} stale byte(s) on {self.port}: {stale[:32].hex(' ')}")
            return stale

    def read_frame(
        self, framer: Framer, timeout: float | None = None, *, frames: list[TraceEntry] | None = None
    ) -> bytes:
        """Read one frame as cut by ``framer``; bytes after it stay for the next read.

        When the framer has an ``expected(buffer)`` hint (see :mod:`instruments.framing`) the missing
        bytes are asked for in one blocking read; otherwise each read takes what the port holds.

        Args:
            framer: decides where the frame ends.
            timeout: total seconds for the frame to arrive complete (default ``settings.timeout``); without
                drain it starts when the request's last byte has left (see ``LinkSettings.drain``).
            frames: if given, the trace entry of the frame (or of the partial bytes of a failed read) is
                appended to it as well, e.g. to collect every frame of a multi-attempt exchange.

        Returns:
            The frame bytes (also appended to the trace as ``"rx"``).

        Raises:
            InstrumentTimeout: nothing (or an incomplete frame) arrived within the timeout.
            ProtocolError: the framer rejected the bytes, or the line went idle longer than
                ``inter_byte_timeout`` in the middle of a frame.
            LinkDown: the port is gone.
        """
        with self.lock:
            st = self._st
            ser = st.ser if st.ser is not None else self._ensure_open()
            s = self.settings
            total = s.timeout if timeout is None else timeout
            start = time.monotonic()
            if st.tx_end > start:
                start = st.tx_end  # the reply cannot begin before the undrained request is out
            deadline = start + total
            buf = st.pending
            st.pending = b""
            last_rx = start
            gap = framer.idle_gap
            ibt = None if gap is not None else s.inter_byte_timeout
            expected: Callable[[bytes], int | None] | None = getattr(framer, "expected", None)
            feed = framer.feed
            fd = st.fd
            monotonic = time.monotonic
            try:
                while True:
                    want = 0
                    try:
                        if buf:
                            end = feed(buf)
                            if end is not None:
                                frame, st.pending = buf[:end], buf[end:]
                                entry = self.trace.append("rx", frame)
                                if frames is not None:
                                    frames.append(entry)
                                return frame
                        if expected is not None:
                            n = expected(buf)
                            if n is not None:
                                want = n - len(buf)
                    except ProtocolError as exc:
                        raise ProtocolError(f"{exc} (on {self.port})") from exc
                    now = monotonic()
                    if buf:
                        if gap is not None and now - last_rx >= gap:
                            entry = self.trace.append("rx", buf)
                            if frames is not None:
                                frames.append(entry)
                            return buf
                        if ibt is not None and now - last_rx >= ibt:
                            raise ProtocolError(
                                f"incomplete frame from {self.port}: {len(buf)} byte(s) then "
                                f"{ibt} s of silence: {buf[:32].hex(' ')}"
                            )
                    if now >= deadline:
                        got = f"; got {len(buf)} byte(s) of an incomplete frame" if buf else ""
                        raise InstrumentTimeout(f"no complete reply on {self.port} within {total} s{got}")
                    try:
                        if fd is not None:
                            chunk = _read_fd(fd, deadline - now)
                        else:
                            chunk = ser.read(want if want > 0 else max(1, ser.in_waiting))
                    except _IO_ERRORS as exc:
                        buf = b""  # the port is closed: partial bytes are noted with the hang-up
                        raise self._io_error("read", exc) from exc
                    if chunk:
                        buf += chunk
                        last_rx = st.last_activity = monotonic()
            except (ProtocolError, InstrumentTimeout):
                if buf:
                    entry = self.trace.append("rx", buf)
                    if frames is not None:
                        frames.append(entry)
                raise

    # ------------------------------------------------------------------ exchanges
    def exchange(
        self,
        request: bytes,
        framer: Framer,
        decode: Callable[[bytes], T],
        *,
        timeout: float | None = None,
        retries: int | None = None,
        device: str | None = None,
    ) -> Exchange[T]:
        """Send ``request`` and return the first reply that ``decode`` accepts, retrying on failure.

        Each attempt flushes stale input, writes the request and reads one frame within ``timeout``.
        A timeout, a framing error or a ProtocolError raised by ``decode`` (bad checksum, wrong echo) is
        noted in the trace and the request is sent again, up to ``retries`` more times. DeviceError (the
        device answered "no") and LinkDown are not retried. The port lock is held throughout.

        Args:
            request: the complete request frame.
            framer: cuts the reply.
            decode: validates and decodes a reply frame; raises ProtocolError to reject it.
            timeout: per-attempt reply timeout (default ``settings.timeout``).
            retries: extra attempts (default ``settings.retries``).
            device: name used in error messages (e.g. ``"DL/T 645 meter 111111111111"``).

        Returns:
            The decoded value, the accepted reply and every frame of the exchange.

        Raises:
            InstrumentTimeout: the last attempt got no (complete) reply.
            ProtocolError: the last attempt got a malformed reply.
            DeviceError: the device answered with an error (raised by ``decode``).
            LinkDown: the port is gone.
        """
        n_retries = self.settings.retries if retries is None else retries
        who = device or "device"
        frames: list[TraceEntry] = []
        last: InstrumentTimeout | ProtocolError | None = None
        with self.lock:
            for attempt in range(1, n_retries + 2):
                self.flush_input()
                frames.append(self.write(request))
                try:
                    reply = self.read_frame(framer, timeout, frames=frames)
                    value = decode(reply)
                except (InstrumentTimeout, ProtocolError) as exc:
                    last = exc
                    if attempt <= n_retries:
                        self.trace.note(f"{who}: attempt {attempt}/{n_retries + 1} failed ({exc}); retrying")
                    continue
                if attempt > 1:
                    self.trace.note(f"{who}: reply accepted on attempt {attempt}/{n_retries + 1}")
                return Exchange(value, reply, tuple(frames), attempt)
        assert last is not None
        msg = f"{who} on {self.port}: {last} (after {n_retries + 1} attempt(s))"
        self.trace.note(msg)
        if isinstance(last, InstrumentTimeout):
            raise InstrumentTimeout(
                f"{msg}; check wiring, address and line settings {self.settings.describe()}"
            )
        raise ProtocolError(msg)

    def transact(
        self,
        request: bytes,
        framer: Framer,
        *,
        timeout: float | None = None,
        check: Callable[[bytes], object] | None = None,
        retries: int | None = None,
    ) -> bytes:
        """Send ``request`` and return one framed reply (see :meth:`exchange` for retries and errors).

        Args:
            request: the complete request frame.
            framer: cuts the reply.
            timeout: per-attempt reply timeout (default ``settings.timeout``).
            check: optional validator; raising ProtocolError rejects the reply and triggers a retry.
            retries: extra attempts (default ``settings.retries``).

        Returns:
            The reply frame.
        """

        def accept(reply: bytes) -> bytes:
            if check is not None:
                check(reply)
            return reply

        return self.exchange(request, framer, accept, timeout=timeout, retries=retries).value

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"SerialLink({self.port!r}, {self.settings.describe()}, {state})"
