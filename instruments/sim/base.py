"""What a simulated instrument is, and the state every simulator shares.

A simulated device is any object with

* ``framer``: a :class:`~instruments.framing.Framer` that cuts *requests* out of the bytes the host sends;
* ``handle(request) -> bytes | None``: the reply computed from the device's own state (None = the real
  device would stay silent, e.g. a request for another address on the bus).

:class:`~instruments.sim.pty.PtySimServer` serves such an object on a pseudo-terminal and applies faults.
:class:`SimBase` holds what the simulators of the centre share: an injectable clock (scaled time), a seeded
``random.Random``, a configured systematic error and noise, and a lock around the state (``handle`` runs
in the server thread while a test or a companion simulator may change the state).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from instruments.clock import Clock, RealClock
from instruments.errors import ConfigurationError
from instruments.framing import Framer

__all__ = ["SimBase", "SimDevice"]


@runtime_checkable
class SimDevice(Protocol):
    """A simulated instrument: a request framer and a request handler."""

    @property
    def framer(self) -> Framer:
        """Cuts requests out of the host's byte stream."""
        ...

    def handle(self, request: bytes) -> bytes | None:
        """Reply to one request frame from the device's state (None: no reply)."""
        ...


class SimBase:
    """Shared state of the simulators.

    Args:
        clock: the device's time (``ScaledClock`` in the demo, ``ManualClock`` in tests).
        rng: random source; pass a seeded ``random.Random`` for reproducible noise.
        error_percent: the device's systematic error, in percent of the true value.
        noise_percent: standard deviation of the relative noise of each reading, in percent.

    Raises:
        ConfigurationError: negative noise, or an error of -100 % or below.
    """

    #: Short name used in logs and ``calib sim --list``.
    name = "device"

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        if not error_percent > -100.0:
            raise ConfigurationError(f"error_percent must be > -100 %, got {error_percent!r}")
        if noise_percent < 0:
            raise ConfigurationError(f"noise_percent must be >= 0, got {noise_percent!r}")
        self.clock: Clock = clock if clock is not None else RealClock()
        self.rng = rng if rng is not None else random.Random(0)
        self.error_percent = float(error_percent)
        self.noise_percent = float(noise_percent)
        self.lock = threading.RLock()

    def noisy(self, value: float) -> float:
        """``value`` times ``1 + ε`` with ε ~ N(0, noise_percent/100)."""
        if self.noise_percent == 0:
            return value
        with self.lock:
            return value * (1.0 + self.rng.gauss(0.0, self.noise_percent / 100.0))

    def with_error(self, value: float) -> float:
        """``value`` times ``1 + error_percent/100`` (what a device with this systematic error shows)."""
        return value * (1.0 + self.error_percent / 100.0)

    def companions(self) -> Mapping[str, SimDevice]:
        """Further devices this simulator drives and that should be served alongside it (name → device)."""
        return {}
