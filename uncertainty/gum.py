"""GUM law of propagation (JCGM 100 5.1, 5.2), Welch–Satterthwaite and coverage factors.

Everything here works on plain arrays: ``x`` has shape ``(n,)`` for one budget or ``(n, N)`` for ``N``
points evaluated at once (batch mode). Sensitivities come from the complex step, vectorised over the
inputs: the model is evaluated once on ``n`` complex perturbations, which gives ∂f/∂x_i to machine
precision (no subtractive cancellation, unlike finite differences).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError

__all__ = [
    "coverage_factor",
    "propagate",
    "second_order_variance",
    "sensitivities",
    "t_quantile",
    "welch_satterthwaite",
]

Func = Callable[[Sequence[Any]], Any]


def _steps(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Complex steps: 10⁻²⁰ of the larger of |x| and u (never so small that it underflows)."""
    scale: np.ndarray = np.maximum(np.abs(x), np.abs(u))
    np.maximum(scale, 1e-250, out=scale)
    scale *= 1e-20
    return scale


def sensitivities(func: Func, x: np.ndarray, u: np.ndarray, *, text: str = "") -> tuple[Any, np.ndarray]:
    """Value and gradient of ``func`` at ``x`` by the vectorised complex step.

    Args:
        func: Model taking a sequence of ``n`` arrays.
        x: Estimates, shape ``(n,)`` or ``(n, N)``.
        u: Standard uncertainties, same shape (used only to choose steps at zero estimates).
        text: Model text for error messages.

    Returns:
        ``(y, c)`` with ``y`` of shape ``()`` or ``(N,)`` and ``c`` of the shape of ``x``.

    Raises:
        InvalidInputError: The model is not finite at the estimates.

    Example:
        >>> y, c = sensitivities(lambda a: a[0] * a[1] ** 2, np.array([3.0, 2.0]), np.ones(2))
        >>> float(y), c.tolist()
        (12.0, [4.0, 12.0])
    """
    n = x.shape[0]
    h = _steps(x, u)
    # z[i] holds input i for the unperturbed point (column 0) and each of the n perturbations
    if x.ndim == 1:
        z = np.zeros((n, n + 1), dtype=complex)
        z[:, 1:] = np.diag(h) * 1j
        z += x[:, None]
    else:
        return _sensitivities_batch(func, x, h, text)
    with np.errstate(all="ignore"):
        out = np.asarray(func(list(z)), dtype=complex)
    if out.shape != z.shape[1:]:
        out = np.broadcast_to(out, z.shape[1:])
    if not np.isfinite(out).all():
        raise InvalidInputError(
            f"model {text!r}: the model or its derivatives are not finite at the input estimates "
            "(division by zero, log of a non-positive value, ...); check the input values"
        )
    y = out[0].real  # evaluated without perturbation: a pole at the estimates shows up as inf/nan
    grad = out[1:].imag / h
    return y, grad


def _sensitivities_batch(func: Func, x: np.ndarray, h: np.ndarray, text: str) -> tuple[Any, np.ndarray]:
    """Batch mode: one real evaluation, then one complex evaluation per input on arrays of N points.

    Each pass touches arrays of length N only (cache-friendly), instead of one (n, n + 1, N) array.
    """
    n, npts = x.shape
    rows = list(x)
    grad = np.empty((n, npts))
    with np.errstate(all="ignore"):
        y = np.asarray(func(rows), dtype=float)
        y = np.broadcast_to(y, (npts,))
        ok = bool(np.isfinite(y).all())
        for j in range(n):
            args = rows.copy()
            args[j] = x[j] + 1j * h[j]
            out = np.asarray(func(args))
            grad[j] = out.imag / h[j] if np.iscomplexobj(out) else 0.0
            if not ok:
                break
    if not ok or not np.isfinite(grad).all():
        raise InvalidInputError(
            f"model {text!r}: the model or its derivatives are not finite at the input estimates "
            "(division by zero, log of a non-positive value, ...); check the input values"
        )
    return y, grad


def sensitivities_scalar(
    fn: Callable[..., Any], xs: list[float], us: list[float], *, guard: bool, text: str = ""
) -> tuple[float, list[float]]:
    """Value and gradient for one point with Python scalars: the complex step, one input at a time.

    For a handful of inputs this avoids the fixed cost of numpy calls on tiny arrays; the arithmetic is
    the same complex step as :func:`sensitivities`.

    Args:
        fn: Model taking ``n`` positional scalars.
        xs: Estimates.
        us: Standard uncertainties (for the steps).
        guard: Suppress numpy floating-point warnings (the model calls numpy functions).
        text: Model text for error messages.

    Returns:
        ``(y, c)``.

    Raises:
        InvalidInputError: The model is not finite (or not real) at the estimates.

    Example:
        >>> sensitivities_scalar(lambda a, b: a * b**2, [3.0, 2.0], [1.0, 1.0], guard=False)
        (12.0, [4.0, 12.0])
    """
    hs = [1e-20 * max(abs(a), abs(b), 1e-250) for a, b in zip(xs, us, strict=True)]
    try:
        if guard:
            with np.errstate(all="ignore"):
                y, grad = _scalar_steps(fn, xs, hs)
        else:
            y, grad = _scalar_steps(fn, xs, hs)
    except (ZeroDivisionError, OverflowError, ValueError, TypeError):
        y, grad = math.nan, []
    if not math.isfinite(y) or not all(math.isfinite(g) for g in grad):
        raise InvalidInputError(
            f"model {text!r}: the model or its derivatives are not finite at the input estimates "
            "(division by zero, log of a non-positive value, ...); check the input values"
        )
    return y, grad


