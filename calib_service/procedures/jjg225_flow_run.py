"""Running JJG 225-2024 on a heat-meter bench: the flow sensor against a reference volume (``jjg225-flow``).

Roles: ``dut`` (the flow sensor's volume register, read through the heat meter over CJ/T 188 or M-Bus,
or typed in from its display or test output), ``reference`` (the bench's reference volume: a reference
flowmeter on the generic Modbus driver, whose totaliser ``volume`` (m³) is read before and after each
run, or typed in: the weighing result or the reference meter's display as ``reference_volume``),
``climate``. Standards: ``reference`` (its certificate U in %, the CMC of the heat-meter standard).

At each flow of the regulation (qi, 0.1 qp, qp: ``jjg225.flow_points``, mid-range) ``runs`` runs: the
sensor's volume register (and the reference totaliser) read, the technician passes the test volume at
the flow with the water at the test temperature, then both read again. A run whose readings are all
stored is reused after a crash; an incomplete one is repeated (the abandoned readings stay in the
record, unused).

Parameters (``--param NAME=VALUE``): ``qi``, ``qp`` (m³/h, required), ``test_volume_l`` (200),
``runs`` (2), ``resolution_l`` (resolution of the sensor's volume output, 1 L), ``pooled_sd_percent``
(the bench's repeatability of one run, 0.05), ``temperature_correction_u_percent`` (standard uncertainty
of carrying the reference volume to the sensor's water temperature, 0.02), ``apply_cap`` (1: apply the
EN 1434 flow-sensor caps, unverified for JJG 225-2024; 0: the formula alone).
"""

from __future__ import annotations

from typing import Any

from calib_service.procedures import jjg225, jjg225_budgets
from calib_service.procedures.jjg225_run import guard_part
from calib_service.procedures.run_support import Station, Take, bench_run
from instruments.drivers.base import Reading

__all__ = ["ALIAS", "RATINGS", "REQUIRED_ROLES", "read_quantity", "run"]

ALIAS = "jjg225-flow"
REQUIRED_ROLES: tuple[str, ...] = ("dut", "reference")
RATINGS: dict[str, str] = {
    "qi": "qi, m³/h",
    "qp": "qp, m³/h",
    "test_volume_l": "test volume per run, L (200)",
    "resolution_l": "resolution of the sensor's volume output, L (1)",
}


def read_quantity(device: Any, quantity: str) -> Reading:
    """One quantity of a heat meter's read-out (CJ/T 188 ``read_counter`` or M-Bus ``read``).

    Args:
        device: A :class:`~instruments.drivers.cjt188_meter.Cjt188Meter` or
            :class:`~instruments.drivers.mbus_heat_meter.MbusHeatMeter`.
        quantity: ``volume``, ``heat``, ``supply_temperature``, ``return_temperature`` ...

    Returns:
        The reading.

    Raises:
        RecordValidationError: the read-out carries no such quantity.
    """
    from calib_service.errors import RecordValidationError

    readings = device.read_counter() if hasattr(device, "read_counter") else device.read()
    for r in readings:
        if r.quantity == quantity:
            return r  # type: ignore[no-any-return]
    raise RecordValidationError(f"{device.name}: its read-out has no {quantity}; check the driver and kind")


_VOLUME_START = Take(
    "volume_start",
    "dut",
    "L",
    "flow sensor volume register at start, L",
    lambda d: read_quantity(d, "volume"),
)
_VOLUME_END = Take(
    "volume_end", "dut", "L", "flow sensor volume register at end, L", lambda d: read_quantity(d, "volume")
)
_TOTALISER = "reference meter totaliser"


def _one_run(st: Station, seq: int, r: int, q: float, volume_l: float) -> tuple[float, float]:
    instruction = f"pass {volume_l:g} L at {q:.4g} m³/h through the flow sensor and the reference"
    if st.has("reference"):
        total = lambda d: d.read("volume")  # noqa: E731  (Modbus register map: totaliser, m³)
        ref_start, start, ref_end, end = bench_run(
            st,
            seq,
            r,
            before=[
                Take("reference_start", "reference", "L", f"{_TOTALISER} at start, L", total),
                _VOLUME_START,
            ],
            after=[Take("reference_end", "reference", "L", f"{_TOTALISER} at end, L", total), _VOLUME_END],
            instruction=instruction,
            flow=q,
            volume_l=volume_l,
        )
        return end - start, ref_end - ref_start
    start, end, ref = bench_run(
        st,
        seq,
        r,
        before=[_VOLUME_START],
        after=[_VOLUME_END, Take("reference_volume", "reference", "L", "reference volume, L")],
        instruction=instruction,
        flow=q,
        volume_l=volume_l,
    )
    return end - start, ref


def run(st: Station) -> None:
    """Measure and store the volume error of the flow sensor at qi, 0.1 qp and qp.

    Args:
        st: The station.
    """
    guard_part(st, ALIAS)
    s = st.setup
    cls = s.accuracy_class or "2"
    qi, qp = s.rating("qi"), s.rating("qp")
    volume_l = s.rating("test_volume_l", 200.0)
    runs = int(s.rating("runs", 2))
    apply_cap = bool(s.rating("apply_cap", 1.0))
    reference = s.standard("reference")
    for seq, (label, low, high) in enumerate(jjg225.flow_points(qi, qp), start=1):
        if st.done(seq, label):
            continue
        q = (low + high) / 2.0
        taken = [_one_run(st, seq, r, q, volume_l) for r in range(1, runs + 1)]
        result = jjg225_budgets.evaluate_flow_sensor(
            point=label,
            q=q,
            qp=qp,
            accuracy_class=cls,
            indicated_l=[t[0] for t in taken],
            reference_l=[t[1] for t in taken],
            reference_u_percent=reference.u_in("%", of=volume_l),
            reference_k=reference.k,
            dut_resolution_l=s.rating("resolution_l", 1.0),
            reference_resolution_l=reference.spec_value("resolution", "L", 0.01),
            temperature_correction_u_percent=s.rating("temperature_correction_u_percent", 0.02),
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.05),
            cmc_percent=reference.cmc_in("%", of=volume_l),
            decision_rule=s.decision_rule,
            apply_cap=apply_cap,
        )
        st.store(
            seq,
            result,
            part=ALIAS,
            method="reference meter (serial)" if st.has("reference") else "reference volume (typed in)",
            flow_m3_h=q,
            flow_range_m3_h=[low, high],
            runs=runs,
            test_volume_l=volume_l,
        )
