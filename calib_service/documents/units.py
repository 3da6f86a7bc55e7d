"""Units: pint-style unit strings → printed symbols and D-SI unit strings (D-SI 2.1.0, BIPM SI brochure 9).

The calibration records store units the way pint spells them (``kWh``, ``percent``, ``m**3``, ``ppm``,
``degC``). A certificate prints a symbol (``kWh``, ``%``, ``m³``, ``°C``) and a DCC needs a D-SI string
(``\\kilo\\watt\\hour``, ``\\percent``, ``\\metre\\tothe{3}``, ``\\degreeCelsius``). The table below is
the single mapping; an unknown unit is an error, never passed through silently.

Choices worth knowing:

* ``ppm`` / ``ppb`` of a gas analyser are mole fractions: ``\\micro\\mole\\per\\mole`` /
  ``\\nano\\mole\\per\\mole`` (JJG 635 reports µmol/mol).
* Relative humidity ``percent_RH`` (also ``%RH``) prints as ``%RH`` and is ``\\percent`` in D-SI.
* Temperature differences (``delta_degC``) print as ``°C`` and are ``\\kelvin`` in D-SI (same magnitude).
* A meter constant in ``imp/kWh`` is pint's ``1/kWh``: ``\\kilo\\watt\\hour\\tothe{-1}``.
"""

from __future__ import annotations

from calib_service.documents.errors import DocumentError

__all__ = ["UNIT_TABLE", "dsi_unit", "unit_symbol"]

_M3 = "\\metre\\tothe{3}"

# canonical pint-style name -> (printed symbol, D-SI string)
_CANONICAL: dict[str, tuple[str, str]] = {
    "dimensionless": ("", "\\one"),
    # pulses of a meter's test output counted in a starting or creep test (a count: \one in D-SI)
    "imp": ("imp", "\\one"),
    "percent": ("%", "\\percent"),
    "percent_RH": ("%RH", "\\percent"),
    # referenced (fiducial) error of analysers, % of full scale; D-SI has no "of full scale", the quantity's
    # name says what the percentage refers to
    "% FS": ("%FS", "\\percent"),
    "ppm": ("μmol/mol", "\\micro\\mole\\per\\mole"),
    "ppb": ("nmol/mol", "\\nano\\mole\\per\\mole"),
    "mol/mol": ("mol/mol", "\\mole\\per\\mole"),
    "kWh": ("kWh", "\\kilo\\watt\\hour"),
    "Wh": ("Wh", "\\watt\\hour"),
    "MWh": ("MWh", "\\mega\\watt\\hour"),
    "1/kWh": ("imp/kWh", "\\kilo\\watt\\hour\\tothe{-1}"),
    "W": ("W", "\\watt"),
    "kW": ("kW", "\\kilo\\watt"),
    "V": ("V", "\\volt"),
    "mV": ("mV", "\\milli\\volt"),
    "A": ("A", "\\ampere"),
    "mA": ("mA", "\\milli\\ampere"),
    "Hz": ("Hz", "\\hertz"),
    "ohm": ("Ω", "\\ohm"),
    "megaohm": ("MΩ", "\\mega\\ohm"),
    "s": ("s", "\\second"),
    "min": ("min", "\\minute"),
    "h": ("h", "\\hour"),
    "s/d": ("s/d", "\\second\\per\\day"),
    "m": ("m", "\\metre"),
    "m/s": ("m/s", "\\metre\\per\\second"),
    "m**3": ("m³", _M3),
    "m**3/h": ("m³/h", _M3 + "\\per\\hour"),
    "L": ("L", "\\litre"),
    "L/h": ("L/h", "\\litre\\per\\hour"),
    "L/min": ("L/min", "\\litre\\per\\minute"),
    "g": ("g", "\\gram"),
    "kg": ("kg", "\\kilogram"),
    "t": ("t", "\\tonne"),
    "mg/m**3": ("mg/m³", "\\milli\\gram\\per" + _M3),
    "Pa": ("Pa", "\\pascal"),
    "hPa": ("hPa", "\\hecto\\pascal"),
    "kPa": ("kPa", "\\kilo\\pascal"),
    "MPa": ("MPa", "\\mega\\pascal"),
    "J": ("J", "\\joule"),
    "kJ": ("kJ", "\\kilo\\joule"),
    "MJ": ("MJ", "\\mega\\joule"),
    "GJ": ("GJ", "\\giga\\joule"),
    "degC": ("°C", "\\degreeCelsius"),
    "delta_degC": ("°C", "\\kelvin"),
    "K": ("K", "\\kelvin"),
}

# other spellings -> canonical name
_ALIASES: dict[str, str] = {
    "": "dimensionless",
    "1": "dimensionless",
    "%": "percent",
    "%RH": "percent_RH",
    "percent_rh": "percent_RH",
    "umol/mol": "ppm",
    "µmol/mol": "ppm",
    "μmol/mol": "ppm",
    "nmol/mol": "ppb",
    "kilowatt_hour": "kWh",
    "kW*h": "kWh",
    "watt_hour": "Wh",
    "kWh**-1": "1/kWh",
    "imp/kWh": "1/kWh",
    "watt": "W",
    "volt": "V",
    "ampere": "A",
    "hertz": "Hz",
    "Ω": "ohm",
    "MΩ": "megaohm",
    "Mohm": "megaohm",
    "second": "s",
    "minute": "min",
    "hour": "h",
    "second/day": "s/d",
    "s/day": "s/d",
    "meter": "m",
    "metre": "m",
    "m^3": "m**3",
    "m³": "m**3",
    "cubic_meter": "m**3",
    "m^3/h": "m**3/h",
    "m³/h": "m**3/h",
    "liter": "L",
    "litre": "L",
    "mg/m^3": "mg/m**3",
    "mg/m³": "mg/m**3",
    "pascal": "Pa",
    "kilopascal": "kPa",
    "joule": "J",
    "gigajoule": "GJ",
    "°C": "degC",
    "degree_Celsius": "degC",
    "celsius": "degC",
    "kelvin": "K",
}

UNIT_TABLE: dict[str, tuple[str, str]] = dict(_CANONICAL)
"""Canonical unit name → (printed symbol, D-SI string)."""


def _canonical(unit: str) -> str:
    key = unit.strip()
    if key in _CANONICAL:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise DocumentError(
        f"unit {unit!r} has no printed symbol or D-SI mapping; use one of "
        f"{', '.join(sorted(k for k in _CANONICAL if k != 'dimensionless'))} (or add it to "
        "calib_service/documents/units.py)"
    )


def unit_symbol(unit: str) -> str:
    """The symbol printed after a value.

    Args:
        unit: A pint-style unit string.

    Returns:
        The symbol, empty for a dimensionless number.

    Raises:
        DocumentError: The unit is not in the table.

    >>> unit_symbol("m**3"), unit_symbol("degC"), unit_symbol("percent")
    ('m³', '°C', '%')
    """
    return _CANONICAL[_canonical(unit)][0]


def dsi_unit(unit: str) -> str:
    """The D-SI unit string for a DCC ``si:unit`` element.

    Args:
        unit: A pint-style unit string.

    Returns:
        The D-SI string, e.g. ``\\kilo\\watt\\hour``.

    Raises:
        DocumentError: The unit is not in the table.

    >>> print(dsi_unit("kWh"), dsi_unit("m^3"), dsi_unit("ppm"))
    \\kilo\\watt\\hour \\metre\\tothe{3} \\micro\\mole\\per\\mole
    """
    return _CANONICAL[_canonical(unit)][1]
