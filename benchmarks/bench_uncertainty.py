"""Uncertainty engine against its peers, in one run (issue 3; results in docs/bench-uncertainty.md).

Model: y = x1 x2 x3 x4 x5 / (x6 x7 x8 x9 x10), the 10-input product/quotient of
shared/domain/uncertainty.md §3. Peers: GTC, uncertainties, suncal (GPL, benchmark-only) and a
hand-written numpy Monte Carlo. Run from the repository root:

    .venv/bin/python benchmarks/bench_uncertainty.py            # print the table
    .venv/bin/python benchmarks/bench_uncertainty.py --write    # also write docs/bench-uncertainty.md

Timings are medians of repeated runs; single budgets are medians of warm calls. Monte Carlo tasks run
in a fresh child process each, so their peak memory (ru_maxrss) can be measured, as an increment over the
child's resident size after its imports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VALUES = [1.2, 0.8, 2.5, 1.05, 3.3, 0.95, 1.7, 2.2, 0.6, 1.4]
REL_U = [0.002, 0.005, 0.001, 0.01, 0.003, 0.004, 0.002, 0.006, 0.008, 0.001]
DOF = [9, math.inf, 14, 50, math.inf, 4, math.inf, 19, 30, math.inf]
U = [v * r for v, r in zip(VALUES, REL_U, strict=True)]
MODEL = "x1*x2*x3*x4*x5/(x6*x7*x8*x9*x10)"
N_BATCH = 10_000
M_TRIALS = 1_000_000


def spec(values: Any = None, **options: Any) -> dict[str, Any]:
    vals = values if values is not None else VALUES
    inputs = []
    for i in range(10):
        q: dict[str, Any] = {"name": f"x{i + 1}", "value": vals[i], "standard_uncertainty": U[i]}
        if math.isfinite(DOF[i]):
            q["dof"] = DOF[i]
        inputs.append(q)
    return {
        "measurand": {"name": "y"},
        "model": MODEL,
        "inputs": inputs,
        "options": {"coverage_probability": 0.95, **options},
    }


# ---------------------------------------------------------------- one budget
_SPEC = spec()


def ours_one() -> tuple[float, float, float]:
    """``evaluate`` on a spec whose model was seen before (parsing and unit analysis cached by content)."""
    import uncertainty

    r = uncertainty.evaluate(_SPEC)
    return r.value, r.standard_uncertainty, r.dof_eff


def ours_one_with_spec() -> tuple[float, float, float]:
    """The same, including building the spec dict (the user's 'create the inputs' step)."""
    import uncertainty

    r = uncertainty.evaluate(spec())
    return r.value, r.standard_uncertainty, r.dof_eff


def gtc_one() -> tuple[float, float, float]:
    from GTC import reporting, ureal

    xs = [ureal(v, u, df, label=f"x{i + 1}") for i, (v, u, df) in enumerate(zip(VALUES, U, DOF, strict=True))]
    y = xs[0] * xs[1] * xs[2] * xs[3] * xs[4] / (xs[5] * xs[6] * xs[7] * xs[8] * xs[9])
    rows = [(c.label, c.u) for c in reporting.budget(y)]
    assert len(rows) == 10
    return y.x, y.u, y.df


def unc_one() -> tuple[float, float, float]:
    from uncertainties import ufloat

    xs = [ufloat(v, u, tag=f"x{i + 1}") for i, (v, u) in enumerate(zip(VALUES, U, strict=True))]
    y = xs[0] * xs[1] * xs[2] * xs[3] * xs[4] / (xs[5] * xs[6] * xs[7] * xs[8] * xs[9])
    comps = y.error_components()
    dof = dict(zip(xs, DOF, strict=True))
    denom = sum(c**4 / dof[x] for x, c in comps.items() if math.isfinite(dof[x]))
    return y.nominal_value, y.std_dev, y.std_dev**4 / denom


def time_interleaved(fns: dict[str, Callable[[], Any]], calls: int, runs: int = 9) -> dict[str, float]:
    """Median per-call time of each function, the runs interleaved (round robin) so that load spikes on a
    shared machine hit every tool alike."""
    for fn in fns.values():
        fn()
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - t) / calls)
    return {name: statistics.median(v) for name, v in samples.items()}


