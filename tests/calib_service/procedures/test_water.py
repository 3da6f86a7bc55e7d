"""Water and air density against published values; buoyancy arithmetic by hand."""

from __future__ import annotations

import pytest

from calib_service.errors import RecordValidationError
from calib_service.procedures import water


@pytest.mark.parametrize(
    ("t", "rho"),
    [
        # Tanaka et al. (2001), Metrologia 38, Table (SMOW, air-free, 101 325 Pa)
        (20.0, 998.2067),
        (4.0, 999.9750),
        (0.0, 999.8428),
        (25.0, 997.0470),
        (30.0, 995.6488),
        (40.0, 992.2152),
    ],
)
def test_tanaka_table(t: float, rho: float) -> None:
    assert water.water_density(t) == pytest.approx(rho, abs=0.001)


def test_tanaka_maximum_near_4_degc() -> None:
    # the density of water has its maximum at about 3.98 °C (a1 = -3.983035 °C in the formula)
    assert water.water_density(3.98) > water.water_density(3.0)
    assert water.water_density(3.98) > water.water_density(5.0)
    assert abs(water.water_density_slope(3.983035)) < 1e-4


def test_air_saturation_and_pressure_corrections() -> None:
    # Δρ = s0 + s1 t = -4.612e-3 + 0.106e-3 × 20 = -2.492e-3 kg/m³
    assert water.water_density(20.0, air_saturated=True) - water.water_density(20.0) == pytest.approx(
        -2.492e-3, abs=1e-9
    )
    # +100 kPa: factor 1 + (50.74 - 0.326×20 + 0.00416×400)e-11 × 1e5 = 1 + 4.5884e-5
    expected = water.water_density(20.0) * (1 + 45.884e-11 * 1e5)
    assert water.water_density(20.0, pressure_pa=201325.0) == pytest.approx(expected, rel=1e-12)


def test_kell_against_tables() -> None:
    # CRC Handbook density of water: 0.98804 g/cm³ at 50 °C, 0.97180 at 80 °C
    assert water.water_density_kell(50.0) == pytest.approx(988.04, abs=0.01)
    assert water.water_density_kell(80.0) == pytest.approx(971.80, abs=0.01)
    # agrees with Tanaka within a few ppm at 20 °C
    assert water.water_density_kell(20.0) == pytest.approx(water.water_density(20.0), abs=0.005)


def test_air_density_by_hand() -> None:
    # (0.34848 × 1013.25 − 0.009 × 50 × exp(0.061 × 20)) / 293.15
    # = (353.0976 − 0.45 × 3.38718)/293.15 = 351.5734/293.15 = 1.19930 kg/m³
    assert water.air_density(1013.25, 50.0, 20.0) == pytest.approx(1.19930, abs=2e-5)


def test_buoyancy_and_volume_by_hand() -> None:
    # (1 − 1.2/8000)/(1 − 1.2/998.2) = 0.99985/0.998797836 = 1.0010534
    assert water.buoyancy_factor(1.2, 998.2) == pytest.approx(1.0010534, abs=1e-7)
    # 99.8 kg × 0.99985 / (998.2067455 − 1.2) = 0.1000846 m³
    assert water.gravimetric_volume(99.8, 20.0, 1.2) == pytest.approx(0.1000846, abs=2e-7)


@pytest.mark.parametrize("t", [-0.5, 40.5])
def test_out_of_range(t: float) -> None:
    with pytest.raises(RecordValidationError, match="0-40"):
        water.water_density(t)


def test_bad_air() -> None:
    with pytest.raises(RecordValidationError, match="humidity"):
        water.air_density(1013.0, 120.0, 20.0)
