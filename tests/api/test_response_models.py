"""The answers for jobs, outages and plans are what ``/openapi.json`` declares (api/schemas.py):
real answers of a repair's chain validate against the models, with every declared field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas import (
    ConnectionDetailOut,
    ConnectionOut,
    CrewJobOut,
    IntakeListOut,
    JobOut,
    JobWithHistoryOut,
    OutageOut,
    PlanOut,
    PlanResultOut,
    PublishedPlanOut,
    RepairOut,
)
from tests.api.conftest import START, Service, publish, wait_for_plan
from tests.api.test_field_reports import crew_auth

# a plan's own answer has its result, a listing the summary, the short answers neither
ONE_OF = frozenset({"result", "summary"})


def _valid(model: type[BaseModel], data: dict[str, Any], may_lack: frozenset[str] = ONE_OF) -> None:
    model.model_validate(data)
    missing = set(model.model_fields) - set(data) - may_lack
    assert not missing, missing


def test_job_and_outage_answers_are_the_declared_ones(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    body = {"severity": "burst", "pipe_id": "P000153", "reported_at": "2026-11-26T09:10:00"}
    r = service.post("/api/repairs", json=body)
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    jobs = service.get("/api/jobs", params={"source": ticket}).json()
    assert jobs
    for job in jobs:
        _valid(JobOut, job)
    url = f"/api/jobs/{jobs[0]['id']}"
    changed = service.post(
        f"{url}/status",
        json={"status": "assigned", "crew": "valve-01", "note": "sent"},
        headers={"If-Match": service.get(url).headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    _valid(JobOut, changed.json())
    one = service.get(url).json()
    _valid(JobWithHistoryOut, one)
    assert [h["status"] for h in one["history"]] == ["open", "assigned"]
    # the crew's own view of it in the field app, with the valve and the repair
    mine = service.client.get(f"/api/field/jobs/{jobs[0]['id']}", headers=crew_auth(service))
    assert mine.status_code == 200, mine.text
    _valid(
        CrewJobOut, mine.json(), frozenset() if jobs[0]["valve"] else frozenset({"valve_detail"})
    )
    assert mine.json()["repair"]["ticket"] == ticket
    _valid(RepairOut, service.get(f"/api/repairs/{ticket}").json(), frozenset({"cancelled"}))
    for repair in service.get("/api/repairs").json():
        _valid(RepairOut, repair, frozenset({"cancelled"}))

    r = service.post(f"/api/outages/from-repair/{ticket}", json={})
    assert r.status_code == 201, r.text
    _valid(OutageOut, r.json())
    assert r.json()["content"]["tanker_points"]  # the hospital's tanker: a declared shape
    published = service.post(
        f"/api/outages/{r.json()['id']}/publish", json={}, headers={"If-Match": r.headers["etag"]}
    )
    assert published.status_code == 200, published.text
    _valid(OutageOut, published.json())
    for outage in service.get("/api/outages").json():
        _valid(OutageOut, outage)


PLAN_PATHS = ("", "/{plan_id}", "/{plan_id}/stop", "/{plan_id}/publish", "/{plan_id}/replan")


def test_every_plan_answer_is_declared_in_the_schema(service: Service) -> None:
    paths = service.get("/openapi.json").json()["paths"]
    declared = {
        (method, path): next(iter(op["responses"].get(code, {}).get("content", {}).values()), {})
        for path in (f"/api/plans{p}" for p in PLAN_PATHS)
        for method, op in paths[path].items()
        for code in ("200", "202")
        if code in op["responses"]
    }
    assert len(declared) == 6, declared.keys()  # create, list, get, stop, publish, re-plan
    for where, content in declared.items():
        assert content.get("schema"), f"{where} declares no body"


def test_plan_answers_are_the_declared_ones(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    body = {"severity": "burst", "pipe_id": "P000153", "reported_at": "2026-11-26T09:10:00"}
    assert service.post("/api/repairs", json=body).status_code in (200, 201)  # once per pipe
    r = service.post(
        "/api/plans", json={"day": "2026-11-26", "seconds": 3, "now": "2026-11-26T09:10:00"}
    )
    assert r.status_code == 202, r.text
    _valid(PlanOut, r.json())
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    _valid(PlanOut, plan, frozenset({"summary"}))
    _valid(PlanResultOut, plan["result"])
    stops = [s for route in plan["result"]["routes"] for s in route["stops"]]
    assert stops and any(s["ticket"] for s in stops)
    listed = service.get("/api/plans").json()
    for row in listed:
        _valid(PlanOut, row)
    assert any(row.get("summary") for row in listed)
    published = publish(service, f"/api/plans/{plan['id']}/publish", f'"{plan["version"]}"')
    assert published.status_code == 200, published.text
    _valid(PublishedPlanOut, published.json())
    assert published.json()["jobs_assigned"] > 0

    service.clock.now = START.replace(hour=11)
    r = service.post(f"/api/plans/{plan['id']}/replan", json={"now": "2026-11-26T11:00:00"})
    assert r.status_code == 202, r.text
    _valid(PlanOut, r.json())
    stopped = service.post(f"/api/plans/{r.json()['id']}/stop")
    assert stopped.status_code == 200, stopped.text
    _valid(PlanOut, stopped.json())
    replanned = wait_for_plan(service, r.json()["id"])
    _valid(PlanOut, replanned)
    if replanned["result"] is not None:
        _valid(PlanResultOut, replanned["result"])


# until an application is accepted it has no case: these come with the acceptance
ACCEPTED = frozenset(
    {"type_chinese", "filing_only", "free_external_connection", "papers", "jobs", "links", "notes"}
)


def test_connection_answers_are_the_declared_ones(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    here = {"lon": 114.36, "lat": 34.80}
    accepted = service.post(
        "/api/connections", json={"type": "pre_other", "customer": "Declared Ltd", **here}
    )
    assert accepted.status_code == 201, accepted.text
    _valid(ConnectionOut, accepted.json(), frozenset())
    received = service.post(
        "/api/connections",
        json={
            "type": "pre_other",
            "customer": "Waiting Ltd",
            "channel": "wechat",
            "accept": False,
            **here,
        },
    )
    assert received.status_code == 201, received.text
    assert received.json()["status"] == "received"
    _valid(ConnectionOut, received.json(), ACCEPTED)
    for app, may_lack in ((accepted.json(), frozenset()), (received.json(), ACCEPTED)):
        one = service.get(f"/api/connections/{app['application']}").json()
        _valid(ConnectionDetailOut, one, may_lack)
    for app in service.get("/api/connections").json():
        _valid(ConnectionOut, app, ACCEPTED)
    intake = service.get("/api/connections/intake").json()
    _valid(IntakeListOut, intake, frozenset())
    assert received.json()["application"] in [a["application"] for a in intake["waiting"]]


DECLARED = {  # path: a field its 200 answer's schema names
    "/api/field/jobs/{job_id}": "repair",
    "/api/outages/{outage_id}/overlaps": "extra_customers",
    "/api/repairs": "ticket",
    "/api/repairs/{ticket}": "ticket",
    "/api/connections": "application",
    "/api/connections/intake": "waiting",
    "/api/connections/{app_id}": "deadline_history",
}


def test_job_repair_and_connection_reads_are_declared_in_the_schema(service: Service) -> None:
    schema = service.get("/openapi.json").json()

    def properties(node: dict[str, Any]) -> dict[str, Any]:
        node = node.get("items", node)  # a list of them
        ref = node.get("$ref", "")
        if ref:
            node = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return dict(node.get("properties", {}))

    for path, field in DECLARED.items():
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert field in properties(content["application/json"]["schema"]), path
