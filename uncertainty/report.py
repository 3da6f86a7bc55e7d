"""A readable budget table (plain text), as printed by ``calib budget``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from uncertainty.result import McmResult, Result
from uncertainty.rounding import round_result

__all__ = ["format_budget"]


def _g(x: Any, digits: int = 4) -> str:
    f = float(x)
    if not math.isfinite(f):
        return "∞"
    if f == 0:
        return "0"
    return f"{f:.{digits}g}"


def _dof(nu: Any) -> str:
    f = float(nu)
    return "∞" if not math.isfinite(f) else f"{f:.3g}"


def _statement(result: Result) -> str:
    unit = f" {result.unit}" if result.unit else ""
    value, u_c = float(result.value), float(result.standard_uncertainty)
    big_u = float(result.expanded_uncertainty)
    if big_u > 0:
        v_txt, u_txt = round_result(value, big_u)
    else:
        v_txt, u_txt = repr(value), "0"
    k = float(result.coverage_factor)
    cov = f"k = {k:.3g}"
    if result.coverage_probability is not None:
        cov += f", p = {100 * result.coverage_probability:g} %"
    lines = [
        f"{result.measurand} = {v_txt}{unit},  U = {u_txt}{unit}  ({cov}, ν_eff = {_dof(result.dof_eff)})",
        f"u_c = {_g(u_c, 6)}{unit}" + ("  (with second-order terms)" if result.second_order else ""),
    ]
    return "\n".join(lines)


def _mcm_lines(m: McmResult, unit: str) -> list[str]:
    u = f" {unit}" if unit else ""
    kind = "shortest" if m.shortest else "probabilistically symmetric"
    lines = [
        f"Monte Carlo ({m.trials} trials{', adaptive' if m.adaptive else ''}"
        f"{'' if m.seed is None else f', seed {m.seed}'}):",
        f"  y = {_g(m.value, 10)}{u},  u(y) = {_g(m.standard_uncertainty, 6)}{u}",
        f"  {100 * m.coverage_probability:g} % {kind} interval: [{_g(m.coverage_interval[0], 10)}, "
        f"{_g(m.coverage_interval[1], 10)}]{u}",
    ]
    if m.gum_validated is not None:
        verdict = "validated" if m.gum_validated else "NOT validated"
        lines.append(
            f"  GUM result {verdict} (JCGM 101 clause 8): d_low = {_g(m.d_low, 3)}, d_high = "
            f"{_g(m.d_high, 3)}, "
            f"δ = {_g(m.delta, 3)}"
        )
    if not m.converged:
        lines.append("  adaptive procedure stopped at its trial limit before converging")
    return lines


def _format_batch(result: Result) -> str:
    unit = f" {result.unit}" if result.unit else ""
    lines = [f"{len(result.value)} budgets of {result.measurand} = {result.model} (values in{unit or ' 1'})"]
    lines.append("point  value  U  k  ν_eff")
    for i, (v, big_u, k, nu) in enumerate(
        zip(result.value, result.expanded_uncertainty, result.coverage_factor, result.dof_eff, strict=True)
    ):
        v_txt, u_txt = round_result(float(v), float(big_u)) if big_u > 0 else (repr(float(v)), "0")
        lines.append(f"{i + 1}  {v_txt}  {u_txt}  {float(k):.3g}  {_dof(nu)}")
    return "\n".join(lines)


def format_budget(result: Result) -> str:
    """Render a result as a budget table followed by the result statement (a batch as one line per point).

    Args:
        result: From :func:`uncertainty.evaluate`.

    Returns:
        Multi-line text. Numbers in the table carry four significant digits; the statement is rounded
        per JJF 1059.1 (U to two significant digits, the value to the same decimal place).

    Example:
        >>> from uncertainty.engine import evaluate
        >>> r = evaluate({"measurand": {"name": "y", "unit": "m"}, "model": "a + b", "inputs": [
        ...     {"name": "a", "value": 1.0, "unit": "m", "standard_uncertainty": 0.03},
        ...     {"name": "b", "value": 2.0, "unit": "m", "standard_uncertainty": 0.04}]})
        >>> print(format_budget(r).splitlines()[-2])
        y = 3.00 m,  U = 0.10 m  (k = 2, ν_eff = ∞)
    """
    if isinstance(result.value, np.ndarray):
        return _format_batch(result)
    head = ("input", "value", "unit", "distribution", "u(x_i)", "ν_i", "c_i", "u_i(y)", "share %")
    rows = [head]
    for b in result.budget:
        rows.append(
            (
                b.name,
                _g(b.value, 10),
                b.unit or "1",
                b.distribution,
                _g(b.standard_uncertainty),
                _dof(b.dof),
                _g(b.sensitivity),
                _g(b.contribution),
                f"{float(b.share):.1f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"Uncertainty budget of {result.measurand} = {result.model}"]
    for j, r in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(_statement(result))
    for note in result.notes:
        lines.append(f"note: {note}")
    if result.mcm is not None:
        lines.extend(_mcm_lines(result.mcm, result.unit))
    return "\n".join(lines)
