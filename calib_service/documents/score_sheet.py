"""The self-assessment score sheet: load it from YAML and score it from evidence counts.

The default sheet (``data/score_sheet_default.yaml``) is the centre's own design built from the seven
tasks and governance (``shared/domain/centre.md`` §5): no published score sheet was found. Each item earns
``weight × min(evidence / target, 1)`` points; weights add up to the scale (100) and the pass line is 80.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from calib_service.documents.errors import ScoreSheetError
from calib_service.documents.evidence_data import ScoreItem, ScoreSheetResult
from calib_service.documents.i18n import Text

__all__ = ["ScoreSheet", "ScoreSheetItem", "load_default_score_sheet", "load_score_sheet", "score"]

SCHEMA = "calib-service/score-sheet"


@dataclass(frozen=True)
class ScoreSheetItem:
    """An item of the sheet as designed (before scoring).

    Attributes:
        key: Stable identifier.
        task: Task number 1-7, or 0 for governance.
        name: Printed name.
        weight: Maximum points.
        evidence: The evidence-count key that scores it.
        target: The count that earns full points.
    """

    key: str
    task: int
    name: Text
    weight: float
    evidence: str
    target: float


@dataclass(frozen=True)
class ScoreSheet:
    """A score sheet as designed.

    Attributes:
        title: Name of the sheet.
        notice: What the sheet is (the centre's own design).
        items: The items.
        scale: Full score.
        pass_line: Points needed to pass.
    """

    title: Text
    notice: Text
    items: tuple[ScoreSheetItem, ...]
    scale: float = 100.0
    pass_line: float = 80.0


def _text(raw: Any, where: str) -> Text:
    if isinstance(raw, str):
        return Text(raw)
    if isinstance(raw, dict) and isinstance(raw.get("zh"), str):
        return Text(raw["zh"], str(raw.get("en", "")))
    raise ScoreSheetError(f"{where}: expected a text or {{zh: ..., en: ...}}, got {raw!r}")


def _number(raw: Any, where: str, positive: bool = True) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ScoreSheetError(f"{where}: expected a number, got {raw!r}")
    if positive and raw <= 0:
        raise ScoreSheetError(f"{where}: must be positive, got {raw!r}")
    return float(raw)


def _item(raw: Any, index: int, source: str) -> ScoreSheetItem:
    if not isinstance(raw, dict):
        raise ScoreSheetError(f"{source}: items[{index}] is not a mapping")
    key = raw.get("key")
    where = f"{source}: item {key or index!r}"
    for field in ("key", "task", "name", "weight", "evidence", "target"):
        if field not in raw:
            raise ScoreSheetError(f"{where}: missing {field!r}")
    task = raw["task"]
    if not isinstance(task, int) or not 0 <= task <= 7:
        raise ScoreSheetError(f"{where}: task must be 0 (governance) or 1..7, got {task!r}")
    return ScoreSheetItem(
        key=str(raw["key"]),
        task=task,
        name=_text(raw["name"], f"{where} name"),
        weight=_number(raw["weight"], f"{where} weight"),
        evidence=str(raw["evidence"]),
        target=_number(raw["target"], f"{where} target"),
    )


def _parse(doc: Any, source: str) -> ScoreSheet:
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ScoreSheetError(f"{source}: not a score sheet (expected 'schema: {SCHEMA}')")
    if doc.get("schema_version") != 1:
        raise ScoreSheetError(
            f"{source}: schema_version {doc.get('schema_version')!r} is not supported (use 1)"
        )
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ScoreSheetError(f"{source}: 'items' must be a non-empty list")
    items = tuple(_item(raw, i, source) for i, raw in enumerate(raw_items))
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise ScoreSheetError(f"{source}: item keys repeat: {sorted(k for k in keys if keys.count(k) > 1)}")
    scale = _number(doc.get("scale", 100), f"{source}: scale")
    pass_line = _number(doc.get("pass_line", 80), f"{source}: pass_line")
    total = round(sum(i.weight for i in items), 6)
    if total != scale:
        raise ScoreSheetError(
            f"{source}: item weights add up to {total}, not the scale {scale}; fix the weights"
        )
    if pass_line > scale:
        raise ScoreSheetError(f"{source}: pass_line {pass_line} is above the scale {scale}")
    return ScoreSheet(
        title=_text(doc.get("title", "score sheet"), f"{source}: title"),
        notice=_text(doc.get("notice", ""), f"{source}: notice"),
        items=items,
        scale=scale,
        pass_line=pass_line,
    )


def load_score_sheet(path: str | Path) -> ScoreSheet:
    """Load a score sheet from a YAML file.

    Args:
        path: The file.

    Returns:
        The sheet.

    Raises:
        ScoreSheetError: The file is not valid YAML or not a valid sheet (the message names the item).
        FileNotFoundError: The file does not exist.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScoreSheetError(f"{path}: not valid YAML: {exc}") from exc
    return _parse(doc, str(path))


def load_default_score_sheet() -> ScoreSheet:
    """Load the packaged default sheet (the centre's own design).

    Returns:
        The sheet.
    """
    ref = resources.files("calib_service.documents").joinpath("data/score_sheet_default.yaml")
    return _parse(yaml.safe_load(ref.read_text(encoding="utf-8")), "score_sheet_default.yaml")


def score(sheet: ScoreSheet, evidence_counts: Mapping[str, float]) -> ScoreSheetResult:
    """Score ``sheet`` from the year's evidence counts.

    Args:
        sheet: The sheet.
        evidence_counts: Evidence key → count for the year; a missing key counts 0.

    Returns:
        The scored sheet: each item gets ``weight × min(count / target, 1)`` rounded to 0.1;
        ``total`` and ``passed`` (total ≥ pass line) are properties of the result.

    Raises:
        ScoreSheetError: A count is negative or not a number.
    """
    items = []
    for it in sheet.items:
        count = evidence_counts.get(it.evidence, 0.0)
        if (
            isinstance(count, bool)
            or not isinstance(count, int | float)
            or not math.isfinite(count)
            or count < 0
        ):
            raise ScoreSheetError(f"evidence {it.evidence!r} (item {it.key!r}): count {count!r} must be >= 0")
        points = round(it.weight * min(float(count) / it.target, 1.0), 1)
        items.append(ScoreItem(it.key, it.task, it.name, it.weight, points, float(count), it.target))
    return ScoreSheetResult(sheet.title, sheet.notice, tuple(items), sheet.pass_line, sheet.scale)
