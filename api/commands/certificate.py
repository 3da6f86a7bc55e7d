"""``calib certificate issue|verify|show``: issue the certificate of an approved calibration, check a file.

``issue CALIBRATION_ID [--lang zh|en] [--out DIR]`` needs an approver's (or manager's) token
(``--token`` or ``CALIB_TOKEN``): it takes the record from ``approved`` to ``issued`` through the records
workflow, renders the PDF (Chinese; with ``--lang en`` also English, the DCC bilingual) and the DCC XML,
stores them by SHA-256 under ``CALIB_DATA_DIR`` and writes copies to ``--out``. ``verify FILE`` checks a
PDF or DCC file against the issued records (exit 0 when it is exactly an issued file, 5 when not).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``certificate`` verb."""
    p = sub.add_parser("certificate", help="issue a calibration's certificate (PDF + DCC) or verify a file")
    verbs = p.add_subparsers(dest="certificate_verb", metavar="VERB")
    verbs.required = True
    issue = verbs.add_parser("issue", help="issue the certificate of an approved calibration (approver only)")
    add_database_option(issue)
    issue.add_argument("calibration_id", type=int, metavar="CALIBRATION_ID")
    issue.add_argument("--lang", choices=("zh", "en"), default="zh", help="zh (default) or en (bilingual)")
    issue.add_argument(
        "--out", type=Path, default=Path("."), help="folder for copies of the files (default .)"
    )
    issue.add_argument("--token", default=None, help="approver's API token (default: $CALIB_TOKEN)")
    issue.set_defaults(func=_issue)
    verify = verbs.add_parser("verify", help="check that a PDF or DCC file is exactly an issued certificate")
    add_database_option(verify)
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.set_defaults(func=_verify)
    show = verbs.add_parser("show", help="print an issued certificate's record and file hashes")
    add_database_option(show)
    show.add_argument("number", metavar="NUMBER")
    show.set_defaults(func=_show)


def _issue(args: argparse.Namespace) -> int:
    from api.commands._common import open_database
    from api.commands.users import signed_in_user
    from calib_service.certificates import issue_certificate
    from calib_service.db import make_session_factory
    from calib_service.models.base import utcnow
    from calib_service.records import commit

    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            user = signed_in_user(args, session)
            assert user is not None
            cert = issue_certificate(
                session=session,
                calibration_id=args.calibration_id,
                approver=user,
                lang=args.lang,
                as_of=utcnow(),
                out_dir=args.out,
            )
            commit(session, f"certificate {cert.number}")
            print(f"{cert.number}  {cert.kind}  issued {cert.issue_date}  langs {cert.langs}")
            for f in cert.files:
                print(f"  {args.out / f.filename}  sha256 {f.sha256}")
            for flag in cert.internal_flags:
                print(f"  internal: {flag}")
    finally:
        engine.dispose()
    return 0


def _verify(args: argparse.Namespace) -> int:
    from api.commands._common import open_database
    from calib_service.certificates import verify_certificate_file
    from calib_service.db import make_session_factory

    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            found = verify_certificate_file(session=session, path=args.file)
            print(found.summary())
    finally:
        engine.dispose()
    return 0


def _show(args: argparse.Namespace) -> int:
    from api.commands._common import open_database
    from calib_service.certificates import get_certificate
    from calib_service.db import make_session_factory

    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            c = get_certificate(session=session, number=args.number)
            valid = f", valid until {c.valid_until}" if c.valid_until else ""
            print(f"{c.number}  {c.kind}  calibration {c.calibration_id}  issued {c.issue_date}{valid}")
            for f in c.files:
                print(f"  {f.role} {f.lang:5} {f.filename}  {f.size} bytes  sha256 {f.sha256}")
    finally:
        engine.dispose()
    return 0
