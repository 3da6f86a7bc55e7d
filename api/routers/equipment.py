"""Equipment routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import SessionDep
from api.schemas import EquipmentPublic, Page
from calib_service.services.equipment import count_equipment, get_equipment, list_equipment

router = APIRouter(prefix="/equipment", tags=["equipment"])

Kind = Literal["dut", "standard", "reference_material"]


@router.get("", response_model=Page[EquipmentPublic])
def equipment_list(
    session: SessionDep,
    kind: Kind | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[EquipmentPublic]:
    """Devices under test, standard equipment and reference materials."""
    items = list_equipment(session=session, kind=kind, offset=offset, limit=limit)
    return Page[EquipmentPublic](
        items=[EquipmentPublic.model_validate(i) for i in items],
        total=count_equipment(session=session, kind=kind),
        offset=offset,
        limit=limit,
    )


@router.get("/{equipment_id}", response_model=EquipmentPublic)
def equipment_get(
    equipment_id: Annotated[int, Path(ge=1, le=2_147_483_647)], session: SessionDep
) -> EquipmentPublic:
    """One item of equipment."""
    return EquipmentPublic.model_validate(get_equipment(session=session, equipment_id=equipment_id))
