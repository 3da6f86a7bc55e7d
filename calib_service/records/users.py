"""Users, passwords (argon2id) and API tokens (only their sha256 is stored; revocable; always expiring).

Bootstrap: while the database has no user at all, the first one may be created without an identity
(``calib users add ... --role admin``); afterwards only an admin may add users.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calib_service.errors import AuthenticationError, NotFoundError, RecordValidationError
from calib_service.models import ApiToken, User
from calib_service.records.permissions import parse_roles, require

__all__ = [
    "MAX_TOKEN_DAYS",
    "MIN_PASSWORD_LENGTH",
    "IssuedToken",
    "authenticate_password",
    "authenticate_token",
    "count_users",
    "create_user",
    "get_user",
    "issue_token",
    "list_users",
    "revoke_token",
    "set_password",
    "token_sha256",
    "use_password_hasher",
]

MIN_PASSWORD_LENGTH = 10
MAX_TOKEN_DAYS = 366
TOKEN_PREFIX = "cst_"
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_dummy: dict[int, str] = {}


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the argon2 hasher (e.g. cheaper parameters in tests); returns the previous one.

    Existing hashes keep verifying: argon2 hashes carry their own parameters.
    """
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def _dummy_hash() -> str:
    # verified against when the user does not exist, so a wrong name takes as long as a wrong password
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("not-a-password-of-anyone")
    return _dummy[key]


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    secret: str
    token: ApiToken


def token_sha256(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def count_users(*, session: Session) -> int:
    """How many users exist (0 means the bootstrap admin may be created without an identity)."""
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RecordValidationError(
            f"password of {username!r} is too short ({len(password)} characters); "
            f"use at least {MIN_PASSWORD_LENGTH}"
        )
    if password.strip().lower() == username.strip().lower():
        raise RecordValidationError(f"password of {username!r} equals the username; choose another")


def create_user(
    *,
    session: Session,
    actor: User | None,
    username: str,
    roles: str | list[str],
    password: str | None = None,
    full_name: str = "",
) -> User:
    """Create a user.

    Args:
        session: the caller's session (not committed here).
        actor: the admin creating the user; None only while no user exists (bootstrap).
        username: login name (letters, digits, ``._-``; 3–80 characters).
        roles: roles from :data:`calib_service.models.ROLES`.
        password: optional; without one the user can only use tokens an admin issues.
        full_name: as printed on certificates.

    Raises:
        PermissionDenied: ``actor`` is not an admin.
        AuthenticationError: no actor while users already exist.
        RecordValidationError: bad username, role or password; the username is taken.
    """
    if actor is None:
        if count_users(session=session) > 0:
            raise AuthenticationError(
                "users already exist: sign in as an admin (CALIB_TOKEN or --token) to add users"
            )
    else:
        require(actor, "user.admin")
    name = username.strip()
    if not (3 <= len(name) <= 80) or not all(c.isalnum() or c in "._-" for c in name):
        raise RecordValidationError(
            f"username {username!r} is not allowed; use 3–80 letters, digits, '.', '_' or '-'"
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise RecordValidationError(f"username {name!r} is already taken")
    role_list = parse_roles(roles)
    user = User(username=name, full_name=full_name, roles=",".join(role_list))
    if password is not None:
        _check_password(password, name)
        user.password_hash = _hasher.hash(password)
    session.add(user)
    session.flush()
    return user


def set_password(*, session: Session, actor: User, user: User, password: str) -> None:
    """Set ``user``'s password (the user themself, or an admin).

    Raises:
        PermissionDenied: someone else than the user or an admin.
        RecordValidationError: the password is too weak.
    """
    if actor.id != user.id:
        require(actor, "user.admin")
    _check_password(password, user.username)
    user.password_hash = _hasher.hash(password)
    session.flush()


def get_user(*, session: Session, username: str | None = None, user_id: int | None = None) -> User:
    """One user by name or id.

    Raises:
        NotFoundError: no such user.
    """
    stmt = (
        select(User).where(User.username == username)
        if username is not None
        else select(User).where(User.id == user_id)
    )
    user = session.scalars(stmt).first()
    if user is None:
        raise NotFoundError(f"user {username if username is not None else user_id!r} does not exist")
    return user


def list_users(*, session: Session, offset: int = 0, limit: int = 50) -> tuple[list[User], int]:
    """A page of users and the total count."""
    users = list(session.scalars(select(User).order_by(User.id).offset(offset).limit(limit)))
    return users, count_users(session=session)


def authenticate_password(*, session: Session, username: str, password: str) -> User:
    """The active user with this name and password.

    Raises:
        AuthenticationError: unknown user, no password set, wrong password or inactive account (one
            message for all, so the reply does not reveal which usernames exist).
    """
    user = session.scalars(select(User).where(User.username == username)).first()
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    ok: bool
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.password_hash or not user.active:
        raise AuthenticationError("wrong username or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def issue_token(
    *,
    session: Session,
    actor: User,
    user: User,
    now: datetime,
    days: float = 30,
    name: str = "",
) -> IssuedToken:
    """Issue a bearer token for ``user`` valid ``days`` from ``now`` (to the user themself, or by an admin).

    Raises:
        PermissionDenied: someone else than the user or an admin.
        RecordValidationError: validity not in (0, MAX_TOKEN_DAYS] days; inactive user.
    """
    if actor.id != user.id:
        require(actor, "user.admin")
    if not (0 < days <= MAX_TOKEN_DAYS):
        raise RecordValidationError(f"token validity {days} days; give 0 < days ≤ {MAX_TOKEN_DAYS}")
    if not user.active:
        raise RecordValidationError(f"user {user.username!r} is inactive; activate the account first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_sha256=token_sha256(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        name=name[:100],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return IssuedToken(secret=secret, token=token)


def authenticate_token(*, session: Session, secret: str, now: datetime) -> User:
    """The user a bearer token belongs to.

    Raises:
        AuthenticationError: unknown, revoked or expired token, or an inactive user.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise AuthenticationError("invalid token; sign in again or ask an admin for a token")
    token = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == token_sha256(secret))).first()
    if token is None:
        raise AuthenticationError("invalid token; sign in again or ask an admin for a token")
    if token.revoked_at is not None:
        raise AuthenticationError(f"token {token.prefix}… was revoked; sign in again")
    if token.expires_at <= now:
        raise AuthenticationError(
            f"token {token.prefix}… expired at {token.expires_at.isoformat()}; sign in again"
        )
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise AuthenticationError("the token's user is inactive; ask an admin")
    return user


def revoke_token(*, session: Session, actor: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token (its owner or an admin).

    Raises:
        NotFoundError: no such token.
        PermissionDenied: someone else's token and not an admin.
    """
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"token {token_id} does not exist")
    if token.user_id != actor.id:
        require(actor, "user.admin")
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
    return token
