"""Modbus RTU codec against the published vectors (protocol_vectors.json), plus corruption and word orders."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.protocols import modbus_rtu as m

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
VECTORS = json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"]


def _vectors(protocol: str) -> list[dict[str, Any]]:
    return [v for v in VECTORS if v["protocol"] == protocol]


def _hex(s: str) -> bytes:
    return bytes.fromhex(s)


RTU = [v for v in _vectors("Modbus RTU") if v["check"] == "modbus_rtu"]


def test_vector_count() -> None:
    assert len(_vectors("Modbus RTU")) == 8
    assert len(RTU) == 7


def test_crc_spec_example() -> None:
    (v,) = [v for v in _vectors("Modbus RTU") if v["check"] == "none"]
    crc = m.crc16(_hex(v["request"]))
    assert crc == 0x1241
    assert crc.to_bytes(2, "little") == _hex(v["response"])


@pytest.mark.parametrize("v", RTU, ids=lambda v: v["description"][:40])
def test_vector_crcs_recompute(v: dict[str, Any]) -> None:
    for frame in (v["request"], v["response"]):
        raw = _hex(frame)
        assert m.append_crc(raw[:-2]) == raw
        assert m.check_crc(raw) == raw[:-2]


@pytest.mark.parametrize("v", RTU, ids=lambda v: v["description"][:40])
def test_request_encoders_reproduce_vectors(v: dict[str, Any]) -> None:
    raw = _hex(v["request"])
    req = m.decode_request(raw)
    if req.function in (m.READ_HOLDING, m.READ_INPUT):
        assert m.encode_read(req.slave, req.function, req.address, req.count) == raw
    elif req.function == m.WRITE_SINGLE:
        assert m.encode_write_single(req.slave, req.address, req.values[0]) == raw
    else:
        assert m.encode_write_multiple(req.slave, req.address, req.values) == raw
    assert m.request_length(raw) == len(raw)
    assert m.request_length(raw[:-1]) is None


def test_decode_replies_of_vectors() -> None:
    by_req = {(v["request"], v["response"]): v for v in RTU}
    bench = _hex("01 03 00 00 00 0A C5 CD")
    assert m.decode_reply(
        bench,
        _hex(
            by_req[
                (
                    "01 03 00 00 00 0A C5 CD",
                    "01 03 14 00 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 CD 51",
                )
            ]["response"]
        ),
    ) == list(range(10))
    assert m.decode_reply(_hex("11 03 00 7C 00 02 07 43"), _hex("11 03 04 00 8D 00 8E FB BD")) == [141, 142]
    assert m.decode_reply(_hex("01 04 00 0E 00 01 50 09"), _hex("01 04 02 03 70 B8 24")) == [880]
    assert m.decode_reply(_hex("01 06 00 2D 00 58 18 39"), _hex("01 06 00 2D 00 58 18 39")) == [45, 88]
    assert m.decode_reply(_hex("01 10 00 18 00 01 02 00 32 24 5D"), _hex("01 10 00 18 00 01 81 CE")) == [
        24,
        1,
    ]


@pytest.mark.parametrize(
    ("request_hex", "reply_hex"),
    [
        ("11 03 00 7C 00 02 07 43", "11 83 02 C1 34"),
        ("01 03 00 64 00 0A 84 12", "01 83 02 C0 F1"),
    ],
)
def test_exception_replies(request_hex: str, reply_hex: str) -> None:
    req, rep = _hex(request_hex), _hex(reply_hex)
    assert m.reply_length(req, rep[:2]) is None  # needs 5 bytes
    assert m.reply_length(req, rep) == 5  # recognised early, not at the normal length
    with pytest.raises(m.ModbusExceptionReply) as info:
        m.decode_reply(req, rep)
    assert info.value.code == 2
    assert isinstance(info.value, DeviceError)
    assert "illegal data address" in str(info.value)
    slave = req[0]
    assert m.encode_exception(slave, 3, 2) == rep


@pytest.mark.parametrize("v", RTU, ids=lambda v: v["description"][:40])
def test_every_single_byte_corruption_is_rejected(v: dict[str, Any]) -> None:
    req, rep = _hex(v["request"]), _hex(v["response"])
    for i in range(len(rep)):
        for flip in (0x01, 0x80, 0xFF):
            bad = bytearray(rep)
            bad[i] ^= flip
            with pytest.raises(ProtocolError):
                m.decode_reply(req, bytes(bad))
    for i in range(len(req)):
        bad = bytearray(req)
        bad[i] ^= 0x10
        with pytest.raises(ProtocolError):
            m.decode_request(bytes(bad))


def test_structure_checks_beyond_crc() -> None:
    req = m.encode_read(1, 3, 0, 2)
    other_slave = m.encode_registers_reply(2, 3, [1, 2])
    with pytest.raises(ProtocolError, match="slave 2"):
        m.decode_reply(req, other_slave)
    wrong_fc = m.encode_registers_reply(1, 4, [1, 2])
    with pytest.raises(ProtocolError, match="function"):
        m.decode_reply(req, wrong_fc)
    wrong_count = m.encode_registers_reply(1, 3, [1, 2, 3])
    with pytest.raises(ProtocolError):
        m.decode_reply(req, wrong_count)
    bad_echo = m.encode_write_single(1, 45, 89)
    with pytest.raises(ProtocolError, match="echo"):
        m.decode_reply(m.encode_write_single(1, 45, 88), bad_echo)


def test_encoder_validation() -> None:
    with pytest.raises(ConfigurationError, match="256"):
        m.encode_read(256, 3, 0, 1)
    with pytest.raises(ConfigurationError):
        m.encode_read(0, 3, 0, 1)  # broadcast reads do not exist
    with pytest.raises(ConfigurationError, match="126"):
        m.encode_read(1, 3, 0, 126)
    with pytest.raises(ConfigurationError):
        m.encode_read(1, 5, 0, 1)
    with pytest.raises(ConfigurationError):
        m.encode_write_single(1, 0, 70000)
    with pytest.raises(ConfigurationError):
        m.encode_write_multiple(1, 0, [0] * 124)


# Known answers: 1.0 as float32 is 3F 80 00 00; 0x12345678 as uint32.
@pytest.mark.parametrize(
    ("order", "regs"),
    [
        ("ABCD", [0x3F80, 0x0000]),
        ("CDAB", [0x0000, 0x3F80]),
        ("BADC", [0x803F, 0x0000]),
        ("DCBA", [0x0000, 0x803F]),
    ],
)
def test_float32_word_orders(order: str, regs: list[int]) -> None:
    assert m.float32_to_registers(1.0, order) == regs
    assert m.registers_to_float32(regs, order) == 1.0


@pytest.mark.parametrize(
    ("order", "regs"),
    [
        ("ABCD", [0x1234, 0x5678]),
        ("CDAB", [0x5678, 0x1234]),
        ("BADC", [0x3412, 0x7856]),
        ("DCBA", [0x7856, 0x3412]),
    ],
)
def test_uint32_word_orders(order: str, regs: list[int]) -> None:
    assert m.uint32_to_registers(0x12345678, order) == regs
    assert m.registers_to_uint32(regs, order) == 0x12345678


def test_int_helpers_roundtrip() -> None:
    for value in (-(2**31), -1, 0, 1, 2**31 - 1):
        for order in m.WORD_ORDERS:
            assert m.registers_to_int32(m.int32_to_registers(value, order), order) == value
    assert m.register_to_int16(0xFFFF) == -1
    assert m.int16_to_register(-2) == 0xFFFE
    assert struct.unpack(">f", struct.pack(">HH", *m.float32_to_registers(123.5)))[0] == 123.5
    with pytest.raises(ConfigurationError):
        m.registers_to_float32([1, 2], "XYZW")
    with pytest.raises(ConfigurationError):
        m.uint32_to_registers(-1)


def test_silence_rule() -> None:
    assert m.silence_seconds(9600) == pytest.approx(38.5 / 9600)
    assert m.silence_seconds(115200) == pytest.approx(38.5 / 115200)
    assert m.silence_seconds(115200, spec_fixed=True) == 0.00175
    assert m.silence_seconds(19200, spec_fixed=True) == pytest.approx(38.5 / 19200)
    with pytest.raises(ConfigurationError):
        m.silence_seconds(0)


def test_modbus_ascii_lrc_vector() -> None:
    (v,) = _vectors("Modbus ASCII")
    for text in (v["request"], v["response"]):
        line = text.encode().decode("unicode_escape")
        assert line.startswith(":") and line.endswith("\r\n")
        raw = bytes.fromhex(line[1:-2])
        assert m.lrc(raw[:-1]) == raw[-1]
    exc = bytes.fromhex("1183026A")
    assert m.lrc(exc[:-1]) == exc[-1]
