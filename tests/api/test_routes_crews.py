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
    body = {"skills": ["meter", "valve"], "depot_lon": 114.35, "depot_lat": 34.8}
    assert (
        service.put("/api/crews/extra-01", json=body, headers={"If-Match": etag}).status_code == 200
    )
    assert (
        service.put("/api/crews/extra-01", json=body, headers={"If-Match": etag}).status_code == 412
    )
