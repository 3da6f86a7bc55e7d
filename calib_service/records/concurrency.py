"""Concurrent writers: a stale optimistic-lock version or a busy SQLite database becomes a ConflictError.

Two users saving the same record: the second flush finds the ``version`` it loaded gone
(SQLAlchemy ``StaleDataError``) and gets a clear conflict (HTTP 409), never a lost update. SQLite waits
``busy_timeout`` for the writer lock (set in :mod:`calib_service.db`); if it is still locked after that,
the caller gets a conflict to retry instead of an unexplained ``OperationalError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from calib_service.errors import ConflictError

__all__ = ["commit", "conflicts_as_errors"]

_BUSY = ("database is locked", "database table is locked", "database is busy")


@contextmanager
def conflicts_as_errors(session: Session, what: str = "the record") -> Iterator[None]:
    """Run a unit of work; turn a stale version or a busy database into :class:`ConflictError`.

    The session is rolled back when that happens, so it can be used again.

    Raises:
        ConflictError: someone else saved ``what`` first, or the database stayed locked.
    """
    try:
        yield
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            f"{what} was changed by someone else since you loaded it; reload it and apply your change again"
        ) from exc
    except OperationalError as exc:
        message = str(exc.orig).lower()
        if not any(b in message for b in _BUSY):
            raise
        session.rollback()
        raise ConflictError(
            f"the database is busy (another writer held it too long) saving {what}; retry"
        ) from exc


def commit(session: Session, what: str = "the record") -> None:
    """Commit, translating conflicts (see :func:`conflicts_as_errors`)."""
    with conflicts_as_errors(session, what):
        session.commit()
