"""Water density against temperature, air density and the buoyancy correction of gravimetric methods.

Water density follows Tanaka, Girard, Davis, Peuto and Bignell, "Recommended table for the density of
water between 0 °C and 40 °C based on recent experimental reports", *Metrologia* 38 (2001) 301–309,
the formula recommended by the CIPM (CCM) in 2001 for air-free Standard Mean Ocean Water (SMOW) at
101 325 Pa::

    ρ(t) = a5 · [1 − (t + a1)² (t + a2) / (a3 (t + a4))]

with a1 = −3.983035 °C, a2 = 301.797 °C, a3 = 522528.9 °C², a4 = 69.34881 °C, a5 = 999.974950 kg/m³,
valid 0–40 °C. The same paper gives the correction for air saturation, Δρ = s0 + s1·t with
s0 = −4.612 × 10⁻³ kg/m³ and s1 = 0.106 × 10⁻³ kg/(m³·°C), and the compressibility factor
1 + (k0 + k1 t + k2 t²)(p − 101 325 Pa) with k0 = 50.74 × 10⁻¹¹ Pa⁻¹, k1 = −0.326 × 10⁻¹¹ Pa⁻¹/°C,
k2 = 0.00416 × 10⁻¹¹ Pa⁻¹/°C². The constants are those of the paper as commonly reproduced (status U
in our terms: the paper itself was not re-read for this module); the test of ρ(20 °C) = 998.2067 kg/m³
checks the main formula against the published table value.

Air density uses the approximation of OIML R 111-1:2004 (E.3-1), relative uncertainty about 2 × 10⁻⁴
between 900 and 1100 hPa, 10–30 °C and humidity below 80 %::

    ρa = (0.348 48 p − 0.009 hr · exp(0.061 t)) / (273.15 + t)     [p in hPa, hr in %, t in °C]

Buoyancy: a balance adjusted with weights of conventional density ρ_c = 8000 kg/m³ shows m_w for a
mass of water; the true mass of water is m = m_w (1 − ρa/ρ_c)/(1 − ρa/ρw), hence the volume
V = m/ρw = m_w (1 − ρa/ρ_c)/(ρw − ρa).

Above 40 °C (heat-meter flow tests at about 50 °C and above) :func:`water_density_kell` gives the
density by G. S. Kell, *J. Chem. Eng. Data* 20 (1975) 97–105, air-free water at 101 325 Pa,
0–150 °C (IPTS-68; coefficients as commonly reproduced, status U). Between 0 and 40 °C it agrees with
Tanaka to a few parts in 10⁶.
"""

from __future__ import annotations

import math

from calib_service.errors import RecordValidationError

__all__ = [
    "CONVENTIONAL_WEIGHT_DENSITY",
    "KELL_SOURCE",
    "OIML_R111_SOURCE",
    "TANAKA_SOURCE",
    "TANAKA_U_FORMULA",
    "air_density",
    "buoyancy_factor",
    "gravimetric_volume",
    "water_density",
    "water_density_kell",
    "water_density_slope",
]

TANAKA_SOURCE = (
    "M. Tanaka, G. Girard, R. Davis, A. Peuto, N. Bignell, Metrologia 38 (2001) 301-309 "
    "(CIPM recommended formula for the density of SMOW, 0-40 °C)"
)
OIML_R111_SOURCE = "OIML R 111-1:2004, formula (E.3-1) for air density (approximation)"

_A1, _A2, _A3, _A4, _A5 = -3.983035, 301.797, 522528.9, 69.34881, 999.974950
_S0, _S1 = -4.612e-3, 0.106e-3
_K0, _K1, _K2 = 50.74e-11, -0.326e-11, 0.00416e-11

#: Standard uncertainty of the Tanaka formula itself for SMOW, kg/m³ (about 1 ppm; U in our terms).
TANAKA_U_FORMULA = 0.0009

#: Conventional density of the balance's reference weights (OIML R 111, OIML D 28), kg/m³.
CONVENTIONAL_WEIGHT_DENSITY = 8000.0


def water_density(
    temperature_c: float, *, air_saturated: bool = False, pressure_pa: float = 101325.0
) -> float:
    """Density of pure water (SMOW) in kg/m³ at ``temperature_c`` by the Tanaka et al. (2001) formula.

    Args:
        temperature_c: Water temperature, °C (ITS-90), 0 to 40.
        air_saturated: Apply the air-saturation correction of the same paper.
        pressure_pa: Absolute pressure of the water, Pa (compressibility correction).

    Returns:
        ρ in kg/m³.

    Raises:
        RecordValidationError: temperature outside 0–40 °C, where the formula is not defined.

    >>> round(water_density(20.0), 4)
    998.2067
    """
    t = float(temperature_c)
    if not 0.0 <= t <= 40.0:
        raise RecordValidationError(
            f"water temperature {t:g} °C is outside 0-40 °C, the range of the Tanaka (2001) density formula"
        )
    rho = _A5 * (1.0 - (t + _A1) ** 2 * (t + _A2) / (_A3 * (t + _A4)))
    if air_saturated:
        rho += _S0 + _S1 * t
    dp = float(pressure_pa) - 101325.0
    if dp:
        rho *= 1.0 + (_K0 + _K1 * t + _K2 * t * t) * dp
    return rho


