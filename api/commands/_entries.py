"""Helpers of the verbs whose sub-command is a registry entry: ``calib sim DEVICE`` and ``calib read DRIVER``.

Each entry (a simulator or a driver) becomes a sub-parser with the verb's common options and the entry's
own :class:`~instruments.registry.Option` flags; ``--list`` prints the entries with their options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from instruments import registry

__all__ = ["add_entry_parser", "add_options", "missing_entry", "print_load_errors", "print_options"]


def add_entry_parser(
    subparsers: Any, name: str, description: str, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """The sub-parser of one entry, with the verb's ``common`` options.

    Args:
        subparsers: The verb's sub-parsers action.
        name: Entry name (the sub-command).
        description: Its help and description.
        common: Parent parser with the verb's common options.

    Returns:
        The new sub-parser; the caller adds its own flags, then :func:`add_options`.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, parents=[common], help=description, description=description
    )
    return parser


def add_options(parser: argparse.ArgumentParser, options: Sequence[registry.Option]) -> None:
    """Add the entry's own options as flags of ``parser``."""
    for opt in options:
        parser.add_argument(opt.flag, type=opt.type, default=opt.default, choices=opt.choices, help=opt.help)


def print_options(options: Sequence[registry.Option]) -> None:
    """Print one ``--list`` line per option (flag, help, default)."""
    for opt in options:
        default = "" if opt.default is None else f" (default {opt.default})"
        print(f"{'':18s}{opt.flag}: {opt.help}{default}")


def print_load_errors() -> None:
    """Warn on stderr about the entry modules that could not be loaded."""
    for module, err in registry.load_errors().items():
        print(f"calib: warning: {module} could not be loaded: {err}", file=sys.stderr)


def missing_entry(parser: argparse.ArgumentParser, verb: str, what: str) -> int:
    """Usage and an error on stderr when no entry is named.

    Args:
        parser: The verb's parser (for its usage line).
        verb: The verb (``sim``, ``read``).
        what: The metavar of the entry (``DEVICE``, ``DRIVER``).

    Returns:
        Exit status 2.
    """
    parser.print_usage(sys.stderr)
    print(f"calib {verb}: error: name a {what} (see calib {verb} --list)", file=sys.stderr)
    return 2
