"""Responses every router sends the same way: JSON bodies (orjson, NumPy values allowed), map
layers built once and sent gzipped with an ETag, uploads written to disk within a limit, and a
domain error's answer (:func:`refusal`, the one mapping of an :class:`~ops.errors.OpsError`)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

import orjson
from fastapi import HTTPException, Request, UploadFile, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from gis.errors import NetworkError, UnknownPipe, UnknownValve
from ops.errors import Conflict, NotFound, OpsError
from routing import RoutingError


def json_response(
    data: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def refusal(
    exc: OpsError | NetworkError | RoutingError, detail: str | None = None
) -> tuple[int, dict[str, Any]]:
    """A domain error's HTTP status and body, the one place the two are decided (api/app.py
    answers every :class:`OpsError`, gis :class:`NetworkError` and :class:`RoutingError` a
    route raises with it; a route that keeps a refusal, the field app's, stores the same):
    NotFound and an unknown pipe or valve 404, Conflict 409, any other 422; the body is the
    message (``detail``, unless the caller words it) with the refusal's ``code`` and
    ``params``, for the reader's language."""
    code = status.HTTP_422_UNPROCESSABLE_CONTENT
    if isinstance(exc, NotFound | UnknownPipe | UnknownValve):
        code = status.HTTP_404_NOT_FOUND
    elif isinstance(exc, Conflict):
        code = status.HTTP_409_CONFLICT
    body: dict[str, Any] = {"detail": str(exc) if detail is None else detail}
    if exc.code:  # the refusal's key and params, for the console to say in its language
        body["code"] = exc.code
        body["params"] = jsonable_encoder(exc.params)
    overlaps = getattr(exc, "overlaps", None)
    if overlaps:
        code = status.HTTP_409_CONFLICT
        body["overlaps"] = [o.to_dict() for o in overlaps]
    return code, body


class Refused(HTTPException):
    """A refusal about HTTP itself that a route raises (sign-in, a queue's limit, an upload of
    the wrong kind), with a stable ``code`` and its ``params`` like a domain error's: api/app.py
    answers it ``{"detail", "code", "params"}`` (``tests/api/test_route_refusals.py``: a route
    raises no bare HTTPException)."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        code: str,
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        super().__init__(status_code, detail, headers=headers)
        self.code = code
        self.params = params


def http_body(exc: HTTPException) -> dict[str, Any]:
    """The body of an HTTPException's answer: its detail, and a :class:`Refused`'s code and
    params."""
    body: dict[str, Any] = {"detail": exc.detail}
    if isinstance(exc, Refused):
        body["code"] = exc.code
        body["params"] = jsonable_encoder(exc.params)
    return body


def save_upload(upload: UploadFile, target: Path, limit: int) -> str:
    """Write an upload to ``target`` without going over ``limit`` bytes; its SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise HTTPException(
                    status.HTTP_413_CONTENT_TOO_LARGE,
                    f"{upload.filename}: larger than the upload limit of {limit // 2**20} MB "
                    "(setting WATEROPS_MAX_UPLOAD_MB)",
                )
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def geojson_once(
    request: Request, loaded: Any, key: tuple[str, tuple[str, ...]], build: Any, cache: str
) -> Response:
    """A map layer built once per network state and kept gzipped; sent with an ETag (304 when
    the browser has it) and gzipped to clients that take it."""
    body = loaded.map_layers.get(key)
    if body is None:
        body = gzip.compress(orjson.dumps(build()), compresslevel=6, mtime=0)
        loaded.map_layers[key] = body
    tag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    headers = {"ETag": tag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
    else:
        body = gzip.decompress(body)
    return Response(body, media_type="application/geo+json", headers=headers)
