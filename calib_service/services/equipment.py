"""Registering and finding equipment and customers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calib_service.errors import NotFoundError, RecordValidationError
from calib_service.models import EQUIPMENT_KINDS, FAMILIES, Customer, Equipment

__all__ = [
    "count_equipment",
    "get_equipment",
    "get_or_create_customer",
    "list_equipment",
    "register_equipment",
]


def get_or_create_customer(*, session: Session, name: str, **fields: str) -> Customer:
    """The customer named ``name``, created with ``fields`` when new."""
    name = name.strip()
    if not name:
        raise RecordValidationError("customer name is empty; give the customer's registered name")
    found = session.scalars(select(Customer).where(Customer.name == name)).first()
    if found is not None:
        return found
    customer = Customer(name=name, **fields)
    session.add(customer)
    session.flush()
    return customer


def register_equipment(
    *,
    session: Session,
    kind: str,
    family: str,
    description: str,
    serial: str,
    manufacturer: str = "",
    model: str = "",
    accuracy_class: str | None = None,
    owner: Customer | None = None,
    specs: dict[str, Any] | None = None,
    range_low: float | None = None,
    range_high: float | None = None,
    range_unit: str | None = None,
) -> Equipment:
    """Register an item, or return the one already registered with this manufacturer and serial.

    Raises:
        RecordValidationError: unknown kind or family, empty serial, or the same manufacturer and
            serial registered as a different kind.
    """
    if kind not in EQUIPMENT_KINDS:
        raise RecordValidationError(
            f"unknown equipment kind {kind!r}; use one of {', '.join(EQUIPMENT_KINDS)}"
        )
    if family not in FAMILIES:
        raise RecordValidationError(f"unknown instrument family {family!r}; use one of {', '.join(FAMILIES)}")
    if not serial.strip():
        raise RecordValidationError("serial number is empty; give the number on the nameplate")
    existing = session.scalars(
        select(Equipment).where(Equipment.manufacturer == manufacturer, Equipment.serial == serial)
    ).first()
    if existing is not None:
        if existing.kind != kind:
            raise RecordValidationError(
                f"serial {serial!r} of {manufacturer or 'unknown manufacturer'} is already registered as "
                f"{existing.kind} (equipment {existing.id}), not {kind}"
            )
        return existing
    item = Equipment(
        kind=kind,
        family=family,
        description=description,
        serial=serial,
        manufacturer=manufacturer,
        model=model,
        accuracy_class=accuracy_class,
        owner_id=None if owner is None else owner.id,
        specs=dict(specs or {}),
        range_low=range_low,
        range_high=range_high,
        range_unit=range_unit,
    )
    session.add(item)
    session.flush()
    return item


def get_equipment(*, session: Session, equipment_id: int) -> Equipment:
    """One item by id."""
    item = session.get(Equipment, equipment_id)
    if item is None:
        raise NotFoundError(f"equipment {equipment_id} does not exist")
    return item


def list_equipment(
    *, session: Session, kind: str | None = None, offset: int = 0, limit: int = 50
) -> list[Equipment]:
    """Equipment, newest last, optionally of one kind."""
    stmt = select(Equipment).order_by(Equipment.id)
    if kind is not None:
        stmt = stmt.where(Equipment.kind == kind)
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def count_equipment(*, session: Session, kind: str | None = None) -> int:
    """How many items :func:`list_equipment` would page through."""
    stmt = select(func.count()).select_from(Equipment)
    if kind is not None:
        stmt = stmt.where(Equipment.kind == kind)
    return int(session.scalar(stmt) or 0)
