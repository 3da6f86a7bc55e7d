"""Serve a simulated device on a real pseudo-terminal pair, with fault injection.

``PtySimServer(device).start()`` opens a pty pair with :func:`os.openpty`, puts the slave side in raw mode
and returns its path (``/dev/pts/N``): a :class:`~instruments.link.SerialLink` (or any serial program)
opens that path as if it were a serial port. A background thread reads requests from the master side,
cuts them with ``device.framer``, asks ``device.handle`` for the reply, damages it according to the
:class:`~instruments.sim.faults.FaultSpec` and writes it back.

``hangup()`` closes the master (like pulling a USB-serial adapter: the host sees EIO/hang-up) and
``reappear()`` opens a fresh pair; with ``link_path`` a symlink always points at the current slave, so a
link configured with that stable name (like ``/dev/serial/by-id/…``) finds the device again.

Timing: device delays (``reply_delay``, ``slow=`` faults) and the fault schedule use the injected clock;
the optional line-rate pacing (``baud``) is wall-clock time, because it stands for the wire. The reply is
written when the request's wire time, the device delay and the reply's wire time have passed since the
request arrived (handling time counts towards them, as a real device's turnaround does); with the
default :class:`~instruments.clock.RealClock` that is one sleep to that deadline per exchange, ending with
a busy-wait as long as the thread's wake-ups are late (:class:`~instruments.timer_slack.PreciseWait`), so
the pacing is the line's and not the scheduler's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import select
import threading
import time
import tty
from collections.abc import Callable
from types import TracebackType

from instruments.clock import Clock, RealClock
from instruments.errors import ConfigurationError, LinkDown, ProtocolError
from instruments.sim.base import SimDevice
from instruments.sim.faults import FaultEvent, FaultInjector, FaultSpec
from instruments.timer_slack import PreciseWait, tighten_timer_slack

__all__ = ["PtySimServer"]

log = logging.getLogger("instruments.sim")


class PtySimServer:
    """A simulated device served on a pseudo-terminal.

    Args:
        device: the simulated device (``framer`` + ``handle``).
        faults: faults to inject into replies and the line.
        rng: random source for the faults (seed it for reproducible runs).
        clock: time of the fault schedule and of reply delays.
        link_path: if given, a symlink kept pointing at the current slave device.
        baud: if given, pace each exchange at this line rate (10 bits per byte, request + reply).
        reply_delay: seconds (device clock) between a request and its reply.
        idle_reset: discard a partial request after this many wall seconds of silence.
        name: used in logs (defaults to the device class name).
        on_event: called with every fault event (e.g. to tell the user the new path after ``reappear``).
    """

    def __init__(
        self,
        device: SimDevice,
        *,
        faults: FaultSpec | None = None,
        rng: random.Random | None = None,
        clock: Clock | None = None,
        link_path: str | None = None,
        baud: int | None = None,
        reply_delay: float = 0.0,
        idle_reset: float = 0.5,
        name: str | None = None,
        on_event: Callable[[FaultEvent], None] | None = None,
    ) -> None:
        if baud is not None and baud <= 0:
            raise ConfigurationError(f"pacing baud rate must be > 0, got {baud!r}")
        self.device = device
        self.faults = faults if faults is not None else FaultSpec()
        self.clock: Clock = clock if clock is not None else RealClock()
        self.injector = FaultInjector(self.faults, rng if rng is not None else random.Random(0), on_event)
        self.link_path = link_path
        self.baud = baud
        self._wait = PreciseWait()  # the wire is on time: no scheduler lateness in the pacing
        self.reply_delay = reply_delay
        self.idle_reset = idle_reset
        self.name = name or type(device).__name__
        self.requests = 0
        self.replies = 0
        self._master: int | None = None
        self._slave: int | None = None
        self._path: str | None = None
        self._fd_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._scheduled_down = False
        self._real_clock = True

    # ------------------------------------------------------------------ lifecycle
    @property
    def path(self) -> str:
        """The current slave device path (``/dev/pts/N``).

        Raises:
            LinkDown: the server is not started.
        """
        if self._path is None:
            raise LinkDown(f"simulator {self.name} is not serving (call start())")
        return self._path

    @property
    def events(self) -> tuple[FaultEvent, ...]:
        """Every fault applied so far."""
        return self.injector.events

    @property
    def is_up(self) -> bool:
        """True while a pty pair is open (not hung up, not stopped)."""
        return self._master is not None

    def elapsed(self) -> float:
        """Seconds of the device clock since :meth:`start`."""
        return self.clock.now() - self._t0

    def start(self) -> str:
        """Open the pty pair, start serving, and return the slave device path."""
        if self._thread is not None:
            return self.path
        self._t0 = self.clock.now()
        path = self._open_pair()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"sim-{self.name}", daemon=True)
        self._thread.start()
        return path

    def stop(self) -> None:
        """Stop serving, close the pty pair and remove the symlink (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._close_pair()
        if self.link_path and os.path.islink(self.link_path):
            with contextlib.suppress(OSError):
                os.unlink(self.link_path)

    def __enter__(self) -> PtySimServer:
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def hangup(self) -> None:
        """Close the master side (the host sees a hang-up, like an unplugged USB adapter)."""
        self.injector.record(self.elapsed(), "hangup", f"closed {self._path}")
        self._close_pair()

    def reappear(self) -> str:
        """Open a new pty pair after :meth:`hangup`; return the new slave path (the symlink follows)."""
        path = self._open_pair()
        self.injector.record(self.elapsed(), "reappear", f"serving on {path}")
        return path

    def _open_pair(self) -> str:
        if self.link_path and os.path.lexists(self.link_path) and not os.path.islink(self.link_path):
            raise ConfigurationError(
                f"--link {self.link_path} exists and is not a symlink; refusing to replace it "
                "(choose a new path)"
            )
        master, slave = os.openpty()
        tty.setraw(slave)
        path = os.ttyname(slave)
        with self._fd_lock:
            self._master, self._slave, self._path = master, slave, path
        if self.link_path:
            tmp = f"{self.link_path}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(path, tmp)
            os.replace(tmp, self.link_path)
        log.info("%s serving on %s", self.name, path)
        return path

    def _close_pair(self) -> None:
        with self._fd_lock:
            fds = (self._master, self._slave)
            self._master = self._slave = None
        for fd in fds:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    # ------------------------------------------------------------------ serving
    def _schedule(self) -> None:
        if not self.faults.hangup:
            return
        down = self.injector.hung_up(self.elapsed())
        if down and not self._scheduled_down:
            self._scheduled_down = True
            self.hangup()
        elif not down and self._scheduled_down:
            self._scheduled_down = False
            self.reappear()

    def _serve(self) -> None:
        buf = b""
        last_rx = time.monotonic()
        self._real_clock = type(self.clock) is RealClock
        tighten_timer_slack()  # this thread stands for the wire: wake up on time (instruments.timer_slack)
        while not self._stop.is_set():
            self._schedule()
            fd = self._master
            if fd is None:
                buf = b""
                time.sleep(0.01)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.02)
                data = os.read(fd, 4096) if ready else b""
            except (OSError, ValueError):
                time.sleep(0.01)  # the pair was closed under us (hang-up); loop re-checks
                continue
            now = time.monotonic()
            if data:
                buf += data
                last_rx = now
            elif buf and now - last_rx > self.idle_reset:
                self.injector.record(self.elapsed(), "discard", f"incomplete request {buf[:32].hex(' ')}")
                buf = b""
            while buf:
                try:
                    end = self.device.framer.feed(buf)
                except ProtocolError as exc:
                    self.injector.record(self.elapsed(), "discard", f"bad request ({exc})")
                    buf = b""
                    break
                if end is None:
                    break
                request, buf = buf[:end], buf[end:]
                self._respond(fd, request, last_rx)

    def _respond(self, fd: int, request: bytes, t_rx: float) -> None:
        self.requests += 1
        t = self.elapsed()
        if self.injector.silent(t):
            self.injector.record(t, "silence", f"request {request[:16].hex(' ')} ignored")
            return
        try:
            reply = self.device.handle(request)
        except Exception as exc:  # a simulator bug must not kill the server thread
            log.exception("%s failed on request %s", self.name, request.hex(" "))
            self.injector.record(t, "error", f"handler raised {exc!r}")
            return
        if reply is None:
            return
        damaged, delay = self.injector.apply(t, reply)
        if damaged is None:
            return
        device_wait = self.reply_delay + delay
        pacing = (len(request) + len(damaged)) * 10.0 / self.baud if self.baud else 0.0
        if self._real_clock:
            self._wait.until(t_rx + device_wait + pacing)  # one wake-up per exchange, on time
        else:
            if device_wait > 0:
                self.clock.sleep(device_wait)
            if pacing:
                time.sleep(pacing)
        try:
            os.write(fd, damaged)
            self.replies += 1
        except OSError:
            pass  # hung up meanwhile
