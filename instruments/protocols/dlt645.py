"""DL/T 645-2007 codec (Chinese multifunction electricity meters): pure bytes in, bytes out.

Frame: optional wake-up ``FE``×0–4, ``68``, address A0..A5 (12 BCD digits, A0 = least significant pair, so
the printed address is sent reversed), ``68``, control code C, length L, DATA (each byte + 0x33 on the
wire), CS (sum mod 256 from the first ``68`` through DATA; the preamble is not included), ``16``.

The 8-bit sum catches every single-byte error but not every multi-byte one, so replies are also checked for
structure: both ``68`` markers, L consistent with the frame and with the data identifier's format, the
``16`` end byte, the reply direction bit, the echoed address (unless the wildcard was used), the echoed
data identifier and valid BCD digits. Parsing scans past preamble and garbage ("resynchronisation").
"""

from __future__ import annotations

from dataclasses import dataclass

from instruments.errors import ConfigurationError, DeviceError, ProtocolError

__all__ = [
    "BROADCAST",
    "C_READ",
    "C_READ_ADDRESS",
    "FORMATS",
    "WILDCARD",
    "DLT645Framer",
    "DataFormat",
    "Frame",
    "address_from_bytes",
    "address_to_bytes",
    "build_abnormal_reply",
    "build_frame",
    "build_read",
    "build_read_address",
    "build_read_address_reply",
    "build_read_reply",
    "checksum",
    "decode_value",
    "describe_error_byte",
    "encode_value",
    "find_frame",
    "parse_di",
    "parse_frame",
    "parse_read_address_reply",
    "parse_read_reply",
]

WILDCARD = "AAAAAAAAAAAA"
BROADCAST = "999999999999"
C_READ = 0x11
C_READ_FOLLOW = 0x12
C_READ_ADDRESS = 0x13
DIR_REPLY = 0x80
ABNORMAL = 0x40
FOLLOW_UP = 0x20
MAX_DATA = 200
_OFFSET = 0x33

_ERR_BITS = (
    "other error",
    "no requested data",
    "password error / unauthorised",
    "baud rate cannot be changed",
    "too many annual time zones",
    "too many daily time periods",
    "too many tariffs",
    "reserved bit 7",
)


@dataclass(frozen=True)
class DataFormat:
    """How the value of one data identifier is coded.

    Attributes:
        di: the data identifier DI3..DI0 as an int (``0x02010100``).
        quantity: name of the quantity in readings.
        unit: pint-parsable unit.
        length: value bytes (BCD, least significant byte first).
        decimals: implied decimal places.
        signed: the top bit of the most significant byte is the sign.
    """

    di: int
    quantity: str
    unit: str
    length: int
    decimals: int
    signed: bool = False


def _formats() -> dict[int, DataFormat]:
    rows = [
        DataFormat(0x00000000, "combined_active_energy", "kWh", 4, 2, signed=True),
        DataFormat(0x00010000, "forward_active_energy", "kWh", 4, 2),
        DataFormat(0x00020000, "reverse_active_energy", "kWh", 4, 2),
        DataFormat(0x02010100, "voltage_a", "V", 2, 1),
        DataFormat(0x02010200, "voltage_b", "V", 2, 1),
        DataFormat(0x02010300, "voltage_c", "V", 2, 1),
        DataFormat(0x02020100, "current_a", "A", 3, 3, signed=True),
        DataFormat(0x02020200, "current_b", "A", 3, 3, signed=True),
        DataFormat(0x02020300, "current_c", "A", 3, 3, signed=True),
        DataFormat(0x02030000, "active_power_total", "kW", 3, 4, signed=True),
        DataFormat(0x02030100, "active_power_a", "kW", 3, 4, signed=True),
        DataFormat(0x02060000, "power_factor_total", "dimensionless", 2, 3, signed=True),
        DataFormat(0x02800002, "frequency", "Hz", 2, 2),
    ]
    return {r.di: r for r in rows}


#: Data identifiers this codec can decode (DI3..DI0 as int → format).
FORMATS: dict[int, DataFormat] = _formats()


