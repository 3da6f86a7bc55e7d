"""JJG 162-2019 cold potable-water meters: indication error at Q1, Q2, Q3 (Q4 optional).

Limits, flow ratios and test-flow ranges are versioned data; every row cites its source and carries a
``verified`` flag. The limit figures are those of OIML R 49:2013 as quoted in
``shared/domain/regulations.md`` §1 and are **not verified** against JJG 162-2019 itself (status U).

Two methods (``docs/procedures/jjg162.md``):

* gravimetric: V_ref = m_w (1 − ρa/ρ_c)/(ρw − ρa), water density from the Tanaka (2001) formula at the
  water temperature at the meter (:mod:`calib_service.procedures.water`);
* standard meter: V_ref = V_s (1 + δ_s) ρw(θ_s)/ρw(θ_m), a reference flowmeter corrected to the
  meter's water temperature.

In both, E = (V_i + δ_res)/V_ref − 1 + δ_rep (in %), with δ_rep the repeatability of the runs at the
point (Type A, or a pooled s when a point has one run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures import common, water
from calib_service.procedures.common import (
    EnvLimit,
    LimitRow,
    PointResult,
    constant_input,
    find_limit,
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
    "ENVIRONMENT",
    "FAMILY",
    "FLOW_POINTS",
    "IN_SERVICE_FACTOR",
    "KIND",
    "LIMITS",
    "ROLES",
    "ROUNDING_INTERVAL",
    "TITLE_EN",
    "TITLE_ZH",
    "FlowPoint",
    "GravimetricRun",
    "StandardMeterRun",
    "check_environment",
    "evaluate_gravimetric",
    "evaluate_standard_meter",
    "flow_points",
    "mpe_for",
    "zone_for",
]

CODE = "JJG 162-2019"
TITLE_ZH = "饮用冷水水表检定规程"
TITLE_EN = "Verification Regulation of Cold Potable Water Meters"
FAMILY = "water"
DATA_VERSION = "2026.12-1"
#: Procedure kind stored with the record: ``verification`` (检定证书 / 检定结果通知书) or
#: ``calibration`` (校准证书).
KIND = "verification"

#: Roles of a water-meter bench (``calib procedures``): role → what it is.
ROLES: dict[str, str] = {
    "dut": "meter under test: CJ/T 188 register read-out, or typed in",
    "balance": "weighing balance, MT-SICS (gravimetric method)",
    "reference": "reference flowmeter, Modbus register map or typed in (standard-meter method)",
    "thermometer": "water temperature at the meter (and at the reference), Modbus or typed in",
    "climate": "ambient temperature, humidity and pressure, sensor or typed in",
}

_SRC = (
    "OIML R 49-1:2013 as quoted in shared/domain/regulations.md §1 (JJG 162-2019 row, status U); "
    "not yet checked against JJG 162-2019"
)
_SRC_R49_2 = "OIML R 49-2:2013 test-flow ranges as commonly quoted (U); not yet checked against JJG 162-2019"
_SRC_ENV = "OIML R 49-1:2013 reference conditions as commonly quoted (U); check JJG 162-2019"

CLASSES: tuple[str, ...] = ("1", "2")

LIMITS: tuple[LimitRow, ...] = (
    LimitRow("upper_zone", "1", "Q2 ≤ Q ≤ Q4, water 0.1-30 °C", 1.0, "%", False, _SRC),
    LimitRow("upper_zone_hot", "1", "Q2 ≤ Q ≤ Q4, water > 30 °C", 2.0, "%", False, _SRC),
    LimitRow("lower_zone", "1", "Q1 ≤ Q < Q2", 3.0, "%", False, _SRC),
    LimitRow("upper_zone", "2", "Q2 ≤ Q ≤ Q4, water 0.1-30 °C", 2.0, "%", False, _SRC),
    LimitRow("upper_zone_hot", "2", "Q2 ≤ Q ≤ Q4, water > 30 °C", 3.0, "%", False, _SRC),
    LimitRow("lower_zone", "2", "Q1 ≤ Q < Q2", 5.0, "%", False, _SRC),
)

#: In-service check (使用中检查): about twice the MPE (regulations.md, U).
IN_SERVICE_FACTOR: tuple[float, bool, str] = (2.0, False, _SRC)

#: Rounding interval (化整间距) of the error, %: none known for JJG 162 (None = no rounding).
ROUNDING_INTERVAL: dict[str, tuple[float | None, bool, str]] = {
    c: (None, False, "no rounding interval found in the sources; check JJG 162-2019") for c in CLASSES
}

#: Q2/Q1 and Q4/Q3 (OIML R 49-1:2013, U); Q1 = Q3/R with R the meter's ratio.
Q2_OVER_Q1: tuple[float, bool, str] = (1.6, False, _SRC)
Q4_OVER_Q3: tuple[float, bool, str] = (1.25, False, _SRC)


@dataclass(frozen=True)
class FlowPoint:
    """A test flow: nominal value and the range the actual flow must fall in (same unit as Q3)."""

    label: str
    nominal: float
    low: float
    high: float
    zone: str


#: Test-flow ranges as fractions of the nominal flow: (label, low, high).
FLOW_POINTS: tuple[tuple[str, float, float], ...] = (
    ("Q1", 1.0, 1.1),
    ("Q2", 1.0, 1.1),
    ("Q3", 0.9, 1.0),
    ("Q4", 0.95, 1.0),
)

ENVIRONMENT: tuple[EnvLimit, ...] = (
    EnvLimit("ambient_temperature", 15.0, 25.0, "degC", False, _SRC_ENV),
    EnvLimit("relative_humidity", 45.0, 75.0, "%", False, _SRC_ENV),
    EnvLimit("atmospheric_pressure", 86.0, 106.0, "kPa", False, _SRC_ENV),
    EnvLimit(
        "water_temperature",
        0.1,
        40.0,
        "degC",
        False,
        "design (I): 0.1 °C lower end of the rated range; 40 °C the end of the density formula",
    ),
    EnvLimit(
        "water_temperature_change",
        None,
        5.0,
        "K",
        False,
        "OIML R 49-2 (U): change of water temperature during one test",
        required=False,
    ),
)


def _check_class(accuracy_class: str) -> None:
    if accuracy_class not in CLASSES:
        raise RecordValidationError(
            f"accuracy class {accuracy_class!r} is not covered by {CODE}; use one of {', '.join(CLASSES)}"
        )


def flow_points(q3: float, ratio: float, *, include_q4: bool = False) -> tuple[FlowPoint, ...]:
    """The test flows of a meter of permanent flow ``q3`` and ratio R = Q3/Q1.

    Args:
        q3: Permanent flow Q3 (any flow unit).
        ratio: R = Q3/Q1.
        include_q4: Add the optional Q4 point.

    Returns:
        The points in order Q1, Q2, Q3 (, Q4).

    >>> [(p.label, round(p.nominal, 4)) for p in flow_points(2.5, 100)]
    [('Q1', 0.025), ('Q2', 0.04), ('Q3', 2.5)]
    """
    if q3 <= 0 or ratio <= 1:
        raise RecordValidationError(f"Q3 must be > 0 and R = Q3/Q1 > 1, got Q3={q3}, R={ratio}")
    q1 = q3 / ratio
    nominal = {"Q1": q1, "Q2": Q2_OVER_Q1[0] * q1, "Q3": q3, "Q4": Q4_OVER_Q3[0] * q3}
    out = []
    for label, lo, hi in FLOW_POINTS:
        if label == "Q4" and not include_q4:
            continue
        q = nominal[label]
        out.append(FlowPoint(label, q, lo * q, hi * q, "lower" if label == "Q1" else "upper"))
    return tuple(out)


def zone_for(flow: float, q1: float, q2: float) -> str:
    """``lower`` for Q1 ≤ Q < Q2, ``upper`` for Q ≥ Q2 (flows below Q1 are out of range).

    Args:
        flow: Actual flow.
        q1: Q1 (same unit).
        q2: Q2 (same unit).

    Returns:
        ``lower`` or ``upper``.

    Raises:
        RecordValidationError: flow below Q1 (no limit applies).
    """
    if flow < q1 * (1 - 1e-9):
        raise RecordValidationError(f"flow {flow:g} is below Q1 = {q1:g}; no MPE applies below Q1")
    return "lower" if flow < q2 * (1 - 1e-12) else "upper"


def mpe_for(
    accuracy_class: str,
    flow: float,
    q1: float,
    q2: float,
    water_temperature_c: float,
    *,
    in_service: bool = False,
) -> tuple[float, LimitRow]:
    """MPE (± %) at ``flow``, with the limit row it comes from.

    The upper zone has one limit for water at 0.1–30 °C and a wider one above 30 °C; the lower zone
    one limit. For an in-service check the MPE is multiplied by :data:`IN_SERVICE_FACTOR`.

    Args:
        accuracy_class: ``1`` or ``2``.
        flow: Actual flow.
        q1: Q1 (same unit).
        q2: Q2 (same unit).
        water_temperature_c: Water temperature at the meter, °C.
        in_service: Use the in-service limits.

    Returns:
        MPE in % and its limit row.
    """
    _check_class(accuracy_class)
    zone = zone_for(flow, q1, q2)
    if zone == "lower":
        table = "lower_zone"
    else:
        table = "upper_zone_hot" if water_temperature_c > 30.0 else "upper_zone"
    row = find_limit(LIMITS, table, accuracy_class, CODE)
    factor = IN_SERVICE_FACTOR[0] if in_service else 1.0
    return row.value * factor, row


def check_environment(conditions: Mapping[str, float | None]) -> list[str]:
    """Problems with the recorded conditions (ambient temperature, humidity, pressure, water temperature).

    Args:
        conditions: Recorded values keyed by quantity (see ``ENVIRONMENT``).

    Returns:
        One message per problem; empty when all is within limits.
    """
    return common.check_environment(ENVIRONMENT, conditions)


@dataclass(frozen=True)
class GravimetricRun:
    """One run of the gravimetric method at a point.

    Attributes:
        meter_start_l: Register of the meter under test at the start, L.
        meter_end_l: Register at the end, L.
        balance_kg: Net balance indication for the collected water, kg.
        water_temperature_c: Water temperature at the meter, °C.
    """

    meter_start_l: float
    meter_end_l: float
    balance_kg: float
    water_temperature_c: float

    @property
    def indicated_l(self) -> float:
        """Volume shown by the meter, L."""
        return self.meter_end_l - self.meter_start_l


@dataclass(frozen=True)
class StandardMeterRun:
    """One run of the standard-meter method: volumes of the reference meter and of the meter under test."""

    reference_l: float
    meter_start_l: float
    meter_end_l: float
    reference_temperature_c: float
    meter_temperature_c: float

    @property
    def indicated_l(self) -> float:
        """Volume shown by the meter, L."""
        return self.meter_end_l - self.meter_start_l


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _rep(errors: Sequence[float], pooled_sd_percent: float | None) -> dict[str, Any]:
    mean = _mean(errors)
    return repeatability_input(
        "d_rep",
        [e - mean for e in errors],
        "percent",
        "repeatability of the runs at the point",
        pooled_sd=pooled_sd_percent,
    )


def _start_stop(u_percent: float) -> list[dict[str, Any]]:
    if u_percent < 0:
        raise RecordValidationError(f"start/stop uncertainty must be ≥ 0 %, got {u_percent}")
    if not u_percent:
        return []
    return [
        {
            "name": "d_ss",
            "value": 0.0,
            "unit": "percent",
            "distribution": "normal",
            "standard_uncertainty": float(u_percent),
            "description": "start/stop (diverter timing) effect",
        }
    ]


def _judge(
    point: str,
    flow: float,
    q1: float,
    q2: float,
    accuracy_class: str,
    water_t: float,
    in_service: bool,
    flags: list[str],
    flow_range: tuple[float, float] | None = None,
) -> tuple[float, LimitRow]:
    mpe, row = mpe_for(accuracy_class, flow, q1, q2, water_t, in_service=in_service)
    if flow_range is not None and not flow_range[0] * (1 - 1e-9) <= flow <= flow_range[1] * (1 + 1e-9):
        flags.append(
            f"{point}: actual flow {flow:g} outside the test-flow range {flow_range[0]:g} … {flow_range[1]:g}"
        )
    if water_t > 30.0:
        flags.append(f"water at {water_t:g} °C > 30 °C: the > 30 °C upper-zone limit applies")
    return mpe, row


def evaluate_gravimetric(
    *,
    point: str,
    flow: float,
    q1: float,
    q2: float,
    runs: Sequence[GravimetricRun],
    accuracy_class: str,
    dut_resolution_l: float,
    balance_u_kg: float,
    balance_k: float,
    balance_resolution_kg: float,
    air_density_kg_m3: float,
    air_density_u: float,
    thermometer_u_c: float,
    thermometer_k: float = 2.0,
    purity_half_width: float = 0.05,
    pooled_sd_percent: float | None = None,
    start_stop_u_percent: float = 0.0,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
    in_service: bool = False,
    flow_range: tuple[float, float] | None = None,
) -> PointResult:
    """Indication error at one flow by the gravimetric method.

    Args:
        point: Label (``Q1`` ...).
        flow: Actual flow of the runs (same unit as ``q1``, ``q2``), to choose the zone.
        q1: Q1 of the meter.
        q2: Q2 of the meter.
        runs: The runs at the point (at least 1; with 1 run, ``pooled_sd_percent`` is required).
        accuracy_class: ``1`` or ``2``.
        dut_resolution_l: Scale interval of the meter's register, L (start and end readings).
        balance_u_kg: Expanded uncertainty of the balance's calibration certificate, kg.
        balance_k: Its coverage factor.
        balance_resolution_kg: Balance scale interval d, kg (tare and gross readings).
        air_density_kg_m3: Air density (:func:`water.air_density`).
        air_density_u: Its standard uncertainty, kg/m³.
        thermometer_u_c: Expanded uncertainty of the water thermometer, °C.
        thermometer_k: Its coverage factor.
        purity_half_width: Half-width of the deviation of the bench's water from SMOW, kg/m³ (design
            default 0.05; measure the water's density to reduce it).
        pooled_sd_percent: Repeatability standard deviation of one run, % (needed for a single run).
        start_stop_u_percent: Standard uncertainty of the start/stop (diverter timing, flying start) effect,
            % of the volume; 0 for the standing start-stop method.
        cmc_percent: CMC of the standard as U (k = 2), %: the floor of U.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        in_service: Judge against the in-service limits.
        flow_range: The point's accepted flow range (``FlowPoint.low``, ``.high``); outside it the
            point is flagged.

    Returns:
        The point result (error in %).

    Raises:
        RecordValidationError: no runs, non-positive volumes, temperatures outside the formula's range.
    """
    if not runs:
        raise RecordValidationError(f"{CODE} {point}: no runs given; run the point at least once")
    errors = []
    for r in runs:
        if r.indicated_l <= 0 or r.balance_kg <= 0:
            raise RecordValidationError(
                f"{CODE} {point}: indicated volume {r.indicated_l:g} L and mass {r.balance_kg:g} kg "
                "must be > 0"
            )
        v_ref = water.gravimetric_volume(r.balance_kg, r.water_temperature_c, air_density_kg_m3) * 1000.0
        errors.append((r.indicated_l / v_ref - 1.0) * 100.0)
    t_mean = _mean([r.water_temperature_c for r in runs])
    v_i = _mean([r.indicated_l for r in runs])
    m_w = _mean([r.balance_kg for r in runs])
    rho_w = water.water_density(t_mean)
    slope = abs(water.water_density_slope(t_mean))
    spec = {
        "measurand": {"name": "E", "unit": "percent"},
        "model": (
            "(V_i + d_res)/((m + d_m + d_bal)*(1 - rho_a/rho_c)/(rho_w + d_rho_t + d_rho_p - rho_a))"
            " - 1 + d_rep" + (" + d_ss" if start_stop_u_percent else "")
        ),
        "inputs": [
            constant_input("V_i", v_i, "L", "volume indicated by the meter (mean of the runs)"),
            triangular_input(
                "d_res",
                0.0,
                "L",
                float(dut_resolution_l),
                "resolution of the meter's register (start and end readings)",
            ),
            constant_input("m", m_w, "kg", "balance indication (mean of the runs)"),
            normal_input("d_m", 0.0, "kg", balance_u_kg, balance_k, "balance, calibration certificate"),
            triangular_input(
                "d_bal", 0.0, "kg", float(balance_resolution_kg), "balance resolution (tare and gross)"
            ),
            {
                "name": "rho_a",
                "value": float(air_density_kg_m3),
                "unit": "kg/m**3",
                "distribution": "normal",
                "standard_uncertainty": float(air_density_u),
                "description": water.OIML_R111_SOURCE,
            },
            constant_input(
                "rho_c",
                water.CONVENTIONAL_WEIGHT_DENSITY,
                "kg/m**3",
                "conventional density of the reference weights",
            ),
            {
                "name": "rho_w",
                "value": rho_w,
                "unit": "kg/m**3",
                "distribution": "normal",
                "standard_uncertainty": water.TANAKA_U_FORMULA,
                "description": f"water density at {t_mean:.2f} °C, {water.TANAKA_SOURCE}",
            },
            normal_input(
                "d_rho_t",
                0.0,
                "kg/m**3",
                slope * thermometer_u_c,
                thermometer_k,
                f"water temperature measurement (|dρ/dθ| = {slope:.4f} kg/m³/K)",
            ),
            rect_input(
                "d_rho_p", 0.0, "kg/m**3", purity_half_width, "bench water vs SMOW (purity, dissolved air)"
            ),
            _rep(errors, pooled_sd_percent),
            *_start_stop(start_stop_u_percent),
        ],
    }
    flags: list[str] = []
    mpe, row = _judge(point, flow, q1, q2, accuracy_class, t_mean, in_service, flags, flow_range)
    v_ref_mean = v_i / (1.0 + _mean(errors) / 100.0)
    return finish_point(
        point=point,
        spec=spec,
        reference=v_ref_mean,
        indication=v_i,
        unit="L",
        error_unit="%",
        mpe=mpe,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        rounding_interval=ROUNDING_INTERVAL[accuracy_class][0],
        limit_verified=row.verified,
        flags=flags,
    )


def evaluate_standard_meter(
    *,
    point: str,
    flow: float,
    q1: float,
    q2: float,
    runs: Sequence[StandardMeterRun],
    accuracy_class: str,
    dut_resolution_l: float,
    reference_u_percent: float,
    reference_k: float,
    reference_resolution_l: float,
    thermometer_u_c: float,
    thermometer_k: float = 2.0,
    pooled_sd_percent: float | None = None,
    start_stop_u_percent: float = 0.0,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
    in_service: bool = False,
    flow_range: tuple[float, float] | None = None,
) -> PointResult:
    """Indication error at one flow by the standard-meter (master meter) method.

    V_ref = V_s (1 + δ_s) ρw(θ_s)/ρw(θ_m): the reference meter's volume at its water temperature θ_s
    carried to the meter under test at θ_m (same mass of water). The two temperature measurements are
    taken as independent (different thermometers).

    Args:
        point: Label.
        flow: Actual flow (same unit as ``q1``, ``q2``).
        q1: Q1 of the meter.
        q2: Q2 of the meter.
        runs: The runs at the point.
        accuracy_class: ``1`` or ``2``.
        dut_resolution_l: Scale interval of the meter, L.
        reference_u_percent: Expanded uncertainty of the reference meter's certificate, % of volume.
        reference_k: Its coverage factor.
        reference_resolution_l: Resolution of the reference volume (pulse weight or display), L.
        thermometer_u_c: Expanded uncertainty of each water thermometer, °C.
        thermometer_k: Its coverage factor.
        pooled_sd_percent: Repeatability standard deviation of one run, % (needed for one run).
        start_stop_u_percent: Standard uncertainty of the start/stop effect, % of the volume.
        cmc_percent: CMC of the standard (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        in_service: Judge against the in-service limits.
        flow_range: The point's accepted flow range (``FlowPoint.low``, ``.high``); outside it the
            point is flagged.

    Raises:
        RecordValidationError: no runs, non-positive volumes.
    """
    if not runs:
        raise RecordValidationError(f"{CODE} {point}: no runs given; run the point at least once")
    errors = []
    for r in runs:
        if r.indicated_l <= 0 or r.reference_l <= 0:
            raise RecordValidationError(
                f"{CODE} {point}: volumes must be > 0, got meter {r.indicated_l:g} L, "
                f"reference {r.reference_l:g} L"
            )
        v_ref = (
            r.reference_l
            * water.water_density(r.reference_temperature_c)
            / water.water_density(r.meter_temperature_c)
        )
        errors.append((r.indicated_l / v_ref - 1.0) * 100.0)
    t_s = _mean([r.reference_temperature_c for r in runs])
    t_m = _mean([r.meter_temperature_c for r in runs])
    v_i = _mean([r.indicated_l for r in runs])
    v_s = _mean([r.reference_l for r in runs])
    rho_s, rho_m = water.water_density(t_s), water.water_density(t_m)
    spec = {
        "measurand": {"name": "E", "unit": "percent"},
        "model": (
            "(V_i + d_res)/((V_s + d_res_s)*(1 + d_s)*(rho_s + d_rho_s)/(rho_m + d_rho_m)) - 1 + d_rep"
            + (" + d_ss" if start_stop_u_percent else "")
        ),
        "inputs": [
            constant_input("V_i", v_i, "L", "volume indicated by the meter (mean of the runs)"),
            triangular_input(
                "d_res", 0.0, "L", float(dut_resolution_l), "resolution of the meter (start and end)"
            ),
            constant_input("V_s", v_s, "L", "volume of the reference meter (mean of the runs)"),
            triangular_input(
                "d_res_s",
                0.0,
                "L",
                float(reference_resolution_l),
                "resolution of the reference totaliser (start and end)",
            ),
            normal_input(
                "d_s",
                0.0,
                "percent",
                reference_u_percent,
                reference_k,
                "reference meter, calibration certificate valid on the day",
            ),
            constant_input(
                "rho_s",
                rho_s,
                "kg/m**3",
                f"water density at the reference ({t_s:.2f} °C), {water.TANAKA_SOURCE}",
            ),
            normal_input(
                "d_rho_s",
                0.0,
                "kg/m**3",
                abs(water.water_density_slope(t_s)) * thermometer_u_c,
                thermometer_k,
                "water temperature at the reference meter",
            ),
            constant_input("rho_m", rho_m, "kg/m**3", f"water density at the meter ({t_m:.2f} °C)"),
            normal_input(
                "d_rho_m",
                0.0,
                "kg/m**3",
                abs(water.water_density_slope(t_m)) * thermometer_u_c,
                thermometer_k,
                "water temperature at the meter under test",
            ),
            _rep(errors, pooled_sd_percent),
            *_start_stop(start_stop_u_percent),
        ],
    }
    flags: list[str] = []
    mpe, row = _judge(point, flow, q1, q2, accuracy_class, t_m, in_service, flags, flow_range)
    return finish_point(
        point=point,
        spec=spec,
        reference=v_i / (1.0 + _mean(errors) / 100.0),
        indication=v_i,
        unit="L",
        error_unit="%",
        mpe=mpe,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        rounding_interval=ROUNDING_INTERVAL[accuracy_class][0],
        limit_verified=row.verified,
        flags=flags,
    )
