"""Calibration procedures: one data module per regulation, one ``*_run`` module per bench procedure.

Data and evaluation (pure): ``jjg596``, ``jjg162``, ``jjg577``, ``jjg225``, ``jjg635``, ``cems_co2``,
``comparison`` with the shared ``common``, ``analyser`` and ``water``. Running them on a bench:
``jjg596_run``, ``jjg162_run``, ``jjg577_run``, ``jjg225_run``, ``jjg635_run``, ``cems_co2_run``,
``comparison_run`` on the ``run_support.Station``; ``registry`` maps a code or alias to its module, roles,
classes and run function (``calib procedures``, ``calib run``).

Submodules and the registry's names are loaded on first use, so importing one data module stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ProcedureEntry",
    "RunSetup",
    "StandardOnDay",
    "Station",
    "analyser",
    "cems_co2",
    "cems_co2_run",
    "common",
    "comparison",
    "comparison_run",
    "entries",
    "jjg162",
    "jjg162_run",
    "jjg225",
    "jjg225_run",
    "jjg577",
    "jjg577_run",
    "jjg596",
    "jjg596_run",
    "jjg635",
    "jjg635_run",
    "lookup",
    "registry",
    "run_support",
    "water",
]

_FROM = {
    "ProcedureEntry": "registry",
    "entries": "registry",
    "lookup": "registry",
    "RunSetup": "run_support",
    "StandardOnDay": "run_support",
    "Station": "run_support",
}


def __getattr__(name: str) -> Any:
    """Load a submodule, or a name of ``registry``/``run_support``, on first use."""
    if name in _FROM:
        return getattr(importlib.import_module(f"{__name__}.{_FROM[name]}"), name)
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
