"""``calib demo``: the main job on the embedded default (SQLite, simulated instruments)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``demo`` verb."""
    p = sub.add_parser(
        "demo",
        help="the main job on simulated benches: every family, certificates, annual evidence",
        description="Verifies a simulated DL/T 645 meter on a simulated meter bench (JJG 596-2012) end to "
        "end (serial drivers on pseudo-terminals, GUM uncertainty, JJF 1094 decision, database), then one "
        "calibration of each other family, reviews, approves and issues their certificates (PDF + DCC), and "
        "writes the year's task-evidence report; outputs in --out.",
    )
    add_database_option(p)
    p.add_argument(
        "--out", type=Path, default=Path("calib-demo-out"), help="output folder (default ./calib-demo-out)"
    )
    p.add_argument(
        "--time-scale", type=float, default=2000.0, help="simulated seconds per wall second (default 2000)"
    )
    p.add_argument("--seed", type=int, default=2026, help="seed of the simulators' noise")
    p.add_argument("--error-percent", type=float, default=0.3, help="simulated meter error, %% (default 0.3)")
    p.add_argument("--class", dest="accuracy_class", default="1", help="meter class: 0.2S, 0.5S, 1, 2")
    p.add_argument("--decision-rule", choices=("jjf1094", "simple", "guard"), default="jjf1094")
    p.add_argument("--dut-port", default=None, help="a real DL/T 645 meter's port instead of the simulator")
    p.add_argument("--bench-port", default=None, help="a real meter bench's port instead of the simulator")
    p.add_argument("--quiet", action="store_true", help="print only the results table")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from api.commands._common import open_database
    from calib_service.db import make_session_factory
    from calib_service.demo import DemoOptions, run_full_demo
    from calib_service.demo_data import DEMO_ADMIN
    from calib_service.models import utcnow
    from calib_service.reporting import results_table

    t0 = time.monotonic()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - t0:6.2f}s] {message}", file=sys.stderr, flush=True)

    if not args.time_scale > 0:
        print("calib: error: --time-scale must be > 0", file=sys.stderr)
        return 2
    engine = open_database(args)
    options = DemoOptions(
        out_dir=args.out,
        time_scale=args.time_scale,
        seed=args.seed,
        meter_error_percent=args.error_percent,
        accuracy_class=args.accuracy_class,
        decision_rule=args.decision_rule,
        dut_port=args.dut_port,
        bench_port=args.bench_port,
    )
    summary = run_full_demo(
        session_factory=make_session_factory(engine),
        options=options,
        today=date.today(),
        progress=progress,
        wall=utcnow,
    )
    print(f"{summary['number']}  {summary['procedure']}  meter {summary['dut']['serial']}  "
          f"class {summary['dut']['accuracy_class']}  rule {summary['decision_rule']}")
    print(results_table(summary))
    print(f"result: {summary['decision']}  ({summary['readings']} raw readings stored)")
    print()
    print("all families / 各类器具:")
    for c in summary["families"]:
        outcome = c["decision"] or "calibration (no decision)"
        print(f"  {c['number']}  {c['family']:<12} {outcome:<26} {c['procedure']}")
    docs = summary["documents"]
    for number, cert in sorted(docs["certificates"].items()):
        print(f"certificate {number} ({cert['kind']}): {len(cert.get('files', []))} files")
    print(f"annual evidence report: {len(docs['evidence'])} files; outputs in {args.out}/")
    if summary.get("admin_created"):
        user, password = DEMO_ADMIN
        print(f"sign in to `calib serve` as {user} / {password} (demo data only; see README)")
    engine.dispose()
    return 0