# ---------------------------------------------------------------- 10 000 budgets
def batch_values() -> list[np.ndarray]:
    rng = np.random.default_rng(2024)
    return [v * (1 + 0.01 * rng.standard_normal(N_BATCH)) for v in VALUES]


def ours_batch(vals: list[np.ndarray]) -> Any:
    import uncertainty

    return uncertainty.evaluate(spec(vals))


def gtc_loop(vals: list[np.ndarray]) -> list[float]:
    from GTC import reporting, ureal

    out = []
    cols = [v.tolist() for v in vals]
    for j in range(N_BATCH):
        xs = [ureal(cols[i][j], U[i], DOF[i], label=f"x{i + 1}") for i in range(10)]
        y = xs[0] * xs[1] * xs[2] * xs[3] * xs[4] / (xs[5] * xs[6] * xs[7] * xs[8] * xs[9])
        reporting.budget(y)
        out.append(y.u)
    return out


def unc_loop(vals: list[np.ndarray]) -> list[float]:
    from uncertainties import ufloat

    out = []
    cols = [v.tolist() for v in vals]
    for j in range(N_BATCH):
        xs = [ufloat(cols[i][j], U[i]) for i in range(10)]
        y = xs[0] * xs[1] * xs[2] * xs[3] * xs[4] / (xs[5] * xs[6] * xs[7] * xs[8] * xs[9])
        comps = y.error_components()
        dof = dict(zip(xs, DOF, strict=True))
        denom = sum(c**4 / dof[x] for x, c in comps.items() if math.isfinite(dof[x]))
        out.append(y.std_dev**4 / denom)
    return out


def time_once(fn: Callable[[], Any], runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


# ---------------------------------------------------------------- Monte Carlo (child processes)
def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def child(task: str, runs: int) -> dict[str, Any]:
    """Run one task ``runs`` times in this (fresh) process; report its median time and peak memory."""
    if task == "interleaved":
        return interleaved(runs)
    t_start = time.perf_counter()
    run = make_task(task)
    import_s = time.perf_counter() - t_start
    rss_after_import = _rss_mib()
    times, res = [], None
    for _ in range(runs):
        t = time.perf_counter()
        res = run()
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "task": task,
        "time": statistics.median(times),
        "import_s": import_s,
        "rss_import": rss_after_import,
        "peak": peak,
        "increment": peak - rss_after_import,
        "result": res,
    }


def interleaved(rounds: int) -> dict[str, Any]:
    """Monte Carlo times of ours, numpy and suncal in one process, round robin, so load hits all alike."""
    tasks = {name: make_task(name) for name in ("ours", "numpy", "suncal")}
    for run in tasks.values():
        run()
    samples: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(rounds):
        for name, run in tasks.items():
            t = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - t)
    return {"task": "interleaved", "times": {k: statistics.median(v) for k, v in samples.items()}}


def make_task(task: str) -> Callable[[], tuple[float, float, float, float]]:
    """The Monte Carlo task ``task`` as a function (imports done)."""
    if task == "ours":
        import uncertainty

        s = spec(method="mcm", trials=M_TRIALS, seed=1, shortest_interval=True)
        uncertainty.evaluate(spec())  # compile the model once (cached by content)

        def run() -> tuple[float, float, float, float]:
            m = uncertainty.evaluate(s).mcm
            assert m is not None
            return m.value, m.standard_uncertainty, *m.coverage_interval

    elif task == "ours_1e7":
        import uncertainty

        s = spec(method="mcm", trials=10 * M_TRIALS, seed=1)
        uncertainty.evaluate(spec())

        def run() -> tuple[float, float, float, float]:
            m = uncertainty.evaluate(s).mcm
            assert m is not None
            return m.value, m.standard_uncertainty, *m.coverage_interval

    elif task == "numpy":

        def run() -> tuple[float, float, float, float]:
            rng = np.random.default_rng(1)
            x = [v + u * rng.standard_normal(M_TRIALS) for v, u in zip(VALUES, U, strict=True)]
            y = x[0] * x[1] * x[2] * x[3] * x[4] / (x[5] * x[6] * x[7] * x[8] * x[9])
            mean, sd = float(y.mean()), float(y.std(ddof=1))
            ys = np.sort(y)
            q = int(0.95 * M_TRIALS + 0.5)
            r = int((M_TRIALS - q) / 2 + 0.5)
            sym = (ys[r - 1], ys[r + q - 1])
            w = ys[q:] - ys[: M_TRIALS - q]
            k = int(np.argmin(w))
            del sym
            return mean, sd, float(ys[k]), float(ys[k + q])

    elif task == "suncal":
        import suncal

        def run() -> tuple[float, float, float, float]:
            model = suncal.Model("y = x1*x2*x3*x4*x5/(x6*x7*x8*x9*x10)")
            for i in range(10):
                model.var(f"x{i + 1}").measure(VALUES[i]).typeb(dist="normal", std=U[i], df=DOF[i])
            mc = model.monte_carlo(samples=M_TRIALS)
            y = np.asarray(mc.samples["y"], dtype=float)
            ys = np.sort(y)
            q = int(0.95 * M_TRIALS + 0.5)
            w = ys[q:] - ys[: M_TRIALS - q]
            k = int(np.argmin(w))
            return float(y.mean()), float(y.std(ddof=1)), float(ys[k]), float(ys[k + q])

    elif task == "adaptive":
        import uncertainty
        from tests.uncertainty.test_jcgm101 import mass_spec

        s = mass_spec(method="mcm", trials="adaptive", seed=2008)

        def run() -> tuple[float, float, float, float]:
            m = uncertainty.evaluate(s).mcm
            assert m is not None
            return float(m.trials), m.standard_uncertainty, *m.coverage_interval

    else:
        raise SystemExit(f"unknown task {task}")
    return run


