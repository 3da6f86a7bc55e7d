"""Modbus RTU codec: CRC-16/MODBUS, FC 03/04/06/16 requests and replies, exceptions, word orders.

Pure functions, bytes in and bytes out. Client side: :func:`encode_read`, :func:`encode_write_single`,
:func:`encode_write_multiple`, :func:`expected_reply_length` and :func:`decode_reply`. Server side (the
simulator): :func:`request_length`, :func:`decode_request`, :func:`encode_registers_reply`,
:func:`encode_exception`. The 32-bit helpers convert between register pairs and float/long values in
any of the four word/byte orders seen in vendor manuals (``ABCD`` big-endian, ``CDAB`` word-swapped,
``BADC`` byte-swapped, ``DCBA`` little-endian).

Timing (t3.5) is not a codec concern; see :func:`silence_seconds` for the rule the client applies.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from instruments.errors import ConfigurationError, DeviceError, ProtocolError

__all__ = [
    "EXCEPTION_NAMES",
    "READ_HOLDING",
    "READ_INPUT",
    "WORD_ORDERS",
    "WRITE_MULTIPLE",
    "WRITE_SINGLE",
    "ModbusExceptionReply",
    "ModbusRequest",
    "append_crc",
    "check_crc",
    "crc16",
    "decode_reply",
    "decode_request",
    "encode_exception",
    "encode_read",
    "encode_registers_reply",
    "encode_write_multiple",
    "encode_write_single",
    "expected_reply_length",
    "float32_to_registers",
    "int16_to_register",
    "int32_to_registers",
    "lrc",
    "register_to_int16",
    "registers_to_float32",
    "registers_to_int32",
    "registers_to_uint32",
    "reply_length",
    "request_length",
    "silence_seconds",
    "uint32_to_registers",
]

READ_HOLDING = 0x03
READ_INPUT = 0x04
WRITE_SINGLE = 0x06
WRITE_MULTIPLE = 0x10
_SUPPORTED = (READ_HOLDING, READ_INPUT, WRITE_SINGLE, WRITE_MULTIPLE)

#: Exception codes of the Modbus application protocol.
EXCEPTION_NAMES: dict[int, str] = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "server device failure",
    0x05: "acknowledge",
    0x06: "server device busy",
    0x08: "memory parity error",
    0x0A: "gateway path unavailable",
    0x0B: "gateway target device failed to respond",
}

#: Supported 32-bit word/byte orders; letters name the bytes of the big-endian value.
WORD_ORDERS = ("ABCD", "CDAB", "BADC", "DCBA")


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """CRC-16/MODBUS (reflected poly 0xA001, init 0xFFFF, no final XOR).

    Args:
        data: the bytes covered by the CRC.

    Returns:
        The CRC as an int; it is transmitted low byte first.
    """
    crc = 0xFFFF
    for b in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ b) & 0xFF]
    return crc


def append_crc(body: bytes) -> bytes:
    """Return ``body`` followed by its CRC, low byte first."""
    return body + crc16(body).to_bytes(2, "little")


def check_crc(frame: bytes) -> bytes:
    """Check the trailing CRC of an RTU frame and return the frame without it.

    Raises:
        ProtocolError: the frame is shorter than 4 bytes or its CRC does not match.
    """
    if len(frame) < 4:
        raise ProtocolError(f"Modbus RTU frame too short ({len(frame)} bytes): {frame.hex(' ')}")
    got = int.from_bytes(frame[-2:], "little")
    want = crc16(frame[:-2])
    if got != want:
        raise ProtocolError(
            f"Modbus RTU CRC mismatch: frame {frame.hex(' ')} carries {got:04X}, computed {want:04X}"
        )
    return frame[:-2]


def lrc(data: bytes) -> int:
    """Modbus ASCII LRC: two's complement of the byte sum, modulo 256."""
    return (-sum(data)) & 0xFF


