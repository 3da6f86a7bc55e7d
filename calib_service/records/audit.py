"""The hash-chained audit log: serialised appends, verification and the chain-head anchor file.

Every create, update and transition appends one event (actor, time, entity, digest of the new state)
whose hash covers the previous event's hash. Appends are serialised across processes: on PostgreSQL by
a transaction-scoped advisory lock (``pg_advisory_xact_lock``) taken before the writing statements of a
transaction, held until it commits; on SQLite by the database's single writer lock (the event is
written after the row it records, so the writer lock is already held when the chain head is read).
The unique constraints on ``seq`` and ``prev_hash`` forbid forks even if a writer skipped the lock.

The chain head (last seq and hash) is anchored in a file outside the database (:func:`write_anchor`,
also written beside every backup), so cutting off the newest events is detected by :func:`verify`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, IntegrityCheckError, RecordValidationError
from calib_service.models.base import utcnow
from calib_service.models.records import AuditEvent
from calib_service.records.chain import GENESIS, canonical, digest, link_hash, row_state

__all__ = [
    "ChainHead",
    "Problem",
    "VerifyReport",
    "actor_of",
    "append",
    "head",
    "lock_chain",
    "read_anchor",
    "set_actor",
    "verify",
    "write_anchor",
]

#: How long a writer waits for the chain lock on PostgreSQL before giving up with a ConflictError.
LOCK_WAIT_SECONDS = 30.0
_LOCK_CLASS = 717_017  # first key of the advisory lock; the second is the hash of the schema name
_ACTOR_KEY = "audit_actor"
_LOCKED_KEY = "audit_chain_locked"


@dataclass(frozen=True)
class ChainHead:
    """The newest link: its sequence number and hash (``seq`` 0 and the genesis hash when empty)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`verify`, naming the event (``seq``) or the row it concerns."""

    seq: int | None
    message: str


@dataclass
class VerifyReport:
    """Result of :func:`verify`: ``ok`` when the chain, the anchor and the audited rows all agree."""

    events: int
    head: ChainHead
    anchor: ChainHead | None
    rows_checked: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def first_broken(self) -> Problem | None:
        """The first problem found (in chain order), or None."""
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        """One line for a terminal or a report."""
        if self.ok:
            anchored = "" if self.anchor is None else f", anchor seq {self.anchor.seq} matches"
            return (
                f"audit chain OK: {self.events} events, head seq {self.head.seq} hash {self.head.hash[:16]}…"
                f"{anchored}, {self.rows_checked} rows match their last audited state"
            )
        first = self.problems[0]
        where = f"event seq {first.seq}" if first.seq is not None else "records"
        return f"audit chain BROKEN at {where}: {first.message} ({len(self.problems)} problem(s) in all)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "events": self.events,
            "head": {"seq": self.head.seq, "hash": self.head.hash},
            "anchor": None if self.anchor is None else {"seq": self.anchor.seq, "hash": self.anchor.hash},
            "rows_checked": self.rows_checked,
            "first_broken_seq": None if self.first_broken is None else self.first_broken.seq,
            "summary": self.summary(),
            "problems": [{"seq": p.seq, "message": p.message} for p in self.problems],
        }


def set_actor(session: Session, actor: str) -> None:
    """Name who acts in ``session``: every audit event it writes from now on carries ``actor``."""
    session.info[_ACTOR_KEY] = actor


def actor_of(session: Session) -> str:
    """The actor set with :func:`set_actor`, or ``system`` when none was set."""
    return str(session.info.get(_ACTOR_KEY) or "system")


def lock_chain(session: Session) -> None:
    """Serialise chain appends: take the transaction-scoped chain lock (PostgreSQL advisory lock; SQLite
    writer lock).

    Raises:
        ConflictError: another transaction held the lock for longer than ``LOCK_WAIT_SECONDS``.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        # a write statement (matching no row) takes SQLite's writer lock now, like BEGIN IMMEDIATE: the
        # chain head read next cannot be overtaken by another writer before this transaction commits
        conn.execute(text("UPDATE audit_event SET seq = seq WHERE 1 = 0"))
        return
    if conn.dialect.name != "postgresql":
        return
    stmt = text("SELECT pg_try_advisory_xact_lock(:k, hashtext(current_schema()))")
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.002
    while not conn.execute(stmt, {"k": _LOCK_CLASS}).scalar():
        if time.monotonic() > deadline:
            raise ConflictError(
                f"audit chain is locked by another transaction for over {LOCK_WAIT_SECONDS:.0f} s; "
                "retry, or look for a transaction left open"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    session.info[_LOCKED_KEY] = True


def head(session: Session) -> ChainHead:
    """The newest link as this transaction sees it."""
    row = (
        session.connection()
        .execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
        .first()
    )
    return ChainHead(0, GENESIS) if row is None else ChainHead(int(row[0]), str(row[1]))


def _append_raw(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    state: Any,
    at: datetime,
) -> ChainHead:
    last = head(session)
    seq = last.seq + 1
    state_c = canonical(state)
    state_digest = digest(state_c)
    h = link_hash(
        seq=seq,
        prev_hash=last.hash,
        occurred_at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        state_digest=state_digest,
    )
    table: Table = AuditEvent.__table__  # type: ignore[assignment]
    session.connection().execute(
        insert(table).values(
            seq=seq,
            occurred_at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            state=state_c,
            state_digest=state_digest,
            prev_hash=last.hash,
            hash=h,
        )
    )
    return ChainHead(seq, h)


def append(
    *,
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    state: dict[str, Any] | None,
    at: datetime | None = None,
) -> ChainHead:
    """Append one event to the chain in the session's transaction (the caller commits).

    Use it for events the ORM hook cannot see (a certificate printed, an export, a validation run);
    ORM inserts, updates and deletes are audited automatically as ``orm.insert|update|delete``.

    Args:
        session: the caller's session.
        actor: who acted (a username, or ``system``).
        action: what happened, e.g. ``certificate.issued``; ``orm.*`` is reserved for the hook.
        entity: the kind of record (a table name or a concept, e.g. ``calibration``).
        entity_id: the record's id.
        state: the new state (any JSON-able dict); its sha256 is chained and the state kept.
        at: when (UTC, timezone-aware); now by default.

    Returns:
        The new chain head.

    Raises:
        RecordValidationError: empty actor/action/entity, or a reserved ``orm.`` action.
    """
    if not actor.strip() or not action.strip() or not entity.strip():
        raise RecordValidationError(
            f"audit event needs an actor, action and entity; got {actor!r}, {action!r}, {entity!r}"
        )
    if action.startswith("orm."):
        raise RecordValidationError(
            f"audit action {action!r}: the 'orm.' prefix is reserved for the ORM hook"
        )
    lock_chain(session)
    return _append_raw(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        state=state,
        at=at or utcnow(),
    )


def _audited_tables() -> list[Table]:
    from calib_service.records.autoaudit import row_checked_tables

    return row_checked_tables()


def _check_rows(
    session: Session, latest: dict[tuple[str, str], tuple[int, str, str]]
) -> tuple[int, list[Problem]]:
    problems: list[Problem] = []
    checked = 0
    conn = session.connection()
    for table in _audited_tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        seen: set[str] = set()
        for row in conn.execute(select(table).order_by(pk[0])).mappings():
            checked += 1
            key = str(row[pk[0].key])
            seen.add(key)
            found = latest.get((table.name, key))
            if found is None:
                problems.append(
                    Problem(None, f"{table.name} {key} has no audit event (written outside the application)")
                )
                continue
            seq, action, state_digest = found
            if action == "orm.delete":
                problems.append(
                    Problem(seq, f"{table.name} {key} was deleted (event {seq}) but exists again")
                )
            elif digest(row_state(table, row)) != state_digest:
                problems.append(
                    Problem(
                        seq,
                        f"{table.name} {key} differs from its last audited state (event {seq}): "
                        "changed directly in the database",
                    )
                )
        for (entity, key), (seq, action, _) in latest.items():
            if entity == table.name and key not in seen and action != "orm.delete":
                problems.append(
                    Problem(
                        seq,
                        f"{table.name} {key} is missing but its last event {seq} is {action}: "
                        "deleted directly in the database",
                    )
                )
    return checked, problems


def verify(session: Session, *, anchor: ChainHead | None = None, check_rows: bool = True) -> VerifyReport:
    """Recompute the chain; compare its head with ``anchor``; compare audited rows with their last event.

    Finds an event altered (its hash or state digest no longer matches), deleted (a gap in ``seq``,
    a broken ``prev_hash`` link), the newest events cut off (the anchor's seq/hash not in the chain),
    and audited rows updated, inserted or deleted directly in the database.

    Returns:
        The report; ``report.first_broken`` names the first broken event.
    """
    problems: list[Problem] = []
    latest: dict[tuple[str, str], tuple[int, str, str]] = {}
    prev = ChainHead(0, GENESIS)
    count = 0
    anchor_seen: str | None = None
    stmt = select(AuditEvent.__table__).order_by(AuditEvent.seq)
    for ev in session.connection().execute(stmt).mappings():
        count += 1
        seq = int(ev["seq"])
        if seq != prev.seq + 1:
            gap = f"{prev.seq + 1}" if seq == prev.seq + 2 else f"{prev.seq + 1}–{seq - 1}"
            problems.append(Problem(seq, f"event(s) {gap} missing before event {seq}: deleted from the log"))
        if ev["prev_hash"] != prev.hash:
            problems.append(
                Problem(seq, f"event {seq} does not link to the event before it (prev_hash mismatch)")
            )
        if digest(ev["state"]) != ev["state_digest"]:
            problems.append(
                Problem(seq, f"event {seq}: stored state does not match its digest (state altered)")
            )
        recomputed = link_hash(
            seq=seq,
            prev_hash=ev["prev_hash"],
            occurred_at=ev["occurred_at"],
            actor=ev["actor"],
            action=ev["action"],
            entity=ev["entity"],
            entity_id=ev["entity_id"],
            state_digest=ev["state_digest"],
        )
        if recomputed != ev["hash"]:
            problems.append(Problem(seq, f"event {seq}: contents do not match its hash (event altered)"))
        if str(ev["action"]).startswith("orm."):
            latest[(str(ev["entity"]), str(ev["entity_id"]))] = (
                seq,
                str(ev["action"]),
                str(ev["state_digest"]),
            )
        if anchor is not None and seq == anchor.seq:
            anchor_seen = str(ev["hash"])
        prev = ChainHead(seq, str(ev["hash"]))
    if anchor is not None:
        if anchor.seq > prev.seq:
            problems.append(
                Problem(
                    anchor.seq,
                    f"chain ends at event {prev.seq} but the anchor records event {anchor.seq}: "
                    "the newest events were cut off",
                )
            )
        elif anchor_seen is not None and anchor_seen != anchor.hash:
            problems.append(
                Problem(anchor.seq, f"event {anchor.seq} differs from the anchored hash (rewritten)")
            )
        elif anchor_seen is None and anchor.seq > 0:
            problems.append(Problem(anchor.seq, f"anchored event {anchor.seq} is missing from the log"))
    checked = 0
    if check_rows:
        checked, row_problems = _check_rows(session, latest)
        problems.extend(row_problems)
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return VerifyReport(events=count, head=prev, anchor=anchor, rows_checked=checked, problems=problems)


def write_anchor(session: Session, path: Path, *, extra: dict[str, Any] | None = None) -> ChainHead:
    """Write the current chain head to ``path`` (JSON, replaced atomically) and return it."""
    current = head(session)
    body = {"seq": current.seq, "hash": current.hash, "written_at": canonical(utcnow()), **(extra or {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return current


def read_anchor(path: Path) -> ChainHead:
    """The chain head recorded in an anchor file.

    Raises:
        IntegrityCheckError: the file is missing or not an anchor file.
    """
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return ChainHead(int(body["seq"]), str(body["hash"]))
    except FileNotFoundError as exc:
        raise IntegrityCheckError(
            f"anchor file {path} does not exist; give the file written by a backup"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityCheckError(
            f"{path} is not an audit anchor file (needs JSON with seq and hash)"
        ) from exc


def events_for(session: Session, *, entity: str, entity_id: str | int) -> Iterable[AuditEvent]:
    """The audit events of one record, oldest first."""
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.seq)
    )