def parse_di(di: int | str) -> int:
    """A data identifier from an int or 8 hex digits (``"02010100"``, ``"0x02010100"``, ``"02 01 01 00"``).

    Raises:
        ConfigurationError: not 8 hex digits / out of range.
    """
    if isinstance(di, int):
        value = di
    else:
        text = di.strip().lower().removeprefix("0x").replace(" ", "")
        if len(text) != 8:
            raise ConfigurationError(
                f"data identifier must be 8 hex digits (DI3..DI0, e.g. 02010100), got {di!r}"
            )
        try:
            value = int(text, 16)
        except ValueError:
            raise ConfigurationError(f"data identifier must be hexadecimal, got {di!r}") from None
    if not 0 <= value <= 0xFFFFFFFF:
        raise ConfigurationError(f"data identifier out of range: {di!r}")
    return value


def checksum(data: bytes) -> int:
    """DL/T 645 check sum: sum of ``data`` modulo 256."""
    return sum(data) & 0xFF


def address_to_bytes(address: str) -> bytes:
    """Wire form (A0 first) of a printed 12-digit address; ``A`` digits allowed for the wildcard.

    Raises:
        ConfigurationError: not 12 decimal digits (or AA wildcard pairs).
    """
    a = address.strip().upper()
    if len(a) != 12 or any(c not in "0123456789A" for c in a):
        raise ConfigurationError(
            f"DL/T 645 address must be 12 digits (e.g. 111111111111, or {WILDCARD} for 'any'), "
            f"got {address!r}"
        )
    return bytes.fromhex(a)[::-1]


def address_from_bytes(raw: bytes) -> str:
    """Printed form of a wire address (A0 first)."""
    return raw[::-1].hex().upper()


@dataclass(frozen=True)
class Frame:
    """A decoded frame.

    Attributes:
        address: printed 12-digit address.
        control: control code C.
        data: DATA with the 0x33 offset removed.
        start: index of the first ``68`` in the parsed buffer.
        end: index just past the ``16``.
    """

    address: str
    control: int
    data: bytes
    start: int = 0
    end: int = 0

    @property
    def function(self) -> int:
        """Bits 0–4 of C (0x11 read data, 0x13 read address …)."""
        return self.control & 0x1F

    @property
    def is_reply(self) -> bool:
        """Direction bit: sent by the meter."""
        return bool(self.control & DIR_REPLY)

    @property
    def is_abnormal(self) -> bool:
        """Abnormal-reply bit (the data is one ERR byte)."""
        return bool(self.control & ABNORMAL)

    @property
    def has_follow_up(self) -> bool:
        """Follow-up bit (more data in a following frame)."""
        return bool(self.control & FOLLOW_UP)


def build_frame(address: str, control: int, data: bytes = b"", *, preamble: int = 0) -> bytes:
    """Encode a frame; ``data`` is plain (the 0x33 offset is added here).

    Args:
        address: printed 12-digit address.
        control: control code.
        data: plain data bytes (at most 200).
        preamble: number of ``FE`` wake-up bytes (0–4).

    Raises:
        ConfigurationError: bad address, control code, data length or preamble.
    """
    if not 0 <= control <= 0xFF:
        raise ConfigurationError(f"control code must be one byte, got {control!r}")
    if len(data) > MAX_DATA:
        raise ConfigurationError(f"DL/T 645 data is at most {MAX_DATA} bytes, got {len(data)}")
    if not 0 <= preamble <= 4:
        raise ConfigurationError(f"preamble must be 0..4 FE bytes, got {preamble!r}")
    body = bytes([0x68]) + address_to_bytes(address) + bytes([0x68, control, len(data)])
    body += bytes((b + _OFFSET) & 0xFF for b in data)
    return b"\xfe" * preamble + body + bytes([checksum(body), 0x16])


def find_frame(buffer: bytes) -> tuple[int, int] | None:
    """Locate the first complete frame: ``(start, end)``, or None if more bytes are needed.

    A candidate starts at a ``68`` with another ``68`` seven bytes later and ends ``12 + L`` bytes after
    its start with ``16``. The earliest candidate whose checksum is right wins, even if an earlier false
    start (a ``68`` inside garbage) still waits for bytes; failing that, None while some candidate is
    incomplete, else the earliest structurally complete candidate (so that the parser reports its
    checksum error at once instead of waiting for a timeout).
    """
    waiting = False
    bad: tuple[int, int] | None = None
    i = buffer.find(0x68)
    while i >= 0:
        if len(buffer) < i + 10:
            waiting = True
            break
        if buffer[i + 7] == 0x68:
            end = i + 12 + buffer[i + 9]
            if len(buffer) < end:
                waiting = True
            elif buffer[end - 1] == 0x16:
                if checksum(buffer[i : end - 2]) == buffer[end - 2]:
                    return i, end
                if bad is None:
                    bad = (i, end)
        i = buffer.find(0x68, i + 1)
    return None if waiting else bad