def run_child(task: str, runs: int) -> dict[str, Any] | None:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", task, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        print(f"[{task}] failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "Pint", "GTC", "uncertainties", "suncal"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu}"


NOTES = """
## How to read this

* All tools run in the same invocation on the same machine; the machine is shared (see the load
  average above), so absolute times vary from run to run and only the ratios within one run are
  meaningful. Single-budget times are medians of 9 interleaved (round-robin) runs of 50 warm calls, so
  load spikes hit every tool alike; loops and Monte Carlo are medians of 3-7 runs.
* *One budget*: `uncertainty.evaluate(spec)` on a spec whose model was seen before (parsing, unit
  analysis and compilation are cached by the model text and the input names and units); it returns
  y, u_c, ν_eff (W–S), k, U and the ten budget rows. GTC: `ureal` inputs, propagation, `reporting.budget`.
  uncertainties: `ufloat` inputs, propagation, `error_components`, W–S added by hand (it has no ν).
* *10 000 budgets*: ours in batch mode (input values as arrays of 10 000 points, one call), the peers
  in a Python loop; every one of ours agrees with GTC's u to 10⁻¹² relative.
* *Monte Carlo*: 10⁶ trials, normal PDFs, mean, standard deviation and the shortest 95 % interval
  (the numpy baseline and suncal sort all values; ours partitions and sorts only the two tails, which
  gives the identical interval). Times: medians of 5 round-robin rounds of the three tools in one
  process. Memory: each tool once in a fresh child process; peak memory is the child's `ru_maxrss`,
  and the increment is over its resident size after the imports (ours works in blocks and keeps only
  the model values). suncal's time covers building its model and `monte_carlo()`; its import time is
  from the memory child.
* *Adaptive*: JCGM 101 7.9 on the 9.3 mass example; trials used are printed with the interval.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--child")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="write docs/bench-uncertainty.md")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs)))
        return 0

    lines: list[str] = []

    def out(s: str = "") -> None:
        print(s, flush=True)
        lines.append(s)

    vers = versions()
    out(
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}; load average "
        f"{os.getloadavg()[0]:.1f} at start"
    )
    out("Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
    out()

    # correctness check first: every peer agrees
    for name, fn in (("ours", ours_one), ("GTC", gtc_one), ("uncertainties", unc_one)):
        y, u, nu = fn()
        out(f"- {name}: y = {y:.6f}, u = {u:.6f}, ν_eff = {nu:.2f}")
    out()

    one = time_interleaved(
        {
            "ours": ours_one,
            "ours incl. building the spec dict": ours_one_with_spec,
            "uncertainties": unc_one,
            "GTC": gtc_one,
        },
        50,
    )
    vals = batch_values()
    batch = {
        "ours (batch mode)": time_once(lambda: ours_batch(vals), 7),
        "uncertainties (loop)": time_once(lambda: unc_loop(vals), 3),
        "GTC (loop)": time_once(lambda: gtc_loop(vals), 3),
    }
    r_batch = ours_batch(vals)
    ref = gtc_loop(vals)
    assert np.allclose(r_batch.standard_uncertainty, ref, rtol=1e-12)

    mc = {t: run_child(t, 1) for t in ("ours", "numpy", "suncal")}  # memory: one run per fresh process
    inter = run_child("interleaved", 5)  # time: one process, round robin
    if inter is not None:
        for name, t in inter["times"].items():
            if mc.get(name) is not None:
                mc[name]["time"] = t  # type: ignore[index]
    adaptive = run_child("adaptive", 3)
    big = run_child("ours_1e7", 1)

    out("| Task | Tool | Median time | Peak memory (increment over imports) | Ratio |")
    out("|---|---|---|---|---|")
    for name, t in one.items():
        ratio = "1" if name.startswith("ours") else f"ours is {t / one['ours']:.2f}× faster"
        out(f"| one 10-input budget (warm; y, u, ν_eff, budget) | {name} | {t * 1e6:.0f} µs | — | {ratio} |")
    base = batch["ours (batch mode)"]
    for name, t in batch.items():
        ratio = "1" if name.startswith("ours") else f"ours is {t / base:.0f}× faster"
        out(f"| {N_BATCH} budgets | {name} | {t:.3f} s | — | {ratio} |")
    ours_mc = mc["ours"]
    for name, r in mc.items():
        if r is None:
            out(f"| Monte Carlo 10⁶ + shortest 95 % | {name} | not measured (failed) | — | — |")
            continue
        ratio = "1" if name == "ours" or ours_mc is None else f"{r['time'] / ours_mc['time']:.2f}× ours"
        out(
            f"| Monte Carlo 10⁶ + shortest 95 % | {name} | {r['time']:.3f} s (import "
            f"{r['import_s']:.2f} s) | "
            f"{r['peak']:.0f} MiB (+{r['increment']:.0f} MiB) | {ratio} |"
        )
    if adaptive is not None:
        trials, u_mc, lo, hi = adaptive["result"]
        out(
            f"| adaptive MCM, JCGM 101 9.3 (n_dig = 2, p = 95 %) | ours | {adaptive['time']:.3f} s, "
            f"{int(trials)} trials | {adaptive['peak']:.0f} MiB (+{adaptive['increment']:.0f} MiB) | "
            f"u = {u_mc:.5f} mg, [{lo:.4f}, {hi:.4f}] mg |"
        )
    if big is not None:
        out(
            f"| Monte Carlo 10⁷ (symmetric 95 %), memory bound | ours | {big['time']:.2f} s | "
            f"{big['peak']:.0f} MiB (+{big['increment']:.0f} MiB; 8 bytes per trial kept) | — |"
        )
    out()
    if ours_mc and mc["numpy"]:
        out(
            f"Monte Carlo vs numpy baseline: time {ours_mc['time'] / mc['numpy']['time']:.2f}×, "
            f"peak-memory increment {ours_mc['increment'] / mc['numpy']['increment']:.2f}×, "
            f"absolute peak {ours_mc['peak'] / mc['numpy']['peak']:.2f}×"
        )
    if ours_mc and mc["suncal"]:
        out(f"Monte Carlo vs suncal: ours {mc['suncal']['time'] / ours_mc['time']:.2f}× faster")
    out(
        f"One budget vs uncertainties: {one['uncertainties'] / one['ours']:.2f}× (>1 means ours faster); "
        f"vs GTC {one['GTC'] / one['ours']:.2f}×"
    )
    out(f"10 000 budgets vs GTC loop: {batch['GTC (loop)'] / base:.0f}× faster")
    for name, r in mc.items():
        if r is not None:
            out(
                f"- MC result {name}: y = {r['result'][0]:.6f}, u = {r['result'][1]:.6f}, "
                f"shortest 95 % = [{r['result'][2]:.4f}, {r['result'][3]:.4f}]"
            )
    if args.write:
        doc = ROOT / "docs" / "bench-uncertainty.md"
        doc.write_text(
            "# Uncertainty engine benchmark\n\nGenerated by `benchmarks/bench_uncertainty.py --write`.\n\n"
            + "\n".join(lines)
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
