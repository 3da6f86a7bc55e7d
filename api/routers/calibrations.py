"""Calibration routes: list, detail with points, readings and budgets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import SessionDep
from api.schemas import (
    CalibrationDetail,
    CalibrationPublic,
    EnvironmentPublic,
    Page,
    PointPublic,
    ReadingPublic,
    StandardUsedPublic,
)
from calib_service.errors import NotFoundError
from calib_service.models import Calibration
from calib_service.services.calibrations import count_calibrations, get_calibration, list_calibrations

router = APIRouter(prefix="/calibrations", tags=["calibrations"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Status = Literal["draft", "running", "measured", "reviewed", "approved", "issued"]


def _summary(cal: Calibration) -> dict[str, Any]:
    return {
        "id": cal.id,
        "number": cal.number,
        "procedure": cal.procedure.code,
        "dut_id": cal.dut_id,
        "dut_serial": cal.dut.serial,
        "accuracy_class": cal.accuracy_class,
        "decision_rule": cal.decision_rule,
        "status": cal.status,
        "decision": cal.decision,
        "started_at": cal.started_at,
        "finished_at": cal.finished_at,
    }


@router.get("", response_model=Page[CalibrationPublic])
def calibration_list(
    session: SessionDep,
    status: Status | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[CalibrationPublic]:
    """Calibrations in creation order."""
    cals = list_calibrations(session=session, status=status, offset=offset, limit=limit)
    return Page[CalibrationPublic](
        items=[CalibrationPublic(**_summary(c)) for c in cals],
        total=count_calibrations(session=session, status=status),
        offset=offset,
        limit=limit,
    )


@router.get("/{calibration_id}", response_model=CalibrationDetail)
def calibration_get(calibration_id: Id, session: SessionDep) -> CalibrationDetail:
    """One calibration with its points (each with its uncertainty budget), raw readings and conditions."""
    cal = get_calibration(session=session, calibration_id=calibration_id)
    return CalibrationDetail(
        **_summary(cal),
        run_parameters=dict(cal.run_parameters or {}),
        points=[PointPublic.model_validate(p) for p in cal.points],
        readings=[ReadingPublic.model_validate(r) for r in cal.readings],
        environment=[EnvironmentPublic.model_validate(e) for e in cal.environment],
        standards=[StandardUsedPublic.model_validate(s) for s in cal.standards],
    )


@router.get("/{calibration_id}/points/{seq}/budget")
def point_budget(
    calibration_id: Id,
    seq: Annotated[int, Path(ge=0, le=2_147_483_647)],
    session: SessionDep,
    state: Literal["as_found", "as_left"] = "as_found",
) -> dict[str, Any]:
    """The stored uncertainty budget archive of one point."""
    cal = get_calibration(session=session, calibration_id=calibration_id)
    for point in cal.points:
        if point.seq == seq and point.state == state:
            return point.budget
    raise NotFoundError(f"calibration {calibration_id} has no {state} point {seq}")
