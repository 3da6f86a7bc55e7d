"""``calib demo`` as a user runs it, and its one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from api.cli import main

CALIB = str(Path(sys.executable).parent / "calib")


def _calibration_rows(url: str) -> int:
    eng = create_engine(url)
    try:
        if "calibration" not in inspect(eng).get_table_names():
            return 0
        with eng.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM calibration")).scalar() or 0)
    finally:
        eng.dispose()


def test_demo_command_as_installed(tmp_path: Path) -> None:
    env = {**os.environ, "CALIB_DATABASE_URL": f"sqlite:///{tmp_path / 'calib.db'}"}
    proc = subprocess.run(
        [CALIB, "demo", "--time-scale", "5000"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "误差 Error" in proc.stdout and "U (k)" in proc.stdout and "MPE" in proc.stdout
    assert "result: pass" in proc.stdout
    assert "起动 0.004Ib" in proc.stdout and "潜动 1.15Un" in proc.stdout  # after the load points
    assert "settling" in proc.stderr  # progress is shown while it works
    summary = json.loads((tmp_path / "calib-demo-out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["decision"] == "pass"
    assert [(p["point"], p["error_unit"], p["decision"]) for p in summary["points"][-2:]] == [
        ("起动 0.004Ib", "imp", "pass"),
        ("潜动 1.15Un", "imp", "pass"),
    ]
    out = tmp_path / "calib-demo-out"
    assert (out / "report.md").is_file()
    kinds = {c["kind"] for c in summary["documents"]["certificates"].values()}
    assert kinds == {"verification", "verification_notice", "calibration"}  # one of each kind
    for cert in summary["documents"]["certificates"].values():
        assert all((tmp_path / f).is_file() for f in cert["files"])  # paths relative to the demo's folder
    suffixes = {Path(p).suffix for p in summary["documents"]["evidence"].values()}
    assert suffixes == {".pdf", ".xlsx", ".html", ".json"}
    seeded = summary["documents"]["seeded_calibrations"]
    assert _calibration_rows(env["CALIB_DATABASE_URL"]) == len(summary["families"]) + len(seeded)
    families = {c["family"]: c["decision"] for c in summary["families"]}
    assert {"electricity", "water", "gas", "heat", "co2", "cems", "comparison"} <= set(families)
    assert "fail" in families.values() and "undetermined" in families.values()


def test_help_lists_verbs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for verb in ("demo", "serve", "db", "budget", "sim", "read"):
        assert verb in out


def test_wrong_database_url(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["demo", "--database", "sqlite:////no/such/dir/calib.db", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 6
    assert err.count("\n") == 1 and "does not exist" in err and "Traceback" not in err


def test_missing_serial_port_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    args = ["demo", "--database", url, "--dut-port", "/dev/ttyNOSUCH9", "--out", str(tmp_path), "--quiet"]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 7
    assert "/dev/ttyNOSUCH9" in err and "Traceback" not in err
    assert err.strip().count("\n") == 1  # the schema note, then the one-line error
    assert _calibration_rows(url) == 0


def test_silent_meter_times_out_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    master, slave = os.openpty()  # a port where nobody answers
    try:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        code = main(
            ["demo", "--database", url, "--dut-port", os.ttyname(slave), "--out", str(tmp_path), "--quiet"]
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 7
        assert "no complete reply" in err[-1] and "DL/T 645 meter" in err[-1]
        assert os.ttyname(slave) in err[-1]
        assert _calibration_rows(url) == 0
    finally:
        os.close(master)
        os.close(slave)


def test_db_upgrade_and_current(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert "upgraded to revision" in capsys.readouterr().out
    assert main(["db", "current", "--database", url]) == 0
    assert "head is" in capsys.readouterr().out


def test_output_into_a_closed_pipe_is_not_a_traceback() -> None:
    # `calib sim --list | head -1`: the reader goes away early
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "calib"), "sim", "--list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # gone before the first line is written (the interpreter takes a while to start)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(30) == 0, err
    assert err == ""
