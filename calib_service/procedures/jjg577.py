"""JJG 577 diaphragm gas meters: error at qmin, qt (= 0.1 qmax) and qmax; pressure loss; cyclic volume.

The limit figures are those of OIML R 137 / GB/T 6968 as quoted in ``shared/domain/regulations.md`` §1
and are **not verified** against JJG 577 itself (status U). The reference is a bell prover (its
volume typed in from the scale, no serial line) or a reference meter.

Uncertainty model (``docs/procedures/jjg577.md``): the reference volume is carried to the meter's
conditions with the ideal-gas law (same dry air at both places)::

    V_ref = V_s (1 + δ_s) · (p_a + Δp_s)/(p_a + Δp_m) · T_m/T_s
    E     = (V_i + δ_res)/V_ref − 1 + δ_rep            (in %)

V_s prover (or reference meter) volume, δ_s its relative error (certificate U valid on the day), p_a
barometric pressure, Δp_s and Δp_m gauge pressures at the prover and at the meter, T_s and T_m gas
temperatures there, δ_res resolution of the meter's register (start and end readings), δ_rep the
repeatability of the runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from calib_service.errors import RecordValidationError
from calib_service.procedures import common
from calib_service.procedures.common import (
    CheckResult,
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
    "CYCLIC_VOLUME_LIMIT",
    "DATA_VERSION",
    "ENVIRONMENT",
    "FAMILY",
    "KIND",
    "LIMITS",
    "PRESSURE_LOSS_LIMITS",
    "QT_OVER_QMAX",
    "ROLES",
    "ROUNDING_INTERVAL",
    "TITLE_EN",
    "TITLE_ZH",
    "FlowPoint",
    "GasRun",
    "check_cyclic_volume",
    "check_environment",
    "check_pressure_loss",
    "evaluate_point",
    "flow_points",
    "mpe_for",
]

CODE = "JJG 577-2012"
TITLE_ZH = "膜式燃气表检定规程"
TITLE_EN = "Verification Regulation of Diaphragm Gas Meters"
FAMILY = "gas"
DATA_VERSION = "2026.12-2"
#: Procedure kind stored with the record.
KIND = "verification"

#: Roles of a gas-meter bench: role → what it is.
ROLES: dict[str, str] = {
    "dut": "gas meter under test: register (test drum) typed in or read optically",
    "reference": "bell prover (scale typed in, no serial line) or reference meter (Modbus)",
    "barometer": "barometric pressure",
    "gauges": "gauge pressure at the prover and at the meter",
    "thermometers": "gas temperature in the prover and at the meter",
    "climate": "ambient temperature and humidity",
}

_SRC = (
    "OIML R 137 / GB/T 6968 as quoted in shared/domain/regulations.md §1 (JJG 577 row, status U); "
    "not yet checked against JJG 577"
)
CLASSES: tuple[str, ...] = ("1.0", "1.5")

LIMITS: tuple[LimitRow, ...] = (
    LimitRow("low_flow", "1.5", "qmin ≤ q < qt", 3.0, "%", False, _SRC),
    LimitRow("high_flow", "1.5", "qt ≤ q ≤ qmax", 1.5, "%", False, _SRC),
    LimitRow("low_flow", "1.0", "qmin ≤ q < qt", 2.0, "%", False, _SRC),
    LimitRow("high_flow", "1.0", "qt ≤ q ≤ qmax", 1.0, "%", False, _SRC),
)

_SRC_PL = (
    "design (I), after the maximum pressure absorption of EN 1359 as remembered, not read: "
    "regulations.md §1 names pressure loss a JJG 577 item but gives no limit; enter JJG 577-2012's figure"
)
#: Pressure loss (total pressure absorption) at qmax, by qmax: (largest qmax in m³/h, limit row).
PRESSURE_LOSS_LIMITS: tuple[tuple[float, LimitRow], ...] = (
    (16.0, LimitRow("pressure_loss", "all", "qmax ≤ 16 m³/h, air at qmax", 200.0, "Pa", False, _SRC_PL)),
    (40.0, LimitRow("pressure_loss", "all", "16 < qmax ≤ 40 m³/h", 300.0, "Pa", False, _SRC_PL)),
    (160.0, LimitRow("pressure_loss", "all", "40 < qmax ≤ 160 m³/h", 400.0, "Pa", False, _SRC_PL)),
)
#: Deviation of the measured cyclic volume from the one marked on the meter.
CYCLIC_VOLUME_LIMIT = LimitRow(
    "cyclic_volume",
    "all",
    "measured volume per cycle vs the marked V",
    5.0,
    "%",
    False,
    "design (I), after EN 1359 as remembered, not read: regulations.md §1 names cyclic volume a JJG 577 "
    "item but gives no limit; enter JJG 577-2012's figure",
)

#: qt/qmax (regulations.md: qt ≈ 0.1 qmax; U).
QT_OVER_QMAX: tuple[float, bool, str] = (0.1, False, _SRC)

#: Tolerance of the actual test flow around the nominal one (design default, I).
FLOW_TOLERANCE: tuple[float, bool, str] = (0.05, False, "design (I): ±5 % of the nominal test flow")

ROUNDING_INTERVAL: dict[str, tuple[float | None, bool, str]] = {
    c: (None, False, "no rounding interval found in the sources; check JJG 577") for c in CLASSES
}

_SRC_ENV = "shared/domain/regulations.md §1: bell-prover conditions about 18-22 °C (qmax ≤ 10 m³/h), U"
ENVIRONMENT: tuple[EnvLimit, ...] = (
    EnvLimit("ambient_temperature", 18.0, 22.0, "degC", False, _SRC_ENV),
    EnvLimit("relative_humidity", None, 85.0, "%", False, "design (I): no condensation on the prover"),
    EnvLimit(
        "gas_temperature_difference",
        None,
        1.0,
        "K",
        False,
        "design (I): gas at prover vs meter; keep small so the ideal-gas correction holds",
        required=False,
    ),
)


@dataclass(frozen=True)
class FlowPoint:
    """A test flow with the range of actual flow accepted (m³/h)."""

    label: str
    nominal: float
    low: float
    high: float


def flow_points(qmin: float, qmax: float) -> tuple[FlowPoint, ...]:
    """The test flows qmin, qt = 0.1 qmax and qmax.

    Args:
        qmin: Minimum flow, m³/h.
        qmax: Maximum flow, m³/h.

    Returns:
        qmin, qt and qmax.

    >>> [(f.label, f.nominal) for f in flow_points(0.04, 6.0)]
    [('qmin', 0.04), ('qt', 0.6000000000000001), ('qmax', 6.0)]
    """
    if not 0 < qmin < qmax:
        raise RecordValidationError(f"need 0 < qmin < qmax, got qmin={qmin}, qmax={qmax}")
    tol = FLOW_TOLERANCE[0]
    out = []
    for label, q in (("qmin", qmin), ("qt", QT_OVER_QMAX[0] * qmax), ("qmax", qmax)):
        out.append(FlowPoint(label, q, q * (1 - tol) if label != "qmin" else q, min(q * (1 + tol), qmax)))
    return tuple(out)


def mpe_for(accuracy_class: str, flow: float, qmin: float, qmax: float) -> tuple[float, LimitRow]:
    """MPE (± %) at ``flow`` for a meter of ``qmin``/``qmax``.

    Args:
        accuracy_class: ``1.0`` or ``1.5``.
        flow: Actual flow, m³/h.
        qmin: qmin, m³/h.
        qmax: qmax, m³/h.

    Returns:
        MPE in % and its limit row.

    Raises:
        RecordValidationError: unknown class, or a flow outside qmin … qmax (a 5 % margin above qmax).
    """
    if accuracy_class not in CLASSES:
        raise RecordValidationError(
            f"accuracy class {accuracy_class!r} is not covered by {CODE}; use one of {', '.join(CLASSES)}"
        )
    if flow < qmin * (1 - 1e-9) or flow > qmax * (1 + FLOW_TOLERANCE[0]):
        raise RecordValidationError(f"flow {flow:g} m³/h is outside qmin {qmin:g} … qmax {qmax:g} m³/h")
    qt = QT_OVER_QMAX[0] * qmax
    table = "low_flow" if flow < qt * (1 - 1e-9) else "high_flow"
    row = find_limit(LIMITS, table, accuracy_class, CODE)
    return row.value, row


def check_environment(conditions: Mapping[str, float | None]) -> list[str]:
    """Problems with the recorded conditions (ambient temperature, humidity, gas temperature difference).

    Args:
        conditions: Recorded values keyed by quantity (see ``ENVIRONMENT``).

    Returns:
        One message per problem; empty when all is within limits.
    """
    return common.check_environment(ENVIRONMENT, conditions)


@dataclass(frozen=True)
class GasRun:
    """One run: meter register start/end (dm³ = L), reference volume, pressures and temperatures.

    Attributes:
        meter_start_l: Register of the meter at the start, L.
        meter_end_l: Register at the end, L.
        reference_l: Volume delivered by the prover (or reference meter) at its conditions, L.
        barometric_kpa: Barometric pressure, kPa.
        prover_gauge_kpa: Gauge pressure at the prover, kPa.
        meter_gauge_kpa: Gauge pressure at the meter inlet, kPa.
        prover_temperature_c: Gas temperature in the prover, °C.
        meter_temperature_c: Gas temperature at the meter, °C.
    """

    meter_start_l: float
    meter_end_l: float
    reference_l: float
    barometric_kpa: float
    prover_gauge_kpa: float
    meter_gauge_kpa: float
    prover_temperature_c: float
    meter_temperature_c: float

    @property
    def indicated_l(self) -> float:
        """Volume shown by the meter, L."""
        return self.meter_end_l - self.meter_start_l

    def reference_at_meter_l(self) -> float:
        """The reference volume at the meter's pressure and temperature, L."""
        p_s = self.barometric_kpa + self.prover_gauge_kpa
        p_m = self.barometric_kpa + self.meter_gauge_kpa
        return (
            self.reference_l
            * p_s
            / p_m
            * (self.meter_temperature_c + 273.15)
            / (self.prover_temperature_c + 273.15)
        )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def evaluate_point(
    *,
    point: str,
    flow: float,
    qmin: float,
    qmax: float,
    runs: Sequence[GasRun],
    accuracy_class: str,
    dut_resolution_l: float,
    reference_u_percent: float,
    reference_k: float,
    reference_resolution_l: float,
    barometer_u_kpa: float,
    gauge_u_kpa: float,
    thermometer_u_c: float,
    instrument_k: float = 2.0,
    pooled_sd_percent: float | None = None,
    cmc_percent: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Indication error of a diaphragm gas meter at one flow.

    Args:
        point: Label (``qmin``, ``qt``, ``qmax``).
        flow: Actual flow, m³/h.
        qmin: qmin of the meter, m³/h.
        qmax: qmax of the meter, m³/h.
        runs: The runs at the point (one run needs ``pooled_sd_percent``).
        accuracy_class: ``1.0`` or ``1.5``.
        dut_resolution_l: Scale interval of the meter's register (test drum), L.
        reference_u_percent: Expanded uncertainty of the prover's (reference meter's) certificate, %.
        reference_k: Its coverage factor.
        reference_resolution_l: Reading resolution of the prover scale, L.
        barometer_u_kpa: Expanded uncertainty of the barometer, kPa.
        gauge_u_kpa: Expanded uncertainty of each gauge-pressure reading, kPa.
        thermometer_u_c: Expanded uncertainty of each gas thermometer, °C.
        instrument_k: Coverage factor of the three instrument uncertainties above.
        pooled_sd_percent: Repeatability standard deviation of one run, %.
        cmc_percent: CMC of the standard (U, k = 2), %.
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.

    Raises:
        RecordValidationError: no runs or non-positive volumes.
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
        errors.append((r.indicated_l / r.reference_at_meter_l() - 1.0) * 100.0)
    mean_err = _mean(errors)
    v_i = _mean([r.indicated_l for r in runs])
    spec = {
        "measurand": {"name": "E", "unit": "percent"},
        "model": "(V_i + d_res)/((V_s + d_res_s)*(1 + d_s)*(p_a + dp_s)/(p_a + dp_m)*T_m/T_s) - 1 + d_rep",
        "inputs": [
            constant_input("V_i", v_i, "L", "volume indicated by the meter (mean of the runs)"),
            triangular_input(
                "d_res", 0.0, "L", float(dut_resolution_l), "resolution of the meter (start and end)"
            ),
            constant_input(
                "V_s", _mean([r.reference_l for r in runs]), "L", "volume of the prover (mean of the runs)"
            ),
            rect_input(
                "d_res_s", 0.0, "L", float(reference_resolution_l) / 2.0, "reading of the prover scale"
            ),
            normal_input(
                "d_s",
                0.0,
                "percent",
                reference_u_percent,
                reference_k,
                "prover / reference meter, certificate valid on the day",
            ),
            normal_input(
                "p_a",
                _mean([r.barometric_kpa for r in runs]),
                "kPa",
                barometer_u_kpa,
                instrument_k,
                "barometer",
            ),
            normal_input(
                "dp_s",
                _mean([r.prover_gauge_kpa for r in runs]),
                "kPa",
                gauge_u_kpa,
                instrument_k,
                "gauge pressure at the prover",
            ),
            normal_input(
                "dp_m",
                _mean([r.meter_gauge_kpa for r in runs]),
                "kPa",
                gauge_u_kpa,
                instrument_k,
                "gauge pressure at the meter",
            ),
            normal_input(
                "T_m",
                _mean([r.meter_temperature_c for r in runs]) + 273.15,
                "K",
                thermometer_u_c,
                instrument_k,
                "gas temperature at the meter",
            ),
            normal_input(
                "T_s",
                _mean([r.prover_temperature_c for r in runs]) + 273.15,
                "K",
                thermometer_u_c,
                instrument_k,
                "gas temperature in the prover",
            ),
            repeatability_input(
                "d_rep",
                [e - mean_err for e in errors],
                "percent",
                "repeatability of the runs at the point",
                pooled_sd=pooled_sd_percent,
            ),
        ],
    }
    mpe, row = mpe_for(accuracy_class, flow, qmin, qmax)
    return finish_point(
        point=point,
        spec=spec,
        reference=v_i / (1.0 + mean_err / 100.0),
        indication=v_i,
        unit="L",
        error_unit="%",
        mpe=mpe,
        cmc=cmc_percent,
        decision_rule=decision_rule,
        rounding_interval=ROUNDING_INTERVAL[accuracy_class][0],
        limit_verified=row.verified,
    )


