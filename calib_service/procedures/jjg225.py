"""JJG 225-2024 heat meters: complete meter, or flow sensor / temperature-sensor pair / calculator.

MPE formulas (regulations.md §1, basis GB/T 32224-2015, OIML R 75, EN 1434; formulas and caps **not
verified** against JJG 225-2024), in % of the true value::

    complete meter    E = a_c + 4 Δθmin/Δθ + c qp/q    a_c = 2, 3, 4; c = 0.01, 0.02, 0.05 (class 1, 2, 3)
    flow sensor       E = a_f + c qp/q                a_f = 1, 2, 3; capped at 3.5, 5, 5 % in EN 1434
    temperature pair  E = 0.5 + 3 Δθmin/Δθ
    calculator        E = 0.5 + Δθmin/Δθ

Test points (EN 1434-5 / OIML R 75-2 as commonly quoted, U): flows qi ≤ q ≤ 1.1 qi,
0.1 qp ≤ q ≤ 0.11 qp, 0.9 qp ≤ q ≤ qp; temperature differences Δθmin ≤ Δθ ≤ 1.2 Δθmin,
10 K ≤ Δθ ≤ 20 K, Δθmax − 5 K ≤ Δθ ≤ Δθmax.

Uncertainty models (``docs/procedures/jjg225.md``): each sub-assembly and the complete meter are judged
on the relative error E = X_i/X_ref − 1 of their output X (volume, temperature difference, energy),
with the reference's certificate, both resolutions and the repeatability in the budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures import common
from calib_service.procedures.common import (
    EnvLimit,
    PointResult,
    constant_input,
    finish_point,
    normal_input,
    rect_input,
    repeatability_input,
    triangular_input,
)

__all__ = [
    "CLASSES",
    "CODE",
    "DATA_VERSION",
    "DTHETA_POINTS",
    "ENVIRONMENT",
    "FAMILY",
    "FLOW_POINTS",
    "FORMULAS",
    "IEC60751_A",
    "IEC60751_B",
    "KIND",
    "ROLES",
    "TITLE_EN",
    "TITLE_ZH",
    "FormulaRow",
    "check_environment",
    "dtheta_points",
    "energy_point",
    "evaluate_calculator",
    "evaluate_complete",
    "evaluate_flow_sensor",
    "evaluate_temperature_pair",
    "flow_points",
    "mpe",
    "pt_temperature",
]

CODE = "JJG 225-2024"
TITLE_ZH = "热量表检定规程"
TITLE_EN = "Verification Regulation of Heat Meters"
FAMILY = "heat"
DATA_VERSION = "2026.12-1"
#: Procedure kind stored with the record.
KIND = "verification"

#: Roles of a heat-meter bench: role → what it is.
ROLES: dict[str, str] = {
    "dut": "heat meter or sub-assembly under test: M-Bus / CJ/T 188 read-out or typed in",
    "reference": "reference volume: balance (MT-SICS) or reference flowmeter (Modbus)",
    "thermometers": "reference thermometers in the hot and cold baths (Modbus or SCPI)",
    "simulator": "resistance and pulse simulator for the calculator test",
    "climate": "ambient temperature and humidity",
}

_SRC = (
    "shared/domain/regulations.md §1 (JJG 225-2024 row: formulas U; basis GB/T 32224-2015, OIML R 75, "
    "EN 1434); not yet checked against JJG 225-2024"
)
_SRC_CAP = "EN 1434 flow-sensor caps as quoted in regulations.md §1 (U); check JJG 225-2024 for the same caps"
_SRC_POINTS = "EN 1434-5 / OIML R 75-2 test points as commonly quoted (U); check JJG 225-2024"

CLASSES: tuple[str, ...] = ("1", "2", "3")
PARTS: tuple[str, ...] = ("complete", "flow_sensor", "temperature_pair", "calculator")


@dataclass(frozen=True)
class FormulaRow:
    """MPE (± %) = a + b·Δθmin/Δθ + c·qp/q, capped at ``cap`` when given."""

    part: str
    accuracy_class: str
    a: float
    b: float
    c: float
    cap: float | None
    verified: bool
    source: str

    def evaluate(self, dtheta_ratio: float, flow_ratio: float, *, apply_cap: bool = True) -> float:
        """The MPE for Δθmin/Δθ = ``dtheta_ratio`` and qp/q = ``flow_ratio``.

        Args:
            dtheta_ratio: Δθmin/Δθ.
            flow_ratio: qp/q.
            apply_cap: Apply ``cap``.

        Returns:
            The MPE in %.
        """
        value = self.a + self.b * dtheta_ratio + self.c * flow_ratio
        if apply_cap and self.cap is not None:
            value = min(value, self.cap)
        return value


def _formulas() -> tuple[FormulaRow, ...]:
    rows = []
    for cls, a_c, a_f, c, cap in (
        ("1", 2.0, 1.0, 0.01, 3.5),
        ("2", 3.0, 2.0, 0.02, 5.0),
        ("3", 4.0, 3.0, 0.05, 5.0),
    ):
        rows.append(FormulaRow("complete", cls, a_c, 4.0, c, None, False, _SRC))
        rows.append(FormulaRow("flow_sensor", cls, a_f, 0.0, c, cap, False, f"{_SRC}; cap: {_SRC_CAP}"))
        rows.append(FormulaRow("temperature_pair", cls, 0.5, 3.0, 0.0, None, False, _SRC))
        rows.append(FormulaRow("calculator", cls, 0.5, 1.0, 0.0, None, False, _SRC))
    return tuple(rows)


FORMULAS: tuple[FormulaRow, ...] = _formulas()

#: Flow points as (label, low, high) fractions of qi or qp.
FLOW_POINTS: tuple[tuple[str, str, float, float], ...] = (
    ("qi", "qi", 1.0, 1.1),
    ("0.1qp", "qp", 0.1, 0.11),
    ("qp", "qp", 0.9, 1.0),
)
#: Temperature-difference points: (label, low, high) in K, with ``min``/``max`` relative to Δθmin/Δθmax.
DTHETA_POINTS: tuple[tuple[str, str], ...] = (
    ("Δθmin", "Δθmin ≤ Δθ ≤ 1.2 Δθmin"),
    ("10-20 K", "10 K ≤ Δθ ≤ 20 K"),
    ("Δθmax", "Δθmax − 5 K ≤ Δθ ≤ Δθmax"),
)

ENVIRONMENT: tuple[EnvLimit, ...] = (
    EnvLimit(
        "ambient_temperature",
        15.0,
        35.0,
        "degC",
        False,
        "EN 1434-5 / OIML R 75 reference conditions as commonly quoted (U); check JJG 225-2024",
    ),
    EnvLimit("relative_humidity", None, 85.0, "%", False, "design (I); check JJG 225-2024"),
    EnvLimit(
        "water_temperature",
        40.0,
        60.0,
        "degC",
        False,
        "flow-sensor test at (50 ± 5) °C per EN 1434-5 as commonly quoted (U); design range (I)",
        required=False,
    ),
)


def _row(part: str, accuracy_class: str) -> FormulaRow:
    if part not in PARTS:
        raise RecordValidationError(f"{CODE}: unknown part {part!r}; use one of {', '.join(PARTS)}")
    for row in FORMULAS:
        if row.part == part and row.accuracy_class == accuracy_class:
            return row
    raise RecordValidationError(
        f"accuracy class {accuracy_class!r} is not covered by {CODE}; use one of {', '.join(CLASSES)}"
    )


def mpe(
    part: str,
    accuracy_class: str,
    *,
    dtheta: float | None = None,
    dtheta_min: float | None = None,
    q: float | None = None,
    qp: float | None = None,
    apply_cap: bool = True,
) -> tuple[float, FormulaRow]:
    """MPE (± %) of a part at (Δθ, q).

    Args:
        part: ``complete``, ``flow_sensor``, ``temperature_pair`` or ``calculator``.
        accuracy_class: ``1``, ``2`` or ``3``.
        dtheta: Temperature difference Δθ, K (needed when the formula has a Δθ term).
        dtheta_min: Δθmin of the meter, K.
        q: Flow at the point.
        qp: Permanent flow of the meter (same unit as ``q``).
        apply_cap: Apply the EN 1434 flow-sensor cap (unverified for JJG 225-2024).

    Returns:
        The MPE and the formula row.

    Raises:
        RecordValidationError: a term the formula needs is missing or not positive.

    >>> round(mpe("complete", "2", dtheta=10, dtheta_min=3, q=1.5, qp=1.5)[0], 4)
    4.22
    """
    row = _row(part, accuracy_class)
    th = 0.0
    if row.b:
        if dtheta is None or dtheta_min is None or dtheta <= 0 or dtheta_min <= 0:
            raise RecordValidationError(
                f"{CODE} {part}: give Δθ > 0 and Δθmin > 0 K, got {dtheta}, {dtheta_min}"
            )
        th = dtheta_min / dtheta
    fl = 0.0
    if row.c:
        if q is None or qp is None or q <= 0 or qp <= 0:
            raise RecordValidationError(f"{CODE} {part}: give q > 0 and qp > 0, got q={q}, qp={qp}")
        fl = qp / q
    return row.evaluate(th, fl, apply_cap=apply_cap), row


def flow_points(qi: float, qp: float) -> tuple[tuple[str, float, float], ...]:
    """The flow test points as (label, low, high), in the unit of ``qi``/``qp``.

    Args:
        qi: Lower flow limit qi.
        qp: Permanent flow qp (same unit).

    Returns:
        (label, low, high) per point.

    >>> flow_points(0.006, 0.6)
    (('qi', 0.006, 0.0066), ('0.1qp', 0.06, 0.066), ('qp', 0.54, 0.6))
    """
    if not 0 < qi < qp:
        raise RecordValidationError(f"need 0 < qi < qp, got qi={qi}, qp={qp}")
    base = {"qi": qi, "qp": qp}
    return tuple(
        (label, round(lo * base[b], 12), round(hi * base[b], 12)) for label, b, lo, hi in FLOW_POINTS
    )


def dtheta_points(dtheta_min: float, dtheta_max: float) -> tuple[tuple[str, float, float], ...]:
    """The temperature-difference test points as (label, low, high) in K.

    Args:
        dtheta_min: Δθmin, K.
        dtheta_max: Δθmax, K.

    Returns:
        (label, low, high) per point.

    >>> dtheta_points(3, 70)
    (('Δθmin', 3.0, 3.6), ('10-20 K', 10.0, 20.0), ('Δθmax', 65.0, 70.0))
    """
    if not 0 < dtheta_min < dtheta_max:
        raise RecordValidationError(f"need 0 < Δθmin < Δθmax, got {dtheta_min}, {dtheta_max}")
    return (
        ("Δθmin", float(dtheta_min), round(1.2 * dtheta_min, 12)),
        ("10-20 K", 10.0, 20.0),
        ("Δθmax", float(dtheta_max) - 5.0, float(dtheta_max)),
    )


#: IEC 60751:2008 coefficients (the draft of JJG 225-2024 cites IEC 60751:2008 for platinum sensors; U).
IEC60751_A = 3.9083e-3
IEC60751_B = -5.775e-7


def pt_temperature(resistance_ohm: float, r0_ohm: float = 100.0) -> float:
    """Temperature (°C, 0–850 °C) of an IEC 60751 platinum sensor from its resistance.

    Inverts R = R0 (1 + A t + B t²) (the branch for t ≥ 0 °C, where heat meters work), so the Δθ
    indicated by a pair whose resistances the bench measured with a DMM can be computed as
    ``pt_temperature(r_hot, r0) − pt_temperature(r_cold, r0)``.

    Args:
        resistance_ohm: Measured resistance, Ω.
        r0_ohm: Nominal resistance at 0 °C (100 for Pt100, 500 for Pt500, 1000 for Pt1000).

    Returns:
        The temperature in °C.

    Raises:
        RecordValidationError: a resistance below R0 (below 0 °C) or a non-positive R0.

    >>> round(pt_temperature(138.5055), 3)
    100.0
    """
    if r0_ohm <= 0:
        raise RecordValidationError(f"R0 must be > 0 Ω, got {r0_ohm}")
    ratio = resistance_ohm / r0_ohm
    if ratio < 1.0:
        raise RecordValidationError(
            f"resistance {resistance_ohm:g} Ω is below R0 = {r0_ohm:g} Ω (below 0 °C): "
            "outside the heat-meter range"
        )
    a, b = IEC60751_A, IEC60751_B
    return float((-a + math.sqrt(a * a - 4 * b * (1 - ratio))) / (2 * b))


def check_environment(conditions: Mapping[str, float | None]) -> list[str]:
    """Problems with the recorded conditions.

    Args:
        conditions: Recorded values keyed by quantity (see ``ENVIRONMENT``).

    Returns:
        One message per problem; empty when all is within limits.
    """
    return common.check_environment(ENVIRONMENT, conditions)


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
    if not indicated_kwh or len(indicated_kwh) != len(reference_volume_l):
        raise RecordValidationError(f"{CODE} {point}: give one reference volume per energy reading")
    if dtheta <= 0 or heat_coefficient_kwh_m3k <= 0 or min(reference_volume_l) <= 0:
        raise RecordValidationError(f"{CODE} {point}: Δθ, k and volumes must be > 0")
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
    """
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
