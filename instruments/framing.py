"""Framers: where does one reply end in a stream of bytes?

A framer is fed the bytes received so far for one reply and answers with the index just past the end of
the first complete frame (``buffer[:end]`` is the frame, anything after it is left over), ``None`` when
more bytes are needed, or raises :class:`~instruments.errors.ProtocolError` when the buffer can never
become a valid frame (too long, impossible length byte). Framers are stateless, so one instance can be
shared by every link and thread.

Three strategies cover the protocols of the centre:

* :class:`TerminatorFramer`: ASCII lines (SCPI, MT-SICS, MFC, our meter bench), ``b"\\r\\n"`` or ``b"\\r"``.
* :class:`LengthFramer`: binary frames whose length follows from a header (Modbus RTU by function code,
  DL/T 645 and CJ/T 188 by their L byte, M-Bus long frames).
* :class:`IdleGapFramer`: "the frame ends when the line goes quiet for ``gap_s``" (Modbus RTU's t3.5 on a
  real line, devices without terminator). ``feed`` never ends a frame by content; the link ends it when
  no byte arrived for ``gap_s`` (see :meth:`instruments.link.SerialLink.read_frame`). Pseudo-terminals do
  not preserve gaps, so simulators frame requests by length instead.

Optional read-size hint: a framer may also define ``expected(buffer) -> int | None``, a *lower bound* on
the total length of the frame that starts ``buffer`` (exact once the header tells the length), or None
when it cannot say. Where :meth:`instruments.link.SerialLink.read_frame` reads through pyserial
(``loop://``, other URL handlers, non-POSIX ports) it then asks for exactly the missing bytes in one
blocking read instead of polling the input count; because the hint never exceeds the frame, such a read
never waits past a complete frame. On a POSIX tty/pty the link waits on the descriptor and takes what has
arrived, and needs no hint. Either way, bytes after a frame stay pending for the next read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from instruments.errors import ConfigurationError, ProtocolError

__all__ = ["Framer", "IdleGapFramer", "LengthFramer", "TerminatorFramer"]


@runtime_checkable
class Framer(Protocol):
    """How to cut a reply (or, in a simulator, a request) out of a byte stream.

    ``idle_gap`` is ``None`` for content framers; a positive number of seconds asks the reader to end the
    frame when the line stays idle that long after at least one byte arrived.
    """

    @property
    def idle_gap(self) -> float | None:
        """Seconds of silence that end a frame, or None when the content decides."""
        ...

    def feed(self, buffer: bytes) -> int | None:
        """Return the end index of the first complete frame in ``buffer``, or None if incomplete.

        Raises:
            ProtocolError: if ``buffer`` can never become a valid frame.
        """
        ...


class TerminatorFramer:
    """Frames end with a terminator (``b"\\r\\n"``, ``b"\\r"``, ``b"\\n"`` …).

    Args:
        terminator: the byte sequence that ends every frame (kept in the frame).
        max_length: a buffer this long without a terminator is rejected (ProtocolError).
    """

    def __init__(self, terminator: bytes = b"\r\n", *, max_length: int = 4096) -> None:
        if not terminator:
            raise ConfigurationError(
                "terminator must not be empty; use IdleGapFramer for unterminated replies"
            )
        if max_length < len(terminator):
            raise ConfigurationError(f"max_length {max_length} is shorter than the terminator {terminator!r}")
        self.terminator = bytes(terminator)
        self.max_length = max_length

    @property
    def idle_gap(self) -> float | None:
        return None

    def feed(self, buffer: bytes) -> int | None:
        i = buffer.find(self.terminator)
        if i >= 0:
            return i + len(self.terminator)
        if len(buffer) >= self.max_length:
            raise ProtocolError(
                f"no terminator {self.terminator!r} within {self.max_length} bytes "
                f"(check the device's line ending setting): {buffer[:40]!r}…"
            )
        return None

    def __repr__(self) -> str:
        return f"TerminatorFramer({self.terminator!r})"


class LengthFramer:
    """Frames whose total length is known from their first bytes.

    Args:
        length: ``length(buffer) -> int | None``: the total length of the frame that starts ``buffer``
            (counting any leading bytes that belong to it, e.g. a preamble), or None if ``buffer`` is still
            too short to tell. It raises ProtocolError if the header is impossible.
        max_length: lengths above this are rejected (ProtocolError).
        min_length: no frame of this protocol is shorter (the shortest valid frame, header included);
            lets the link read that many bytes in one call before the header is known. 0 = no hint.
    """

    def __init__(
        self, length: Callable[[bytes], int | None], *, max_length: int = 1024, min_length: int = 0
    ) -> None:
        if not 0 <= min_length <= max_length:
            raise ConfigurationError(f"min_length {min_length!r} must be in 0..max_length ({max_length})")
        self._length = length
        self.max_length = max_length
        self.min_length = min_length

    @property
    def idle_gap(self) -> float | None:
        return None

    def feed(self, buffer: bytes) -> int | None:
        n = self._length(buffer)
        if n is None:
            if len(buffer) > self.max_length:
                raise ProtocolError(f"no frame header recognised within {self.max_length} bytes")
            return None
        if n <= 0 or n > self.max_length:
            raise ProtocolError(f"frame length {n} out of range 1..{self.max_length}: {buffer[:16].hex(' ')}")
        return n if len(buffer) >= n else None

    def expected(self, buffer: bytes) -> int | None:
        """Lower bound on the total length of the frame starting ``buffer`` (see the module docstring).

        Returns:
            The frame length once the header is complete, else ``min_length`` if that is still ahead,
            else None (unknown: the link reads what has arrived).
        """
        n = self._length(buffer)
        if n is not None:
            return n
        return self.min_length if self.min_length > len(buffer) else None

    def __repr__(self) -> str:
        return f"LengthFramer({getattr(self._length, '__name__', self._length)!r})"


class IdleGapFramer:
    """The frame ends when no byte has arrived for ``gap_s`` seconds (timing framing).

    Args:
        gap_s: the silence that ends a frame, in seconds (Modbus RTU: t3.5, see
            :attr:`instruments.link.LinkSettings.min_gap`).
        max_length: a longer buffer is rejected (ProtocolError).
    """

    def __init__(self, gap_s: float, *, max_length: int = 4096) -> None:
        if not gap_s > 0:
            raise ConfigurationError(f"idle gap must be > 0 s, got {gap_s!r}")
        self.gap_s = float(gap_s)
        self.max_length = max_length

    @property
    def idle_gap(self) -> float | None:
        return self.gap_s

    def feed(self, buffer: bytes) -> int | None:
        if len(buffer) > self.max_length:
            raise ProtocolError(f"frame longer than {self.max_length} bytes without an idle gap")
        return None

    def __repr__(self) -> str:
        return f"IdleGapFramer({self.gap_s!r})"
