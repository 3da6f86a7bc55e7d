"""Runs only against a real CO2 analyser: ``CALIB_TEST_CO2_PORT=/dev/ttyUSB0 pytest -m with_device``.

Optional: ``CALIB_TEST_CO2_PROTOCOL`` (vaisala or senseair, default vaisala), ``CALIB_TEST_BAUD``.
"""

from __future__ import annotations

import os

import pytest

from instruments.drivers.co2_analyser import DRIVER_ENTRIES, Co2Analyser
from instruments.link import SerialLink

PORT = os.environ.get("CALIB_TEST_CO2_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(not PORT, reason="set CALIB_TEST_CO2_PORT to a serial port with a CO2 analyser"),
]


def test_real_analyser_reads_ppm() -> None:
    assert PORT is not None
    protocol = os.environ.get("CALIB_TEST_CO2_PROTOCOL", "vaisala")
    baud = int(os.environ.get("CALIB_TEST_BAUD", "19200" if protocol == "vaisala" else "9600"))
    with SerialLink(DRIVER_ENTRIES[0].line.settings(PORT, baudrate=baud)) as link:
        r = Co2Analyser(link, protocol).read(confirm=True)
        assert r.unit == "ppm" and 0 <= r.value <= 11000
