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

The uncertainty budgets of each point are in :mod:`calib_service.procedures.jjg225_budgets`; this module
holds the regulation's data (formulas, points, environment) and the MPE.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from calib_service.errors import RecordValidationError
from calib_service.procedures import common
from calib_service.procedures.common import (
    EnvLimit,
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
