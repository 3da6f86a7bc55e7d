"""DL/T 645 read throughput: our DLT645Meter vs the PyPI ``dlt645`` client over the same simulator.

Workload: "read DI 02010100 (phase-A voltage) from meter 123456789012" repeated, reply timeout 1 s, every
value checked, over a pseudo-terminal served by :class:`instruments.sim.dlt645.DLT645MeterSim` in a separate
process (``calib sim``-style child, so the simulator does not compete for the GIL). Both clients send the
4-byte FE preamble. Clients run in interleaved rounds so that load from other jobs hits both alike.

1. **Unpaced** pty: library overhead only.
2. **Paced** at 2400 and 9600 baud (``PtySimServer(baud=B)``: request + reply take 10 bits per byte):
   against the line limit ``B / (10 × (20 + 22))`` transactions per second.

Run: ``.venv/bin/python -m benchmarks.bench_dlt645 [--quick] [--write-doc]`` (needs ``pip install dlt645``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from instruments.drivers.dlt645 import DLT645Meter
from instruments.link import LinkSettings, SerialLink
from instruments.protocols import dlt645 as codec

ADDR = "123456789012"
VOLTAGE = 229.9
REQUEST_BYTES, REPLY_BYTES = 20, 22
ROOT = Path(__file__).resolve().parent.parent


def serve(baud: int) -> None:
    """Child process: serve the simulated meter, print its path, run until stdin closes."""
    from instruments.clock import ManualClock
    from instruments.sim.dlt645 import DLT645MeterSim
    from instruments.sim.pty import PtySimServer

    sim = DLT645MeterSim(ADDR, voltage=VOLTAGE, clock=ManualClock())
    server = PtySimServer(sim, baud=baud or None)
    print(server.start(), flush=True)
    sys.stdin.read()
    server.stop()


@contextlib.contextmanager
def simulator(baud: int = 0) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_dlt645", "--serve", str(baud)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def ours(port: str) -> tuple[Callable[[], float], Callable[[], None]]:
    link = SerialLink(LinkSettings(port, baudrate=2400, parity="E", timeout=1.0, retries=0)).open()
    meter = DLT645Meter(link, ADDR)
    return (lambda: meter.voltage_a().value), link.close


def peer(port: str) -> tuple[Callable[[], float], Callable[[], None]]:
    import dlt645

    client = dlt645.MeterClientService.new_rtu_client(port, 2400, 8, 1, "N", 1.0)
    client.set_address(codec.address_to_bytes(ADDR).hex())
    client.client.connect()

    def read() -> float:
        item = client.read_02(0x02010100)
        return float(item.value) if item is not None else float("nan")

    return read, client.client.disconnect


def measure(
    clients: dict[str, tuple[Callable[[], float], Callable[[], None]]], n: int, rounds: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            read = clients[name][0]
            for _ in range(n // rounds):
                t0 = time.perf_counter()
                value = read()
                times[name].append(time.perf_counter() - t0)
                if abs(value - VOLTAGE) > 1e-9:
                    raise SystemExit(f"{name} read {value!r}, expected {VOLTAGE}")
    return times


def summary(ts: list[float]) -> str:
    q = statistics.quantiles(ts, n=100)
    return f"{len(ts) / sum(ts):.1f} ({1000 * q[49]:.2f} / {1000 * q[98]:.2f})"


def run(baud: int, n: int, rounds: int) -> dict[str, list[float]]:
    with simulator(baud) as port:
        clients = {"ours": ours(port), "dlt645": peer(port)}
        try:
            return measure(clients, n, rounds)
        finally:
            for _, close in clients.values():
                close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write-doc", action="store_true")
    args = ap.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    import dlt645

    load0 = os.getloadavg()[0]
    n_fast = 100 if args.quick else 600
    rows = []
    for baud, n in ((0, n_fast), (9600, 40 if args.quick else 120), (2400, 20 if args.quick else 40)):
        res = run(baud, n, 10 if n >= 100 else 4)
        limit = "—" if not baud else f"{baud / (10 * (REQUEST_BYTES + REPLY_BYTES)):.1f}"
        rate = {k: len(v) / sum(v) for k, v in res.items()}
        rows.append(
            f"| {baud or 'unpaced'} | {limit} | {summary(res['ours'])} | {summary(res['dlt645'])} "
            f"| **{rate['ours'] / rate['dlt645']:.2f}** |"
        )
        print(rows[-1], flush=True)
    text = (
        f"""# DL/T 645 read benchmark

Generated by `.venv/bin/python -m benchmarks.bench_dlt645{" --quick" if args.quick else ""} --write-doc`
(method: module docstring). Workload: read DI 02010100 (phase-A voltage) from a simulated meter on a
pseudo-terminal (simulator in its own process), every value checked, 1 s reply timeout, both clients
sending the FE×4 preamble, interleaved rounds.

* Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC
* Machine: {os.cpu_count()} CPUs, {platform.platform()}
* Python {platform.python_version()}, dlt645 {dlt645.__version__}
* Load average (1 min) at start / end: {load0:.1f} / {os.getloadavg()[0]:.1f} (shared machine: absolute
  rates depend on it; the ratio is the comparison)

tx/s (p50 / p99 ms per read). Line limit = baud / (10 bits × (20 + 22) bytes).

| Baud (sim pacing) | line limit tx/s | ours | dlt645 3.x | ours / dlt645 |
|---|---|---|---|---|
"""
        + "\n".join(rows)
        + "\n"
    )
    if args.write_doc:
        (ROOT / "docs" / "bench-dlt645.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
