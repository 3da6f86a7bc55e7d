"""Alicat-style mass-flow-controller ASCII codec: poll, setpoint, and strictly parsed data frames.

Unit ids ``A``–``Z`` share one port; lines end with CR. A data frame is
``<id> <pressure> <temperature> <vol flow> <mass flow> <setpoint> <gas> [status…]``. No checksum, so
each field is checked for syntax here, and status tokens must come from the known set; ``?`` is the
device's error reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from instruments.errors import ConfigurationError, DeviceError, ProtocolError

__all__ = [
    "STATUS_TOKENS",
    "TERMINATOR",
    "DataFrame",
    "encode_poll",
    "encode_setpoint",
    "format_data_frame",
    "line_length",
    "parse_data_frame",
]

TERMINATOR = b"\r"
#: Status tokens an Alicat-style frame may end with.
STATUS_TOKENS = frozenset({"MOV", "VOV", "POV", "TOV", "LCK", "HLD", "ADC", "EXH", "OPL", "OVR"})
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_GAS = re.compile(r"^[A-Za-z][A-Za-z0-9\-]{0,9}$")


def _check_unit(unit_id: str) -> None:
    if len(unit_id) != 1 or not "A" <= unit_id <= "Z":
        raise ConfigurationError(f"Alicat unit id must be one letter A-Z, got {unit_id!r}")


def encode_poll(unit_id: str = "A") -> bytes:
    """Poll request ``<id>\\r``."""
    _check_unit(unit_id)
    return unit_id.encode("ascii") + TERMINATOR


def encode_setpoint(unit_id: str, value: float, decimals: int = 2) -> bytes:
    """Setpoint request ``<id>S<value>\\r`` (e.g. ``AS1.50``)."""
    _check_unit(unit_id)
    if value < 0:
        raise ConfigurationError(f"MFC setpoint must be >= 0, got {value!r}")
    return f"{unit_id}S{value:.{decimals}f}".encode("ascii") + TERMINATOR


def line_length(buffer: bytes | bytearray) -> int | None:
    """Framer: end index just after the first CR, or None."""
    i = buffer.find(TERMINATOR)
    return None if i < 0 else i + 1


@dataclass(frozen=True)
class DataFrame:
    """One parsed data frame (pressure psia, temperature °C, flows in the device's units)."""

    unit_id: str
    pressure: float
    temperature: float
    volumetric_flow: float
    mass_flow: float
    setpoint: float
    gas: str
    status: tuple[str, ...]


def parse_data_frame(line: bytes, unit_id: str = "A") -> DataFrame:
    """Parse a data frame from ``unit_id``.

    Raises:
        DeviceError: the device answered ``?`` (command not understood).
        ProtocolError: wrong unit id, field count, number syntax, gas name or status token.
    """
    if not line.endswith(TERMINATOR):
        raise ProtocolError(f"MFC reply not terminated by CR: {line!r}")
    try:
        text = line[:-1].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"MFC reply is not ASCII: {line!r}") from exc
    if text.strip() == "?" or text.strip() == f"{unit_id} ?":
        raise DeviceError(f"MFC {unit_id} answered '?' (command not understood or not allowed)")
    if not text.isprintable():
        raise ProtocolError(f"MFC reply contains control characters: {line!r}")
    tokens = text.split()
    if len(tokens) < 7:
        raise ProtocolError(f"MFC data frame needs 7 fields, got {len(tokens)}: {line!r}")
    if tokens[0] != unit_id:
        raise ProtocolError(f"MFC reply from unit {tokens[0]!r}, expected {unit_id!r}: {line!r}")
    numbers = tokens[1:6]
    for t in numbers:
        if not _NUMBER.match(t):
            raise ProtocolError(f"MFC field {t!r} is not a number in {line!r}")
    if not _GAS.match(tokens[6]) or _NUMBER.match(tokens[6]):
        raise ProtocolError(f"MFC gas field {tokens[6]!r} is not a gas name in {line!r}")
    status = tuple(tokens[7:])
    unknown = [s for s in status if s not in STATUS_TOKENS and not _NUMBER.match(s)]
    if unknown:
        raise ProtocolError(f"unknown MFC status tokens {unknown} in {line!r}")
    p, temp, vf, mf, sp = (float(x) for x in numbers)
    return DataFrame(unit_id, p, temp, vf, mf, sp, tokens[6], tuple(s for s in status if s in STATUS_TOKENS))


def format_data_frame(frame: DataFrame) -> bytes:
    """A data frame formatted as the device sends it."""
    parts = [
        frame.unit_id,
        f"{frame.pressure:+07.2f}",
        f"{frame.temperature:+07.2f}",
        f"{frame.volumetric_flow:+07.3f}",
        f"{frame.mass_flow:+07.3f}",
        f"{frame.setpoint:06.3f}",
        frame.gas,
        *frame.status,
    ]
    return " ".join(parts).encode("ascii") + TERMINATOR
