"""``evaluate``: one spec in, one :class:`~uncertainty.result.Result` out (GUM, and Monte Carlo on "
"request)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError
from uncertainty.gum import (
    coverage_factor,
    propagate,
    second_order_variance,
    sensitivities,
    sensitivities_scalar,
    welch_satterthwaite,
)
from uncertainty.inputs import InputQuantity
from uncertainty.model import CompiledModel, compile_model
from uncertainty.result import BudgetRow, Result
from uncertainty.spec import Options, ParsedSpec, parse_spec

__all__ = ["GumCore", "evaluate", "finish", "gum_core"]


class GumCore:
    """Intermediate GUM quantities of one evaluation (internal; used by ``evaluate`` and Monte Carlo)."""

    __slots__ = ("c", "cu", "dof", "groups", "model", "parsed", "u", "uc", "x", "y")

    def __init__(
        self,
        parsed: ParsedSpec,
        model: CompiledModel,
        x: np.ndarray,
        u: np.ndarray,
        y: Any,
        c: np.ndarray,
        uc: Any,
        cu: np.ndarray,
        dof: np.ndarray,
        groups: list[list[int]],
    ) -> None:
        self.parsed, self.model, self.x, self.u, self.y, self.c = parsed, model, x, u, y, c
        self.uc, self.cu, self.dof, self.groups = uc, cu, dof, groups


def _stack(inputs: Sequence[InputQuantity], attr: str) -> np.ndarray:
    vals = [getattr(q, attr) for q in inputs]
    if not any(isinstance(v, np.ndarray) for v in vals):
        return np.array(vals, dtype=float)
    lengths = {v.shape[0] for v in vals if isinstance(v, np.ndarray)}
    if len(lengths) != 1:
        raise InvalidInputError(
            f"inputs: batch arrays have different lengths {sorted(lengths)}; give every array input N values"
        )
    n_points = lengths.pop()
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (n_points,)) for v in vals])


def _groups(corr: np.ndarray | None) -> list[list[int]]:
    if corr is None:
        return []
    n = corr.shape[0]
    seen = [False] * n
    out: list[list[int]] = []
    for i in range(n):
        if seen[i]:
            continue
        stack, comp = [i], []
        seen[i] = True
        while stack:
            k = stack.pop()
            comp.append(k)
            for j in np.nonzero(corr[k])[0]:
                if not seen[j]:
                    seen[j] = True
                    stack.append(int(j))
        if len(comp) > 1:
            out.append(sorted(comp))
    return out


def gum_core(parsed: ParsedSpec) -> GumCore:
    """Compile the model and compute value, sensitivities and u_c (no coverage, no rows).

    Args:
        parsed: A checked spec.

    Returns:
        The intermediates, in the inputs' and measurand's own units.

    Raises:
        InvalidInputError: Model or unit problems, or a model not finite at the estimates.

    Example:
        >>> from uncertainty.spec import parse_spec
        >>> core = gum_core(parse_spec({"model": "2*a", "inputs": [{"name": "a", "value": 1.0,
        ...                                                          "standard_uncertainty": 0.5}]}))
        >>> float(core.y), float(core.uc)
        (2.0, 1.0)
    """
    inputs = parsed.inputs
    names = tuple([q.name for q in inputs])
    model = compile_model(parsed.model, names, tuple([q.unit for q in inputs]), parsed.measurand_unit)
    vals = [q.value for q in inputs]
    uncs = [q.u for q in inputs]
    dof = np.array([q.dof for q in inputs])
    if (
        model.positional is not None
        and all(type(v) is float for v in vals)
        and all(type(v) is float for v in uncs)
    ):
        if model.identity:
            y_f, g = sensitivities_scalar(
                model.positional, vals, uncs, guard=model.uses_functions, text=model.text
            )
            c = np.array(g)
            x, u = np.array(vals), np.array(uncs)
        else:
            x, u = np.array(vals), np.array(uncs)
            xi = (model.in_factor * x + model.in_offset).tolist()
            ui = (model.in_factor * u).tolist()
            y_i, g = sensitivities_scalar(
                model.positional, xi, ui, guard=model.uses_functions, text=model.text
            )
            y_f = (y_i - model.out_offset) / model.out_factor
            c = np.array(g) * model.in_factor / model.out_factor
        cu = c * u
        if parsed.correlation is None:
            uc = np.asarray(math.sqrt(float(cu @ cu)))
        else:
            uc, cu = propagate(c, u, parsed.correlation)
        return GumCore(parsed, model, x, u, np.asarray(y_f), c, uc, cu, dof, _groups(parsed.correlation))
    try:
        x = np.array(vals, dtype=float)
        u = np.array(uncs, dtype=float)
        if x.ndim != 1 or u.ndim != 1:
            raise ValueError
    except ValueError:  # batch arrays (possibly mixed with scalars)
        x = _stack(inputs, "value")
        u = _stack(inputs, "u")
    if x.shape != u.shape:
        x, u = np.broadcast_arrays(x if x.ndim == 2 else x[:, None], u if u.ndim == 2 else u[:, None])
        x, u = np.array(x), np.array(u)
    f_in = model.in_factor if x.ndim == 1 else model.in_factor[:, None]
    o_in = model.in_offset if x.ndim == 1 else model.in_offset[:, None]
    y_int, g_int = sensitivities(model.func, f_in * x + o_in, f_in * u, text=model.text)
    if model.positional is None and x.ndim == 1:
        _check_complex_step(model, x, u, g_int)
    y = (y_int - model.out_offset) / model.out_factor
    c = g_int * f_in / model.out_factor
    uc, cu = propagate(c, u, parsed.correlation)
    return GumCore(parsed, model, x, u, y, c, uc, cu, dof, _groups(parsed.correlation))


def _check_complex_step(model: CompiledModel, x: np.ndarray, u: np.ndarray, grad: np.ndarray) -> None:
    """A Python-callable model must survive the complex step; compare with central differences.

    ``np.abs`` or ``float()`` inside the callable silently drop the derivative: such a callable is refused,
    naming the input, rather than giving a wrong sensitivity.
    """
    scale = np.maximum(np.abs(x), np.abs(u))
    h = 1e-6 * np.where(scale > 0, scale, 1.0)
    with np.errstate(all="ignore"):
        fd = []
        for j in range(x.shape[0]):
            xp, xm = x.copy(), x.copy()
            xp[j] += h[j]
            xm[j] -= h[j]
            fd.append(
                (float(np.real(model.func(list(xp)))) - float(np.real(model.func(list(xm))))) / (2 * h[j])
            )
    diff = np.abs(np.array(fd) - grad) * u
    tol = 1e-5 * max(float(np.max(np.abs(grad) * u)), float(np.max(np.abs(np.array(fd)) * u)), 1e-300)
    bad = np.nonzero(diff > tol)[0]
    if bad.size:
        name = model.names[int(bad[0])]
        raise InvalidInputError(
            f"model {model.text!r}: its derivative with respect to input {name!r} is lost under the complex "
            "step (abs, np.abs, float() or a comparison inside the callable?); use uncertainty.cabs for abs, "
            "or write the model as an expression string"
        )


def _second_order(core: GumCore) -> Any:
    model = core.model
    f_in = model.in_factor
    var_int = second_order_variance(
        model.func,
        f_in * core.x + model.in_offset,
        f_in * core.u,
        core.c * model.out_factor / f_in,
        model.text,
    )
    return np.sqrt(core.uc**2 + var_int / model.out_factor**2)


def _coverage(core: GumCore, opts: Options) -> tuple[Any, Any, str]:
    nu_eff, note = welch_satterthwaite(core.uc, core.cu, core.dof, core.parsed.correlation, core.groups)
    if opts.coverage_probability is None:
        k = (
            opts.coverage_factor
            if np.ndim(core.uc) == 0
            else np.full(np.shape(core.uc), opts.coverage_factor)
        )
    else:
        k = coverage_factor(opts.coverage_probability, nu_eff, truncate=opts.truncate_dof)
    return nu_eff, k, note


def _scalar(a: Any) -> Any:
    if isinstance(a, np.ndarray) and a.ndim == 0:
        return float(a)
    if isinstance(a, np.floating):
        return float(a)
    return a


def evaluate(spec: Mapping[str, Any], *, rng: np.random.Generator | None = None) -> Result:
    """Evaluate an uncertainty budget: GUM always, Monte Carlo when ``options.method`` asks for it.

    Args:
        spec: A budget spec (the dict form of a budget file; see ``docs/uncertainty.md``). Input values
            may be arrays of one length N (batch mode: N budgets of one model at once; GUM only).
        rng: Generator for Monte Carlo; when absent one is seeded from ``options.seed``, or from fresh
            entropy whose seed is then recorded in the result.

    Returns:
        The :class:`~uncertainty.result.Result`.

    Raises:
        InvalidInputError: Anything wrong in the spec; the message names the input and what to fix.

    Example:
        >>> r = evaluate({
        ...     "measurand": {"name": "P", "unit": "W"},
        ...     "model": "V*I",
        ...     "inputs": [
        ...         {"name": "V", "value": 10.0, "unit": "V", "standard_uncertainty": 0.01,
        ...          "dof": 9},
        ...         {"name": "I", "value": 2.0, "unit": "A", "distribution": "rectangular",
        ...          "half_width": 0.002},
        ...     ],
        ...     "options": {"coverage_probability": 0.95},
        ... })
        >>> round(r.value, 6), round(r.standard_uncertainty, 6), r.unit
        (20.0, 0.023094, 'W')
        >>> round(r.dof_eff, 2), round(r.coverage_factor, 3), [round(b.sensitivity, 3) for b in r.budget]
        (16.0, 2.12, [2.0, 10.0])
    """
    parsed = parse_spec(spec)
    return finish(parsed, gum_core(parsed), spec, rng=rng)


def finish(
    parsed: ParsedSpec, core: GumCore, spec: Mapping[str, Any] | None, *, rng: np.random.Generator | None
) -> Result:
    """Turn GUM intermediates into a :class:`Result` (coverage, rows, Monte Carlo on request).

    Args:
        parsed: The checked spec.
        core: From :func:`gum_core`.
        spec: The original spec, kept in the result for the archive.
        rng: Generator for Monte Carlo (see :func:`evaluate`).

    Returns:
        The result.
    """
    opts = parsed.options
    uc = core.uc
    notes: list[str] = []
    if opts.second_order:
        uc = _second_order(core)
    nu_eff, k, ws_note = _coverage(core, opts)
    if ws_note:
        notes.append(ws_note)
    if core.x.ndim == 1:
        gum_valid: Any = not (float(core.uc) == 0.0 and bool((core.u > 0).any()))
    else:
        gum_valid = ~((core.uc == 0) & np.any(core.u > 0, axis=0))
    if gum_valid is not True and not np.all(gum_valid):
        notes.append(
            "every first-order sensitivity vanishes at the estimates: the GUM u_c = 0 is not meaningful; "
            "use second_order or Monte Carlo (method: mcm)"
        )
    result = Result(
        measurand=parsed.measurand,
        unit=core.model.unit,
        value=_scalar(core.y),
        standard_uncertainty=_scalar(uc),
        dof_eff=_scalar(nu_eff),
        coverage_factor=_scalar(k),
        coverage_probability=opts.coverage_probability,
        expanded_uncertainty=_scalar(k * uc),
        budget=_rows(core, uc),
        model=core.model.text,
        gum_valid=gum_valid,
        second_order=opts.second_order,
        notes=tuple(notes),
        spec=spec,
    )
    if opts.method in ("mcm", "both"):
        from uncertainty.mcm import run_mcm_for

        result = run_mcm_for(result, core, rng=rng)
    return result


def _rows(core: GumCore, uc: Any) -> tuple[BudgetRow, ...]:
    cu = core.cu
    inputs = core.parsed.inputs
    if core.x.ndim == 1:
        cul = cu.tolist()
        tot = sum(v * v for v in cul)
        scale = 100.0 / tot if tot > 0 else 0.0
        return tuple(
            BudgetRow(q.name, xi, q.unit, q.distribution, ui, ci, abs(cui), cui * cui * scale, q.dof)
            for q, xi, ui, ci, cui in zip(
                inputs, core.x.tolist(), core.u.tolist(), core.c.tolist(), cul, strict=True
            )
        )
    cu2 = cu * cu
    tot = np.sum(cu2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tot > 0, 100.0 * cu2 / np.where(tot > 0, tot, 1.0), 0.0)
    contrib = np.abs(cu)
    return tuple(
        BudgetRow(
            q.name, core.x[i], q.unit, q.distribution, core.u[i], core.c[i], contrib[i], share[i], q.dof
        )
        for i, q in enumerate(inputs)
    )
