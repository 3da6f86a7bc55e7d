"""Unit comparisons used by range, CMC and budget checks."""

from __future__ import annotations

import pytest

from calib_service.traceability._units import convert


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (1.0, "%", "percent", 1.0),
        (120.0, "mA", "A", 0.12),
        (20.0, "degC", "K", 293.15),
        (1.0, "kWh", "J", 3.6e6),
    ],
)
def test_convertible(value: float, src: str, dst: str, expected: float) -> None:
    assert convert(value, src, dst) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("src", "dst"),
    [("ppm", "%"), ("kWh", "A"), ("nonsense-unit", "A"), ("", "A")],
)
def test_not_comparable(src: str, dst: str) -> None:
    assert convert(1.0, src, dst) is None
