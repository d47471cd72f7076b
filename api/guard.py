"""In front of the app: request bodies are capped, and a body sent to a route that needs a
token is refused before any of it is read when the token is missing or not valid.

Without this an anonymous ``POST /api/networks`` of 2 GB was spooled to disk in full before
its 401, and an upload over the limit got its 413 only once all of it had arrived: FastAPI
reads (and parses) a body before it runs the dependencies that check the caller.

Limits (see docs/service.md): a file upload route ``WATEROPS_MAX_UPLOAD_MB`` for the whole
request (and a MiB for the form around the files); any other signed-in route
``WATEROPS_MAX_BODY_KB``; a public route (the sign-in form) :data:`PUBLIC_BODY_BYTES`. A
``Content-Length`` over the limit is answered at once; a chunked body is counted as it comes
and cut off at the limit. A sign-in from an address past its limit of failed sign-ins is
answered 429 here too, a second late (:data:`~api.security.REFUSAL_DELAY_S`), before FastAPI
parses the form.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import authenticate
from api.security import REFUSAL_DELAY_S, client_address, refusal_detail

PUBLIC_BODY_BYTES = 64 * 1024  # the sign-in form, and anything sent to a public route
FORM_MARGIN_BYTES = 1 << 20  # the multipart framing and the small fields beside the files
PUBLIC_API = frozenset({"/api/auth/token"})  # the one /api/ route without a token


class BodyTooLarge(HTTPException):
    """413; raised while the body is read, so that FastAPI answers it like any HTTPException."""

    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail)


class RequestGuard:
    """ASGI middleware: authenticate before the body, and cap the body (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._uploads: list[tuple[str, re.Pattern[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: int | None = None
        streamed = False
        authorization = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _answer(send, 400, "Content-Length is not a number of bytes")
                    return
            elif name == b"transfer-encoding":
                streamed = True
            elif name == b"authorization":
                authorization = value
        if not streamed and not length:  # no body (every GET): nothing to guard
            await self.app(scope, receive, send)
            return

        state = scope["app"].state
        path: str = scope["path"]
        needs_token = path.startswith("/api/") and path not in PUBLIC_API
        if needs_token:
            scheme, _, token = authorization.decode("latin-1").partition(" ")
            try:
                authenticate(state, token.strip() if scheme.lower() == "bearer" else None)
            except HTTPException as refused:
                await _answer(send, refused.status_code, str(refused.detail), refused.headers)
                return
        limit, what = self._limit(scope, state.settings, needs_token)
        too_large = (
            f"the request body is larger than {what}: send less, or ask for the limit to be raised"
        )
        if length is not None and length > limit:
            await _answer(send, 413, too_large)
            return
        if path in PUBLIC_API and await _refused_sign_in(scope, receive, send, limit):
            return

        received = 0
        started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(too_large)
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_tracked)
        except BodyTooLarge as exc:  # read outside FastAPI's body parsing
            if started:
                raise
            await _answer(send, 413, str(exc.detail))

    def _limit(self, scope: Scope, settings: Any, signed_in: bool) -> tuple[int, str]:
        if not signed_in:
            return PUBLIC_BODY_BYTES, f"{PUBLIC_BODY_BYTES // 1024} KB (a public route)"
        method, path = scope["method"], scope["path"]
        if any(m == method and p.fullmatch(path) for m, p in self._upload_routes(scope)):
            return (
                settings.max_upload_bytes + FORM_MARGIN_BYTES,
                f"the upload limit of {settings.max_upload_mb:g} MB (setting "
                "WATEROPS_MAX_UPLOAD_MB)",
            )
        return (
            settings.max_body_bytes,
            f"{settings.max_body_kb:g} KB (setting WATEROPS_MAX_BODY_KB; files go to the "
            "upload routes)",
        )

    def _upload_routes(self, scope: Scope) -> list[tuple[str, re.Pattern[str]]]:
        """The routes that take files (a multipart body in the OpenAPI schema), found once."""
        if self._uploads is None:
            self._uploads = []
            for path, operations in scope["app"].openapi().get("paths", {}).items():
                for method, operation in operations.items():
                    content = operation.get("requestBody", {}).get("content", {})
                    if "multipart/form-data" in content:
                        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
                        self._uploads.append((method.upper(), re.compile(pattern)))
        return self._uploads


async def _refused_sign_in(scope: Scope, receive: Receive, send: Send, limit: int) -> bool:
    """An address past its limit of failed sign-ins gets its 429 here, without FastAPI reading
    the form: a flood of refused guesses costs the event loop as little as it can."""
    limits = scope["app"].state.sign_in_limits
    client = scope.get("client")
    refused = limits.refusal(None, client_address(client[0] if client else None))
    if refused is None:
        return False
    received, more = 0, True
    while more:  # the small form is read (and dropped), so that the connection stays usable
        message = await receive()
        if message["type"] != "http.request":
            return True
        received += len(message.get("body", b""))
        more = message.get("more_body", False)
        if received > limit:
            await _answer(send, 413, "the sign-in form is larger than a sign-in form")
            return True
    seconds, why = refused
    await asyncio.sleep(REFUSAL_DELAY_S)
    await _answer(send, 429, refusal_detail(seconds, why), {"Retry-After": str(seconds)}, True)
    return True


async def _answer(
    send: Send,
    code: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    body_read: bool = False,
) -> None:
    """A JSON error; sent before the body was read, the connection is closed after it (the
    rest of the body is never read)."""
    body = orjson.dumps({"detail": detail})
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    if not body_read:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": body})
