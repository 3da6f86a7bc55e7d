"""`calib budget`: the example files reproduce GUM H.1 and JCGM 101 9.3; bad files exit 2 with one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main

ROOT = Path(__file__).resolve().parents[2]
H1 = ROOT / "examples" / "h1_end_gauge.yaml"
MASS = ROOT / "examples" / "jcgm101_9_3_mass.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["budget", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_h1_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(H1))
    assert code == 0 and err == ""
    assert "l = 50000838 nm" in out
    assert "k = 2.92, p = 99 %" in out
    assert "delta_theta" in out and "arcsine" in out


def test_h1_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(H1), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["unit"] == "nm"
    assert d["value"] == pytest.approx(50_000_838, abs=0.5)
    assert d["standard_uncertainty"] == pytest.approx(32, abs=0.5)
    assert d["dof_eff"] == pytest.approx(16.75, abs=0.1)
    assert d["coverage_factor"] == pytest.approx(2.92, abs=0.005)
    assert d["coverage_probability"] == 0.99
    assert d["expanded_uncertainty"] == pytest.approx(93, abs=1.0)
    assert "mcm" not in d
    rows = {r["name"]: r for r in d["budget"]}
    assert rows["l_s"]["contribution"] == pytest.approx(25, abs=0.05)
    assert rows["delta_theta"]["contribution"] == pytest.approx(16.6, abs=0.05)
    assert rows["alpha_s"]["dof"] is None


def test_mass_monte_carlo_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(MASS), "--json", "--trials", "200000", "--seed", "3")
    assert code == 0
    d = json.loads(out)
    assert d["value"] == pytest.approx(1.2340, abs=5e-5)
    assert d["standard_uncertainty"] == pytest.approx(0.0539, abs=5e-5)
    m = d["mcm"]
    assert m["trials"] == 200_000
    assert m["standard_uncertainty"] == pytest.approx(0.0755, abs=0.0005)
    assert m["coverage_interval"][0] == pytest.approx(1.0844, abs=0.002)
    assert m["coverage_interval"][1] == pytest.approx(1.3836, abs=0.002)
    assert m["gum_validated"] is False


def test_method_gum_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(MASS), "--json", "--method", "gum")
    assert code == 0 and "mcm" not in json.loads(out)


def test_json_budget_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "b.json"
    f.write_text(
        json.dumps(
            {
                "measurand": {"name": "y", "unit": "V"},
                "model": "v + r",
                "inputs": [
                    {
                        "name": "v",
                        "value": 10.0,
                        "unit": "V",
                        "expanded_uncertainty": 0.02,
                        "coverage_factor": 2,
                    },
                    {
                        "name": "r",
                        "unit": "V",
                        "distribution": "type_a",
                        "samples": [10.01, 10.02, 9.99, 10.00],
                    },
                ],
                "correlations": [["v", "r", 0.5]],
            }
        )
    )
    code, out, _ = run(capsys, str(f), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["value"] == pytest.approx(20.005)
    u_r = 0.012909944487358056 / 2
    assert d["standard_uncertainty"] == pytest.approx(
        (0.01**2 + u_r**2 + 2 * 0.5 * 0.01 * u_r) ** 0.5, rel=1e-12
    )


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("model: [unclosed", "malformed"),
        ("- just a list", "must hold a mapping"),
        (
            "model: a\ninputs:\n  - {name: a, value: 1, standard_uncertainty: -1}\n",
            "'a'.*must not be negative",
        ),
        (
            "model: a + b\ninputs:\n  - {name: a, value: 1, standard_uncertainty: 1}\n",
            "name 'b' is not defined",
        ),
    ],
)
def test_bad_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, pattern: str
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content)
    code, out, err = run(capsys, str(f))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calib: error: ")
    assert re.search(pattern, lines[0])


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.yaml"))
    assert code == 2 and "cannot be read" in err


def test_bad_trials_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(H1), "--trials", "lots")
    assert code == 2 and "--trials" in err


def test_console_script_subprocess() -> None:
    exe = Path(sys.executable).parent / "calib"
    proc = subprocess.run(
        [str(exe), "budget", str(H1), "--json"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["value"] == pytest.approx(50_000_838, abs=0.5)


def test_multi_output_h2_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(ROOT / "examples" / "h2_impedance.yaml"), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["names"] == ["R", "X", "Z"]
    r = {o["measurand"]: o for o in d["outputs"]}
    assert r["R"]["value"] == pytest.approx(127.732, abs=0.001)
    assert r["X"]["standard_uncertainty"] == pytest.approx(0.295, abs=0.001)
    assert d["correlation"][1][2] == pytest.approx(0.993, abs=0.002)
    code, out, _ = run(capsys, str(ROOT / "examples" / "h2_impedance.yaml"))
    assert code == 0 and "Correlation of the outputs" in out and "-0.588" in out


def test_batch_values_in_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "batch.yaml"
    f.write_text(
        "measurand: {name: P, unit: W}\nmodel: V*I\ninputs:\n"
        "  - {name: V, value: [1.0, 2.0, 3.0], unit: V, standard_uncertainty: 0.01}\n"
        "  - {name: I, value: 2.0, unit: A, standard_uncertainty: 0.001}\n"
    )
    code, out, _ = run(capsys, str(f), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["value"] == pytest.approx([2.0, 4.0, 6.0])
    code, out, _ = run(capsys, str(f))
    assert code == 0 and "3 budgets of P" in out and out.count("\n") == 5


def test_mass_table_reports_monte_carlo_and_validation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(MASS), "--trials", "20000", "--seed", "1")
    assert code == 0
    assert "delta_m = 1.23 mg,  U = 0.11 mg  (k = 1.96, p = 95 %" in out
    assert "Monte Carlo (20000 trials, seed 1)" in out
    assert "GUM result NOT validated (JCGM 101 clause 8)" in out
