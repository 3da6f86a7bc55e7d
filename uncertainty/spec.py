"""Reading a budget spec (the dict form of a budget file): measurand, inputs, correlations, options.

:func:`parse_spec` checks everything before any numeric work and raises :class:`InvalidInputError`
naming the offending entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError
from uncertainty.inputs import InputQuantity, parse_input

__all__ = ["Options", "ParsedSpec", "jsonable_spec", "parse_options", "parse_spec"]

_TOP_KEYS = frozenset({"measurand", "model", "inputs", "correlations", "options", "description"})
_OPTION_KEYS = frozenset(
    {
        "coverage_probability",
        "coverage_factor",
        "method",
        "trials",
        "seed",
        "shortest_interval",
        "second_order",
        "n_dig",
        "truncate_dof",
        "max_trials",
        "block_size",
    }
)


@dataclass(frozen=True)
class Options:
    """Evaluation options (see ``docs/uncertainty.md``)."""

    coverage_probability: float | None = None
    coverage_factor: float = 2.0
    method: str = "gum"
    trials: int | None = 1_000_000
    seed: int | None = None
    shortest_interval: bool = False
    second_order: bool = False
    n_dig: int = 2
    truncate_dof: bool = True
    max_trials: int = 10_000_000
    block_size: int | None = None

    @property
    def mcm_probability(self) -> float:
        """p for the Monte Carlo interval: the requested one, else 95 %."""
        return 0.95 if self.coverage_probability is None else self.coverage_probability


@dataclass(frozen=True)
class ParsedSpec:
    """A checked spec."""

    measurand: str
    measurand_unit: str | None
    model: str | Callable[..., Any]
    inputs: tuple[InputQuantity, ...]
    correlation: np.ndarray | None
    correlations: tuple[tuple[str, str, float], ...]
    options: Options


def _bool(v: Any, key: str) -> bool:
    if not isinstance(v, bool):
        raise InvalidInputError(f"options: {key} must be true or false, got {v!r}")
    return v


def _posint(v: Any, key: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v) or v < 1:
        raise InvalidInputError(f"options: {key} must be a positive integer, got {v!r}")
    return int(v)


def parse_options(raw: Any) -> Options:
    """Check the ``options`` mapping.

    Args:
        raw: The mapping, or ``None``.

    Returns:
        The :class:`Options`.

    Raises:
        InvalidInputError: Unknown keys or bad values.

    Example:
        >>> parse_options({"coverage_probability": 0.99}).coverage_probability
        0.99
        >>> parse_options(None).coverage_factor
        2.0
    """
    if raw is None:
        return _DEFAULT_OPTIONS
    if type(raw) is dict:
        try:
            key = tuple([(k, type(v), v) for k, v in raw.items()])  # the type: True and 1 differ here
            cached = _OPTIONS_CACHE.get(key)
        except TypeError:  # unhashable values: parse (and fail) below
            key, cached = None, None
        if cached is not None:
            return cached
        parsed = _parse_options(raw)
        if key is not None and len(_OPTIONS_CACHE) < 4096:
            _OPTIONS_CACHE[key] = parsed
        return parsed
    return _parse_options(raw)


_DEFAULT_OPTIONS = Options()
_OPTIONS_CACHE: dict[tuple[tuple[str, type, Any], ...], Options] = {}


def _parse_options(raw: Any) -> Options:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"options: must be a mapping, got {raw!r}")
    unknown = set(raw) - _OPTION_KEYS
    if unknown:
        raise InvalidInputError(
            f"options: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"use {', '.join(sorted(_OPTION_KEYS))}"
        )
    kw: dict[str, Any] = {}
    if "coverage_probability" in raw and "coverage_factor" in raw:
        raise InvalidInputError("options: give coverage_probability or coverage_factor, not both")
    if "coverage_probability" in raw:
        p = raw["coverage_probability"]
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p < 1:
            raise InvalidInputError(f"options: coverage_probability must lie in (0, 1), e.g. 0.95, got {p!r}")
        kw["coverage_probability"] = float(p)
    if "coverage_factor" in raw:
        k = raw["coverage_factor"]
        if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k) or k <= 0:
            raise InvalidInputError(f"options: coverage_factor must be a positive number, got {k!r}")
        kw["coverage_factor"] = float(k)
    if "method" in raw:
        m = raw["method"]
        if m not in ("gum", "mcm", "both"):
            raise InvalidInputError(f"options: method must be gum, mcm or both, got {m!r}")
        kw["method"] = m
    if "trials" in raw:
        t = raw["trials"]
        kw["trials"] = None if t == "adaptive" else _posint(t, "trials")
    if "seed" in raw and raw["seed"] is not None:
        s = raw["seed"]
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise InvalidInputError(f"options: seed must be a non-negative integer, got {s!r}")
        kw["seed"] = s
    for key in ("shortest_interval", "second_order", "truncate_dof"):
        if key in raw:
            kw[key] = _bool(raw[key], key)
    for key in ("n_dig", "max_trials", "block_size"):
        if key in raw:
            kw[key] = _posint(raw[key], key)
    return Options(**kw)


def _measurand(raw: Any) -> tuple[str, str | None]:
    if isinstance(raw, str):
        return raw, None
    if raw is None:
        return "y", None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name", "y"), str):
        raise InvalidInputError(f"measurand: must be a name or a mapping {{name, unit}}, got {raw!r}")
    unknown = set(raw) - {"name", "unit", "description"}
    if unknown:
        raise InvalidInputError(f"measurand: unknown key(s) {', '.join(sorted(unknown))}; use name and unit")
    unit = raw.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise InvalidInputError(f"measurand: unit must be text such as 'nm', got {unit!r}")
    return str(raw.get("name", "y")), unit or None


def _correlations(
    raw: Any, inputs: Sequence[InputQuantity]
) -> tuple[np.ndarray | None, tuple[tuple[str, str, float], ...]]:
    if raw is None or (isinstance(raw, list | tuple) and not raw):
        return None, ()
    if not isinstance(raw, list | tuple):
        raise InvalidInputError(f"correlations: must be a list of [name, name, r], got {raw!r}")
    index = {q.name: i for i, q in enumerate(inputs)}
    n = len(inputs)
    r = np.eye(n)
    pairs: list[tuple[str, str, float]] = []
    for entry in raw:
        if not isinstance(entry, list | tuple) or len(entry) != 3:
            raise InvalidInputError(f"correlations: entry {entry!r} must be [name, name, r]")
        a, b, coef = entry
        for nm in (a, b):
            if nm not in index:
                raise InvalidInputError(f"correlations: {nm!r} in {list(entry)!r} is not an input name")
        if a == b:
            raise InvalidInputError(f"correlations: {list(entry)!r} correlates {a!r} with itself")
        if coef == "from_samples":
            coef = _sample_correlation(inputs[index[a]], inputs[index[b]])
        if isinstance(coef, bool) or not isinstance(coef, int | float) or not -1 <= coef <= 1:
            raise InvalidInputError(f"correlations: r({a}, {b}) = {coef!r} must be a number in [-1, 1]")
        r[index[a], index[b]] = r[index[b], index[a]] = float(coef)
        pairs.append((a, b, float(coef)))
    if np.linalg.eigvalsh(r).min() < -1e-10:
        raise InvalidInputError(
            "correlations: the correlation matrix is not positive semi-definite "
            ""
            f"({', '.join(f'r({a},{b})={c:g}' for a, b, c in pairs)}); the coefficients are "
            "inconsistent, fix them"
        )
    return r, tuple(pairs)


def _sample_correlation(a: InputQuantity, b: InputQuantity) -> float:
    if a.samples is None or b.samples is None or len(a.samples) != len(b.samples):
        raise InvalidInputError(
            f"correlations: 'from_samples' needs {a.name!r} and {b.name!r} to be type_a inputs with the same "
            "number of simultaneous samples"
        )
    return float(np.corrcoef(np.asarray(a.samples), np.asarray(b.samples))[0, 1])


def parse_spec(spec: Mapping[str, Any], *, model_key: str = "model") -> ParsedSpec:
    """Check a whole spec.

    Args:
        spec: The spec mapping (as read from a budget file).
        model_key: Key of the model (kept for symmetry with multi-output specs).

    Returns:
        The :class:`ParsedSpec`.

    Raises:
        InvalidInputError: Anything malformed, naming the entry and what to fix.

    Example:
        >>> p = parse_spec({"model": "a + b", "inputs": [
        ...     {"name": "a", "value": 1, "standard_uncertainty": 0.1},
        ...     {"name": "b", "value": 2, "standard_uncertainty": 0.2}]})
        >>> [q.name for q in p.inputs], p.options.coverage_factor
        (['a', 'b'], 2.0)
    """
    if type(spec) is not dict and not isinstance(spec, Mapping):
        raise InvalidInputError(
            f"budget: must be a mapping with measurand, model, inputs; got {type(spec).__name__}"
        )
    if not _TOP_KEYS.issuperset(spec):
        unknown = set(spec) - _TOP_KEYS
        raise InvalidInputError(
            f"budget: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"use {', '.join(sorted(_TOP_KEYS))}"
        )
    if model_key not in spec:
        raise InvalidInputError("budget: model is missing; give the measurement model as an expression")
    model = spec[model_key]
    if not (isinstance(model, str) or callable(model)):
        raise InvalidInputError(f"budget: model must be an expression string or a callable, got {model!r}")
    raw_inputs = spec.get("inputs")
    if not isinstance(raw_inputs, list | tuple) or not raw_inputs:
        raise InvalidInputError("budget: inputs must be a non-empty list of input quantities")
    inputs = tuple([parse_input(r, position=i) for i, r in enumerate(raw_inputs)])
    if len({q.name for q in inputs}) != len(inputs):
        seen: set[str] = set()
        for q in inputs:
            if q.name in seen:
                raise InvalidInputError(f"input {q.name!r}: defined twice; give each input a unique name")
            seen.add(q.name)
    name, unit = _measurand(spec.get("measurand"))
    corr, pairs = _correlations(spec.get("correlations"), inputs)
    return ParsedSpec(
        measurand=name,
        measurand_unit=unit,
        model=model,
        inputs=inputs,
        correlation=corr,
        correlations=pairs,
        options=parse_options(spec.get("options")),
    )


def jsonable_spec(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """A JSON-ready copy of a spec (arrays become lists), or ``None`` if its model is a callable.

    Args:
        spec: The spec.

    Returns:
        The copy.

    Example:
        >>> jsonable_spec({"model": "a", "inputs": [{"name": "a", "value": np.array([1.0, 2.0])}]})["inputs"]
        [{'name': 'a', 'value': [1.0, 2.0]}]
    """
    if not isinstance(spec.get("model"), str | Mapping | list):
        return None
    return dict(_plain(spec))


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x
