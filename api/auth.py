"""Authentication and authorisation dependencies of the HTTP API.

Every route except ``/health`` and the API docs needs ``Authorization: Bearer <token>``; tokens come
from ``POST /auth/login`` (username + password) or ``calib users token``. Missing, unknown, expired or
revoked tokens get 401; a valid identity without the needed role gets 403. The authenticated user's
name is set as the audit actor of the request's session, so every change it makes is attributed.

Use in a route::

    @router.post("/things")
    def create(session: SessionDep, user: Annotated[User, Depends(require_role("technician"))]) -> ...

or ``user: CurrentUser`` when any authenticated role may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer

from api.deps import SessionDep
from calib_service.errors import AuthenticationError, PermissionDenied
from calib_service.models import ROLES, User
from calib_service.models.base import utcnow
from calib_service.records import audit
from calib_service.records.permissions import require, roles_of
from calib_service.records.users import authenticate_password, authenticate_token

__all__ = [
    "PROBLEM_RESPONSES",
    "CurrentUser",
    "current_user",
    "require_permission",
    "require_role",
]

_bearer = HTTPBearer(
    auto_error=False,
    description="API token from POST /auth/login or `calib users token` (sent as `Authorization: Bearer …`).",
)
_basic = HTTPBasic(
    auto_error=False,
    description="Username and password on every request (each one is an argon2 check: prefer tokens).",
)

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}


def _problem(description: str, *, also_json: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"application/problem+json": {"schema": _PROBLEM_SCHEMA}}
    if also_json:
        content["application/json"] = {"schema": {"type": "object"}}
    return {"description": description, "content": content}


#: Error responses every protected route may give (RFC 9457 problem details), for the OpenAPI schema.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("No valid identity: send Authorization: Bearer <token>"),
    403: _problem("The identity lacks the role or authorisation for this action"),
    404: _problem("The record does not exist"),
    409: _problem("Conflicts with the stored state (stale version, step not allowed, immutable record)"),
    413: _problem("Request body too large"),
    422: _problem("Invalid input", also_json=True),
}


def current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    basic: Annotated[HTTPBasicCredentials | None, Security(_basic)],
) -> User:
    """The user whose bearer token (or HTTP Basic username and password) came with the request.

    Also names the audit actor of the request's session.

    Raises:
        AuthenticationError: no credentials, an unknown, expired or revoked token, or a wrong password
            (→ 401).
    """
    if credentials is not None and credentials.credentials:
        user = authenticate_token(session=session, secret=credentials.credentials, now=utcnow())
    elif basic is not None:
        user = authenticate_password(session=session, username=basic.username, password=basic.password)
    else:
        raise AuthenticationError(
            "sign in first: send 'Authorization: Bearer <token>' (POST /auth/login or `calib users token`)"
        )
    audit.set_actor(session, user.username)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency admitting users who hold any of ``roles`` (403 otherwise)."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise ValueError(f"require_role: unknown or no roles {unknown or roles}; use {', '.join(ROLES)}")

    def dependency(user: CurrentUser) -> User:
        if not roles_of(user) & set(roles):
            raise PermissionDenied(f"user {user.username!r} needs one of the roles {', '.join(roles)}")
        return user

    return dependency


def require_permission(permission: str) -> Callable[[User], User]:
    """A dependency admitting users whose roles grant ``permission`` (see ``records.PERMISSIONS``)."""

    def dependency(user: CurrentUser) -> User:
        require(user, permission)
        return user

    return dependency
