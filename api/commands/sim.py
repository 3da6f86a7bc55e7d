"""`calib sim DEVICE`: serve a simulated instrument on a new pseudo-terminal until SIGINT/SIGTERM.

The first line of stdout is the device path (flushed at once), so a script can do
``PORT=$(calib sim dlt645 | head -1)`` or read one line from a subprocess. Devices that drive companions
(the meter bench drives a DL/T 645 meter under test) print one more line per companion: ``NAME PATH``.
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import sys
import threading
from types import FrameType
from typing import Any

from api.commands._entries import (
    add_entry_parser,
    add_options,
    missing_entry,
    print_load_errors,
    print_options,
)
from instruments import registry
from instruments.clock import ScaledClock
from instruments.errors import ConfigurationError
from instruments.sim.faults import FaultEvent, FaultSpec
from instruments.sim.pty import PtySimServer

__all__ = ["register"]


def _common() -> argparse.ArgumentParser:
    c = argparse.ArgumentParser(add_help=False)
    g = c.add_argument_group("simulation")
    g.add_argument("--link", metavar="PATH", help="also make PATH a symlink to the pseudo-terminal")
    g.add_argument("--error-percent", type=float, default=0.0, help="systematic error of the device, %% (0)")
    g.add_argument("--noise-percent", type=float, default=0.0, help="relative noise of readings, %% (0)")
    g.add_argument(
        "--faults", default="", metavar="SPEC", help="fault spec, e.g. 'crc=0.05,silence=2@10' (docs)"
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the random generator (0)")
    g.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per wall second (1)")
    g.add_argument("--baud", type=int, default=None, help="pace exchanges at this line rate (off)")
    g.add_argument("--reply-delay", type=float, default=0.0, help="device reply delay in seconds (0)")
    g.add_argument("-v", "--verbose", action="store_true", help="log every fault applied on stderr")
    return c


def register(sub: Any) -> None:
    """Register the `sim` verb."""
    p = sub.add_parser(
        "sim",
        help="serve a simulated instrument on a pseudo-terminal",
        description="Serve a simulated instrument on a new pseudo-terminal; prints its path first.",
    )
    p.add_argument("--list", action="store_true", help="list the simulated devices and exit")
    devices = p.add_subparsers(dest="device", metavar="DEVICE")
    common = _common()
    for entry in registry.simulators():
        add_options(add_entry_parser(devices, entry.name, entry.description, common), entry.options)
    p.set_defaults(func=_run, _sim_parser=p)


def _list() -> int:
    for entry in registry.simulators():
        print(f"{entry.name:16s} {entry.description}")
        print_options(entry.options)
    print_load_errors()
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if args.device is None:
        return missing_entry(args._sim_parser, "sim", "DEVICE")
    try:
        return _serve(args)
    except ConfigurationError as exc:
        print(f"calib: error: {exc}", file=sys.stderr)
        return 2


def _announce(event: FaultEvent) -> None:
    """Tell the user where the device went after a scheduled hang-up (stdout stays for the first path)."""
    if event.kind in ("hangup", "reappear"):
        print(f"calib sim: {event.kind} at t={event.t:.1f} s: {event.detail}", file=sys.stderr, flush=True)


def _serve(args: argparse.Namespace) -> int:
    entry = registry.simulator(args.device)
    if not args.time_scale > 0:
        raise ConfigurationError(f"--time-scale must be > 0, got {args.time_scale!r}")
    faults = FaultSpec.parse(args.faults)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    clock = ScaledClock(args.time_scale)
    options = {opt.dest: getattr(args, opt.dest) for opt in entry.options}
    ctx = registry.SimContext(
        clock=clock,
        rng=random.Random(args.seed),
        error_percent=args.error_percent,
        noise_percent=args.noise_percent,
        options=options,
    )
    device = entry.factory(ctx)
    servers = [
        PtySimServer(
            device,
            faults=faults,
            rng=random.Random(args.seed + 1),
            clock=clock,
            link_path=args.link,
            baud=args.baud,
            reply_delay=args.reply_delay,
            name=entry.name,
            on_event=_announce,
        )
    ]
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(servers[0].start(), flush=True)
        companions = getattr(device, "companions", None)
        for name, companion in (companions() if callable(companions) else {}).items():
            srv = PtySimServer(
                companion,
                clock=clock,
                link_path=options.get(f"{name}_link"),
                reply_delay=args.reply_delay,
                name=name,
            )
            servers.append(srv)
            print(f"{name} {srv.start()}", flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        for srv in servers:
            srv.stop()
        for s, handler in old.items():
            signal.signal(s, handler)
    main = servers[0]
    print(
        f"calib sim: {entry.name} stopped: {main.requests} request(s), {main.replies} reply(ies), "
        f"{len(main.events)} fault event(s)",
        file=sys.stderr,
    )
    return 0
