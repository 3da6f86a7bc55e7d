"""Injectable clocks, so slow physical processes can run in scaled time.

Simulators and procedures take a :class:`Clock`. A real bench uses :class:`RealClock`; the demo and
the tests use :class:`ScaledClock` (a time scale of 100 makes a 10 s settling wait take 0.1 s of wall
time while the device and the procedure both see 10 s pass).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "RealClock", "ScaledClock"]


class Clock(Protocol):
    """Source of (possibly scaled) time in seconds."""

    def now(self) -> float:
        """Seconds on this clock (monotonic, arbitrary origin)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds`` of this clock's time."""
        ...


class RealClock:
    """Wall-clock monotonic time."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ScaledClock:
    """Time that runs ``scale`` times faster than the wall clock.

    Args:
        scale: how many clock seconds pass per wall-clock second (> 0).
    """

    def __init__(self, scale: float = 1.0) -> None:
        if not scale > 0:
            raise ValueError(f"time scale must be > 0, got {scale!r}")
        self.scale = float(scale)
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)


class ManualClock:
    """A clock that only moves when told to (``advance`` or ``sleep``); for deterministic tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._t = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)
