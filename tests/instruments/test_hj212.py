"""HJ 212-2017 CRC and packets against the published examples; it is not CRC-16/MODBUS."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from instruments.errors import ConfigurationError, ProtocolError
from instruments.protocols import hj212
from instruments.protocols.modbus_rtu import crc16

VECTOR_FILE = Path(__file__).parent / "data" / "protocol_vectors.json"
VECTORS = [v for v in json.loads(VECTOR_FILE.read_text("utf-8"))["vectors"] if v["protocol"] == "HJ 212-2017"]
PACKETS = [codecs.decode(v["request"] or v["response"], "unicode_escape").encode("latin-1") for v in VECTORS]


def test_vector_count() -> None:
    assert len(VECTORS) == 2


@pytest.mark.parametrize(("packet", "crc"), list(zip(PACKETS, ("1C80", "A9C1"), strict=True)))
def test_published_crcs(packet: bytes, crc: str) -> None:
    segment = hj212.decode_packet(packet)
    assert f"{hj212.crc16_hj212(segment.encode()):04X}" == crc
    assert hj212.encode_packet(segment) == packet
    assert hj212.packet_length(packet + b"##") == len(packet)
    # the HJ 212 CRC is not CRC-16/MODBUS although it uses the same polynomial
    assert crc16(segment.encode()) != int(crc, 16)


def test_parse_segment() -> None:
    p = hj212.parse_segment(hj212.decode_packet(PACKETS[1]))
    assert p.fields["CN"] == "2011" and p.fields["MN"] == "0873HHMZWSLH02"
    assert p.cp["DataTime"] == "20160103133030"
    assert float(p.cp["011-Rtd"]) == pytest.approx(18.0412)
    assert hj212.parse_segment(hj212.decode_packet(PACKETS[0])).cp == {"RtdInterval": "30"}
    with pytest.raises(ProtocolError):
        hj212.parse_segment("QN=1;ST=32")


@pytest.mark.parametrize("packet", PACKETS)
def test_every_single_byte_corruption_is_rejected(packet: bytes) -> None:
    for i in range(len(packet)):
        bad = bytearray(packet)
        bad[i] ^= 0x01
        with pytest.raises(ProtocolError):
            hj212.decode_packet(bytes(bad))


def test_encode_validation() -> None:
    with pytest.raises(ConfigurationError):
        hj212.encode_packet("QN=1;CP=&&a=ü&&")


def test_build_segment_reproduces_the_published_packets() -> None:
    seg = hj212.decode_packet(PACKETS[1])
    values = {"060": (3.0943, "N"), "011": (18.0412, "N"), "001": (8.2137, "N"), "B01": (10.9890, "N")}
    built = hj212.realtime_segment(
        mn="0873HHMZWSLH02", pw="123456", st="32", data_time="20160103133030", values=values
    )
    assert built == seg
    assert hj212.encode_packet(built) == PACKETS[1]
    p0 = hj212.parse_segment(hj212.decode_packet(PACKETS[0]))
    assert hj212.encode_packet(hj212.build_segment(p0.fields, p0.cp)) == PACKETS[0]
    with pytest.raises(ConfigurationError):
        hj212.build_segment({"MN": "a;b"}, {})
    with pytest.raises(ConfigurationError):
        hj212.realtime_segment(mn="x", pw="y", st="22", data_time="2016", values={})
