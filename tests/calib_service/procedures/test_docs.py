"""The data tables in docs/procedures/*.md list every limit row of the modules, with its status."""

from __future__ import annotations

from pathlib import Path

import pytest

from calib_service.procedures import cems_co2, jjg162, jjg225, jjg577, jjg635
from calib_service.procedures.common import LimitRow

DOCS = Path(__file__).resolve().parents[3] / "docs" / "procedures"


def _rows(name: str) -> list[LimitRow]:
    if name == "cems_co2":
        return [r for p in cems_co2.PROFILES.values() for r in p.rows()]
    module = {"jjg162": jjg162, "jjg577": jjg577, "jjg635": jjg635}[name]
    return list(module.LIMITS)


@pytest.mark.parametrize("name", ["jjg162", "jjg577", "jjg635", "cems_co2"])
def test_limit_rows_documented(name: str) -> None:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    for row in _rows(name):
        prefix = f"| {row.table} | {row.accuracy_class} | {row.condition} |"
        matches = [ln for ln in lines if ln.startswith(prefix)]
        assert matches, f"{name}.md lacks the row {prefix}"
        assert f"{row.value:g} | {row.unit} | {'V' if row.verified else 'U'} |" in matches[0]


def test_heat_formulas_documented() -> None:
    text = (DOCS / "jjg225.md").read_text(encoding="utf-8")
    for r in jjg225.FORMULAS:
        cap = "" if r.cap is None else f"{r.cap:g}"
        assert f"| {r.part} | {r.accuracy_class} | {r.a:g} | {r.b:g} | {r.c:g} | {cap} | U |" in text


@pytest.mark.parametrize("name", ["jjg162", "jjg577", "jjg225", "jjg635", "cems_co2", "comparison", "water"])
def test_doc_exists_with_model(name: str) -> None:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    assert "Source" in text or "Tanaka" in text
