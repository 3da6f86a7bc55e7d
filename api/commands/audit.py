"""``calib audit verify|anchor``: recompute the hash-chained audit log; anchor its head in a file.

``verify`` reads only (no identity needed) and exits 0 when the chain, the anchor (``--anchor`` or
``CALIB_AUDIT_ANCHOR``) and every audited row agree, 1 otherwise, naming the first broken event.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option, open_database
from calib_service.db import make_session_factory
from calib_service.records import audit

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``audit`` verb."""
    p = sub.add_parser("audit", help="verify the tamper-evident audit log, or anchor its head in a file")
    verbs = p.add_subparsers(dest="audit_action", metavar="ACTION")
    verbs.required = True
    ver = verbs.add_parser(
        "verify", help="recompute the chain; exit 1 and name the first broken event if not intact"
    )
    ver.add_argument("--anchor", type=Path, default=None, help="anchor file (default: $CALIB_AUDIT_ANCHOR)")
    ver.add_argument("--json", action="store_true", help="print the full report as JSON")
    ver.add_argument("--no-rows", action="store_true", help="check the chain only, not the audited rows")
    ver.set_defaults(func=_verify)
    anc = verbs.add_parser(
        "anchor", help="write the current chain head to FILE (keep it outside the database)"
    )
    anc.add_argument("file", type=Path)
    anc.set_defaults(func=_anchor)
    for q in (ver, anc):
        add_database_option(q)


def _verify(args: argparse.Namespace) -> int:
    anchor_path = args.anchor or (
        Path(os.environ["CALIB_AUDIT_ANCHOR"]) if os.environ.get("CALIB_AUDIT_ANCHOR") else None
    )
    anchor = None if anchor_path is None else audit.read_anchor(anchor_path)
    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            report = audit.verify(session, anchor=anchor, check_rows=not args.no_rows)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.summary())
        for problem in report.problems[:50]:
            where = f"event {problem.seq}" if problem.seq is not None else "rows"
            print(f"  {where}: {problem.message}")
        if len(report.problems) > 50:
            print(f"  … and {len(report.problems) - 50} more")
    if anchor is None:
        print(
            "note: no anchor given; cutting off the newest events is only detected with --anchor",
            file=sys.stderr,
        )
    return 0 if report.ok else 1


def _anchor(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            head = audit.write_anchor(session, args.file)
    finally:
        engine.dispose()
    print(f"anchored head seq {head.seq} hash {head.hash} in {args.file}")
    return 0
