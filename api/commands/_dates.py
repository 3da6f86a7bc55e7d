"""Date arguments of the traceability verbs and the clock read at the edge."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from zoneinfo import ZoneInfo

from calib_service.settings import Settings

__all__ = ["iso_date", "today"]


def iso_date(text: str) -> date:
    """An ``argparse`` type: a date written ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def today() -> date:
    """Today in the laboratory's zone (``CALIB_TIMEZONE``); only the CLI and API edges call it."""
    return datetime.now(ZoneInfo(Settings.from_env().timezone)).date()
