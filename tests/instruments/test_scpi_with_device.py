"""Runs only against a real SCPI DMM (RS-232): ``CALIB_TEST_SCPI_PORT=/dev/ttyUSB0 pytest -m with_device``."""

from __future__ import annotations

import os

import pytest

from instruments.drivers.scpi_dmm import DRIVER_ENTRIES, ScpiDmm
from instruments.link import SerialLink

PORT = os.environ.get("CALIB_TEST_SCPI_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(not PORT, reason="set CALIB_TEST_SCPI_PORT to a serial port with a SCPI multimeter"),
]


def test_real_dmm_identifies_and_measures() -> None:
    assert PORT is not None
    with SerialLink(DRIVER_ENTRIES[0].line.settings(PORT)) as link:
        dmm = ScpiDmm(link)
        assert dmm.identity().manufacturer
        assert dmm.measure_voltage_dc().unit == "V"
        dmm.check()
