"""`calib budget FILE`: evaluate an uncertainty budget file (YAML or JSON) and print the result.

By default a readable budget table; ``--json`` prints the machine form (``Result.to_dict()``).
``--method``, ``--trials`` and ``--seed`` override the file's options.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

import uncertainty
from uncertainty.errors import InvalidInputError

__all__ = ["load_budget_file", "register"]


def register(sub: Any) -> None:
    """Register the `budget` verb."""
    p = sub.add_parser(
        "budget",
        help="evaluate an uncertainty budget file (GUM and/or Monte Carlo)",
        description="Evaluate an uncertainty budget (YAML or JSON file): GUM law of propagation, "
        "Monte Carlo (JCGM 101), or both. See docs/uncertainty.md for the file grammar.",
    )
    p.add_argument("file", metavar="FILE", help="budget file (.yaml, .yml or .json)")
    p.add_argument("--method", choices=("gum", "mcm", "both"), help="override options.method")
    p.add_argument("--trials", help="Monte Carlo trials: a number, or 'adaptive' (JCGM 101 7.9)")
    p.add_argument("--seed", type=int, help="seed of the Monte Carlo generator (recorded in the result)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=_run)


def load_budget_file(path: str | Path) -> dict[str, Any]:
    """Read a budget file into a spec dict.

    Args:
        path: A ``.json`` file, or YAML (any other extension).

    Returns:
        The spec.

    Raises:
        InvalidInputError: The file is missing, unreadable, malformed, or not a mapping.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"budget file {str(p)!r}: cannot be read ({exc.strerror}); check the path"
        ) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        where = str(exc).replace("\n", " ")
        raise InvalidInputError(f"budget file {str(p)!r}: malformed ({where}); fix the syntax") from None
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"budget file {str(p)!r}: must hold a mapping with measurand, model, inputs; got "
            f"{type(data).__name__}"
        )
    return data


def _run(args: argparse.Namespace) -> int:
    spec = load_budget_file(args.file)
    options = (
        dict(spec.get("options") or {}) if isinstance(spec.get("options") or {}, dict) else spec["options"]
    )
    if isinstance(options, dict):
        if args.method:
            options["method"] = args.method
        if args.trials is not None:
            t = args.trials.strip().lower()
            if t == "adaptive":
                options["trials"] = "adaptive"
            else:
                try:
                    options["trials"] = int(float(t))
                except ValueError:
                    raise InvalidInputError(
                        f"--trials {args.trials!r}: give a number or 'adaptive'"
                    ) from None
            options.setdefault("method", "both")
        if args.seed is not None:
            options["seed"] = args.seed
        spec["options"] = options
    if isinstance(spec.get("model"), dict):
        multi = uncertainty.evaluate_multi(spec)
        if args.json:
            print(json.dumps(multi.to_dict(), indent=2, ensure_ascii=False))
        else:
            print("\n\n".join(uncertainty.format_budget(r) for r in multi.outputs))
            names = multi.names
            print("\nCorrelation of the outputs:")
            print("  ".join(["        ", *(f"{n:>8s}" for n in names)]))
            for n, row in zip(names, multi.correlation, strict=True):
                print("  ".join([f"{n:>8s}", *(f"{v:8.3f}" for v in row)]))
        return 0
    result = uncertainty.evaluate(spec)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(uncertainty.format_budget(result))
    return 0
