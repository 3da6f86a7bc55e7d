"""`calib read DRIVER --port PORT`: read from a connected instrument and print the reading(s).

``--json`` prints ``{"readings": [{"quantity", "value", "unit"}], "frames": [{"dir", "hex", "t"}]}``.
Line settings default to the protocol's usual ones (``calib read --list`` shows them). A port that cannot
be opened, or a device that does not answer, gives one line on stderr and exit status 7.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from api.commands._entries import (
    add_entry_parser,
    add_options,
    missing_entry,
    print_load_errors,
    print_options,
)
from instruments import registry
from instruments.errors import ConfigurationError
from instruments.link import SerialLink

__all__ = ["register"]


def _stopbits(text: str) -> float:
    if text not in ("1", "1.5", "2"):
        raise argparse.ArgumentTypeError(f"stop bits must be 1, 1.5 or 2, got {text!r}")
    return float(text)


def _common() -> argparse.ArgumentParser:
    c = argparse.ArgumentParser(add_help=False)
    g = c.add_argument_group("link")
    g.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0, /dev/pts/3, loop://")
    g.add_argument("--baud", type=int, default=None, help="baud rate (protocol default)")
    g.add_argument("--parity", choices=("N", "E", "O"), default=None, help="parity (protocol default)")
    g.add_argument("--stopbits", type=_stopbits, default=None, help="stop bits 1|2 (protocol default)")
    g.add_argument(
        "--timeout", type=float, default=None, help="reply timeout per attempt, s (protocol default)"
    )
    g.add_argument(
        "--retries", type=int, default=None, help="extra attempts after a failure (protocol default)"
    )
    g.add_argument("--json", action="store_true", help="print JSON with the readings and the raw frames")
    return c


def register(sub: Any) -> None:
    """Register the `read` verb."""
    p = sub.add_parser(
        "read",
        help="read from a connected instrument",
        description="Read from a connected instrument and print the reading(s).",
    )
    p.add_argument("--list", action="store_true", help="list the drivers and their options and exit")
    drivers = p.add_subparsers(dest="driver", metavar="DRIVER")
    common = _common()
    for entry in registry.drivers():
        dp = add_entry_parser(drivers, entry.name, entry.description, common)
        dp.add_argument("--address", default=None, help=entry.address_help)
        add_options(dp, entry.options)
    p.set_defaults(func=_run, _read_parser=p)


def _list() -> int:
    for entry in registry.drivers():
        ln = entry.line
        line = f"{ln.baudrate} {ln.bytesize}{ln.parity}{ln.stopbits:g}, timeout {ln.timeout} s"
        line += f", retries {ln.retries}"
        print(f"{entry.name:16s} {entry.description} [{line}]")
        print(f"{'':18s}--address: {entry.address_help}")
        print_options(entry.options)
    print_load_errors()
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if args.driver is None:
        return missing_entry(args._read_parser, "read", "DRIVER")
    entry = registry.driver(args.driver)
    try:
        settings = entry.line.settings(
            args.port,
            baudrate=args.baud,
            parity=args.parity,
            stopbits=args.stopbits,
            timeout=args.timeout,
            retries=args.retries,
        )
        options: dict[str, Any] = {opt.dest: getattr(args, opt.dest) for opt in entry.options}
        options["address"] = args.address
        link = SerialLink(settings)
        with link:
            readings = entry.read(link, options)
    except ConfigurationError as exc:
        print(f"calib: error: {exc}", file=sys.stderr)
        return 2
    for note in link.trace.notes:
        print(f"calib: note: {note.text}", file=sys.stderr)
    if args.json:
        out = {
            "readings": [{"quantity": r.quantity, "value": r.value, "unit": r.unit} for r in readings],
            "frames": [e.to_dict() for e in link.trace.entries],
        }
        print(json.dumps(out, indent=2))
    else:
        for r in readings:
            print(f"{r.quantity} = {r.value:g} {r.unit}")
    return 0
