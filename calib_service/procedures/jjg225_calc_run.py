"""Running JJG 225-2024 on a heat-meter bench: the calculator fed with simulated signals (``jjg225-calc``).

Roles: ``dut`` (the calculator's energy register over CJ/T 188 or M-Bus, or typed in from its display),
``simulator`` (the signal simulator: volume pulses and the two resistances of the flow and return
sensors, as set on it and typed in), ``climate``. Standards: ``simulator`` (certificate U of the
simulated resistances, Ω, or of the simulated Δθ, K; the CMC of the standard, %).

At each Δθ point (``jjg225_parts.dtheta_setpoints``; the simulated return temperature at
``return_temperature``, the flow temperature Δθ above it) ``runs`` runs: energy register read, the
technician sets the two resistances of the temperatures (IEC 60751, R0 = ``r0``) and sends the pulses of
the test volume (enough for ``test_energy_kwh`` at that Δθ), energy register read again; then the pulse
count and the two resistances as set are typed in. The reference energy is V·k·Δθ with V = pulses ×
``pulse_weight_l``, Δθ = θ(R_f) − θ(R_r) and k the EN 1434-1 heat coefficient at θ(R_f), θ(R_r)
(IAPWS-IF97, volume on the ``side`` where the flow sensor is installed). A run whose readings are all
stored is reused after a crash; an incomplete one is repeated.

Parameters (``--param NAME=VALUE``): ``dtheta_min`` (K, 3), ``dtheta_max`` (K, 70),
``return_temperature`` (°C, 40), ``r0`` (Ω, 100 for Pt100; 500, 1000), ``pulse_weight_l`` (L, 1),
``test_energy_kwh`` (10), ``flow`` (simulated flow rate, m³/h, 1), ``runs`` (2),
``installed_in_flow`` (0: the flow sensor is in the return pipe; 1: in the flow pipe), ``pressure_mpa``
(1.6), ``heat_coefficient_u_percent`` (0.01), ``resolution_kwh`` (0.01), ``pooled_sd_percent`` (0.02).
"""

from __future__ import annotations

from calib_service.procedures import jjg225, jjg225_parts
from calib_service.procedures.jjg225_flow_run import read_quantity
from calib_service.procedures.jjg225_run import guard_part
from calib_service.procedures.run_support import Station, Take, bench_run

__all__ = ["ALIAS", "RATINGS", "REQUIRED_ROLES", "run"]

ALIAS = "jjg225-calc"
REQUIRED_ROLES: tuple[str, ...] = ("dut", "simulator")
RATINGS: dict[str, str] = {
    "dtheta_min": "Δθmin, K (3)",
    "dtheta_max": "Δθmax, K (70)",
    "return_temperature": "simulated return temperature, °C (40)",
    "r0": "R0 of the sensors, Ω (100)",
    "pulse_weight_l": "L per pulse (1)",
    "installed_in_flow": "1 when the flow sensor is in the flow pipe (0)",
}

_HEAT = lambda d: read_quantity(d, "heat")  # noqa: E731


def _one_run(
    st: Station,
    seq: int,
    r: int,
    sp: jjg225_parts.DthetaSetpoint,
    *,
    flow: float,
    volume_l: float,
    r0: float,
    weight: float,
) -> tuple[float, float, float, float]:
    r_f = jjg225_parts.pt_resistance(sp.flow_temperature, r0)
    r_r = jjg225_parts.pt_resistance(sp.return_temperature, r0)
    pulses = volume_l / weight
    before, after, n, rf, rr = bench_run(
        st,
        seq,
        r,
        before=[Take("energy_before", "dut", "kWh", "calculator energy register before, kWh", _HEAT)],
        after=[
            Take("energy_after", "dut", "kWh", "calculator energy register after, kWh", _HEAT),
            Take("volume_pulses", "simulator", "count", "volume pulses sent (count)"),
            Take("flow_resistance", "simulator", "ohm", "flow-sensor resistance simulated, Ω"),
            Take("return_resistance", "simulator", "ohm", "return-sensor resistance simulated, Ω"),
        ],
        instruction=(
            f"set R_f = {r_f:.4f} Ω ({sp.flow_temperature:g} °C) and R_r = {r_r:.4f} Ω "
            f"({sp.return_temperature:g} °C), send {pulses:.0f} pulses of {weight:g} L"
        ),
        flow=flow,
        volume_l=volume_l,
        flow_temperature=sp.flow_temperature,
        return_temperature=sp.return_temperature,
        flow_resistance=r_f,
        return_resistance=r_r,
        pulses=pulses,
        pulse_weight_l=weight,
    )
    return after - before, n * weight, rf, rr


