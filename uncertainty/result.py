"""Result objects of an evaluation: the budget rows, the Monte Carlo summary and the overall result.

Numbers are unrounded floats (or 1-D arrays in batch mode). ``to_dict`` gives the machine form used by
``calib budget --json`` and stored in the archive; infinite degrees of freedom become ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BudgetRow", "McmResult", "Result"]


def _num(x: Any) -> Any:
    """A JSON-ready number or list: floats stay floats, ``inf``/``nan`` become ``None``."""
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return _num(x.item())
        return [_num(v) for v in x.tolist()]
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


@dataclass(slots=True)
class BudgetRow:
    """One line of the uncertainty budget.

    Attributes:
        name: Input name.
        value: Estimate x_i, in ``unit``.
        unit: The input's unit.
        distribution: PDF name (``normal``, ``rectangular``, ...).
        standard_uncertainty: u(x_i), in ``unit``.
        sensitivity: c_i = ∂f/∂x_i, in measurand unit per input unit.
        contribution: u_i(y) = |c_i| u(x_i), in the measurand's unit.
        share: (c_i u(x_i))² / Σ_k (c_k u(x_k))², in percent (sums to 100 even with correlations).
        dof: ν_i (``inf`` when not stated).
    """

    name: str
    value: Any
    unit: str
    distribution: str
    standard_uncertainty: Any
    sensitivity: Any
    contribution: Any
    share: Any
    dof: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the row.

        Returns:
            A dict with the keys of the attributes; ``dof`` is ``None`` when infinite.

        Example:
            >>> BudgetRow("a", 1.0, "m", "normal", 0.1, 2.0, 0.2, 100.0, math.inf).to_dict()["dof"] is None
            True
        """
        return {
            "name": self.name,
            "value": _num(self.value),
            "unit": self.unit,
            "distribution": self.distribution,
            "standard_uncertainty": _num(self.standard_uncertainty),
            "sensitivity": _num(self.sensitivity),
            "contribution": _num(self.contribution),
            "share": _num(self.share),
            "dof": _num(self.dof),
        }


