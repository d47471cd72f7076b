"""Passwords (Argon2 via pwdlib) and access tokens (JWT, HS256, short-lived).

Roles: ``viewer`` reads; ``dispatcher`` manages jobs, crews, plans and notices; ``engineer``
manages networks, valves and isolations; ``admin`` manages users and may do everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
from pwdlib import PasswordHash

ROLES = ("viewer", "dispatcher", "engineer", "admin")
ALGORITHM = "HS256"

_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bool(_hasher.verify(password, hashed))
    except Exception:  # a malformed hash is a failed login, not a 500
        return False


def create_token(
    username: str, role: str, key: str, minutes: int, signed_in_at: int | None = None
) -> tuple[str, int]:
    """A token for ``minutes``; ``signed_in_at`` (epoch seconds, default now) is when the
    password was given: a renewed token keeps it, so a session cannot be renewed for ever."""
    now = dt.datetime.now(dt.UTC)
    payload = {
        "sub": username,
        "role": role,
        "iat": now,
        "exp": now + dt.timedelta(minutes=minutes),
        "auth_time": int(now.timestamp()) if signed_in_at is None else signed_in_at,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), minutes * 60


def decode_token(token: str, key: str) -> dict[str, Any]:
    """The token's claims; raises :class:`jwt.PyJWTError` when invalid or expired."""
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp"]}
    )
    return claims
