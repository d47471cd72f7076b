"""Request dependencies: the database session (one transaction per request), the current user,
role checks, and the versions of ``If-Match``."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Header, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy.orm import Session

from api.db.fast import query_one
from api.security import CREW_PATHS, decode_token

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the route returns, and rolls back on error.

    Reads (GET) begin deferred; writes take the write lock at once (SQLite), so concurrent
    writers queue instead of failing half-way.
    """
    state = request.app.state
    factory = state.reader_sessions if request.method in ("GET", "HEAD") else state.sessions
    with factory() as session, session.begin():
        yield session


# scope="function": the transaction commits before the response is sent, so an answer the
# client got is on disk (the default, "request", would commit after sending: a crash in
# between lost acknowledged writes, tests/api/test_crash.py)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    signed_in_at: int = 0  # epoch seconds: when the password was given (renewals keep it)
    generation: int = 0  # the account's token generation (renewals carry it)


USER_SQL = "SELECT role, active, token_generation FROM users WHERE username = :name"


class NotSignedIn(HTTPException):
    """401 with the reason and the way to sign in."""

    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Bearer"})


def authenticate(state: Any, token: str | None) -> CurrentUser:
    """The user a bearer token stands for, or :class:`NotSignedIn`. ``state`` is the app's
    state; this runs on every request (and in front of the app before a body is read), so it
    costs one indexed lookup on a pooled connection once the token's signature is known."""
    if not token:
        raise NotSignedIn(
            "sign in first: POST /api/auth/token with username and password, then send "
            "'Authorization: Bearer <token>'"
        )
    try:
        claims = _claims(token, state.signing_key)
    except jwt.ExpiredSignatureError:
        raise NotSignedIn("the token has expired: sign in again (POST /api/auth/token)") from None
    except jwt.PyJWTError:
        raise NotSignedIn("the token is not valid: sign in again (POST /api/auth/token)") from None
    # a disabled account is refused at once, whatever its token says
    found = query_one(state.reader_engine, USER_SQL, {"name": claims["sub"]})
    if found is None or not found[1]:
        raise NotSignedIn("this account is disabled or no longer exists")
    if int(claims.get("gen", 0)) != int(found[2] or 0):
        raise NotSignedIn(
            "the password of this account was changed (or its sessions were ended) after this "
            "token was issued: sign in again (POST /api/auth/token)"
        )
    signed_in = int(claims.get("auth_time", claims.get("iat", 0)))
    return CurrentUser(str(claims["sub"]), str(found[0]), signed_in, int(found[2] or 0))


async def current_user(
    request: Request, token: Annotated[str | None, Depends(oauth2)]
) -> CurrentUser:
    user = authenticate(request.app.state, token)
    # a crew's account reads its own day and reports through /api/field/* only (its own
    # dependency, api.routes.field): every other route refuses it, whatever role it needs
    if user.role == "crew" and request.url.path not in CREW_PATHS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "a crew's account may only use the field app (/field, /api/field/*)",
        )
    return user


_VERIFIED: OrderedDict[str, dict[str, Any]] = OrderedDict()  # token -> its checked claims


def _claims(token: str, key: str) -> dict[str, Any]:
    """The claims of a token, verified once and then looked up (a signature check costs a
    tenth of an isolation query); the expiry is checked on every use."""
    claims = _VERIFIED.get(token)
    if claims is None or claims.get("_key") != key:
        claims = {**decode_token(token, key), "_key": key}
        _VERIFIED[token] = claims
        if len(_VERIFIED) > 10_000:
            _VERIFIED.popitem(last=False)
    if claims["exp"] <= time.time():
        _VERIFIED.pop(token, None)
        raise jwt.ExpiredSignatureError("expired")
    return claims


def require(*roles: str) -> Callable[..., Awaitable[CurrentUser]]:
    """A dependency that lets only ``roles`` (and admin) through; others get 403."""
    allowed = {*roles, "admin"}

    async def check(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the role {' or '.join(sorted(allowed))}; you are {user.role}",
            )
        return user

    check.roles = allowed  # type: ignore[attr-defined]  # the schema's 403 (api/openapi.py)
    return check


Reader = Annotated[CurrentUser, Depends(current_user)]
Dispatcher = Annotated[CurrentUser, Depends(require("dispatcher"))]
Engineer = Annotated[CurrentUser, Depends(require("engineer"))]
Operator = Annotated[CurrentUser, Depends(require("dispatcher", "engineer"))]
Admin = Annotated[CurrentUser, Depends(require())]


def if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='the version from the ETag of your last GET, e.g. "3"',
        ),
    ] = None,
) -> int:
    """The version the client last saw; an update without it gets 428."""
    if if_match is None:
        raise HTTPException(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "send If-Match with the ETag of your last GET of this resource, so that a change "
            "made meanwhile by someone else is not overwritten",
        )
    text = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(text)
    except ValueError:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f'If-Match {if_match!r} is not a version: use the ETag value, e.g. "3"',
        ) from None


IfMatch = Annotated[int, Depends(if_match)]


def check_version(current: int, expected: int, what: str) -> None:
    if current != expected:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED,
            f"{what} has changed since you read it (version {current}, you sent {expected}): "
            "GET it again and redo your change",
        )


def _plausible_moment(value: dt.datetime) -> dt.datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("a time between the years 2000 and 2100 is expected")
    return value


_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _full_date(value: object) -> object:
    """A day as the schema says (RFC 3339 full-date, YYYY-MM-DD): pydantic's lax date also takes
    "0" (1970-01-01) and a midnight date-time, which the OpenAPI format rejects."""
    if isinstance(value, str) and not _FULL_DATE.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


def _plausible_day(value: dt.date) -> dt.date:
    if not 2000 <= value.year <= 2100:
        raise ValueError("a date between the years 2000 and 2100 is expected")
    return value


# times from clients: ISO 8601, Kaifeng time when without an offset, within this century
When = Annotated[dt.datetime, AfterValidator(_plausible_moment)]
Day = Annotated[dt.date, BeforeValidator(_full_date), AfterValidator(_plausible_day)]
MAX_ID = 2_147_483_647  # ids are 32-bit integers in every database we run on
NetworkId = Annotated[int, Path(ge=1, le=MAX_ID, description="network id")]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID, description="plan id")]
# strict: "1", 1.0 or true are not a network's id (the schema says integer; lax parsing took
# them, and the fuzzing found a schema-violating body accepted)
OptionalId = Annotated[int | None, Field(default=None, ge=1, le=MAX_ID, strict=True)]
# a place in a body, WGS84 degrees; strict: a JSON true is not a number (lax parsing read it as 1,
# and the fuzzing found a schema-violating body accepted). Every number of a body is strict
# (tests/api/test_body_numbers.py).
Lon = Annotated[float, Field(ge=-180, le=180, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, strict=True)]


def etag(version: int) -> dict[str, Any]:
    return {"ETag": f'"{version}"'}


def issuer(request: Request) -> Any:
    """Who signs the notices (:meth:`api.settings.Settings.notice_issuer`, read at start-up)."""
    return request.app.state.issuer


def hotline(request: Request) -> str:
    return str(request.app.state.hotline)


def lead(request: Request) -> dt.timedelta:
    return dt.timedelta(hours=request.app.state.settings.notice_lead_hours)