KELL_SOURCE = "G. S. Kell, J. Chem. Eng. Data 20 (1975) 97-105 (air-free water, 0-150 °C, IPTS-68)"
_KELL = (999.83952, 16.945176, -7.9870401e-3, -46.170461e-6, 105.56302e-9, -280.54253e-12)
_KELL_B = 16.879850e-3


def water_density_kell(temperature_c: float) -> float:
    """Density of air-free water in kg/m³ by Kell (1975), 0–150 °C at 101 325 Pa.

    Args:
        temperature_c: Water temperature, °C.

    Returns:
        ρ in kg/m³.

    Raises:
        RecordValidationError: temperature outside 0–150 °C.

    >>> round(water_density_kell(50.0), 2)
    988.04
    """
    t = float(temperature_c)
    if not 0.0 <= t <= 150.0:
        raise RecordValidationError(
            f"water temperature {t:g} °C is outside 0-150 °C, the range of the Kell (1975) formula"
        )
    num = sum(c * t**i for i, c in enumerate(_KELL))
    return num / (1.0 + _KELL_B * t)


def water_density_slope(temperature_c: float) -> float:
    """dρ/dt in kg/(m³·K) at ``temperature_c`` (central difference of the Tanaka formula).

    Args:
        temperature_c: Water temperature, °C (0–40).

    Returns:
        dρ/dt in kg/(m³·K).

    >>> round(water_density_slope(20.0), 3)
    -0.206
    """
    h = 1e-3
    t = min(max(float(temperature_c), h), 40.0 - h)
    return (water_density(t + h) - water_density(t - h)) / (2 * h)


def air_density(pressure_hpa: float, humidity_percent: float, temperature_c: float) -> float:
    """Density of moist air in kg/m³ by the OIML R 111-1 approximation (E.3-1).

    Args:
        pressure_hpa: Barometric pressure, hPa.
        humidity_percent: Relative humidity, %.
        temperature_c: Air temperature, °C.

    Raises:
        RecordValidationError: a non-physical input.

    >>> round(air_density(1013.25, 50.0, 20.0), 4)
    1.1993
    """
    if pressure_hpa <= 0 or not 0 <= humidity_percent <= 100 or temperature_c <= -273.15:
        raise RecordValidationError(
            f"air density: pressure {pressure_hpa} hPa must be > 0, humidity {humidity_percent} % within "
            f"0-100, temperature {temperature_c} °C above absolute zero"
        )
    return (0.34848 * pressure_hpa - 0.009 * humidity_percent * math.exp(0.061 * temperature_c)) / (
        273.15 + temperature_c
    )


def buoyancy_factor(
    air_density_kg_m3: float,
    water_density_kg_m3: float,
    weight_density_kg_m3: float = CONVENTIONAL_WEIGHT_DENSITY,
) -> float:
    """True mass of water per unit of balance indication: (1 − ρa/ρ_c)/(1 − ρa/ρw).

    Args:
        air_density_kg_m3: Air density ρa.
        water_density_kg_m3: Water density ρw.
        weight_density_kg_m3: Conventional density ρc of the balance's weights.

    Returns:
        m/m_w (dimensionless).

    >>> round(buoyancy_factor(1.2, 998.2), 6)
    1.001053
    """
    if water_density_kg_m3 <= air_density_kg_m3 or weight_density_kg_m3 <= air_density_kg_m3:
        raise RecordValidationError(
            f"buoyancy: water density {water_density_kg_m3} and weight density {weight_density_kg_m3} kg/m³ "
            f"must exceed the air density {air_density_kg_m3} kg/m³"
        )
    return (1.0 - air_density_kg_m3 / weight_density_kg_m3) / (1.0 - air_density_kg_m3 / water_density_kg_m3)


def gravimetric_volume(
    balance_kg: float,
    water_temperature_c: float,
    air_density_kg_m3: float,
    weight_density_kg_m3: float = CONVENTIONAL_WEIGHT_DENSITY,
) -> float:
    """Volume of water in m³ from the balance indication, water temperature and air density.

    V = m_w (1 − ρa/ρ_c) / (ρw − ρa)

    Args:
        balance_kg: Net balance indication m_w, kg.
        water_temperature_c: Water temperature, °C (Tanaka range 0–40).
        air_density_kg_m3: Air density ρa.
        weight_density_kg_m3: Conventional density ρc of the weights.

    Returns:
        V in m³.

    >>> round(gravimetric_volume(99.8, 20.0, 1.2) * 1000, 4)
    100.0846
    """
    rho_w = water_density(water_temperature_c)
    buoyancy_factor(air_density_kg_m3, rho_w, weight_density_kg_m3)  # checks the densities
    return balance_kg * (1.0 - air_density_kg_m3 / weight_density_kg_m3) / (rho_w - air_density_kg_m3)
