"""``calib trace CALIBRATION_ID [--svg FILE] [--json]``: the traceability chain of one result.

Prints each link (equipment, certificate, issuing laboratory, U and k, validity on the day) up to the
national standard or certified reference material, then the findings. Exit status 0 when the chain is
complete and without errors (the result may be approved), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option, open_database

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``trace`` verb."""
    p = sub.add_parser("trace", help="traceability chain of a calibration, to the national standard")
    add_database_option(p)
    p.add_argument("calibration_id", type=int, metavar="CALIBRATION_ID")
    p.add_argument("--svg", type=Path, metavar="FILE", help="also write the chain diagram as SVG")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from calib_service.db import make_session_factory
    from calib_service.traceability import chain_svg, trace_calibration

    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            trace = trace_calibration(session=session, calibration_id=args.calibration_id)
    finally:
        engine.dispose()
    if args.svg is not None:
        args.svg.write_text(chain_svg(trace), encoding="utf-8")
    if args.json:
        print(json.dumps(trace.to_dict(), ensure_ascii=False, indent=2))
        return 0 if trace.ok else 1
    print(f"{trace.number} on {trace.day}: {trace.dut}, customer {trace.customer or '—'}")
    print(f"chain {'complete' if trace.complete else 'BROKEN'}, {'ok' if trace.ok else 'NOT approvable'}")
    for link in trace.links:
        pad = "  " * link.depth
        cert = link.certificate
        if cert is None:
            desc = "no certificate"
        else:
            mark = "valid" if link.valid else "NOT valid"
            u = f"U = {cert.expanded_uncertainty:g} {cert.uncertainty_unit} (k = {cert.coverage_factor:g})"
            span = f"{cert.calibration_date}..{cert.due_date}"
            desc = f"{cert.number} by {cert.issuing_lab}, {u}, {span}, {mark} on {link.judged_on}"
        print(f"{pad}{link.index + 1}. {link.equipment} ({link.serial}): {desc}")
        top = link.top_standard()
        if top is not None:
            crm = f" {top.crm_number}" if top.crm_number else ""
            print(f"{pad}   top: {top.name}{crm} ({top.holder}), {top.level}")
    if trace.findings:
        print("findings:")
        for f in trace.findings:
            print(f"  {f.severity} {f.code}: {f.message}")
    if args.svg is not None:
        print(f"chain diagram written to {args.svg}")
    return 0 if trace.ok else 1
