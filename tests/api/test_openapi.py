"""The OpenAPI schema declares what the routes answer (issue 12 item 16; ``api/openapi.py``).

The live check is ``tests/api/test_fuzz.py`` (schemathesis as every role); these are the
schema's own promises, read without a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return create_app(Settings(data_dir=Path(tmp_path_factory.mktemp("schema")))).openapi()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in schema["paths"].items() for m, op in ops.items()]


def test_every_error_answer_has_the_one_shape_the_handlers_send(schema: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(schema)  # FastAPI's detail-as-a-list
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["properties"]["detail"]["type"] == "string"
    assert problem["required"] == ["detail"]
    for method, path, op in operations(schema):
        for code, answer in op["responses"].items():
            if code >= "400":
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Problem"), (method, path, code)


def test_answers_follow_from_what_a_route_depends_on(schema: dict[str, Any]) -> None:
    with_if_match = 0
    for method, path, op in operations(schema):
        codes = set(op["responses"])
        public = path.startswith("/public") or path in ("/healthz", "/api/auth/token")
        assert ("401" in codes) != public or path == "/api/auth/token", (method, path)
        headers = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}
        if "If-Match" in headers:
            with_if_match += 1
            assert headers["If-Match"]["required"], (method, path)
            assert {"400", "412", "428"} <= codes, (method, path)
        if "Idempotency-Key" in headers:
            assert {"400", "422"} <= codes, (method, path)
        if "{" in path and "/years/" not in path:
            assert "404" in codes, (method, path)
        if "requestBody" in op:
            assert {"413", "422"} <= codes, (method, path)
    assert with_if_match >= 7  # job status, crews, plan publish, the outage lifecycle (4)


def test_roles_403_and_route_declarations(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert "403" in paths["/api/users"]["get"]["responses"]
    assert "403" not in paths["/api/auth/me"]["get"]["responses"]  # any signed-in user
    assert {"401", "429"} <= set(paths["/api/auth/token"]["post"]["responses"])
    assert "429" in paths["/api/plans"]["post"]["responses"]
    assert "415" in paths["/api/networks"]["post"]["responses"]
    sheets = paths["/api/plans/{plan_id}/sheets.csv"]["get"]["responses"]
    assert "409" in sheets and list(sheets["200"]["content"]) == ["text/csv"]
    notice = paths["/api/outages/{outage_id}/notice"]["get"]["responses"]["200"]["content"]
    assert "application/cap+xml" in notice and "text/calendar" in notice
    assert "WWW-Authenticate" in paths["/api/jobs"]["get"]["responses"]["401"]["headers"]


DECLARED_GROUPS = ("plans", "outages", "jobs", "repairs", "connections", "leak-surveys")


def test_every_read_and_write_of_the_work_declares_its_answer(schema: dict[str, Any]) -> None:
    """Every GET and POST of plans, outages, jobs, repairs, connections and leak surveys names
    what it answers (issue 15): a JSON answer its schema, a file its media type; each alternative
    success (a repair linked to an open ticket's break: 200) too."""
    undeclared, seen = [], 0
    for method, path, op in operations(schema):
        group = path.removeprefix("/api/").split("/")[0]
        if method not in ("GET", "POST") or group not in DECLARED_GROUPS:
            continue
        for code, answer in op["responses"].items():
            if not "200" <= code < "300":
                continue
            seen += 1
            content = answer.get("content", {})
            files = [media for media in content if media != "application/json"]
            if not content or not (files or content["application/json"].get("schema")):
                undeclared.append(f"{method} {path} {code}")
    assert seen >= 43, seen  # every such route's answers (two of POST /api/repairs)
    assert not undeclared, "declare response_model (api/schemas.py):\n" + "\n".join(undeclared)
