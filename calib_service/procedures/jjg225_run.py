"""Running JJG 225-2024 on a heat-meter bench: the complete meter against a reference volume and Δθ.

Roles: ``dut`` (CJ/T 188 heat register or M-Bus, or typed in), ``reference`` (the bench's reference
volume: typed in from the reference flowmeter's display or the weighing result), ``thermometers``
(reference thermometers in the supply and return lines, typed in unless on a serial line),
``climate``. Standards: ``reference`` (its certificate U in % and the CMC of the heat-meter standard),
optionally ``thermometers`` (U of the reference Δθ, K).

At each flow (qi, 0.1 qp, qp) ``runs`` runs: energy register read, the technician runs the test volume
at the flow with the baths at the set temperatures, register read again, then the reference volume and
the supply and return temperatures are taken. A run whose readings are all stored is reused after a
crash; an incomplete one is repeated.

Parameters: ``qi``, ``qp`` (m³/h), ``dtheta`` (K, 20), ``dtheta_min`` (K, 3), ``supply_temperature``
(°C, 70), ``heat_coefficient`` (kWh/(m³·K) for the bath temperatures, EN 1434-1 table: required),
``heat_coefficient_u_percent`` (0.05), ``test_volume_l`` (750), ``runs`` (2), ``resolution_kwh``
(0.01), ``pooled_sd_percent`` (0.1), ``dtheta_u_k`` (0.02 K at k = 2 without a thermometer standard).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from calib_service.errors import RecordValidationError
from calib_service.models import RawReading
from calib_service.procedures import jjg225, jjg225_budgets
from calib_service.procedures.run_support import Station, Take, bench_run

__all__ = ["QUANTITIES", "REQUIRED_ROLES", "guard_part", "run"]

#: The raw-reading names (without the run number) of each JJG 225 bench procedure, by alias.
QUANTITIES: dict[str, frozenset[str]] = {
    "jjg225": frozenset(
        {"energy_start", "energy_end", "reference_volume", "supply_temperature", "return_temperature"}
    ),
    "jjg225-flow": frozenset(
        {"volume_start", "volume_end", "reference_volume", "reference_start", "reference_end"}
    ),
    "jjg225-pair": frozenset(
        {"dut_flow_temperature", "dut_return_temperature", "dut_dtheta", "hot_reference", "cold_reference"}
    ),
    "jjg225-calc": frozenset(
        {"energy_before", "energy_after", "volume_pulses", "flow_resistance", "return_resistance"}
    ),
}


def _base(quantity: str) -> str:
    return quantity.rsplit(".", 1)[0] if quantity.rsplit(".", 1)[-1].isdigit() else quantity


def guard_part(st: Station, alias: str) -> None:
    """Refuse to resume a record started by another JJG 225 test (complete meter or sub-assembly).

    The four tests share the regulation code, so ``--resume`` checks the record's code only; the stored
    readings and points tell which test started it.

    Args:
        st: The station.
        alias: The running procedure's alias (a key of :data:`QUANTITIES`).

    Raises:
        RecordValidationError: a stored reading or point belongs to another test.
    """
    with st.ctx.session_factory() as session:
        names: Iterable[str] = session.scalars(
            select(RawReading.quantity)
            .where(RawReading.calibration_id == st.ctx.calibration_id, RawReading.point_seq.is_not(None))
            .distinct()
        )
        foreign = sorted({_base(n) for n in names} - QUANTITIES[alias])
    parts = {str(p.parameters.get("part", "jjg225")) for p in st.ctx.stored_points().values()}
    if foreign or parts - {alias}:
        others = sorted(parts - {alias})
        others += [a for a, q in QUANTITIES.items() if a != alias and foreign and set(foreign) <= q]
        other = others[0] if others else "the procedure that started it"
        raise RecordValidationError(
            f"{jjg225.CODE}: calibration {st.ctx.calibration_id} was started by {other} "
            f"(readings {', '.join(foreign) or '-'}), not {alias}; resume it with calib run {other}"
        )


REQUIRED_ROLES: tuple[str, ...] = ("dut", "reference")


_ENERGY_START = Take("energy_start", "dut", "kWh", "energy register at start, kWh", lambda d: d.read_heat())
_AFTER = (
    Take("energy_end", "dut", "kWh", "energy register at end, kWh", lambda d: d.read_heat()),
    Take("reference_volume", "reference", "L", "reference volume, L"),
    Take("supply_temperature", "thermometers", "degC", "reference supply temperature, °C"),
    Take("return_temperature", "thermometers", "degC", "reference return temperature, °C"),
)


def _one_run(
    st: Station, seq: int, r: int, q: float, volume_l: float, supply: float, ret: float
) -> tuple[float, float, float]:
    start, end, volume, t_supply, t_return = bench_run(
        st,
        seq,
        r,
        before=[_ENERGY_START],
        after=_AFTER,
        instruction=f"run {volume_l:g} L at {q:.4g} m³/h, supply {supply:g} °C, return {ret:g} °C",
        flow=q,
        volume_l=volume_l,
        supply=supply,
        ret=ret,
    )
    return (end - start, volume, t_supply - t_return)


def run(st: Station) -> None:
    """Measure and store every flow point of the complete heat meter.

    Args:
        st: The station.
    """
    guard_part(st, "jjg225")
    s = st.setup
    cls = s.accuracy_class or "2"
    qi, qp = s.rating("qi"), s.rating("qp")
    dtheta, dtheta_min = s.rating("dtheta", 20.0), s.rating("dtheta_min", 3.0)
    supply = s.rating("supply_temperature", 70.0)
    k_heat = s.rating("heat_coefficient")
    volume_l = s.rating("test_volume_l", 750.0)
    runs = int(s.rating("runs", 2))
    reference = s.standard("reference")
    therm = s.standards.get("thermometers")
    for seq, (label, low, high) in enumerate(jjg225.flow_points(qi, qp), start=1):
        if st.done(seq, label):
            continue
        q = (low + high) / 2.0
        taken = [_one_run(st, seq, r, q, volume_l, supply, supply - dtheta) for r in range(1, runs + 1)]
        dth = sum(t[2] for t in taken) / len(taken)
        result = jjg225_budgets.evaluate_complete(
            point=f"{label}, {dtheta:g} K",
            q=q,
            qp=qp,
            dtheta=dth,
            dtheta_min=dtheta_min,
            accuracy_class=cls,
            indicated_kwh=[t[0] for t in taken],
            reference_volume_l=[t[1] for t in taken],
            heat_coefficient_kwh_m3k=k_heat,
            heat_coefficient_u_percent=s.rating("heat_coefficient_u_percent", 0.05),
            volume_u_percent=reference.u_in("%", of=volume_l),
            volume_k=reference.k,
            reference_dtheta_u_k=s.rating("dtheta_u_k", 0.02) if therm is None else therm.u_in("K"),
            reference_dtheta_k=2.0 if therm is None else therm.k,
            dut_resolution_kwh=s.rating("resolution_kwh", 0.01),
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.1),
            cmc_percent=reference.cmc_in("%"),
            decision_rule=s.decision_rule,
        )
        st.store(seq, result, part="jjg225", flow_m3_h=q, dtheta_K=dth, runs=runs, test_volume_l=volume_l)
