"""The answers for jobs and outages are what ``/openapi.json`` declares (api/schemas.py):
real answers of a repair's chain validate against the models, with every declared field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas import JobOut, JobWithHistoryOut, OutageOut
from tests.api.conftest import START, Service


def _valid(model: type[BaseModel], data: dict[str, Any]) -> None:
    model.model_validate(data)
    assert set(model.model_fields) <= set(data), set(model.model_fields) - set(data)


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
