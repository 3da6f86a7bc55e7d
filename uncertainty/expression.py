"""Safe measurement-model expressions: a whitelisted walk of Python's ``ast``, compiled to closures.

The text is parsed with :func:`ast.parse` in ``eval`` mode and only these nodes are accepted: numbers,
names, ``+ - * / **``, unary ``+ -`` and calls of whitelisted functions by bare name (``sqrt``,
``exp``, ``log``, ``log10``, ``sin``, ``cos``, ``tan``, ``arcsin``, ``arccos``, ``arctan``,
``arctan2``, ``sinh``, ``cosh``, ``tanh``, ``abs``, ``hypot``, ``square``). Nothing is ever passed to
``eval``/``exec``: the tree is turned into a tree of Python closures. The same tree compiles against two
function tables: a *numeric* one that is safe under the complex step (``abs`` and ``arctan2`` are
rewritten so that the imaginary part carries the derivative), and a *unit* one (plain numpy ufuncs that
pint understands), used once to derive and check the model's unit.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError

__all__ = ["CONSTANTS", "FUNCTIONS", "Expression", "cabs", "parse_expression"]

Evaluator = Callable[[Sequence[Any]], Any]


def cabs(z: Any) -> Any:
    """``abs`` that is safe under the complex step (for Python-callable models): z · sign(Re z).

    Args:
        z: A real or complex array (or number).

    Returns:
        ``|z|`` for real input; for complex input the value whose imaginary part carries the derivative.

    Example:
        >>> complex(cabs(-2.0 + 1e-20j))
        (2-1e-20j)
    """
    z = np.asarray(z)
    if np.iscomplexobj(z):
        return np.where(z.real < 0, -z, z)
    return np.abs(z)


def _cs_arctan2(y: Any, x: Any) -> Any:
    """``arctan2`` valid under the complex step (numpy's has no complex loop)."""
    y = np.asarray(y)
    x = np.asarray(x)
    if not (np.iscomplexobj(y) or np.iscomplexobj(x)):
        return np.arctan2(y, x)
    yr, yi, xr, xi = y.real, y.imag, x.real, x.imag
    return np.arctan2(yr, xr) + 1j * (xr * yi - yr * xi) / (xr * xr + yr * yr)


def _cs_hypot(x: Any, y: Any) -> Any:
    return np.sqrt(x * x + y * y)


def _square(x: Any) -> Any:
    return x * x


#: Whitelisted functions: name -> (numeric complex-step-safe function, function used with pint).
FUNCTIONS: Mapping[str, tuple[Callable[..., Any], Callable[..., Any], int]] = {
    "sqrt": (np.sqrt, np.sqrt, 1),
    "exp": (np.exp, np.exp, 1),
    "log": (np.log, np.log, 1),
    "ln": (np.log, np.log, 1),
    "log10": (np.log10, np.log10, 1),
    "sin": (np.sin, np.sin, 1),
    "cos": (np.cos, np.cos, 1),
    "tan": (np.tan, np.tan, 1),
    "arcsin": (np.arcsin, np.arcsin, 1),
    "arccos": (np.arccos, np.arccos, 1),
    "arctan": (np.arctan, np.arctan, 1),
    "sinh": (np.sinh, np.sinh, 1),
    "cosh": (np.cosh, np.cosh, 1),
    "tanh": (np.tanh, np.tanh, 1),
    "abs": (cabs, np.abs, 1),
    "square": (_square, np.square, 1),
    "arctan2": (_cs_arctan2, np.arctan2, 2),
    "hypot": (_cs_hypot, np.hypot, 2),
}

#: Named constants usable in a model (an input of the same name takes precedence).
CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}

_BINOPS: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_BINOP_WORDS: Mapping[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "subtract",
    ast.Mult: "multiply",
    ast.Div: "divide",
    ast.Pow: "raise to a power",
}


