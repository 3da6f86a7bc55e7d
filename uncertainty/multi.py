"""Multi-output models (a vector measurand, as GUM H.2's R, X, Z) with the covariance of the outputs.

Spec form: ``model`` maps each output name to its expression, ``measurand`` lists ``{name, unit}`` per
output (or is omitted); inputs, correlations and options are as for :func:`uncertainty.evaluate`::

    {"measurand": [{"name": "R", "unit": "ohm"}, {"name": "X", "unit": "ohm"}],
     "model": {"R": "V/I*cos(phi)", "X": "V/I*sin(phi)"}, "inputs": [...], "correlations": [...]}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from uncertainty.engine import finish, gum_core
from uncertainty.errors import InvalidInputError
from uncertainty.result import Result
from uncertainty.spec import parse_spec

__all__ = ["MultiResult", "evaluate_multi"]


@dataclass(frozen=True)
class MultiResult:
    """Results of a multi-output model.

    Attributes:
        outputs: One :class:`Result` per output, in model order.
        covariance: Covariance matrix of the outputs (GUM law of propagation), in their units.
        correlation: Correlation matrix of the outputs.
    """

    outputs: tuple[Result, ...]
    covariance: np.ndarray
    correlation: np.ndarray

    @property
    def names(self) -> tuple[str, ...]:
        """Output names."""
        return tuple(r.measurand for r in self.outputs)

    def __getitem__(self, name: str) -> Result:
        for r in self.outputs:
            if r.measurand == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``outputs`` (each as ``Result.to_dict()``), ``covariance``, ``correlation``, ``names``.

        Returns:
            A JSON-ready dict.
        """
        return {
            "names": list(self.names),
            "outputs": [r.to_dict() for r in self.outputs],
            "covariance": self.covariance.tolist(),
            "correlation": self.correlation.tolist(),
        }


def evaluate_multi(spec: Mapping[str, Any], *, rng: np.random.Generator | None = None) -> MultiResult:
    """Evaluate a model with several outputs and their covariance.

    Args:
        spec: As for :func:`uncertainty.evaluate`, with ``model`` a mapping output name -> expression
            and ``measurand`` a list of ``{name, unit}`` (units optional).
        rng: Generator for Monte Carlo (each output's marginal is simulated).

    Returns:
        The :class:`MultiResult`.

    Raises:
        InvalidInputError: Malformed spec (as for ``evaluate``), or a measurand not in the model.

    Example:
        >>> m = evaluate_multi({"model": {"s": "a + b", "d": "a - b"}, "inputs": [
        ...     {"name": "a", "value": 1.0, "standard_uncertainty": 0.1},
        ...     {"name": "b", "value": 1.0, "standard_uncertainty": 0.1}]})
        >>> round(float(m.correlation[0, 1]), 12), round(m["s"].standard_uncertainty, 6)
        (0.0, 0.141421)
    """
    models = spec.get("model") if isinstance(spec, Mapping) else None
    if not isinstance(models, Mapping) or not models:
        raise InvalidInputError("budget: a multi-output model must map each output name to its expression")
    raw_meas = spec.get("measurand")
    units: dict[str, str | None] = {}
    if raw_meas is not None:
        if not isinstance(raw_meas, list):
            raise InvalidInputError("measurand: for a multi-output model give a list of {name, unit}")
        for m in raw_meas:
            if not isinstance(m, Mapping) or m.get("name") not in models:
                raise InvalidInputError(
                    f"measurand: {m!r} names no output of the model ({', '.join(models)})"
                )
            units[str(m["name"])] = m.get("unit")
    first = next(iter(models))
    base = dict(spec)
    base["model"] = models[first]
    base["measurand"] = {"name": first}
    parsed0 = parse_spec(base)
    results = []
    cores = []
    for name, expr in models.items():
        if not isinstance(expr, str):
            raise InvalidInputError(f"model {name!r}: must be an expression string, got {expr!r}")
        parsed = dataclasses.replace(
            parsed0, model=expr, measurand=str(name), measurand_unit=units.get(str(name))
        )
        core = gum_core(parsed)
        cores.append(core)
        results.append(finish(parsed, core, spec, rng=rng))
    if cores[0].x.ndim != 1:
        raise InvalidInputError("budget: multi-output models are not available in batch mode")
    cu = np.array([c.cu for c in cores])  # (outputs, inputs)
    corr = parsed0.correlation if parsed0.correlation is not None else np.eye(cu.shape[1])
    cov = cu @ corr @ cu.T
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(np.outer(sd, sd) > 0, cov / np.outer(sd, sd), 0.0)
    np.fill_diagonal(rho, 1.0)
    return MultiResult(outputs=tuple(results), covariance=cov, correlation=rho)
