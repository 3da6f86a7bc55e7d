"""M-Bus codec (EN 13757-2 link layer, EN 13757-3 variable data): ACK, short and long frames, DIF/VIF.

Frames: ACK ``E5``; short ``10 C A CS 16`` (CS = C + A); long ``68 L L 68 C A CI data CS 16`` (L counts
C through data; CS = sum of C through data). :func:`decode_variable_data` decodes the CI = 0x72 header
and the DIF/DIFE/VIF/VIFE records with the primary VIF table for energy, volume, mass, power, flow,
temperatures and dates (basic coverage; unknown VIFs are kept raw with unit ``None``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from instruments.errors import ConfigurationError, ProtocolError

__all__ = [
    "ACK",
    "REQ_UD2",
    "RSP_UD",
    "SND_NKE",
    "LongFrame",
    "Record",
    "ShortFrame",
    "VariableData",
    "decode_frame",
    "decode_variable_data",
    "encode_long",
    "encode_record",
    "encode_req_ud2",
    "encode_short",
    "encode_variable_data",
    "frame_length",
    "manufacturer_code",
    "manufacturer_id",
]

ACK = b"\xe5"
SND_NKE = 0x40
REQ_UD2 = 0x5B
RSP_UD = 0x08


@dataclass(frozen=True)
class ShortFrame:
    """Short frame ``10 C A CS 16``."""

    control: int
    address: int


@dataclass(frozen=True)
class LongFrame:
    """Long or control frame ``68 L L 68 C A CI data CS 16``."""

    control: int
    address: int
    ci: int
    data: bytes


def _check_address(address: int) -> None:
    if not 0 <= address <= 255:
        raise ConfigurationError(f"M-Bus address must be 0..255, got {address!r}")


def encode_short(control: int, address: int) -> bytes:
    """Short frame, e.g. ``encode_short(SND_NKE, 0)`` → ``10 40 00 40 16``."""
    _check_address(address)
    return bytes((0x10, control, address, (control + address) & 0xFF, 0x16))


def encode_req_ud2(address: int, *, fcb: bool = False) -> bytes:
    """REQ_UD2 (``5B``, or ``7B`` with the frame-count bit set) to ``address``."""
    return encode_short(REQ_UD2 | (0x20 if fcb else 0), address)


def encode_long(control: int, address: int, ci: int, data: bytes) -> bytes:
    """Long frame with the given C, A, CI and data."""
    _check_address(address)
    body = bytes((control, address, ci)) + data
    if len(body) > 255:
        raise ConfigurationError(f"M-Bus long frame carries at most 252 data bytes, got {len(data)}")
    return bytes((0x68, len(body), len(body), 0x68)) + body + bytes((sum(body) & 0xFF, 0x16))


def frame_length(buffer: bytes | bytearray) -> int | None:
    """Framer: end index of the frame at the start of ``buffer``, or None if incomplete."""
    if not buffer:
        return None
    first = buffer[0]
    if first == 0xE5:
        return 1
    if first == 0x10:
        return 5 if len(buffer) >= 5 else None
    if first == 0x68:
        if len(buffer) < 2:
            return None
        n = buffer[1] + 6
        return n if len(buffer) >= n else None
    return 1  # garbage byte: framed alone, rejected by decode_frame


def decode_frame(frame: bytes) -> bytes | ShortFrame | LongFrame:
    """Decode one frame: ``ACK`` (returned as the bytes ``E5``), a short or a long frame.

    Raises:
        ProtocolError: unknown start byte, wrong length, mismatched L fields, bad checksum or stop byte.
    """
    if frame == ACK:
        return ACK
    if not frame:
        raise ProtocolError("empty M-Bus frame (the meter sent nothing)")
    if frame[0] == 0x10:
        if len(frame) != 5 or frame[4] != 0x16:
            raise ProtocolError(f"malformed M-Bus short frame: {frame.hex(' ')}")
        if (frame[1] + frame[2]) & 0xFF != frame[3]:
            raise ProtocolError(f"M-Bus short frame checksum mismatch: {frame.hex(' ')}")
        return ShortFrame(frame[1], frame[2])
    if frame[0] == 0x68:
        if len(frame) < 9 or frame[3] != 0x68 or frame[1] != frame[2] or len(frame) != frame[1] + 6:
            raise ProtocolError(f"malformed M-Bus long frame (start/length fields): {frame.hex(' ')}")
        if frame[-1] != 0x16:
            raise ProtocolError(f"M-Bus long frame does not end with 16: {frame.hex(' ')}")
        body = frame[4:-2]
        if sum(body) & 0xFF != frame[-2]:
            raise ProtocolError(
                f"M-Bus checksum {frame[-2]:02X} != computed {sum(body) & 0xFF:02X}: {frame.hex(' ')}"
            )
        return LongFrame(body[0], body[1], body[2], bytes(body[3:]))
    raise ProtocolError(f"unknown M-Bus start byte {frame[0]:02X}: {frame.hex(' ')}")


# --------------------------------------------------------------------------------------- variable data


def manufacturer_code(raw: int) -> str:
    """Three-letter manufacturer code from its 2-byte field (e.g. 0x2324 → ``HYD``)."""
    return "".join(chr(((raw >> s) & 0x1F) + 64) for s in (10, 5, 0))


def manufacturer_id(code: str) -> int:
    """Inverse of :func:`manufacturer_code`."""
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ConfigurationError(f"M-Bus manufacturer code must be 3 upper-case letters, got {code!r}")
    return sum((ord(c) - 64) << s for c, s in zip(code, (10, 5, 0), strict=True))


@dataclass(frozen=True)
class Record:
    """One data record. ``value`` is None when the field holds an error pattern (non-decimal BCD)."""

    dif: int
    vif: int
    value: float | int | None
    unit: str | None
    quantity: str
    storage: int = 0
    tariff: int = 0
    subunit: int = 0
    function: int = 0
    raw: bytes = b""
    vife: tuple[int, ...] = ()


@dataclass(frozen=True)
class VariableData:
    """CI = 0x72 variable data structure."""

    ident: str
    manufacturer: str
    version: int
    medium: int
    access: int
    status: int
    records: list[Record] = field(default_factory=list)


_LENGTH = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 4, 6: 6, 7: 8, 9: 1, 10: 2, 11: 3, 12: 4, 14: 6}


def _vif_meaning(vif: int) -> tuple[str, str | None, float]:
    """(quantity, pint unit, multiplier) for a primary VIF (extension bit cleared)."""
    v = vif & 0x7F
    n = v & 0x07
    tables: tuple[tuple[int, int, str, str, int], ...] = (
        (0x00, 0x07, "energy", "Wh", -3),
        (0x08, 0x0F, "energy", "J", 0),
        (0x10, 0x17, "volume", "m**3", -6),
        (0x18, 0x1F, "mass", "kg", -3),
        (0x28, 0x2F, "power", "W", -3),
        (0x30, 0x37, "power", "J/h", 0),
        (0x38, 0x3F, "volume flow", "m**3/h", -6),
        (0x50, 0x57, "mass flow", "kg/h", -3),
    )
    for lo, hi, name, unit, exp in tables:
        if lo <= v <= hi:
            return name, unit, 10.0 ** (n + exp)
    nn = v & 0x03
    temps = (
        (0x58, "flow temperature", "degC"),
        (0x5C, "return temperature", "degC"),
        (0x60, "temperature difference", "delta_degC"),
        (0x64, "external temperature", "degC"),
    )
    for lo, name, unit in temps:
        if lo <= v <= lo + 3:
            return name, unit, 10.0 ** (nn - 3)
    if 0x20 <= v <= 0x27:
        return ("on time" if v < 0x24 else "operating time"), ("s", "min", "h", "day")[nn], 1.0
    if v == 0x6C:
        return "date", None, 1.0
    if v == 0x6D:
        return "date and time", None, 1.0
    if v == 0x78:
        return "fabrication number", None, 1.0
    if v == 0x7A:
        return "bus address", None, 1.0
    return f"vif {vif:02X}", None, 1.0


def _decode_value(dif: int, raw: bytes) -> int | float | None:
    coding = dif & 0x0F
    if coding in (9, 10, 11, 12, 14):
        text = raw[::-1].hex()
        negative = text[0] == "f"
        if negative:
            text = text[1:]
        if not text.isdigit():
            return None
        return -int(text) if negative else int(text)
    if coding == 5:
        return float(struct.unpack("<f", raw)[0])
    if coding == 0:
        return None
    return int.from_bytes(raw, "little", signed=True)


def decode_variable_data(data: bytes) -> VariableData:
    """Decode the application data of an RSP_UD with CI = 0x72 (``data`` excludes C, A and CI).

    Raises:
        ProtocolError: the header is short, a record runs past the end, or uses variable-length data.
    """
    if len(data) < 12:
        raise ProtocolError(f"M-Bus variable data header needs 12 bytes, got {len(data)}: {data.hex(' ')}")
    ident = data[3::-1].hex()
    head = VariableData(
        ident, manufacturer_code(int.from_bytes(data[4:6], "little")), data[6], data[7], data[8], data[9]
    )
    i = 12
    while i < len(data):
        dif = data[i]
        i += 1
        if dif in (0x0F, 0x1F):  # manufacturer-specific data to the end
            break
        if dif == 0x2F:  # idle filler
            continue
        storage, tariff, subunit = (dif >> 6) & 1, 0, 0
        ext = dif & 0x80
        k = 0
        while ext:
            if i >= len(data):
                raise ProtocolError(f"M-Bus DIFE chain runs past the end of the data: {data.hex(' ')}")
            dife = data[i]
            i += 1
            storage |= (dife & 0x0F) << (1 + 4 * k)
            tariff |= ((dife >> 4) & 0x03) << (2 * k)
            subunit |= ((dife >> 6) & 0x01) << k
            ext = dife & 0x80
            k += 1
        if i >= len(data):
            raise ProtocolError(f"M-Bus record without VIF at the end of the data: {data.hex(' ')}")
        vif = data[i]
        i += 1
        vifes: list[int] = []
        ext = vif & 0x80
        while ext:
            if i >= len(data):
                raise ProtocolError(f"M-Bus VIFE chain runs past the end of the data: {data.hex(' ')}")
            vifes.append(data[i])
            ext = data[i] & 0x80
            i += 1
        coding = dif & 0x0F
        if coding == 0x0D:
            raise ProtocolError("M-Bus variable-length data (DIF coding 0xD) is not supported")
        n = _LENGTH.get(coding)
        if n is None or i + n > len(data):
            raise ProtocolError(
                f"M-Bus record (DIF {dif:02X}) runs past the end of the data: {data.hex(' ')}"
            )
        raw = bytes(data[i : i + n])
        i += n
        if vif in (0xFD, 0xFB):
            quantity, unit, mult = f"extension {vif:02X} {bytes(vifes).hex()}", None, 1.0
        else:
            quantity, unit, mult = _vif_meaning(vif)
        value = _decode_value(dif, raw)
        if value is not None and mult != 1.0:
            value = value * mult
        head.records.append(
            Record(
                dif,
                vif,
                value,
                unit,
                quantity,
                storage,
                tariff,
                subunit,
                (dif >> 4) & 0x03,
                raw,
                tuple(vifes),
            )
        )
    return head


def encode_record(dif: int, vif: int, value: int) -> bytes:
    """One record with a plain DIF/VIF (no extensions); BCD codings get BCD digits."""
    coding = dif & 0x0F
    n = _LENGTH.get(coding)
    if n is None or coding in (0, 5, 13):
        raise ConfigurationError(f"encode_record supports integer and BCD codings, got DIF {dif:02X}")
    if coding >= 9:
        digits = f"{value:0{2 * n}d}"
        if value < 0 or len(digits) > 2 * n:
            raise ConfigurationError(f"{value!r} does not fit {n} BCD bytes")
        raw = bytes.fromhex(digits)[::-1]
    else:
        raw = value.to_bytes(n, "little", signed=True)
    return bytes((dif, vif)) + raw


def encode_variable_data(
    ident: int, manufacturer: str, version: int, medium: int, access: int, status: int, records: bytes
) -> bytes:
    """CI = 0x72 header followed by pre-encoded ``records``."""
    idb = bytes.fromhex(f"{ident:08d}")[::-1]
    return (
        idb
        + manufacturer_id(manufacturer).to_bytes(2, "little")
        + bytes((version, medium, access & 0xFF, status))
        + b"\x00\x00"
        + records
    )
