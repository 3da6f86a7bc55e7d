"""CJ/T 188 codec against the published vectors, DI byte order, structure checks and corruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.protocols import cjt188 as c

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
VECTORS = [v for v in json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"] if v["protocol"] == "CJ/T 188"]


def _hex(s: str) -> bytes:
    return bytes.fromhex(s)


def _frames() -> list[bytes]:
    out = []
    for v in VECTORS:
        for k in ("request", "response"):
            if v[k]:
                out.append(_hex(v[k]))
    return out


def test_vector_count() -> None:
    assert len(VECTORS) == 3


def test_universal_read_vector() -> None:
    raw = _hex(VECTORS[0]["request"])
    assert c.encode_read_data(0x10, c.WILDCARD_ADDRESS, ser=1, di_order="msb", preamble=3) == raw
    f = c.decode_frame(raw)
    assert (f.meter_type, f.address, f.control, f.data) == (0x10, "AAAAAAAAAAAAAA", 0x01, _hex("90 1F 01"))
    assert c.frame_length(raw) == len(raw)


def test_read_counter_data_vector() -> None:
    v = VECTORS[1]
    req, rep = _hex(v["request"]), _hex(v["response"])
    assert c.encode_read_data(0x10, "00000000000012", ser=0, di_order="msb") == req
    frame = c.check_reply(req, rep)
    assert frame.address == "00000000000012"
    assert frame.control == 0x81
    data = c.decode_water_data(frame.data)
    assert data.flow == pytest.approx(1000.10, abs=1e-9)
    assert data.flow_unit == "m**3"
    assert data.settlement_flow == pytest.approx(1000.10, abs=1e-9)
    assert data.status == 0xFF00
    # the inverse reproduces the vector's DATA
    assert c.encode_water_data(_hex("90 1F"), 0, 1000.10, settlement=1000.10, status=0xFF00) == frame.data
    assert c.frame_length(rep) == len(rep)
    assert c.frame_length(rep[:-1]) is None


def test_read_address_vector_lsb_first_di() -> None:
    v = VECTORS[2]
    req, rep = _hex(v["request"]), _hex(v["response"])
    assert c.encode_read_address(0x10, ser=2, di_order="lsb") == req
    frame = c.check_reply(req, rep)
    assert frame.address == "20260324152900"
    assert frame.control == 0x83


def test_di_order_changes_bytes_but_not_validity() -> None:
    a = c.encode_read_data(0x10, "00000000000012", di_order="msb")
    b = c.encode_read_data(0x10, "00000000000012", di_order="lsb")
    assert a != b and a[11:13] == b"\x90\x1f" and b[11:13] == b"\x1f\x90"
    assert a[-2] == b[-2]  # same sum either way
    with pytest.raises(ConfigurationError):
        c.encode_read_data(0x10, "00000000000012", di_order="middle")  # type: ignore[arg-type]


@pytest.mark.parametrize("frame", _frames(), ids=lambda b: b.hex()[:20])
def test_every_single_byte_corruption_after_preamble_is_rejected(frame: bytes) -> None:
    start = frame.index(0x68)
    for i in range(start, len(frame)):
        for flip in (0x01, 0x40, 0xFF):
            bad = bytearray(frame)
            bad[i] ^= flip
            with pytest.raises(ProtocolError):
                c.decode_frame(bytes(bad))


def test_structure_checks_catch_frames_with_a_valid_sum() -> None:
    req = c.encode_read_data(0x10, "00000000000012", ser=5)
    good_data = c.encode_water_data(_hex("90 1F"), 5, 12.34)
    ok = c.encode_frame(0x10, "00000000000012", 0x81, good_data)
    assert c.decode_water_data(c.check_reply(req, ok).data).flow == pytest.approx(12.34)
    cases = {
        "address": c.encode_frame(0x10, "00000000000013", 0x81, good_data),
        "type": c.encode_frame(0x30, "00000000000012", 0x81, good_data),
        "control": c.encode_frame(0x10, "00000000000012", 0x01, good_data),
        "DI/SER": c.encode_frame(0x10, "00000000000012", 0x81, c.encode_water_data(_hex("90 1F"), 6, 12.34)),
    }
    for what, frame in cases.items():
        with pytest.raises(ProtocolError, match=what.split("/")[0]):
            c.check_reply(req, frame)
    abnormal = c.encode_frame(0x10, "00000000000012", 0xC1, _hex("90 1F 05"))
    with pytest.raises(DeviceError):
        c.check_reply(req, abnormal)


def test_heat_data_roundtrip_and_bcd() -> None:
    data = c.encode_heat_data(
        _hex("90 1F"),
        1,
        heat=1234.56,
        power=12.5,
        flow_rate=1.25,
        volume=345.67,
        supply_temp=70.25,
        return_temp=50.5,
        working_hours=1200,
    )
    assert len(data) == 0x2E
    h = c.decode_heat_data(data)
    assert (h.heat, h.power, h.flow_rate, h.volume) == pytest.approx((1234.56, 12.5, 1.25, 345.67))
    assert (h.heat_unit, h.power_unit, h.flow_rate_unit, h.volume_unit) == ("kWh", "kW", "m**3/h", "m**3")
    assert (h.supply_temp, h.return_temp, h.working_hours) == (70.25, 50.5, 1200)
    assert c.bcd_to_int(_hex("10 00 10 00")) == 100010
    assert c.int_to_bcd(100010, 4) == _hex("10 00 10 00")
    with pytest.raises(ProtocolError):
        c.bcd_to_int(_hex("1A"))
    with pytest.raises(ConfigurationError):
        c.int_to_bcd(123456789, 4)


def test_unknown_unit_code_rejected() -> None:
    data = bytearray(c.encode_water_data(_hex("90 1F"), 0, 1.0))
    data[7] = 0x99
    with pytest.raises(ProtocolError, match="unit code 99"):
        c.decode_water_data(bytes(data))


def test_bad_address_rejected() -> None:
    with pytest.raises(ConfigurationError, match="14 digits"):
        c.encode_read_data(0x10, "123")
