"""A report the service refuses does not vanish (issue 18): the refusal is kept by the report's
id (a replay gets it again), it is in the job's history and on the dispatcher's live feed, and
it carries a code and params so the phone says it in the crew's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.conftest import START, Service
from tests.api.test_field_reports import CREW, OTHER, crew_auth, live_events, new_id, report


@pytest.fixture(scope="module")
def jobs(service: Service) -> dict[str, str]:
    """A burst: a closure of crew valve-01 done, one of crew valve-02 assigned."""
    service.clock.now = START
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000300", "reported_at": START.isoformat()},
    )
    assert r.status_code == 201, r.text
    closures = [j["id"] for j in r.json()["jobs"] if j["kind"] == "valve closure"]
    for job, crew, to in ((closures[0], CREW, "assigned"), (closures[1], OTHER, "assigned")):
        etag = service.get(f"/api/jobs/{job}").headers["etag"]
        r = service.post(
            f"/api/jobs/{job}/status", json={"status": to, "crew": crew}, headers={"If-Match": etag}
        )
        assert r.status_code == 200, r.text
    done = {"id": new_id(), "job": closures[0], "kind": "done", "made_at": START.isoformat()}
    assert report(service, done).status_code == 201
    return {"done": closures[0], "theirs": closures[1]}


def refusals_of(service: Service, after: int, job: str) -> list[dict[str, Any]]:
    return [
        e for e in live_events(service, after) if e["event"] == "report_refused" and e["job"] == job
    ]


def last_event(service: Service) -> int:
    return max((e["id"] for e in live_events(service)), default=0)


def test_an_impossible_step_is_refused_kept_and_told(
    service: Service, jobs: dict[str, str]
) -> None:
    job = jobs["done"]
    after = last_event(service)
    service.clock.now = START + dt.timedelta(minutes=20)
    body = {
        "id": new_id(),
        "job": job,
        "kind": "arrived",
        "made_at": (START + dt.timedelta(minutes=10)).isoformat(),
    }
    r = report(service, body)
    assert r.status_code == 409, r.text
    refusal = r.json()
    assert refusal["code"] == "field_step_refused"
    assert refusal["params"] == {"job": job, "job_status": "done", "reported": "arrived"}
    assert "is done already" in refusal["detail"]
    assert refusal["report"] == body["id"]
    # kept by its id: the queue replayed, the same refusal, nothing judged again
    again = report(service, body)
    assert (again.status_code, again.json()) == (409, refusal)
    assert again.headers["idempotent-replay"] == "true"
    # the job did not move; its history says what the crew tried and why it was refused
    detail = service.get(f"/api/jobs/{job}").json()
    assert detail["status"] == "done"
    refused = [h for h in detail["history"] if h["note"].startswith("field: refused")]
    assert len(refused) == 1, detail["history"]
    assert "arrived" in refused[0]["note"] and "is done already" in refused[0]["note"]
    assert refused[0]["status"] == "done" and refused[0]["by"] == f"crew-{CREW}"
    # and the dispatcher's live feed has it once
    told = refusals_of(service, after, job)
    assert len(told) == 1
    assert told[0]["crew"] == CREW and told[0]["kind"] == "arrived"
    assert told[0]["code"] == "field_step_refused" and told[0]["detail"] == refusal["detail"]
    assert told[0]["report"] == body["id"]
    # its id is taken: another report under it is refused as such
    r = report(service, {**body, "kind": "note"})
    assert r.status_code == 409 and r.json()["code"] == "field_report_id_reused"


def test_a_job_not_of_the_crew_and_a_job_that_does_not_exist(
    service: Service, jobs: dict[str, str]
) -> None:
    after = last_event(service)
    theirs = jobs["theirs"]
    made = START.isoformat()
    r = report(service, {"id": new_id(), "job": theirs, "kind": "en_route", "made_at": made})
    assert r.status_code == 409
    assert r.json()["code"] == "field_not_crews_job"
    assert r.json()["params"] == {"job": theirs, "crew": CREW, "owner": OTHER}
    assert service.get(f"/api/jobs/{theirs}").json()["status"] == "assigned"
    history = service.get(f"/api/jobs/{theirs}").json()["history"]
    assert any(h["note"].startswith("field: refused") and CREW in h["note"] for h in history)
    # the other crew does not see it on the phone: its history is the dispatcher's
    assert len(refusals_of(service, after, theirs)) == 1

    body = {"id": new_id(), "job": "NO-SUCH-JOB", "kind": "done", "made_at": made}
    r = report(service, body)
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert r.json()["params"] == {"what": "job", "key": "NO-SUCH-JOB"}
    assert report(service, body).headers["idempotent-replay"] == "true"
    assert len(refusals_of(service, after, "NO-SUCH-JOB")) == 1


def test_a_report_from_the_future_and_one_without_its_reason(
    service: Service, jobs: dict[str, str]
) -> None:
    service.clock.now = START + dt.timedelta(minutes=30)
    job = jobs["done"]
    future, made = (START + dt.timedelta(hours=2)).isoformat(), START.isoformat()
    r = report(service, {"id": new_id(), "job": job, "kind": "note", "made_at": future})
    assert r.status_code == 422
    assert r.json()["code"] == "field_report_from_future"
    assert set(r.json()["params"]) == {"made_at", "now"}
    body = {"id": new_id(), "job": jobs["theirs"], "kind": "could_not_do", "made_at": made}
    r = report(service, body, crew=OTHER)
    assert r.status_code == 422 and r.json()["code"] == "field_reason_needed"


def test_a_photo_refused_is_kept_too(service: Service, jobs: dict[str, str]) -> None:
    job = jobs["theirs"]
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 64
    r = service.client.post(
        "/api/field/photos",
        data={"id": new_id(), "job": job, "made_at": START.isoformat()},
        files={"file": ("p.jpg", jpeg, "image/jpeg")},
        headers=crew_auth(service),
    )
    assert r.status_code == 409 and r.json()["code"] == "field_not_crews_job"
