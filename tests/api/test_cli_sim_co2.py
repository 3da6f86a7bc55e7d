"""`calib sim co2-analyser --cross-sensitivity/--interferents` as a subprocess, read by `calib read`."""

from __future__ import annotations

import json

import pytest

from tests.api.test_cli_sim_read import calib, run, simulator, stop


def test_cross_sensitivity_and_interferents_shown_by_the_analyser() -> None:
    # zero air with 1000 ppm CO on an analyser showing 0.02 ppm CO2 per ppm CO, +3 ppm offset: 23 ppm
    args = ("co2-analyser", "--ppm", "0", "--t90", "0", "--offset", "3", "--interferents", "CO=1000")
    with simulator(*args, "--cross-sensitivity", "CO=0.02, H2O=5") as (proc, path):
        res = run("read", "co2-analyser", "--port", path, "--json")
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["readings"][0]["value"] == pytest.approx(23.0)
        code, err = stop(proc)
    assert code == 0, err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--cross-sensitivity", "CO=abc", "'abc' (for CO) is not a number"),
        ("--cross-sensitivity", "CO", "is not GAS=NUMBER"),
        ("--interferents", "CO=-1", "negative"),
    ],
)
def test_bad_gas_values_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    code, out, err = calib(capsys, "sim", "co2-analyser", flag, value)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("calib: error: ") and flag in err and message in err
