"""Runs only against a real Modbus RTU slave: ``CALIB_TEST_MODBUS_PORT=/dev/ttyUSB0 pytest -m with_device``.

Optional: ``CALIB_TEST_MODBUS_SLAVE`` (default 1), ``CALIB_TEST_MODBUS_REGISTER`` (a readable holding
register, default 0), ``CALIB_TEST_BAUD`` (default 9600), ``CALIB_TEST_PARITY`` (default N).
"""

from __future__ import annotations

import os
import time

import pytest

from instruments.errors import InstrumentTimeout
from instruments.link import LinkSettings, Parity, SerialLink
from instruments.modbus_client import ModbusClient

PORT = os.environ.get("CALIB_TEST_MODBUS_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(
        not PORT, reason="set CALIB_TEST_MODBUS_PORT to a serial port with a Modbus RTU slave"
    ),
]


def _settings() -> LinkSettings:
    assert PORT is not None
    text = os.environ.get("CALIB_TEST_PARITY", "N")
    parity: Parity = "E" if text == "E" else "O" if text == "O" else "N"
    return LinkSettings(
        PORT,
        baudrate=int(os.environ.get("CALIB_TEST_BAUD", "9600")),
        parity=parity,
        timeout=0.5,
        inter_byte_timeout=0.05,
        retries=1,
    )


def test_real_slave_answers_and_an_absent_slave_fails_in_budget() -> None:
    slave = int(os.environ.get("CALIB_TEST_MODBUS_SLAVE", "1"))
    register = int(os.environ.get("CALIB_TEST_MODBUS_REGISTER", "0"))
    with SerialLink(_settings()) as link:
        c = ModbusClient(link)
        first = c.read_holding_registers(slave, register, 1)
        assert len(first) == 1 and 0 <= first[0] <= 0xFFFF
        absent = 247 if slave != 247 else 246
        t0 = time.monotonic()
        with pytest.raises(InstrumentTimeout):
            c.read_holding_registers(absent, register, 1)
        assert time.monotonic() - t0 <= c.worst_case_s + 0.15
