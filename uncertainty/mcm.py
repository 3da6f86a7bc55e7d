"""Monte Carlo method (JCGM 101): fixed M or the adaptive procedure of 7.9, coverage intervals (7.7),
and validation of the GUM result (clause 8).

Trials run in blocks so memory stays bounded: only the model values (8 bytes per trial) are kept,
the inputs of one block at a time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from uncertainty.errors import InvalidInputError
from uncertainty.gum import t_quantile
from uncertainty.result import McmResult, Result
from uncertainty.sampling import Sampler, build_samplers, draw_block

if TYPE_CHECKING:
    from uncertainty.engine import GumCore

__all__ = ["coverage_interval", "numerical_tolerance", "run_mcm_for", "simulate"]


def numerical_tolerance(u: float, n_dig: int = 2) -> float:
    """δ of JCGM 101 7.9.2: u written to ``n_dig`` significant digits is c × 10^ℓ; δ = ½ × 10^ℓ.

    Args:
        u: A standard uncertainty (> 0).
        n_dig: Significant decimal digits regarded as meaningful.

    Returns:
        The numerical tolerance.

    Example:
        >>> numerical_tolerance(0.0754), numerical_tolerance(2.0, 3), numerical_tolerance(35.68)
        (0.0005, 0.005, 0.5)
    """
    if not u > 0 or not math.isfinite(u):
        return math.nan
    ell = math.floor(math.log10(u)) - n_dig + 1
    if round(u / 10.0**ell) >= 10**n_dig:  # 0.0996 to 2 digits is 0.10: one decade up
        ell += 1
    return 0.5 * 10.0**ell


def coverage_interval(y_sorted: np.ndarray, p: float, shortest: bool = False) -> tuple[float, float]:
    """Coverage interval from sorted model values (JCGM 101 7.7).

    q = pM rounded; the probabilistically symmetric interval is [y_(r), y_(r+q)] with r = (M − q)/2
    rounded (1-based); the shortest minimises y_(r+q) − y_(r) over r = 1 … M − q.

    Args:
        y_sorted: Model values in ascending order.
        p: Coverage probability.
        shortest: Return the shortest interval instead of the symmetric one.

    Returns:
        ``(low, high)``.

    Example:
        >>> y = np.arange(1.0, 101.0)
        >>> coverage_interval(y, 0.9)
        (5.0, 95.0)
    """
    m = y_sorted.shape[0]
    q = int(p * m + 0.5)
    if q >= m:
        return float(y_sorted[0]), float(y_sorted[-1])
    if shortest:
        widths = y_sorted[q:] - y_sorted[: m - q]
        r = int(np.argmin(widths))
        return float(y_sorted[r]), float(y_sorted[r + q])
    r = max(int((m - q) / 2 + 0.5), 1)
    return float(y_sorted[r - 1]), float(y_sorted[r + q - 1])


def _symmetric_unsorted(y: np.ndarray, p: float) -> tuple[float, float]:
    m = y.shape[0]
    q = int(p * m + 0.5)
    if q >= m:
        return float(y.min()), float(y.max())
    r = max(int((m - q) / 2 + 0.5), 1)
    y.partition((r - 1, r + q - 1))  # in place: the caller owns y and no 8-byte-per-trial copy is made
    return float(y[r - 1]), float(y[r + q - 1])


def _shortest_unsorted(y: np.ndarray, p: float) -> tuple[float, float]:
    """Shortest interval without a full sort: only the two tails holding the candidate ends are sorted.

    The low end is one of the M − q smallest values and the high end one of the M − q largest, so
    partitioning at those ranks and sorting the two tails gives exactly the result of a full sort.
    ``y`` is reordered in place.
    """
    m = y.shape[0]
    q = int(p * m + 0.5)
    if q >= m or 2 * (m - q + 1) >= m:
        return coverage_interval(np.sort(y), p, True)
    k = m - q  # 0-based ranks 0..k-1 hold the low ends, ranks q..m-1 the high ends
    y.partition((k - 1, q))  # in place (the caller owns y)
    low = np.sort(y[:k])
    high = np.sort(y[q:])
    widths = high - low
    r = int(np.argmin(widths))
    return float(low[r]), float(high[r])


class _Runner:
    """Evaluates the model on blocks of trials, in the measurand's unit."""

    def __init__(
        self,
        func: Callable[[Sequence[Any]], Any],
        samplers: Sequence[Sampler],
        n: int,
        out_factor: float,
        out_offset: float,
        text: str,
    ) -> None:
        self.func, self.samplers, self.n = func, samplers, n
        self.out_factor, self.out_offset, self.text = out_factor, out_offset, text

    def block(self, rng: np.random.Generator, m: int) -> np.ndarray:
        args = draw_block(self.samplers, self.n, rng, m)
        with np.errstate(all="ignore"):
            y = self.func(args)
            y = (
                np.array(np.broadcast_to(y, (m,)), dtype=float)
                if np.ndim(y) == 0
                else np.asarray(y, dtype=float)
            )
            if self.out_offset != 0.0:
                y -= self.out_offset
            if self.out_factor != 1.0:
                y /= self.out_factor
        if not np.isfinite(y).all():
            bad = int(np.count_nonzero(~np.isfinite(y)))
            raise InvalidInputError(
                f"model {self.text!r}: not finite in {bad} of {m} Monte Carlo trials (division by "
                "zero, log of a "
                "non-positive value, ...); check the input PDFs against the model's domain"
            )
        return y


