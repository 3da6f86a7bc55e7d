"""``calib standards due|list``: the centre's measurement standards and what falls due.

``due`` lists certificates of standards and reference materials, and assessment certificates
(计量标准考核证书), due within ``--days`` of ``--as-of`` (default today), overdue ones first; the exit
status is 1 when something is overdue (so a scheduled job can alert), else 0.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from api.commands._common import add_database_option, open_database
from api.commands._dates import iso_date, today

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``standards`` verb."""
    p = sub.add_parser("standards", help="measurement standards: due list (due), current certificates (list)")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    due = actions.add_parser("due", help="certificates and assessments due within N days (and overdue)")
    add_database_option(due)
    due.add_argument("--days", type=int, default=30, help="look-ahead in days (default 30)")
    due.add_argument(
        "--as-of", type=iso_date, default=None, metavar="DATE", help="reference date (default today)"
    )
    due.add_argument("--json", action="store_true", help="print JSON")
    due.set_defaults(func=_due)
    listing = actions.add_parser("list", help="the registered standards with their current certificates")
    add_database_option(listing)
    listing.add_argument("--external", action="store_true", help="include upstream laboratories' standards")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_list)


def _due(args: argparse.Namespace) -> int:
    from calib_service.db import make_session_factory
    from calib_service.traceability import due_list

    as_of = args.as_of or today()
    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            items = due_list(session=session, as_of=as_of, days=args.days)
    finally:
        engine.dispose()
    if args.json:
        print(
            json.dumps(
                {"as_of": as_of.isoformat(), "days": args.days, "items": [i.to_dict() for i in items]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"due by {as_of} + {args.days} days: {len(items)} item(s)")
        for i in items:
            what = (
                f"{i.equipment} (serial {i.serial})"
                if i.kind == "certificate"
                else f"assessment of {i.standard}"
            )
            when = "no certificate" if i.due_date is None else f"{i.due_date} ({i.days_left:+d} d)"
            print(f"  {i.status:<14} {when:<22} {what}  {i.document}")
    return 1 if any(i.status in ("overdue", "no_certificate") for i in items) else 0


def _list(args: argparse.Namespace) -> int:
    from calib_service.db import make_session_factory
    from calib_service.services.standards import certificates_of, list_standards

    engine = open_database(args)
    rows: list[dict[str, Any]] = []
    try:
        with make_session_factory(engine)() as session:
            for s in list_standards(session=session, include_external=args.external):
                certs = [
                    {
                        "equipment": e.description,
                        "serial": e.serial,
                        "certificate": c.number,
                        "due": c.due_date.isoformat(),
                    }
                    for e in s.equipment
                    for c in certificates_of(session=session, equipment_id=e.id)[:1]
                ]
                rows.append(
                    {
                        "id": s.id,
                        "name": s.name,
                        "level": s.level,
                        "holder": s.holder,
                        "status": s.status,
                        "external": s.external,
                        "assessment": s.assessment_certificate_no,
                        "assessment_valid_until": None
                        if s.assessment_valid_until is None
                        else s.assessment_valid_until.isoformat(),
                        "cmc": None
                        if s.cmc_uncertainty is None
                        else f"{s.cmc_uncertainty:g} {s.cmc_unit} (k={s.cmc_k:g})",
                        "certificates": certs,
                    }
                )
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(
            f"{r['id']:>4}  {r['name']}  [{r['level']}, {r['status']}]  {r['holder']}  CMC {r['cmc'] or '—'}"
        )
        for c in r["certificates"]:
            print(f"        {c['equipment']} ({c['serial']}): {c['certificate']} due {c['due']}")
    return 0
