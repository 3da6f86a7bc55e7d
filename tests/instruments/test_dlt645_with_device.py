"""Runs only against a real DL/T 645 meter: ``CALIB_TEST_PORT=/dev/ttyUSB0 pytest -m with_device``.

Optional: ``CALIB_TEST_DLT645_ADDRESS`` (default: the wildcard, i.e. the only meter on the bus) and
``CALIB_TEST_BAUD`` (default 2400).
"""

from __future__ import annotations

import os

import pytest

from instruments.drivers.dlt645 import DLT645_LINE, DLT645Meter
from instruments.link import SerialLink
from instruments.protocols import dlt645 as codec

PORT = os.environ.get("CALIB_TEST_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(not PORT, reason="set CALIB_TEST_PORT to a serial port with a DL/T 645 meter"),
]


def test_real_meter_answers_energy_voltage_and_address() -> None:
    assert PORT is not None
    address = os.environ.get("CALIB_TEST_DLT645_ADDRESS", codec.WILDCARD)
    baud = int(os.environ.get("CALIB_TEST_BAUD", "2400"))
    with SerialLink(DLT645_LINE.settings(PORT, baudrate=baud)) as link:
        meter = DLT645Meter(link, address)
        energy = meter.combined_active_energy()
        assert energy.unit == "kWh" and energy.value >= 0
        voltage = meter.voltage_a()
        assert 0 <= voltage.value < 500
        if address == codec.WILDCARD:
            assert len(meter.read_address()) == 12
