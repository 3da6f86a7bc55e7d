"""DL/T 645-2007 codec against the published vectors (protocol_vectors.json) and corrupted copies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.protocols import dlt645 as codec

_CANDIDATES = (
    Path("/work/shared/domain/protocol_vectors.json"),
    Path(__file__).parent / "data" / "protocol_vectors.json",
)


def _vectors() -> list[dict[str, Any]]:
    for path in _CANDIDATES:
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return [v for v in data["vectors"] if v["protocol"].startswith("DL/T 645")]
    return []


VECTORS = _vectors()
FRAMES = [
    pytest.param(bytes.fromhex(v[key]), id=f"{i}-{key}")
    for i, v in enumerate(VECTORS)
    for key in ("request", "response")
    if v[key]
]


def test_all_six_vectors_loaded() -> None:
    assert len(VECTORS) == 6, "protocols.md lists 6 DL/T 645 vectors"


@pytest.mark.parametrize("frame", FRAMES)
def test_every_vector_frame_parses_and_reencodes(frame: bytes) -> None:
    parsed = codec.parse_frame(frame)
    preamble = frame[: parsed.start].count(0xFE)
    assert codec.build_frame(parsed.address, parsed.control, parsed.data, preamble=preamble) == frame
    assert codec.DLT645Framer().feed(frame) == len(frame)


@pytest.mark.parametrize("frame", FRAMES)
def test_every_single_byte_corruption_of_a_vector_is_rejected(frame: bytes) -> None:
    start = frame.index(0x68)
    for i in range(start, len(frame)):  # every byte of the frame proper (the FE preamble is not checked)
        for flip in (0x01, 0x80, 0xFF):
            bad = bytearray(frame)
            bad[i] ^= flip
            with pytest.raises(ProtocolError):
                codec.parse_frame(bytes(bad))


def test_worked_example_read_total_energy_of_111111111111() -> None:
    req = codec.build_read("111111111111", "00000000", preamble=0)
    assert req.hex(" ").upper() == "68 11 11 11 11 11 11 68 11 04 33 33 33 33 17 16"
    reply = bytes.fromhex("68 11 11 11 11 11 11 68 91 08 33 33 33 33 68 39 33 33 A2 16")
    frame, raw = codec.parse_read_reply(reply, "111111111111", 0)
    assert frame.control == 0x91
    assert codec.decode_value(0, raw) == pytest.approx(6.35, abs=1e-9)
    assert codec.build_read_reply("111111111111", 0, 6.35) == reply


def test_vendor_example_zero_energy() -> None:
    req = codec.build_read("652022122003", 0, preamble=0)
    assert req == bytes.fromhex("68 03 20 12 22 20 65 68 11 04 33 33 33 33 8D 16")
    _, raw = codec.parse_read_reply(
        bytes.fromhex("68 03 20 12 22 20 65 68 91 08 33 33 33 33 33 33 33 33 DD 16"), "652022122003", 0
    )
    assert codec.decode_value(0, raw) == 0.0


def test_preamble_reply_energy_and_voltage() -> None:
    e = bytes.fromhex("FE FE FE FE 68 66 00 00 02 30 22 68 91 08 33 33 33 33 B4 54 33 33 5D 16")
    _, raw = codec.parse_read_reply(e, "223002000066", "00000000")
    assert codec.decode_value(0, raw) == pytest.approx(21.81, abs=1e-9)
    u = bytes.fromhex("FE FE FE FE 68 66 00 00 02 30 22 68 91 06 33 34 34 35 83 56 CA 16")
    _, raw = codec.parse_read_reply(u, codec.WILDCARD, "02010100")
    assert codec.decode_value("02010100", raw) == pytest.approx(235.0, abs=1e-9)


def test_broadcast_read_address_request() -> None:
    assert codec.build_read_address() == bytes.fromhex("FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16")


def test_abnormal_reply_raises_device_error_with_decoded_bits() -> None:
    reply = bytes.fromhex("68 11 11 11 11 11 11 68 D1 01 35 3D 16")
    assert codec.build_abnormal_reply("111111111111", 0x11, 0x02) == reply
    with pytest.raises(DeviceError, match="no requested data"):
        codec.parse_read_reply(reply, "111111111111", 0)


def test_resynchronises_after_garbage_and_false_start() -> None:
    good = bytes.fromhex("68 11 11 11 11 11 11 68 91 08 33 33 33 33 68 39 33 33 A2 16")
    garbage = bytes.fromhex("00 68 12 FF 16 68 01 02")  # includes false 68 starts
    frame = codec.parse_frame(garbage + b"\xfe\xfe" + good)
    assert frame.address == "111111111111"
    assert codec.DLT645Framer().feed(garbage + good) == len(garbage + good)
    assert codec.DLT645Framer().feed(garbage + good[:-1]) is None


def test_structure_checks_back_the_checksum() -> None:
    reply = codec.build_read_reply("111111111111", 0x02010100, 231.4)
    with pytest.raises(ProtocolError, match="address"):
        codec.parse_read_reply(reply, "222222222222", 0x02010100)
    with pytest.raises(ProtocolError, match="DI"):
        codec.parse_read_reply(reply, "111111111111", 0x02020100)
    request = codec.build_read("111111111111", 0x02010100)
    with pytest.raises(ProtocolError, match="not a reply"):
        codec.parse_read_reply(request, "111111111111", 0x02010100)
    # valid checksum but the value has the wrong length for the identifier
    short = codec.build_frame("111111111111", 0x91, (0x02010100).to_bytes(4, "little") + b"\x50")
    with pytest.raises(ProtocolError, match="value bytes"):
        codec.parse_read_reply(short, "111111111111", 0x02010100)
    # valid checksum but not BCD
    not_bcd = codec.build_frame("111111111111", 0x91, (0x02010100).to_bytes(4, "little") + b"\x5a\x23")
    _, raw = codec.parse_read_reply(not_bcd, "111111111111", 0x02010100)
    with pytest.raises(ProtocolError, match="BCD"):
        codec.decode_value(0x02010100, raw)


@pytest.mark.parametrize(
    ("di", "value"),
    [
        (0x00000000, 123456.78),
        (0x00000000, -12.5),
        (0x02020100, -1.234),
        (0x02030000, 12.3456),
        (0x02010100, 0.0),
    ],
)
def test_value_round_trip_including_sign_bit(di: int, value: float) -> None:
    raw = codec.encode_value(di, value)
    assert codec.decode_value(di, raw) == pytest.approx(value, abs=1e-9)


def test_sign_bit_of_current_is_the_top_bit() -> None:
    assert codec.encode_value(0x02020100, -1.234) == bytes([0x34, 0x12, 0x80])


@pytest.mark.parametrize("bad", ["12345", "1111111111ZZ", "", "9999999999999"])
def test_bad_address_is_a_configuration_error(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="12 digits"):
        codec.address_to_bytes(bad)


def test_value_too_large_or_unknown_identifier() -> None:
    with pytest.raises(ConfigurationError, match="does not fit"):
        codec.encode_value(0x02010100, 12345.6)
    with pytest.raises(ConfigurationError, match="not supported"):
        codec.decode_value(0x04000101, b"")
    with pytest.raises(ConfigurationError, match="8 hex digits"):
        codec.parse_di("0201")
