"""``calib evidence YEAR``: the annual task-evidence report (年度工作报告) from the records.

``--format pdf|xlsx|html|json|all`` (default all), ``--lang zh|en`` (Chinese by default), ``--as-of DATE``
(default: today, or 31 December of a past year): the same records and date give the same files byte for
byte. ``--pack acceptance|re_review`` writes the three-year construction-acceptance or five-year re-review
pack ending with YEAR instead; ``--history`` prints the official outcomes and the failed-year count
against the revocation threshold.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option
from api.commands._dates import iso_date

__all__ = ["register"]

_FORMATS = ("pdf", "xlsx", "html", "json")


def register(sub: Any) -> None:
    """Register the ``evidence`` verb."""
    p = sub.add_parser(
        "evidence", help="annual task-evidence report (PDF, XLSX, HTML, JSON) from the records"
    )
    add_database_option(p)
    p.add_argument("year", type=int, metavar="YEAR")
    p.add_argument("--format", choices=(*_FORMATS, "all"), default="all", help="output format (default all)")
    p.add_argument("--out", type=Path, default=Path("."), help="output folder (default .)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    p.add_argument("--as-of", type=iso_date, default=None, help="report date YYYY-MM-DD (default today)")
    p.add_argument(
        "--pack", choices=("acceptance", "re_review"), default=None, help="write a multi-year pack"
    )
    p.add_argument("--history", action="store_true", help="print the official outcomes and failed-year count")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from datetime import date

    from api.commands._common import open_database
    from api.commands._dates import today
    from calib_service.db import make_session_factory
    from calib_service.errors import RecordValidationError
    from calib_service.evidence import assessment_history, build_pack, write_evidence_report, write_pack

    if not 2000 <= args.year <= 2100:
        raise RecordValidationError(f"year {args.year} is out of range; give e.g. 2026")
    as_of = args.as_of if args.as_of is not None else min(today(), date(args.year, 12, 31))
    formats = _FORMATS if args.format == "all" else (args.format,)
    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            if args.history:
                view = assessment_history(session=session, up_to_year=args.year, as_of=as_of)
                print(json.dumps(view.to_dict(), ensure_ascii=False, indent=2))
                return 0
            if args.pack is not None:
                pack = build_pack(session=session, kind=args.pack, end_year=args.year, as_of=as_of)
                path = write_pack(pack, args.out, formats=formats, lang=args.lang)
                official = "official" if pack.official else "self-assessment"
                deadline = (
                    f", rectify by {pack.rectification_deadline}" if pack.rectification_deadline else ""
                )
                print(
                    f"{args.pack} pack {pack.years[0]}–{pack.years[-1]}: {pack.score:g} points ({official})"
                    f"{', passed' if pack.passed else ', below 80'}{deadline}; {path}"
                )
                return 0
            written = write_evidence_report(
                session=session,
                year=args.year,
                as_of=as_of,
                out_dir=args.out,
                formats=formats,
                lang=args.lang,
            )
    finally:
        engine.dispose()
    for fmt, path in written.items():
        print(f"{fmt:5} {path}")
    return 0
