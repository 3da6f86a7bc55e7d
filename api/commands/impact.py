"""``calib impact STANDARD_ID --since DATE [--until DATE] [--json]``: reverse traceability.

Lists every calibration and certificate that used the standard from ``--since`` (its last good
calibration) to ``--until`` (default today), at any depth, and the customers to notify. To record the
nonconformity and its handling use the API (``POST /nonconformities``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from api.commands._common import add_database_option, open_database
from api.commands._dates import iso_date

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``impact`` verb."""
    p = sub.add_parser("impact", help="work affected by a suspect standard (reverse traceability)")
    add_database_option(p)
    p.add_argument("standard_id", type=int, metavar="STANDARD_ID")
    p.add_argument(
        "--since", type=iso_date, required=True, metavar="DATE", help="start: its last good calibration"
    )
    p.add_argument(
        "--until", type=iso_date, default=None, metavar="DATE", help="end: when it was found (default: now)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from calib_service.db import make_session_factory
    from calib_service.traceability import impact_of

    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            impact = impact_of(
                session=session, standard_id=args.standard_id, since=args.since, until=args.until
            )
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(impact.to_dict(), ensure_ascii=False, indent=2))
        return 0
    s = impact.standard
    print(f"impact of {s.name} ({s.holder}) from {impact.since} to {impact.until or 'now'}:")
    print(
        f"  {len(impact.calibrations)} calibration(s), {len(impact.certificates)} certificate(s), "
        f"depth {impact.max_depth}"
    )
    for i in impact.items:
        what = (
            f"calibration {i.calibration_number} on {i.day}, customer {i.customer or '—'}"
            if i.kind == "calibration"
            else f"certificate {i.certificate_number} of {i.equipment} on {i.day}"
        )
        print(f"  [{i.depth}] {what}  via {i.via}")
    customers = impact.customers()
    print("customers to notify: " + (", ".join(n for _, n in customers) if customers else "none"))
    return 0
