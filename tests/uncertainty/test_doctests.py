"""Run the doctest examples of every module of the uncertainty package."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import uncertainty

MODULES = sorted(m.name for m in pkgutil.iter_modules(uncertainty.__path__, "uncertainty."))


@pytest.mark.parametrize("name", ["uncertainty", *MODULES])
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