def simulate(
    runner: _Runner,
    rng: np.random.Generator,
    *,
    trials: int | None,
    p: float,
    shortest: bool,
    n_dig: int,
    max_trials: int,
    block_size: int,
) -> tuple[np.ndarray, bool, bool]:
    """Run the trials, fixed (``trials``) or adaptive (``trials=None``, JCGM 101 7.9).

    Returns:
        ``(sorted model values, adaptive, converged)``.
    """
    if trials is not None:
        out = np.empty(trials)
        done = 0
        while done < trials:
            m = min(block_size, trials - done)
            out[done : done + m] = runner.block(rng, m)
            done += m
        return out, False, True
    m = max(math.ceil(100.0 / (1.0 - p)), 10_000)
    stats: list[tuple[float, float, float, float]] = []
    store = np.empty(8 * m)  # grows by doubling: peak memory ≤ 1.5 × 8 bytes × trials (+ one block)
    h = 0
    converged = False
    while (h + 1) * m <= max_trials:
        if (h + 1) * m > store.shape[0]:
            bigger = np.empty(min(2 * store.shape[0], max_trials))
            bigger[: h * m] = store[: h * m]
            store = bigger
        yb = store[h * m : (h + 1) * m]
        yb[:] = runner.block(rng, m)
        h += 1
        lo, hi = _shortest_unsorted(yb.copy(), p) if shortest else _symmetric_unsorted(yb.copy(), p)
        stats.append((float(yb.mean()), float(yb.std(ddof=1)), lo, hi))
        if h < 2:
            continue
        arr = np.array(stats)
        means, sds = arr[:, 0], arr[:, 1]
        # u(y) of all h*M values, exactly, from the block means and standard deviations
        var = ((m - 1) * np.sum(sds**2) + m * np.sum((means - means.mean()) ** 2)) / (h * m - 1)
        delta = numerical_tolerance(math.sqrt(var), n_dig)
        s = arr.std(axis=0, ddof=1) / math.sqrt(h)
        if np.all(2.0 * s <= delta) or not math.isfinite(delta):
            converged = True
            break
    return store[: h * m], True, converged


