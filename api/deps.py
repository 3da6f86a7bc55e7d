"""Request dependencies: one database session per request, owned here; the route commits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["SessionDep", "get_session"]


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session for this request; roll back whatever the route did not commit."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
