"""Measurement uncertainty: GUM (JCGM 100 / JJF 1059.1) and Monte Carlo (JCGM 101 / JJF 1059.2).

The entry point is :func:`evaluate`, which takes a budget spec (the dict form of a budget file) and
returns a :class:`Result`; see ``docs/uncertainty.md``.
"""

from __future__ import annotations

from uncertainty.archive import archive_dumps, archive_loads, archive_recompute
from uncertainty.engine import evaluate
from uncertainty.errors import InvalidInputError, UncertaintyError
from uncertainty.expression import cabs
from uncertainty.linefit import LineFit, line_fit
from uncertainty.mcm import coverage_interval, numerical_tolerance
from uncertainty.multi import MultiResult, evaluate_multi
from uncertainty.report import format_budget
from uncertainty.result import BudgetRow, McmResult, Result
from uncertainty.rounding import round_result

__all__ = [
    "BudgetRow",
    "InvalidInputError",
    "LineFit",
    "McmResult",
    "MultiResult",
    "Result",
    "UncertaintyError",
    "archive_dumps",
    "archive_loads",
    "archive_recompute",
    "cabs",
    "coverage_interval",
    "evaluate",
    "evaluate_multi",
    "format_budget",
    "line_fit",
    "numerical_tolerance",
    "round_result",
]
