"""Runs only against a real M-Bus heat meter: ``CALIB_TEST_MBUS_PORT=/dev/ttyUSB0 pytest -m with_device``.

Optional: ``CALIB_TEST_MBUS_ADDRESS`` (primary address, default 254 = the only meter on the bus).
"""

from __future__ import annotations

import os

import pytest

from instruments.drivers.mbus_heat_meter import DRIVER_ENTRIES, MbusHeatMeter
from instruments.link import SerialLink

PORT = os.environ.get("CALIB_TEST_MBUS_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(not PORT, reason="set CALIB_TEST_MBUS_PORT to a serial port with an M-Bus heat meter"),
]


def test_real_meter_answers_req_ud2() -> None:
    assert PORT is not None
    with SerialLink(DRIVER_ENTRIES[0].line.settings(PORT)) as link:
        meter = MbusHeatMeter(link, int(os.environ.get("CALIB_TEST_MBUS_ADDRESS", "254")))
        meter.reset()
        data, frames = meter.read_data()
        assert len(data.ident) == 8 and frames
