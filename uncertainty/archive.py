"""The budget archive: a stable, versioned JSON of a budget and its result, stored with every result.

Layout (version 1)::

    {
      "format": "calib-uncertainty-budget",
      "version": 1,
      "software": {"name": "calib-service", "version": "0.1.0"},
      "spec": { ... the budget spec as evaluated (null for a Python-callable model) ... },
      "result": { ... Result.to_dict() ... }
    }

Floats are written with ``repr`` precision, so :func:`archive_loads` gives back the same numbers bit for
bit; :func:`archive_recompute` evaluates the stored spec again (Monte Carlo with the stored seed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import numpy as np

from uncertainty.errors import InvalidInputError
from uncertainty.result import BudgetRow, McmResult, Result
from uncertainty.spec import jsonable_spec

__all__ = ["ARCHIVE_FORMAT", "ARCHIVE_VERSION", "archive_dumps", "archive_loads", "archive_recompute"]

ARCHIVE_FORMAT = "calib-uncertainty-budget"
ARCHIVE_VERSION = 1


def _software_version() -> str:
    try:
        return metadata.version("calib-service")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def archive_dumps(result: Result, *, indent: int | None = 1) -> str:
    """Serialise a result and the spec that produced it.

    Args:
        result: A result of :func:`uncertainty.evaluate`.
        indent: JSON indentation (``None`` for one line).

    Returns:
        The archive text (keys in a fixed order).

    Example:
        >>> from uncertainty.engine import evaluate
        >>> r = evaluate({"model": "a", "inputs": [{"name": "a", "value": 0.1, "standard_uncertainty": 0.3}]})
        >>> text = archive_dumps(r)
        >>> json.loads(text)["version"], archive_loads(text) == r
        (1, True)
    """
    spec = None if result.spec is None else jsonable_spec(result.spec)
    if spec is not None and result.mcm is not None and result.mcm.seed is not None:
        options = dict(spec.get("options") or {})
        options.setdefault("seed", result.mcm.seed)
        spec["options"] = options
    doc = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "software": {"name": "calib-service", "version": _software_version()},
        "spec": spec,
        "result": result.to_dict(),
    }
    return json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=False)


def _arr(x: Any) -> Any:
    if isinstance(x, list):
        return np.array([math.nan if v is None else v for v in x], dtype=float)
    return math.inf if x is None else float(x)


def _num(x: Any) -> Any:
    if isinstance(x, list):
        return np.array([math.nan if v is None else v for v in x], dtype=float)
    return math.nan if x is None else float(x)


def _load_doc(text: str) -> Mapping[str, Any]:
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"archive: not valid JSON ({exc}); give the text written by archive_dumps"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != ARCHIVE_FORMAT:
        raise InvalidInputError(f"archive: not a {ARCHIVE_FORMAT!r} document; check the file")
    if doc.get("version") != ARCHIVE_VERSION:
        raise InvalidInputError(
            f"archive: version {doc.get('version')!r} is not supported (this build reads {ARCHIVE_VERSION}); "
            "upgrade calib-service"
        )
    return doc


def archive_loads(text: str) -> Result:
    """Read an archive back into a :class:`Result` with the stored numbers (nothing is recomputed).

    Args:
        text: Text written by :func:`archive_dumps`.

    Returns:
        The result (``spec`` holds the stored spec).

    Raises:
        InvalidInputError: Not an archive, or an unsupported version.

    Example:
        >>> archive_loads('{"format": "other"}')
        Traceback (most recent call last):
        ...
        uncertainty.errors.InvalidInputError: archive: not a 'calib-uncertainty-budget' document; ...
    """
    doc = _load_doc(text)
    d = doc["result"]
    try:
        rows = tuple(
            BudgetRow(
                name=r["name"],
                value=_num(r["value"]),
                unit=r["unit"],
                distribution=r["distribution"],
                standard_uncertainty=_num(r["standard_uncertainty"]),
                sensitivity=_num(r["sensitivity"]),
                contribution=_num(r["contribution"]),
                share=_num(r["share"]),
                dof=math.inf if r["dof"] is None else float(r["dof"]),
            )
            for r in d["budget"]
        )
        gum_valid = d.get("gum_valid", True)
        return Result(
            measurand=d["measurand"],
            unit=d["unit"],
            value=_num(d["value"]),
            standard_uncertainty=_num(d["standard_uncertainty"]),
            dof_eff=_arr(d["dof_eff"]),
            coverage_factor=_num(d["coverage_factor"]),
            coverage_probability=d["coverage_probability"],
            expanded_uncertainty=_num(d["expanded_uncertainty"]),
            budget=rows,
            mcm=McmResult.from_dict(d["mcm"]) if d.get("mcm") else None,
            model=d.get("model", ""),
            gum_valid=np.array(gum_valid) if isinstance(gum_valid, list) else bool(gum_valid),
            second_order=bool(d.get("second_order", False)),
            notes=tuple(d.get("notes", ())),
            spec=doc.get("spec"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"archive: result is incomplete or malformed ({exc!r}); check the file"
        ) from None


def archive_recompute(text: str) -> Result:
    """Evaluate the archived spec again (with the stored Monte Carlo seed), to audit a stored result.

    Args:
        text: Text written by :func:`archive_dumps`.

    Returns:
        A freshly computed result.

    Raises:
        InvalidInputError: Not an archive, or the model was a Python callable (not stored).

    Example:
        >>> from uncertainty.engine import evaluate
        >>> a = {"name": "a", "value": 1.5, "standard_uncertainty": 0.1}
        >>> r = evaluate({"model": "2*a", "inputs": [a]})
        >>> archive_recompute(archive_dumps(r)).value == r.value
        True
    """
    doc = _load_doc(text)
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        raise InvalidInputError(
            "archive: the spec was not stored (Python-callable model); it cannot be recomputed"
        )
    from uncertainty.engine import evaluate

    return evaluate(spec)
