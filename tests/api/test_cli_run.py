"""``calib run`` and ``calib procedures`` as a technician uses them.

The kill test serves the simulated meter bench (seeded) on pseudo-terminals, runs ``calib run jjg596``
in a subprocess, SIGKILLs it after some points are stored, resumes it with ``--resume`` and compares
with an uninterrupted run of the same meter: same errors within the noise, no reading lost or recorded
twice.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from api.cli import main
from calib_service.db import make_session_factory
from calib_service.demo_data import seed_reference_data
from calib_service.demo_families import TECHNICIAN, seed_family_references
from calib_service.models import Calibration, CalibrationPoint, Equipment, RawReading
from instruments.clock import ManualClock, ScaledClock
from instruments.sim.dlt645 import DLT645MeterSim
from instruments.sim.meter_bench import MeterBenchSim
from instruments.sim.pty import PtySimServer
from instruments.sim.scpi_dmm import DmmSim

CALIB = str(Path(sys.executable).parent / "calib")
METER = "202612010001"
SCALE = 10000.0
FAMILY_ALIASES = (
    "jjg596",
    "jjg162",
    "jjg577",
    "jjg225",
    "jjg225-flow",
    "jjg225-pair",
    "jjg225-calc",
    "jjg635",
    "cems_co2",
    "comparison",
)


def _seed(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        seed_reference_data(session=s, as_of=date.today())
        seed_family_references(session=s, as_of=date.today())
        s.commit()


def _one_line_error(capsys: pytest.CaptureFixture[str], code: int, expected_code: int, *needles: str) -> str:
    err = capsys.readouterr().err
    assert code == expected_code, err
    assert err.startswith("calib: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_procedures_lists_every_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["procedures"]) == 0
    out = capsys.readouterr().out
    for alias in FAMILY_ALIASES:
        assert alias in out
    assert (
        "JJG 162-2019" in out
        and "roles: dut*, balance, reference" in out
        and "classes: 0.2S, 0.5S, 1, 2" in out
    )
    assert main(["procedures", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["alias"] for r in rows] == list(FAMILY_ALIASES)
    jjg635 = next(r for r in rows if r["alias"] == "jjg635")
    assert jjg635["roles"]["analyser"]["required"] and "mfc" in jjg635["roles"]
    assert next(r for r in rows if r["alias"] == "comparison")["classes"] == []


def _bench(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bench.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (None, ("cannot read it",)),
        ("name: [unclosed\n", ("not valid YAML",)),
        ("instruments: {dut: {driver: manual}}\n", ("has no 'name'",)),
        ("name: b\ninstruments: {dut: {driver: nosuch, port: /dev/null}}\n", ("unknown driver 'nosuch'",)),
        ("name: b\ninstruments: {dut: {driver: cjt188}}\n", ("instruments.dut (cjt188) has no 'port'",)),
        (
            "name: b\ninstruments:\n  dut: {driver: manual}\n  balance: {driver: manual}\n"
            "  pump: {driver: manual}\n",
            ("role 'pump' is not used by JJG 162-2019",),
        ),
        ("name: b\ninstruments: {balance: {driver: manual}}\n", ("needs an instrument in role 'dut'",)),
        ("name: b\ninstruments: {dut: {driver: manual}}\n", ("needs one of the roles balance or reference",)),
        (
            "name: b\ninstruments: {dut: {driver: cjt188, port: /dev/x, parity: Q}}\n",
            ("parity must be N, E or O",),
        ),
    ],
)
def test_bad_bench_files_give_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str | None, needles: tuple[str, ...]
) -> None:
    bench = str(tmp_path / "missing.yaml") if text is None else _bench(tmp_path, text)
    code = main(
        [
            "run",
            "jjg162",
            "--bench",
            bench,
            "--dut",
            "X1",
            "--technician",
            TECHNICIAN,
            "--database",
            f"sqlite:///{tmp_path / 'c.db'}",
        ]
    )
    _one_line_error(capsys, code, 2, *needles)


def test_unknown_procedure_missing_port_and_technician(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'c.db'}"]
    bench = _bench(
        tmp_path,
        "name: b\ninstruments:\n  dut: {driver: cjt188, port: /dev/ttyNOPE9}\n  balance: {driver: manual}\n",
    )
    code = main(["run", "jjg999", "--bench", bench, "--dut", "X1", "--technician", TECHNICIAN, *db])
    _one_line_error(capsys, code, 2, "unknown procedure 'jjg999'", "jjg162")
    code = main(["run", "jjg162", "--bench", bench, "--dut", "X1", "--technician", TECHNICIAN, *db])
    _one_line_error(capsys, code, 7, "role 'dut' (cjt188) on port /dev/ttyNOPE9")
    code = main(["run", "jjg162", "--bench", bench, "--dut", "X1", "--technician", "", *db])
    _one_line_error(capsys, code, 2, "--technician")


def test_run_json_on_simulated_dmms_then_a_typed_in_standard(
    engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(engine)
    url = engine.url.render_as_string(hide_password=False)
    clock = ManualClock()
    ref = DmmSim(clock=clock)
    dut = DmmSim(clock=clock, error_percent=0.05)
    for sim in (ref, dut):
        sim.apply("VOLT:DC", 5.0)
    with PtySimServer(ref) as r, PtySimServer(dut) as d:
        bench = _bench(
            tmp_path,
            f"name: dmm bench\ninstruments:\n  standard: {{driver: scpi-dmm, port: {r.path}}}\n"
            f"  dut: {{driver: scpi-dmm, port: {d.path}}}\n"
            "standards: {standard: DEMO-DMM-8508}\n",
        )
        args = [
            "run",
            "comparison",
            "--bench",
            bench,
            "--dut",
            "DMM-CLI-1",
            "--points",
            "5",
            "--technician",
            TECHNICIAN,
            "--env",
            "ambient_temperature=23",
            "--env",
            "relative_humidity=45",
            "--yes",
            "--json",
            "--database",
            url,
        ]
        code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["procedure"] == "JJF (comparison)" and doc["decision"] is None
    (point,) = doc["points"]
    keys = {
        "point",
        "reference",
        "indication",
        "error",
        "error_unit",
        "mpe",
        "expanded_uncertainty",
        "coverage_factor",
        "decision",
    }
    assert keys <= set(point)
    assert point["point"] == "5 V" and point["error_unit"] == "V" and point["decision"] is None
    assert abs(point["error"] - 5.0 * 0.05 / 100) <= point["expanded_uncertainty"]
    assert "[" in captured.err and "calibration" in captured.err  # progress on stderr
    # the same database, a bench whose standard is read by eye
    _typed_in_standard_with_entries(engine, capsys, tmp_path, monkeypatch)


@contextmanager
def _meter_bench() -> Iterator[tuple[str, str]]:
    """The simulated meter bench and its meter on pseudo-terminals (in-process, seeded)."""
    clock = ScaledClock(SCALE)
    meter = DLT645MeterSim(METER, clock=clock, rng=random.Random(7), error_percent=0.3, current=0.0)
    bench = MeterBenchSim(
        meter=meter, clock=clock, rng=random.Random(8), error_percent=0.3, noise_percent=0.01, settle_s=1.0
    )
    with PtySimServer(meter, clock=clock) as m, PtySimServer(bench, clock=clock) as b:
        yield b.path, m.path


def _run_args(bench: str, url: str, *extra: str) -> list[str]:
    return [
        "run",
        "jjg596",
        "--bench",
        bench,
        "--dut",
        METER,
        "--class",
        "1",
        "--param",
        "basic_current=5",
        "--param",
        "max_current=60",
        "--param",
        "meter_constant=1200",
        "--technician",
        TECHNICIAN,
        "--env",
        "ambient_temperature=23.1",
        "--env",
        "relative_humidity=52",
        "--time-scale",
        str(SCALE),
        "--yes",
        "--json",
        "--database",
        url,
        *extra,
    ]


def _points(engine: Engine, cid: int) -> int:
    with make_session_factory(engine)() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(CalibrationPoint)
                .where(CalibrationPoint.calibration_id == cid)
            )
            or 0
        )


def test_kill_mid_run_and_resume(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(engine)
    url = engine.url.render_as_string(hide_password=False)
    factory = make_session_factory(engine)
    with _meter_bench() as (bench_port, meter_port):
        bench = _bench(
            tmp_path,
            f"name: meter bench 1\ninstruments:\n  bench: {{driver: meter-bench, port: {bench_port}}}\n"
            f"  dut: {{driver: dlt645, port: {meter_port}, address: '{METER}'}}\n"
            "standards: {bench: DEMO-STD-0005}\n",
        )
        # the run to kill is a real process (SIGKILL: no clean-up at all)
        run = subprocess.Popen(
            [CALIB, *_run_args(bench, url)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 120
        cid = None
        while time.monotonic() < deadline and run.poll() is None:
            with factory() as s:
                cid = s.scalar(select(func.max(Calibration.id)))
            if cid is not None and _points(engine, cid) >= 3:
                break
            time.sleep(0.02)
        assert run.poll() is None, "the run finished before it could be killed"
        os.kill(run.pid, signal.SIGKILL)
        run.communicate(timeout=30)
        assert cid is not None
        with factory() as s:
            cal = s.get(Calibration, cid)
            assert cal is not None and cal.status == "running"
            before = {r.id: (r.seq, r.quantity, r.value) for r in cal.readings}
            stored_before = len(cal.points)
        assert 3 <= stored_before < 9  # 7 load points, then the starting and creep tests
        capsys.readouterr()
        assert main(_run_args(bench, url, "--resume", str(cid))) == 0
        resumed = capsys.readouterr()
        assert "already measured, skipped" in resumed.err
        assert main(_run_args(bench, url)) == 0
        straight = capsys.readouterr()
    doc_r: dict[str, Any] = json.loads(resumed.out)
    doc_s: dict[str, Any] = json.loads(straight.out)
    assert doc_r["calibration_id"] == cid and doc_s["calibration_id"] != cid
    assert doc_r["decision"] == doc_s["decision"] == "pass"
    assert [p["point"] for p in doc_r["points"]] == [p["point"] for p in doc_s["points"]]
    assert len(doc_r["points"]) == 9
    for pr, ps in zip(doc_r["points"][7:], doc_s["points"][7:], strict=True):  # starting, creep
        assert pr["error_unit"] == "imp" and pr["expanded_uncertainty"] is None
        assert pr["decision"] == ps["decision"] == "pass" and pr["error"] == ps["error"]
    for pr, ps in zip(doc_r["points"][:7], doc_s["points"][:7], strict=True):
        assert pr["error_unit"] == "%"
        assert abs(pr["error"] - 0.3) <= pr["expanded_uncertainty"], pr
        assert abs(pr["error"] - ps["error"]) <= pr["expanded_uncertainty"] / 2, (pr, ps)
    with factory() as s:
        readings = list(
            s.scalars(select(RawReading).where(RawReading.calibration_id == cid).order_by(RawReading.seq))
        )
        after = {r.id: (r.seq, r.quantity, r.value) for r in readings}
        assert all(after[i] == v for i, v in before.items())  # nothing lost
        assert [r.seq for r in readings] == list(range(1, len(readings) + 1))  # nothing twice, no gap
        per_point = Counter((r.point_seq, r.quantity) for r in readings if r.point_seq is not None)
        assert {n for (_, q), n in per_point.items() if q == "meter_error"} == {3}
        assert sorted({seq for seq, _ in per_point}) == list(range(1, 10))
        assert {n for (s_, q), n in per_point.items() if q == "dut_pulses"} == {1}  # one count per test
        assert _points(engine, cid) == 9


def test_missing_rating_is_refused_before_anything_is_stored_and_run_parameters_stay_with_the_record(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(engine)
    url = engine.url.render_as_string(hide_password=False)
    factory = make_session_factory(engine)
    with _meter_bench() as (bench_port, meter_port):
        bench = _bench(
            tmp_path,
            f"name: meter bench 1\ninstruments:\n  bench: {{driver: meter-bench, port: {bench_port}}}\n"
            f"  dut: {{driver: dlt645, port: {meter_port}, address: '{METER}'}}\n"
            "standards: {bench: DEMO-STD-0005}\n",
        )
        args = _run_args(bench, url)
        i = args.index("meter_constant=1200")
        without = args[: i - 1] + args[i + 1 :]
        code = main(without)
        err = capsys.readouterr().err.splitlines()
        assert code == 2 and "Traceback" not in "".join(err), err
        assert err[-1].startswith("calib: error: JJG 596-2012 needs the device ratings meter_constant"), err
        assert "--param meter_constant=VALUE" in err[-1] and "nothing was stored" in err[-1]
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Calibration)) == 0
            assert s.scalars(select(Equipment).where(Equipment.serial == METER)).first() is None
        assert main([*args, "--param", "creep=0", "--param", "repeats=2"]) == 0
        doc = json.loads(capsys.readouterr().out)
    assert [p["point"] for p in doc["points"]][-1] != "creep" and len(doc["points"]) == 8
    with factory() as s:
        cal = s.get(Calibration, doc["calibration_id"])
        assert cal is not None
        assert cal.run_parameters == {
            "basic_current": 5.0,
            "max_current": 60.0,
            "meter_constant": 1200.0,
            "creep": 0.0,
            "repeats": 2.0,
        }
        # the device keeps its ratings, not the parameters of this one run
        ratings = {"basic_current": 5.0, "max_current": 60.0, "meter_constant": 1200.0}
        assert cal.dut.specs["ratings"] == ratings


def test_every_rating_a_run_reads_without_default_is_declared_required() -> None:
    import re

    from calib_service.procedures.registry import entries

    for entry in entries():
        source = Path(sys.modules[entry.run.__module__].__file__ or "").read_text(encoding="utf-8")
        needed = set(re.findall(r"rating\(\"(\w+)\"\)", source))
        assert needed <= set(entry.required_ratings), (entry.alias, needed)
        assert set(entry.required_ratings) <= set(entry.ratings), entry.alias


def _typed_in_standard_with_entries(
    engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal: nothing can be typed
    url = engine.url.render_as_string(hide_password=False)
    dut = DmmSim(clock=ManualClock(), error_percent=0.1)
    dut.apply("VOLT:DC", 10.0)
    with PtySimServer(dut) as d:
        bench = _bench(
            tmp_path,
            f"name: typed-in standard\ninstruments:\n  standard: {{driver: manual}}\n"
            f"  dut: {{driver: scpi-dmm, port: {d.path}}}\nstandards: {{standard: DEMO-DMM-8508}}\n",
        )
        base = [
            "run",
            "comparison",
            "--bench",
            bench,
            "--dut",
            "DMM-CLI-2",
            "--points",
            "10",
            "--technician",
            TECHNICIAN,
            "--env",
            "ambient_temperature=23",
            "--env",
            "relative_humidity=45",
            "--yes",
            "--database",
            url,
        ]
        # without an answer and without a terminal the run stops with one line saying what to give
        code = main([*base, "--quiet"])
        _one_line_error(capsys, code, 2, "standard.1 must be typed in (V)", "--entry standard.1=VALUE")
        code = main([*base, "--json", "--entry", "standard=10.0000"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (point,) = json.loads(captured.out)["points"]
    assert abs(point["error"] - 0.01) <= point["expanded_uncertainty"]
    factory = make_session_factory(engine)
    with factory() as s:
        cid = json.loads(captured.out)["calibration_id"]
        typed = s.scalars(
            select(RawReading).where(RawReading.calibration_id == cid, RawReading.source == "manual")
        )
        rows = list(typed)
        assert len(rows) == 3 and all(
            r.entered_by_id is not None and r.instrument == "standard" for r in rows
        )
