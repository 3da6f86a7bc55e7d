"""Runs only against a real CJ/T 188 meter: ``CALIB_TEST_CJT188_PORT=/dev/ttyUSB0 pytest -m with_device``.

Optional: ``CALIB_TEST_CJT188_KIND`` (water, hot-water, heat, gas; default water),
``CALIB_TEST_CJT188_DI_ORDER`` (msb/lsb, default msb), ``CALIB_TEST_CJT188_ADDRESS`` (default: wildcard,
the only meter on the bus).
"""

from __future__ import annotations

import os

import pytest

from instruments.drivers.cjt188_meter import DRIVER_ENTRIES, KINDS, Cjt188Meter
from instruments.link import SerialLink
from instruments.protocols import cjt188

PORT = os.environ.get("CALIB_TEST_CJT188_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(not PORT, reason="set CALIB_TEST_CJT188_PORT to a serial port with a CJ/T 188 meter"),
]


def test_real_meter_answers_counter_data() -> None:
    assert PORT is not None
    kind = KINDS[os.environ.get("CALIB_TEST_CJT188_KIND", "water")]
    order: cjt188.DiOrder = "lsb" if os.environ.get("CALIB_TEST_CJT188_DI_ORDER") == "lsb" else "msb"
    address = os.environ.get("CALIB_TEST_CJT188_ADDRESS", cjt188.WILDCARD_ADDRESS)
    with SerialLink(DRIVER_ENTRIES[0].line.settings(PORT)) as link:
        meter = Cjt188Meter(link, address, meter_type=kind, di_order=order)
        readings = meter.read_counter()
        assert readings and all(r.value >= 0 for r in readings if r.quantity in ("volume", "heat"))
