"""Unit conversion for comparisons (ranges, CMC floors, budgets), on pint's application registry.

Dimensionless units are compared only when they are the same unit (``%`` and ``percent`` are): a
relative error in % and an amount fraction in ppm are different kinds of quantity.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pint

__all__ = ["convert"]


@lru_cache(maxsize=256)
def _factor(src: str, dst: str) -> tuple[float, float] | None:
    ureg: Any = pint.get_application_registry()  # type: ignore[no-untyped-call]
    try:
        a, b = ureg.Unit(src), ureg.Unit(dst)
        if a.dimensionless and b.dimensionless and a != b:
            # a relative error in % and an amount fraction in ppm are both dimensionless but are not the
            # same kind of quantity: only the same unit (``%`` = ``percent``) is comparable
            return None
        q0 = ureg.Quantity(0.0, src).to(dst).magnitude
        q1 = ureg.Quantity(1.0, src).to(dst).magnitude
    except Exception:  # undefined unit, incompatible dimensions or offset unit misuse: not comparable
        return None
    return float(q0), float(q1) - float(q0)


def convert(value: float, src: str, dst: str) -> float | None:
    """``value`` in ``src`` expressed in ``dst``, or None when the units are unknown or incompatible."""
    if not src or not dst:
        return None
    if src == dst:
        return value
    factor = _factor(src, dst)
    if factor is None:
        return None
    offset, scale = factor
    return offset + scale * value
