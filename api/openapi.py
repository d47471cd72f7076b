"""What ``/openapi.json`` says each route answers, derived in one place from what it depends on.

FastAPI documents a route's success and, for a route with parameters, a 422 in its own shape
(``detail`` as a list) that this service never sends. Here every route gets the error answers it
can give, all in the one error shape the handlers of ``api/app.py`` send (:class:`Problem`), from
its dependencies and parameters:

- signed-in (``current_user``): 401; a role check (``require``): 403;
- ``IfMatch``: 428 (none sent), 400 (not a version), 412 (stale), and the header is *required*;
- ``Idempotency-Key``: 400 (too long) and 422 (the same key for another request);
- a path parameter naming something stored: 404; a network reference (``network_id`` in the
  path, the query or the body): 404 and 409 (it did not pass validation);
- a request body: 400 (unreadable), 413 (``api/guard.py``) and 422, as does any parameter;
  a write (a non-GET route with a session): 409 (a duplicate, a reference to nothing, or a step
  its state does not allow);
- what a route declares itself with ``responses=answers(...)``: the rest (409 of a read, 429).

Files that are not JSON say their media type: by the path's suffix (``.csv``, ``.xlsx`` ...), or
with ``answers(media=...)`` on the route.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from api.deps import current_user, get_session, if_match


class FieldProblem(BaseModel):
    """One field of a request that did not validate."""

    loc: list[str | int] = Field(description="where: body, query, path or header, then the name")
    msg: str
    type: str


class Problem(BaseModel):
    """Every error answer: ``detail`` says what is wrong and what to do."""

    model_config = ConfigDict(extra="allow")

    detail: str = Field(description="what is wrong and what to do about it")
    errors: list[FieldProblem] | None = Field(
        default=None, description="422 of a request that did not validate: each field's problem"
    )
    code: str | None = Field(
        default=None,
        description="a refusal of a rule (409, 422, 404): its stable key, the same in every "
        "language (job_transition, not_approved …); a client says it in its reader's language "
        "with params, and shows detail for a code it does not know",
    )
    params: dict[str, Any] | None = Field(
        default=None, description="with code: the values its words are filled with"
    )


WHY = {
    304: "not modified: the version you have (If-None-Match) is current",
    400: "malformed: If-Match not a version, Idempotency-Key too long, or a body that cannot "
    "be read (not UTF-8)",
    401: "not signed in, or the token has expired or was ended",
    403: "the signed-in role may not do this",
    404: "what the path (or a reference in the request) names does not exist",
    409: "conflicts with what is stored, or the resource's state does not allow it",
    412: "changed since you read it (If-Match is stale): GET it again",
    413: "the request body is over the limit",
    415: "the file type is not one this route reads",
    422: "the request is not valid: detail (and errors) say which field and why",
    428: "If-Match is required: send the ETag of your last GET",
    429: "too many requests: wait Retry-After seconds",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
}
# a version as ETag gives it: "3", W/"3" or 3
IF_MATCH = {"type": "string", "pattern": '^(W/)?"?[0-9]{1,18}"?$'}
# path parameters that are values, not the name of something stored
NOT_STORED = frozenset({"year", "layer"})
MEDIA_BY_SUFFIX = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".atom": "application/atom+xml",
    ".cap": "application/cap+xml",
    ".ics": "text/calendar",
    ".txt": "text/plain",
}
ANSWERS_KEY = "x-waterops-answers"  # marks what a route declared itself


def answers(*codes: int, media: Iterable[str] = ()) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: error codes it gives beyond those derived from its
    dependencies, and the media types of its success answer when it is not JSON only."""
    out: dict[int | str, dict[str, Any]] = {code: {"description": WHY[code]} for code in codes}
    types = list(media)
    if types:
        out["2XX"] = {ANSWERS_KEY: types}
    return out


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` tell the truth about the routes' answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _amend(app, generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _amend(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    defs = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(defs.pop("$defs", {}))
    components["Problem"] = defs
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    # included routers stay nested in app.routes (FastAPI 0.120+): walk them as FastAPI does
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path = str(route.path_format)
        for method in route.methods or ():
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            success = next((c for c in sorted(responses) if c.startswith("2")), None)
            media = list(responses.pop("2XX", {}).get(ANSWERS_KEY, []))
            suffix = next((s for s in MEDIA_BY_SUFFIX if path.endswith(s)), None)
            if suffix and not media:
                media = [MEDIA_BY_SUFFIX[suffix]]
            if success and media:
                responses[success]["content"] = {m: {} for m in media}
            for code in sorted(_error_codes(route, method)):
                answer = responses.setdefault(str(code), {})
                answer["description"] = WHY[code]
                answer["content"] = problem
                if code in HEADERS:
                    answer["headers"] = HEADERS[code]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter["name"] == "If-Match":
                    parameter["required"] = True
                    parameter["schema"] = IF_MATCH
    return schema


def _error_codes(route: Any, method: str) -> set[int]:
    calls = set(_calls(route.dependant))
    codes = {int(c) for c in route.responses if str(c).isdigit() and int(c) >= 400}
    if current_user in calls:
        codes.add(401)
    if any(getattr(call, "roles", None) for call in calls):
        codes.add(403)
    if if_match in calls:
        codes |= {400, 412, 428}
    headers = {p.alias for p in _all(route.dependant, "header_params")}
    if "Idempotency-Key" in headers:
        codes |= {400, 422}
    paths = {p.name for p in _all(route.dependant, "path_params")}
    if paths - NOT_STORED:
        codes.add(404)
    if "network_id" in paths | _names(route):
        codes |= {404, 409}
    if route.body_field is not None:
        codes |= {400, 413, 422}  # 400: FastAPI cannot read it (bytes that are not UTF-8)
    if paths or headers or _all(route.dependant, "query_params"):
        codes.add(422)
    if get_session in calls and method not in ("GET", "HEAD"):
        codes.add(409)  # a write: IntegrityError (api/app.py), or a step its state forbids
    return codes


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _all(dependant: Dependant, kind: str) -> list[Any]:
    found = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        found.extend(_all(sub, kind))
    return found


def _names(route: Any) -> set[str]:
    """The query parameters' names and the body's top-level fields."""
    names = {p.name for p in _all(route.dependant, "query_params")}
    for field in _all(route.dependant, "body_params"):
        names.add(field.name)
        model = getattr(field.field_info, "annotation", None)
        names.update(getattr(model, "model_fields", {}))
    return names
