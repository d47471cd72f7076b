"""Crews (api/routes/crews.py), end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


def test_crews(service: Service) -> None:
    crews = service.get("/api/crews").json()
    assert {c["id"] for c in crews} >= {"valve-01", "repair-01", "tanker-01"}
    r = service.post(
        "/api/crews",
        json={
            "id": "night-01",
            "skills": ["valve"],
            "depot_lon": 114.35,
            "depot_lat": 34.8,
            "shift_start": "17:00",
            "shift_end": "08:00",
        },
    )
    assert r.status_code == 422 and "shift_end" in r.json()["detail"]
    r = service.post(
        "/api/crews",
        json={"id": "extra-01", "skills": ["meter"], "depot_lon": 114.35, "depot_lat": 34.8},
    )
    assert r.status_code == 201
    etag = r.headers["etag"]
    # the same id again: a domain Conflict, answered 409 by api/app.py's one mapping
    again = service.post(
        "/api/crews",
        json={"id": "extra-01", "skills": ["valve"], "depot_lon": 114.35, "depot_lat": 34.8},
    )
    assert again.status_code == 409
    assert again.json()["detail"].startswith("crew extra-01 exists already")
    body = {"skills": ["meter", "valve"], "depot_lon": 114.35, "depot_lat": 34.8}
    assert (
        service.put("/api/crews/extra-01", json=body, headers={"If-Match": etag}).status_code == 200
    )
    assert (
        service.put("/api/crews/extra-01", json=body, headers={"If-Match": etag}).status_code == 412
    )


def test_a_crew_read_is_a_crew_sent_back(service: Service) -> None:
    """GET and PUT have one shape: what GET returns, changed and sent back, is what GET
    returns next (the depot as [lon, lat] both ways)."""
    r = service.get("/api/crews/valve-01")
    assert r.status_code == 200
    crew = r.json()
    crew["depot"] = [crew["depot"][0] + 0.01, crew["depot"][1] - 0.01]
    crew["skills"] = sorted({*crew["skills"], "meter"})
    crew["shift_end"] = "16:30"
    put = service.put("/api/crews/valve-01", json=crew, headers={"If-Match": r.headers["etag"]})
    assert put.status_code == 200, put.text
    again = service.get("/api/crews/valve-01").json()
    assert again == {**crew, "version": crew["version"] + 1}
    assert again == put.json()
    listed = {c["id"]: c for c in service.get("/api/crews").json()}
    assert listed["valve-01"] == again


def test_the_old_depot_fields_still_work_and_must_agree(service: Service) -> None:
    r = service.get("/api/crews/repair-01")
    crew = r.json()
    old = {k: v for k, v in crew.items() if k not in ("id", "version", "depot")}
    old["depot_lon"], old["depot_lat"] = 114.33, 34.79
    put = service.put("/api/crews/repair-01", json=old, headers={"If-Match": r.headers["etag"]})
    assert put.status_code == 200, put.text
    assert put.json()["depot"] == [114.33, 34.79]
    etag = put.headers["etag"]
    both = {**old, "depot": [114.0, 34.0]}
    r = service.put("/api/crews/repair-01", json=both, headers={"If-Match": etag})
    assert r.status_code == 422 and "disagree" in r.text
    r = service.put("/api/crews/repair-01", json={"skills": ["pipe"]}, headers={"If-Match": etag})
    assert r.status_code == 422 and "depot" in r.text
    r = service.post("/api/crews", json={"id": "extra-02", "skills": ["meter"], "depot": [200, 34]})
    assert r.status_code == 422
    schema = service.client.get("/openapi.json").json()["components"]["schemas"]["CrewIn"]
    assert schema["properties"]["depot_lon"]["deprecated"] is True
