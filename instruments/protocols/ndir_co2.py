"""NDIR CO₂ analyser codecs: Vaisala-style ASCII, Senseair S8/K30 (Modbus), Winsen MH-Z19, LI-COR XML.

* Vaisala industrial protocol: ``SEND`` → ``CO2=  1702 ppm``. No checksum in the default FORM, so the
  line is parsed strictly (syntax, unit ``ppm`` or ``%``, range).
* Senseair S8: Modbus RTU read of input register 3 (IR4, CO₂ in ppm) at the any-address 0xFE.
* Senseair K30: function 0x44 "read RAM" ``FE 44 addr(2) n`` with Modbus CRC.
* Winsen MH-Z19: 9-byte frames, checksum = 0xFF − sum(bytes 1..7) + 1.
* LI-COR LI-8x0: XML records ``<li8x0><data><co2>…</co2>…</data></li8x0>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from instruments.errors import ConfigurationError, ProtocolError
from instruments.protocols import modbus_rtu

__all__ = [
    "K30_READ_RAM",
    "S8_CO2_REGISTER",
    "decode_k30_reply",
    "decode_mhz19_reply",
    "decode_s8_reply",
    "encode_k30_read",
    "encode_k30_reply",
    "encode_mhz19_read",
    "encode_mhz19_reply",
    "encode_s8_read",
    "encode_vaisala_send",
    "format_vaisala_line",
    "k30_reply_length",
    "mhz19_checksum",
    "parse_licor_record",
    "parse_vaisala_line",
    "vaisala_line_length",
]

S8_CO2_REGISTER = 3
K30_READ_RAM = 0x44
_VAISALA = re.compile(r"^CO2=\s*([+-]?(?:\d+\.?\d*|\.\d+))\s+(ppm|%)$")
_PINT_UNITS = {"ppm": "ppm", "%": "percent"}


# --------------------------------------------------------------------------------------- Vaisala ASCII


def encode_vaisala_send(address: int | None = None) -> bytes:
    """``SEND\\r`` (or ``SEND <address>\\r`` in POLL mode on RS-485)."""
    if address is None:
        return b"SEND\r"
    if not 0 <= address <= 254:
        raise ConfigurationError(f"Vaisala device address must be 0..254, got {address!r}")
    return f"SEND {address}\r".encode("ascii")


def vaisala_line_length(buffer: bytes | bytearray) -> int | None:
    """Framer: end index just after the first CR LF, or None."""
    i = buffer.find(b"\r\n")
    return None if i < 0 else i + 2


def parse_vaisala_line(line: bytes, *, max_ppm: float = 1.0e6) -> tuple[float, str]:
    """Parse ``CO2= <value> <unit>`` CR LF.

    Args:
        line: the reply including CR LF.
        max_ppm: readings above this (after converting % to ppm) or below zero are rejected.

    Returns:
        (value, pint unit string) as reported (``ppm`` or ``percent``).

    Raises:
        ProtocolError: unterminated, wrong syntax, unknown unit or out of range.
    """
    if not line.endswith(b"\r\n"):
        raise ProtocolError(f"CO2 analyser reply not terminated by CR LF: {line!r}")
    try:
        text = line[:-2].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"CO2 analyser reply is not ASCII: {line!r}") from exc
    m = _VAISALA.match(text.strip())
    if m is None:
        raise ProtocolError(f"CO2 analyser reply {line!r} does not match 'CO2= <value> ppm|%'")
    value = float(m.group(1))
    ppm = value * (1.0e4 if m.group(2) == "%" else 1.0)
    if not 0.0 <= ppm <= max_ppm:
        raise ProtocolError(f"CO2 reading {value} {m.group(2)} outside 0..{max_ppm} ppm")
    return value, _PINT_UNITS[m.group(2)]


def format_vaisala_line(ppm: float, decimals: int = 1) -> bytes:
    """A reply line as the default FORM prints it (value right-aligned in 6 characters)."""
    return f"CO2={ppm:>7.{decimals}f} ppm\r\n".encode("ascii")


# --------------------------------------------------------------------------------------- Senseair


def encode_s8_read(address: int = 0xFE) -> bytes:
    """S8 request for the CO₂ register (input register 3) at ``address`` (0xFE = any)."""
    if not 1 <= address <= 0xFE:
        raise ConfigurationError(f"Senseair address must be 1..254, got {address!r}")
    body = bytes((address, modbus_rtu.READ_INPUT)) + S8_CO2_REGISTER.to_bytes(2, "big") + b"\x00\x01"
    return modbus_rtu.append_crc(body)


def decode_s8_reply(request: bytes, reply: bytes) -> int:
    """CO₂ in ppm from an S8 reply (Modbus checks apply)."""
    (value,) = modbus_rtu.decode_reply(request, reply)
    return value


def encode_k30_read(address: int = 0xFE, ram_address: int = 0x0008, nbytes: int = 2) -> bytes:
    """K30 "read RAM" request ``addr 44 ram(2) n CRC``."""
    if not 1 <= nbytes <= 4:
        raise ConfigurationError(f"K30 reads 1..4 RAM bytes, got {nbytes!r}")
    if not 0 <= ram_address <= 0xFFFF:
        raise ConfigurationError(f"K30 RAM address must be 0..65535, got {ram_address!r}")
    return modbus_rtu.append_crc(
        bytes((address, K30_READ_RAM)) + ram_address.to_bytes(2, "big") + bytes((nbytes,))
    )


def k30_reply_length(request: bytes, buffer: bytes | bytearray) -> int | None:
    """Framer for K30 replies (``addr 44 n data CRC``)."""
    if len(buffer) < 3:
        return None
    n = 5 if buffer[1] & 0x80 else 5 + request[4]
    return n if len(buffer) >= n else None


def decode_k30_reply(request: bytes, reply: bytes) -> int:
    """Big-endian value from a K30 read-RAM reply.

    Raises:
        ProtocolError: CRC, address, function or length mismatch.
    """
    body = modbus_rtu.check_crc(reply)
    if body[0] != request[0] or body[1] != K30_READ_RAM:
        raise ProtocolError(f"K30 reply {reply.hex(' ')} does not answer {request.hex(' ')}")
    if body[2] != request[4] or len(body) != 3 + request[4]:
        raise ProtocolError(f"K30 reply carries {body[2]} bytes, asked {request[4]}: {reply.hex(' ')}")
    return int.from_bytes(body[3:], "big")


def encode_k30_reply(address: int, value: int, nbytes: int = 2) -> bytes:
    """K30 read-RAM reply (for the simulator)."""
    return modbus_rtu.append_crc(bytes((address, K30_READ_RAM, nbytes)) + value.to_bytes(nbytes, "big"))


# --------------------------------------------------------------------------------------- Winsen MH-Z19


def mhz19_checksum(frame: bytes) -> int:
    """0xFF − sum(bytes 1..7) + 1, modulo 256."""
    return (0xFF - (sum(frame[1:8]) & 0xFF) + 1) & 0xFF


def encode_mhz19_read(sensor: int = 0x01) -> bytes:
    """Read-CO₂ command ``FF 01 86 00 00 00 00 00 CS``."""
    frame = bytes((0xFF, sensor, 0x86, 0, 0, 0, 0, 0))
    return frame + bytes((mhz19_checksum(frame + b"\x00"),))


def encode_mhz19_reply(ppm: int) -> bytes:
    """Reply ``FF 86 HH LL 00 00 00 00 CS`` (for the simulator)."""
    frame = bytes((0xFF, 0x86)) + ppm.to_bytes(2, "big") + b"\x00" * 4
    return frame + bytes((mhz19_checksum(frame + b"\x00"),))


def decode_mhz19_reply(reply: bytes) -> int:
    """CO₂ in ppm from an MH-Z19 reply.

    Raises:
        ProtocolError: wrong length, start, command or checksum.
    """
    if len(reply) != 9 or reply[0] != 0xFF or reply[1] != 0x86:
        raise ProtocolError(f"MH-Z19 reply must be 9 bytes starting FF 86: {reply.hex(' ')}")
    if mhz19_checksum(reply) != reply[8]:
        raise ProtocolError(f"MH-Z19 checksum {reply[8]:02X} != computed {mhz19_checksum(reply):02X}")
    return int.from_bytes(reply[2:4], "big")


# --------------------------------------------------------------------------------------- LI-COR XML


def parse_licor_record(text: bytes) -> dict[str, float]:
    """Numeric fields of ``<li8x0><data>…</data></li8x0>`` (``co2`` ppm, ``celltemp`` °C, ``cellpres`` kPa).

    Raises:
        ProtocolError: not well-formed XML, no ``<data>`` block or no ``<co2>`` field.
    """
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as exc:
        raise ProtocolError(f"LI-COR record is not well-formed XML: {text[:60]!r}") from exc
    if not re.fullmatch(r"li8[0-9]0", root.tag):
        raise ProtocolError(f"LI-COR record root <{root.tag}> is not <li8x0>")
    data = root.find("data")
    if data is None or data.find("co2") is None:
        raise ProtocolError("LI-COR record has no <data><co2> field")
    out: dict[str, float] = {}
    for child in data:
        try:
            out[child.tag] = float(child.text or "")
        except ValueError:
            continue
    return out
