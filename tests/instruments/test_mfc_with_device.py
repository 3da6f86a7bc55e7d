"""Runs only against a real Alicat-style MFC: ``CALIB_TEST_MFC_PORT=/dev/ttyUSB0 pytest -m with_device``.

Optional: ``CALIB_TEST_MFC_UNIT`` (default A), ``CALIB_TEST_MFC_FULL_SCALE`` (SLPM, default 5). The test only
polls; it never changes the setpoint of a real controller.
"""

from __future__ import annotations

import os

import pytest

from instruments.drivers.mfc import DRIVER_ENTRIES, MassFlowController
from instruments.link import SerialLink

PORT = os.environ.get("CALIB_TEST_MFC_PORT")

pytestmark = [
    pytest.mark.with_device,
    pytest.mark.skipif(
        not PORT, reason="set CALIB_TEST_MFC_PORT to a serial port with a mass-flow controller"
    ),
]


def test_real_mfc_polls() -> None:
    assert PORT is not None
    with SerialLink(DRIVER_ENTRIES[0].line.settings(PORT)) as link:
        mfc = MassFlowController(
            link,
            os.environ.get("CALIB_TEST_MFC_UNIT", "A"),
            full_scale=float(os.environ.get("CALIB_TEST_MFC_FULL_SCALE", "5")),
        )
        readings = {r.quantity: r for r in mfc.read()}
        assert readings["mass_flow"].unit == "L/min"
