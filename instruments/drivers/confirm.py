"""Confirming repeat reads for protocols without a checksum (MT-SICS, SCPI, MFC and analyser ASCII).

A reply on such a line is checked for syntax, unit and range, but a digit changed by line noise still
parses. ``confirmed(read_once, tolerance)`` therefore reads until two consecutive readings agree within
``tolerance`` (absolute, in the reading's unit, plus a relative part), up to ``max_reads`` reads, and
returns the last one with the frames of every read attached. Disagreement raises ProtocolError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from instruments.drivers.base import Reading
from instruments.errors import ConfigurationError, ProtocolError

__all__ = ["confirmed"]


def confirmed(
    read_once: Callable[[], Reading],
    *,
    tolerance: float,
    relative: float = 0.0,
    max_reads: int = 3,
    device: str = "device",
) -> Reading:
    """Read until two consecutive readings agree.

    Args:
        read_once: performs one read (syntax, unit and range already checked).
        tolerance: allowed absolute difference, in the reading's unit (>= 0).
        relative: allowed relative difference (fraction of the later reading's magnitude).
        max_reads: give up after this many reads (>= 2).
        device: name for the error message.

    Returns:
        The confirming (last) reading, with the frames of all reads.

    Raises:
        ConfigurationError: negative tolerance or max_reads < 2.
        ProtocolError: no two consecutive readings agreed (the message lists the values).
    """
    if tolerance < 0 or relative < 0:
        raise ConfigurationError(f"confirm tolerance must be >= 0, got {tolerance!r} / {relative!r}")
    if max_reads < 2:
        raise ConfigurationError(f"a confirmed read needs max_reads >= 2, got {max_reads!r}")
    readings = [read_once()]
    while len(readings) < max_reads:
        nxt = read_once()
        prev = readings[-1]
        readings.append(nxt)
        if nxt.unit != prev.unit:
            continue
        if abs(nxt.value - prev.value) <= tolerance + relative * abs(nxt.value):
            frames = tuple(f for r in readings for f in r.frames)
            return replace(nxt, frames=frames)
    values = ", ".join(f"{r.value:g} {r.unit}" for r in readings)
    raise ProtocolError(
        f"{device}: {len(readings)} readings did not confirm each other within {tolerance:g}"
        f"{f' + {relative:g} relative' if relative else ''}: {values} (unstable signal or line noise)"
    )
