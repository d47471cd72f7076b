"""Work (api/routes/work.py): connections, repairs, leak surveys and the job status
machine, end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from api.db import tables as t
from api.schemas import JobOut
from gis.network import Network
from tests.api.conftest import START, Service

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


def test_connection_deadline_jobs_and_status_changes(service: Service) -> None:
    r = service.post(
        "/api/connections",
        json={
            "type": "general_construction",
            "customer": "Zhang San",
            "lon": 114.36,
            "lat": 34.80,
            "accepted_at": "2026-09-30T16:00:00",
            "dn_mm": 100,
            "line_length_m": 80,
            "papers_missing": True,
        },
    )
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["deadline"]["due"] == "2026-10-08T16:00:00+08:00"
    assert app["papers"]["due"] == "2026-10-05T16:00:00+08:00"
    jobs = service.get("/api/jobs", params={"source": app["application"]}).json()
    assert [j["kind"] for j in jobs] == ["valve opening", "meter installation", "survey"] or {
        j["kind"] for j in jobs
    } == {"survey", "meter installation", "valve opening"}
    job = service.get(f"/api/jobs/{jobs[0]['id']}")
    etag = job.headers["etag"]
    url = f"/api/jobs/{jobs[0]['id']}/status"
    assert service.post(url, json={"status": "assigned"}).status_code == 428
    ok = service.post(
        url, json={"status": "assigned", "crew": "meter-01"}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.json()["crew"] == "meter-01"
    stale = service.post(url, json={"status": "en_route"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and "changed" in stale.json()["detail"]
    fresh = ok.headers["etag"]
    done = service.post(
        url, json={"status": "done", "note": "water on"}, headers={"If-Match": fresh}
    )
    assert done.status_code == 200
    again = service.post(url, json={"status": "open"}, headers={"If-Match": done.headers["etag"]})
    assert again.status_code == 409
    history = service.get(f"/api/jobs/{jobs[0]['id']}").json()["history"]
    assert [h["status"] for h in history] == ["open", "assigned", "done"]
    assert all(h["by"] == "dispatcher" for h in history)
    # bad input names the field
    r = service.post(
        "/api/connections", json={"type": "garden", "customer": "x", "lon": 1, "lat": 1}
    )
    assert r.status_code == 422 and "type" in r.json()["detail"]
    r = service.post(
        "/api/connections",
        json={"type": "meter_retrofit", "customer": "x", "lon": 114.3, "lat": 34.8},
    )
    assert r.status_code == 422 and "--dn" in r.json()["detail"]


def test_idempotent_creation(service: Service) -> None:
    body = {"type": "pre_consultation", "customer": "Repeat Ltd", "lon": 114.35, "lat": 34.79}
    key = {"Idempotency-Key": "app-repeat-1"}
    a = service.post("/api/connections", json=body, headers=key)
    b = service.post("/api/connections", json=body, headers=key)
    assert a.status_code == b.status_code == 201
    assert a.json()["application"] == b.json()["application"]
    assert b.headers.get("idempotent-replayed") == "true"
    listed = [x for x in service.get("/api/connections").json() if x["customer"] == "Repeat Ltd"]
    assert len(listed) == 1


def test_idempotency_keys_belong_to_one_request(service: Service) -> None:
    key = {"Idempotency-Key": "repair-once"}
    first = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000300"}, headers=key
    )
    assert first.status_code == 201
    other = service.post(
        "/api/repairs", json={"severity": "minor_leak", "pipe_id": "P000400"}, headers=key
    )
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    again = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000300"}, headers=key
    )
    assert again.status_code == 201 and again.json()["ticket"] == first.json()["ticket"]
    assert again.headers["location"] == first.headers["location"]


def test_times_are_stored_as_they_happened(service: Service) -> None:
    service.clock.now = START.replace(hour=15, minute=42)
    try:
        r = service.post("/api/leak-surveys", json={"lon": 114.35, "lat": 34.8, "area": "Gulou"})
        job = service.get(f"/api/jobs/{r.json()['id']}").json()
    finally:
        service.clock.now = START
    assert job["history"][0]["at"].startswith("2026-11-26T") and job["history"][0]["at"].endswith(
        "+08:00"
    )
    assert job["earliest"].startswith("2026-11-26T15:42")


def test_a_leak_survey_of_a_dma_keeps_its_dma(service: Service, sample_city: Network) -> None:
    """A survey added by hand may name the DMA it surveys (a typed field, stored and returned,
    and a filter of the jobs); a DMA the network does not have is refused, saying which it has."""
    known = sorted(sample_city.dma_names)
    r = service.post(
        "/api/leak-surveys", json={"lon": 114.35, "lat": 34.8, "area": "Gulou", "dma": known[0]}
    )
    assert r.status_code == 201, r.text
    assert r.json()["dma"] == known[0]
    job = service.get(f"/api/jobs/{r.json()['id']}").json()
    assert (job["dma"], job["rest_of"], job["part"], job["suspended"]) == (known[0], None, 1, None)
    listed = service.get("/api/jobs", params={"dma": known[0]}).json()
    assert r.json()["id"] in {j["id"] for j in listed} and {j["dma"] for j in listed} == {known[0]}
    bad = service.post("/api/leak-surveys", json={"lon": 114.35, "lat": 34.8, "dma": "DMA-nowhere"})
    assert bad.status_code == 422, bad.text
    assert "DMA-nowhere" in bad.json()["detail"] and known[0] in bad.json()["detail"]


def test_a_connection_job_keeps_its_application_water_on_and_calendar(service: Service) -> None:
    """A connection's steps and its follow-up visit name their application, the calendars
    their deadline was counted on and (the visit) when the water came on: typed fields, kept
    in columns of their own, read back and answered as declared fields, none left in meta."""
    r = service.post(
        "/api/connections",
        json={
            "type": "pre_consultation",
            "customer": "Typed Fields Ltd",
            "lon": 114.35,
            "lat": 34.8,
        },
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["application"]
    done = service.post(f"/api/connections/{app_id}/complete", json={"at": "2026-11-26T10:30:00"})
    assert done.status_code == 200, done.text
    assert done.json()["follow_up"]["water_on"] == "2026-11-26T10:30:00+08:00"
    jobs = service.get("/api/jobs", params={"source": app_id}).json()
    assert {j["kind"] for j in jobs} == {"valve opening", "follow-up visit"}
    for listed in jobs:
        job = service.get(f"/api/jobs/{listed['id']}").json()
        assert set(JobOut.model_fields) >= {"application", "water_on", "calendar"}
        JobOut.model_validate(job)
        assert job["application"] == listed["application"] == app_id
        assert job["calendar"]["status"] == "official" and "2026" in job["calendar"]["years"]
        assert not {"application", "water_on", "calendar"} & set(job.get("meta", {}))
        visit = job["kind"] == "follow-up visit"
        assert job["water_on"] == ("2026-11-26T10:30:00+08:00" if visit else None)
        if visit:
            assert job["deadline_basis"]["rule"] == "follow_up"
            assert job["deadline_basis"]["from"] == job["water_on"]
    sessions = service.client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        rows = session.execute(
            select(t.Job.kind, t.Job.application, t.Job.water_on, t.Job.calendar)
            .where(t.Job.source == app_id)
            .order_by(t.Job.kind)
        ).all()
    water_on = dt.datetime(2026, 11, 26, 10, 30, tzinfo=START.tzinfo)
    assert [(k, a, w) for k, a, w, _ in rows] == [
        ("follow-up visit", app_id, water_on),
        ("valve opening", app_id, None),
    ]
    assert all(c["status"] == "official" for *_, c in rows)


def test_a_job_answers_its_description_as_a_key_and_params(service: Service) -> None:
    """Issue 18 item 5: a repair's jobs are stored with their description as a key and params
    (the pages say it in their language) and the English text beside it; a job stored before
    jobs had a key answers none, and its text as stored."""
    body = {"severity": "burst", "pipe_id": "P000153", "reported_at": "2026-11-26T09:10:00"}
    r = service.post("/api/repairs", json=body)
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    jobs = {j["step"]: j for j in service.get("/api/jobs", params={"source": ticket}).json()}
    repair = service.get(f"/api/jobs/{jobs['repair']['id']}").json()
    JobOut.model_validate(repair)
    assert repair["describe"]["key"] in ("repair_pipe", "repair_pipe_two_crews")
    assert repair["describe"]["params"]["pipe"] == "P000153"
    assert repair["description"].startswith(f"repair DN{repair['describe']['params']['dn']} ")
    close = jobs["close"]
    said = close["describe"]["params"]
    assert close["describe"]["key"] == "close_valve" and said["valve"] == close["valve"]
    assert (
        close["description"] == f"close valve {said['valve']} on {said['pipe']} at {said['node']}"
    )
    sessions = service.client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        row = session.get(t.Job, close["id"])
        assert row is not None and row.spec["describe"]["key"] == "close_valve"
        row.spec = {k: v for k, v in row.spec.items() if k != "describe"}  # stored before
        session.commit()
    old = service.get(f"/api/jobs/{close['id']}").json()
    JobOut.model_validate(old)
    assert old["describe"] is None and old["description"] == close["description"]


def test_a_repair_report_without_a_pipe_or_a_point_is_refused(service: Service) -> None:
    """Neither pipe_id nor lon and lat: a domain refusal (422 from api/app.py's one mapping)
    that says what to give, and no ticket is opened."""
    before = len(service.get("/api/repairs").json())
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "lon": 114.35, "reported_at": "2026-11-26T09:10:00"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "give pipe_id, or lon and lat of the leak"
    assert len(service.get("/api/repairs").json()) == before