@dataclass(frozen=True)
class Expression:
    """A parsed and validated model expression.

    Attributes:
        text: The expression as written.
        names: Names the expression refers to (inputs or constants), in order of first use.
        tree: The validated ``ast`` expression node.
    """

    text: str
    names: tuple[str, ...]
    tree: ast.expr

    def compile(self, order: Sequence[str], *, units: bool = False) -> Evaluator:
        """Compile to a function of a sequence of argument values, positioned as in ``order``.

        Args:
            order: Input names; the compiled function takes its arguments in this order.
            units: Compile against the pint-friendly function table (for unit analysis) instead of
                the complex-step-safe numeric one.

        Returns:
            A function ``f(args)`` evaluating the expression.

        Raises:
            InvalidInputError: The expression names something that is neither an input nor a constant.

        Example:
            >>> f = parse_expression("a*sqrt(b) + 1").compile(["a", "b"])
            >>> float(f([2.0, 9.0]))
            7.0
        """
        index = {name: i for i, name in enumerate(order)}
        if units:
            return _build(self.tree, index, units, self.text)
        _build(self.tree, index, units, self.text)  # reports names that no input defines
        fn = _lambda(self.tree, index)
        return lambda args: fn(*args)

    def compile_positional(self, order: Sequence[str]) -> Callable[..., Any]:
        """Compile to a plain Python function of ``len(order)`` positional arguments (the fast path).

        The validated tree (numbers, names, arithmetic, whitelisted calls only) is turned into a lambda
        whose parameters are renamed ``_0 … _n`` and whose globals hold only the whitelisted functions and
        constants, with no builtins. This is never an ``eval`` of text.

        Args:
            order: Input names, in argument order.

        Returns:
            The function.

        Example:
            >>> float(parse_expression("a*sqrt(b)").compile_positional(["a", "b"])(2.0, 9.0))
            6.0
        """
        index = {name: i for i, name in enumerate(order)}
        _build(self.tree, index, False, self.text)
        return _lambda(self.tree, index)


class _Rename(ast.NodeTransformer):
    def __init__(self, index: Mapping[str, int]) -> None:
        self.index = index

    def visit_Call(self, node: ast.Call) -> ast.AST:
        assert isinstance(node.func, ast.Name)
        args = [self.visit(a) for a in node.args]
        func = ast.Name(id=f"__fn_{node.func.id}", ctx=ast.Load())
        return ast.copy_location(ast.Call(func=func, args=args, keywords=[]), node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.index:
            return ast.copy_location(ast.Name(id=f"_{self.index[node.id]}", ctx=ast.Load()), node)
        if node.id in CONSTANTS:
            return ast.copy_location(ast.Constant(value=CONSTANTS[node.id]), node)
        raise AssertionError(node.id)  # pragma: no cover - _build has reported it


def _lambda(tree: ast.expr, index: Mapping[str, int]) -> Callable[..., Any]:
    import copy

    body = _Rename(index).visit(copy.deepcopy(tree))
    params = [ast.arg(arg=f"_{i}") for i in range(len(index))]
    lam = ast.Lambda(
        args=ast.arguments(
            posonlyargs=[], args=params, vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
        ),
        body=body,
    )
    module = ast.fix_missing_locations(ast.Expression(body=lam))
    code = compile(module, "<model>", "eval")
    namespace: dict[str, Any] = {"__builtins__": {}}
    namespace.update({f"__fn_{name}": fns[0] for name, fns in FUNCTIONS.items()})
    fn: Callable[..., Any] = eval(code, namespace)
    return fn


def _build(node: ast.expr, index: Mapping[str, int], units: bool, text: str) -> Evaluator:
    if isinstance(node, ast.Constant):
        value = float(node.value)  # type: ignore[arg-type]  # validated numeric at parse time
        return lambda args: value
    if isinstance(node, ast.Name):
        if node.id in index:
            i = index[node.id]
            return lambda args: args[i]
        if node.id in CONSTANTS:
            c = CONSTANTS[node.id]
            return lambda args: c
        raise InvalidInputError(
            f"model {text!r}: name {node.id!r} is not defined by any input; add an input named "
            f"{node.id!r} or correct the model"
        )
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, index, units, text)
        if isinstance(node.op, ast.USub):
            return lambda args: -operand(args)
        return operand
    if isinstance(node, ast.BinOp):
        left = _build(node.left, index, units, text)
        right = _build(node.right, index, units, text)
        op = _BINOPS[type(node.op)]
        if not units:
            return lambda args: op(left(args), right(args))
        return _unit_checked_binop(node, left, right, op, text)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        numeric, with_units, _ = FUNCTIONS[node.func.id]
        fn = with_units if units else numeric
        parts = [_build(a, index, units, text) for a in node.args]
        if len(parts) == 1:
            only = parts[0]
            if units:
                return _unit_checked_call(node, fn, only, text)
            return lambda args: fn(only(args))
        first, second = parts
        if units:
            return _unit_checked_call2(node, fn, first, second, text)
        return lambda args: fn(first(args), second(args))
    raise AssertionError(f"unvalidated node {type(node).__name__}")  # pragma: no cover


