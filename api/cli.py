"""The ``calib`` command line.

Each verb lives in its own module under :mod:`api.commands` and exposes ``register(subparsers)``;
verbs import their heavy dependencies inside the function they run, so ``calib --help`` stays quick.
This module only assembles them, runs the chosen one, and turns domain errors into one readable line
and a non-zero exit status (never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

#: Modules under ``api.commands`` that contribute verbs, in ``--help`` order.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "serve",
    "db",
    "budget",
    "sim",
    "read",
    "users",
    "audit",
    "validate",
    "backup",
    "restore",
    "standards",
    "trace",
    "impact",
    "certificate",
    "evidence",
    "procedures",
    "run",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered verb."""
    parser = argparse.ArgumentParser(
        prog="calib",
        description="Calibration service of the municipal carbon metrology centre (市级碳计量中心).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"api.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        print("calib: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `calib ... | head`: the reader left; not an error of ours
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except Exception as exc:  # one line, no traceback, for every known error
        from api.errors import cli_exit_code, describe_error  # imported late: keeps --help fast

        code = cli_exit_code(exc)
        if code is None:
            raise
        print(f"calib: error: {describe_error(exc)}", file=sys.stderr)
        return code
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
