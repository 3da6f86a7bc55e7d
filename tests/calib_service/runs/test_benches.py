"""Bench files: the examples fit their procedures; structure errors name what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from calib_service.benches import load_bench, parse_bench
from calib_service.errors import RecordValidationError
from calib_service.procedures.registry import entries, lookup

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "benches"
PROCEDURE_OF = {
    "electricity": "jjg596",
    "water": "jjg162",
    "gas": "jjg577",
    "heat": "jjg225",
    "heat-flow": "jjg225-flow",
    "heat-pair": "jjg225-pair",
    "heat-calc": "jjg225-calc",
    "co2": "jjg635",
    "cems": "cems_co2",
    "comparison": "comparison",
}


def test_one_example_bench_per_family() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == sorted(PROCEDURE_OF)
    assert sorted(PROCEDURE_OF.values()) == sorted(e.alias for e in entries())


@pytest.mark.parametrize("family", sorted(PROCEDURE_OF))
def test_example_bench_fits_its_procedure(family: str) -> None:
    bench = load_bench(EXAMPLES / f"{family}.yaml")
    entry = lookup(PROCEDURE_OF[family])
    entry.check_bench(bench)
    assert bench.standards, "every example names the standard serving on it"
    for spec in bench.instruments.values():
        assert spec.manual or (spec.port or "").startswith("/tmp/calib-")


def test_line_settings_and_options_are_separated() -> None:
    bench = load_bench(EXAMPLES / "water.yaml")
    dut = bench.instruments["dut"]
    assert dut.line == {"baudrate": 2400, "parity": "E"}
    assert dut.address == "20261201000162" and dut.options == {"kind": "water"}
    assert bench.instruments["thermometer"].manual and bench.instruments["thermometer"].port is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "a bench file is a mapping"),
        ({"name": "b"}, "'instruments' must map each role"),
        ({"name": "b", "instruments": {"dut": "cjt188"}}, "instruments.dut must be a mapping"),
        ({"name": "b", "instruments": {"dut": {"port": "/dev/x"}}}, "instruments.dut has no 'driver'"),
        (
            {"name": "b", "instruments": {"dut": {"driver": "manual"}}, "standards": [1]},
            "'standards' must map",
        ),
    ],
)
def test_structure_errors(data: object, message: str) -> None:
    with pytest.raises(RecordValidationError, match=message):
        parse_bench(data, source="b.yaml")
