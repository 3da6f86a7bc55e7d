"""Rounding of reported results and the unit tables (symbols, D-SI strings)."""

from __future__ import annotations

import doctest

import pytest

from calib_service.documents import dcc, rounding, units
from calib_service.documents.errors import DocumentError
from calib_service.documents.rounding import format_number, format_significant, round_result
from calib_service.documents.units import dsi_unit, unit_symbol


@pytest.mark.parametrize(
    ("value", "u", "expected"),
    [
        # U to two significant digits, the value to the same decimal place (JJF 1059.1 / GUM 7.2.6)
        (10.05762, 0.0127, ("10.058", "0.013")),
        (-0.19961, 0.0342, ("-0.200", "0.034")),
        (0.1249, 0.0342, ("0.125", "0.034")),
        # U rounding up into the next decade keeps two significant digits: 0.0996 -> 0.10
        (10.04, 0.0996, ("10.04", "0.10")),
        # large U: the value is rounded to tens
        (1234.5, 123.0, ("1230", "120")),
        # half-even (GB/T 8170): 0.0125 -> 0.012, 0.0135 -> 0.014
        (1.0, 0.0125, ("1.000", "0.012")),
        (1.0, 0.0135, ("1.000", "0.014")),
        # negative values that round to zero print without sign
        (-0.0004, 0.012, ("0.000", "0.012")),
    ],
)
def test_round_result(value: float, u: float, expected: tuple[str, str]) -> None:
    assert round_result(value, u)[:2] == expected


def test_round_result_up_and_one_digit() -> None:
    assert round_result(1.0, 0.0121, uncertainty_rounding="up")[:2] == ("1.000", "0.013")
    assert round_result(5.4321, 0.34, digits=1)[:2] == ("5.4", "0.3")


def test_round_result_zero_uncertainty_prints_value_as_given() -> None:
    assert round_result(230.25, 0.0)[:2] == ("230.25", "0")


@pytest.mark.parametrize("bad", [dict(uncertainty=-0.1), dict(digits=3), dict(uncertainty_rounding="ceil")])
def test_round_result_rejects_bad_options(bad: dict[str, object]) -> None:
    kwargs: dict[str, object] = {"value": 1.0, "uncertainty": 0.1, **bad}
    with pytest.raises(DocumentError):
        round_result(**kwargs)  # type: ignore[arg-type]


def test_format_number() -> None:
    assert format_number(2.0) == "2"
    assert format_number(1e-05) == "0.00001"
    assert format_number(-0.5) == "-0.5"
    with pytest.raises(DocumentError, match="nan"):
        format_number(float("nan"))


@pytest.mark.parametrize(
    ("unit", "dsi", "symbol"),
    [
        ("kWh", "\\kilo\\watt\\hour", "kWh"),
        ("percent", "\\percent", "%"),
        ("%", "\\percent", "%"),
        ("m**3", "\\metre\\tothe{3}", "m³"),
        ("m^3", "\\metre\\tothe{3}", "m³"),
        ("m³/h", "\\metre\\tothe{3}\\per\\hour", "m³/h"),
        ("ppm", "\\micro\\mole\\per\\mole", "μmol/mol"),
        ("degC", "\\degreeCelsius", "°C"),
        ("delta_degC", "\\kelvin", "°C"),
        ("percent_RH", "\\percent", "%RH"),
        ("1/kWh", "\\kilo\\watt\\hour\\tothe{-1}", "imp/kWh"),
        ("mg/m**3", "\\milli\\gram\\per\\metre\\tothe{3}", "mg/m³"),
        ("", "\\one", ""),
    ],
)
def test_unit_tables(unit: str, dsi: str, symbol: str) -> None:
    assert dsi_unit(unit) == dsi
    assert unit_symbol(unit) == symbol


def test_unknown_unit_is_an_error_naming_it() -> None:
    with pytest.raises(DocumentError, match="furlong"):
        dsi_unit("furlong")


@pytest.mark.parametrize("module", [rounding, units, dcc])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0
    assert result.attempted > 0


_AGREEMENT_CASES = [
    (10.05762, 0.0127),
    (-0.19961, 0.0342),
    (10.04, 0.0996),
    (1234.5, 123.0),
    (1.0, 0.0125),
    (1.0, 0.0135),
    (-0.0004, 0.012),
    (230.25, 0.0),
    (409.3 - 400, 4.1),
]


def test_agrees_with_the_uncertainty_package() -> None:
    """Documents keep a stdlib-only copy of the rounding rule (no numpy/scipy import); it must agree."""
    from uncertainty.rounding import round_result as engine_round

    for value, u in _AGREEMENT_CASES:
        assert round_result(value, u)[:2] == engine_round(value, u), (value, u)


def test_reference_and_indication_cells_are_rounded_to_the_place_of_u() -> None:
    from calib_service.documents.certificate_data import MeasurementPoint, Text
    from calib_service.documents.certificate_pdf import point_cells

    relative = MeasurementPoint(
        Text("Ib", "Ib"), 0.3, "%", 0.1, 2.0,
        reference_value=0.07333333333333333, indication=0.07355333333333333, value_unit="kWh",
    )  # fmt: skip
    cells = point_cells(relative, "en")
    # U = 0.1 % of 0.0733 kWh = 7.3e-5 kWh: two significant digits of U → the 10⁻⁶ place
    assert cells[1:3] == ["0.073333 kWh", "0.073553 kWh"]
    absolute = MeasurementPoint(
        Text("10 V", "10 V"), 0.0021, "V", 0.012, 2.0,
        reference_value=10.0000004, indication=10.00210049, value_unit="V",
    )  # fmt: skip
    assert point_cells(absolute, "en")[1:3] == ["10.000 V", "10.002 V"]
    check = MeasurementPoint(
        Text("T90", "T90"), 21.0, "s", None, None, reference_value=2.0 / 3.0, value_unit="s"
    )
    assert point_cells(check, "en")[1] == "0.666667 s"
    assert format_significant(0.0) == "0" and format_significant(123456789.0, 3) == "123000000"
    with pytest.raises(DocumentError):
        format_significant(1.0, 0)
