"""``calib validate``: run the built-in software validation cases (ISO/IEC 17025 7.11.2) and write a report.

With an identity (``CALIB_TOKEN``/``--token``, manager or admin) the report's sha256 is also recorded in
the audit log, so the validation is kept as a record.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from api.commands._common import add_database_option, open_database
from api.commands.users import add_token_option, signed_in_user
from calib_service.db import make_session_factory
from calib_service.models.base import utcnow
from calib_service.records import audit, commit
from calib_service.records.permissions import require
from calib_service.records.validation import run_validation

__all__ = ["DEFAULT_VECTORS", "register"]

#: Where the protocol vectors are looked for when --vectors is not given (source tree layouts).
DEFAULT_VECTORS: tuple[Path, ...] = (
    Path(__file__).resolve().parents[2] / "tests" / "instruments" / "data" / "protocol_vectors.json",
    Path(__file__).resolve().parents[3] / "shared" / "domain" / "protocol_vectors.json",
)


def register(sub: Any) -> None:
    """Register the ``validate`` verb."""
    p = sub.add_parser("validate", help="run the built-in validation cases and write a validation report")
    p.add_argument("--output", type=Path, default=Path("validation-report.json"), help="report file (JSON)")
    p.add_argument(
        "--vectors", type=Path, default=None, help="protocol_vectors.json (default: from the source tree)"
    )
    add_database_option(p)
    add_token_option(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    vectors = args.vectors or next((v for v in DEFAULT_VECTORS if v.is_file()), None)
    report = run_validation(run_at=utcnow(), vectors_path=vectors)
    sha = report.write(args.output)
    for r in report.results:
        if r.status != "pass":
            print(f"  {r.status:8} {r.suite}: {r.name}: {r.detail}")
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts.items()))
    print(f"validation {'PASSED' if report.ok else 'FAILED'}: {counts}; report {args.output} sha256 {sha}")
    if args.token or os.environ.get("CALIB_TOKEN"):
        engine = open_database(args)
        with make_session_factory(engine)() as session:
            user = signed_in_user(args, session)
            assert user is not None
            require(user, "validation.run")
            audit.append(
                session=session,
                actor=user.username,
                action="validation.run",
                entity="validation_report",
                entity_id=report.code_sha256[:16],
                state={
                    "file_sha256": sha,
                    "results_sha256": report.results_sha256,
                    "ok": report.ok,
                    "package_version": report.package_version,
                    "counts": report.counts,
                },
            )
            commit(session)
        engine.dispose()
        print("recorded in the audit log", file=sys.stderr)
    else:
        print(
            "not recorded in the audit log (no identity: set CALIB_TOKEN to keep it as a record)",
            file=sys.stderr,
        )
    return 0 if report.ok else 1
