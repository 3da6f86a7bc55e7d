"""The registry entries of the Modbus, CJ/T 188, M-Bus and ASCII devices: each simulator built from its
entry serves the driver entry of the same name over a real pseudo-terminal (what `calib sim NAME` and
`calib read NAME --port ...` do), and every reading has a pint-parsable unit."""

from __future__ import annotations

import random

import pint
import pytest

from instruments import registry
from instruments.clock import ManualClock
from instruments.link import SerialLink
from instruments.sim.pty import PtySimServer

NAMES = ["modbus", "cjt188", "mbus", "mtsics-balance", "scpi-dmm", "mfc", "co2-analyser"]


@pytest.mark.parametrize("name", NAMES)
def test_sim_entry_serves_driver_entry(name: str) -> None:
    sim_entry = registry.simulator(name)
    drv_entry = registry.driver(name)
    options = {opt.dest: opt.default for opt in sim_entry.options}
    ctx = registry.SimContext(clock=ManualClock(), rng=random.Random(0), options=options)
    device = sim_entry.factory(ctx)
    with PtySimServer(device) as server:
        settings = drv_entry.line.settings(server.path)
        link = SerialLink(settings)
        opts = {opt.dest: opt.default for opt in drv_entry.options}
        opts["address"] = None
        if name == "mbus":
            opts["ack_pause"] = 0.0
        readings = drv_entry.read(link, opts)
        link.close()
    assert readings
    ureg = pint.get_application_registry()  # type: ignore[no-untyped-call]
    for r in readings:
        ureg.Unit(r.unit)
        assert r.frames and r.source


def test_modbus_register_option_reads_raw_registers() -> None:
    ctx = registry.SimContext(clock=ManualClock(), rng=random.Random(0), options={})
    with PtySimServer(registry.simulator("modbus").factory(ctx)) as server:
        entry = registry.driver("modbus")
        link = SerialLink(entry.line.settings(server.path))
        readings = entry.read(link, {"address": "1", "register": 5, "count": 3, "input": "no"})
        link.close()
    assert [r.value for r in readings] == [5.0, 6.0, 7.0]
    assert [r.quantity for r in readings] == [
        "holding_register_5",
        "holding_register_6",
        "holding_register_7",
    ]
