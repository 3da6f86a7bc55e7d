"""Runs only against a real MT-SICS balance: ``CALIB_TEST_MTSICS_PORT=/dev/ttyUSB0 pytest -m with_device``."""

from __future__ import annotations

import os

import pytest

from instruments.drivers.mtsics_balance import DRIVER_ENTRIES, MtSicsBalance
from instruments.link import SerialLink

PORT = os.environ.get("CALIB_TEST_MTSICS_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(
        not PORT, reason="set CALIB_TEST_MTSICS_PORT to a serial port with an MT-SICS balance"
    ),
]


def test_real_balance_reports_serial_and_weight() -> None:
    assert PORT is not None
    with SerialLink(DRIVER_ENTRIES[0].line.settings(PORT)) as link:
        bal = MtSicsBalance(link, capacity=float(os.environ.get("CALIB_TEST_MTSICS_CAPACITY", "6200")))
        assert bal.serial_number()
        reading, _ = bal.weight_immediate()
        assert reading.unit == "g"
