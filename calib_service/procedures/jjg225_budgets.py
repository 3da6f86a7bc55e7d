"""JJG 225-2024 heat meters: the uncertainty budget of each point (complete meter and sub-assemblies).

Each sub-assembly and the complete meter are judged on the relative error E = X_i/X_ref − 1 of their
output X (volume, temperature difference, energy), with the reference's certificate, both resolutions
and the repeatability in the budget (``docs/procedures/jjg225.md``). The MPE comes from
:func:`calib_service.procedures.jjg225.mpe`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures.common import (
    PointResult,
    constant_input,
    finish_point,
    normal_input,
    rect_input,
    repeatability_input,
    triangular_input,
)
from calib_service.procedures.jjg225 import CODE, mpe

__all__ = [
    "energy_point",
    "evaluate_calculator",
    "evaluate_complete",
    "evaluate_flow_sensor",
    "evaluate_temperature_pair",
]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _relative_point(
    *,
    point: str,
    name: str,
    unit: str,
    indicated: Sequence[float],
    reference: Sequence[float],
    reference_u_percent: float,
    reference_k: float,
    reference_description: str,
    dut_resolution: float,
    reference_resolution: float,
    extra: Sequence[dict[str, Any]],
    pooled_sd_percent: float | None,
    mpe_value: float,
    verified: bool,
    cmc_percent: float | None,
    decision_rule: str,
    flags: Sequence[str] = (),
) -> PointResult:
    if not indicated or len(indicated) != len(reference):
        raise RecordValidationError(
            f"{CODE} {point}: give one reference value per indicated {name} "
            f"({len(indicated)} vs {len(reference)})"
        )
    if min(reference) <= 0 or min(indicated) <= 0:
        raise RecordValidationError(f"{CODE} {point}: {name} values must be > 0")
    errors = [(i / r - 1.0) * 100.0 for i, r in zip(indicated, reference, strict=True)]
    mean_err = _mean(errors)
    x_i, x_r = _mean(indicated), _mean(reference)
    extra_names = " + ".join(e["name"] for e in extra)
    model = "(X_i + d_res)/((X_r + d_res_r)*(1 + d_ref)) - 1 + d_rep"
    if extra_names:
        model += " + " + extra_names
    spec = {
        "measurand": {"name": "E", "unit": "percent"},
        "model": model,
        "inputs": [
            constant_input("X_i", x_i, unit, f"{name} indicated (mean of the runs)"),
            triangular_input(
                "d_res",
                0.0,
                unit,
                dut_resolution,
                "resolution of the device under test (start and end readings)",
            ),
            constant_input("X_r", x_r, unit, f"reference {name} (mean of the runs)"),
            triangular_input(
                "d_res_r",
                0.0,
                unit,
                reference_resolution,
                "resolution of the reference (start and end readings)",
            ),
            normal_input("d_ref", 0.0, "percent", reference_u_percent, reference_k, reference_description),
            repeatability_input(
                "d_rep",
                [e - mean_err for e in errors],
                "percent",
                "repeatability of the runs at the point",
                pooled_sd=pooled_sd_percent,
            ),
            *extra,
        ],
    }
    return finish_point(
        point=point,
        spec=spec,
        reference=x_r,
        indication=x_i,
        unit=unit,
        error_unit="%",
        mpe=mpe_value,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        limit_verified=verified,
        flags=flags,
    )


def evaluate_flow_sensor(
    *,
    point: str,
    q: float,
    qp: float,
    accuracy_class: str,
    indicated_l: Sequence[float],
    reference_l: Sequence[float],
    reference_u_percent: float,
    reference_k: float,
    dut_resolution_l: float,
    reference_resolution_l: float,
    temperature_correction_u_percent: float = 0.0,
    pooled_sd_percent: float | None = None,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
    apply_cap: bool = True,
) -> PointResult:
    """Volume error of the flow sensor at flow ``q``.

    ``reference_l`` is the bench's reference volume already carried to the sensor's water temperature
    (gravimetric with :func:`water.water_density_kell` above 40 °C, or a reference meter);
    ``temperature_correction_u_percent`` is the standard uncertainty of that correction, %.

    Args:
        point: Label.
        q: Flow at the point.
        qp: Permanent flow (same unit).
        accuracy_class: ``1``, ``2`` or ``3``.
        indicated_l: Volumes shown by the sensor, L, one per run.
        reference_l: Reference volumes, L, one per run.
        reference_u_percent: Expanded uncertainty of the reference's certificate, %.
        reference_k: Its coverage factor.
        dut_resolution_l: Resolution of the sensor's output, L.
        reference_resolution_l: Resolution of the reference, L.
        temperature_correction_u_percent: Standard uncertainty of the temperature correction, %.
        pooled_sd_percent: Repeatability s of one run, % (needed for one run).
        cmc_percent: CMC (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        apply_cap: Apply the EN 1434 cap (unverified for JJG 225-2024).

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: mismatched or non-positive volumes.
    """
    value, row = mpe("flow_sensor", accuracy_class, q=q, qp=qp, apply_cap=apply_cap)
    extra = []
    if temperature_correction_u_percent:
        extra.append(
            {
                "name": "d_temp",
                "value": 0.0,
                "unit": "percent",
                "distribution": "normal",
                "standard_uncertainty": float(temperature_correction_u_percent),
                "description": "correction of the reference volume to the sensor's water temperature",
            }
        )
    flags = (
        [f"flow-sensor cap {row.cap:g} % applied (EN 1434, unverified)"]
        if (apply_cap and row.cap is not None and value == row.cap)
        else []
    )
    return _relative_point(
        point=point,
        name="volume",
        unit="L",
        indicated=indicated_l,
        reference=reference_l,
        reference_u_percent=reference_u_percent,
        reference_k=reference_k,
        reference_description="reference volume (balance or reference meter), certificate valid on the day",
        dut_resolution=dut_resolution_l,
        reference_resolution=reference_resolution_l,
        extra=extra,
        pooled_sd_percent=pooled_sd_percent,
        mpe_value=value,
        verified=row.verified,
        cmc_percent=cmc_percent,
        decision_rule=decision_rule,
        flags=flags,
    )


def evaluate_temperature_pair(
    *,
    point: str,
    dtheta_min: float,
    accuracy_class: str,
    indicated_dtheta_k: Sequence[float],
    hot_reference_c: Sequence[float],
    cold_reference_c: Sequence[float],
    thermometer_u_k: float,
    thermometer_k: float,
    bath_half_width_k: float,
    dut_resolution_k: float,
    pooled_sd_percent: float | None = None,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Error of the temperature-sensor pair's Δθ against two reference thermometers in two baths.

    Model: E = (Δθ_i + δ_res)/(θ_h + δ_h + δ_bh − θ_c − δ_c − δ_bc) − 1 + δ_rep; δ_h, δ_c the reference
    thermometers (certificates, independent), δ_bh, δ_bc bath uniformity and stability (rectangular).

    Args:
        point: Label.
        dtheta_min: Δθmin of the meter, K.
        accuracy_class: ``1``, ``2`` or ``3``.
        indicated_dtheta_k: Δθ shown by the pair, K, per reading.
        hot_reference_c: Reference thermometer in the hot bath, °C, per reading.
        cold_reference_c: Reference thermometer in the cold bath, °C, per reading.
        thermometer_u_k: Expanded uncertainty of each reference thermometer, K.
        thermometer_k: Its coverage factor.
        bath_half_width_k: Bath uniformity and stability half-width, K.
        dut_resolution_k: Resolution of the Δθ indication, K.
        pooled_sd_percent: Repeatability s of one reading, %.
        cmc_percent: CMC (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: mismatched readings, Δθ ≤ 0.
    """
    n = len(indicated_dtheta_k)
    if n == 0 or len(hot_reference_c) != n or len(cold_reference_c) != n:
        raise RecordValidationError(
            f"{CODE} {point}: give one hot and one cold reference reading per Δθ reading"
        )
    ref = [h - c for h, c in zip(hot_reference_c, cold_reference_c, strict=True)]
    if min(ref) <= 0 or min(indicated_dtheta_k) <= 0:
        raise RecordValidationError(f"{CODE} {point}: temperature differences must be > 0 K")
    errors = [(i / r - 1.0) * 100.0 for i, r in zip(indicated_dtheta_k, ref, strict=True)]
    mean_err = _mean(errors)
    d_i, d_r = _mean(indicated_dtheta_k), _mean(ref)
    value, row = mpe("temperature_pair", accuracy_class, dtheta=d_r, dtheta_min=dtheta_min)
    spec = {
        "measurand": {"name": "E", "unit": "percent"},
        "model": "(D_i + d_res)/(D_r + d_h + d_bh - d_c - d_bc) - 1 + d_rep",
        "inputs": [
            constant_input("D_i", d_i, "K", "Δθ indicated by the pair (mean)"),
            rect_input("d_res", 0.0, "K", dut_resolution_k / 2.0, "resolution of the Δθ indication"),
            constant_input("D_r", d_r, "K", "reference Δθ = θ_hot − θ_cold (mean)"),
            normal_input(
                "d_h", 0.0, "K", thermometer_u_k, thermometer_k, "reference thermometer in the hot bath"
            ),
            normal_input(
                "d_c", 0.0, "K", thermometer_u_k, thermometer_k, "reference thermometer in the cold bath"
            ),
            rect_input("d_bh", 0.0, "K", bath_half_width_k, "hot bath uniformity and stability"),
            rect_input("d_bc", 0.0, "K", bath_half_width_k, "cold bath uniformity and stability"),
            repeatability_input(
                "d_rep",
                [e - mean_err for e in errors],
                "percent",
                "repeatability of the readings",
                pooled_sd=pooled_sd_percent,
            ),
        ],
    }
    return finish_point(
        point=point,
        spec=spec,
        reference=d_r,
        indication=d_i,
        unit="K",
        error_unit="%",
        mpe=value,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        limit_verified=row.verified,
    )


def evaluate_calculator(
    *,
    point: str,
    dtheta: float,
    dtheta_min: float,
    accuracy_class: str,
    indicated_kwh: Sequence[float],
    reference_kwh: Sequence[float],
    reference_u_percent: float,
    reference_k: float,
    dut_resolution_kwh: float,
    pooled_sd_percent: float | None = None,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Energy error of the calculator fed with simulated signals (the reference energy from the simulator).

    Args:
        point: Label.
        dtheta: Simulated Δθ, K.
        dtheta_min: Δθmin, K.
        accuracy_class: ``1``, ``2`` or ``3``.
        indicated_kwh: Energy shown, kWh, per run.
        reference_kwh: Energy from the simulated signals, kWh, per run.
        reference_u_percent: Expanded uncertainty of the simulator's certificate, %.
        reference_k: Its coverage factor.
        dut_resolution_kwh: Resolution of the energy display, kWh.
        pooled_sd_percent: Repeatability s of one run, %.
        cmc_percent: CMC (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: mismatched or non-positive energies.
    """
    value, row = mpe("calculator", accuracy_class, dtheta=dtheta, dtheta_min=dtheta_min)
    return _relative_point(
        point=point,
        name="energy",
        unit="kWh",
        indicated=indicated_kwh,
        reference=reference_kwh,
        reference_u_percent=reference_u_percent,
        reference_k=reference_k,
        reference_description="signal simulator (resistances and pulses), certificate valid on the day",
        dut_resolution=dut_resolution_kwh,
        reference_resolution=0.0,
        extra=[],
        pooled_sd_percent=pooled_sd_percent,
        mpe_value=value,
        verified=row.verified,
        cmc_percent=cmc_percent,
        decision_rule=decision_rule,
    )


def evaluate_complete(
    *,
    point: str,
    q: float,
    qp: float,
    dtheta: float,
    dtheta_min: float,
    accuracy_class: str,
    indicated_kwh: Sequence[float],
    reference_volume_l: Sequence[float],
    heat_coefficient_kwh_m3k: float,
    heat_coefficient_u_percent: float,
    volume_u_percent: float,
    volume_k: float,
    reference_dtheta_u_k: float,
    reference_dtheta_k: float,
    dut_resolution_kwh: float,
    pooled_sd_percent: float | None = None,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Energy error of the complete meter: E_ref = V_ref · k(θf, θr) · Δθ_ref.

    The heat coefficient k (EN 1434-1 table, from the flow and return temperatures and the installation
    side) is an input with its relative standard uncertainty; Δθ_ref comes from the bench's reference
    thermometers (its expanded uncertainty ``reference_dtheta_u_k``).

    Args:
        point: Label.
        q: Flow at the point.
        qp: Permanent flow (same unit).
        dtheta: Reference Δθ, K.
        dtheta_min: Δθmin, K.
        accuracy_class: ``1``, ``2`` or ``3``.
        indicated_kwh: Energy shown, kWh, per run.
        reference_volume_l: Reference volumes, L, per run.
        heat_coefficient_kwh_m3k: Heat coefficient k, kWh/(m³·K).
        heat_coefficient_u_percent: Relative standard uncertainty of k, %.
        volume_u_percent: Expanded uncertainty of the reference volume, %.
        volume_k: Its coverage factor.
        reference_dtheta_u_k: Expanded uncertainty of the reference Δθ, K.
        reference_dtheta_k: Its coverage factor.
        dut_resolution_kwh: Resolution of the energy register.
        pooled_sd_percent: Repeatability s of one run, %.
        cmc_percent: CMC (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: mismatched or non-positive values.
    """
    value, row = mpe("complete", accuracy_class, dtheta=dtheta, dtheta_min=dtheta_min, q=q, qp=qp)
    return energy_point(
        point=point,
        mpe_value=value,
        limit_verified=row.verified,
        indicated_kwh=indicated_kwh,
        volume_l=reference_volume_l,
        volume=("reference volume (mean)", volume_u_percent, volume_k, "reference volume, certificate"),
        heat_coefficient_kwh_m3k=heat_coefficient_kwh_m3k,
        heat_coefficient_u_percent=heat_coefficient_u_percent,
        heat_coefficient_description=("heat coefficient (EN 1434-1 table)", "heat coefficient"),
        dtheta=dtheta,
        dtheta_u=(reference_dtheta_u_k, reference_dtheta_k),
        dtheta_description=("reference Δθ", "reference thermometers, Δθ"),
        dut_resolution_kwh=dut_resolution_kwh,
        energy_description="energy indicated (mean)",
        pooled_sd_percent=pooled_sd_percent,
        cmc_percent=cmc_percent,
        decision_rule=decision_rule,
    )


def energy_point(
    *,
    point: str,
    mpe_value: float,
    limit_verified: bool,
    indicated_kwh: Sequence[float],
    volume_l: Sequence[float],
    volume: tuple[str, float, float, str] | str,
    heat_coefficient_kwh_m3k: float,
    heat_coefficient_u_percent: float,
    heat_coefficient_description: tuple[str, str],
    dtheta: float,
    dtheta_u: tuple[float, float],
    dtheta_description: tuple[str, str],
    dut_resolution_kwh: float,
    energy_description: str,
    pooled_sd_percent: float | None,
    cmc_percent: float | None,
    decision_rule: str,
) -> PointResult:
    """Energy error E = (Q_i + δ_res)/(V (1 + δ_V) · k_h (1 + δ_k) · (Δθ + δ_D)) − 1 + δ_rep (mean of runs).

    Shared by the complete meter (reference volume with its certificate) and the calculator on simulated
    signals (``volume`` a description only: a pulse count times the pulse weight is exact, no δ_V). The
    energy is read before and after each run, so its resolution is triangular with half-width one digit.

    Args:
        point: Label.
        mpe_value: MPE at the point, %.
        limit_verified: Whether the MPE formula is verified.
        indicated_kwh: Energy shown, kWh, per run.
        volume_l: Volume, L, per run.
        volume: ``(description, U %, k, source)`` of an uncertain volume, or the description of an exact one.
        heat_coefficient_kwh_m3k: k_h, kWh/(m³·K).
        heat_coefficient_u_percent: Relative standard uncertainty of k_h, %.
        heat_coefficient_description: (estimate, uncertainty) descriptions of k_h.
        dtheta: Δθ, K.
        dtheta_u: (U, k) of Δθ, K.
        dtheta_description: (estimate, uncertainty) descriptions of Δθ.
        dut_resolution_kwh: Resolution of the energy register, kWh.
        energy_description: Description of Q_i.
        pooled_sd_percent: Repeatability s of one run, %.
        cmc_percent: CMC (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: not one volume per energy reading, or a non-positive Δθ, k, volume or
            energy.
    """
    if not indicated_kwh or len(indicated_kwh) != len(volume_l):
        raise RecordValidationError(f"{CODE} {point}: give one volume per energy reading")
    if dtheta <= 0 or heat_coefficient_kwh_m3k <= 0 or min(volume_l) <= 0 or min(indicated_kwh) <= 0:
        raise RecordValidationError(f"{CODE} {point}: Δθ, k, volumes and energies must be > 0")
    refs = [v / 1000.0 * heat_coefficient_kwh_m3k * dtheta for v in volume_l]
    errors = [(i / r - 1.0) * 100.0 for i, r in zip(indicated_kwh, refs, strict=True)]
    mean_err = _mean(errors)
    e_i = _mean(indicated_kwh)
    exact_volume = isinstance(volume, str)
    volume_inputs: list[dict[str, Any]] = (
        [constant_input("V", _mean(volume_l), "L", volume)]
        if isinstance(volume, str)
        else [
            constant_input("V", _mean(volume_l), "L", volume[0]),
            normal_input("d_V", 0.0, "percent", volume[1], volume[2], volume[3]),
        ]
    )
    spec = {
        "measurand": {"name": "E", "unit": "percent"},
        "model": "(Q_i + d_res)/(V*"
        + ("" if exact_volume else "(1 + d_V)*")
        + "k_h*(1 + d_k)*(D + d_D)) - 1 + d_rep",
        "inputs": [
            constant_input("Q_i", e_i, "kWh", energy_description),
            triangular_input(
                "d_res", 0.0, "kWh", dut_resolution_kwh, "resolution of the energy register (start and end)"
            ),
            *volume_inputs,
            constant_input(
                "k_h", float(heat_coefficient_kwh_m3k), "kWh/(m**3*K)", heat_coefficient_description[0]
            ),
            {
                "name": "d_k",
                "value": 0.0,
                "unit": "percent",
                "distribution": "normal",
                "standard_uncertainty": float(heat_coefficient_u_percent),
                "description": heat_coefficient_description[1],
            },
            constant_input("D", float(dtheta), "K", dtheta_description[0]),
            normal_input("d_D", 0.0, "K", dtheta_u[0], dtheta_u[1], dtheta_description[1]),
            repeatability_input(
                "d_rep",
                [e - mean_err for e in errors],
                "percent",
                "repeatability of the runs",
                pooled_sd=pooled_sd_percent,
            ),
        ],
    }
    return finish_point(
        point=point,
        spec=spec,
        reference=_mean(refs),
        indication=e_i,
        unit="kWh",
        error_unit="%",
        mpe=mpe_value,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        limit_verified=limit_verified,
    )
