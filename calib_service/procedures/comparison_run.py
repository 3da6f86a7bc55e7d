"""Running a calibration by direct comparison (JJF style, no pass/fail) at the technician's points.

Roles: ``standard`` (the reference standard: any serial driver, or typed in) and ``dut`` (the
instrument under calibration: any serial driver, or typed in), ``climate``. Standards: ``standard``
(its certificate U, in the unit of the calibration, and the CMC). The unit of the calibration is the
unit of the standard's certificate U.

At each point (``--points``, e.g. ``1,5,10``) the technician sets the stimulus, then ``readings``
paired readings of the standard and the instrument are taken (each committed at once; after a crash the
missing pairs are taken). The result per point is the error, the correction (−error) and U.

Parameters: ``readings`` (3), ``resolution`` (instrument, 0), ``standard_resolution`` (0).
"""

from __future__ import annotations

from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures import comparison
from calib_service.procedures.run_support import Station
from instruments.drivers.base import Reading

__all__ = ["REQUIRED_ROLES", "read_primary", "run"]

REQUIRED_ROLES: tuple[str, ...] = ("standard", "dut")

_SCPI = {"V": "measure_voltage_dc", "A": "measure_current_dc", "ohm": "measure_resistance"}


def read_primary(instrument: Any, unit: str) -> Reading:
    """The instrument's primary reading for a quantity in ``unit``.

    Args:
        instrument: A driver object.
        unit: Unit of the calibration (selects the DMM function).

    Returns:
        One reading.

    Raises:
        RecordValidationError: the driver has no reading for this unit.
    """
    if unit in _SCPI and hasattr(instrument, _SCPI[unit]):
        reading: Reading = getattr(instrument, _SCPI[unit])()
        return reading
    for method in ("read_flow", "weight", "read_volume", "read_heat"):
        if hasattr(instrument, method):
            reading = getattr(instrument, method)()
            return reading
    if hasattr(instrument, "read") and type(instrument).__name__ == "Co2Analyser":
        reading = instrument.read()
        return reading
    raise RecordValidationError(
        f"{type(instrument).__name__} has no reading in {unit}; use driver: manual for this role"
    )


def run(st: Station) -> None:
    """Measure and store every calibration point.

    Args:
        st: The station.

    Raises:
        RecordValidationError: no points chosen.
    """
    s = st.setup
    if not s.points:
        raise RecordValidationError(
            f"{s.procedure}: choose the calibration points with --points, e.g. 1,5,10"
        )
    standard = s.standard("standard")
    unit = standard.unit
    n = int(s.rating("readings", 3))
    for seq, nominal in enumerate(s.points, start=1):
        label = f"{nominal:g} {unit}"
        if st.done(seq, label):
            continue
        std_values: list[float] = []
        dut_values: list[float] = []
        asked = False
        for i in range(1, n + 1):
            names = [f"standard.{i}", f"dut.{i}"]
            pair = st.group(seq, dict.fromkeys(names, unit))
            if pair is None:
                if not asked:
                    st.act(
                        "stimulus",
                        f"[{seq}] set the stimulus to {label}",
                        point=seq,
                        value=nominal,
                        unit=unit,
                    )
                    asked = True
                pair = {
                    names[0]: st.take(
                        role="standard",
                        quantity=names[0],
                        unit=unit,
                        seq=seq,
                        read=lambda i: read_primary(i, unit),
                        prompt=f"standard, {unit}",
                    ),
                    names[1]: st.take(
                        role="dut",
                        quantity=names[1],
                        unit=unit,
                        seq=seq,
                        read=lambda i: read_primary(i, unit),
                        prompt=f"instrument, {unit}",
                    ),
                }
            std_values.append(pair[names[0]])
            dut_values.append(pair[names[1]])
        result = comparison.evaluate_point(
            point=label,
            unit=unit,
            standard_readings=std_values,
            instrument_readings=dut_values,
            standard_u=standard.u_in(unit, of=nominal),
            standard_k=standard.k,
            standard_resolution=s.rating("standard_resolution", 0.0),
            instrument_resolution=s.rating("resolution", 0.0),
            cmc=standard.cmc_in(unit, of=nominal),
            decision_rule=s.decision_rule,
        )
        st.store(seq, result, nominal=nominal)
