"""Errors raised by the uncertainty engine."""

from __future__ import annotations

__all__ = ["InvalidInputError", "UncertaintyError"]


class UncertaintyError(Exception):
    """Base class of every error the uncertainty engine raises."""


class InvalidInputError(UncertaintyError, ValueError):
    """An input, model or option is invalid; the message names it and says what to fix."""
