"""Serial instruments: link, protocol codecs, drivers and simulators (imports pyserial and pint only).

Layers inside the package: :mod:`instruments.link` (+ :mod:`~instruments.framing`, :mod:`~instruments.trace`)
carries bytes; ``instruments.protocols.<name>`` are pure bytes-in/bytes-out codecs;
``instruments.drivers.<name>`` combine a link and a codec into readings; ``instruments.sim.<name>`` are
simulated devices served on pseudo-terminals by :class:`instruments.sim.pty.PtySimServer`.
"""

from __future__ import annotations

from instruments.clock import Clock, ManualClock, RealClock, ScaledClock
from instruments.drivers.base import Driver, Reading
from instruments.errors import (
    ConfigurationError,
    DeviceError,
    InstrumentError,
    InstrumentTimeout,
    LinkDown,
    ProtocolError,
)
from instruments.framing import Framer, IdleGapFramer, LengthFramer, TerminatorFramer
from instruments.link import Exchange, LinkSettings, SerialLink, is_pseudo_terminal, port_lock
from instruments.timer_slack import PreciseWait, tighten_timer_slack
from instruments.trace import Trace, TraceEntry, TraceNote

__all__ = [
    "Clock",
    "ConfigurationError",
    "DeviceError",
    "Driver",
    "Exchange",
    "Framer",
    "IdleGapFramer",
    "InstrumentError",
    "InstrumentTimeout",
    "LengthFramer",
    "LinkDown",
    "LinkSettings",
    "ManualClock",
    "PreciseWait",
    "ProtocolError",
    "Reading",
    "RealClock",
    "ScaledClock",
    "SerialLink",
    "TerminatorFramer",
    "Trace",
    "TraceEntry",
    "TraceNote",
    "is_pseudo_terminal",
    "port_lock",
    "tighten_timer_slack",
]
