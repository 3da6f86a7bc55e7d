"""NDIR CO2 codecs: Vaisala ASCII, Senseair S8/K30, Winsen MH-Z19, LI-COR XML vectors + corruption."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import pytest

from instruments.errors import ConfigurationError, ProtocolError
from instruments.protocols import ndir_co2 as n

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
ALL = json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"]


def _one(prefix: str) -> dict[str, Any]:
    (v,) = [v for v in ALL if v["protocol"].startswith(prefix)]
    return dict(v)


def _b(s: str) -> bytes:
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def test_vaisala_vector() -> None:
    v = _one("Vaisala")
    assert n.encode_vaisala_send().lower() == _b(v["request"])
    assert n.parse_vaisala_line(_b(v["response"])) == (1702.0, "ppm")
    assert n.encode_vaisala_send(3) == b"SEND 3\r"


@pytest.mark.parametrize(
    "line",
    [
        b"CO2=  1702 ppm",
        b"CO2=  17O2 ppm\r\n",
        b"CO2=  1702 ppb\r\n",
        b"CO=  1702 ppm\r\n",
        b"CO2=  -5 ppm\r\n",
        b"CO2= 2000000 ppm\r\n",
        b"CO2=\r\n",
    ],
)
def test_vaisala_malformed(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        n.parse_vaisala_line(line)


def test_vaisala_percent_and_format() -> None:
    assert n.parse_vaisala_line(b"CO2= 0.04 %\r\n") == (0.04, "percent")
    assert n.parse_vaisala_line(n.format_vaisala_line(400.2)) == (400.2, "ppm")
    line = _b(_one("Vaisala")["response"])
    for i in range(len(line)):
        bad = bytearray(line)
        bad[i] = 0xFF
        with pytest.raises(ProtocolError):
            n.parse_vaisala_line(bytes(bad))


def test_senseair_s8_vector() -> None:
    v = _one("Senseair S8")
    req, rep = bytes.fromhex(v["request"]), bytes.fromhex(v["response"])
    assert n.encode_s8_read() == req
    assert n.decode_s8_reply(req, rep) == 400
    for i in range(len(rep)):
        bad = bytearray(rep)
        bad[i] ^= 0x04
        with pytest.raises(ProtocolError):
            n.decode_s8_reply(req, bytes(bad))


def test_senseair_k30_vector() -> None:
    v = _one("Senseair K30")
    req, rep = bytes.fromhex(v["request"]), bytes.fromhex(v["response"])
    assert n.encode_k30_read() == req
    assert n.k30_reply_length(req, rep) == len(rep)
    assert n.decode_k30_reply(req, rep) == 400
    assert n.encode_k30_reply(0xFE, 400) == rep
    for i in range(len(rep)):
        bad = bytearray(rep)
        bad[i] ^= 0x20
        with pytest.raises(ProtocolError):
            n.decode_k30_reply(req, bytes(bad))
    with pytest.raises(ConfigurationError):
        n.encode_k30_read(nbytes=5)


def test_mhz19_vector() -> None:
    v = _one("Winsen")
    req, rep = bytes.fromhex(v["request"]), bytes.fromhex(v["response"])
    assert n.encode_mhz19_read() == req
    assert n.mhz19_checksum(req) == req[-1]
    assert n.decode_mhz19_reply(rep) == 400
    assert n.encode_mhz19_reply(400) == rep
    for i in range(len(rep)):
        bad = bytearray(rep)
        bad[i] ^= 0x01
        with pytest.raises(ProtocolError):
            n.decode_mhz19_reply(bytes(bad))


def test_licor_vector() -> None:
    v = _one("LI-COR")
    rec = n.parse_licor_record(_b(v["response"]))
    assert rec["co2"] == pytest.approx(525.27637)
    assert rec["celltemp"] == pytest.approx(51.252350)
    assert rec["cellpres"] == pytest.approx(97.159633)
    assert _b(v["request"]).startswith(b"<li850><data>?")
    with pytest.raises(ProtocolError):
        n.parse_licor_record(_b(v["response"])[:-5])
    with pytest.raises(ProtocolError):
        n.parse_licor_record(b"<li850><ack>true</ack></li850>")
