"""Rounding of reported results: U to at most two significant digits, the value to the same decimal place.

JJF 1059.1-2012 (like the GUM 7.2.6) reports the expanded uncertainty with one or two significant digits
and the measured value rounded to the same last decimal place. Rounding uses ``ROUND_HALF_EVEN``
(GB/T 8170 四舍六入五成双) unless ``uncertainty_rounding="up"`` is asked for, which rounds U away from
zero (the conservative option JJF 1059.1 also allows). Work is done on :class:`decimal.Decimal` built
from the shortest ``repr`` of each float, so ``0.15`` is treated as the decimal 0.15 it was written as.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal

from calib_service.documents.errors import DocumentError

__all__ = ["format_number", "format_significant", "round_result", "round_to_place"]


def _dec(x: float) -> Decimal:
    if not math.isfinite(x):
        raise DocumentError(f"cannot print {x!r}: not a finite number")
    return Decimal(repr(float(x)))


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    if text.startswith("-") and d.is_zero():
        text = text[1:]
    return text


def format_number(x: float) -> str:
    """Print a float without exponent and without spurious digits.

    Args:
        x: The number.

    Returns:
        The shortest decimal text that reads back as ``x``, e.g. ``1e-05`` → ``"0.00001"``.

    Raises:
        DocumentError: ``x`` is not finite.

    >>> format_number(230.0), format_number(1e-05)
    ('230', '0.00001')
    """
    d = _dec(x)
    if d == d.to_integral_value():
        return _plain(d.quantize(Decimal(1)))
    return _plain(d.normalize())


def format_significant(x: float, digits: int = 6) -> str:
    """Round ``x`` half-even to ``digits`` significant digits and print it without exponent or trailing zeros.

    For values printed without an uncertainty to round them to (a mean of readings, a ratio).

    Args:
        x: The number.
        digits: Significant digits (>= 1).

    Returns:
        The text.

    Raises:
        DocumentError: ``x`` is not finite or ``digits`` < 1.

    >>> format_significant(0.07333333333333333), format_significant(220.0), format_significant(-1234567.0)
    ('0.0733333', '220', '-1234570')
    """
    if digits < 1:
        raise DocumentError(f"significant digits must be >= 1, got {digits!r}")
    d = _dec(x)
    if d.is_zero():
        return "0"
    exponent = d.adjusted() - digits + 1
    return format_number(float(d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)))


def round_to_place(x: float, exponent: int) -> str:
    """Round ``x`` half-even to the decimal place ``10**exponent`` and print it without exponent.

    Args:
        x: The number.
        exponent: The place, e.g. ``-2`` for hundredths.

    Returns:
        The rounded text.

    >>> round_to_place(-0.19961, -2)
    '-0.20'
    """
    return _plain(_dec(x).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN))


def round_result(
    value: float, uncertainty: float, digits: int = 2, uncertainty_rounding: str = "half_even"
) -> tuple[str, str, int]:
    """Round U to ``digits`` significant digits and the value to the same decimal place.

    Args:
        value: The measured value (or error).
        uncertainty: Its expanded uncertainty U (>= 0).
        digits: Significant digits of U, 1 or 2.
        uncertainty_rounding: ``"half_even"`` or ``"up"`` (round U away from zero).

    Returns:
        ``(value_text, uncertainty_text, exponent)``; ``exponent`` is the decimal place used. When U is
        zero the value is printed as given and the exponent is that of its last digit.

    Raises:
        DocumentError: A number is not finite, U is negative, or an option is unknown.

    >>> round_result(-0.19961, 0.0342)
    ('-0.200', '0.034', -3)
    >>> round_result(10.04, 0.0996)
    ('10.04', '0.10', -2)
    """
    if digits not in (1, 2):
        raise DocumentError(f"digits={digits!r}: U is reported with 1 or 2 significant digits")
    if uncertainty_rounding not in ("half_even", "up"):
        raise DocumentError(f"uncertainty_rounding={uncertainty_rounding!r}: use 'half_even' or 'up'")
    u = _dec(uncertainty)
    if u < 0:
        raise DocumentError(f"expanded uncertainty {uncertainty!r} is negative")
    v = _dec(value)
    if u.is_zero():
        text = format_number(value)
        exp = v.normalize().as_tuple().exponent
        return text, "0", int(exp) if isinstance(exp, int) else 0
    mode = ROUND_UP if uncertainty_rounding == "up" else ROUND_HALF_EVEN
    exponent = u.adjusted() - (digits - 1)
    u_r = u.quantize(Decimal(1).scaleb(exponent), rounding=mode)
    if u_r.adjusted() > u.adjusted():  # 0.0996 -> 0.100: one digit too many, drop it
        exponent += 1
        u_r = u_r.quantize(Decimal(1).scaleb(exponent), rounding=mode)
    v_r = v.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)
    return _plain(v_r), _plain(u_r), exponent
