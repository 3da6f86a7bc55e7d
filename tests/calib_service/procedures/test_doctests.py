"""Run the doctest examples of the procedure modules."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from calib_service.procedures import (
    analyser,
    cems_co2,
    common,
    comparison,
    jjg162,
    jjg225,
    jjg225_parts,
    jjg577,
    jjg635,
    water,
)

MODULES = [analyser, cems_co2, common, comparison, jjg162, jjg225, jjg225_parts, jjg577, jjg635, water]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
