"""MT-SICS codec: published replies, strict syntax/unit/range checks, corruption."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.protocols import mtsics

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
VECTORS = [
    v for v in json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"] if v["protocol"].startswith("MT-SICS")
]


def _b(s: str) -> bytes:
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def test_vectors() -> None:
    assert len(VECTORS) == 3
    s, si, z = VECTORS
    assert mtsics.encode_command("S") == _b(s["request"])
    w = mtsics.parse_weight(_b(s["response"]), "S")
    assert (w.stable, w.value, w.unit) == (True, 100.00, "g")
    assert mtsics.encode_command("SI") == _b(si["request"])
    w = mtsics.parse_weight(_b(si["response"]), "SI")
    assert (w.stable, w.value, w.unit) == (False, 1.234, "g")
    assert mtsics.encode_command("Z") == _b(z["request"])
    mtsics.parse_ack(_b(z["response"]), "Z")
    assert mtsics.line_length(_b(s["response"]) + b"S S") == len(_b(s["response"]))


@pytest.mark.parametrize("line", [b"S I\r\n", b"S +\r\n", b"S -\r\n", b"ES\r\n", b"ET\r\n", b"EL\r\n"])
def test_device_states_raise_device_error(line: bytes) -> None:
    with pytest.raises(DeviceError):
        mtsics.parse_weight(line, "S")


@pytest.mark.parametrize(
    "line",
    [
        b"S S 100.00 g",  # no terminator
        b"S S 100.00 q\r\n",  # unknown unit
        b"S S 1O0.00 g\r\n",  # letter O in the value
        b"S S 100.00\r\n",  # missing unit
        b"S X 100.00 g\r\n",  # unknown status
        b"Z A\r\n",  # answers another command
        b"S S 1e9 g\r\n",  # not MT-SICS number syntax
        b"S S 99999999.0 g\r\n",  # beyond the plausible range
    ],
)
def test_malformed_replies_raise_protocol_error(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        mtsics.parse_weight(line, "S")


def test_corrupting_any_byte_to_a_non_ascii_or_control_byte_is_rejected() -> None:
    for v in VECTORS:
        line = _b(v["response"])
        cmd = _b(v["request"]).decode().strip()
        for i in range(len(line)):
            for bad_byte in (0x00, 0xFF, 0x0A):
                bad = bytearray(line)
                if bad[i] == bad_byte:
                    continue
                bad[i] = bad_byte
                with pytest.raises((ProtocolError, DeviceError)):
                    if cmd == "Z":
                        mtsics.parse_ack(bytes(bad), cmd)
                    else:
                        mtsics.parse_weight(bytes(bad), cmd)


def test_format_roundtrip_and_command_validation() -> None:
    line = mtsics.format_weight_reply("S", True, 12.5)
    assert line == b"S S      12.50 g\r\n"
    w = mtsics.parse_weight(line)
    assert w.value == 12.5 and w.stable
    with pytest.raises(ConfigurationError):
        mtsics.encode_command("s")
    with pytest.raises(ConfigurationError):
        mtsics.encode_command("S\r\n")
