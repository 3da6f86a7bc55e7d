"""Fault injection for simulated instruments: a small grammar and the injector that applies it.

Grammar (``FaultSpec.parse``), comma-separated ``name=value`` items, empty string = no faults::

    corrupt=P[:K]     with probability P per reply, change K (default 1) random bytes anywhere in the
    crc=P[:K]         reply frame (same as corrupt; the name is kept for familiarity)
    drop=P            remove one random byte from the reply
    truncate=P        cut the reply short at a random position (at least one byte is lost)
    garbage=P         prepend 1..8 random bytes of line noise (exercises resynchronisation)
    mute=P            do not reply to this request at all (a random silence)
    slow=P@D          with probability P, delay the reply by D seconds
    silence=D@T[/E]   no replies for D seconds starting T seconds after the simulator started,
                      repeated every E seconds if /E is given
    hangup=D@T[/E]    close the pseudo-terminal master at T (the adapter is unplugged) and open a new one
                      after D seconds (``--link`` then points at the new device), repeated every E s

Probabilities are in [0, 1]; times are seconds of the simulator's clock (scaled by ``--time-scale``).
Per-reply faults are drawn independently in the order mute, corrupt, drop, truncate, garbage, slow.
Every fault applied is recorded as a :class:`FaultEvent` and logged on the ``instruments.sim`` logger.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields

from instruments.errors import ConfigurationError

__all__ = ["FaultEvent", "FaultInjector", "FaultSpec", "Window"]

log = logging.getLogger("instruments.sim")


@dataclass(frozen=True)
class Window:
    """A time window ``[at, at + duration)``, optionally repeated every ``every`` seconds."""

    duration: float
    at: float
    every: float | None = None

    def __post_init__(self) -> None:
        if not self.duration > 0 or self.at < 0:
            raise ConfigurationError(f"fault window needs duration > 0 and start >= 0, got {self}")
        if self.every is not None and not self.every > self.duration:
            raise ConfigurationError(f"fault window period must exceed its duration, got {self}")

    def active(self, t: float) -> bool:
        """True when time ``t`` (s since start) falls inside the window."""
        if t < self.at:
            return False
        if self.every is None:
            return t < self.at + self.duration
        return (t - self.at) % self.every < self.duration

    def __str__(self) -> str:
        tail = f"/{self.every:g}" if self.every is not None else ""
        return f"{self.duration:g}@{self.at:g}{tail}"


def _prob(name: str, text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise ConfigurationError(f"fault {name}={text!r}: probability must be a number in [0, 1]") from None
    if not 0.0 <= p <= 1.0:
        raise ConfigurationError(f"fault {name}={text!r}: probability must be in [0, 1]")
    return p


def _window(name: str, text: str) -> Window:
    try:
        dur, rest = text.split("@", 1)
        at, _, every = rest.partition("/")
        numbers = float(dur), float(at), float(every) if every else None
    except ValueError:
        raise ConfigurationError(
            f"fault {name}={text!r}: expected DURATION@START[/PERIOD] in seconds, e.g. {name}=2@10"
        ) from None
    return Window(*numbers)


@dataclass(frozen=True)
class FaultSpec:
    """Which faults a simulator injects; see the module docstring for the grammar."""

    corrupt: float = 0.0
    corrupt_bytes: int = 1
    drop: float = 0.0
    truncate: float = 0.0
    garbage: float = 0.0
    mute: float = 0.0
    slow: float = 0.0
    slow_delay: float = 0.0
    silence: tuple[Window, ...] = ()
    hangup: tuple[Window, ...] = ()

    @classmethod
    def parse(cls, spec: str | None) -> FaultSpec:
        """Parse ``"crc=0.05,drop=0.01,slow=0.2@0.5,silence=2@10,hangup=5@30"``.

        Raises:
            ConfigurationError: unknown fault name or malformed value (the message names the item).
        """
        kw: dict[str, object] = {}
        silence: list[Window] = []
        hangup: list[Window] = []
        for raw in (spec or "").split(","):
            item = raw.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            name, value = name.strip().lower(), value.strip()
            if not sep or not value:
                raise ConfigurationError(f"fault item {item!r} must look like name=value")
            if name in ("corrupt", "crc"):
                p, _, k = value.partition(":")
                kw["corrupt"] = _prob(name, p)
                if k:
                    if not k.isdigit() or int(k) < 1:
                        raise ConfigurationError(
                            f"fault {item!r}: byte count after ':' must be an integer >= 1"
                        )
                    kw["corrupt_bytes"] = int(k)
            elif name in ("drop", "truncate", "garbage", "mute"):
                kw[name] = _prob(name, value)
            elif name == "slow":
                p, sep2, d = value.partition("@")
                try:
                    delay = float(d)
                except ValueError:
                    delay = -1.0
                if not sep2 or delay < 0:
                    raise ConfigurationError(
                        f"fault {item!r}: expected slow=PROBABILITY@DELAY_S, e.g. slow=0.2@0.5"
                    )
                kw["slow"], kw["slow_delay"] = _prob(name, p), delay
            elif name == "silence":
                silence.append(_window(name, value))
            elif name == "hangup":
                hangup.append(_window(name, value))
            else:
                known = "corrupt (crc), drop, truncate, garbage, mute, slow, silence, hangup"
                raise ConfigurationError(f"unknown fault {name!r} in {spec!r}; known faults: {known}")
        return cls(silence=tuple(silence), hangup=tuple(hangup), **kw)  # type: ignore[arg-type]

    @property
    def any(self) -> bool:
        """True if at least one fault is configured."""
        return self != FaultSpec()

    def __str__(self) -> str:
        parts: list[str] = []
        default = FaultSpec()
        for f in fields(self):
            v = getattr(self, f.name)
            if v == getattr(default, f.name) or f.name in ("corrupt_bytes", "slow_delay"):
                continue
            if f.name == "corrupt":
                parts.append(f"corrupt={v:g}" + (f":{self.corrupt_bytes}" if self.corrupt_bytes != 1 else ""))
            elif f.name == "slow":
                parts.append(f"slow={v:g}@{self.slow_delay:g}")
            elif f.name in ("silence", "hangup"):
                parts.extend(f"{f.name}={w}" for w in v)
            else:
                parts.append(f"{f.name}={v:g}")
        return ",".join(parts)


@dataclass(frozen=True)
class FaultEvent:
    """One fault applied: simulator time (s since start), kind, and what was done."""

    t: float
    kind: str
    detail: str


class FaultInjector:
    """Applies a :class:`FaultSpec` to replies, drawing from ``rng``.

    Args:
        spec: the faults.
        rng: random source (seeded by the caller for reproducible runs).
        on_event: called with every :class:`FaultEvent` (besides logging and :attr:`events`).
    """

    def __init__(
        self, spec: FaultSpec, rng: random.Random, on_event: Callable[[FaultEvent], None] | None = None
    ) -> None:
        self.spec = spec
        self.rng = rng
        self._on_event = on_event
        self._events: list[FaultEvent] = []
        self._lock = threading.Lock()

    @property
    def events(self) -> tuple[FaultEvent, ...]:
        """Every fault applied so far."""
        with self._lock:
            return tuple(self._events)

    def record(self, t: float, kind: str, detail: str) -> FaultEvent:
        """Log one fault event."""
        ev = FaultEvent(t, kind, detail)
        with self._lock:
            self._events.append(ev)
        log.info("fault t=%.3f %s: %s", t, kind, detail)
        if self._on_event is not None:
            self._on_event(ev)
        return ev

    def silent(self, t: float) -> bool:
        """True when a silence window is active at ``t``."""
        return any(w.active(t) for w in self.spec.silence)

    def hung_up(self, t: float) -> bool:
        """True when a hang-up window is active at ``t``."""
        return any(w.active(t) for w in self.spec.hangup)

    def apply(self, t: float, reply: bytes) -> tuple[bytes | None, float]:
        """Apply the per-reply faults to ``reply``.

        Returns:
            ``(reply or None, delay_s)``: the (possibly damaged) reply, None if muted, and how long to wait
            before sending it.
        """
        s, rng = self.spec, self.rng
        if s.mute and rng.random() < s.mute:
            self.record(t, "mute", f"no reply ({len(reply)} bytes withheld)")
            return None, 0.0
        out = bytearray(reply)
        if s.corrupt and out and rng.random() < s.corrupt:
            positions = rng.sample(range(len(out)), min(s.corrupt_bytes, len(out)))
            for i in positions:
                old = out[i]
                out[i] ^= rng.randrange(1, 256)
                self.record(t, "corrupt", f"byte {i}: {old:02X} -> {out[i]:02X}")
        if s.drop and len(out) > 1 and rng.random() < s.drop:
            i = rng.randrange(len(out))
            self.record(t, "drop", f"byte {i} ({out[i]:02X}) removed")
            del out[i]
        if s.truncate and len(out) > 1 and rng.random() < s.truncate:
            n = rng.randrange(1, len(out))
            self.record(t, "truncate", f"{len(out)} -> {n} bytes")
            del out[n:]
        if s.garbage and rng.random() < s.garbage:
            noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            self.record(t, "garbage", f"prepended {noise.hex(' ')}")
            out[:0] = noise
        delay = 0.0
        if s.slow and rng.random() < s.slow:
            delay = s.slow_delay
            self.record(t, "slow", f"reply delayed {delay:g} s")
        return bytes(out), delay
