"""HJ 212-2017 codec: packet framing and the HJ 212 CRC (which is not CRC-16/MODBUS).

Packet: ``##`` + four decimal digits (length of the data segment) + data segment + four upper-case hex
digits of CRC + CR LF. CRC: start at 0xFFFF; for each byte, ``crc = (crc >> 8) ^ byte``, then 8 rounds of
"shift right by one, XOR 0xA001 if the bit shifted out was 1".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from instruments.errors import ConfigurationError, ProtocolError

__all__ = ["Packet", "crc16_hj212", "decode_packet", "encode_packet", "packet_length", "parse_segment"]

_HEAD = re.compile(rb"^##(\d{4})")


def crc16_hj212(data: bytes) -> int:
    """HJ 212 CRC of ``data`` (the data segment)."""
    crc = 0xFFFF
    for b in data:
        crc = (crc >> 8) ^ b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def encode_packet(segment: str) -> bytes:
    """Wrap a data segment into a packet.

    Raises:
        ConfigurationError: the segment is not ASCII or longer than 9999 characters.
    """
    try:
        data = segment.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ConfigurationError(f"HJ 212 data segment must be ASCII: {segment!r}") from exc
    if len(data) > 9999:
        raise ConfigurationError(f"HJ 212 data segment is {len(data)} characters; at most 9999")
    return b"##" + f"{len(data):04d}".encode() + data + f"{crc16_hj212(data):04X}".encode() + b"\r\n"


def packet_length(buffer: bytes | bytearray) -> int | None:
    """Framer: end index of the packet at the start of ``buffer``, or None if incomplete."""
    if len(buffer) < 6:
        return None
    m = _HEAD.match(bytes(buffer[:6]))
    if m is None:
        return 1
    n = 6 + int(m.group(1)) + 6
    return n if len(buffer) >= n else None


def decode_packet(packet: bytes) -> str:
    """Check header, length, CRC and terminator; return the data segment.

    Raises:
        ProtocolError: any of them is wrong.
    """
    m = _HEAD.match(packet)
    if m is None:
        raise ProtocolError(f"HJ 212 packet must start with ## and 4 digits: {packet[:16]!r}")
    n = int(m.group(1))
    if len(packet) != 6 + n + 6 or not packet.endswith(b"\r\n"):
        raise ProtocolError(f"HJ 212 packet length field {n} does not match the packet ({len(packet)} bytes)")
    data = packet[6 : 6 + n]
    crc_text = packet[6 + n : 6 + n + 4]
    if not re.fullmatch(rb"[0-9A-F]{4}", crc_text):
        raise ProtocolError(f"HJ 212 CRC field {crc_text!r} is not 4 upper-case hex digits")
    if int(crc_text, 16) != crc16_hj212(data):
        raise ProtocolError(f"HJ 212 CRC {crc_text.decode()} != computed {crc16_hj212(data):04X}")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError("HJ 212 data segment is not ASCII") from exc


@dataclass(frozen=True)
class Packet:
    """Parsed data segment: header fields and the CP payload (``code-Field`` → value)."""

    fields: dict[str, str]
    cp: dict[str, str] = field(default_factory=dict)


def parse_segment(segment: str) -> Packet:
    """Split ``QN=…;ST=…;CN=…;…;CP=&&…&&`` into header fields and CP items.

    Raises:
        ProtocolError: no ``CP=&&…&&`` block or a field without ``=``.
    """
    i = segment.find("CP=&&")
    if i < 0 or not segment.endswith("&&"):
        raise ProtocolError(f"HJ 212 segment has no CP=&&...&& block: {segment!r}")
    head, body = segment[:i], segment[i + 5 : -2]
    fields: dict[str, str] = {}
    for part in filter(None, head.split(";")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ProtocolError(f"HJ 212 field {part!r} has no '='")
        fields[key] = value
    cp: dict[str, str] = {}
    for part in filter(None, re.split(r"[;,]", body)):
        key, sep, value = part.partition("=")
        if not sep:
            raise ProtocolError(f"HJ 212 CP item {part!r} has no '='")
        cp[key] = value
    return Packet(fields, cp)
