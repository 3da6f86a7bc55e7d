"""``calib procedures``: the procedures ``calib run`` knows, with their roles and classes."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``procedures`` verb."""
    p = sub.add_parser(
        "procedures",
        help="list the calibration procedures: codes, titles, bench roles and classes",
        description="Lists the procedures calib run knows, with the roles a bench file fills "
        "(required ones marked *), the accuracy classes and the device ratings to give with --param.",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from calib_service.procedures.registry import entries

    rows: list[dict[str, Any]] = [
        {
            "alias": e.alias,
            "code": e.code,
            "title_zh": str(e.module.TITLE_ZH),
            "title_en": str(e.module.TITLE_EN),
            "family": str(e.module.FAMILY),
            "kind": e.kind,
            "tests": e.summary,
            "roles": {role: {"required": role in e.required, "what": what} for role, what in e.roles.items()},
            "classes": list(e.classes),
            "ratings": dict(e.ratings),
        }
        for e in entries()
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['alias']:11s} {r['code']}  {r['title_zh']}")
        print(f"{'':11s} {r['title_en']} ({r['family']}, {r['kind']})")
        if r["tests"]:
            print(f"{'':11s} tests: {r['tests']}")
        roles = ", ".join(f"{role}{'*' if v['required'] else ''}" for role, v in r["roles"].items())
        print(f"{'':11s} roles: {roles}")
        print(f"{'':11s} classes: {', '.join(r['classes']) or '— (calibration, no class)'}")
        if r["ratings"]:
            print(f"{'':11s} --param: {', '.join(r['ratings'])}")
    return 0
