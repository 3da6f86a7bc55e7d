"""Registry records and PtySimServer behaviour (symlink, hang-up/reappear, pacing, request hygiene)."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from instruments import registry
from instruments.clock import ManualClock
from instruments.errors import ConfigurationError, LinkDown
from instruments.framing import TerminatorFramer
from instruments.link import LinkSettings, SerialLink
from instruments.sim.base import SimBase, SimDevice
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.meter_bench import MeterBenchSim
from instruments.sim.pty import PtySimServer

CRLF = TerminatorFramer(b"\r\n")


class Echo:
    framer = CRLF

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def handle(self, request: bytes) -> bytes | None:
        self.seen.append(request)
        return b"ECHO " + request


def test_registry_has_this_packages_entries_as_declarative_records() -> None:
    sim = registry.simulator("dlt645")
    assert sim.description and {o.flag for o in sim.options} >= {"--address", "--energy"}
    ctx = registry.SimContext(clock=ManualClock(), rng=random.Random(0), error_percent=0.2, options={})
    device = sim.factory(ctx)
    assert isinstance(device, DLT645MeterSim) and isinstance(device, SimDevice)
    assert device.error_percent == 0.2 and device.address == "111111111111"
    bench = registry.simulator("meter-bench").factory(
        registry.SimContext(
            clock=ManualClock(), rng=random.Random(0), options={"meter_address": "000000000001"}
        )
    )
    assert isinstance(bench, MeterBenchSim) and set(bench.companions()) == {"meter"}
    drv = registry.driver("dlt645")
    assert (drv.line.baudrate, drv.line.parity) == (2400, "E")
    s = drv.line.settings("/dev/ttyUSB0", baudrate=9600, parity=None)
    assert (s.baudrate, s.parity, s.retries) == (9600, "E", drv.line.retries)
    assert registry.driver("meter-bench").line.parity == "N"
    order = [e.name for e in registry.simulators()]
    assert order.index("dlt645") < order.index("meter-bench")
    assert registry.Option("--error-percent", "x").dest == "error_percent"


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"known devices: .*dlt645"):
        registry.simulator("toaster")
    with pytest.raises(ConfigurationError, match=r"known drivers: .*dlt645"):
        registry.driver("toaster")
    with pytest.raises(ConfigurationError, match="--"):
        registry.Option("id", "no dashes")


def test_sim_base_validation_and_noise() -> None:
    with pytest.raises(ConfigurationError):
        SimBase(error_percent=-100)
    with pytest.raises(ConfigurationError):
        SimBase(noise_percent=-1)
    base = SimBase(noise_percent=1.0, rng=random.Random(1), error_percent=2.0)
    samples = [base.noisy(100.0) for _ in range(2000)]
    assert sum(samples) / len(samples) == pytest.approx(100.0, abs=0.15)
    assert base.with_error(50.0) == pytest.approx(51.0)


def test_server_symlink_follows_reappear_and_is_removed_on_stop(tmp_path: Path) -> None:
    link_path = str(tmp_path / "ttySIM")
    srv = PtySimServer(Echo(), link_path=link_path)
    with pytest.raises(LinkDown, match="not serving"):
        _ = srv.path
    first = srv.start()
    assert os.path.realpath(link_path) == first and srv.is_up
    srv.hangup()
    assert not srv.is_up
    second = srv.reappear()
    assert os.path.realpath(link_path) == second
    srv.stop()
    assert not os.path.lexists(link_path)
    assert [e.kind for e in srv.events] == ["hangup", "reappear"]


def test_server_discards_bad_and_stale_partial_requests() -> None:
    echo = Echo()
    with PtySimServer(echo, idle_reset=0.05) as srv:
        link = SerialLink(LinkSettings(srv.path, timeout=0.3))
        with link:
            link.write(b"partial-without-terminator")
            time.sleep(0.2)  # the server drops it after 0.05 s of silence
            assert link.transact(b"OK\r\n", CRLF) == b"ECHO OK\r\n"
    assert echo.seen == [b"OK\r\n"]
    assert any(e.kind == "discard" for e in srv.events)


def test_pacing_at_a_configured_baud_delays_each_exchange() -> None:
    with PtySimServer(Echo(), baud=1200) as srv, SerialLink(LinkSettings(srv.path, timeout=1.0)) as link:
        t0 = time.monotonic()
        link.transact(b"0123456789\r\n", CRLF)  # 12 + 17 bytes at 1200 baud, 10 bits each = 0.24 s
        assert time.monotonic() - t0 >= 0.24 * 0.9


def test_handler_exceptions_do_not_kill_the_server() -> None:
    class Broken:
        framer = CRLF

        def handle(self, request: bytes) -> bytes | None:
            if request.startswith(b"BOOM"):
                raise RuntimeError("simulator bug")
            return b"fine\r\n"

    with PtySimServer(Broken()) as srv, SerialLink(LinkSettings(srv.path, timeout=0.1)) as link:
        with pytest.raises(Exception, match="no complete reply"):
            link.transact(b"BOOM\r\n", CRLF)
        assert link.transact(b"again\r\n", CRLF) == b"fine\r\n"
        assert any(e.kind == "error" for e in srv.events)


def test_link_path_never_replaces_a_regular_file(tmp_path: Path) -> None:
    victim = tmp_path / "important.txt"
    victim.write_text("keep me")
    with pytest.raises(ConfigurationError, match="not a symlink"):
        PtySimServer(Echo(), link_path=str(victim)).start()
    assert victim.read_text() == "keep me"
