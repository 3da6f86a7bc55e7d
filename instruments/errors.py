"""Uniform errors of the instrument layer.

No ``termios.error``, ``OSError`` or ``serial.SerialException`` escapes the link layer: each is mapped
to one of these, with a message naming the port or device.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "DeviceError",
    "InstrumentError",
    "InstrumentTimeout",
    "LinkDown",
    "ProtocolError",
]


class InstrumentError(Exception):
    """Base class of every error the instrument layer raises."""


class InstrumentTimeout(InstrumentError, TimeoutError):
    """The device did not answer (completely) within the configured timeout."""


class LinkDown(InstrumentError, ConnectionError):
    """The port could not be opened, or it went away (hang-up, adapter unplugged)."""


class ProtocolError(InstrumentError, ValueError):
    """A reply was malformed: bad checksum, wrong length, wrong address or echo, bad syntax."""


class DeviceError(InstrumentError, RuntimeError):
    """The device answered with an error (exception reply, abnormal reply, error code)."""


class ConfigurationError(InstrumentError, ValueError):
    """A driver or link was configured with an invalid value."""