class DLT645Framer:
    """Cuts DL/T 645 frames (with any preamble or garbage before them) out of a byte stream."""

    max_length = 512

    @property
    def idle_gap(self) -> float | None:
        return None

    def feed(self, buffer: bytes) -> int | None:
        found = find_frame(buffer)
        if found is not None:
            return found[1]
        if len(buffer) > self.max_length:
            raise ProtocolError(f"no DL/T 645 frame within {self.max_length} bytes: {buffer[:24].hex(' ')}…")
        return None

    def __repr__(self) -> str:
        return "DLT645Framer()"


def parse_frame(buffer: bytes) -> Frame:
    """Decode the first valid frame in ``buffer`` (skipping preamble and garbage).

    Raises:
        ProtocolError: no complete frame, or the frame fails its checksum or structure checks (the
            message says which).
    """
    problems: list[str] = []
    i = buffer.find(0x68)
    while i >= 0:
        if len(buffer) >= i + 12 and buffer[i + 7] == 0x68:
            n = buffer[i + 9]
            end = i + 12 + n
            if len(buffer) < end:
                problems.append(f"frame at {i} truncated: L={n} needs {end} bytes, have {len(buffer)}")
            elif buffer[end - 1] != 0x16:
                problems.append(f"frame at {i}: end byte {buffer[end - 1]:02X}, expected 16")
            else:
                cs = checksum(buffer[i : end - 2])
                if cs != buffer[end - 2]:
                    problems.append(f"frame at {i}: checksum {buffer[end - 2]:02X}, computed {cs:02X}")
                else:
                    data = bytes((b - _OFFSET) & 0xFF for b in buffer[i + 10 : end - 2])
                    addr = address_from_bytes(buffer[i + 1 : i + 7])
                    return Frame(addr, buffer[i + 8], data, i, end)
        i = buffer.find(0x68, i + 1)
    detail = "; ".join(problems[:3]) if problems else "no 68 … 68 header"
    raise ProtocolError(f"invalid DL/T 645 frame ({detail}): {buffer[:40].hex(' ').upper()}")


def describe_error_byte(err: int) -> str:
    """Text of the bits set in an abnormal reply's ERR byte."""
    bits = [text for bit, text in enumerate(_ERR_BITS) if err & (1 << bit)]
    return ", ".join(bits) if bits else "no error bit set"


def _bcd_digits(raw: bytes) -> str:
    digits = raw[::-1].hex().upper()
    if not digits.isdigit():
        raise ProtocolError(f"value bytes {raw.hex(' ').upper()} are not BCD")
    return digits


def decode_value(di: int | str, raw: bytes) -> float:
    """Decode the BCD value of data identifier ``di`` (plain bytes, least significant first).

    Raises:
        ProtocolError: wrong length or not BCD. ConfigurationError: unknown identifier.
    """
    fmt = _format(di)
    if len(raw) != fmt.length:
        raise ProtocolError(f"DI {fmt.di:08X} value must be {fmt.length} bytes, got {len(raw)}")
    sign = 1.0
    if fmt.signed and raw[-1] & 0x80:
        sign = -1.0
        raw = raw[:-1] + bytes([raw[-1] & 0x7F])
    return sign * int(_bcd_digits(raw)) / float(10**fmt.decimals)


def encode_value(di: int | str, value: float) -> bytes:
    """BCD bytes (least significant first) of ``value`` in the format of ``di``.

    Raises:
        ConfigurationError: unknown identifier, or the value does not fit the format.
    """
    fmt = _format(di)
    scaled = round(abs(value) * 10**fmt.decimals)
    digits = f"{scaled:0{2 * fmt.length}d}"
    if len(digits) > 2 * fmt.length or (value < 0 and not fmt.signed):
        raise ConfigurationError(f"value {value!r} does not fit DI {fmt.di:08X} ({fmt.length} BCD bytes)")
    raw = bytearray(bytes.fromhex(digits)[::-1])
    if fmt.signed:
        if raw[-1] & 0x80:
            raise ConfigurationError(f"value {value!r} does not fit signed DI {fmt.di:08X}")
        if value < 0 and scaled:
            raw[-1] |= 0x80
    return bytes(raw)


