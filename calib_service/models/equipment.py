"""Equipment: devices under test, standard equipment and reference materials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from calib_service.models.base import Base, UTCDateTime, utcnow

__all__ = ["EQUIPMENT_KINDS", "FAMILIES", "Equipment"]

EQUIPMENT_KINDS: tuple[str, ...] = ("dut", "standard", "reference_material")

#: Instrument families the centre serves (task 4).
FAMILIES: tuple[str, ...] = (
    "electricity",
    "water",
    "gas",
    "heat",
    "flow",
    "co2",
    "cems",
    "temperature",
    "mass",
    "electrical",
    "other",
)


class Equipment(Base):
    """One physical item: a meter under test, a piece of standard equipment or a reference material.

    ``specs`` holds family-specific nameplate data with units (e.g. ``{"meter_constant": [1200, "1/kWh"],
    "reference_voltage": [220, "V"]}``).
    """

    __tablename__ = "equipment"
    __table_args__ = (UniqueConstraint("manufacturer", "serial", name="uq_equipment_manufacturer_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    family: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(300))
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    serial: Mapped[str] = mapped_column(String(100))
    accuracy_class: Mapped[str | None] = mapped_column(String(30), default=None)
    range_low: Mapped[float | None] = mapped_column(Double, default=None)
    range_high: Mapped[float | None] = mapped_column(Double, default=None)
    range_unit: Mapped[str | None] = mapped_column(String(40), default=None)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), default=None)
    specs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
