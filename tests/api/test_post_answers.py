"""The writes of repairs and connections answer what ``/openapi.json`` declares (issue 15):
real answers validate against their models (api/schemas.py), with every declared field, and
each route names its model in the schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas import (
    ConnectionCompletedOut,
    ConnectionOut,
    RepairCancelledOut,
    RepairCaseOut,
    RepairLinkedOut,
)
from tests.api.conftest import START, Service

# until an application is accepted it has no case: these come with the acceptance
ACCEPTED = frozenset(
    {"type_chinese", "filing_only", "free_external_connection", "papers", "jobs", "links", "notes"}
)


def _valid(
    model: type[BaseModel], data: dict[str, Any], may_lack: frozenset[str] = frozenset()
) -> None:
    model.model_validate(data)
    missing = set(model.model_fields) - set(data) - may_lack
    assert not missing, missing


def _declared(service: Service, method: str, path: str, code: str) -> str:
    schema = service.get("/openapi.json").json()
    answer = schema["paths"][path][method]["responses"][code]["content"]["application/json"]
    return str(answer["schema"]["$ref"]).rsplit("/", 1)[1]


def test_repair_writes_answer_as_declared(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    body = {"severity": "burst", "pipe_id": "P000480", "reported_at": "2026-11-26T09:10:00"}
    created = service.post("/api/repairs", json=body)
    assert created.status_code == 201, created.text
    _valid(RepairCaseOut, created.json())
    assert "status" not in created.json()  # as before: the case, not where the ticket stands
    ticket = created.json()["ticket"]

    linked = service.post("/api/repairs", json={**body, "description": "the same burst"})
    assert linked.status_code == 200, linked.text
    assert linked.json()["ticket"] == ticket and linked.json()["linked"] is True
    _valid(RepairLinkedOut, linked.json(), frozenset({"cancelled"}))

    cancelled = service.post(f"/api/repairs/{ticket}/cancel", json={"reason": "a duplicate"})
    assert cancelled.status_code == 200, cancelled.text
    _valid(RepairCancelledOut, cancelled.json())
    assert cancelled.json()["cancelled_jobs"] and cancelled.json()["status"] == "cancelled"

    assert _declared(service, "post", "/api/repairs", "201") == "RepairCaseOut"
    assert _declared(service, "post", "/api/repairs", "200") == "RepairLinkedOut"
    cancel = "/api/repairs/{ticket}/cancel"
    assert _declared(service, "post", cancel, "200") == "RepairCancelledOut"


def test_connection_writes_answer_as_declared(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    here = {"lon": 114.36, "lat": 34.80, "type": "general_construction"}
    here |= {"dn_mm": 100, "line_length_m": 80}
    received = service.post(
        "/api/connections",
        json={
            "customer": "Answers Ltd",
            "accept": False,
            "channel": "wechat",
            "papers_missing": True,
            **here,
        },
    )
    assert received.status_code == 201, received.text
    _valid(ConnectionOut, received.json(), ACCEPTED)
    app_id = received.json()["application"]

    accepted = service.post(f"/api/connections/{app_id}/accept", json={})
    assert accepted.status_code == 200, accepted.text
    _valid(ConnectionOut, accepted.json())
    papers = service.post(f"/api/connections/{app_id}/papers", json={})
    assert papers.status_code == 200, papers.text
    _valid(ConnectionOut, papers.json())
    assert papers.json()["papers_completed_at"]
    done = service.post(f"/api/connections/{app_id}/complete", json={})
    assert done.status_code == 200, done.text
    _valid(ConnectionCompletedOut, done.json())
    assert done.json()["follow_up"]["application"] == app_id

    assert _declared(service, "post", "/api/connections", "201") == "ConnectionOut"
    for step, model in (
        ("accept", "ConnectionOut"),
        ("papers", "ConnectionOut"),
        ("complete", "ConnectionCompletedOut"),
    ):
        assert _declared(service, "post", f"/api/connections/{{app_id}}/{step}", "200") == model
