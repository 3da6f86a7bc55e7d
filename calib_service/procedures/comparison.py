"""Calibration by direct comparison with a reference standard (JJF-style calibration specification).

For instruments without a verification regulation: the technician chooses the points; at each point
the standard and the instrument are read together n times. No pass/fail: the result is the error (and
its correction) with its expanded uncertainty, and no conformity statement unless the customer asks
for one against a stated specification (then pass ``mpe`` and the chosen rule).

Model at one point (``docs/procedures/comparison.md``)::

    E = D̄ + δ_res,x − C_s − δ_s − δ_res,s + Σ δ_extra          correction = −E

D̄ mean of the paired differences x_j − s_j (Type A: it carries the repeatability of both instruments
and of the source, which cancels in the pairs), C_s the correction of the standard from its
certificate, δ_s its calibration uncertainty (certificate valid on the day), δ_res resolutions
(rectangular, half a digit), δ_extra further terms the technician enters (drift of the standard
since calibration, uniformity of the bath or chamber, loading, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures.common import (
    PointResult,
    constant_input,
    finish_point,
    normal_input,
    rect_input,
    repeatability_input,
)

__all__ = [
    "CODE",
    "DATA_VERSION",
    "FAMILY",
    "KIND",
    "ROLES",
    "TITLE_EN",
    "TITLE_ZH",
    "ExtraTerm",
    "evaluate_point",
    "parse_points",
]

CODE = "JJF (comparison)"
TITLE_ZH = "直接比较法校准"
TITLE_EN = "Calibration by direct comparison with a reference standard"
FAMILY = "comparison"
DATA_VERSION = "2026.12-1"
#: Procedure kind stored with the record.
KIND = "calibration"

#: Roles of a comparison: role → what it is.
ROLES: dict[str, str] = {
    "standard": "reference standard (any driver, or typed in)",
    "dut": "instrument under calibration (any driver, or typed in)",
    "climate": "ambient temperature and humidity",
}

_DISTRIBUTIONS = ("rectangular", "triangular", "arcsine", "normal")


@dataclass(frozen=True)
class ExtraTerm:
    """An additional uncertainty term (value 0) the technician enters for the set-up.

    Attributes:
        name: Identifier (letters, digits, underscore).
        distribution: ``rectangular``, ``triangular``, ``arcsine`` (``size`` is the half-width) or
            ``normal`` (``size`` is the standard uncertainty).
        size: Half-width or standard uncertainty, in the unit of the point.
        description: Source of the figure.
    """

    name: str
    distribution: str
    size: float
    description: str

    def entry(self, unit: str) -> dict[str, Any]:
        """The spec entry.

        Args:
            unit: Unit of the point.

        Returns:
            The spec entry.

        Raises:
            RecordValidationError: a bad name, distribution or size.
        """
        if not self.name.isidentifier() or self.name.startswith("_"):
            raise RecordValidationError(
                f"extra term name {self.name!r} must be an identifier such as d_drift"
            )
        if self.distribution not in _DISTRIBUTIONS:
            raise RecordValidationError(
                f"extra term {self.name}: distribution {self.distribution!r} must be one of "
                f"{', '.join(_DISTRIBUTIONS)}"
            )
        if self.size < 0:
            raise RecordValidationError(f"extra term {self.name}: size must be ≥ 0, got {self.size}")
        entry: dict[str, Any] = {
            "name": self.name,
            "value": 0.0,
            "unit": unit,
            "distribution": self.distribution,
            "description": self.description,
        }
        entry["standard_uncertainty" if self.distribution == "normal" else "half_width"] = float(self.size)
        return entry


def parse_points(text: str) -> list[float]:
    """The points a technician typed, e.g. ``"0, 20, 50"`` or ``"0 20 50"``.

    Args:
        text: The points as typed.

    Returns:
        The points.

    Raises:
        RecordValidationError: an entry that is not a number, or no points.

    >>> parse_points("0, 20.5 50")
    [0.0, 20.5, 50.0]
    """
    parts = [p for p in text.replace(",", " ").replace(";", " ").split() if p]
    if not parts:
        raise RecordValidationError("no calibration points given; type them like '0, 20, 50'")
    out = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            raise RecordValidationError(f"calibration point {p!r} is not a number") from None
    return out


def evaluate_point(
    *,
    point: str,
    unit: str,
    standard_readings: Sequence[float],
    instrument_readings: Sequence[float],
    standard_u: float,
    standard_k: float,
    standard_correction: float = 0.0,
    standard_resolution: float = 0.0,
    instrument_resolution: float = 0.0,
    extra_terms: Sequence[ExtraTerm] = (),
    pooled_sd: float | None = None,
    cmc: float | None = None,
    mpe: float | None = None,
    decision_rule: str = "jjf1094",
) -> PointResult:
    """Error, correction and U at one calibration point.

    Args:
        point: Label (usually the nominal value with its unit).
        unit: Unit of all readings and of the result.
        standard_readings: Readings of the standard, paired with ``instrument_readings``.
        instrument_readings: Readings of the instrument under calibration.
        standard_u: Expanded uncertainty of the standard's certificate at this point (``unit``).
        standard_k: Its coverage factor.
        standard_correction: Correction of the standard from its certificate (``unit``).
        standard_resolution: Resolution of the standard's display.
        instrument_resolution: Resolution of the instrument's display.
        extra_terms: Further uncertainty terms.
        pooled_sd: Standard deviation of one paired difference from a prior study (needed for n = 1).
        cmc: CMC of the standard (U, k = 2) in ``unit``: the floor of U.
        mpe: A specification to judge against when the customer asks; None for no statement.
        decision_rule: Rule used with ``mpe``.

    Returns:
        The point result, with ``correction`` = −error and no decision unless ``mpe`` is given.

    Raises:
        RecordValidationError: unpaired readings, or bad terms.
    """
    n = len(standard_readings)
    if n == 0 or n != len(instrument_readings):
        raise RecordValidationError(
            f"{point}: give the standard and instrument readings in pairs ({n} vs {len(instrument_readings)})"
        )
    diffs = [x - s for x, s in zip(instrument_readings, standard_readings, strict=True)]
    extras = [t.entry(unit) for t in extra_terms]
    names = {"D", "d_res", "C_s", "d_s", "d_res_s"}
    for e in extras:
        if e["name"] in names:
            raise RecordValidationError(f"{point}: extra term name {e['name']!r} is reserved; rename it")
        names.add(e["name"])
    model = "D + d_res - C_s - d_s - d_res_s" + "".join(f" + {e['name']}" for e in extras)
    spec = {
        "measurand": {"name": "E", "unit": unit},
        "model": model,
        "inputs": [
            repeatability_input(
                "D", diffs, unit, "paired differences instrument − standard", pooled_sd=pooled_sd
            ),
            rect_input("d_res", 0.0, unit, instrument_resolution / 2.0, "resolution of the instrument"),
            constant_input(
                "C_s", float(standard_correction), unit, "correction of the standard from its certificate"
            ),
            normal_input("d_s", 0.0, unit, standard_u, standard_k, "standard, certificate valid on the day"),
            rect_input("d_res_s", 0.0, unit, standard_resolution / 2.0, "resolution of the standard"),
            *extras,
        ],
    }
    s_mean = sum(standard_readings) / n
    x_mean = sum(instrument_readings) / n
    return finish_point(
        point=point,
        spec=spec,
        reference=s_mean + standard_correction,
        indication=x_mean,
        unit=unit,
        error_unit=unit,
        mpe=mpe,
        cmc=cmc,
        decision_rule=decision_rule,
        calibration=mpe is None,
        limit_verified=None,
    )
