"""The default self-assessment score sheet and its scoring rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from calib_service.documents import ScoreSheetError, load_default_score_sheet, load_score_sheet, score


def test_default_sheet_is_the_centres_own_design_totalling_100() -> None:
    sheet = load_default_score_sheet()
    assert sum(i.weight for i in sheet.items) == 100
    assert sheet.scale == 100 and sheet.pass_line == 80
    assert {i.task for i in sheet.items} == set(range(0, 8))  # seven tasks + governance
    assert "自行设计" in sheet.notice.zh and "own design" in sheet.notice.en
    assert "not a score sheet published" in sheet.notice.en


def test_scoring_is_weight_times_capped_ratio() -> None:
    sheet = load_default_score_sheet()
    # 500 of 1000 certificates -> half of 12 points; 3 of 3 services -> all 6; 5 of 3 events -> capped at 5
    result = score(sheet, {"certificates_issued": 500, "data_services": 3, "outreach_events": 5})
    by_key = {i.key: i for i in result.items}
    assert by_key["t4_certificates"].score == 6.0
    assert by_key["t3_data_services"].score == 6.0
    assert by_key["t7_events"].score == 5.0
    assert by_key["t1_needs_reports"].score == 0.0  # missing evidence counts zero
    assert result.total == 17.0
    assert not result.passed


def test_full_evidence_passes() -> None:
    sheet = load_default_score_sheet()
    result = score(sheet, {i.evidence: i.target for i in sheet.items})
    assert result.total == 100.0 and result.passed


def test_negative_count_is_rejected() -> None:
    with pytest.raises(ScoreSheetError, match="trainees"):
        score(load_default_score_sheet(), {"trainees": -1})


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sheet.yaml"
    path.write_text(body, encoding="utf-8")
    return path


_HEAD = "schema: calib-service/score-sheet\nschema_version: 1\nscale: 100\npass_line: 80\nitems:\n"


def test_weights_must_add_up(tmp_path: Path) -> None:
    body = _HEAD + "  - {key: a, task: 1, name: A, weight: 60, evidence: x, target: 1}\n"
    with pytest.raises(ScoreSheetError, match="add up to 60"):
        load_score_sheet(_write(tmp_path, body))


def test_bad_item_is_named(tmp_path: Path) -> None:
    body = _HEAD + "  - {key: a, task: 9, name: A, weight: 100, evidence: x, target: 1}\n"
    with pytest.raises(ScoreSheetError, match="item 'a'"):
        load_score_sheet(_write(tmp_path, body))


def test_not_a_sheet(tmp_path: Path) -> None:
    with pytest.raises(ScoreSheetError, match="not a score sheet"):
        load_score_sheet(_write(tmp_path, "a: 1\n"))
    with pytest.raises(ScoreSheetError, match="YAML"):
        load_score_sheet(_write(tmp_path, "a: [1\n"))