def silence_seconds(baud: int, *, spec_fixed: bool = False) -> float:
    """The inter-frame silence t3.5 at ``baud``.

    Args:
        baud: configured line speed in bit/s.
        spec_fixed: apply the specification's fixed 1.75 ms above 19200 baud, as minimalmodbus 2.1 does
            (otherwise 3.5 character times of 11 bits at every baud).

    Returns:
        The silence in seconds.

    Raises:
        ConfigurationError: ``baud`` is not positive.
    """
    if baud <= 0:
        raise ConfigurationError(f"baud rate must be positive, got {baud!r}")
    if spec_fixed and baud > 19200:
        return 0.00175
    return 3.5 * 11.0 / baud


# --------------------------------------------------------------------------------------- client side


def _check_slave(slave: int, *, broadcast: bool = False) -> None:
    # 248..255 are reserved by the spec, but single-sensor devices answer there (Senseair "any" 0xFE)
    low = 0 if broadcast else 1
    if not low <= slave <= 255:
        raise ConfigurationError(f"Modbus slave address must be {low}..247 (or 248..255), got {slave!r}")


def _check_u16(name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFF:
        raise ConfigurationError(f"Modbus {name} must be 0..65535, got {value!r}")


def encode_read(slave: int, function: int, start: int, count: int) -> bytes:
    """Request for FC03 (holding) or FC04 (input) registers.

    Args:
        slave: slave address 1..247 (248..255 are reserved but accepted, e.g. Senseair's 0xFE).
        function: 3 or 4.
        start: first register (0-based protocol address).
        count: number of registers, 1..125.

    Returns:
        The complete RTU frame with CRC.

    Raises:
        ConfigurationError: an argument is out of range.
    """
    _check_slave(slave)
    if function not in (READ_HOLDING, READ_INPUT):
        raise ConfigurationError(f"read function must be 3 or 4, got {function!r}")
    _check_u16("start register", start)
    if not 1 <= count <= 125:
        raise ConfigurationError(f"register count must be 1..125, got {count!r}")
    if start + count > 0x10000:
        raise ConfigurationError(f"registers {start}..{start + count - 1} run past 65535")
    return append_crc(struct.pack(">BBHH", slave, function, start, count))


def encode_write_single(slave: int, register: int, value: int) -> bytes:
    """FC06 request: write ``value`` (0..65535) to ``register``; slave 0 broadcasts."""
    _check_slave(slave, broadcast=True)
    _check_u16("register", register)
    _check_u16("register value", value)
    return append_crc(struct.pack(">BBHH", slave, WRITE_SINGLE, register, value))


def encode_write_multiple(slave: int, start: int, values: Sequence[int]) -> bytes:
    """FC16 request: write 1..123 register ``values`` from ``start``; slave 0 broadcasts."""
    _check_slave(slave, broadcast=True)
    _check_u16("start register", start)
    if not 1 <= len(values) <= 123:
        raise ConfigurationError(f"FC16 writes 1..123 registers, got {len(values)}")
    for v in values:
        _check_u16("register value", v)
    body = struct.pack(">BBHHB", slave, WRITE_MULTIPLE, start, len(values), 2 * len(values))
    return append_crc(body + struct.pack(f">{len(values)}H", *values))


def expected_reply_length(request: bytes) -> int:
    """Length of the normal reply to ``request`` (an exception reply is always 5 bytes)."""
    function = request[1]
    if function in (READ_HOLDING, READ_INPUT):
        return 5 + 2 * int.from_bytes(request[4:6], "big")
    if function in (WRITE_SINGLE, WRITE_MULTIPLE):
        return 8
    raise ConfigurationError(f"unsupported Modbus function {function:#04x}")


def reply_length(request: bytes, buffer: bytes | bytearray) -> int | None:
    """Framer for replies: the end index of the reply at the start of ``buffer``, or None if unknown yet.

    Exception replies are recognised from the second byte, so they complete after 5 bytes instead of
    waiting for the timeout (a trap of minimalmodbus).
    """
    if len(buffer) < 2:
        return None
    n = 5 if buffer[1] & 0x80 else expected_reply_length(request)
    return n if len(buffer) >= n else None


class ModbusExceptionReply(DeviceError):
    """The slave answered with a Modbus exception reply."""

    def __init__(self, slave: int, function: int, code: int) -> None:
        self.slave = slave
        self.function = function
        self.code = code
        name = EXCEPTION_NAMES.get(code, "unknown exception")
        super().__init__(
            f"Modbus slave {slave} rejected function {function:#04x} with exception {code:#04x} ({name}); "
            "check the register map (address, count, 0- vs 1-based numbering) of this device"
        )


def decode_reply(request: bytes, reply: bytes) -> list[int]:
    """Check ``reply`` against ``request`` and return the data it carries.

    Args:
        request: the frame that was sent (with CRC).
        reply: the complete reply frame (with CRC).

    Returns:
        Register values for FC03/04; ``[register, value]`` for FC06; ``[start, quantity]`` for FC16.

    Raises:
        ProtocolError: bad CRC, wrong slave, function, length, byte count or echo.
        ModbusExceptionReply: the slave sent an exception reply.
    """
    body = check_crc(reply)
    slave, function = request[0], request[1]
    if body[0] != slave:
        raise ProtocolError(
            f"Modbus reply from slave {body[0]} to a request for slave {slave}: {reply.hex(' ')}"
        )
    if body[1] == function | 0x80:
        if len(body) != 3:
            raise ProtocolError(f"Modbus exception reply of wrong length: {reply.hex(' ')}")
        raise ModbusExceptionReply(slave, function, body[2])
    if body[1] != function:
        raise ProtocolError(
            f"Modbus reply carries function {body[1]:#04x}, request was {function:#04x}: {reply.hex(' ')}"
        )
    if len(reply) != expected_reply_length(request):
        raise ProtocolError(
            f"Modbus reply of {len(reply)} bytes, expected {expected_reply_length(request)}: {reply.hex(' ')}"
        )
    if function in (READ_HOLDING, READ_INPUT):
        count = int.from_bytes(request[4:6], "big")
        if body[2] != 2 * count:
            raise ProtocolError(f"Modbus byte count {body[2]} for {count} registers: {reply.hex(' ')}")
        return list(struct.unpack(f">{count}H", body[3:]))
    if function == WRITE_SINGLE:
        if reply != request:
            raise ProtocolError(f"FC06 reply {reply.hex(' ')} does not echo request {request.hex(' ')}")
    elif body[2:6] != request[2:6]:
        raise ProtocolError(f"FC16 reply {reply.hex(' ')} does not match request {request.hex(' ')}")
    return list(struct.unpack(">HH", body[2:6]))


# --------------------------------------------------------------------------------------- server side


@dataclass(frozen=True)
class ModbusRequest:
    """A decoded request, as a simulated slave sees it."""

    slave: int
    function: int
    address: int
    count: int
    values: tuple[int, ...] = ()


def request_length(buffer: bytes | bytearray) -> int | None:
    """Framer for requests by length (a pty does not keep gaps): end index, or None if incomplete.

    Unknown function codes are framed as the 8-byte shape of FC01..06 so the server can answer with
    exception 01 (a CRC check rejects the frame if the guess is wrong).
    """
    if len(buffer) < 2:
        return None
    if buffer[1] == WRITE_MULTIPLE:
        if len(buffer) < 7:
            return None
        n = 9 + buffer[6]
    else:
        n = 8
    return n if len(buffer) >= n else None


def decode_request(frame: bytes) -> ModbusRequest:
    """Decode a request frame (CRC checked).

    Raises:
        ProtocolError: bad CRC or malformed FC16 body. Unsupported functions decode with ``count=0``.
    """
    body = check_crc(frame)
    if len(body) < 6:
        raise ProtocolError(f"Modbus request too short: {frame.hex(' ')}")
    slave, function, address, count = struct.unpack(">BBHH", body[:6])
    if function == WRITE_MULTIPLE:
        nbytes = body[6] if len(body) > 6 else -1
        if nbytes != 2 * count or len(body) != 7 + nbytes:
            raise ProtocolError(f"malformed FC16 request: {frame.hex(' ')}")
        return ModbusRequest(slave, function, address, count, struct.unpack(f">{count}H", body[7:]))
    if function == WRITE_SINGLE:
        return ModbusRequest(slave, function, address, 1, (count,))
    if function not in _SUPPORTED:
        return ModbusRequest(slave, function, address, 0)
    return ModbusRequest(slave, function, address, count)


def encode_registers_reply(slave: int, function: int, values: Sequence[int]) -> bytes:
    """FC03/04 reply carrying ``values``."""
    return append_crc(bytes((slave, function, 2 * len(values))) + struct.pack(f">{len(values)}H", *values))


def encode_exception(slave: int, function: int, code: int) -> bytes:
    """Exception reply ``slave fc|0x80 code CRC``."""
    return append_crc(bytes((slave, function | 0x80, code)))


# --------------------------------------------------------------------------------------- value helpers


def _order(word_order: str) -> str:
    order = word_order.upper()
    if order not in WORD_ORDERS:
        raise ConfigurationError(f"word order must be one of {', '.join(WORD_ORDERS)}, got {word_order!r}")
    return order


def _to_wire(big_endian: bytes, word_order: str) -> bytes:
    idx = {"ABCD": (0, 1, 2, 3), "CDAB": (2, 3, 0, 1), "BADC": (1, 0, 3, 2), "DCBA": (3, 2, 1, 0)}
    return bytes(big_endian[i] for i in idx[_order(word_order)])


def _registers_bytes(registers: Sequence[int]) -> bytes:
    if len(registers) != 2:
        raise ConfigurationError(f"a 32-bit value spans 2 registers, got {len(registers)}")
    return struct.pack(">HH", *registers)


def registers_to_float32(registers: Sequence[int], word_order: str = "ABCD") -> float:
    """IEEE-754 float32 from two registers in ``word_order`` (the involution maps wire back to ABCD)."""
    return float(struct.unpack(">f", _to_wire(_registers_bytes(registers), word_order))[0])


def float32_to_registers(value: float, word_order: str = "ABCD") -> list[int]:
    """Two registers holding ``value`` as float32 in ``word_order``."""
    return list(struct.unpack(">HH", _to_wire(struct.pack(">f", value), word_order)))


def registers_to_uint32(registers: Sequence[int], word_order: str = "ABCD") -> int:
    """Unsigned 32-bit integer from two registers in ``word_order``."""
    return int(struct.unpack(">I", _to_wire(_registers_bytes(registers), word_order))[0])


def registers_to_int32(registers: Sequence[int], word_order: str = "ABCD") -> int:
    """Signed 32-bit integer from two registers in ``word_order``."""
    return int(struct.unpack(">i", _to_wire(_registers_bytes(registers), word_order))[0])


def uint32_to_registers(value: int, word_order: str = "ABCD") -> list[int]:
    """Two registers holding ``value`` (0..2**32-1) in ``word_order``."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise ConfigurationError(f"uint32 value out of range: {value!r}")
    return list(struct.unpack(">HH", _to_wire(struct.pack(">I", value), word_order)))


def int32_to_registers(value: int, word_order: str = "ABCD") -> list[int]:
    """Two registers holding signed ``value`` in ``word_order``."""
    if not -(2**31) <= value < 2**31:
        raise ConfigurationError(f"int32 value out of range: {value!r}")
    return list(struct.unpack(">HH", _to_wire(struct.pack(">i", value), word_order)))


def register_to_int16(register: int) -> int:
    """Signed interpretation of one register."""
    return register - 0x10000 if register & 0x8000 else register


def int16_to_register(value: int) -> int:
    """Register holding signed ``value`` (-32768..32767)."""
    if not -0x8000 <= value <= 0x7FFF:
        raise ConfigurationError(f"int16 value out of range: {value!r}")
    return value & 0xFFFF
