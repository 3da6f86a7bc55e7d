"""The FastAPI application factory."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from api.auth import PROBLEM_RESPONSES, current_user
from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.routers import (
    calibrations,
    certificates,
    equipment,
    evidence,
    health,
    jobs,
    records,
    traceability,
    users,
)
from calib_service.db import make_session_factory
from calib_service.settings import Settings

__all__ = ["create_app"]


def create_app(engine: Engine) -> FastAPI:
    """Build the app over ``engine`` (already migrated); one session per request."""
    app = FastAPI(
        title="calib-service",
        summary="Calibration service of the municipal carbon metrology centre (市级碳计量中心)",
        version="0.1.0",
    )
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.data_dir = Settings.from_env().data_dir
    anchor = os.environ.get("CALIB_AUDIT_ANCHOR")
    app.state.audit_anchor = Path(anchor) if anchor else None
    app.add_middleware(BodySizeLimit)
    install_error_handlers(app)
    # public: /health, the docs, and /auth/login (it issues tokens); everything else needs a bearer token
    app.include_router(health.router)
    app.include_router(users.auth_router, responses=PROBLEM_RESPONSES)
    signed_in = [Depends(current_user)]
    app.include_router(equipment.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(calibrations.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(traceability.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(users.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(jobs.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(records.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(certificates.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    app.include_router(evidence.router, dependencies=signed_in, responses=PROBLEM_RESPONSES)
    return app
