"""Raw-frame trace: every byte sent to and received from an instrument, with a UTC timestamp.

The trace is the audit trail of an acquisition: a calibration record stores the frames a reading was
decoded from. A :class:`Trace` is shared by the links and drivers that write to it, so it is thread-safe.
It also keeps free-text *notes* (for example "parity E not applied: pseudo-terminal refuses it", or
"retry 1/2 after checksum error") that explain what happened on the link besides the frames.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = ["Direction", "Trace", "TraceEntry", "TraceNote", "utc_now"]

Direction = Literal["tx", "rx"]


def utc_now() -> datetime:
    """Current wall-clock time in UTC (the default timestamp source of a :class:`Trace`)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class TraceEntry:
    """One frame (or fragment) that crossed the link.

    Attributes:
        direction: ``"tx"`` (host to device) or ``"rx"`` (device to host).
        data: the raw bytes, exactly as on the wire.
        t: when the bytes were written or the frame completed (timezone-aware, UTC).
    """

    direction: Direction
    data: bytes
    t: datetime

    def __post_init__(self) -> None:
        if self.direction not in ("tx", "rx"):
            raise ValueError(f"trace direction must be 'tx' or 'rx', got {self.direction!r}")
        if self.t.tzinfo is None:
            raise ValueError(f"trace timestamp must be timezone-aware (UTC), got naive {self.t!r}")

    @property
    def hex(self) -> str:
        """The bytes as upper-case hex pairs separated by spaces (``"68 11 11 … 16"``)."""
        return self.data.hex(" ").upper()

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form: ``{"dir": "tx"|"rx", "hex": "68 11 …", "t": ISO 8601 UTC}``."""
        return {"dir": self.direction, "hex": self.hex, "t": self.t.isoformat()}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> TraceEntry:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: if a field is missing or malformed.
        """
        direction = d["dir"]
        if direction not in ("tx", "rx"):
            raise ValueError(f"trace direction must be 'tx' or 'rx', got {direction!r}")
        data = bytes.fromhex(d["hex"])
        return cls("tx" if direction == "tx" else "rx", data, datetime.fromisoformat(d["t"]))


@dataclass(frozen=True)
class TraceNote:
    """A free-text remark about the link (settings not applied, retries, reopen attempts)."""

    text: str
    t: datetime

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form: ``{"note", "t"}``."""
        return {"note": self.text, "t": self.t.isoformat()}


class Trace:
    """Thread-safe, optionally bounded list of :class:`TraceEntry` plus notes.

    Args:
        maxlen: keep at most this many entries (and notes); the oldest are dropped first. ``None`` keeps all.
        now: timestamp source (UTC); defaults to the wall clock. Tests may inject a fixed one.
    """

    def __init__(self, maxlen: int | None = 100_000, *, now: Callable[[], datetime] = utc_now) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"trace maxlen must be >= 1 or None, got {maxlen!r}")
        self._entries: deque[TraceEntry] = deque(maxlen=maxlen)
        self._notes: deque[TraceNote] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._now = now

    def append(self, direction: Direction, data: bytes, t: datetime | None = None) -> TraceEntry:
        """Record ``data`` sent (``"tx"``) or received (``"rx"``) and return the new entry."""
        entry = TraceEntry(direction, bytes(data), self._now() if t is None else t)
        with self._lock:
            self._entries.append(entry)
        return entry

    def note(self, text: str) -> TraceNote:
        """Record a free-text note and return it."""
        n = TraceNote(text, self._now())
        with self._lock:
            self._notes.append(n)
        return n

    @property
    def entries(self) -> tuple[TraceEntry, ...]:
        """Snapshot of the entries, oldest first."""
        with self._lock:
            return tuple(self._entries)

    @property
    def notes(self) -> tuple[TraceNote, ...]:
        """Snapshot of the notes, oldest first."""
        with self._lock:
            return tuple(self._notes)

    def drain(self) -> tuple[TraceEntry, ...]:
        """Return all entries and clear them (notes are kept)."""
        with self._lock:
            out = tuple(self._entries)
            self._entries.clear()
        return out

    def drain_notes(self) -> tuple[TraceNote, ...]:
        """Return all notes and clear them."""
        with self._lock:
            out = tuple(self._notes)
            self._notes.clear()
        return out

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
