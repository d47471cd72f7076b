"""Responses every router sends the same way: JSON bodies (orjson, NumPy values allowed), map
layers built once and sent gzipped with an ETag, and uploads written to disk within a limit."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

import orjson
from fastapi import HTTPException, Request, UploadFile, status
from fastapi.responses import Response


def json_response(
    data: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


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
