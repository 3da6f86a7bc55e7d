"""The hash-chained audit log: automatic ORM events, explicit appends, tampering found by verify,
truncation found through the anchor, and concurrent writers forming one chain (both backends)."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from calib_service.db import make_session_factory
from calib_service.errors import ConflictError, RecordValidationError
from calib_service.models import AuditEvent, Calibration, Customer
from calib_service.records import audit, commit
from calib_service.records.chain import GENESIS, digest, row_state
from tests.calib_service.records.conftest import Staff, make_calibration


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_orm_changes_are_chained_with_actor_and_state_digest(session: Session, staff: Staff) -> None:
    audit.set_actor(session, "tech")
    cal = make_calibration(session, staff.tech)
    cal.notes = "ambient 20.1 °C"
    session.commit()
    events = _events(session)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    for a, b in itertools.pairwise(events):
        assert b.prev_hash == a.hash
    mine = [e for e in events if e.entity == "calibration" and e.entity_id == str(cal.id)]
    assert mine[0].action == "orm.insert"
    assert mine[-1].action == "orm.update"
    assert {e.actor for e in mine} == {"tech"}
    row = session.execute(select(Calibration.__table__).where(Calibration.id == cal.id)).mappings().one()
    assert mine[-1].state_digest == digest(row_state(Calibration.__table__, row))  # type: ignore[arg-type]
    assert mine[-1].state["notes"] == "ambient 20.1 °C"
    report = audit.verify(session)
    assert report.ok, report.summary()
    assert report.rows_checked > 10


def test_explicit_append(session: Session, staff: Staff) -> None:
    head = audit.append(
        session=session,
        actor="appr",
        action="certificate.printed",
        entity="calibration",
        entity_id=7,
        state={"pdf_sha256": "ab" * 32},
    )
    session.commit()
    assert head == audit.head(session)
    assert audit.verify(session).ok
    with pytest.raises(RecordValidationError, match="reserved"):
        audit.append(session=session, actor="x", action="orm.update", entity="e", entity_id=1, state={})


def test_passwords_never_reach_the_log(session: Session, staff: Staff) -> None:
    assert staff.admin.password_hash
    for e in _events(session):
        assert staff.admin.password_hash not in str(e.state)


@pytest.fixture
def recorded(session: Session, staff: Staff) -> Calibration:
    audit.set_actor(session, "tech")
    cal = make_calibration(session, staff.tech)
    session.commit()
    assert audit.verify(session).ok
    return cal


def _raw(session: Session, sql: str, **params: object) -> None:
    session.execute(text(sql), params)
    session.commit()


def test_direct_update_of_a_record_is_found(session: Session, recorded: Calibration) -> None:
    _raw(session, "UPDATE calibration_point SET error = 0.01 WHERE calibration_id = :c", c=recorded.id)
    report = audit.verify(session)
    assert not report.ok
    assert "calibration_point" in report.summary() and "changed directly" in report.summary()


def test_direct_delete_of_a_record_is_found(session: Session, recorded: Calibration) -> None:
    _raw(session, "DELETE FROM calibration_point WHERE calibration_id = :c", c=recorded.id)
    report = audit.verify(session)
    assert not report.ok
    assert "deleted directly" in report.summary()


def test_direct_insert_is_found(session: Session, recorded: Calibration) -> None:
    _raw(session, "UPDATE customer SET name = name WHERE 1 = 0")
    _raw(
        session,
        "INSERT INTO customer (name, address, email, phone, created_at) VALUES ('ghost', '', '', '', :t)",
        t="2026-01-01 00:00:00",
    )
    assert "no audit event" in audit.verify(session).summary()


def test_altered_event_is_named(session: Session, recorded: Calibration) -> None:
    target = _events(session)[3]
    _raw(session, "UPDATE audit_event SET actor = 'someone else' WHERE seq = :s", s=target.seq)
    report = audit.verify(session, check_rows=False)
    assert report.first_broken is not None and report.first_broken.seq == target.seq
    assert "altered" in report.summary()


def test_altered_event_state_is_named(session: Session, recorded: Calibration) -> None:
    target = _events(session)[2]
    _raw(session, "UPDATE audit_event SET state_digest = :d WHERE seq = :s", d="0" * 64, s=target.seq)
    report = audit.verify(session, check_rows=False)
    assert report.first_broken is not None and report.first_broken.seq == target.seq


def test_deleted_event_is_named(session: Session, recorded: Calibration) -> None:
    events = _events(session)
    _raw(session, "DELETE FROM audit_event WHERE seq = :s", s=events[4].seq)
    report = audit.verify(session, check_rows=False)
    assert report.first_broken is not None and report.first_broken.seq == events[5].seq
    assert f"event(s) {events[4].seq} missing" in report.summary()


def test_cut_off_newest_events_found_only_with_anchor(
    session: Session, recorded: Calibration, tmp_path: Path
) -> None:
    anchor_file = tmp_path / "head.json"
    head = audit.write_anchor(session, anchor_file)
    last = head.seq
    _raw(session, "DELETE FROM audit_event WHERE seq > :s", s=last - 2)
    assert audit.verify(session, check_rows=False).ok  # a truncated chain is self-consistent…
    report = audit.verify(session, anchor=audit.read_anchor(anchor_file), check_rows=False)
    assert not report.ok  # …but not against the anchor outside the database
    assert "cut off" in report.summary()


def test_orm_cannot_change_or_delete_events(session: Session, recorded: Calibration) -> None:
    ev = _events(session)[0]
    ev.actor = "forger"
    with pytest.raises(ConflictError, match="append-only"):
        session.flush()
    session.rollback()


def test_concurrent_writers_one_chain_nothing_lost(engine: Engine, session: Session, staff: Staff) -> None:
    audit.set_actor(session, "tech")
    cal = make_calibration(session, staff.tech)
    session.commit()
    factory = make_session_factory(engine)
    n_threads, n_each = 4, 5
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for k in range(n_each):
                with factory() as s:  # an explicit append, outside the ORM hook
                    audit.append(
                        session=s,
                        actor=f"w{i}",
                        action="test.ping",
                        entity="ping",
                        entity_id=f"{i}.{k}",
                        state={"i": i, "k": k},
                    )
                    commit(s)
                with factory() as s:  # an independent customer row per commit
                    audit.set_actor(s, f"w{i}")
                    s.add(Customer(name=f"customer {i}.{k}"))
                    commit(s)
                while True:  # and a read-modify-write of one shared record, retried on conflict
                    with factory() as s:
                        audit.set_actor(s, f"w{i}")
                        c = s.get(Calibration, cal.id)
                        assert c is not None
                        c.notes = c.notes + f"[{i}.{k}]"
                        try:
                            commit(s, f"calibration {c.number}")
                            break
                        except ConflictError:
                            conflicts.append(i)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    session.expire_all()
    final = session.get(Calibration, cal.id)
    assert final is not None
    for i in range(n_threads):
        for k in range(n_each):
            assert f"[{i}.{k}]" in final.notes  # no lost update
    n_customers = session.scalar(
        select(func.count()).select_from(Customer).where(Customer.name.like("customer %"))
    )
    assert n_customers == n_threads * n_each
    pings = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.ping")
    )
    assert pings == n_threads * n_each
    seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1))  # one chain: no gaps, no forks
    report = audit.verify(session)
    assert report.ok, report.summary()