def _format(di: int | str) -> DataFormat:
    d = parse_di(di)
    fmt = FORMATS.get(d)
    if fmt is None:
        known = ", ".join(f"{k:08X}" for k in FORMATS)
        raise ConfigurationError(f"data identifier {d:08X} is not supported; supported: {known}")
    return fmt


def build_read(address: str, di: int | str, *, preamble: int = 4) -> bytes:
    """Request "read data" (C = 0x11) of identifier ``di`` from ``address``."""
    return build_frame(address, C_READ, parse_di(di).to_bytes(4, "little"), preamble=preamble)


def build_read_address(*, preamble: int = 4) -> bytes:
    """Request "read communication address" (C = 0x13) to the wildcard address (one meter on the bus)."""
    return build_frame(WILDCARD, C_READ_ADDRESS, b"", preamble=preamble)


def build_read_reply(address: str, di: int | str, value: float, *, preamble: int = 0) -> bytes:
    """A meter's normal reply (C = 0x91) carrying ``value`` for ``di``."""
    d = parse_di(di)
    return build_frame(
        address, C_READ | DIR_REPLY, d.to_bytes(4, "little") + encode_value(d, value), preamble=preamble
    )


def build_read_address_reply(address: str, *, preamble: int = 0) -> bytes:
    """A meter's reply (C = 0x93) to "read address"."""
    return build_frame(address, C_READ_ADDRESS | DIR_REPLY, address_to_bytes(address), preamble=preamble)


def build_abnormal_reply(address: str, function: int, err: int, *, preamble: int = 0) -> bytes:
    """An abnormal reply (C = function | 0xC0) with error byte ``err``."""
    return build_frame(
        address, (function & 0x1F) | DIR_REPLY | ABNORMAL, bytes([err & 0xFF]), preamble=preamble
    )


def _check_reply(frame: Frame, address: str, function: int) -> None:
    if not frame.is_reply:
        raise ProtocolError(
            f"frame from {frame.address} has C={frame.control:02X}: not a reply (echo of our request?)"
        )
    if frame.function != function:
        raise ProtocolError(f"reply function {frame.function:02X} does not match request {function:02X}")
    want = address.upper()
    if want != WILDCARD and frame.address != want:
        raise ProtocolError(f"reply from address {frame.address}, expected {want}")
    if frame.is_abnormal:
        if len(frame.data) != 1:
            raise ProtocolError(f"abnormal reply must carry one ERR byte, got {len(frame.data)}")
        err = frame.data[0]
        raise DeviceError(
            f"meter {frame.address} refused the request (C={frame.control:02X}, ERR={err:02X}: "
            f"{describe_error_byte(err)})"
        )


def parse_read_reply(reply: bytes, address: str, di: int | str) -> tuple[Frame, bytes]:
    """Check a "read data" reply and return the frame and the plain value bytes.

    Args:
        reply: the received bytes (preamble and garbage before the frame are skipped).
        address: the address the request was sent to (the reply must echo it unless it is the wildcard).
        di: the requested identifier (must be echoed).

    Raises:
        ProtocolError: checksum, structure, address or identifier mismatch, wrong value length.
        DeviceError: abnormal reply (ERR byte decoded in the message).
    """
    frame = parse_frame(reply)
    _check_reply(frame, address, C_READ)
    d = parse_di(di)
    if len(frame.data) < 4:
        raise ProtocolError(f"read reply carries {len(frame.data)} data bytes, needs at least the 4-byte DI")
    echoed = int.from_bytes(frame.data[:4], "little")
    if echoed != d:
        raise ProtocolError(f"reply echoes DI {echoed:08X}, requested {d:08X}")
    value = frame.data[4:]
    fmt = FORMATS.get(d)
    if fmt is not None and len(value) != fmt.length:
        raise ProtocolError(f"DI {d:08X} reply has {len(value)} value bytes, format needs {fmt.length}")
    return frame, value


def parse_read_address_reply(reply: bytes) -> str:
    """Check a "read address" reply (C = 0x93) and return the printed address.

    Raises:
        ProtocolError: malformed or inconsistent reply. DeviceError: abnormal reply.
    """
    frame = parse_frame(reply)
    _check_reply(frame, WILDCARD, C_READ_ADDRESS)
    if len(frame.data) != 6:
        raise ProtocolError(f"read-address reply must carry 6 data bytes, got {len(frame.data)}")
    carried = address_from_bytes(frame.data)
    if carried != frame.address:
        raise ProtocolError(f"read-address reply carries {carried} but is sent from {frame.address}")
    return carried