def _unit_error(node: ast.AST, text: str, exc: Exception, detail: str) -> InvalidInputError:
    part = ast.unparse(node)
    return InvalidInputError(
        f"model {text!r}: unit mismatch in {part!r}: {detail} ({type(exc).__name__}: {exc}); "
        "fix the units of the inputs involved"
    )


def _unit_checked_binop(
    node: ast.BinOp, left: Evaluator, right: Evaluator, op: Callable[[Any, Any], Any], text: str
) -> Evaluator:
    def run(args: Sequence[Any]) -> Any:
        a, b = left(args), right(args)
        try:
            return op(a, b)
        except Exception as exc:
            word = _BINOP_WORDS[type(node.op)]
            ua, ub = _unit_text(a), _unit_text(b)
            hint = ""
            if "offset" in type(exc).__name__.lower() or "offset" in str(exc).lower():
                hint = (
                    "; temperatures in degC are offset units: give temperature differences in K or delta_degC"
                )
            raise _unit_error(node, text, exc, f"cannot {word} {ua} and {ub}{hint}") from None

    return run


def _unit_checked_call(node: ast.Call, fn: Callable[..., Any], arg: Evaluator, text: str) -> Evaluator:
    def run(args: Sequence[Any]) -> Any:
        a = arg(args)
        try:
            return fn(a)
        except Exception as exc:
            name = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise _unit_error(node, text, exc, f"{name}() of a quantity in {_unit_text(a)}") from None

    return run


def _unit_checked_call2(
    node: ast.Call, fn: Callable[..., Any], first: Evaluator, second: Evaluator, text: str
) -> Evaluator:
    def run(args: Sequence[Any]) -> Any:
        a, b = first(args), second(args)
        try:
            return fn(a, b)
        except Exception as exc:
            name = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise _unit_error(
                node, text, exc, f"{name}() of quantities in {_unit_text(a)} and {_unit_text(b)}"
            ) from None

    return run


def _unit_text(q: Any) -> str:
    units = getattr(q, "units", None)
    if units is None:
        return "dimensionless"
    s = f"{units:~}"
    return s if s else "dimensionless"


def _validate(node: ast.AST, text: str, names: list[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise InvalidInputError(f"model {text!r}: constant {node.value!r} is not a real number")
        return
    if isinstance(node, ast.Name):
        if node.id not in names:
            names.append(node.id)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _validate(node.operand, text, names)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        _validate(node.left, text, names)
        _validate(node.right, text, names)
        return
    if isinstance(node, ast.Call):
        fname = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if not isinstance(node.func, ast.Name) or fname not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise InvalidInputError(
                f"model {text!r}: function {fname!r} is not allowed; use one of {allowed}"
            )
        if node.keywords:
            raise InvalidInputError(f"model {text!r}: {fname}() takes no keyword arguments")
        arity = FUNCTIONS[fname][2]
        if len(node.args) != arity:
            raise InvalidInputError(
                f"model {text!r}: {fname}() takes {arity} argument(s), got {len(node.args)}"
            )
        for a in node.args:
            _validate(a, text, names)
        return
    raise InvalidInputError(
        f"model {text!r}: {ast.unparse(node)!r} ({type(node).__name__}) is not allowed in a model; "
        "use numbers, "
        "input names, + - * / **, and the functions " + ", ".join(sorted(FUNCTIONS))
    )


@lru_cache(maxsize=1024)
def parse_expression(text: str) -> Expression:
    """Parse and validate a model expression (cached by its text).

    Args:
        text: The model, e.g. ``"(m0 - m)/m"``. ``^`` is accepted as a power operator.

    Returns:
        The validated :class:`Expression`.

    Raises:
        InvalidInputError: The text is not a valid expression or uses a forbidden construct.

    Example:
        >>> parse_expression("l_s + d - l_s*(delta_alpha*theta)").names
        ('l_s', 'd', 'delta_alpha', 'theta')
        >>> parse_expression("__import__('os')")
        Traceback (most recent call last):
        ...
        uncertainty.errors.InvalidInputError: model "__import__('os')": function '__import__' ...
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("model: the model must be a non-empty expression such as 'a*b + c'")
    source = text.strip().replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise InvalidInputError(
            f"model {text!r}: not a valid expression ({exc.msg}); check brackets and operators"
        ) from None
    names: list[str] = []
    _validate(tree.body, text, names)
    return Expression(text=text, names=tuple(names), tree=tree.body)
