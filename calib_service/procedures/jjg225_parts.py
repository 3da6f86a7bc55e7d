"""JJG 225-2024 sub-assembly tests: bath and signal set-ups, the heat coefficient, the calculator budget.

The MPE formulas of the sub-assemblies are in :mod:`calib_service.procedures.jjg225` and the budgets of
every point in :mod:`calib_service.procedures.jjg225_budgets`; this module adds what the bench procedures
of the sub-assemblies need (``jjg225_flow_run``, ``jjg225_pair_run``, ``jjg225_calc_run``):

* the temperature-difference set points and the bath temperatures of the pair and calculator tests
  (:data:`DTHETA_SETUP`, :func:`dtheta_setpoints`), as versioned data marked **not verified**;
* the heat coefficient k of EN 1434-1, k = (1/v)·(h_f − h_r)/(θ_f − θ_r), with v and h from the
  IAPWS-IF97 region-1 equations (:func:`water_if97`, :func:`heat_coefficient`);
* the uncertainty budget of the calculator fed with simulated signals
  (:func:`evaluate_calculator_signals`): energy shown against V·k·Δθ of the simulated volume pulses and
  resistances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg225, jjg225_budgets
from calib_service.procedures.common import (
    PointResult,
)

__all__ = [
    "DATA_VERSION",
    "DTHETA_SETUP",
    "IF97_REGION1",
    "PARTS",
    "DthetaSetpoint",
    "SetupRow",
    "dtheta_setpoints",
    "dtheta_u_from_resistance",
    "evaluate_calculator_signals",
    "heat_coefficient",
    "pt_resistance",
    "pt_sensitivity",
    "water_if97",
]

DATA_VERSION = "2026.12-1"

#: Bench procedure alias → (part in ``jjg225.FORMULAS``, what is tested).
PARTS: dict[str, tuple[str, str]] = {
    "jjg225": ("complete", "complete heat meter"),
    "jjg225-flow": ("flow_sensor", "flow sensor"),
    "jjg225-pair": ("temperature_pair", "temperature-sensor pair"),
    "jjg225-calc": ("calculator", "calculator"),
}

_SRC_SETUP = (
    "design (I): Δθ inside the ranges of jjg225.dtheta_points (EN 1434-5 / OIML R 75-2 as commonly quoted, "
    "U), return bath or simulated return temperature at ``return_temperature``; check JJG 225-2024"
)


@dataclass(frozen=True)
class SetupRow:
    """Where in its range a Δθ test point is set: Δθ = low + ``fraction``·(high − low).

    Attributes:
        label: Point label of ``jjg225.dtheta_points``.
        fraction: Position inside the range (0 low end, 1 high end).
        verified: True only when checked against JJG 225-2024.
        source: Where the choice comes from.
    """

    label: str
    fraction: float
    verified: bool
    source: str


#: The Δθ set points of the pair and calculator tests (mid-range of each regulation range).
DTHETA_SETUP: tuple[SetupRow, ...] = (
    SetupRow("Δθmin", 0.5, False, _SRC_SETUP),
    SetupRow("10-20 K", 0.5, False, _SRC_SETUP),
    SetupRow("Δθmax", 0.5, False, _SRC_SETUP),
)


@dataclass(frozen=True)
class DthetaSetpoint:
    """One Δθ test point: label, nominal Δθ (K), return and flow temperatures (°C), verified, source."""

    label: str
    dtheta: float
    return_temperature: float
    flow_temperature: float
    verified: bool
    source: str


def dtheta_setpoints(
    dtheta_min: float, dtheta_max: float, return_temperature: float
) -> tuple[DthetaSetpoint, ...]:
    """The Δθ test points with their bath (or simulated) temperatures.

    Args:
        dtheta_min: Δθmin of the meter, K.
        dtheta_max: Δθmax of the meter, K.
        return_temperature: Cold bath / simulated return temperature, °C.

    Returns:
        One set point per regulation range.

    >>> [(p.label, p.dtheta, p.flow_temperature) for p in dtheta_setpoints(3, 70, 20)]
    [('Δθmin', 3.3, 23.3), ('10-20 K', 15.0, 35.0), ('Δθmax', 67.5, 87.5)]
    """
    fractions = {row.label: row for row in DTHETA_SETUP}
    out = []
    for label, low, high in jjg225.dtheta_points(dtheta_min, dtheta_max):
        row = fractions[label]
        dtheta = round(low + row.fraction * (high - low), 9)
        out.append(
            DthetaSetpoint(
                label,
                dtheta,
                float(return_temperature),
                round(return_temperature + dtheta, 9),
                row.verified,
                row.source,
            )
        )
    return tuple(out)


def pt_resistance(temperature_c: float, r0_ohm: float = 100.0) -> float:
    """Resistance of an IEC 60751 platinum sensor at ``temperature_c`` (0–850 °C), Ω.

    >>> round(pt_resistance(100.0), 4)
    138.5055
    """
    a, b = jjg225.IEC60751_A, jjg225.IEC60751_B
    return r0_ohm * (1.0 + a * temperature_c + b * temperature_c**2)


def pt_sensitivity(temperature_c: float, r0_ohm: float = 100.0) -> float:
    """dR/dθ of an IEC 60751 platinum sensor at ``temperature_c``, Ω/K.

    >>> round(pt_sensitivity(0.0), 5)
    0.39083
    """
    return r0_ohm * (jjg225.IEC60751_A + 2.0 * jjg225.IEC60751_B * temperature_c)


#: IAPWS-IF97 region 1 (liquid water), Table 2 of the release: (I, J, n).
IF97_REGION1: tuple[tuple[int, int, float], ...] = (
    (0, -2, 0.14632971213167),
    (0, -1, -0.84548187169114),
    (0, 0, -0.37563603672040e1),
    (0, 1, 0.33855169168385e1),
    (0, 2, -0.95791963387872),
    (0, 3, 0.15772038513228),
    (0, 4, -0.16616417199501e-1),
    (0, 5, 0.81214629983568e-3),
    (1, -9, 0.28319080123804e-3),
    (1, -7, -0.60706301565874e-3),
    (1, -1, -0.18990068218419e-1),
    (1, 0, -0.32529748770505e-1),
    (1, 1, -0.21841717175414e-1),
    (1, 3, -0.52838357969930e-4),
    (2, -3, -0.47184321073267e-3),
    (2, 0, -0.30001780793026e-3),
    (2, 1, 0.47661393906987e-4),
    (2, 3, -0.44141845330846e-5),
    (2, 17, -0.72694996297594e-15),
    (3, -4, -0.31679644845054e-4),
    (3, 0, -0.28270797985312e-5),
    (3, 6, -0.85205128120103e-9),
    (4, -5, -0.22425281908000e-5),
    (4, -2, -0.65171222895601e-6),
    (4, 10, -0.14341729937924e-12),
    (5, -8, -0.40516996860117e-6),
    (8, -11, -0.12734301741641e-8),
    (8, -6, -0.17424871230634e-9),
    (21, -29, -0.68762131295531e-18),
    (23, -31, 0.14478307828521e-19),
    (29, -38, 0.26335781662795e-22),
    (30, -39, -0.11947622640071e-22),
    (31, -40, 0.18228094581404e-23),
    (32, -41, -0.93537087292458e-25),
)
_IF97_R = 0.461526  # kJ/(kg·K)


def water_if97(temperature_c: float, pressure_mpa: float) -> tuple[float, float]:
    """Specific volume (m³/kg) and specific enthalpy (kJ/kg) of liquid water, IAPWS-IF97 region 1.

    Args:
        temperature_c: Temperature, °C (0–350).
        pressure_mpa: Pressure, MPa (above the saturation pressure, ≤ 100).

    Returns:
        (v, h).

    Raises:
        RecordValidationError: outside region 1's temperature or pressure range.

    >>> v, h = water_if97(300 - 273.15, 3.0)  # IF97 Table 5: v = 0.100215168e-2, h = 0.115331273e3
    >>> round(v * 1e2, 9), round(h, 6)
    (0.100215168, 115.331273)
    """
    t = temperature_c + 273.15
    if not 273.15 <= t <= 623.15 or not 0 < pressure_mpa <= 100.0:
        raise RecordValidationError(
            f"water at {temperature_c} °C and {pressure_mpa} MPa is outside IAPWS-IF97 region 1 "
            "(0–350 °C, liquid, ≤ 100 MPa)"
        )
    pi = pressure_mpa / 16.53
    tau = 1386.0 / t
    g_pi = 0.0
    g_tau = 0.0
    for i, j, n in IF97_REGION1:
        g_pi += -n * i * (7.1 - pi) ** (i - 1) * (tau - 1.222) ** j
        g_tau += n * (7.1 - pi) ** i * j * (tau - 1.222) ** (j - 1)
    v = pi * g_pi * _IF97_R * t / (pressure_mpa * 1000.0)
    h = tau * g_tau * _IF97_R * t
    return v, h


def heat_coefficient(
    flow_temperature_c: float,
    return_temperature_c: float,
    *,
    side: str = "return",
    pressure_mpa: float = 1.6,
) -> float:
    """Heat coefficient k of EN 1434-1, kWh/(m³·K): k = (1/v)·(h_f − h_r)/(θ_f − θ_r).

    v is taken at the temperature of the side where the flow sensor is installed; v and h from
    IAPWS-IF97 region 1 at ``pressure_mpa`` (EN 1434-1 tabulates k at 16 bar as commonly quoted: U).

    Args:
        flow_temperature_c: θ_f, °C.
        return_temperature_c: θ_r, °C (below θ_f).
        side: ``return`` or ``flow``: where the volume is measured.
        pressure_mpa: Water pressure, MPa.

    Returns:
        k in kWh/(m³·K).

    Raises:
        RecordValidationError: θ_f ≤ θ_r, an unknown side, or outside IF97 region 1.

    >>> round(heat_coefficient(70.0, 50.0), 4)
    1.1479
    """
    if flow_temperature_c <= return_temperature_c:
        raise RecordValidationError(
            f"flow temperature {flow_temperature_c} °C must be above the return {return_temperature_c} °C"
        )
    if side not in ("return", "flow"):
        raise RecordValidationError(f"side must be 'return' or 'flow', got {side!r}")
    v_f, h_f = water_if97(flow_temperature_c, pressure_mpa)
    v_r, h_r = water_if97(return_temperature_c, pressure_mpa)
    v = v_r if side == "return" else v_f
    k_kj = (h_f - h_r) / (flow_temperature_c - return_temperature_c) / v  # kJ/(m³·K)
    return k_kj / 3600.0


def evaluate_calculator_signals(
    *,
    point: str,
    dtheta: float,
    dtheta_min: float,
    accuracy_class: str,
    indicated_kwh: Sequence[float],
    volume_l: Sequence[float],
    heat_coefficient_kwh_m3k: float,
    heat_coefficient_u_percent: float,
    dtheta_u_k: float,
    dtheta_k: float,
    dut_resolution_kwh: float,
    pooled_sd_percent: float | None = None,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Energy error of the calculator fed with simulated volume pulses and resistances.

    Model: E = (Q_i + δ_res)/(V · k (1 + δ_k) · (Δθ + δ_D)) − 1 + δ_rep, with V the simulated volume
    (pulse count × pulse weight, exact), Δθ = θ(R_f) − θ(R_r) from the simulated resistances (IEC 60751),
    δ_D the resistance simulator's certificate carried to Δθ, k the EN 1434-1 heat coefficient.

    Args:
        point: Label.
        dtheta: Simulated Δθ, K.
        dtheta_min: Δθmin, K.
        accuracy_class: ``1``, ``2`` or ``3``.
        indicated_kwh: Energy shown by the calculator, kWh, per run.
        volume_l: Simulated volume, L, per run.
        heat_coefficient_kwh_m3k: k at the simulated temperatures, kWh/(m³·K).
        heat_coefficient_u_percent: Relative standard uncertainty of k, %.
        dtheta_u_k: Expanded uncertainty of the simulated Δθ, K.
        dtheta_k: Its coverage factor.
        dut_resolution_kwh: Resolution of the energy register, kWh.
        pooled_sd_percent: Repeatability s of one run, %.
        cmc_percent: CMC (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: mismatched or non-positive values.
    """
    value, row = jjg225.mpe("calculator", accuracy_class, dtheta=dtheta, dtheta_min=dtheta_min)
    return jjg225_budgets.energy_point(
        point=point,
        mpe_value=value,
        limit_verified=row.verified,
        indicated_kwh=indicated_kwh,
        volume_l=volume_l,
        volume="simulated volume: pulse count × pulse weight",
        heat_coefficient_kwh_m3k=heat_coefficient_kwh_m3k,
        heat_coefficient_u_percent=heat_coefficient_u_percent,
        heat_coefficient_description=(
            "heat coefficient (EN 1434-1, IAPWS-IF97)",
            "heat coefficient (formulation and pressure)",
        ),
        dtheta=dtheta,
        dtheta_u=(dtheta_u_k, dtheta_k),
        dtheta_description=(
            "simulated Δθ = θ(R_f) − θ(R_r)",
            "resistance simulator, certificate, carried to Δθ",
        ),
        dut_resolution_kwh=dut_resolution_kwh,
        energy_description="energy shown by the calculator (mean)",
        pooled_sd_percent=pooled_sd_percent,
        cmc_percent=cmc_percent,
        decision_rule=decision_rule,
    )


def dtheta_u_from_resistance(
    u_resistance_ohm: float, flow_temperature_c: float, return_temperature_c: float, r0_ohm: float
) -> float:
    """Standard uncertainty of Δθ (K) from the same standard uncertainty of both simulated resistances.

    The two resistances are taken independent: u(Δθ)² = (u_R/S_f)² + (u_R/S_r)², S = dR/dθ.

    >>> round(dtheta_u_from_resistance(0.001, 70.0, 50.0, 100.0), 5)
    0.00368
    """
    s_f = pt_sensitivity(flow_temperature_c, r0_ohm)
    s_r = pt_sensitivity(return_temperature_c, r0_ohm)
    return math.hypot(u_resistance_ohm / s_f, u_resistance_ohm / s_r)
