"""The measurement model prepared for evaluation: compiled once, unit-checked once, cached by content.

A :class:`CompiledModel` maps input magnitudes in their own units to the measurand's magnitude in its
unit. For expression models the inputs are first mapped to SI base magnitudes (so ``l_s`` in mm plus
``d`` in nm is evaluated correctly) and the result is mapped back; the unit of the result is derived
with pint and checked against the declared measurand unit. The cache key is the model text plus the
input names and units plus the measurand unit, so a procedure re-evaluating the same model pays for
parsing and unit analysis only once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError
from uncertainty.expression import parse_expression
from uncertainty.units import internal_factors, registry, unit_info

__all__ = ["CompiledModel", "compile_model"]


@dataclass(frozen=True)
class CompiledModel:
    """A model ready for numeric evaluation.

    Attributes:
        text: The model expression, or the callable's qualified name.
        names: Input names, in argument order.
        func: Numeric function of a sequence of magnitudes in *internal* units (complex-step safe).
        in_factor: Per input, multiplier from the input's unit to internal units.
        in_offset: Per input, offset from the input's unit to internal units.
        out_factor: Multiplier from the measurand's unit to internal units.
        out_offset: Offset from the measurand's unit to internal units.
        unit: Label of the measurand's unit (declared, or derived from the model).
        positional: For expression models, the same function taking positional scalars (fast path).
        uses_functions: The expression calls numpy functions (they may warn on invalid arguments).
        identity: Internal magnitudes equal the inputs' and the measurand's own (no conversion needed).
    """

    text: str
    names: tuple[str, ...]
    func: Callable[[Sequence[Any]], Any]
    in_factor: np.ndarray
    in_offset: np.ndarray
    out_factor: float
    out_offset: float
    unit: str
    positional: Callable[..., Any] | None = None
    uses_functions: bool = False

    identity: bool = False


def compile_model(
    model: str | Callable[..., Any], names: Sequence[str], units: Sequence[str], measurand_unit: str | None
) -> CompiledModel:
    """Compile ``model`` for the given inputs and check its unit (cached for expression models).

    Args:
        model: An expression over the input names, or a Python callable taking the inputs as keyword
            arguments (magnitudes in the inputs' own units; it must return the measurand's magnitude in
            its declared unit, and be safe under the complex step, e.g. use ``uncertainty.cabs``).
        names: Input names.
        units: Input unit texts, parallel to ``names``.
        measurand_unit: Declared unit of the measurand, or ``None`` to derive it from the model.

    Returns:
        The :class:`CompiledModel`.

    Raises:
        InvalidInputError: A name in the model no input defines, a unit mismatch inside the model, or a
            derived unit incompatible with the declared one.

    Example:
        >>> m = compile_model("a + b", ["a", "b"], ["mm", "nm"], "nm")
        >>> float(m.func([m.in_factor[0] * 1.0, m.in_factor[1] * 5.0]) / m.out_factor)
        1000005.0
    """
    if callable(model):
        return _compile_callable(model, tuple(names), measurand_unit)
    return _compile_expression(model, tuple(names), tuple(units), measurand_unit)


def _compile_callable(
    fn: Callable[..., Any], names: tuple[str, ...], measurand_unit: str | None
) -> CompiledModel:
    info = unit_info(measurand_unit, what="measurand")

    def func(args: Sequence[Any]) -> Any:
        return fn(**dict(zip(names, args, strict=True)))

    n = len(names)
    return CompiledModel(
        text=getattr(fn, "__qualname__", repr(fn)),
        names=names,
        func=func,
        in_factor=np.ones(n),
        in_offset=np.zeros(n),
        out_factor=1.0,
        out_offset=0.0,
        unit=info.label,
    )


@lru_cache(maxsize=512)
def _compile_expression(
    text: str, names: tuple[str, ...], units: tuple[str, ...], measurand_unit: str | None
) -> CompiledModel:
    expr = parse_expression(text)
    defined = set(names)
    for used in expr.names:
        if used not in defined and used not in ("pi", "e"):
            raise InvalidInputError(
                f"model {text!r}: name {used!r} is not defined by any input; add an input named {used!r} "
                f"(inputs are: {', '.join(names)})"
            )
    infos = [unit_info(u, what=f"input {n!r}") for n, u in zip(names, units, strict=True)]
    func = expr.compile(names)
    derived = _derive_unit(expr.compile(names, units=True), infos, text)
    if measurand_unit:
        out = unit_info(measurand_unit, what="measurand")
        if str(derived.dimensionality) != out.dimensionality:
            raise InvalidInputError(
                f"model {text!r}: the model gives {_label(derived)} ({derived.dimensionality}) but "
                "the measurand "
                ""
                f"is declared in {out.label!r} ({out.dimensionality}); fix the measurand unit or the "
                "input units"
            )
        derived_offset = unit_info(_label(derived)).is_offset if _label(derived) else False
        if out.is_offset != derived_offset:
            raise InvalidInputError(
                f"model {text!r}: the model gives {_label(derived)} but the measurand is declared in "
                f"{out.label!r}; "
                "use delta_degC or K for a temperature difference"
            )
        label = out.label
        _check_double_scaling(expr.tree, out, text)
    else:
        label = _label(derived)
        out = unit_info(label) if label else unit_info("")
    # internal magnitudes: one scale per base dimension, chosen so the measurand's unit maps exactly
    factors = internal_factors([out, *infos])
    rel = [f / i.factor for f, i in zip(factors, [out, *infos], strict=True)]
    return CompiledModel(
        text=text,
        names=names,
        func=func,
        in_factor=np.array(factors[1:]),
        in_offset=np.array([i.offset * r for i, r in zip(infos, rel[1:], strict=True)]),
        out_factor=factors[0],
        out_offset=out.offset * rel[0],
        unit=label,
        positional=expr.compile_positional(names),
        identity=factors[0] == 1.0
        and out.offset * rel[0] == 0.0
        and all(f == 1.0 for f in factors[1:])
        and all(i.offset == 0.0 for i in infos),
        uses_functions=any(isinstance(node, ast.Call) for node in ast.walk(expr.tree)),
    )


def _check_double_scaling(tree: ast.expr, out: Any, text: str) -> None:
    """Refuse ``ratio*100`` declared in percent (or ``*1e6`` in ppm): pint would scale it twice."""
    if out.dimensionality != "dimensionless" or out.factor == 1.0:
        return
    scale = 1.0 / out.factor
    node = tree
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for side in (node.left, node.right):
            if (
                isinstance(side, ast.Constant)
                and isinstance(side.value, int | float)
                and abs(float(side.value) - scale) <= 1e-9 * scale
            ):
                raise InvalidInputError(
                    f"model {text!r}: multiplies by {side.value} and the measurand is declared in "
                    f"{out.label!r}, which would scale the ratio twice; drop the factor {side.value} "
                    f"(the unit {out.label!r} does the scaling) or declare the measurand without a unit"
                )


def _label(unit: Any) -> str:
    return f"{unit:~}".replace(" ", "")


def _derive_unit(unit_func: Callable[[Sequence[Any]], Any], infos: Sequence[Any], text: str) -> Any:
    ureg = registry()
    args = [ureg.Quantity(np.float64(1.0), i.unit) for i in infos]
    with np.errstate(all="ignore"):
        try:
            out = unit_func(args)
        except InvalidInputError:
            raise
        except ZeroDivisionError:  # pragma: no cover - magnitudes are numpy floats
            raise InvalidInputError(f"model {text!r}: division by zero during unit analysis") from None
    units = getattr(out, "units", None)
    return units if units is not None else ureg.dimensionless
