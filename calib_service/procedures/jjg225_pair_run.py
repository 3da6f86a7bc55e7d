"""Running JJG 225-2024 on a heat-meter bench: the temperature-sensor pair in two baths (``jjg225-pair``).

Roles: ``dut`` (the pair as the heat meter's calculator sees it: the flow and return temperatures of
its CJ/T 188 or M-Bus read-out, or the Δθ typed in from its display), ``thermometers`` (the reference
thermometers in the hot and cold baths, typed in from their read-outs), ``climate``. Standards:
``thermometers`` (certificate U of each reference thermometer, K; the CMC of the standard, K or %).

At each Δθ point (``jjg225_parts.dtheta_setpoints``: mid-range of Δθmin … 1.2 Δθmin, 10 … 20 K and
Δθmax − 5 K … Δθmax; cold bath at ``return_temperature``, hot bath Δθ above it) the technician sets the
baths and immerses the sensors; then ``readings`` readings are taken, each the pair's Δθ and both
reference thermometers. Every reading is committed at once; after a crash the complete readings of the
point are reused and only the missing ones taken, after the baths have been checked again.

Parameters (``--param NAME=VALUE``): ``dtheta_min`` (K, 3), ``dtheta_max`` (K, 70), ``return_temperature``
(cold bath, °C, 20), ``readings`` (3), ``resolution_k`` (resolution of the pair's Δθ as read, K: 0.01 for
CJ/T 188, 0.1 for M-Bus), ``bath_half_width_k`` (uniformity and stability of each bath, 0.01 K),
``pooled_sd_percent`` (repeatability of one reading, 0.05).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calib_service.procedures import jjg225_budgets, jjg225_parts
from calib_service.procedures.jjg225_flow_run import read_quantity
from calib_service.procedures.jjg225_run import guard_part
from calib_service.procedures.run_support import Station
from instruments.drivers.base import Reading

__all__ = ["ALIAS", "RATINGS", "REQUIRED_ROLES", "run"]

ALIAS = "jjg225-pair"
REQUIRED_ROLES: tuple[str, ...] = ("dut", "thermometers")
RATINGS: dict[str, str] = {
    "dtheta_min": "Δθmin, K (3)",
    "dtheta_max": "Δθmax, K (70)",
    "return_temperature": "cold bath, °C (20)",
    "resolution_k": "resolution of the pair's Δθ, K (0.01)",
}


def _quantities(serial_dut: bool, r: int) -> dict[str, str]:
    dut = (
        {f"dut_flow_temperature.{r}": "degC", f"dut_return_temperature.{r}": "degC"}
        if serial_dut
        else {f"dut_dtheta.{r}": "K"}
    )
    return {**dut, f"hot_reference.{r}": "degC", f"cold_reference.{r}": "degC"}


def _reader(quantity: str) -> Callable[[Any], Reading]:
    def read(device: Any) -> Reading:
        return read_quantity(device, quantity)

    return read


def _one_reading(st: Station, seq: int, r: int) -> tuple[float, float, float]:
    """(Δθ indicated, hot reference, cold reference) of reading ``r``, taken now or reused."""
    serial_dut = st.has("dut")
    names = _quantities(serial_dut, r)
    kept = st.group(seq, names)
    if kept is None:
        values: dict[str, float] = {}
        for name, unit in names.items():
            base = name.split(".")[0]
            if base in ("dut_flow_temperature", "dut_return_temperature"):
                source = "supply_temperature" if base == "dut_flow_temperature" else "return_temperature"
                values[name] = st.take(role="dut", quantity=name, unit=unit, seq=seq, read=_reader(source))
            else:
                role = "dut" if base == "dut_dtheta" else "thermometers"
                prompt = {
                    "dut_dtheta": "Δθ shown by the pair (calculator display), K",
                    "hot_reference": "reference thermometer in the hot bath, °C",
                    "cold_reference": "reference thermometer in the cold bath, °C",
                }[base]
                values[name] = st.take(role=role, quantity=name, unit=unit, seq=seq, prompt=prompt)
        kept = values
    else:
        st.say(f"[{seq}] reading {r}: already stored, reused")
    if serial_dut:
        indicated = kept[f"dut_flow_temperature.{r}"] - kept[f"dut_return_temperature.{r}"]
    else:
        indicated = kept[f"dut_dtheta.{r}"]
    return indicated, kept[f"hot_reference.{r}"], kept[f"cold_reference.{r}"]


def run(st: Station) -> None:
    """Measure and store the Δθ error of the temperature-sensor pair at each Δθ point.

    Args:
        st: The station.
    """
    guard_part(st, ALIAS)
    s = st.setup
    cls = s.accuracy_class or "2"
    dtheta_min, dtheta_max = s.rating("dtheta_min", 3.0), s.rating("dtheta_max", 70.0)
    n = int(s.rating("readings", 3))
    therm = s.standard("thermometers")
    points = jjg225_parts.dtheta_setpoints(dtheta_min, dtheta_max, s.rating("return_temperature", 20.0))
    for seq, sp in enumerate(points, start=1):
        if st.done(seq, sp.label):
            continue
        if any(st.group(seq, _quantities(st.has("dut"), r)) is None for r in range(1, n + 1)):
            st.act(
                "baths",
                f"[{seq}] {sp.label}: hot bath {sp.flow_temperature:g} °C, cold bath "
                f"{sp.return_temperature:g} °C (Δθ {sp.dtheta:g} K); immerse the pair next to the reference "
                "thermometers and wait until stable",
                point=seq,
                hot=sp.flow_temperature,
                cold=sp.return_temperature,
                dtheta=sp.dtheta,
            )
        taken = [_one_reading(st, seq, r) for r in range(1, n + 1)]
        d_ref = sum(h - c for _, h, c in taken) / n
        result = jjg225_budgets.evaluate_temperature_pair(
            point=f"{sp.label} ({sp.dtheta:g} K)",
            dtheta_min=dtheta_min,
            accuracy_class=cls,
            indicated_dtheta_k=[t[0] for t in taken],
            hot_reference_c=[t[1] for t in taken],
            cold_reference_c=[t[2] for t in taken],
            thermometer_u_k=therm.u_in("K"),
            thermometer_k=therm.k,
            bath_half_width_k=s.rating("bath_half_width_k", 0.01),
            dut_resolution_k=s.rating("resolution_k", 0.01),
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.05),
            cmc_percent=therm.cmc_in("%", of=d_ref),
            decision_rule=s.decision_rule,
        )
        st.store(
            seq,
            result,
            part=ALIAS,
            dtheta_K=sp.dtheta,
            hot_bath_degC=sp.flow_temperature,
            cold_bath_degC=sp.return_temperature,
            readings=n,
            setpoint_verified=sp.verified,
        )
