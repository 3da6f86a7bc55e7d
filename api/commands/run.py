"""``calib run PROCEDURE --bench FILE --dut SERIAL``: run a calibration on a bench and store it.

The device under test is registered if new; the technician must be authorised and every standard
named in the bench file usable on the day; environmental conditions come from ``--env`` or are asked
for. Progress goes to stderr, one line per step; the results go to stdout (a table, or ``--json``).
Readings without a serial line are typed in at the prompt (or given with ``--entry`` in scripts), and
the technician confirms each physical step with Enter (``--yes`` skips the confirmation, for benches
that need no hands). A run that stopped (crash, cable) continues with ``--resume CALIBRATION_ID``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option

__all__ = ["register"]


def _pair(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name.strip()}: {value!r} is not a number") from None


def _points(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--points wants numbers separated by commas, got {text!r}"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("--points is empty")
    return values


def register(sub: Any) -> None:
    """Register the ``run`` verb."""
    p = sub.add_parser(
        "run",
        help="run a calibration procedure on a bench and store it (see calib procedures)",
        description="Runs PROCEDURE (code or alias from calib procedures) on the instruments of a bench "
        "file, stores every reading as it arrives and prints the results.",
    )
    p.add_argument("procedure", metavar="PROCEDURE", help="procedure code or alias, e.g. jjg162")
    p.add_argument("--bench", type=Path, required=True, metavar="FILE", help="bench file (YAML)")
    p.add_argument("--dut", required=True, metavar="SERIAL", help="serial of the device under test")
    p.add_argument("--class", dest="accuracy_class", default=None, help="accuracy class of the device")
    p.add_argument("--points", type=_points, default=None, help="points chosen by the technician: 1,5,10")
    p.add_argument("--decision-rule", choices=("jjf1094", "simple", "guard"), default="jjf1094")
    p.add_argument(
        "--param",
        type=_pair,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="device rating or run parameter (repeatable), e.g. q3=2.5",
    )
    p.add_argument(
        "--env",
        type=_pair,
        action="append",
        default=[],
        metavar="QUANTITY=VALUE",
        help="environmental condition typed in (repeatable), e.g. ambient_temperature=23.1",
    )
    p.add_argument(
        "--entry",
        type=_pair,
        action="append",
        default=[],
        metavar="QUANTITY=VALUE",
        help="answer for a typed-in reading (repeatable; 'prover_volume.1=2001.5')",
    )
    p.add_argument(
        "--technician",
        default=os.environ.get("CALIB_TECHNICIAN"),
        help="username of the technician (default $CALIB_TECHNICIAN)",
    )
    p.add_argument(
        "--override-environment",
        action="store_true",
        help="run outside the regulation's environmental limits, flagging every point",
    )
    p.add_argument(
        "--resume",
        type=int,
        default=None,
        metavar="CALIBRATION_ID",
        help="continue a calibration that stopped",
    )
    p.add_argument("--as-left", action="store_true", help="the device was adjusted: record as-left results")
    p.add_argument("--yes", action="store_true", help="do not wait for Enter at each physical step")
    p.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help="run clock faster than real time (for simulated benches only)",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    add_database_option(p)
    p.set_defaults(func=_run)


class _Console:
    """Prompts on the terminal, answers from ``--entry`` first."""

    def __init__(self, entries: Mapping[str, float], *, confirm: bool) -> None:
        self.entries = dict(entries)
        self.confirm = confirm

    def ask(self, quantity: str, unit: str, prompt: str) -> float:
        from calib_service.errors import RecordValidationError

        for key in (quantity, quantity.split(".")[0]):
            if key in self.entries:
                return self.entries[key]
        interactive = sys.stdin.isatty()
        while True:
            if interactive:
                print(f"{prompt} [{quantity}, {unit}]: ", end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                raise RecordValidationError(
                    f"{quantity} must be typed in ({unit}) but there is no input; run interactively or "
                    f"give --entry {quantity}=VALUE (a started calibration stays open for --resume)"
                )
            if not interactive:
                print(f"{prompt} [{quantity}, {unit}]: {line.strip()}", file=sys.stderr, flush=True)
            try:
                return float(line.strip())
            except ValueError:
                print(f"  {line.strip()!r} is not a number; type it again", file=sys.stderr)

    def operator(self, action: str, params: Mapping[str, Any]) -> None:
        if not self.confirm:
            return
        print("  press Enter when done: ", end="", file=sys.stderr, flush=True)
        sys.stdin.readline()


def _table(outcome: dict[str, Any]) -> str:
    lines = [f"{'point':18s} {'error':>12s} {'U':>10s} {'k':>5s} {'MPE':>9s}  decision"]
    for p in outcome["points"]:
        unit = p["error_unit"]
        u = "—" if p["expanded_uncertainty"] is None else f"{p['expanded_uncertainty']:.2g}"
        k = "—" if p["coverage_factor"] is None else f"{p['coverage_factor']:.3g}"
        mpe = "—" if p["mpe"] is None else f"±{p['mpe']:g}"
        decision = p["decision"] or "—"
        lines.append(
            f"{p['point'][:18]:18s} {p['error']:>+10.4g} {unit:<2s}{u:>9s} {k:>5s} {mpe:>9s}  {decision}"
        )
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from api.commands._common import open_database
    from calib_service.benches import load_bench, open_instruments
    from calib_service.db import make_session_factory
    from calib_service.errors import RecordValidationError
    from calib_service.models import utcnow
    from calib_service.procedures.registry import lookup
    from calib_service.run_service import RunRequest, run_calibration
    from instruments.clock import Clock, RealClock, ScaledClock

    t0 = time.monotonic()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - t0:7.2f}s] {message}", file=sys.stderr, flush=True)

    if not args.technician:
        raise RecordValidationError("name the technician with --technician USERNAME (or $CALIB_TECHNICIAN)")
    if args.time_scale is not None and not args.time_scale > 0:
        raise RecordValidationError(f"--time-scale must be > 0, got {args.time_scale}")
    entry = lookup(args.procedure)
    bench = load_bench(args.bench)
    entry.check_bench(bench)
    clock: Clock = RealClock() if args.time_scale is None else ScaledClock(args.time_scale)
    console = _Console(dict(args.entry), confirm=not args.yes)
    request = RunRequest(
        procedure=entry.alias,
        bench=bench,
        dut_serial=args.dut,
        technician=args.technician,
        accuracy_class=args.accuracy_class,
        decision_rule=args.decision_rule,
        points=args.points,
        params=dict(args.param),
        environment=dict(args.env),
        override_environment=args.override_environment,
        resume=args.resume,
        state="as_left" if args.as_left else "as_found",
    )
    with open_instruments(bench, roles=tuple(bench.instruments), clock=clock) as instruments:
        progress(f"bench {bench.name!r}: {', '.join(sorted(instruments))} ready")
        engine = open_database(args)
        try:
            outcome = run_calibration(
                session_factory=make_session_factory(engine),
                request=request,
                instruments=instruments,
                clock=clock,
                today=date.today(),
                wall=utcnow,
                progress=progress,
                ask=console.ask,
                operator=console.operator,
            )
        finally:
            engine.dispose()
    doc = outcome.to_dict()
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"{doc['number']}  {doc['procedure']}  device {args.dut}  → {doc['decision'] or 'calibrated'}")
        print(_table(doc))
    return 0
