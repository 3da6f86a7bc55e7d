"""Sign-in, users, API tokens and technicians' authorisations (admin: users; manager: authorisations)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.auth import CurrentUser, require_permission
from api.deps import SessionDep
from api.schemas import Page
from api.schemas_records import (
    AuthorisationCreate,
    AuthorisationPublic,
    LoginRequest,
    TokenCreate,
    TokenIssued,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from calib_service.models import Authorisation, User
from calib_service.models.base import utcnow
from calib_service.records import audit, commit
from calib_service.records.competence import grant_authorisation
from calib_service.records.permissions import roles_of
from calib_service.records.users import (
    authenticate_password,
    create_user,
    get_user,
    issue_token,
    list_users,
    revoke_token,
)

__all__ = ["Id", "Limit", "Offset", "auth_router", "router"]

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]

auth_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(tags=["users"])


def _issued(secret: str, token_id: int, user: User, expires_at: object) -> TokenIssued:
    return TokenIssued.model_validate(
        {
            "token": secret,
            "token_id": token_id,
            "expires_at": expires_at,
            "username": user.username,
            "roles": sorted(roles_of(user)),
        }
    )


@auth_router.post("/login", response_model=TokenIssued)
def login(body: LoginRequest, session: SessionDep) -> TokenIssued:
    """Exchange username and password for a bearer token (valid ``days``, at most 30)."""
    user = authenticate_password(session=session, username=body.username, password=body.password)
    audit.set_actor(session, user.username)
    issued = issue_token(session=session, actor=user, user=user, now=utcnow(), days=body.days, name="login")
    commit(session)
    return _issued(issued.secret, issued.token.id, user, issued.token.expires_at)


@auth_router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    """Who the token belongs to."""
    return UserPublic.model_validate(user)


@router.get("/users", response_model=Page[UserPublic])
def users_list(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 50
) -> Page[UserPublic]:
    """All users (any signed-in role may see who is who)."""
    users, total = list_users(session=session, offset=offset, limit=limit)
    return Page[UserPublic](
        items=[UserPublic.model_validate(u) for u in users], total=total, offset=offset, limit=limit
    )


@router.post("/users", response_model=UserPublic, status_code=201)
def users_create(
    body: UserCreate, session: SessionDep, actor: Annotated[User, Depends(require_permission("user.admin"))]
) -> UserPublic:
    """Create a user (admin)."""
    user = create_user(
        session=session,
        actor=actor,
        username=body.username,
        roles=list(body.roles),
        password=body.password,
        full_name=body.full_name,
    )
    commit(session)
    return UserPublic.model_validate(user)


@router.post("/users/{user_id}/tokens", response_model=TokenIssued, status_code=201)
def tokens_issue(user_id: Id, body: TokenCreate, session: SessionDep, actor: CurrentUser) -> TokenIssued:
    """Issue a token for a user (to oneself, or by an admin to anyone)."""
    user = get_user(session=session, user_id=user_id)
    issued = issue_token(
        session=session, actor=actor, user=user, now=utcnow(), days=body.days, name=body.name
    )
    commit(session)
    return _issued(issued.secret, issued.token.id, user, issued.token.expires_at)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def tokens_revoke(token_id: Id, session: SessionDep, actor: CurrentUser) -> TokenPublic:
    """Revoke a token (its owner or an admin); it stops working at once."""
    token = revoke_token(session=session, actor=actor, token_id=token_id, now=utcnow())
    commit(session)
    return TokenPublic.model_validate(token)


@router.post("/users/{user_id}/authorisations", response_model=AuthorisationPublic, status_code=201)
def authorisations_grant(
    user_id: Id,
    body: AuthorisationCreate,
    session: SessionDep,
    actor: Annotated[User, Depends(require_permission("authorisation.write"))],
) -> AuthorisationPublic:
    """Authorise a technician for a procedure over a validity period (manager)."""
    user = get_user(session=session, user_id=user_id)
    auth = grant_authorisation(
        session=session,
        actor=actor,
        user=user,
        procedure_code=body.procedure_code,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        certificate_no=body.certificate_no,
    )
    commit(session)
    return AuthorisationPublic.model_validate(auth)


@router.get("/users/{user_id}/authorisations", response_model=Page[AuthorisationPublic])
def authorisations_list(
    user_id: Id, session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 50
) -> Page[AuthorisationPublic]:
    """A user's authorisations, newest first."""
    from sqlalchemy import func, select

    target = get_user(session=session, user_id=user_id)
    stmt = select(Authorisation).where(Authorisation.user_id == target.id)
    rows = session.scalars(stmt.order_by(Authorisation.id.desc()).offset(offset).limit(limit)).all()
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    return Page[AuthorisationPublic](
        items=[AuthorisationPublic.model_validate(a) for a in rows], total=total, offset=offset, limit=limit
    )
