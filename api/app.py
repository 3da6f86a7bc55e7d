"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from api.errors import install_error_handlers
from api.routers import calibrations, equipment, health
from calib_service.db import make_session_factory

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
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(equipment.router)
    app.include_router(calibrations.router)
    return app
