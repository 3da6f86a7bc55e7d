"""Workflow draft → measured → reviewed → approved → issued: roles, four-eyes, competence, immutability,
revisions and reissued certificates, optimistic locking (both backends)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from calib_service.db import make_session_factory
from calib_service.errors import ConflictError, PermissionDenied, RecordValidationError
from calib_service.models import Calibration, CalibrationPoint, RawReading
from calib_service.records import (
    assert_authorised,
    audit,
    commit,
    revise,
    revisions_of,
    revoke_authorisation,
    transition,
    transitions_of,
)
from calib_service.records import workflow as wf
from calib_service.records.workflow import certificate_lineage
from calib_service.services.calibrations import append_reading
from tests.calib_service.records.conftest import PROC, T0, Staff, make_calibration


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stand-in traceability check that records which calibrations it was asked about."""
    seen: list[int] = []

    def check(*, session: Session, calibration_id: int) -> None:
        seen.append(calibration_id)

    monkeypatch.setattr(wf, "_traceability_check", lambda: check)
    return seen


def _to(
    session: Session, actor: Any, cal: Calibration, status: str, minutes: int, note: str = ""
) -> Calibration:
    return transition(
        session=session,
        actor=actor,
        calibration_id=cal.id,
        to_status=status,
        now=T0 + timedelta(minutes=minutes),
        note=note,
    )


def _issued(session: Session, staff: Staff) -> Calibration:
    cal = make_calibration(session, staff.tech)
    cal.status = "draft"
    session.flush()
    _to(session, staff.tech, cal, "measured", 10)
    _to(session, staff.reviewer, cal, "reviewed", 20)
    _to(session, staff.approver, cal, "approved", 30)
    _to(session, staff.approver, cal, "issued", 40)
    session.commit()
    return cal


def test_full_workflow_records_who_and_when(session: Session, staff: Staff, traced: list[int]) -> None:
    cal = _issued(session, staff)
    assert cal.status == "issued"
    assert (cal.reviewed_by_id, cal.approved_by_id, cal.issued_by_id) == (
        staff.reviewer.id,
        staff.approver.id,
        staff.approver.id,
    )
    assert cal.reviewed_at == T0 + timedelta(minutes=20)
    assert cal.certificate_number == f"CERT-{cal.number}"
    steps = transitions_of(session=session, calibration_id=cal.id)
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("draft", "measured"),
        ("measured", "reviewed"),
        ("reviewed", "approved"),
        ("approved", "issued"),
    ]
    assert [s.actor_id for s in steps] == [
        staff.tech.id,
        staff.reviewer.id,
        staff.approver.id,
        staff.approver.id,
    ]
    assert traced == [cal.id]  # traceability asked before approval
    assert audit.verify(session).ok


def test_four_eyes_even_with_all_roles(session: Session, staff: Staff, traced: list[int]) -> None:
    cal = make_calibration(session, staff.all_rounder)
    _to(session, staff.all_rounder, cal, "measured", 1)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        _to(session, staff.all_rounder, cal, "reviewed", 2)
    _to(session, staff.reviewer, cal, "reviewed", 3)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        _to(session, staff.all_rounder, cal, "approved", 4)


@pytest.mark.parametrize(
    ("who", "status"),
    [("auditor", "measured"), ("admin", "measured"), ("reviewer", "measured"), ("tech2", "measured")],
)
def test_roles_refused_for_measuring(session: Session, staff: Staff, who: str, status: str) -> None:
    cal = make_calibration(session, staff.tech)
    actor = {
        "auditor": staff.auditor,
        "admin": staff.admin,
        "reviewer": staff.reviewer,
        "tech2": staff.tech2,
    }[who]
    with pytest.raises(PermissionDenied):
        _to(session, actor, cal, status, 1)


