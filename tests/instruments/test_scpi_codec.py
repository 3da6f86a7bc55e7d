"""SCPI-over-serial codec: *IDN? vector, strict numbers, SYST:ERR?, corruption."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.protocols import scpi

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
(VECTOR,) = [
    v for v in json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"] if v["protocol"].startswith("SCPI")
]


def _b(s: str) -> bytes:
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def test_idn_vector() -> None:
    assert scpi.encode_command("*IDN?") == _b(VECTOR["request"])
    ident = scpi.parse_identity(_b(VECTOR["response"]))
    assert ident == scpi.Identity("FLUKE", "8846A", "1234567", "08/02/10-11:53")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"+1.00000000E+01\n", 10.0),
        (b"-2.5\n", -2.5),
        (b"42\n", 42.0),
        (b"+1.2345E-03\r\n", 1.2345e-3),
    ],
)
def test_numbers(text: bytes, value: float) -> None:
    assert scpi.parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text", [b"+1.0E+01", b"1.0.0\n", b"+1.0E+01 V\n", b"\n", b"abc\n", b"+1.0E+0\x001\n"]
)
def test_malformed_numbers(text: bytes) -> None:
    with pytest.raises(ProtocolError):
        scpi.parse_number(text)


def test_overload_marker() -> None:
    with pytest.raises(DeviceError, match="overload"):
        scpi.parse_number(b"+9.90000000E+37\n")


def test_errors_and_format() -> None:
    assert scpi.parse_error(b'+0,"No error"\n') == (0, "No error")
    assert scpi.parse_error(b'-113,"Undefined header"\n') == (-113, "Undefined header")
    with pytest.raises(ProtocolError):
        scpi.parse_error(b"0 No error\n")
    assert scpi.format_number(10.0) == b"+1.00000000E+01"
    with pytest.raises(ConfigurationError):
        scpi.encode_command("MEAS?\n")


def test_corrupting_any_byte_of_the_idn_reply_to_non_ascii_is_rejected() -> None:
    line = _b(VECTOR["response"])
    for i in range(len(line)):
        bad = bytearray(line)
        bad[i] = 0xFF
        with pytest.raises(ProtocolError):
            scpi.parse_identity(bytes(bad))
    for i in range(len(b"+1.00000000E+01\n")):
        bad = bytearray(b"+1.00000000E+01\n")
        bad[i] = ord("x")
        with pytest.raises(ProtocolError):
            scpi.parse_number(bytes(bad))
