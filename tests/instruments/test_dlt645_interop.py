"""Interop with an independent DL/T 645 implementation: the PyPI package ``dlt645`` (3.2.0).

Note its address convention: ``MeterClientService.set_address`` takes the digits in wire order (A0 first),
whereas we (and the meter nameplate) print the address with A5 first, so we pass
``address_to_bytes(printed).hex()``.
"""

from __future__ import annotations

from typing import Any

import pytest

from instruments.clock import ManualClock
from instruments.drivers.dlt645 import DLT645Meter
from instruments.link import LinkSettings, SerialLink
from instruments.protocols import dlt645 as codec
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.pty import PtySimServer

peer = pytest.importorskip("dlt645")
Proto = peer.DLT645Protocol

ADDR = "123456789012"


@pytest.fixture(scope="module")
def peer_server() -> Any:
    """One peer meter service for the module: its constructor deep-copies a large data map (seconds)."""
    server = peer.MeterServerService(server=None, address=bytearray(codec.address_to_bytes(ADDR)))
    assert server.set_00(0x00000000, 4567.89) and server.set_02(0x02010100, 219.8)
    return server


OUR_FRAMES = [
    codec.build_read(ADDR, 0x00000000),
    codec.build_read(ADDR, 0x02010100, preamble=0),
    codec.build_read_address(),
    codec.build_read_reply(ADDR, 0x00000000, 98765.43, preamble=2),
    codec.build_read_reply(ADDR, 0x02020100, -7.125),
    codec.build_read_address_reply(ADDR),
    codec.build_abnormal_reply(ADDR, 0x11, 0x02),
]


@pytest.mark.parametrize("frame", OUR_FRAMES, ids=lambda f: f.hex()[:40])
def test_peer_codec_accepts_our_frames(frame: bytes) -> None:
    ours = codec.parse_frame(frame)
    theirs = Proto.deserialize(frame)
    assert bytes(theirs.addr) == codec.address_to_bytes(ours.address)
    assert theirs.ctrl_code == ours.control
    assert bytes(theirs.data) == ours.data


@pytest.mark.parametrize("preamble", [0, 4])
def test_we_decode_peer_built_frames(preamble: int) -> None:
    data = (0x02010100).to_bytes(4, "little") + bytes([0x50, 0x23])
    raw = bytes(
        Proto.build_frame(bytearray(codec.address_to_bytes(ADDR)), 0x91, data, preamble_count=preamble)
    )
    frame, value = codec.parse_read_reply(raw, ADDR, 0x02010100)
    assert frame.address == ADDR and codec.decode_value(0x02010100, value) == pytest.approx(235.0)


def test_peer_meter_server_replies_decode_with_our_codec(peer_server: Any) -> None:
    for di, want in ((0x00000000, 4567.89), (0x02010100, 219.8)):
        reply = bytes(peer_server.handle_request(Proto.deserialize(codec.build_read(ADDR, di))))
        _, raw = codec.parse_read_reply(reply, ADDR, di)
        assert codec.decode_value(di, raw) == pytest.approx(want)


def test_peer_rtu_client_reads_our_simulator_on_a_pty() -> None:
    sim = DLT645MeterSim(ADDR, energy_kwh=321.45, voltage=229.9, current=3.2, clock=ManualClock())
    with PtySimServer(sim) as srv:
        client = peer.MeterClientService.new_rtu_client(srv.path, 2400, 8, 1, "N", 1.0)
        assert client.set_address(codec.address_to_bytes(ADDR).hex())
        try:
            assert client.read_00(0x00000000).value == pytest.approx(321.45)
            assert client.read_02(0x02010100).value == pytest.approx(229.9)
            assert client.read_02(0x02020100).value == pytest.approx(3.2)
        finally:
            client.client.disconnect()


class PeerMeter:
    """The peer's meter service served by our pty server (their request handling, our transport)."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.framer = codec.DLT645Framer()

    def handle(self, request: bytes) -> bytes | None:
        reply = self.service.handle_request(Proto.deserialize(request))
        return None if reply is None else bytes(reply)


def test_our_driver_reads_the_peer_meter_on_a_pty(peer_server: Any) -> None:
    with (
        PtySimServer(PeerMeter(peer_server)) as srv,
        SerialLink(LinkSettings(srv.path, parity="E", timeout=0.5)) as link,
    ):
        meter = DLT645Meter(link, ADDR)
        assert meter.combined_active_energy().value == pytest.approx(4567.89)
        assert meter.voltage_a().value == pytest.approx(219.8)
