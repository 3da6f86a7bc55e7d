"""Verification periods (检定周期) per regulation, as versioned data with their status.

``shared/domain/regulations.md`` gives no periods, so every row here is **unverified (U)**: the figures
are the ones commonly quoted for each regulation and must be checked against the official edition
before they are relied on. A certificate that uses an unverified row records that fact internally
(``IssuedCertificate.internal_flags``); it is not printed. A regulation missing from the table gets
:data:`DEFAULT_PERIOD_MONTHS`, also flagged. Override the table with :func:`period_for`'s ``table``
argument (e.g. from a centre's own configuration) once the official periods have been entered.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DEFAULT_PERIOD_MONTHS", "PERIODS", "PeriodRule", "add_months", "period_for", "valid_until"]


@dataclass(frozen=True)
class PeriodRule:
    """A verification period.

    Attributes:
        months: The period in months.
        status: ``V`` verified against the official text, ``U`` unverified.
        source: Where the figure comes from / what it applies to.
    """

    months: int
    status: str
    source: str

    @property
    def verified(self) -> bool:
        """True when the row was checked against the official text."""
        return self.status == "V"


#: Months used for a regulation that is not in :data:`PERIODS` (configurable; flagged unverified).
DEFAULT_PERIOD_MONTHS = 12

#: (regulation code, accuracy class or "*") → period. All rows U (see the module docstring).
PERIODS: dict[tuple[str, str], PeriodRule] = {
    ("JJG 596-2012", "0.2S"): PeriodRule(72, "U", "JJG 596-2012, class 0.2S/0.5S: commonly quoted ≤ 6 years"),
    ("JJG 596-2012", "0.5S"): PeriodRule(72, "U", "JJG 596-2012, class 0.2S/0.5S: commonly quoted ≤ 6 years"),
    ("JJG 596-2012", "1"): PeriodRule(96, "U", "JJG 596-2012, class 1/2: commonly quoted ≤ 8 years"),
    ("JJG 596-2012", "2"): PeriodRule(96, "U", "JJG 596-2012, class 1/2: commonly quoted ≤ 8 years"),
    ("JJG 596-2012", "*"): PeriodRule(72, "U", "JJG 596-2012, class not given: the shorter period"),
    ("JJG 162-2019", "*"): PeriodRule(72, "U", "JJG 162-2019, DN ≤ 25: use limited to 6 years (quoted)"),
    ("JJG 577-2012", "*"): PeriodRule(36, "U", "JJG 577-2012: commonly quoted period for qmax > 10 m³/h"),
    ("JJG 225-2024", "*"): PeriodRule(36, "U", "JJG 225: commonly quoted period (2001 edition)"),
    ("JJG 635-2011", "*"): PeriodRule(12, "U", "JJG 635-2011: commonly quoted ≤ 1 year"),
}


def period_for(
    code: str,
    accuracy_class: str | None,
    table: Mapping[tuple[str, str], PeriodRule] | None = None,
) -> PeriodRule:
    """The verification period of ``code`` for ``accuracy_class``.

    Args:
        code: Regulation code with edition, e.g. ``JJG 596-2012``.
        accuracy_class: The item's class, or None.
        table: The table to use (default :data:`PERIODS`).

    Returns:
        The matching row; the class-specific row first, then ``"*"``, else the unverified default.

    >>> period_for("JJG 596-2012", "1").months
    96
    >>> period_for("JJG 9999-2030", None).status
    'U'
    """
    rows = PERIODS if table is None else table
    for key in ((code, accuracy_class or ""), (code, "*")):
        if key in rows:
            return rows[key]
    note = f"{code}: no period on record; default {DEFAULT_PERIOD_MONTHS} months"
    return PeriodRule(DEFAULT_PERIOD_MONTHS, "U", note)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day).

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(verified_on: date, months: int) -> date:
    """Last day of validity of a verification made on ``verified_on`` with a period of ``months``.

    >>> valid_until(date(2026, 12, 1), 96)
    datetime.date(2034, 11, 30)
    """
    return add_months(verified_on, months) - timedelta(days=1)