def _mean_sd(y: np.ndarray, block: int) -> tuple[float, float]:
    """Mean and standard deviation computed block by block (no temporary as large as ``y``)."""
    m = y.shape[0]
    mean = float(np.add.reduce(y)) / m  # pairwise summation
    ss = 0.0
    for start in range(0, m, block):
        d = y[start : start + block] - mean
        ss += float(d @ d)
    return mean, math.sqrt(ss / (m - 1)) if m > 1 else 0.0


def _gum_interval(result: Result, core: GumCore, p: float) -> float:
    """U_p of the GUM for the Monte Carlo p (k from t(ν_eff) when the result used a fixed k)."""
    if result.coverage_probability == p:
        return float(result.expanded_uncertainty)
    nu = float(result.dof_eff)
    q = 0.5 * (1.0 + p)
    nu_t = max(math.floor(nu), 1.0) if math.isfinite(nu) else math.inf
    k = float(t_quantile(nu_t, q))
    return k * float(result.standard_uncertainty)


def _fresh_seed() -> int:
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)
    return entropy % (2**63)


def run_mcm_for(result: Result, core: GumCore, *, rng: np.random.Generator | None) -> Result:
    """Run Monte Carlo for an evaluated spec and attach the summary to ``result``.

    Args:
        result: The GUM result of the spec.
        core: The GUM intermediates (model, estimates, uncertainties).
        rng: Generator; ``None`` seeds one from ``options.seed`` or fresh entropy (the seed is recorded).

    Returns:
        A copy of ``result`` with ``mcm`` set.

    Raises:
        InvalidInputError: Batch mode, a t/Type A input with ν ≤ 2, or correlations between non-normal inputs.
    """
    parsed, model, opts = core.parsed, core.model, core.parsed.options
    if core.x.ndim != 1:
        raise InvalidInputError(
            "options: Monte Carlo is not available in batch mode; run method gum, or one point"
        )
    seed: int | None = None
    if rng is None:
        seed = opts.seed if opts.seed is not None else _fresh_seed()
        rng = np.random.default_rng(seed)
    x_int = model.in_factor * core.x + model.in_offset
    samplers = build_samplers(parsed.inputs, x_int, model.in_factor, parsed.correlation, core.groups)
    n = len(parsed.inputs)
    block = opts.block_size or min(65_536, max(8_192, 1_000_000 // max(n, 1)))
    runner = _Runner(model.func, samplers, n, model.out_factor, model.out_offset, model.text)
    p = opts.mcm_probability
    y, adaptive, converged = simulate(
        runner,
        rng,
        trials=opts.trials,
        p=p,
        shortest=opts.shortest_interval,
        n_dig=opts.n_dig,
        max_trials=opts.max_trials,
        block_size=block,
    )
    mean, sd = _mean_sd(y, block)
    if opts.shortest_interval:
        lo, hi = _shortest_unsorted(y, p)
    else:
        lo, hi = _symmetric_unsorted(y, p)
    u_gum = float(result.standard_uncertainty)
    big_u = _gum_interval(result, core, p)
    yv = float(result.value)
    d_low, d_high = abs(yv - big_u - lo), abs(yv + big_u - hi)
    delta = numerical_tolerance(u_gum if u_gum > 0 else sd, opts.n_dig)
    validated: bool | None = None if not math.isfinite(delta) else bool(d_low <= delta and d_high <= delta)
    if result.gum_valid is False:
        validated = False
    mcm = McmResult(
        value=mean,
        standard_uncertainty=sd,
        coverage_interval=(lo, hi),
        coverage_probability=p,
        shortest=opts.shortest_interval,
        trials=int(y.shape[0]),
        adaptive=adaptive,
        converged=converged,
        seed=seed,
        gum_validated=validated,
        d_low=d_low,
        d_high=d_high,
        delta=delta,
    )
    notes = result.notes
    if adaptive and not converged:
        notes = (*notes, f"adaptive Monte Carlo stopped at max_trials={opts.max_trials} before reaching δ")
    return dataclasses.replace(result, mcm=mcm, notes=notes)
