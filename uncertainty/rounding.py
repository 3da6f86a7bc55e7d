"""Rounding of reported results (JJF 1059.1-2012 5.3.8; JCGM 100 7.2.6).

The reported uncertainty keeps at most two significant digits and the estimate is rounded to the same
decimal place. Rounding happens only when rendering: the engine and the archive keep full precision.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal

from uncertainty.errors import InvalidInputError

__all__ = ["round_result", "round_uncertainty"]

_MODES = {"half_even": ROUND_HALF_EVEN, "up": ROUND_UP}


def _exponent(d: Decimal) -> int:
    return d.adjusted()


def round_uncertainty(u: float, sig: int = 2, mode: str = "half_even") -> tuple[Decimal, int]:
    """Round an uncertainty to ``sig`` significant digits.

    Args:
        u: The uncertainty (positive, finite).
        sig: Significant digits to keep (1 or 2 in reports).
        mode: ``"half_even"`` (JJF 1059.1 default, "四舍六入，逢五取偶") or ``"up"`` (round up, the
            conservative choice JJF 1059.1 allows).

    Returns:
        ``(rounded, exponent)``: the rounded value as a Decimal and the power of ten of its last digit.

    Raises:
        InvalidInputError: ``u`` is negative or not finite, ``sig`` < 1 or ``mode`` unknown.

    Example:
        >>> round_uncertainty(0.0996)
        (Decimal('0.10'), -2)
        >>> round_uncertainty(31.66, mode="up")
        (Decimal('32'), 0)
    """
    if not math.isfinite(u) or u <= 0:
        raise InvalidInputError(f"rounding: uncertainty must be positive and finite, got {u!r}")
    if sig < 1:
        raise InvalidInputError(f"rounding: sig must be at least 1, got {sig!r}")
    if mode not in _MODES:
        raise InvalidInputError(f"rounding: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    d = Decimal(repr(float(u)))
    exp = _exponent(d) - sig + 1
    r = d.quantize(Decimal(1).scaleb(exp), rounding=_MODES[mode])
    if _exponent(r) - exp + 1 > sig:  # 0.0996 -> 0.100: one digit too many
        exp += 1
        r = d.quantize(Decimal(1).scaleb(exp), rounding=_MODES[mode])
    return r, exp


def round_result(value: float, uncertainty: float, sig: int = 2, mode: str = "half_even") -> tuple[str, str]:
    """Round an estimate and its (expanded or standard) uncertainty for a report.

    The uncertainty keeps at most ``sig`` significant digits; the value is rounded (half to even) to the
    same decimal place. A zero uncertainty leaves the value unrounded.

    Args:
        value: The estimate.
        uncertainty: Its uncertainty (U or u_c), ≥ 0.
        sig: Significant digits of the uncertainty (default 2).
        mode: ``"half_even"`` or ``"up"`` for the uncertainty; see :func:`round_uncertainty`.

    Returns:
        ``(value_text, uncertainty_text)`` in plain positional notation.

    Raises:
        InvalidInputError: A non-finite value, or a negative or non-finite uncertainty.

    Example:
        >>> round_result(50000838.27, 92.53)
        ('50000838', '93')
        >>> round_result(1.23401, 0.10788)
        ('1.23', '0.11')
        >>> round_result(100.0, 1234.0)
        ('100', '1200')
    """
    if not math.isfinite(value):
        raise InvalidInputError(f"rounding: value must be finite, got {value!r}")
    if not math.isfinite(uncertainty) or uncertainty < 0:
        raise InvalidInputError(f"rounding: uncertainty must be non-negative and finite, got {uncertainty!r}")
    if uncertainty == 0:
        return repr(float(value)), "0"
    u_r, exp = round_uncertainty(uncertainty, sig, mode)
    v = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_EVEN)
    v_text = format(v, "f")
    if v == 0:
        v_text = v_text.lstrip("-")
    return v_text, format(u_r, "f")
