"""MT-SICS codec (Mettler Toledo balances): commands and strictly parsed replies.

Commands are upper case, terminated CR LF. Replies are ``<cmd> <status> [value unit]``, split on
whitespace (the value field is right-aligned). There is no checksum, so every reply is checked for
syntax, status, unit and range here; anything unexpected raises :class:`ProtocolError`, and device
states that are not a weight (busy, overload, underload, ES/ET/EL) raise :class:`DeviceError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from instruments.errors import ConfigurationError, DeviceError, ProtocolError

__all__ = [
    "TERMINATOR",
    "WEIGHT_UNITS",
    "Reply",
    "WeightReply",
    "encode_command",
    "format_weight_reply",
    "line_length",
    "parse_ack",
    "parse_reply",
    "parse_weight",
]

TERMINATOR = b"\r\n"
#: Weight units a balance may report, mapped to pint unit strings.
WEIGHT_UNITS: dict[str, str] = {
    "g": "g",
    "kg": "kg",
    "mg": "mg",
    "ug": "ug",
    "ct": "carat",
    "lb": "lb",
    "oz": "oz",
}

_COMMAND = re.compile(r"^[A-Z@][A-Z0-9]*( [A-Za-z0-9.+\-\" ]*)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_GENERAL_ERRORS = {
    "ES": "syntax error (command not recognised)",
    "ET": "transmission error",
    "EL": "logical error (command cannot be executed)",
}


def encode_command(command: str) -> bytes:
    """``command`` + CR LF, after checking it is a plausible MT-SICS command.

    Raises:
        ConfigurationError: lower-case, empty or containing control characters.
    """
    if not _COMMAND.match(command):
        raise ConfigurationError(f"not an MT-SICS command (upper case, no control characters): {command!r}")
    return command.encode("ascii") + TERMINATOR


def line_length(buffer: bytes | bytearray) -> int | None:
    """Framer: end index just after the first CR LF, or None."""
    i = buffer.find(TERMINATOR)
    return None if i < 0 else i + 2


@dataclass(frozen=True)
class Reply:
    """A tokenised reply line."""

    command: str
    status: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class WeightReply:
    """A weight reply; ``stable`` is False for ``S D`` (dynamic)."""

    command: str
    stable: bool
    value: float
    unit: str


def _decode_line(line: bytes) -> str:
    if not line.endswith(TERMINATOR):
        raise ProtocolError(f"MT-SICS reply not terminated by CR LF: {line!r}")
    try:
        text = line[:-2].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"MT-SICS reply is not ASCII: {line!r}") from exc
    if not text.isprintable():
        raise ProtocolError(f"MT-SICS reply contains control characters: {line!r}")
    return text


def parse_reply(line: bytes, command: str) -> Reply:
    """Tokenise a reply to ``command`` and check that it answers it.

    Raises:
        DeviceError: general error ES/ET/EL.
        ProtocolError: not terminated, not ASCII, or answering another command.
    """
    tokens = _decode_line(line).split()
    if not tokens:
        raise ProtocolError(f"empty MT-SICS reply to {command!r}")
    if len(tokens) == 1 and tokens[0] in _GENERAL_ERRORS:
        raise DeviceError(f"balance answered {tokens[0]} to {command!r}: {_GENERAL_ERRORS[tokens[0]]}")
    head = command.split()[0]
    expected = "S" if head in ("S", "SI", "SIR") else head
    if tokens[0] != expected or len(tokens) < 2:
        raise ProtocolError(f"MT-SICS reply {line!r} does not answer {command!r}")
    return Reply(tokens[0], tokens[1], tuple(tokens[2:]))


def parse_weight(line: bytes, command: str = "S", *, max_abs: float = 1.0e7) -> WeightReply:
    """Parse a weight reply to S/SI/SIR.

    Args:
        line: the reply including CR LF.
        command: the command that was sent.
        max_abs: magnitudes above this (in the reported unit) are rejected as corrupt.

    Returns:
        The weight, its unit (pint string) and stability.

    Raises:
        DeviceError: ``S I`` (busy / no stable value), ``S +`` overload, ``S -`` underload, ES/ET/EL.
        ProtocolError: wrong syntax, unknown unit, non-numeric or out-of-range value.
    """
    reply = parse_reply(line, command)
    status = reply.status
    if status == "I":
        raise DeviceError(f"balance busy or not stable (S I) in reply to {command!r}")
    if status in ("+", "-"):
        which = "overload" if status == "+" else "underload"
        raise DeviceError(f"balance reports {which} ({reply.command} {status}); unload or re-zero it")
    if status not in ("S", "D"):
        raise ProtocolError(f"unknown MT-SICS weight status {status!r} in {line!r}")
    if len(reply.fields) != 2:
        raise ProtocolError(f"MT-SICS weight reply needs 'value unit', got {line!r}")
    value, unit = reply.fields
    if not _NUMBER.match(value):
        raise ProtocolError(f"MT-SICS weight value {value!r} is not a number in {line!r}")
    pint_unit = WEIGHT_UNITS.get(unit)
    if pint_unit is None:
        raise ProtocolError(f"unknown MT-SICS weight unit {unit!r} in {line!r}")
    number = float(value)
    if abs(number) > max_abs:
        raise ProtocolError(f"MT-SICS weight {number} {unit} beyond the plausible range ±{max_abs}")
    return WeightReply(reply.command, status == "S", number, pint_unit)


def parse_ack(line: bytes, command: str) -> None:
    """Check an acknowledgement such as ``Z A`` (zero) or ``T S ...`` (tare executed).

    Raises:
        DeviceError: the balance refused (``I``, ``+``, ``-`` or general errors).
        ProtocolError: malformed reply.
    """
    reply = parse_reply(line, command)
    if reply.status in ("A", "S"):
        return
    if reply.status in ("I", "+", "-", "L"):
        raise DeviceError(f"balance refused {command!r}: status {reply.status!r}")
    raise ProtocolError(f"unknown MT-SICS status {reply.status!r} in reply to {command!r}")


def format_weight_reply(
    command: str, stable: bool, value: float, unit: str = "g", decimals: int = 2
) -> bytes:
    """A weight reply as a balance formats it (value right-aligned in a 10-character field)."""
    if unit not in WEIGHT_UNITS:
        raise ConfigurationError(f"unknown MT-SICS unit {unit!r}")
    if command.split()[0] not in ("S", "SI", "SIR"):
        raise ConfigurationError(f"{command!r} does not return a weight")
    return f"S {'S' if stable else 'D'} {value:>10.{decimals}f} {unit}".encode("ascii") + TERMINATOR
