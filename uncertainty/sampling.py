"""Monte Carlo samplers of the input PDFs (JCGM 101 6.4), vectorised on an explicit numpy Generator.

Each input becomes a :class:`Sampler` that draws ``m`` values in *internal* units (see
:mod:`uncertainty.model`). Correlated inputs (normal only) are drawn together from a multivariate normal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from uncertainty.errors import InvalidInputError
from uncertainty.inputs import InputQuantity

__all__ = ["Sampler", "build_samplers", "draw_block"]

Draw = Callable[[np.random.Generator, int], np.ndarray | float]


@dataclass(frozen=True)
class Sampler:
    """Draws one input (``indices`` of length 1) or a correlated group of inputs."""

    indices: tuple[int, ...]
    draw: Callable[[np.random.Generator, int], list[np.ndarray | float]]


class _Buffer:
    """A reusable work array, so blocks of trials do not allocate (and page-fault) new memory each time.

    The arrays it hands out are overwritten by the next block: callers copy what they keep.
    """

    __slots__ = ("arr",)

    def __init__(self) -> None:
        self.arr = np.empty(0)

    def get(self, m: int) -> np.ndarray:
        if self.arr.shape[0] < m:
            self.arr = np.empty(m)
        return self.arr[:m]


def _single(q: InputQuantity, x: float, scale: float) -> Draw:
    """Sampler of one independent input; ``x`` in internal units, ``scale`` the unit factor."""
    dist = q.distribution
    u = float(q.u) * scale
    if dist == "constant" or (u == 0 and dist not in ("curvilinear_trapezoid",)):
        return lambda rng, m: x
    if dist == "normal":
        buf = _Buffer()

        def normal(rng: np.random.Generator, m: int) -> np.ndarray:
            z = buf.get(m)
            rng.standard_normal(out=z)
            z *= u
            z += x
            return z

        return normal
    if dist in ("student_t", "type_a"):
        nu = q.dof
        if nu <= 2:
            raise InvalidInputError(
                f"input {q.name!r}: a {dist} input with ν = {nu:g} ≤ 2 has infinite variance; Monte Carlo "
                "is refused (JCGM 101 6.4.9); use method gum, or more observations"
            )

        def student(rng: np.random.Generator, m: int) -> np.ndarray:
            z = rng.standard_t(nu, m)
            z *= u
            z += x
            return z

        return student
    a = float(q.half_width) * scale
    if dist == "rectangular":
        rbuf = _Buffer()

        def rectangular(rng: np.random.Generator, m: int) -> np.ndarray:
            z = rbuf.get(m)
            rng.random(out=z)
            z *= 2.0 * a
            z += x - a
            return z

        return rectangular
    if dist == "triangular":

        def triangular(rng: np.random.Generator, m: int) -> np.ndarray:
            r = rng.random(m)
            r -= rng.random(m)
            r *= a
            r += x
            return r

        return triangular
    if dist == "arcsine":

        def arcsine(rng: np.random.Generator, m: int) -> np.ndarray:
            r = np.sin(2.0 * math.pi * rng.random(m))
            r *= a
            r += x
            return r

        return arcsine
    if dist == "trapezoidal":
        a1 = a * (1.0 + q.beta) / 2.0
        a2 = a * (1.0 - q.beta) / 2.0

        def trapezoid(rng: np.random.Generator, m: int) -> np.ndarray:
            r = rng.uniform(x - a1, x + a1, m)
            r += rng.uniform(-a2, a2, m)
            return r

        return trapezoid
    if dist == "curvilinear_trapezoid":
        d = float(q.d) * scale

        def curvilinear(rng: np.random.Generator, m: int) -> np.ndarray:
            half = rng.uniform(a - d, a + d, m)
            half *= rng.uniform(-1.0, 1.0, m)
            half += x
            return half

        return curvilinear
    raise AssertionError(dist)  # pragma: no cover - distributions are validated on input


def _group(
    qs: Sequence[InputQuantity], idx: Sequence[int], x: np.ndarray, u: np.ndarray, corr: np.ndarray
) -> Sampler:
    for i in idx:
        if qs[i].distribution != "normal":
            raise InvalidInputError(
                f"input {qs[i].name!r}: Monte Carlo supports correlations only between normal inputs, "
                f"this one is {qs[i].distribution}; remove the correlation or use method gum"
            )
    sub = corr[np.ix_(idx, idx)]
    w, v = np.linalg.eigh(sub)
    root = v * np.sqrt(np.clip(w, 0.0, None))  # sub = root @ root.T, valid when singular too
    xs = x[list(idx)]
    us = u[list(idx)]
    k = len(idx)

    def draw(rng: np.random.Generator, m: int) -> list[np.ndarray | float]:
        z = rng.standard_normal((m, k)) @ root.T
        z *= us
        z += xs
        return [np.ascontiguousarray(z[:, j]) for j in range(k)]

    return Sampler(tuple(idx), draw)


def _as_list(f: Draw) -> Callable[[np.random.Generator, int], list[np.ndarray | float]]:
    def draw(rng: np.random.Generator, m: int) -> list[np.ndarray | float]:
        return [f(rng, m)]

    return draw


def build_samplers(
    inputs: Sequence[InputQuantity],
    x_int: np.ndarray,
    scale: np.ndarray,
    corr: np.ndarray | None,
    groups: Sequence[Sequence[int]],
) -> list[Sampler]:
    """One sampler per independent input or correlated group.

    Args:
        inputs: The inputs.
        x_int: Estimates in internal units.
        scale: Unit factors to internal units (multiply uncertainties and half-widths).
        corr: Correlation matrix, or ``None``.
        groups: Groups of mutually correlated inputs.

    Returns:
        The samplers.

    Raises:
        InvalidInputError: A t or Type A input with ν ≤ 2, or a correlated input that is not normal.

    Example:
        >>> from uncertainty.inputs import parse_input
        >>> q = parse_input({"name": "a", "value": 1.0, "distribution": "rectangular", "half_width": 0.5})
        >>> s = build_samplers([q], np.array([1.0]), np.array([1.0]), None, [])
        >>> v = s[0].draw(np.random.default_rng(1), 1000)[0]
        >>> bool(np.all((v >= 0.5) & (v <= 1.5)))
        True
    """
    grouped = {i for g in groups for i in g}
    out: list[Sampler] = []
    u_int = np.array([float(q.u) for q in inputs]) * scale
    for g in groups:
        assert corr is not None
        out.append(_group(inputs, g, x_int, u_int, corr))
    for i, q in enumerate(inputs):
        if i in grouped:
            continue
        out.append(Sampler((i,), _as_list(_single(q, float(x_int[i]), float(scale[i])))))
    return out


def draw_block(
    samplers: Sequence[Sampler], n: int, rng: np.random.Generator, m: int
) -> list[np.ndarray | float]:
    """Draw ``m`` trials of all ``n`` inputs, in input order.

    Args:
        samplers: From :func:`build_samplers`.
        n: Number of inputs.
        rng: The generator.
        m: Trials in this block.

    Returns:
        Per input an array of ``m`` values (or a float for a constant).

    Example:
        >>> from uncertainty.inputs import parse_input
        >>> q = parse_input({"name": "a", "value": 2.0, "distribution": "constant"})
        >>> samplers = build_samplers([q], np.array([2.0]), np.ones(1), None, [])
        >>> draw_block(samplers, 1, np.random.default_rng(), 5)
        [2.0]
    """
    args: list[np.ndarray | float] = [0.0] * n
    for s in samplers:
        for i, v in zip(s.indices, s.draw(rng, m), strict=True):
            args[i] = v
    return args
