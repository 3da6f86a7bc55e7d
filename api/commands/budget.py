"""`calib budget`: placeholder until its issue lands (the verb is registered so `--help` lists it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the `budget` verb."""
    p = sub.add_parser("budget", help="(not yet available)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    print("calib: 'budget' is not available in this version yet", file=sys.stderr)
    return 2
