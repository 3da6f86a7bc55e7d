"""`calib sim` and `calib read` as real subprocesses talking over a pseudo-terminal."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from api.cli import main
from instruments.clock import ManualClock
from instruments.protocols import dlt645 as codec
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.faults import FaultSpec
from instruments.sim.pty import PtySimServer

ROOT = Path(__file__).resolve().parents[2]
CALIB = [sys.executable, "-m", "api.cli"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CALIB, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=ENV, check=False
    )


def read_line(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> str:
    """One line of the simulator's stdout, read byte by byte from the pipe (no buffering that could
    swallow the next line)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"simulator printed no complete line within {timeout} s (got {line!r})")
        byte = os.read(fd, 1)
        if not byte:
            raise AssertionError(f"simulator closed stdout after {line!r}")
        line += byte
    return line.decode().strip()


@contextmanager
def simulator(*args: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    proc = subprocess.Popen(
        [*CALIB, "sim", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, cwd=ROOT, env=ENV
    )
    try:
        yield proc, read_line(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> tuple[int, str]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err.decode()


def test_sim_dlt645_then_read_json_then_sigterm_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "ttyMETER"
    with simulator("dlt645", "--link", str(link), "--address", "111111111111", "--seed", "3") as (proc, path):
        assert path.startswith("/dev/")
        assert os.path.realpath(link) == path
        res = run("read", "dlt645", "--port", path, "--id", "00000000", "--json")
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
        assert out["readings"] == [{"quantity": "combined_active_energy", "value": 1234.56, "unit": "kWh"}]
        dirs = [f["dir"] for f in out["frames"]]
        assert dirs == ["tx", "rx"]
        assert bytes.fromhex(out["frames"][0]["hex"]) == codec.build_read(codec.WILDCARD, 0)
        _, raw = codec.parse_read_reply(bytes.fromhex(out["frames"][1]["hex"]), "111111111111", 0)
        assert codec.decode_value(0, raw) == 1234.56
        assert all(f["t"].endswith("+00:00") for f in out["frames"])
        # text output (in-process) through the stable symlink name, with the meter's own address
        code = main(["read", "dlt645", "--port", str(link), "--address", "111111111111", "--id", "02010100"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert out.strip() == "voltage_a = 220 V"
        assert "parity E not applied" in err  # the pty cannot do 8E1; noted, not fatal
        code, err = stop(proc)
    assert code == 0, err
    assert "stopped" in err
    assert not link.exists()


def calib(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``calib ARGS`` in this process (same entry point as the console script)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_read_from_a_port_that_does_not_exist_is_one_line_and_exit_7(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = calib(capsys, "read", "dlt645", "--port", "/dev/xyz-no-such-port")
    assert code == 7
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("calib: error: cannot open serial port /dev/xyz-no-such-port: ")


def test_read_from_a_silent_device_names_port_and_device(capsys: pytest.CaptureFixture[str]) -> None:
    sim = DLT645MeterSim("111111111111", clock=ManualClock())
    with PtySimServer(sim, faults=FaultSpec.parse("mute=1")) as srv:
        code, _, err = calib(
            capsys, "read", "dlt645", "--port", srv.path, "--timeout", "0.2", "--retries", "1"
        )
    assert code == 7
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("calib: error:")]
    assert len(lines) == 1
    assert srv.path in lines[0] and "DL/T 645 meter" in lines[0] and "2 attempt" in lines[0]


def test_bad_fault_spec_and_bad_identifier_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = calib(capsys, "sim", "dlt645", "--faults", "crc=7")
    assert code == 2 and "crc" in err and out == ""
    with PtySimServer(DLT645MeterSim("111111111111", clock=ManualClock())) as srv:
        code, _, err = calib(capsys, "read", "dlt645", "--port", srv.path, "--id", "0201")
    assert code == 2 and "8 hex digits" in err


def test_lists_name_every_device_and_driver_of_this_package(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = calib(capsys, "sim", "--list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert {"dlt645", "meter-bench"} <= set(names)
    code, out, _ = calib(capsys, "read", "--list")
    assert code == 0
    assert "dlt645" in out and "2400 8E1" in out and "--id" in out and "meter-bench" in out


def test_meter_bench_with_companion_meter_measures_the_injected_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = (
        "meter-bench",
        "--error-percent",
        "-0.3",
        "--time-scale",
        "2000",
        "--settle",
        "1",
        "--meter-address",
        "000000000007",
    )
    with simulator(*args) as (proc, bench_path):
        name, meter_path = read_line(proc).split()
        assert name == "meter" and meter_path.startswith("/dev/")
        code, out, err = calib(
            capsys,
            "read",
            "meter-bench",
            "--port",
            bench_path,
            "--voltage",
            "220",
            "--current",
            "5",
            "--pulses",
            "100",
            "--json",
        )
        assert code == 0, err
        readings = {r["quantity"]: r for r in json.loads(out)["readings"]}
        assert readings["meter_error"]["unit"] == "percent"
        # no noise configured: only the one-pulse quantisation of m (m0 = 100 000) remains
        assert readings["meter_error"]["value"] == pytest.approx(-0.3, abs=0.002)
        code, out, err = calib(
            capsys, "read", "dlt645", "--port", meter_path, "--address", "000000000007", "--id", "02010100"
        )
        assert code == 0, err
        assert out.strip() == "voltage_a = 220 V"
        code, err = stop(proc, signal.SIGINT)
    assert code == 0, err
