"""Software validation (ISO/IEC 17025 7.11.2): run the built-in validation cases against the installed code.

Suites, discovered at run time (a suite whose code is not installed is reported ``missing``, never
passed):

* ``decision``: JJF 1094-2002 and ILAC-G8 decisions worked by hand (regulations.md §2.1).
* ``uncertainty``: GUM (JCGM 100:2008) Annex H.1 end-gauge example, if ``uncertainty.evaluate`` exists;
  published figures y = 50.000 838 mm, u_c = 32 nm, ν_eff ≈ 16, U99 = 93 nm (k = 2.92).
* ``protocol``: the serial protocol vectors (``protocol_vectors.json``) checked by the codec of each
  protocol under ``instruments.protocols`` (checksum/framing recomputed).

The report holds the package version, a sha256 fingerprint of the code, every result with its sha256,
and the sha256 of the whole result list, so the report can be kept as a record and compared later.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from calib_service.records.chain import canonical, digest

__all__ = ["CaseResult", "ValidationReport", "code_fingerprint", "run_validation"]

_PACKAGES = ("calib_service", "uncertainty", "instruments")

# (error Δ, MPEV, U95, rule, expected): regulations.md §2.1 illustration, worked by hand.
DECISION_CASES: tuple[tuple[float, float, float, str, str], ...] = (
    (0.29, 0.5, 0.2, "jjf1094", "pass"),
    (0.30, 0.5, 0.2, "jjf1094", "pass"),
    (-0.31, 0.5, 0.2, "jjf1094", "undetermined"),
    (0.69, 0.5, 0.2, "jjf1094", "undetermined"),
    (0.70, 0.5, 0.2, "jjf1094", "fail"),
    (0.50, 0.5, 0.15, "jjf1094", "pass"),
    (0.51, 0.5, 0.15, "jjf1094", "fail"),
    (0.49, 0.5, 0.4, "simple", "pass"),
    (0.51, 0.5, 0.01, "simple", "fail"),
    (0.30, 0.5, 0.2, "guard", "pass"),
    (0.31, 0.5, 0.2, "guard", "undetermined"),
    (0.71, 0.5, 0.2, "guard", "fail"),
)

_H1_MODEL = "l_s + d_bar + d1 + d2 - l_s*(delta_alpha*(theta_bar + Delta) + alpha_s*delta_theta)"
_H1_SPEC: dict[str, Any] = {
    "measurand": {"name": "l", "unit": "nm"},
    "model": _H1_MODEL,
    "inputs": [
        {
            "name": "l_s",
            "value": 50000623,
            "unit": "nm",
            "distribution": "normal",
            "expanded_uncertainty": 75,
            "coverage_factor": 3,
            "dof": 18,
        },
        {
            "name": "d_bar",
            "value": 215,
            "unit": "nm",
            "distribution": "normal",
            "standard_uncertainty": 13 / 5**0.5,
            "dof": 24,
        },
        {"name": "d1", "value": 0, "unit": "nm", "standard_uncertainty": 3.9, "dof": 5},
        {"name": "d2", "value": 0, "unit": "nm", "expanded_uncertainty": 20, "coverage_factor": 3, "dof": 8},
        {
            "name": "alpha_s",
            "value": 11.5e-6,
            "unit": "1/K",
            "distribution": "rectangular",
            "half_width": 2e-6,
        },
        {"name": "theta_bar", "value": -0.1, "unit": "K", "standard_uncertainty": 0.2},
        {"name": "Delta", "value": 0, "unit": "K", "distribution": "arcsine", "half_width": 0.5},
        {
            "name": "delta_alpha",
            "value": 0,
            "unit": "1/K",
            "distribution": "rectangular",
            "half_width": 1e-6,
            "dof": 50,
        },
        {
            "name": "delta_theta",
            "value": 0,
            "unit": "K",
            "distribution": "rectangular",
            "half_width": 0.05,
            "dof": 2,
        },
    ],
    "options": {"coverage_probability": 0.99},
}
# quantity → (published value, tolerance from its digits)
_H1_EXPECTED: dict[str, tuple[float, float]] = {
    "value": (50_000_838.0, 0.5),
    "standard_uncertainty": (32.0, 0.5),
    "dof_eff": (16.0, 1.0),
    "expanded_uncertainty": (93.0, 1.0),
}


@dataclass(frozen=True)
class CaseResult:
    """One case: ``status`` is pass, fail, error (code raised), missing (code not installed) or skipped."""

    suite: str
    name: str
    status: str
    detail: str = ""
    sha256: str = ""

    def sealed(self) -> CaseResult:
        """The same result with ``sha256`` over its other fields."""
        body = {"suite": self.suite, "name": self.name, "status": self.status, "detail": self.detail}
        return CaseResult(self.suite, self.name, self.status, self.detail, digest(body))


@dataclass
class ValidationReport:
    """What ran, against which code, and how it went."""

    package_version: str
    code_sha256: str
    python: str
    run_at: datetime
    results: list[CaseResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Results per status."""
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    @property
    def ok(self) -> bool:
        """No case failed or raised (missing suites are reported, not failed)."""
        return not any(r.status in ("fail", "error") for r in self.results)

    @property
    def results_sha256(self) -> str:
        """sha256 over all results in order."""
        return digest([asdict(r) for r in self.results])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        body: dict[str, Any] = canonical(
            {
                "kind": "calib-service software validation report (ISO/IEC 17025 7.11.2)",
                "package_version": self.package_version,
                "code_sha256": self.code_sha256,
                "python": self.python,
                "run_at": self.run_at,
                "ok": self.ok,
                "counts": self.counts,
                "results_sha256": self.results_sha256,
                "results": [asdict(r) for r in self.results],
            }
        )
        return body

    def write(self, path: Path) -> str:
        """Write the report as JSON to ``path``; return the file's sha256."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _package_version() -> str:
    try:
        return version("calib-service")
    except PackageNotFoundError:
        return "0+unknown (source tree)"


def code_fingerprint() -> str:
    """sha256 over the installed Python sources of our packages (path and content of every module)."""
    h = hashlib.sha256()
    for name in _PACKAGES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            h.update(f"{name}: missing\n".encode())
            continue
        root = Path(module.__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _decision_suite() -> list[CaseResult]:
    from calib_service.decision import decide

    out = []
    for error, mpe, u95, rule, expected in DECISION_CASES:
        name = f"{rule} Δ={error} MPEV={mpe} U95={u95}"
        try:
            got = decide(error, mpe, u95, rule).outcome
        except Exception as exc:  # a validation run records failures instead of stopping
            out.append(CaseResult("decision", name, "error", f"{type(exc).__name__}: {exc}"))
            continue
        status = "pass" if got == expected else "fail"
        out.append(CaseResult("decision", name, status, f"expected {expected}, got {got}"))
    return out


def _uncertainty_suite() -> list[CaseResult]:
    try:
        module = importlib.import_module("uncertainty")
    except ModuleNotFoundError:
        return [
            CaseResult("uncertainty", "GUM H.1 end gauge", "missing", "package uncertainty is not installed")
        ]
    evaluate = getattr(module, "evaluate", None)
    if not callable(evaluate):
        return [
            CaseResult("uncertainty", "GUM H.1 end gauge", "missing", "uncertainty.evaluate does not exist")
        ]
    try:
        result = evaluate(json.loads(json.dumps(_H1_SPEC)))
    except Exception as exc:  # recorded, not raised
        return [CaseResult("uncertainty", "GUM H.1 end gauge", "error", f"{type(exc).__name__}: {exc}")]
    out = []
    for attr, (expected, tol) in _H1_EXPECTED.items():
        got = getattr(result, attr, None)
        name = f"GUM H.1 {attr}"
        if not isinstance(got, int | float):
            out.append(CaseResult("uncertainty", name, "error", f"result has no numeric {attr}"))
            continue
        ok = abs(float(got) - expected) <= tol
        out.append(
            CaseResult(
                "uncertainty", name, "pass" if ok else "fail", f"expected {expected} ± {tol}, got {got}"
            )
        )
    return out


def _frame(text: str | None, encoding: str) -> bytes | None:
    if text is None:
        return None
    if encoding == "hex":
        return bytes.fromhex(text)
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def _strip_preamble(frame: bytes) -> bytes:
    start = frame.find(b"\x68")
    return frame[start:] if start > 0 else frame


def _checker(check: str) -> tuple[str, Callable[[Any, bytes], None]] | None:
    def modbus_rtu(m: Any, f: bytes) -> None:
        m.check_crc(f)

    def modbus_ascii(m: Any, f: bytes) -> None:
        body = bytes.fromhex(f[1:-4].decode("ascii"))
        if m.lrc(body) != int(f[-4:-2], 16):
            raise ValueError(f"LRC {f[-4:-2]!r} does not match {m.lrc(body):02X}")

    def mhz19(m: Any, f: bytes) -> None:
        if m.mhz19_checksum(f) != f[-1]:
            raise ValueError(f"checksum {f[-1]:02X} ≠ {m.mhz19_checksum(f):02X}")

    table: dict[str, tuple[str, Callable[[Any, bytes], None]]] = {
        "modbus_rtu": ("modbus_rtu", modbus_rtu),
        "modbus_ascii": ("modbus_rtu", modbus_ascii),
        "mhz19": ("ndir_co2", mhz19),
        "dlt645": ("dlt645", lambda m, f: m.parse_frame(_strip_preamble(f))),
        "cjt188": ("cjt188", lambda m, f: m.decode_frame(_strip_preamble(f))),
        "mbus": ("mbus", lambda m, f: m.decode_frame(f)),
        "hj212": ("hj212", lambda m, f: m.decode_packet(f)),
        "iec62056": ("iec62056", lambda m, f: m.check_frame(f)),
    }
    return table.get(check)


def _protocol_suite(vectors_path: Path | None) -> list[CaseResult]:
    if vectors_path is None or not vectors_path.is_file():
        return [
            CaseResult(
                "protocol",
                "protocol vectors",
                "missing",
                f"vector file {vectors_path} not found; pass --vectors",
            )
        ]
    vectors = json.loads(vectors_path.read_text(encoding="utf-8"))["vectors"]
    out = []
    for i, v in enumerate(vectors, start=1):
        name = f"#{i} {v['protocol']}: {v['description'][:60]}"
        spec = _checker(str(v.get("check", "none")))
        if spec is None:
            out.append(
                CaseResult("protocol", name, "skipped", f"no checksum/framing to check ({v.get('check')})")
            )
            continue
        module_name, fn = spec
        try:
            module = importlib.import_module(f"instruments.protocols.{module_name}")
        except ModuleNotFoundError:
            out.append(
                CaseResult(
                    "protocol", name, "missing", f"codec instruments.protocols.{module_name} not installed"
                )
            )
            continue
        frames = [
            f
            for f in (_frame(v.get("request"), v["encoding"]), _frame(v.get("response"), v["encoding"]))
            if f
        ]
        try:
            for f in frames:
                fn(module, f)
        except AttributeError as exc:
            out.append(
                CaseResult("protocol", name, "missing", f"codec {module_name} lacks the checker: {exc}")
            )
        except Exception as exc:  # recorded as a failure of the codec on a published frame
            out.append(CaseResult("protocol", name, "fail", f"{type(exc).__name__}: {exc}"))
        else:
            out.append(
                CaseResult("protocol", name, "pass", f"{len(frames)} frame(s) accepted by {module_name}")
            )
    return out


def run_validation(*, run_at: datetime, vectors_path: Path | None) -> ValidationReport:
    """Run every suite and return the report (each result sealed with its sha256).

    Args:
        run_at: when the run happened (UTC), recorded in the report.
        vectors_path: the protocol vector file (``protocol_vectors.json``), or None if unavailable.
    """
    results = _decision_suite() + _uncertainty_suite() + _protocol_suite(vectors_path)
    return ValidationReport(
        package_version=_package_version(),
        code_sha256=code_fingerprint(),
        python=platform.python_version(),
        run_at=run_at,
        results=[r.sealed() for r in results],
    )