@pytest.mark.parametrize("who", ["tech2", "auditor", "approver", "manager", "admin"])
def test_only_reviewers_review(session: Session, staff: Staff, who: str) -> None:
    cal = make_calibration(session, staff.tech)
    _to(session, staff.tech, cal, "measured", 1)
    with pytest.raises(PermissionDenied, match=r"may not calibration\.review"):
        _to(
            session,
            getattr(staff, {"tech2": "tech2", "approver": "approver", "manager": "manager"}.get(who, who)),
            cal,
            "reviewed",
            2,
        )


def test_only_approvers_approve(session: Session, staff: Staff, traced: list[int]) -> None:
    cal = make_calibration(session, staff.tech)
    _to(session, staff.tech, cal, "measured", 1)
    _to(session, staff.reviewer, cal, "reviewed", 2)
    for actor in (staff.reviewer, staff.manager, staff.auditor, staff.admin, staff.tech2):
        with pytest.raises(PermissionDenied):
            _to(session, actor, cal, "approved", 3)
    assert traced == []


def test_skipping_a_step_is_a_conflict(session: Session, staff: Staff) -> None:
    cal = make_calibration(session, staff.tech)
    _to(session, staff.tech, cal, "measured", 1)
    with pytest.raises(ConflictError, match="allowed next: draft, reviewed"):
        _to(session, staff.approver, cal, "approved", 2)


def test_return_needs_a_note(session: Session, staff: Staff) -> None:
    cal = make_calibration(session, staff.tech)
    _to(session, staff.tech, cal, "measured", 1)
    with pytest.raises(RecordValidationError, match="note"):
        _to(session, staff.reviewer, cal, "draft", 2)
    _to(session, staff.reviewer, cal, "draft", 2, note="point 3 reading missing")
    assert cal.status == "draft"


def test_unauthorised_technician_refused(session: Session, staff: Staff) -> None:
    auth = assert_authorised(session=session, user=staff.tech, procedure_code=PROC, day=date(2026, 6, 1))
    with pytest.raises(PermissionDenied, match="none valid on 2027-01-01"):
        assert_authorised(session=session, user=staff.tech, procedure_code=PROC, day=date(2027, 1, 1))
    with pytest.raises(PermissionDenied, match="holds no authorisation"):
        assert_authorised(
            session=session, user=staff.tech, procedure_code="JJG 162-2019", day=date(2026, 6, 1)
        )
    with pytest.raises(PermissionDenied, match="not an active technician"):
        assert_authorised(session=session, user=staff.reviewer, procedure_code=PROC, day=date(2026, 6, 1))
    revoke_authorisation(
        session=session, actor=staff.manager, authorisation_id=auth.id, now=T0 - timedelta(days=1)
    )
    cal = make_calibration(session, staff.tech)
    with pytest.raises(PermissionDenied, match="revoked"):
        _to(session, staff.tech, cal, "measured", 1)
    with pytest.raises(PermissionDenied):
        revoke_authorisation(session=session, actor=staff.tech, authorisation_id=auth.id, now=T0)


def test_approved_record_is_immutable(session: Session, staff: Staff, traced: list[int]) -> None:
    cal = _issued(session, staff)
    cal.notes = "changed later"
    with pytest.raises(ConflictError, match="immutable"):
        session.flush()
    session.rollback()
    point = session.scalars(select(CalibrationPoint).where(CalibrationPoint.calibration_id == cal.id)).one()
    point.error = 0.0
    with pytest.raises(ConflictError, match="immutable"):
        session.flush()
    session.rollback()
    with pytest.raises(ConflictError, match="immutable"):
        append_reading(
            session=session, calibration_id=cal.id, quantity="E", value=1.0, unit="kWh", taken_at=T0
        )
    session.rollback()


