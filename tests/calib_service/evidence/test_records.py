"""Evidence records and the multi-year view: official outcomes (not self-scores) count toward revocation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, RecordValidationError
from calib_service.evidence import (
    add_activity,
    assessment_history,
    build_evidence_report,
    build_pack,
    compute_metrics,
    record_assessment,
    record_quality,
    set_target,
    write_pack,
)


def test_failed_official_outcomes_count_toward_revocation(session: Session) -> None:
    # 2023: self-assessed well but the assessors failed it -> counts; 2024 passed officially -> does not
    record_assessment(session=session, year=2023, passed=False, score=82.0, decided_on=date(2024, 3, 1))
    record_assessment(session=session, year=2024, passed=True, score=85.0, decided_on=date(2025, 3, 1))
    record_assessment(
        session=session,
        year=2025,
        passed=False,
        score=76.0,
        decided_on=date(2026, 3, 1),
        rectification_deadline=date(2026, 6, 1),
    )
    view = assessment_history(session=session, up_to_year=2025)
    assert view.failed_years == 2 and not view.revocation_reached
    assert view.cumulative_failed == ((2023, 1), (2024, 1), (2025, 2))
    record_assessment(session=session, year=2026, passed=False, score=70.0, decided_on=date(2027, 3, 1))
    view = assessment_history(session=session, up_to_year=2026)
    assert view.failed_years == 3 and view.revocation_reached
    assert view.to_dict()["years"][-1]["cumulative_failed"] == 3  # type: ignore[index]
    # the 2026 report as of before the decision sees 2 failed years, after it 3
    before = build_evidence_report(session=session, year=2026, as_of=date(2026, 12, 31))
    after = build_evidence_report(session=session, year=2026, as_of=date(2027, 3, 2))
    assert before.cumulative_failed_years == 2 and after.cumulative_failed_years == 3
    assert after.score_sheet.total < 80  # no records: the self-score plays no part in the count
    with pytest.raises(ConflictError, match="already recorded"):
        record_assessment(session=session, year=2024, passed=False, decided_on=date(2025, 4, 1))


def test_evidence_input_is_checked(session: Session) -> None:
    with pytest.raises(RecordValidationError, match="unknown activity type"):
        add_activity(session=session, activity_type="party", held_on=date(2026, 1, 5), title="x")
    with pytest.raises(RecordValidationError, match="belongs to task 7"):
        add_activity(session=session, activity_type="training", held_on=date(2026, 1, 5), title="x", task=2)
    with pytest.raises(RecordValidationError, match="proficiency-test result"):
        record_quality(
            session=session,
            category="proficiency_test",
            reference="PT-1",
            recorded_on=date(2026, 1, 5),
            description="PT",
        )
    with pytest.raises(RecordValidationError, match="target"):
        set_target(session=session, year=2026, metric="trainees", target=-1)
    with pytest.raises(RecordValidationError, match=r"outside 0\.\.100"):
        record_assessment(session=session, year=2026, passed=True, score=120, decided_on=date(2027, 1, 5))
    act = add_activity(
        session=session, activity_type="training", held_on=date(2026, 1, 5), title="培训", participants=30
    )
    assert act.task == 7
    m = compute_metrics(session=session, year=2026, as_of=date(2026, 1, 31))
    assert m.values["trainees"] == 30 and m.values["training_sessions"] == 1
    assert m.values["certificates_issued"] == 0 and m.values["on_time_rate_percent"] == 0.0


def test_re_review_pack_uses_the_official_outcome(session: Session, tmp_path: Path) -> None:
    record_assessment(
        session=session, year=2026, kind="re_review", passed=True, score=85.5, decided_on=date(2026, 12, 20)
    )
    pack = build_pack(session=session, kind="re_review", end_year=2026, as_of=date(2026, 12, 31))
    assert pack.years == (2022, 2023, 2024, 2025, 2026) and len(pack.reports) == 5
    assert pack.official and pack.score == 85.5 and pack.passed and pack.rectification_deadline is None
    assert pack.reports[-1].score_sheet.total < 80  # the self-score is not what the pack reports
    summary = json.loads(write_pack(pack, tmp_path, formats=("json",)).read_text(encoding="utf-8"))
    assert summary["official"] is True and sorted(summary["self_scores"]) == [
        "2022",
        "2023",
        "2024",
        "2025",
        "2026",
    ]
