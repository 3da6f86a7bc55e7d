"""The ORM hook that audits every insert, update and delete, and guards immutable records.

Installed once, on import (``calib_service.models`` imports this module), for every ``Session``:

* ``before_flush``: refuses changes to approved/issued calibrations and their results, to raw readings
  (append-only) and to audit events; takes the chain lock before the flush writes anything.
* mapper ``after_insert/after_update/after_delete``: notes which rows changed.
* ``after_flush``: reads each changed row back from the database and appends ``orm.insert|update|delete``
  with the digest of the row's stored state, attributed to the session's actor (:func:`set_actor`).

Writes that bypass the ORM unit of work (``session.execute(update(...))``, raw SQL) are not seen here:
call :func:`calib_service.records.audit.append` for them, or ``calib audit verify`` will report the rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from calib_service.errors import ConflictError
from calib_service.models.base import Base, utcnow
from calib_service.models.records import AuditEvent
from calib_service.records.chain import row_state

__all__ = ["FROZEN_STATUSES", "ROW_CHECKED_TABLES", "row_checked_tables"]

#: Statuses in which a calibration and its results are immutable (corrections make a new revision).
FROZEN_STATUSES: frozenset[str] = frozenset({"approved", "issued"})

#: Tables whose every row ``calib audit verify`` compares with its last audited state.
ROW_CHECKED_TABLES: tuple[str, ...] = (
    "app_user",
    "api_token",
    "customer",
    "equipment",
    "procedure",
    "measurement_standard",
    "standard_certificate",
    "job",
    "job_item",
    "authorisation",
    "calibration",
    "calibration_point",
    "calibration_standard",
    "environment_record",
    "raw_reading",
    "calibration_transition",
    "attachment",
)

#: Columns that may still change on an approved calibration: issuing its certificate.
_ISSUE_COLUMNS = frozenset(
    {"status", "issued_by_id", "issued_at", "certificate_number", "replaces_certificate", "version"}
)
_CHILD_TABLES = frozenset({"calibration_point", "calibration_standard", "environment_record", "raw_reading"})
_PENDING_KEY = "audit_pending"


def row_checked_tables() -> list[Table]:
    """The :data:`ROW_CHECKED_TABLES` that exist in the metadata."""
    return [Base.metadata.tables[n] for n in ROW_CHECKED_TABLES if n in Base.metadata.tables]


def _table_of(obj: Any) -> Table | None:
    table = getattr(type(obj), "__table__", None)
    return table if isinstance(table, Table) else None


def _old_value(obj: Any, key: str) -> Any:
    hist = inspect(obj).attrs[key].history
    if hist.deleted:
        return hist.deleted[0]
    return getattr(obj, key)


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


def _calibration_status(session: Session, calibration_id: int | None) -> str | None:
    if calibration_id is None:
        return None
    from calib_service.models.calibration import Calibration

    with session.no_autoflush:
        cal = session.get(Calibration, calibration_id)
    return None if cal is None else str(_old_value(cal, "status"))


def _guard(session: Session) -> None:
    for obj in list(session.dirty) + list(session.deleted) + list(session.new):
        table = _table_of(obj)
        if table is None:
            continue
        name = table.name
        is_new = obj in session.new
        is_deleted = obj in session.deleted
        if name == "audit_event" and not is_new:
            raise ConflictError("audit events are append-only; they cannot be changed or deleted")
        if name == "raw_reading" and not is_new and (is_deleted or _changed_columns(obj)):
            raise ConflictError(
                f"raw reading {obj.id} is append-only (ISO/IEC 17025 7.5); "
                "record a correction as a new revision"
            )
        if name == "calibration" and not is_new:
            old = str(_old_value(obj, "status"))
            if old in FROZEN_STATUSES:
                if is_deleted:
                    raise ConflictError(
                        f"calibration {obj.number} is {old}; approved records cannot be deleted"
                    )
                extra = _changed_columns(obj) - _ISSUE_COLUMNS
                if extra:
                    raise ConflictError(
                        f"calibration {obj.number} is {old} and immutable "
                        f"(tried to change {', '.join(sorted(extra))}); "
                        "create a revision with a reason instead"
                    )
        elif name in _CHILD_TABLES:
            changed = is_new or is_deleted or bool(_changed_columns(obj))
            status = _calibration_status(session, getattr(obj, "calibration_id", None))
            if changed and status in FROZEN_STATUSES:
                raise ConflictError(
                    f"calibration {obj.calibration_id} is {status}; "
                    f"its {name.replace('_', ' ')}s are immutable, "
                    "create a revision with a reason instead"
                )


def _needs_audit(session: Session) -> bool:
    return any(
        _table_of(o) is not None and not isinstance(o, AuditEvent)
        for coll in (session.new, session.dirty, session.deleted)
        for o in coll
    )


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    from calib_service.records.audit import lock_chain  # lazy: audit imports the models package

    _guard(session)
    if _needs_audit(session):
        lock_chain(session)


def _note(action: str, mapper: Any, target: Any) -> None:
    if isinstance(target, AuditEvent):
        return
    table = _table_of(target)
    session = Session.object_session(target)
    if table is None or session is None:
        return
    if action == "orm.update" and not _changed_columns(target):
        return
    pk = mapper.primary_key_from_instance(target)
    if any(v is None for v in pk):
        return
    session.info.setdefault(_PENDING_KEY, []).append((action, table, tuple(pk)))


@event.listens_for(Base, "after_insert", propagate=True)
def _after_insert(mapper: Any, connection: Any, target: Any) -> None:
    _note("orm.insert", mapper, target)


@event.listens_for(Base, "after_update", propagate=True)
def _after_update(mapper: Any, connection: Any, target: Any) -> None:
    _note("orm.update", mapper, target)


@event.listens_for(Base, "after_delete", propagate=True)
def _after_delete(mapper: Any, connection: Any, target: Any) -> None:
    _note("orm.delete", mapper, target)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    pending: list[tuple[str, Table, tuple[Any, ...]]] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    from calib_service.records.audit import _append_raw, actor_of

    conn = session.connection()
    actor = actor_of(session)
    at = utcnow()
    for action, table, pk in pending:
        pk_cols = list(table.primary_key.columns)
        entity_id = ",".join(str(v) for v in pk)
        state: dict[str, Any] | None = None
        if action != "orm.delete":
            cond = [col == val for col, val in zip(pk_cols, pk, strict=True)]
            row = conn.execute(select(table).where(*cond)).mappings().first()
            state = None if row is None else row_state(table, row)
        _append_raw(
            session, actor=actor, action=action, entity=table.name, entity_id=entity_id, state=state, at=at
        )


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING_KEY, None)