def test_raw_readings_are_append_only(session: Session, staff: Staff) -> None:
    cal = make_calibration(session, staff.tech)
    r = append_reading(
        session=session, calibration_id=cal.id, quantity="E", value=1.0, unit="kWh", taken_at=T0
    )
    session.commit()
    r.value = 2.0
    with pytest.raises(ConflictError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(session.get(RawReading, r.id))
    with pytest.raises(ConflictError, match="append-only"):
        session.flush()
    session.rollback()


def test_revision_keeps_old_and_reissue_references_it(
    session: Session, staff: Staff, traced: list[int]
) -> None:
    cal = _issued(session, staff)
    with pytest.raises(RecordValidationError, match="reason"):
        revise(session=session, actor=staff.tech, calibration_id=cal.id, reason=" ", now=T0)
    with pytest.raises(PermissionDenied):
        revise(session=session, actor=staff.auditor, calibration_id=cal.id, reason="typo", now=T0)
    new = revise(session=session, actor=staff.tech, calibration_id=cal.id, reason="wrong MPE at Imax", now=T0)
    session.commit()
    assert new.number == f"{cal.number}-R2" and new.revision == 2 and new.revision_of_id == cal.id
    assert new.revision_reason == "wrong MPE at Imax" and new.revised_by_id == staff.tech.id
    assert new.status == "draft"
    old_point = session.scalars(
        select(CalibrationPoint).where(CalibrationPoint.calibration_id == cal.id)
    ).one()
    new_point = session.scalars(
        select(CalibrationPoint).where(CalibrationPoint.calibration_id == new.id)
    ).one()
    new_point.mpe = 0.5
    session.flush()
    assert old_point.mpe == 1.0  # the old revision stays as it was, readable
    with pytest.raises(ConflictError, match="already revised"):
        revise(session=session, actor=staff.tech, calibration_id=cal.id, reason="again", now=T0)
    for actor, status, m in [
        (staff.tech, "measured", 50),
        (staff.reviewer, "reviewed", 60),
        (staff.approver, "approved", 70),
        (staff.manager, "issued", 80),
    ]:
        _to(session, actor, new, status, m)
    session.commit()
    assert new.replaces_certificate == cal.certificate_number
    assert certificate_lineage(session=session, calibration_id=cal.id) == [
        cal.certificate_number,
        new.certificate_number,
    ]
    assert [c.id for c in revisions_of(session=session, calibration_id=new.id)] == [cal.id, new.id]
    assert audit.verify(session).ok


def test_revision_only_of_approved(session: Session, staff: Staff) -> None:
    cal = make_calibration(session, staff.tech)
    with pytest.raises(ConflictError, match="not approved"):
        revise(session=session, actor=staff.tech, calibration_id=cal.id, reason="x", now=T0)


def test_real_traceability_check_is_consulted(session: Session, staff: Staff) -> None:
    assert wf._traceability_check() is not None, "calib_service.traceability.assert_traceable is missing"
    cal = make_calibration(session, staff.tech)
    _to(session, staff.tech, cal, "measured", 1)
    _to(session, staff.reviewer, cal, "reviewed", 2)
    with pytest.raises(ConflictError, match="not traceable"):  # no standards recorded: no chain to the SI
        _to(session, staff.approver, cal, "approved", 3)


def test_stale_version_is_a_conflict_not_a_lost_update(
    engine: Engine, session: Session, staff: Staff
) -> None:
    cal = make_calibration(session, staff.tech)
    session.commit()
    factory = make_session_factory(engine)
    with factory() as a, factory() as b:
        ca, cb = a.get(Calibration, cal.id), b.get(Calibration, cal.id)
        assert ca is not None and cb is not None
        ca.notes = "saved by A"
        commit(a)
        cb.notes = "saved by B"
        with pytest.raises(ConflictError, match="changed by someone else"):
            commit(b, f"calibration {cal.number}")
    session.expire_all()
    assert session.get(Calibration, cal.id).notes == "saved by A"  # type: ignore[union-attr]
    with pytest.raises(ConflictError, match="reload"):
        transition(
            session=session,
            actor=staff.tech,
            calibration_id=cal.id,
            to_status="measured",
            now=T0,
            expected_version=1,
        )
