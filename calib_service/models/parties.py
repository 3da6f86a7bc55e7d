"""Customers and users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from calib_service.models.base import Base, UTCDateTime, utcnow

__all__ = ["ROLES", "Customer", "User"]

#: Roles a user can hold (ISO/IEC 17025 6.2): who records, checks, signs, manages, audits, administers.
ROLES: tuple[str, ...] = ("technician", "reviewer", "approver", "manager", "auditor", "admin")


class Customer(Base):
    """A customer whose instruments the centre calibrates."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(400), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """A person who uses the system; ``roles`` is a comma-separated subset of :data:`ROLES`."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[str] = mapped_column(String(200), default="technician")
    password_hash: Mapped[str | None] = mapped_column(String(300), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def has_role(self, role: str) -> bool:
        """Whether the user holds ``role``."""
        return role in {r.strip() for r in self.roles.split(",")}