def run(st: Station) -> None:
    """Measure and store the energy error of the calculator at each Δθ point.

    Args:
        st: The station.
    """
    guard_part(st, ALIAS)
    s = st.setup
    cls = s.accuracy_class or "2"
    dtheta_min, dtheta_max = s.rating("dtheta_min", 3.0), s.rating("dtheta_max", 70.0)
    r0 = s.rating("r0", 100.0)
    weight = s.rating("pulse_weight_l", 1.0)
    energy = s.rating("test_energy_kwh", 10.0)
    runs = int(s.rating("runs", 2))
    flow = s.rating("flow", 1.0)
    pressure = s.rating("pressure_mpa", 1.6)
    side = "flow" if s.rating("installed_in_flow", 0.0) else "return"
    simulator = s.standard("simulator")
    points = jjg225_parts.dtheta_setpoints(dtheta_min, dtheta_max, s.rating("return_temperature", 40.0))
    for seq, sp in enumerate(points, start=1):
        if st.done(seq, sp.label):
            continue
        k_nominal = jjg225_parts.heat_coefficient(
            sp.flow_temperature, sp.return_temperature, side=side, pressure_mpa=pressure
        )
        volume_l = max(weight, round(energy / (k_nominal * sp.dtheta) * 1000.0 / weight) * weight)
        taken = [
            _one_run(st, seq, r, sp, flow=flow, volume_l=volume_l, r0=r0, weight=weight)
            for r in range(1, runs + 1)
        ]
        theta_f = sum(jjg225.pt_temperature(t[2], r0) for t in taken) / runs
        theta_r = sum(jjg225.pt_temperature(t[3], r0) for t in taken) / runs
        k_heat = jjg225_parts.heat_coefficient(theta_f, theta_r, side=side, pressure_mpa=pressure)
        if simulator.unit in ("K", "mK", "delta_degC"):
            dtheta_u = simulator.u_in("K")
        else:
            u_r = simulator.u_in("ohm") / simulator.k
            dtheta_u = jjg225_parts.dtheta_u_from_resistance(u_r, theta_f, theta_r, r0) * simulator.k
        dtheta = theta_f - theta_r
        result = jjg225_parts.evaluate_calculator_signals(
            point=f"{sp.label} ({sp.dtheta:g} K)",
            dtheta=dtheta,
            dtheta_min=dtheta_min,
            accuracy_class=cls,
            indicated_kwh=[t[0] for t in taken],
            volume_l=[t[1] for t in taken],
            heat_coefficient_kwh_m3k=k_heat,
            heat_coefficient_u_percent=s.rating("heat_coefficient_u_percent", 0.01),
            dtheta_u_k=dtheta_u,
            dtheta_k=simulator.k,
            dut_resolution_kwh=s.rating("resolution_kwh", 0.01),
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.02),
            cmc_percent=simulator.cmc_in("%", of=dtheta),
            decision_rule=s.decision_rule,
        )
        st.store(
            seq,
            result,
            part=ALIAS,
            dtheta_K=dtheta,
            flow_temperature_degC=theta_f,
            return_temperature_degC=theta_r,
            heat_coefficient_kwh_m3K=k_heat,
            heat_coefficient_side=side,
            volume_l=volume_l,
            runs=runs,
            setpoint_verified=sp.verified,
        )
