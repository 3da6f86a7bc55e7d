"""Input quantities: Type A from observations, Type B from certificates and half-widths, constants.

:func:`parse_input` turns one entry of a budget spec (a mapping, as written in a budget file) into an
:class:`InputQuantity` holding the estimate, its standard uncertainty, degrees of freedom and the
parameters its Monte Carlo sampler needs, all in the input's own unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError

__all__ = ["DISTRIBUTIONS", "InputQuantity", "parse_input"]

#: Accepted distribution names and the keys each accepts besides name/value/unit/description.
DISTRIBUTIONS: Mapping[str, frozenset[str]] = {
    "normal": frozenset(
        {"standard_uncertainty", "expanded_uncertainty", "coverage_factor", "coverage_probability", "dof"}
    ),
    "rectangular": frozenset({"half_width", "dof"}),
    "triangular": frozenset({"half_width", "dof"}),
    "arcsine": frozenset({"half_width", "dof"}),
    "trapezoidal": frozenset({"half_width", "beta", "dof"}),
    "curvilinear_trapezoid": frozenset({"half_width", "d", "dof"}),
    "student_t": frozenset({"standard_uncertainty", "dof"}),
    "type_a": frozenset({"samples", "standard_uncertainty", "dof", "pooled_sd", "pooled_dof"}),
    "constant": frozenset(),
}
_COMMON = frozenset({"name", "value", "unit", "distribution", "description", "type"})
_ALLOWED = {k: v | _COMMON for k, v in DISTRIBUTIONS.items()}

#: Divisor of the half-width giving the standard deviation, per distribution.
_DIVISOR = {"rectangular": math.sqrt(3.0), "triangular": math.sqrt(6.0), "arcsine": math.sqrt(2.0)}


@dataclass(slots=True)
class InputQuantity:
    """One input quantity, in its own unit.

    Attributes:
        name: Identifier used in the model.
        value: Estimate x_i (a float, or a 1-D array in batch mode).
        unit: Unit text as given (``""`` for dimensionless).
        distribution: One of :data:`DISTRIBUTIONS`.
        u: Standard uncertainty u(x_i) (the scale for ``student_t``/``type_a``), float or array.
        dof: Degrees of freedom ν_i (``math.inf`` when not stated).
        half_width: Half-width a for the bounded distributions, else 0.
        beta: Top-to-base width ratio of a trapezoid.
        d: Uncertainty of the half-width of a curvilinear trapezoid.
        samples: The observations of a Type A input, if given.
        description: Free text (source of the value).
    """

    name: str
    value: Any
    unit: str
    distribution: str
    u: Any
    dof: float = math.inf
    half_width: Any = 0.0
    beta: float = 0.0
    d: Any = 0.0
    samples: tuple[float, ...] | None = None
    description: str = ""

    @property
    def is_batch(self) -> bool:
        """True when the value or uncertainty is an array (batch mode)."""
        return isinstance(self.value, np.ndarray) or isinstance(self.u, np.ndarray)


def _number(raw: Mapping[str, Any], key: str, name: str, *, allow_array: bool = False) -> Any:
    v = raw[key]
    t = type(v)
    if t is float or t is int:
        f = float(v)
        if math.isfinite(f):
            return f
        raise InvalidInputError(f"input {name!r}: {key} must be finite, got {v!r}")
    if isinstance(v, bool):
        raise InvalidInputError(f"input {name!r}: {key} must be a number, got {v!r}")
    if isinstance(v, int | float | np.floating | np.integer):
        return _number({key: float(v)}, key, name)
    if allow_array and isinstance(v, list | tuple | np.ndarray):
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(f"input {name!r}: {key} must be numbers, got {v!r}") from None
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
            raise InvalidInputError(f"input {name!r}: {key} must be a non-empty 1-D array of finite numbers")
        return arr
    raise InvalidInputError(f"input {name!r}: {key} must be a number, got {v!r}")


def _nonneg(x: Any, key: str, name: str) -> Any:
    bad = x < 0 if type(x) is float else bool(np.any(np.asarray(x) < 0))
    if bad:
        raise InvalidInputError(f"input {name!r}: {key} must not be negative, got {x!r}; give its magnitude")
    return x


def _dof(raw: Mapping[str, Any], name: str, key: str = "dof") -> float:
    v = raw.get(key)
    if v is None:
        return math.inf
    if type(v) is int and v >= 1:
        return float(v)
    if isinstance(v, str) and v.strip().lower() in {"inf", "infinity", "∞"}:
        return math.inf
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        raise InvalidInputError(f"input {name!r}: {key} must be a number ≥ 1 or 'inf', got {v!r}")
    f = float(v)
    if math.isnan(f) or f < 1:
        raise InvalidInputError(
            f"input {name!r}: degrees of freedom {key}={v!r} is below 1; give ν ≥ 1 or omit it"
        )
    return f


def _coverage_k(p: float, dof: float, name: str) -> float:
    if not 0 < p < 1:
        raise InvalidInputError(f"input {name!r}: coverage_probability must lie in (0, 1), got {p!r}")
    q = 0.5 * (1.0 + p)
    from uncertainty.gum import t_quantile

    return float(t_quantile(dof, q))


_FAST_KEYS = frozenset(
    {"name", "value", "unit", "distribution", "standard_uncertainty", "dof", "description"}
)


def _fast_normal(raw: Any) -> InputQuantity | None:
    """The common case (normal, plain floats, standard_uncertainty given), checked in a few lookups."""
    if type(raw) is not dict or not _FAST_KEYS.issuperset(raw):
        return None
    name, value, u = raw.get("name"), raw.get("value"), raw.get("standard_uncertainty")
    dist = raw.get("distribution", "normal")
    unit = raw.get("unit") or ""
    dof = raw.get("dof")
    if (
        type(name) is not str
        or dist != "normal"
        or type(unit) is not str
        or type(value) not in (float, int)
        or type(u) not in (float, int)
        or not (dof is None or (type(dof) in (float, int) and dof >= 1))
        or not name.isidentifier()
    ):
        return None
    v, uf = float(value), float(u)  # type: ignore[arg-type]  # checked above
    if not (math.isfinite(v) and math.isfinite(uf)) or uf < 0:
        return None
    return InputQuantity(
        name,
        v,
        unit,
        "normal",
        uf,
        math.inf if dof is None else float(dof),
        0.0,
        0.0,
        0.0,
        None,
        raw.get("description") or "",
    )


def parse_input(raw: Mapping[str, Any], *, position: int = 0) -> InputQuantity:
    """Build an :class:`InputQuantity` from one spec entry.

    Args:
        raw: Mapping with ``name``, ``distribution`` (default ``normal``), ``value``, ``unit`` and the
            keys of that distribution (see :data:`DISTRIBUTIONS` and ``docs/uncertainty.md``).
        position: Index of the entry, used in messages when the name is missing.

    Returns:
        The parsed input.

    Raises:
        InvalidInputError: Missing or malformed keys, a negative uncertainty, ν < 1, an unknown
            distribution; the message names the input and says what to fix.

    Example:
        >>> x = parse_input({"name": "a", "value": 1.0, "distribution": "rectangular", "half_width": 3**0.5})
        >>> round(x.u, 12), x.dof
        (1.0, inf)
        >>> r = parse_input({"name": "r", "distribution": "type_a", "samples": [10.01, 10.02, 9.99, 10.00]})
        >>> round(r.value, 4), round(r.u, 6), r.dof
        (10.005, 0.006455, 3.0)
    """
    fast = _fast_normal(raw)
    if fast is not None:
        return fast
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise InvalidInputError(
            f"input #{position + 1}: must be a mapping with name, value, distribution, got {raw!r}"
        )
    name = raw.get("name")
    if type(name) is not str or not name.isidentifier():
        raise InvalidInputError(
            f"input #{position + 1}: name {name!r} must be an identifier (letters, digits, _), as "
            "used in the model"
        )
    dist = raw.get("distribution") or raw.get("type") or "normal"
    allowed = _ALLOWED.get(dist) if type(dist) is str else None
    if allowed is None:
        raise InvalidInputError(
            f"input {name!r}: unknown distribution {dist!r}; use one of {', '.join(sorted(DISTRIBUTIONS))}"
        )
    if not allowed.issuperset(raw):
        unknown = set(raw) - allowed
        raise InvalidInputError(
            f"input {name!r}: key(s) {', '.join(sorted(unknown))} do not apply to a {dist} input; "
            f"use {', '.join(sorted(DISTRIBUTIONS[dist])) or 'only name, value, unit'}"
        )
    unit = raw.get("unit") or ""
    if type(unit) is not str:
        raise InvalidInputError(f"input {name!r}: unit must be text such as 'nm', got {unit!r}")
    description = raw.get("description") or ""

    if dist == "type_a":
        return _type_a(raw, name, unit, description)
    if "value" not in raw:
        raise InvalidInputError(f"input {name!r}: value is missing; give the estimate of the input")
    value = _number(raw, "value", name, allow_array=True)
    dof = _dof(raw, name)
    q = InputQuantity(
        name=name, value=value, unit=unit, distribution=dist, u=0.0, dof=dof, description=description
    )

    if dist == "constant":
        return q
    if dist in ("normal", "student_t"):
        if "standard_uncertainty" in raw:
            if "expanded_uncertainty" in raw:
                raise InvalidInputError(
                    f"input {name!r}: give either standard_uncertainty or expanded_uncertainty, not both"
                )
            q.u = _nonneg(
                _number(raw, "standard_uncertainty", name, allow_array=True), "standard_uncertainty", name
            )
        elif "expanded_uncertainty" in raw:
            big_u = _nonneg(
                _number(raw, "expanded_uncertainty", name, allow_array=True), "expanded_uncertainty", name
            )
            if "coverage_factor" in raw:
                k = _number(raw, "coverage_factor", name)
                if k <= 0:
                    raise InvalidInputError(f"input {name!r}: coverage_factor must be positive, got {k!r}")
            elif "coverage_probability" in raw:
                k = _coverage_k(_number(raw, "coverage_probability", name), dof, name)
            else:
                raise InvalidInputError(
                    f"input {name!r}: expanded_uncertainty needs coverage_factor, or "
                    "coverage_probability (and dof)"
                )
            q.u = big_u / k
        else:
            raise InvalidInputError(
                f"input {name!r}: give standard_uncertainty, or expanded_uncertainty with coverage_factor"
            )
        if dist == "student_t" and math.isinf(dof):
            raise InvalidInputError(f"input {name!r}: a student_t input needs dof (its degrees of freedom)")
        return q
    if "half_width" not in raw:
        raise InvalidInputError(f"input {name!r}: a {dist} input needs half_width (the semi-range a)")
    a = _nonneg(_number(raw, "half_width", name, allow_array=True), "half_width", name)
    q.half_width = a
    if dist in _DIVISOR:
        q.u = a / _DIVISOR[dist]
    elif dist == "trapezoidal":
        if "beta" not in raw:
            raise InvalidInputError(
                f"input {name!r}: a trapezoidal input needs beta (top width / base width, 0..1)"
            )
        beta = _number(raw, "beta", name)
        if not 0.0 <= beta <= 1.0:
            raise InvalidInputError(f"input {name!r}: beta must lie in [0, 1], got {beta!r}")
        q.beta = beta
        q.u = a * math.sqrt((1.0 + beta * beta) / 6.0)
    else:  # curvilinear_trapezoid, JCGM 101 6.4.3
        if "d" not in raw:
            raise InvalidInputError(
                f"input {name!r}: a curvilinear_trapezoid input needs d (uncertainty of half_width)"
            )
        d = _nonneg(_number(raw, "d", name, allow_array=True), "d", name)
        if np.any(np.asarray(d) > np.asarray(a)):
            raise InvalidInputError(f"input {name!r}: d={d!r} must not exceed half_width={a!r}")
        q.d = d
        q.u = (
            np.sqrt(a * a / 3.0 + d * d / 9.0)
            if isinstance(a, np.ndarray) or isinstance(d, np.ndarray)
            else math.sqrt(a * a / 3.0 + d * d / 9.0)
        )
    return q


def _type_a(raw: Mapping[str, Any], name: str, unit: str, description: str) -> InputQuantity:
    if "samples" in raw:
        s = raw["samples"]
        if not isinstance(s, list | tuple | np.ndarray):
            raise InvalidInputError(f"input {name!r}: samples must be a list of numbers, got {s!r}")
        try:
            obs = np.asarray(s, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(f"input {name!r}: samples must be numbers, got {s!r}") from None
        if obs.ndim != 1 or obs.size < 2 or not np.all(np.isfinite(obs)):
            raise InvalidInputError(f"input {name!r}: samples must hold at least two finite numbers")
        if "value" in raw or "standard_uncertainty" in raw:
            raise InvalidInputError(
                f"input {name!r}: give samples, or value with standard_uncertainty, not both"
            )
        n = obs.size
        mean = float(obs.mean())
        if "pooled_sd" in raw:
            sp = _nonneg(_number(raw, "pooled_sd", name), "pooled_sd", name)
            u = sp / math.sqrt(n)
            dof = _dof(raw, name, "pooled_dof") if "pooled_dof" in raw else float(n - 1)
        else:
            u = float(obs.std(ddof=1)) / math.sqrt(n)
            dof = float(n - 1)
        if "dof" in raw:
            raise InvalidInputError(
                f"input {name!r}: dof follows from the samples (n - 1); use pooled_dof to override"
            )
        return InputQuantity(
            name=name,
            value=mean,
            unit=unit,
            distribution="type_a",
            u=u,
            dof=dof,
            samples=tuple(float(v) for v in obs),
            description=description,
        )
    if "value" not in raw or "standard_uncertainty" not in raw or "dof" not in raw:
        raise InvalidInputError(
            f"input {name!r}: a type_a input needs samples, or value with standard_uncertainty (s/√n) "
            "and dof (n - 1)"
        )
    value = _number(raw, "value", name, allow_array=True)
    u = _nonneg(_number(raw, "standard_uncertainty", name, allow_array=True), "standard_uncertainty", name)
    return InputQuantity(
        name=name,
        value=value,
        unit=unit,
        distribution="type_a",
        u=u,
        dof=_dof(raw, name),
        description=description,
    )