@dataclass(frozen=True)
class McmResult:
    """Summary of a Monte Carlo run (JCGM 101), in the measurand's unit.

    Attributes:
        value: Mean of the model values.
        standard_uncertainty: Their standard deviation.
        coverage_interval: ``(low, high)`` for ``coverage_probability``.
        coverage_probability: p of the interval.
        shortest: True for the shortest interval, False for the probabilistically symmetric one.
        trials: Number of trials M actually used.
        adaptive: True when the adaptive procedure of JCGM 101 7.9 chose M.
        converged: False when the adaptive procedure hit its trial limit.
        seed: Seed of the generator, when the caller gave one.
        gum_validated: Clause 8 validation of the GUM interval (``None`` when not possible).
        d_low: |y − U_p − y_low|.
        d_high: |y + U_p − y_high|.
        delta: Numerical tolerance δ used (from ``n_dig`` significant digits of u(y)).
    """

    value: float
    standard_uncertainty: float
    coverage_interval: tuple[float, float]
    coverage_probability: float
    shortest: bool
    trials: int
    adaptive: bool
    converged: bool
    seed: int | None
    gum_validated: bool | None
    d_low: float
    d_high: float
    delta: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (contract keys first, then the details).

        Returns:
            A JSON-ready dict.

        Example:
            >>> m = McmResult(1.0, 0.1, (0.8, 1.2), 0.95, False, 1000, False, True, 1, True, 0.0, 0.0, 0.005)
            >>> m.to_dict()["coverage_interval"]
            [0.8, 1.2]
        """
        return {
            "value": _num(self.value),
            "standard_uncertainty": _num(self.standard_uncertainty),
            "coverage_interval": [_num(self.coverage_interval[0]), _num(self.coverage_interval[1])],
            "trials": int(self.trials),
            "gum_validated": self.gum_validated,
            "coverage_probability": self.coverage_probability,
            "interval": "shortest" if self.shortest else "symmetric",
            "adaptive": self.adaptive,
            "converged": self.converged,
            "seed": self.seed,
            "d_low": _num(self.d_low),
            "d_high": _num(self.d_high),
            "delta": _num(self.delta),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> McmResult:
        """Rebuild from :meth:`to_dict` output.

        Args:
            d: The dict.

        Returns:
            The :class:`McmResult`.

        Example:
            >>> m = McmResult(1.0, 0.1, (0.8, 1.2), 0.95, False, 1000, False, True, 1, True, 0.0, 0.0, 0.005)
            >>> McmResult.from_dict(m.to_dict()) == m
            True
        """
        lo, hi = d["coverage_interval"]
        return cls(
            value=float(d["value"]),
            standard_uncertainty=float(d["standard_uncertainty"]),
            coverage_interval=(float(lo), float(hi)),
            coverage_probability=float(d["coverage_probability"]),
            shortest=d["interval"] == "shortest",
            trials=int(d["trials"]),
            adaptive=bool(d["adaptive"]),
            converged=bool(d["converged"]),
            seed=None if d["seed"] is None else int(d["seed"]),
            gum_validated=d["gum_validated"],
            d_low=math.nan if d["d_low"] is None else float(d["d_low"]),
            d_high=math.nan if d["d_high"] is None else float(d["d_high"]),
            delta=float(d["delta"]),
        )


@dataclass(frozen=True)
class Result:
    """Result of :func:`uncertainty.evaluate`.

    Scalars are floats for one budget; in batch mode (input values given as arrays of length N) the
    numeric attributes are arrays of length N.

    Attributes:
        measurand: Name of the measurand.
        unit: Its unit (declared, or derived from the model).
        value: Estimate y.
        standard_uncertainty: Combined standard uncertainty u_c(y) (with second-order terms if asked).
        dof_eff: Welch–Satterthwaite ν_eff, unrounded (``inf`` when infinite).
        coverage_factor: k used.
        coverage_probability: p requested, or ``None`` when a fixed k was given.
        expanded_uncertainty: U = k u_c.
        budget: The rows, in input order.
        mcm: Monte Carlo summary when it ran.
        model: The model text.
        gum_valid: False when the GUM result is not meaningful (all first-order sensitivities vanish
            while inputs are uncertain, JCGM 101 9.4): prefer the Monte Carlo result then.
        second_order: True when second-order terms were added to u_c.
        notes: Remarks (W–S with correlations, ...).
        spec: The spec that produced the result (the caller's mapping, not copied; the archive stores a
            JSON copy).
    """

    measurand: str
    unit: str
    value: Any
    standard_uncertainty: Any
    dof_eff: Any
    coverage_factor: Any
    coverage_probability: float | None
    expanded_uncertainty: Any
    budget: tuple[BudgetRow, ...]
    mcm: McmResult | None = None
    model: str = ""
    gum_valid: Any = True
    second_order: bool = False
    notes: tuple[str, ...] = ()
    spec: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def row(self, name: str) -> BudgetRow:
        """The budget row of input ``name``.

        Args:
            name: Input name.

        Returns:
            The row.

        Raises:
            KeyError: No such input.

        Example:
            >>> r = Result("y", "m", 1.0, 0.1, math.inf, 2.0, None, 0.2,
            ...            (BudgetRow("a", 1.0, "m", "normal", 0.1, 1.0, 0.1, 100.0, math.inf),))
            >>> r.row("a").share
            100.0
        """
        for r in self.budget:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The machine form of ``calib budget --json``.

        Returns:
            A JSON-ready dict with ``measurand``, ``unit``, ``value``, ``standard_uncertainty``,
            ``dof_eff``, ``coverage_factor``, ``coverage_probability``, ``expanded_uncertainty``,
            ``budget`` and, when Monte Carlo ran, ``mcm``; then ``model``, ``gum_valid``,
            ``second_order`` and ``notes``.

        Example:
            >>> r = Result("y", "m", 1.0, 0.1, math.inf, 2.0, None, 0.2, ())
            >>> d = r.to_dict()
            >>> d["dof_eff"], d["expanded_uncertainty"], "mcm" in d
            (None, 0.2, False)
        """
        out: dict[str, Any] = {
            "measurand": self.measurand,
            "unit": self.unit,
            "value": _num(self.value),
            "standard_uncertainty": _num(self.standard_uncertainty),
            "dof_eff": _num(self.dof_eff),
            "coverage_factor": _num(self.coverage_factor),
            "coverage_probability": self.coverage_probability,
            "expanded_uncertainty": _num(self.expanded_uncertainty),
            "budget": [r.to_dict() for r in self.budget],
        }
        if self.mcm is not None:
            out["mcm"] = self.mcm.to_dict()
        out["model"] = self.model
        out["gum_valid"] = (
            self.gum_valid.tolist() if isinstance(self.gum_valid, np.ndarray) else bool(self.gum_valid)
        )
        out["second_order"] = self.second_order
        out["notes"] = list(self.notes)
        return out
