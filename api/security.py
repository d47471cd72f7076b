"""Passwords (Argon2 via pwdlib), access tokens (JWT, HS256, short-lived) and the limits on
guessing passwords.

Roles: ``viewer`` reads; ``dispatcher`` manages jobs, crews, plans and notices; ``engineer``
manages networks, valves and isolations; ``admin`` manages users and may do everything.
``crew`` is a field crew's account, bound to one crew (``users.crew_id``): it may read its own
day and report on its own jobs through ``/api/field/*`` (the field app), nothing else
(:data:`CREW_PATHS`; docs/field-app.md).

A password check costs a fifth of a second of Argon2 on several threads. It runs on one thread
of its own at a lower CPU priority (:func:`check_password`), one check at a time, so that
sign-ins, wrong or right, cannot take the processor from the requests being served; an
unknown username is checked against a dummy hash, so it takes as long as a known one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import lru_cache
from typing import Any

import jwt
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pwdlib import PasswordHash

ROLES = ("viewer", "dispatcher", "engineer", "admin", "crew")
#: The only routes besides /api/field/* that a crew's token opens (its own token and name).
CREW_PATHS = frozenset({"/api/auth/refresh", "/api/auth/me"})
ALGORITHM = "HS256"

_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bool(_hasher.verify(password, hashed))
    except Exception:  # a malformed hash is a failed login, not a 500
        return False


HASHING_NICE = 10  # the password thread's niceness: the event loop wins the processor
# a refused sign-in (429) is answered after this long: a client hammering on one connection
# is slowed to one refusal a second, instead of a flood that takes the event loop
REFUSAL_DELAY_S = 1.0


def _lower_priority() -> None:
    # Linux keeps a nice value per thread, and Argon2's lane threads inherit it
    with suppress(OSError, AttributeError):  # not Linux, or not allowed: one at a time still
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICE)


@lru_cache(maxsize=1)
def _hashing() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="waterops-password", initializer=_lower_priority
    )


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash with today's parameters of a password nobody knows (for unknown usernames)."""
    return hash_password(secrets.token_urlsafe(32))


def prepare_hashing() -> None:
    """Start the password thread and make the dummy hash there, before the first sign-in."""
    _hashing().submit(dummy_hash)


async def check_password(
    password: str, hashed: str | None, still_allowed: Callable[[], bool] = lambda: True
) -> bool | None:
    """Whether ``password`` matches ``hashed`` (None: an unknown user, checked against the
    dummy hash and always False), on the password thread. None when ``still_allowed`` says no
    once the check's turn has come (the account or address reached its limit meanwhile)."""

    def check() -> bool | None:
        if not still_allowed():
            return None
        if hashed is None:
            verify_password(password, dummy_hash())
            return False
        return verify_password(password, hashed)

    return await asyncio.wrap_future(_hashing().submit(check))


class SignInLimits:
    """Failed sign-ins counted per username and per client address over a moving window
    (the ``limits`` library, in this process's memory). Past either limit, sign-in is refused
    with the seconds to wait, even with the right password; a success clears its account."""

    def __init__(self, per_account: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_account: RateLimitItem = parse(per_account)
        self.per_address: RateLimitItem = parse(per_address)

    def refusal(self, username: str | None, address: str) -> tuple[int, str] | None:
        """(seconds to wait, why) when sign-in is refused now; None when it may be tried.
        Without a username: whether the address alone is refused (before the form is read)."""
        checks = [(self.per_address, ("address", address), "from this address")]
        if username is not None:
            account = (self.per_account, ("account", _account(username)), f"for {username[:64]!r}")
            checks.append(account)
        for item, key, why in checks:
            if not self._limiter.test(item, *key):
                reset = self._limiter.get_window_stats(item, *key).reset_time
                return max(1, math.ceil(reset - time.time())), why
        return None

    def failed(self, username: str, address: str) -> None:
        self._limiter.hit(self.per_address, "address", address)
        self._limiter.hit(self.per_account, "account", _account(username))

    def succeeded(self, username: str) -> None:
        self._limiter.clear(self.per_account, "account", _account(username))


def refusal_detail(seconds: int, why: str) -> str:
    return (
        f"too many failed sign-ins {why}: try again in {seconds} s (or ask an admin to check "
        "the account)"
    )


def _account(username: str) -> str:
    return username[:128]


def client_address(host: str | None) -> str:
    """The key of a client for the limits: its address, or its /64 for IPv6 (one subscriber
    usually holds a whole /64)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def create_token(
    username: str,
    role: str,
    key: str,
    minutes: int,
    signed_in_at: int | None = None,
    generation: int = 0,
) -> tuple[str, int]:
    """A token for ``minutes``; ``signed_in_at`` (epoch seconds, default now) is when the
    password was given: a renewed token keeps it, so a session cannot be renewed for ever.
    ``generation`` is the account's token generation: raising it ends the token."""
    now = dt.datetime.now(dt.UTC)
    payload = {
        "sub": username,
        "role": role,
        "iat": now,
        "exp": now + dt.timedelta(minutes=minutes),
        "auth_time": int(now.timestamp()) if signed_in_at is None else signed_in_at,
        "gen": generation,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), minutes * 60


def decode_token(token: str, key: str) -> dict[str, Any]:
    """The token's claims; raises :class:`jwt.PyJWTError` when invalid or expired."""
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp"]}
    )
    return claims
