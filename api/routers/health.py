"""``GET /health``: public liveness check."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from api.deps import SessionDep
from api.schemas import Health
from calib_service.db import current_revision

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("calib-service")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    """Service version, database backend and schema revision."""
    engine = session.get_bind()
    return Health(
        status="ok",
        version=_version(),
        database=engine.dialect.name,
        schema_revision=current_revision(engine),  # type: ignore[arg-type]
    )
