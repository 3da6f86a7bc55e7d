"""Roles and what each may do (ISO/IEC 17025 6.2, 7.11: access by role; the auditor changes nothing)."""

from __future__ import annotations

from collections.abc import Iterable

from calib_service.errors import PermissionDenied, RecordValidationError
from calib_service.models import ROLES, User

__all__ = ["PERMISSIONS", "ROLES", "allowed", "parse_roles", "require", "roles_of"]

_ALL = frozenset(ROLES)

#: Permission → roles that hold it. Reading needs an identity but any role; the auditor only reads.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": _ALL,
    "calibration.record": frozenset({"technician"}),
    "calibration.review": frozenset({"reviewer"}),
    "calibration.approve": frozenset({"approver"}),
    "certificate.issue": frozenset({"approver", "manager"}),
    "calibration.revise": frozenset({"technician", "reviewer", "approver", "manager"}),
    "job.write": frozenset({"technician", "manager"}),
    "authorisation.write": frozenset({"manager"}),
    "attachment.write": frozenset({"technician", "reviewer", "approver", "manager"}),
    "user.admin": frozenset({"admin"}),
    "audit.verify": frozenset({"auditor", "manager", "admin"}),
    "records.export": frozenset({"auditor", "manager"}),
    "validation.run": frozenset({"manager", "admin"}),
    "backup": frozenset({"admin"}),
}


def parse_roles(roles: str | Iterable[str]) -> list[str]:
    """Validated, de-duplicated roles in :data:`ROLES` order.

    Raises:
        RecordValidationError: an unknown role, or none at all.

    >>> parse_roles("reviewer, technician")
    ['technician', 'reviewer']
    """
    items = roles.split(",") if isinstance(roles, str) else list(roles)
    wanted = {r.strip() for r in items if r.strip()}
    unknown = sorted(wanted - _ALL)
    if unknown:
        raise RecordValidationError(f"unknown role(s) {', '.join(unknown)}; use {', '.join(ROLES)}")
    if not wanted:
        raise RecordValidationError(f"give at least one role of {', '.join(ROLES)}")
    return [r for r in ROLES if r in wanted]


def roles_of(user: User) -> frozenset[str]:
    """The roles ``user`` holds (none when the account is inactive)."""
    if not user.active:
        return frozenset()
    return frozenset(r.strip() for r in user.roles.split(",") if r.strip())


def allowed(user: User, permission: str) -> bool:
    """Whether ``user`` holds a role granting ``permission``."""
    if permission not in PERMISSIONS:
        raise RecordValidationError(f"unknown permission {permission!r}")
    return bool(roles_of(user) & PERMISSIONS[permission])


def require(user: User, permission: str) -> None:
    """Raise unless ``user`` may ``permission``.

    Raises:
        PermissionDenied: the message names the user, the action and the roles that may do it.
    """
    if not allowed(user, permission):
        need = ", ".join(r for r in ROLES if r in PERMISSIONS[permission])
        raise PermissionDenied(
            f"user {user.username!r} (roles: {user.roles or 'none'}) may not {permission}; "
            f"needs one of: {need}"
        )
