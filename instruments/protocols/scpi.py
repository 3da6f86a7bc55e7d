"""SCPI over RS-232 codec: command lines, strict NR1/NR2/NR3 numbers, ``*IDN?`` and ``SYST:ERR?`` replies.

There is no checksum on a serial SCPI line, so replies are parsed strictly: a measurement must be one
number in SCPI numeric syntax, and the driver checks unit and range. ``±9.9E37`` is the SCPI overload
marker and ``9.91E37`` "not a number"; both raise :class:`DeviceError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from instruments.errors import ConfigurationError, DeviceError, ProtocolError

__all__ = [
    "OVERLOAD",
    "Identity",
    "encode_command",
    "format_number",
    "line_length",
    "parse_error",
    "parse_identity",
    "parse_number",
]

OVERLOAD = 9.9e37
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([Ee][+-]?\d+)?$")
_ERROR = re.compile(r'^([+-]?\d+),"([^"]*)"$')


def encode_command(command: str, terminator: bytes = b"\n") -> bytes:
    """``command`` + terminator.

    Raises:
        ConfigurationError: empty command, or one containing a terminator or control character.
    """
    if not command or not command.isprintable():
        raise ConfigurationError(f"SCPI command must be non-empty printable ASCII, got {command!r}")
    return command.encode("ascii") + terminator


def line_length(buffer: bytes | bytearray, terminator: bytes = b"\n") -> int | None:
    """Framer: end index just after the first ``terminator``, or None."""
    i = buffer.find(terminator)
    return None if i < 0 else i + len(terminator)


def _text(line: bytes, terminator: bytes) -> str:
    if not line.endswith(terminator):
        raise ProtocolError(f"SCPI reply not terminated by {terminator!r}: {line!r}")
    try:
        text = line[: -len(terminator)].decode("ascii").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"SCPI reply is not ASCII: {line!r}") from exc
    if not text.isprintable():
        raise ProtocolError(f"SCPI reply contains control characters: {line!r}")
    return text


def parse_number(line: bytes, terminator: bytes = b"\n") -> float:
    """One SCPI number (NR1/NR2/NR3).

    Raises:
        ProtocolError: not exactly one number.
        DeviceError: the overload / not-a-number marker.
    """
    text = _text(line, terminator).strip()
    if not _NUMBER.match(text):
        raise ProtocolError(f"SCPI reply {line!r} is not a number")
    value = float(text)
    if abs(value) >= OVERLOAD * 0.999:
        raise DeviceError(f"instrument reports overload ({text}); select a higher range")
    return value


def format_number(value: float) -> bytes:
    """``value`` in the NR3 form a DMM sends (``+1.00000000E+01``), without terminator."""
    return f"{value:+.8E}".encode("ascii")


@dataclass(frozen=True)
class Identity:
    """Fields of ``*IDN?``."""

    manufacturer: str
    model: str
    serial: str
    firmware: str


def parse_identity(line: bytes, terminator: bytes = b"\n") -> Identity:
    """Parse ``<manufacturer>,<model>,<serial>,<firmware>``.

    Raises:
        ProtocolError: not four comma-separated non-empty fields.
    """
    parts = _text(line, terminator).split(",")
    if len(parts) != 4 or not all(p.strip() for p in parts[:2]):
        raise ProtocolError(f"*IDN? reply must have 4 comma-separated fields, got {line!r}")
    return Identity(*(p.strip() for p in parts))


def parse_error(line: bytes, terminator: bytes = b"\n") -> tuple[int, str]:
    """Parse ``SYST:ERR?`` (``+0,"No error"``) into (code, message).

    Raises:
        ProtocolError: malformed reply.
    """
    m = _ERROR.match(_text(line, terminator).strip())
    if m is None:
        raise ProtocolError(f'SYST:ERR? reply must look like +0,"No error", got {line!r}')
    return int(m.group(1)), m.group(2)
