"""CJ/T 188 codec (water, heat and gas meters): frames, 8-bit sum, BCD values, counter-data replies.

Frame: ``FE×n 68 T A0..A6 C L DATA CS 16``; CS = sum mod 256 from ``68`` through DATA (no +0x33
scrambling, unlike DL/T 645). The address is 14 BCD digits sent least significant pair first. DATA
starts ``DI DI SER``; the order of the two DI bytes differs between meter models (``90 1F`` and ``1F 90``
both occur, the read-address DI 810A is usually sent ``0A 81``), so every encoder and decoder takes a
``di_order``: ``"msb"`` sends the high byte first (``90 1F``), ``"lsb"`` the low byte first.

The 8-bit sum is weak, so :func:`decode_frame` also checks structure: start and end bytes, length,
and (in :func:`check_reply`) direction bit, type, address and DI echo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from instruments.errors import ConfigurationError, DeviceError, ProtocolError

__all__ = [
    "DI_READ_ADDRESS",
    "DI_READ_DATA",
    "METER_TYPES",
    "UNIT_CODES",
    "WILDCARD_ADDRESS",
    "CounterData",
    "Frame",
    "HeatData",
    "bcd_to_int",
    "check_reply",
    "checksum",
    "decode_frame",
    "decode_heat_data",
    "decode_water_data",
    "encode_frame",
    "encode_heat_data",
    "encode_read_address",
    "encode_read_data",
    "encode_water_data",
    "frame_length",
    "int_to_bcd",
]

DiOrder = Literal["msb", "lsb"]

DI_READ_DATA = 0x901F
DI_READ_ADDRESS = 0x810A
WILDCARD_ADDRESS = "AAAAAAAAAAAAAA"

#: Meter type byte T.
METER_TYPES: dict[int, str] = {
    0x10: "cold water",
    0x11: "hot water",
    0x12: "drinking water",
    0x13: "reclaimed water",
    0x20: "heat (heating)",
    0x21: "heat (cooling)",
    0x30: "gas",
    0x40: "electricity",
    0xAA: "any",
}

#: Unit codes to pint unit strings.
UNIT_CODES: dict[int, str] = {
    0x2C: "m**3",
    0x35: "m**3/h",
    0x05: "kWh",
    0x08: "MWh",
    0x11: "GJ",
    0x17: "kW",
    0x29: "L",
}
_UNIT_BY_NAME = {v: k for k, v in UNIT_CODES.items()}


def checksum(data: bytes) -> int:
    """8-bit sum of ``data`` modulo 256."""
    return sum(data) & 0xFF


def int_to_bcd(value: int, nbytes: int) -> bytes:
    """``value`` as ``nbytes`` packed BCD, least significant byte first."""
    digits = f"{value:0{2 * nbytes}d}"
    if value < 0 or len(digits) > 2 * nbytes:
        raise ConfigurationError(f"{value!r} does not fit in {nbytes} BCD bytes")
    return bytes(int(digits[i : i + 2], 16) for i in range(2 * nbytes - 2, -2, -2))


def bcd_to_int(data: bytes) -> int:
    """Packed BCD (least significant byte first) to int.

    Raises:
        ProtocolError: a nibble is not a decimal digit.
    """
    text = data[::-1].hex()
    if not text.isdigit():
        raise ProtocolError(f"invalid BCD digits {data.hex(' ')}")
    return int(text)


def _address_bytes(address: str) -> bytes:
    if len(address) != 14 or not (address.isdigit() or address.upper() == WILDCARD_ADDRESS):
        raise ConfigurationError(f"CJ/T 188 address must be 14 digits (or 14 × 'A'), got {address!r}")
    return bytes.fromhex(address)[::-1]


def _di_bytes(di: int, order: DiOrder) -> bytes:
    if order not in ("msb", "lsb"):
        raise ConfigurationError(f"DI byte order must be 'msb' or 'lsb', got {order!r}")
    return di.to_bytes(2, "big" if order == "msb" else "little")


@dataclass(frozen=True)
class Frame:
    """A decoded CJ/T 188 frame."""

    meter_type: int
    address: str
    control: int
    data: bytes


def encode_frame(meter_type: int, address: str, control: int, data: bytes, *, preamble: int = 0) -> bytes:
    """Build a frame with ``preamble`` wake-up bytes ``FE``.

    Args:
        meter_type: T byte (e.g. 0x10 cold water, 0x20 heat, 0x30 gas).
        address: 14 decimal digits as printed on the meter (most significant first), or 14 × 'A'.
        control: C byte (0x01 read data, 0x03 read address; replies set bit 7).
        data: DATA field (DI, SER, payload).
        preamble: number of FE bytes to send first (0..4 typical).

    Returns:
        The frame bytes.

    Raises:
        ConfigurationError: an argument is out of range.
    """
    if not 0 <= meter_type <= 0xFF or not 0 <= control <= 0xFF:
        raise ConfigurationError(f"meter type and control must be bytes, got {meter_type!r}, {control!r}")
    if len(data) > 0xFF:
        raise ConfigurationError(f"CJ/T 188 DATA is at most 255 bytes, got {len(data)}")
    body = bytes((0x68, meter_type)) + _address_bytes(address) + bytes((control, len(data))) + data
    return b"\xfe" * preamble + body + bytes((checksum(body), 0x16))


def _start(buffer: bytes | bytearray) -> int | None:
    for i, b in enumerate(buffer):
        if b == 0x68:
            return i
        if b not in (0xFE, 0xFF):
            return i  # garbage before the start byte: the frame is framed here and rejected in decode
    return None


def frame_length(buffer: bytes | bytearray) -> int | None:
    """Framer: end index of the first frame in ``buffer`` (preamble included), or None if incomplete."""
    start = _start(buffer)
    if start is None:
        return None
    if buffer[start] != 0x68:
        return start + 1
    if len(buffer) < start + 11:
        return None
    end = start + 13 + buffer[start + 10]
    return end if len(buffer) >= end else None


def decode_frame(frame: bytes) -> Frame:
    """Decode a frame, skipping ``FE``/``FF`` preamble bytes.

    Raises:
        ProtocolError: missing start or end byte, wrong length or checksum.
    """
    start = _start(frame)
    if start is None or frame[start] != 0x68:
        raise ProtocolError(f"CJ/T 188 frame has no start byte 68: {frame.hex(' ')}")
    body = frame[start:]
    if len(body) < 13 or len(body) != 13 + body[10]:
        raise ProtocolError(f"CJ/T 188 frame length does not match its L field: {frame.hex(' ')}")
    if body[-1] != 0x16:
        raise ProtocolError(f"CJ/T 188 frame does not end with 16: {frame.hex(' ')}")
    if checksum(body[:-2]) != body[-2]:
        raise ProtocolError(
            f"CJ/T 188 checksum {body[-2]:02X} != computed {checksum(body[:-2]):02X}: {frame.hex(' ')}"
        )
    addr = body[2:9][::-1].hex().upper()
    return Frame(body[1], addr, body[9], bytes(body[11:-2]))


def encode_read_data(
    meter_type: int,
    address: str,
    *,
    ser: int = 0,
    di: int = DI_READ_DATA,
    di_order: DiOrder = "msb",
    preamble: int = 0,
) -> bytes:
    """Read-data request (C = 01) for data identifier ``di`` with sequence number ``ser``."""
    return encode_frame(
        meter_type, address, 0x01, _di_bytes(di, di_order) + bytes((ser & 0xFF,)), preamble=preamble
    )


def encode_read_address(
    meter_type: int = 0x10, *, ser: int = 0, di_order: DiOrder = "lsb", preamble: int = 0
) -> bytes:
    """Read-address request (C = 03, DI 810A) to the wildcard address."""
    return encode_frame(
        meter_type,
        WILDCARD_ADDRESS,
        0x03,
        _di_bytes(DI_READ_ADDRESS, di_order) + bytes((ser & 0xFF,)),
        preamble=preamble,
    )


def check_reply(request: bytes, reply: bytes, *, di_order: DiOrder = "msb") -> Frame:
    """Decode ``reply`` and check it answers ``request`` (structure checks behind the weak sum).

    Checks: direction bit and function of C, meter type (unless the request used ``AA``), address
    (unless wildcard), DI echo and SER echo.

    Raises:
        ProtocolError: the reply is malformed or answers another meter or another request.
        DeviceError: the meter sent an abnormal reply (C bit 6).
    """
    req = decode_frame(request)
    rep = decode_frame(reply)
    if rep.control & 0x80 == 0 or rep.control & 0x3F != req.control & 0x3F:
        raise ProtocolError(f"CJ/T 188 reply control {rep.control:02X} does not answer {req.control:02X}")
    if rep.control & 0x40:
        raise DeviceError(f"CJ/T 188 meter {rep.address} sent an abnormal reply: {reply.hex(' ')}")
    if req.meter_type != 0xAA and rep.meter_type != req.meter_type:
        raise ProtocolError(
            f"CJ/T 188 reply from meter type {rep.meter_type:02X}, asked {req.meter_type:02X}"
        )
    if req.address != WILDCARD_ADDRESS and rep.address != req.address:
        raise ProtocolError(f"CJ/T 188 reply from address {rep.address}, asked {req.address}")
    if len(rep.data) < 3 or rep.data[:3] != req.data[:3]:
        raise ProtocolError(
            f"CJ/T 188 reply does not echo DI/SER {req.data[:3].hex(' ')}: got {rep.data[:3].hex(' ')}"
        )
    _ = di_order  # the echo compares raw bytes, so it holds in either DI order
    return rep


# --------------------------------------------------------------------------------------- counter data


def _quantity(data: bytes) -> tuple[float, str]:
    """4 BCD bytes (XXXXXX.XX) + unit code."""
    unit = UNIT_CODES.get(data[4])
    if unit is None:
        raise ProtocolError(f"CJ/T 188 unknown unit code {data[4]:02X} in {data.hex(' ')}")
    return bcd_to_int(data[:4]) / 100.0, unit


def _encode_quantity(value: float, unit: str) -> bytes:
    code = _UNIT_BY_NAME.get(unit)
    if code is None:
        raise ConfigurationError(f"no CJ/T 188 unit code for {unit!r}; use one of {sorted(_UNIT_BY_NAME)}")
    return int_to_bcd(round(value * 100), 4) + bytes((code,))


@dataclass(frozen=True)
class CounterData:
    """Water/gas meter reply to DI 901F."""

    flow: float
    flow_unit: str
    settlement_flow: float
    settlement_unit: str
    time_bcd: str
    status: int


@dataclass(frozen=True)
class HeatData:
    """Heat meter reply to DI 901F (L = 0x2E)."""

    settlement_heat: float
    heat: float
    heat_unit: str
    power: float
    power_unit: str
    flow_rate: float
    flow_rate_unit: str
    volume: float
    volume_unit: str
    supply_temp: float
    return_temp: float
    working_hours: int
    time_bcd: str
    status: int


def decode_water_data(data: bytes) -> CounterData:
    """Decode the DATA of a water/gas reply to 901F (22 bytes: DI, SER, 2×(4+unit), time 7, ST 2)."""
    if len(data) != 0x16:
        raise ProtocolError(f"CJ/T 188 water/gas data must be 22 bytes, got {len(data)}: {data.hex(' ')}")
    flow, unit = _quantity(data[3:8])
    sflow, sunit = _quantity(data[8:13])
    return CounterData(
        flow, unit, sflow, sunit, data[13:20][::-1].hex(), int.from_bytes(data[20:22], "little")
    )


def encode_water_data(
    di_bytes: bytes,
    ser: int,
    flow: float,
    *,
    unit: str = "m**3",
    settlement: float = 0.0,
    time_bcd: str = "00000000000000",
    status: int = 0,
) -> bytes:
    """DATA of a water/gas reply (inverse of :func:`decode_water_data`)."""
    return (
        di_bytes
        + bytes((ser,))
        + _encode_quantity(flow, unit)
        + _encode_quantity(settlement, unit)
        + bytes.fromhex(time_bcd)[::-1]
        + status.to_bytes(2, "little")
    )


def _temp(data: bytes) -> float:
    return bcd_to_int(data) / 100.0


def decode_heat_data(data: bytes) -> HeatData:
    """Decode the DATA of a heat-meter reply to 901F (46 bytes)."""
    if len(data) != 0x2E:
        raise ProtocolError(f"CJ/T 188 heat data must be 46 bytes, got {len(data)}: {data.hex(' ')}")
    sheat, _ = _quantity(data[3:8])
    heat, hunit = _quantity(data[8:13])
    power, punit = _quantity(data[13:18])
    rate, runit = _quantity(data[18:23])
    vol, vunit = _quantity(data[23:28])
    return HeatData(
        sheat,
        heat,
        hunit,
        power,
        punit,
        rate,
        runit,
        vol,
        vunit,
        _temp(data[28:31]),
        _temp(data[31:34]),
        bcd_to_int(data[34:37]),
        data[37:44][::-1].hex(),
        int.from_bytes(data[44:46], "little"),
    )


def encode_heat_data(
    di_bytes: bytes,
    ser: int,
    *,
    heat: float,
    power: float,
    flow_rate: float,
    volume: float,
    supply_temp: float,
    return_temp: float,
    settlement_heat: float = 0.0,
    working_hours: int = 0,
    time_bcd: str = "00000000000000",
    status: int = 0,
) -> bytes:
    """DATA of a heat-meter reply (kWh, kW, m³/h, m³, °C with 0.01 resolution)."""
    return (
        di_bytes
        + bytes((ser,))
        + _encode_quantity(settlement_heat, "kWh")
        + _encode_quantity(heat, "kWh")
        + _encode_quantity(power, "kW")
        + _encode_quantity(flow_rate, "m**3/h")
        + _encode_quantity(volume, "m**3")
        + int_to_bcd(round(supply_temp * 100), 3)
        + int_to_bcd(round(return_temp * 100), 3)
        + int_to_bcd(working_hours, 3)
        + bytes.fromhex(time_bcd)[::-1]
        + status.to_bytes(2, "little")
    )