def check_pressure_loss(qmax: float, pressure_loss_pa: float) -> CheckResult:
    """Pressure loss across the meter with air at qmax against the limit for its size.

    Args:
        qmax: Maximum flow, m³/h (selects the limit row).
        pressure_loss_pa: Differential pressure measured across the meter, Pa.

    Returns:
        The check (Pa).

    Raises:
        RecordValidationError: a negative pressure loss, or a qmax outside the table (> 160 m³/h).

    >>> check_pressure_loss(6.0, 120.0).decision, check_pressure_loss(6.0, 230.0).decision
    ('pass', 'fail')
    """
    if pressure_loss_pa < 0:
        raise RecordValidationError(f"{CODE}: pressure loss must be >= 0 Pa, got {pressure_loss_pa:g}")
    for largest, row in PRESSURE_LOSS_LIMITS:
        if qmax <= largest:
            return CheckResult.judge("pressure_loss", pressure_loss_pa, "Pa", row)
    raise RecordValidationError(
        f"{CODE}: no pressure-loss limit for qmax = {qmax:g} m³/h (the table ends at "
        f"{PRESSURE_LOSS_LIMITS[-1][0]:g} m³/h, the scope of the regulation's revision)"
    )


def check_cyclic_volume(marked_l: float, measured_l: float, cycles: int) -> CheckResult:
    """Measured cyclic volume (volume over ``cycles`` cycles of the measuring element) vs the marked one.

    Args:
        marked_l: Cyclic volume V marked on the meter, L.
        measured_l: Volume that passed the meter in ``cycles`` cycles, at the meter's conditions, L.
        cycles: Number of whole cycles counted.

    Returns:
        The check: (measured_l / cycles / marked_l − 1) × 100 %.

    Raises:
        RecordValidationError: non-positive volumes or cycle count.

    >>> round(check_cyclic_volume(1.2, 12.3, 10).value, 6), check_cyclic_volume(1.2, 12.3, 10).decision
    (2.5, 'pass')
    """
    if marked_l <= 0 or measured_l <= 0 or cycles < 1:
        raise RecordValidationError(
            f"{CODE}: cyclic volume needs a marked V > 0, a measured volume > 0 and at least one cycle "
            f"(got {marked_l:g} L, {measured_l:g} L, {cycles} cycles)"
        )
    deviation = (measured_l / cycles / marked_l - 1.0) * 100.0
    return CheckResult.judge("cyclic_volume", deviation, "%", CYCLIC_VOLUME_LIMIT)
