"""HJ 212-2017 codec: packet framing and the HJ 212 CRC (which is not CRC-16/MODBUS).

Packet: ``##`` + four decimal digits (length of the data segment) + data segment + four upper-case hex
digits of CRC + CR LF. CRC: start at 0xFFFF; for each byte, ``crc = (crc >> 8) ^ byte``, then 8 rounds of
"shift right by one, XOR 0xA001 if the bit shifted out was 1".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from instruments.errors import ConfigurationError, ProtocolError

__all__ = [
    "Packet",
    "build_segment",
    "crc16_hj212",
    "decode_packet",
    "encode_packet",
    "packet_length",
    "parse_segment",
    "realtime_segment",
]

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


_KEY = re.compile(r"^[A-Za-z0-9\-]+$")


def build_segment(
    fields: dict[str, str], cp: dict[str, str], *, cp_groups: list[list[str]] | None = None
) -> str:
    """Inverse of :func:`parse_segment`: ``k=v;…;CP=&&k=v…&&``.

    Args:
        fields: header fields in order (``QN``, ``ST``, ``CN``, ``PW``, ``MN``, ``Flag`` …).
        cp: payload items in order.
        cp_groups: how CP items are grouped: items of one group are joined by ``,`` and groups by ``;``
            (``[["060-Rtd", "060-Flag"], …]``); default: every item its own group.

    Raises:
        ConfigurationError: a key or value contains a separator, or a group names an unknown item.
    """
    for k, v in [*fields.items(), *cp.items()]:
        if not _KEY.match(k) or any(c in v for c in ";,&=\r\n"):
            raise ConfigurationError(f"HJ 212 field {k!r}={v!r} contains a separator or an invalid key")
    head = "".join(f"{k}={v};" for k, v in fields.items())
    groups = cp_groups if cp_groups is not None else [[k] for k in cp]
    missing = {k for g in groups for k in g} - set(cp)
    if missing:
        raise ConfigurationError(f"HJ 212 CP groups name unknown items {sorted(missing)}")
    body = ";".join(",".join(f"{k}={cp[k]}" for k in g) for g in groups)
    return f"{head}CP=&&{body}&&"


def realtime_segment(
    *,
    mn: str,
    pw: str,
    st: str,
    data_time: str,
    values: dict[str, tuple[float, str]],
    qn: str | None = None,
    decimals: int = 4,
) -> str:
    """A CN = 2011 real-time data segment: ``<code>-Rtd=<value>,<code>-Flag=<flag>`` per pollutant code.

    Args:
        mn: device id (MN).
        pw: password (PW).
        st: system code (ST), e.g. ``"22"`` or ``"32"`` (see the standard's code table).
        data_time: ``YYYYMMDDhhmmss``.
        values: pollutant code → (value, flag); flag ``N`` normal, ``F`` stopped, ``M`` maintenance,
            ``D`` fault (and ``S``, ``C``, ``T``, ``B`` as listed in HJ 212-2017).
        qn: request number (QN, ``YYYYMMDDhhmmsszzz``) if the platform expects one.
        decimals: digits after the decimal point.

    Raises:
        ConfigurationError: malformed time or flag.
    """
    if not re.fullmatch(r"\d{14}", data_time):
        raise ConfigurationError(f"HJ 212 DataTime must be YYYYMMDDhhmmss, got {data_time!r}")
    fields = {"QN": qn} if qn is not None else {}
    fields.update({"ST": st, "CN": "2011", "PW": pw, "MN": mn})
    cp: dict[str, str] = {"DataTime": data_time}
    groups: list[list[str]] = [["DataTime"]]
    for code, (value, flag) in values.items():
        if flag not in ("N", "F", "M", "S", "D", "C", "T", "B"):
            raise ConfigurationError(
                f"HJ 212 data flag for {code} must be one of N F M S D C T B, got {flag!r}"
            )
        cp[f"{code}-Rtd"] = f"{value:.{decimals}f}"
        cp[f"{code}-Flag"] = flag
        groups.append([f"{code}-Rtd", f"{code}-Flag"])
    return build_segment({k: v for k, v in fields.items() if v is not None}, cp, cp_groups=groups)
