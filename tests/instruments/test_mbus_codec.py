"""M-Bus codec against the published vectors (pyMeterBus, libmbus), DIF/VIF decoding, corruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, ProtocolError
from instruments.protocols import mbus

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
VECTORS = [
    v for v in json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"] if v["protocol"].startswith("M-Bus")
]
HYD = bytes.fromhex(VECTORS[3]["response"])


def test_vector_count() -> None:
    assert len(VECTORS) == 4


def test_short_frames() -> None:
    assert mbus.encode_short(mbus.SND_NKE, 0) == bytes.fromhex(VECTORS[0]["request"])
    assert mbus.decode_frame(bytes.fromhex(VECTORS[0]["response"])) == mbus.ACK
    assert mbus.encode_req_ud2(0) == bytes.fromhex(VECTORS[1]["request"])
    assert mbus.encode_req_ud2(2, fcb=True) == bytes.fromhex(VECTORS[2]["request"])
    f = mbus.decode_frame(bytes.fromhex("10 7B 02 7D 16"))
    assert f == mbus.ShortFrame(0x7B, 2)


def test_hyd_long_frame() -> None:
    assert mbus.frame_length(HYD) == len(HYD) == 0x54 + 6
    frame = mbus.decode_frame(HYD)
    assert isinstance(frame, mbus.LongFrame)
    assert (frame.control, frame.address, frame.ci) == (mbus.RSP_UD, 0x4E, 0x72)
    vd = mbus.decode_variable_data(frame.data)
    assert vd.ident == "51017578"
    assert vd.manufacturer == "HYD"
    assert vd.medium == 0x04
    assert vd.records[0].quantity == "energy" and vd.records[0].value == 0 and vd.records[0].unit == "Wh"
    vol = vd.records[2]
    assert vol.quantity == "volume" and vol.unit == "m**3"
    assert vol.value == pytest.approx(1369.443, abs=1e-9)
    # record 2 is tariff 1 energy (DIF 8C DIFE 10)
    assert vd.records[1].tariff == 1
    flow_t = [r for r in vd.records if r.quantity == "flow temperature"]
    ret_t = [r for r in vd.records if r.quantity == "return temperature"]
    assert flow_t[0].value == pytest.approx(17.4) and ret_t[0].value == pytest.approx(17.2)
    assert flow_t[0].unit == "degC"
    # error-state records carry non-decimal BCD: decoded as None, never as a number
    assert any(r.value is None and r.function == 3 for r in vd.records)
    assert len(vd.records) == 12


def test_every_single_byte_corruption_is_rejected() -> None:
    frames = [bytes.fromhex(v[k]) for v in VECTORS for k in ("request", "response") if v[k]]
    for frame in frames:
        if frame == mbus.ACK:
            continue
        for i in range(len(frame)):
            for flip in (0x01, 0x80):
                bad = bytearray(frame)
                bad[i] ^= flip
                with pytest.raises(ProtocolError):
                    mbus.decode_frame(bytes(bad))
    for flip in (0x01, 0x80):
        with pytest.raises(ProtocolError):
            mbus.decode_frame(bytes((0xE5 ^ flip,)))


def test_long_frame_roundtrip_and_manufacturer() -> None:
    assert mbus.manufacturer_id("HYD") == 0x2324
    records = mbus.encode_record(0x0C, 0x06, 12345) + mbus.encode_record(0x0C, 0x13, 1369443)
    data = mbus.encode_variable_data(12345678, "KAM", 1, 0x04, 7, 0, records)
    frame = mbus.encode_long(mbus.RSP_UD, 5, 0x72, data)
    dec = mbus.decode_frame(frame)
    assert isinstance(dec, mbus.LongFrame)
    vd = mbus.decode_variable_data(dec.data)
    assert vd.ident == "12345678" and vd.manufacturer == "KAM"
    assert vd.records[0].value == pytest.approx(12345e3)  # Wh
    assert vd.records[1].value == pytest.approx(1369.443)
    with pytest.raises(ConfigurationError):
        mbus.manufacturer_id("hy")
    with pytest.raises(ConfigurationError):
        mbus.encode_short(0x40, 256)


def test_truncated_variable_data_rejected() -> None:
    frame = mbus.decode_frame(HYD)
    assert isinstance(frame, mbus.LongFrame)
    with pytest.raises(ProtocolError):
        mbus.decode_variable_data(frame.data[:20])
    with pytest.raises(ProtocolError):
        mbus.decode_variable_data(frame.data[:8])
