"""Sign-in (OAuth2 password flow) and users (admin)."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.db.fast import query_one
from api.db.tables import Crew, User
from api.deps import Admin, Reader, SessionDep
from api.openapi import answers
from api.responses import Refused
from api.security import (
    REFUSAL_DELAY_S,
    SignInLimits,
    check_password,
    client_address,
    create_token,
    hash_password,
    refusal_detail,
)
from ops.errors import Conflict, NotFound, UnknownCrew

router = APIRouter(prefix="/api", tags=["auth"])

Role = Literal["viewer", "dispatcher", "engineer", "admin", "crew"]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: Role


class UserOut(BaseModel):
    username: str
    role: Role
    active: bool
    crew: str | None = None  # a crew's account: the crew it stands for


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Role
    crew: str | None = Field(
        default=None, max_length=64, description="role crew: the crew the account stands for"
    )


class UserChange(BaseModel):
    role: Role | None = None
    crew: str | None = Field(default=None, max_length=64, description="role crew: its crew")
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)


SIGN_IN_SQL = (
    "SELECT username, password_hash, role, active, token_generation FROM users "
    "WHERE username = :name"
)


@router.post(
    "/auth/token",
    summary="sign in: a short-lived bearer token",
    responses=answers(401, 429),  # wrong password; too many failed sign-ins
)
async def sign_in(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Failed sign-ins are limited per username and per client address
    (``WATEROPS_SIGN_IN_ACCOUNT_LIMIT``, ``WATEROPS_SIGN_IN_ADDRESS_LIMIT``): past either,
    429 with ``Retry-After``, even for the right password. Every answer takes the time of one
    password check, whether the username exists or not."""
    state = request.app.state
    limits: SignInLimits = state.sign_in_limits
    address = client_address(request.client.host if request.client else None)
    await _refuse_if_limited(limits, form.username, address)
    found = query_one(state.reader_engine, SIGN_IN_SQL, {"name": form.username})
    ok = await check_password(
        form.password,
        None if found is None else str(found[1]),
        lambda: limits.refusal(form.username, address) is None,
    )
    if ok is None:
        await _refuse_if_limited(limits, form.username, address)
    if not ok or found is None or not found[3]:
        limits.failed(form.username, address)
        raise Refused(
            status.HTTP_401_UNAUTHORIZED,
            "wrong username or password (or the account is disabled)",
            code="sign_in_wrong",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limits.succeeded(form.username)
    username, role, generation = str(found[0]), str(found[2]), int(found[4] or 0)
    token, seconds = create_token(
        username, role, state.signing_key, state.settings.token_minutes, generation=generation
    )
    return Token(access_token=token, expires_in=seconds, role=role)  # type: ignore[arg-type]


async def _refuse_if_limited(limits: SignInLimits, username: str, address: str) -> None:
    refused = limits.refusal(username, address)
    if refused is not None:
        seconds, why = refused
        await asyncio.sleep(REFUSAL_DELAY_S)
        raise Refused(
            status.HTTP_429_TOO_MANY_REQUESTS,
            refusal_detail(seconds, why),
            code="sign_in_limited",
            headers={"Retry-After": str(seconds)},
            seconds=seconds,
        )


@router.post("/auth/refresh", summary="renew a token that has not expired (sliding session)")
def refresh(request: Request, user: Reader) -> Token:
    """A fresh token for the same user, with the role the account has now. A console renews
    while its user is at work; a token left idle expires, and no renewal reaches past
    ``WATEROPS_SESSION_HOURS`` after the password was given (then: sign in again)."""
    settings = request.app.state.settings
    if time.time() - user.signed_in_at > settings.session_hours * 3600:
        raise Refused(
            status.HTTP_401_UNAUTHORIZED,
            f"signed in more than {settings.session_hours:g} h ago: sign in again "
            "(POST /api/auth/token)",
            code="session_too_old",
            headers={"WWW-Authenticate": "Bearer"},
            hours=f"{settings.session_hours:g}",
        )
    token, seconds = create_token(
        user.username,
        user.role,
        request.app.state.signing_key,
        settings.token_minutes,
        signed_in_at=user.signed_in_at,
        generation=user.generation,
    )
    return Token(access_token=token, expires_in=seconds, role=user.role)  # type: ignore[arg-type]


@router.get("/auth/me", summary="who the token belongs to", response_model_exclude_none=True)
def me(user: Reader) -> UserOut:
    return UserOut(username=user.username, role=user.role, active=True)  # type: ignore[arg-type]


@router.get("/users", summary="every user (admin)", response_model_exclude_none=True)
def list_users(_: Admin, session: SessionDep) -> list[UserOut]:
    return [
        UserOut(username=u.username, role=u.role, active=u.active, crew=u.crew_id)  # type: ignore[arg-type]
        for u in session.scalars(select(User).order_by(User.username))
    ]


@router.post(
    "/users", status_code=201, summary="add a user (admin)", response_model_exclude_none=True
)
def add_user(body: UserIn, _: Admin, session: SessionDep) -> UserOut:
    if session.scalar(select(User).where(User.username == body.username)) is not None:
        raise Conflict(
            f"user {body.username!r} exists already: choose another",
            code="user_exists",
            user=body.username,
        )
    crew = _crew_of(session, body.role, body.crew)
    session.add(
        User(
            username=body.username,
            password_hash=hash_password(body.password),
            role=body.role,
            crew_id=crew,
        )
    )
    return UserOut(username=body.username, role=body.role, active=True, crew=crew)


def _crew_of(session: SessionDep, role: str, crew: str | None) -> str | None:
    """The crew a crew's account stands for (it must exist); other roles have none."""
    if role != "crew":
        return None
    if crew is None or session.get(Crew, crew) is None:
        raise UnknownCrew(
            f"a crew's account names its crew (crew): {crew!r} is not one of the crews",
            code="no_crew",
            crew=str(crew),
        )
    return crew


@router.patch(
    "/users/{username}",
    summary="change a user's role, password or access (admin)",
    response_model_exclude_none=True,
)
def change_user(username: str, body: UserChange, admin: Admin, session: SessionDep) -> UserOut:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}", code="not_found", what="user", key=username)
    if username == admin.username and (body.active is False or body.role not in (None, "admin")):
        raise Conflict(
            "you cannot disable or demote yourself: ask another admin", code="admin_self"
        )
    if body.role is not None or body.crew is not None:
        role = body.role or user.role
        user.crew_id = _crew_of(session, role, body.crew or user.crew_id)
        user.role = role
    if body.active is not None:
        if not body.active and user.active:
            user.token_generation += 1  # disabled: its tokens do not come back with it
        user.active = body.active
    if body.password is not None:
        user.password_hash = hash_password(body.password)
        user.token_generation += 1  # a new password ends every token of the old one
    return UserOut(username=user.username, role=user.role, active=user.active, crew=user.crew_id)  # type: ignore[arg-type]
