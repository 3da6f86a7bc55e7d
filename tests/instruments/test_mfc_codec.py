"""Alicat-style MFC ASCII codec: vectors, strict field checks, corruption."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.protocols import alicat

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
VECTORS = [
    v for v in json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"] if v["protocol"] == "Alicat ASCII"
]


def _b(s: str) -> bytes:
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def test_vectors() -> None:
    poll, setpoint = VECTORS
    assert alicat.encode_poll("A") == _b(poll["request"])
    f = alicat.parse_data_frame(_b(poll["response"]), "A")
    assert (f.pressure, f.temperature, f.volumetric_flow, f.mass_flow, f.setpoint, f.gas) == (
        14.70,
        25.00,
        2.004,
        2.004,
        2.004,
        "Air",
    )
    assert f.status == ()
    assert alicat.encode_setpoint("A", 1.5) == _b(setpoint["request"])


def test_format_roundtrip_with_status() -> None:
    f = alicat.DataFrame("B", 14.7, 22.1, 0.5, 0.498, 0.5, "CO2", ("MOV",))
    assert alicat.parse_data_frame(alicat.format_data_frame(f), "B") == f


@pytest.mark.parametrize(
    "line",
    [
        b"B +014.70 +025.00 +02.004 +02.004 02.004 Air\r",  # another unit
        b"A +014.70 +025.00 +02.004 +02.004 Air\r",  # field missing
        b"A +014.70 +025.0O +02.004 +02.004 02.004 Air\r",  # letter in a number
        b"A +014.70 +025.00 +02.004 +02.004 02.004 42\r",  # gas is a number
        b"A +014.70 +025.00 +02.004 +02.004 02.004 Air XYZ\r",  # unknown status
        b"A +014.70 +025.00 +02.004 +02.004 02.004 Air",  # no CR
    ],
)
def test_malformed(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        alicat.parse_data_frame(line, "A")


def test_error_reply_and_validation() -> None:
    with pytest.raises(DeviceError):
        alicat.parse_data_frame(b"?\r", "A")
    with pytest.raises(ConfigurationError):
        alicat.encode_poll("a")
    with pytest.raises(ConfigurationError):
        alicat.encode_setpoint("A", -1.0)


def test_corrupting_any_byte_to_non_ascii_is_rejected() -> None:
    line = _b(VECTORS[0]["response"])
    for i in range(len(line)):
        for bad_byte in (0x00, 0xFF):
            bad = bytearray(line)
            bad[i] = bad_byte
            with pytest.raises(ProtocolError):
                alicat.parse_data_frame(bytes(bad), "A")