def _scalar_steps(fn: Callable[..., Any], xs: list[float], hs: list[float]) -> tuple[float, list[float]]:
    y0 = fn(*xs)
    if isinstance(y0, complex) or (isinstance(y0, np.generic | np.ndarray) and np.iscomplexobj(y0)):
        return math.nan, []  # e.g. a negative number to a fractional power
    grad = []
    for j, h in enumerate(hs):
        args: list[float | complex] = list(xs)
        args[j] = complex(xs[j], h)
        grad.append(complex(fn(*args)).imag / h)
    return float(y0), grad


def propagate(c: np.ndarray, u: np.ndarray, corr: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Law of propagation of uncertainty, JCGM 100 eq. (13) (eq. (10) when ``corr`` is None).

    Args:
        c: Sensitivity coefficients, ``(n,)`` or ``(n, N)``.
        u: Standard uncertainties, same shape as ``c``.
        corr: Correlation matrix ``(n, n)`` or ``None`` for independent inputs.

    Returns:
        ``(u_c, cu)``: the combined standard uncertainty and the signed contributions c_i u(x_i).

    Example:
        >>> uc, cu = propagate(np.array([1.0, 1.0]), np.array([3.0, 4.0]), None)
        >>> float(uc), cu.tolist()
        (5.0, [3.0, 4.0])
    """
    cu = c * u
    if corr is None:
        var = np.einsum("i...,i...->...", cu, cu)
    else:
        var = np.einsum("i...,ij,j...->...", cu, corr, cu)
        var = np.maximum(var, 0.0)
    return np.sqrt(var), cu


def welch_satterthwaite(
    uc: np.ndarray, cu: np.ndarray, dof: np.ndarray, corr: np.ndarray | None, groups: Sequence[Sequence[int]]
) -> tuple[np.ndarray, str]:
    """Effective degrees of freedom, JCGM 100 G.4.1 (eq. G.2b), unrounded.

    Correlated inputs are handled as ensembles (Willink 2007, as GTC does): a group of mutually correlated
    inputs that share one ν contributes the variance of its quadratic form with that ν. A group with
    different finite ν has no defined W–S value; its smallest ν is used (conservative) and a note says so.

    Args:
        uc: Combined standard uncertainty, ``()`` or ``(N,)``.
        cu: Signed contributions, ``(n,)`` or ``(n, N)``.
        dof: Degrees of freedom per input (``inf`` allowed), ``(n,)``.
        corr: Correlation matrix or ``None``.
        groups: Index groups of mutually correlated inputs (singletons omitted).

    Returns:
        ``(nu_eff, note)``; ``nu_eff`` is ``inf`` when every contribution has infinite ν or u_c = 0.

    Example:
        >>> cu, nus = np.array([3.0, 4.0]), np.array([4.0, np.inf])
        >>> nu, _ = welch_satterthwaite(np.array(5.0), cu, nus, None, [])
        >>> round(float(nu), 4)
        30.8642
    """
    note = ""
    if corr is None and cu.ndim == 1:
        denom_f = 0.0
        for ci, nu in zip(cu.tolist(), dof.tolist(), strict=True):
            if nu != math.inf:
                denom_f += ci**4 / nu
        uc_f = float(uc)
        return np.asarray(uc_f**4 / denom_f if denom_f > 0 else math.inf), note
    grouped = np.zeros(dof.shape[0], dtype=bool)
    denom = np.zeros_like(uc, dtype=float)
    finite = np.isfinite(dof)
    if corr is not None:
        for g in groups:
            idx = np.asarray(g)
            grouped[idx] = True
            nus = dof[idx]
            if not np.any(np.isfinite(nus)) or not np.any(cu[idx]):
                continue  # infinite ν, or the group contributes nothing: no term, no note
            if np.any(nus != nus[0]):
                note = (
                    "W–S is undefined for correlated inputs with different degrees of freedom; "
                    "the smallest was used"
                )
            nu = float(np.min(nus))
            sub = cu[idx]
            var = np.einsum("i...,ij,j...->...", sub, corr[np.ix_(idx, idx)], sub)
            denom = denom + var * var / nu
    use = finite & ~grouped
    if np.any(use):
        nus_used = dof[use] if cu.ndim == 1 else dof[use][:, None]
        denom = denom + np.sum(cu[use] ** 4 / nus_used, axis=0)
    uc4 = uc**4
    with np.errstate(divide="ignore", invalid="ignore"):
        nu_eff = np.where(denom > 0, uc4 / np.where(denom > 0, denom, 1.0), np.inf)
    return nu_eff, note


_K_CACHE: dict[tuple[float, float], float] = {}


def t_quantile(nu: Any, q: float) -> Any:
    """Student-t quantile (``inf``: the normal one); scipy.special is imported lazily (it is slow to import).

    Args:
        nu: Degrees of freedom (float or array; ``inf`` allowed).
        q: Probability.

    Returns:
        The quantile (float or array).

    Example:
        >>> round(float(t_quantile(16.0, 0.995)), 4), round(float(t_quantile(float("inf"), 0.975)), 4)
        (2.9208, 1.96)
    """
    from scipy import special

    return special.stdtrit(nu, q)


def coverage_factor(p: float, nu_eff: np.ndarray, *, truncate: bool = True) -> np.ndarray:
    """Two-sided coverage factor k_p = t_{(1+p)/2}(ν_eff), JCGM 100 G.3; ν_eff truncated (G.6.4).

    Args:
        p: Coverage probability, in (0, 1).
        nu_eff: Effective degrees of freedom (``inf`` gives the normal quantile).
        truncate: Truncate ν_eff to an integer first (GUM G.6.4, JJF 1059.1).

    Returns:
        The coverage factor, same shape as ``nu_eff``.

    Raises:
        InvalidInputError: ``p`` outside (0, 1).

    Example:
        >>> round(float(coverage_factor(0.99, np.array(16.75))), 4)
        2.9208
        >>> round(float(coverage_factor(0.95, np.array(np.inf))), 4)
        1.96
    """
    if not 0.0 < p < 1.0:
        raise InvalidInputError(f"options: coverage_probability must lie in (0, 1), got {p!r}")
    q = 0.5 * (1.0 + p)
    if np.ndim(nu_eff) == 0:
        nu_f = float(nu_eff)
        if nu_f != math.inf:
            nu_f = max(math.floor(nu_f), 1.0) if truncate else nu_f
        key = (nu_f, q)
        k = _K_CACHE.get(key)
        if k is None:
            k = float(t_quantile(nu_f, q))
            if len(_K_CACHE) < 100_000:
                _K_CACHE[key] = k
        return np.asarray(k)
    nu = np.floor(nu_eff) if truncate else nu_eff
    nu = np.where(np.isfinite(nu), np.maximum(nu, 1.0), np.inf)
    return np.asarray(t_quantile(nu, q), dtype=float)


def second_order_variance(
    func: Func, x: np.ndarray, u: np.ndarray, c: np.ndarray, text: str = ""
) -> np.ndarray:
    """Second-order terms of JCGM 100 5.1.2 (note), for uncorrelated normal inputs.

    Adds Σ_i Σ_j [½ (∂²f/∂x_i∂x_j)² + ∂f/∂x_i · ∂³f/∂x_i∂x_j²] u²(x_i) u²(x_j). The second and third
    derivatives are central differences of complex-step gradients with steps of 10⁻³ u(x_j), exact for
    polynomials up to degree four and accurate to ~10⁻⁶ otherwise.

    Args:
        func: Model, as for :func:`sensitivities`.
        x: Estimates ``(n,)`` (internal units).
        u: Standard uncertainties ``(n,)`` (internal units).
        c: Gradient at ``x`` ``(n,)``.
        text: Model text for messages.

    Returns:
        The additional variance (internal units squared).

    Example:
        >>> f = lambda a: a[0] * a[1]
        >>> x, u = np.array([0.0, 0.0]), np.array([1.0, 2.0])
        >>> float(second_order_variance(f, x, u, np.zeros(2)))
        4.0
    """
    if x.ndim != 1:
        raise InvalidInputError(
            "options: second_order is not available in batch mode; evaluate points one by one"
        )
    n = x.shape[0]
    total = 0.0
    for j in range(n):
        if u[j] == 0:
            continue
        h = 1e-3 * u[j]
        xp = x.copy()
        xm = x.copy()
        xp[j] += h
        xm[j] -= h
        _, gp = sensitivities(func, xp, u, text=text)
        _, gm = sensitivities(func, xm, u, text=text)
        hess = (gp - gm) / (2 * h)  # ∂²f/∂x_i∂x_j for all i
        third = (gp - 2 * c + gm) / (h * h)  # ∂³f/∂x_i∂x_j²
        total += float(np.sum((0.5 * hess * hess + c * third) * u * u) * u[j] ** 2)
    return np.asarray(max(total, 0.0) if math.isfinite(total) else total)
