"""Tighter wake-ups for short waits: the Linux per-thread *timer slack*.

Linux lets every sleep of a normal thread end up to the thread's timer slack late (default 50 µs) so that
wake-ups can be batched; on a busy machine the median overshoot of a 1.75 ms ``time.sleep`` is then about
80 µs. A Modbus RTU master sleeps once per transaction for the t3.5 silence (0.33–4 ms) and a line
simulator once per exchange, so at 115200 baud that slack alone costs 2–4 % of the throughput. Setting the
slack of the waiting thread to 1 µs (``prctl(PR_SET_TIMERSLACK)``) halves the overshoot; a sleep never
ends *early* either way, so a silence stays at least as long as asked.

The setting belongs to the calling thread only and affects all its timers (slightly more wake-ups, a
little more power); it is therefore opt-in for client code
(:class:`~instruments.modbus_client.ModbusClient` ``tight_sleep=True``) and used by the simulators' own
server threads. On other systems, or if ``prctl`` is unavailable, nothing changes.

Even with a 1 µs slack a sleeping thread wakes up some 50–150 µs late on a virtual machine (the
scheduler's wake-up latency), which is a third of a t3.5 silence at 115200 baud. :class:`PreciseWait`
removes most of it: it sleeps until shortly before the deadline and busy-waits the rest, where "shortly"
is learned from the wake-ups it has seen (mean lateness plus twice its mean deviation, capped), so it
spins only about as long as a wake-up is late. Used by the simulators' line pacing and, opt-in, by the
Modbus client's silence (``spin_s="auto"``).
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from typing import Any

__all__ = ["PreciseWait", "tighten_timer_slack"]

_PR_SET_TIMERSLACK = 29
_done = threading.local()
_prctl: Any = None


def _load_prctl() -> Any:
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        try:
            fn = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            return None
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        _prctl = fn
    return _prctl


def tighten_timer_slack(ns: int = 1000) -> bool:
    """Set the calling thread's timer slack to ``ns`` nanoseconds (once per thread; Linux only).

    Args:
        ns: the slack in nanoseconds (> 0; the kernel default is 50 000).

    Returns:
        True if the slack is (now or already) set for this thread, False where it cannot be set.

    Raises:
        ValueError: ``ns`` is not positive (0 would mean "back to the default").
    """
    if ns <= 0:
        raise ValueError(f"timer slack must be > 0 ns, got {ns!r}")
    if getattr(_done, "ns", None) == ns:
        return True
    fn = _load_prctl()
    if fn is None:
        return False
    ok = bool(fn(_PR_SET_TIMERSLACK, ns, 0, 0, 0) == 0)
    if ok:
        _done.ns = ns
    return ok


class PreciseWait:
    """Wait until a ``time.monotonic()`` deadline: sleep most of the way, busy-wait the learned lateness.

    Never returns before the deadline. The busy-wait is at most ``max_spin_s`` and at most half the wait
    per call; the estimate of the wake-up lateness follows the machine (an exponentially weighted mean and
    mean deviation of the measured lateness, each sample capped at ``max_spin_s``).

    Args:
        max_spin_s: upper bound of the busy-wait per call (s, >= 0; 0 = plain sleep).
        initial_s: lateness assumed before the first wake-up has been measured (s).

    Raises:
        ValueError: a negative ``max_spin_s`` or ``initial_s``.

    >>> w = PreciseWait(max_spin_s=0.0005)
    >>> t = time.monotonic() + 0.002
    >>> w.until(t)
    >>> time.monotonic() >= t
    True
    """

    __slots__ = ("_dev", "_mean", "max_spin_s")

    _GAIN = 0.1

    def __init__(self, max_spin_s: float = 0.0005, initial_s: float = 0.0001) -> None:
        if max_spin_s < 0 or initial_s < 0:
            raise ValueError(f"spin and initial lateness must be >= 0 s, got {max_spin_s!r}, {initial_s!r}")
        self.max_spin_s = max_spin_s
        self._mean = initial_s
        self._dev = initial_s / 2

    @property
    def margin_s(self) -> float:
        """How long before the deadline the next wait stops sleeping (s)."""
        return min(self._mean + 2 * self._dev, self.max_spin_s)

    def until(self, deadline: float) -> None:
        """Return at ``deadline`` (monotonic s) or just after it; at once if it has passed."""
        monotonic = time.monotonic
        now = monotonic()
        wait = deadline - now
        if wait <= 0:
            return
        spin = min(self.margin_s, wait / 2)  # always sleep half: bounded CPU, and the estimate keeps learning
        if spin < wait:
            asked = wait - spin
            time.sleep(asked)
            late = min(monotonic() - now - asked, self.max_spin_s)  # a preemption is not a wake-up latency
            g = self._GAIN
            self._dev += g * (abs(late - self._mean) - self._dev)
            self._mean += g * (late - self._mean)
        while monotonic() < deadline:
            pass
