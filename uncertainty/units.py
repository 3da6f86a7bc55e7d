"""Units at the edge of the engine: parse a unit text once, remember its conversion to SI base units.

The numerical core never sees pint objects. Each input magnitude is mapped to SI base units by
``x_base = factor * x + offset`` (``offset`` is non-zero only for offset units such as ``degC``), the
model is evaluated on base magnitudes, and the result is mapped back into the measurand's unit.
All units come from :func:`pint.get_application_registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pint

from uncertainty.errors import InvalidInputError

__all__ = ["UnitInfo", "internal_factors", "registry", "unit_info"]


def registry() -> Any:
    """The application unit registry shared by the whole project.

    Returns:
        The registry returned by :func:`pint.get_application_registry`.

    Example:
        >>> str(registry().Quantity(1.0, "nm").to("m").units)
        'meter'
    """
    return pint.get_application_registry()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class UnitInfo:
    """A parsed unit and its affine map to SI base units.

    Attributes:
        text: The unit as written by the user (``""`` for dimensionless).
        unit: The pint unit object.
        label: Canonical short label used in reports and JSON (``"nm"``, ``"1/K"``).
        factor: Multiplier to SI base magnitudes.
        offset: Additive offset to SI base magnitudes (non-zero only for offset units).
        dimensionality: pint dimensionality text, used to compare units.
        dims: The dimensionality as ``(dimension, exponent)`` pairs.
    """

    text: str
    unit: Any
    label: str
    factor: float
    offset: float
    dimensionality: str
    dims: tuple[tuple[str, float], ...] = ()

    @property
    def is_offset(self) -> bool:
        """True for offset units such as ``degC`` (they cannot be multiplied)."""
        return self.offset != 0.0


@lru_cache(maxsize=4096)
def unit_info(text: str | None, *, what: str = "unit") -> UnitInfo:
    """Parse ``text`` with the application registry and compute its conversion to base units.

    Args:
        text: A unit expression understood by pint (``"nm"``, ``"1/K"``, ``"mg"``, ``"percent"``);
            ``None`` or ``""`` means dimensionless.
        what: What the unit belongs to, for the error message (e.g. ``"input 'l_s'"``).

    Returns:
        The cached :class:`UnitInfo`.

    Raises:
        InvalidInputError: The text is not a unit pint knows.

    Example:
        >>> info = unit_info("mm")
        >>> info.factor, info.offset, info.label
        (0.001, 0.0, 'mm')
        >>> unit_info("degC").offset
        273.15
    """
    ureg = registry()
    raw = "" if text is None else str(text).strip()
    try:
        unit = ureg.parse_units(raw) if raw else ureg.dimensionless
        zero = ureg.Quantity(0.0, unit).to_base_units()
        one = ureg.Quantity(1.0, unit).to_base_units()
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError) as exc:
        raise InvalidInputError(
            f"{what}: unknown unit {raw!r} ({exc}); write a unit pint understands, e.g. 'nm', 'mg', '1/K'"
        ) from None
    offset = float(zero.magnitude)
    factor = float(one.magnitude) - offset
    label = raw if raw else ""
    return UnitInfo(
        text=raw,
        unit=unit,
        label=label,
        factor=factor,
        offset=offset,
        dimensionality=str(unit.dimensionality),
        dims=tuple(sorted((str(k), float(v)) for k, v in dict(unit.dimensionality).items())),
    )


def internal_factors(infos: list[UnitInfo]) -> list[float]:
    """Factors to a consistent internal unit system that keeps the first units' magnitudes exact.

    Any choice of one scale per base dimension is consistent (products, quotients and sums of like
    quantities map homomorphically). Scales are taken from the units in order, so when the measurand
    comes first and is in nm, nm magnitudes are used unchanged and no rounding noise appears.

    Args:
        infos: Units, most important first (the measurand, then the inputs).

    Returns:
        Per unit, the multiplier from that unit to internal magnitudes (offsets are scaled too).

    Example:
        >>> internal_factors([unit_info("nm"), unit_info("mm"), unit_info("1/K")])
        [1.0, 1000000.0, 1.0]
    """
    scale: dict[str, float] = {}
    for info in infos:
        if len(info.dims) == 1:
            dim, exp = info.dims[0]
            if dim not in scale:
                scale[dim] = info.factor ** (1.0 / exp)
    out = []
    for info in infos:
        f = info.factor
        for dim, exp in info.dims:
            f /= scale.setdefault(dim, 1.0) ** exp
        out.append(f)
    return out
