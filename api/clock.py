"""The service's one clock. Every time the service stores or decides on — a job's history, a
notice's publication, the earliest start of new work — is read here, so a test or a demo that
sets ``app.state.clock`` moves all of them together (a history stamped by the wall clock beside
an earliest start stamped by the app's clock would disagree as soon as the two differ)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from ops.calendar import TZ

CLOCK: ContextVar[Callable[[], dt.datetime] | None] = ContextVar("clock", default=None)


def now_utc() -> dt.datetime:
    """Now, aware, from the app's clock when one is set (the default of stored timestamps)."""
    clock = CLOCK.get()
    if clock is None:
        return dt.datetime.now(dt.UTC)
    return local_aware(clock()).astimezone(dt.UTC)


def now_local() -> dt.datetime:
    """Now in Kaifeng, to the second, from the app's clock (tests and demos set one)."""
    return now_utc().astimezone(TZ).replace(microsecond=0)


def local_aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


class DemoClock:
    """A clock that starts at ``start`` (Kaifeng time) and runs at the real pace: a demo or a
    browser test of a chosen day (the year end, a holiday) on a running server."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = local_aware(start) - dt.datetime.now(TZ)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(TZ) + self.offset


class ClockMiddleware:
    """Makes ``app.state.clock`` (when set) the clock of every request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        clock = getattr(scope["app"].state, "clock", None) if "app" in scope else None
        if clock is None:
            await self.app(scope, receive, send)
            return
        token = CLOCK.set(clock)
        try:
            await self.app(scope, receive, send)
        finally:
            CLOCK.reset(token)
