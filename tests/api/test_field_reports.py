"""The crews' field app's API (api/routes/field.py, api/routes/live.py) on SQLite and PostgreSQL:
a crew's account and its limits, reports applied once per id (a replay gets the first answer),
a valve found inoperable widening the repair's isolation with the real isolation, photos, the
crew's day from the published plan, and the live stream the dispatcher's console reads."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from tests.api.conftest import START, Service, publish, wait_for_plan

CREW = "valve-01"
OTHER = "valve-02"


def crew_auth(service: Service, crew: str = CREW) -> dict[str, str]:
    name = f"crew-{crew}"
    if name not in service.tokens:
        r = service.client.post(
            "/api/auth/token", data={"username": name, "password": "waterops-demo"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["role"] == "crew"
        service.tokens[name] = r.json()["access_token"]
    return {"Authorization": f"Bearer {service.tokens[name]}"}


def report(service: Service, body: dict[str, Any], crew: str = CREW) -> Any:
    return service.client.post("/api/field/reports", json=body, headers=crew_auth(service, crew))


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def ticket(service: Service) -> dict[str, Any]:
    """A burst with its closures assigned: the first to crew valve-01, the others to valve-02."""
    service.clock.now = START
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000300", "reported_at": START.isoformat()},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    closures = [j["id"] for j in case["jobs"] if j["kind"] == "valve closure"]
    assert len(closures) >= 2
    for n, job in enumerate(closures):
        etag = service.get(f"/api/jobs/{job}").headers["etag"]
        r = service.post(
            f"/api/jobs/{job}/status",
            json={"status": "assigned", "crew": CREW if n == 0 else OTHER},
            headers={"If-Match": etag},
        )
        assert r.status_code == 200, r.text
    return {"ticket": case["ticket"], "closures": closures, "case": case}


def live_events(service: Service, after: int = 0) -> list[dict[str, Any]]:
    """The events a console gets from ``after`` on, read from a one-second stream."""
    events = []
    with service.client.stream(
        "GET", "/api/live", params={"after": after, "seconds": 1}, headers=service.auth("viewer")
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


def test_a_crews_account_opens_the_field_app_only(service: Service, ticket: dict[str, Any]) -> None:
    auth = crew_auth(service)
    assert service.client.get("/api/auth/me", headers=auth).json()["role"] == "crew"
    # a crew's day is longer than a token: the app renews it
    renewed = service.client.post("/api/auth/refresh", headers=auth)
    assert renewed.status_code == 200 and renewed.json()["role"] == "crew"
    for path in ("/api/jobs", "/api/repairs", "/api/crews", "/api/live/positions", "/api/live"):
        r = service.client.get(path, headers=auth)
        assert r.status_code == 403, (path, r.text)
        assert "field app" in r.json()["detail"]
    mine, theirs = ticket["closures"][0], ticket["closures"][1]
    assert service.client.get(f"/api/field/jobs/{mine}", headers=auth).status_code == 200
    # another crew's job is not shown, and a report on it is refused and changes nothing
    assert service.client.get(f"/api/field/jobs/{theirs}", headers=auth).status_code == 404
    r = report(
        service, {"id": new_id(), "job": theirs, "kind": "arrived", "made_at": START.isoformat()}
    )
    assert r.status_code == 409 and f"not crew {CREW}'s" in r.json()["detail"]
    assert service.get(f"/api/jobs/{theirs}").json()["status"] == "assigned"
    # and the other accounts do not use the field app's routes
    assert service.get("/api/field/day").status_code == 403
    r = service.client.post(
        "/api/field/reports",
        json={"id": new_id(), "job": mine, "kind": "arrived", "made_at": START.isoformat()},
        headers=service.auth("dispatcher"),
    )
    assert r.status_code == 403


def test_a_report_is_applied_once_and_a_replay_gets_the_first_answer(
    service: Service, ticket: dict[str, Any]
) -> None:
    job = ticket["closures"][0]
    service.clock.now = START + dt.timedelta(minutes=30)
    body = {
        "id": new_id(),
        "job": job,
        "kind": "en_route",
        "made_at": (START + dt.timedelta(minutes=5)).isoformat(),  # made offline, sent late
    }
    first = report(service, body)
    assert first.status_code == 201, first.text
    assert first.json()["job"]["status"] == "en_route"
    again = report(service, body)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replay"] == "true"
    history = service.get(f"/api/jobs/{job}").json()["history"]
    entries = [h for h in history if h["note"].startswith("field: on the way")]
    assert len(entries) == 1
    assert entries[0]["at"] == "2026-11-26T08:05:00+08:00"  # when it was made
    assert "sent offline, received 08:30" in entries[0]["note"]
    # the same id for another report is refused, not taken as a replay
    r = report(service, {**body, "kind": "arrived"})
    assert r.status_code == 409 and "used for another report" in r.json()["detail"]
    r = report(service, {**body, "id": new_id(), "kind": "arrived"})
    assert r.status_code == 201 and r.json()["job"]["status"] == "on_site"


def test_a_valve_found_inoperable_widens_the_repairs_isolation(
    service: Service, ticket: dict[str, Any], city: Any
) -> None:
    job, ticket_id = ticket["closures"][0], ticket["ticket"]
    detail = service.client.get(f"/api/field/jobs/{job}", headers=crew_auth(service)).json()
    valve = detail["valve_detail"]["id"]
    assert detail["valve_detail"]["dn_mm"] > 0 and detail["valve_detail"]["turns_estimate"] > 2
    assert len(detail["valve_detail"]["location"]) == 2
    others = [v for v in detail["repair"]["valves_to_close"] if not v["mine"]]
    assert others and all(v["crew"] == OTHER for v in others)
    before_events = live_events(service)
    last = max((e["id"] for e in before_events), default=0)

    service.clock.now = START + dt.timedelta(minutes=40)
    r = report(
        service,
        {
            "id": new_id(),
            "job": job,
            "kind": "valve_inoperable",
            "made_at": (START + dt.timedelta(minutes=38)).isoformat(),
            "note": "spindle turns freely",
        },
    )
    assert r.status_code == 201, r.text
    widened = r.json()["widened"]
    expected = city.isolate("P000300", [valve])
    assert {v.id for v in expected.valves_to_close} >= set(widened["added_valves"])
    assert widened["added_valves"]
    # the ticket's isolation is the real one without that valve
    repair = service.get(f"/api/repairs/{ticket_id}").json()
    assert {v["id"] for v in repair["isolation"]["valves_to_close"]} == {
        v.id for v in expected.valves_to_close
    }
    assert valve not in {v["id"] for v in repair["isolation"]["valves_to_close"]}
    jobs = {j["id"]: j for j in service.get("/api/jobs", params={"source": ticket_id}).json()}
    assert jobs[job]["status"] == "cancelled"
    assert jobs[f"{ticket_id}-reopen-{valve}"]["status"] == "cancelled"
    for added in widened["added_valves"]:
        assert jobs[f"{ticket_id}-close-{added}"]["status"] == "open"
    # every later isolation counts the valve as failed
    assert service.get(f"/api/networks/1/valves/{valve}").json()["found_inoperable"] is True
    # the dispatcher is told, live
    events = live_events(service, last)
    kinds = [(e["event"], e.get("kind"), e.get("job")) for e in events]
    assert ("report", "valve_inoperable", job) in kinds
    told = next(e for e in events if e["event"] == "isolation_widened")
    assert told["ticket"] == ticket_id and told["valve"] == valve
    assert told["crew"] == CREW


def test_photos_are_kept_and_limited(service: Service, ticket: dict[str, Any]) -> None:
    job = ticket["closures"][1]
    auth = crew_auth(service, OTHER)
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    form = {"id": new_id(), "job": job, "made_at": START.isoformat(), "note": "valve box"}
    r = service.client.post(
        "/api/field/photos", data=form, files={"file": ("p.jpg", jpeg, "image/jpeg")}, headers=auth
    )
    assert r.status_code == 201, r.text
    photo = service.get(r.json()["photo"])
    assert photo.status_code == 200 and photo.content == jpeg
    too_big = b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024)
    r = service.client.post(
        "/api/field/photos",
        data={**form, "id": new_id()},
        files={"file": ("p.jpg", too_big, "image/jpeg")},
        headers=auth,
    )
    assert r.status_code == 413
    r = service.client.post(
        "/api/field/photos",
        data={**form, "id": new_id()},
        files={"file": ("p.txt", b"not an image", "text/plain")},
        headers=auth,
    )
    assert r.status_code == 422


def test_positions_reach_the_console(service: Service) -> None:
    auth = crew_auth(service, OTHER)
    r = service.client.post(
        "/api/field/position", json={"lon": 114.35, "lat": 34.79, "accuracy_m": 12}, headers=auth
    )
    assert r.status_code == 204, r.text
    positions = service.get("/api/live/positions", role="viewer").json()
    mine = [p for p in positions if p["crew"] == OTHER]
    assert mine and mine[0]["lon"] == 114.35 and mine[0]["lat"] == 34.79


def test_the_crews_day_is_its_route_of_the_published_plan(
    service: Service, ticket: dict[str, Any]
) -> None:
    if service.backend != "sqlite":
        pytest.skip("one solve is enough: the day is read the same on both back ends")
    service.clock.now = START + dt.timedelta(hours=1)
    r = service.post("/api/plans", json={"day": "2026-11-26", "seconds": 3})
    assert r.status_code == 202, r.text
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    routed = {route["crew"]: route for route in plan["result"]["routes"] if route["stops"]}
    crew = next(iter(sorted(routed)))
    assert publish(service, f"/api/plans/{plan['id']}/publish", f'"{plan["version"]}"').is_success
    day = service.client.get(
        "/api/field/day", params={"day": "2026-11-26"}, headers=crew_auth(service, crew)
    ).json()
    assert day["plan"] == plan["id"] and day["crew"] == crew
    assert [s["job"] for s in day["stops"]] == [s["job"] for s in routed[crew]["stops"]]
    assert all(s["mine"] or s["slot"] == 2 for s in day["stops"])
    starts = [s["start"] for s in day["stops"]]
    assert starts == sorted(starts)


def test_an_admin_makes_a_crews_account(service: Service) -> None:
    body = {"username": f"crew.{service.backend}", "password": "field-pass-1", "role": "crew"}
    r = service.post("/api/users", "admin", json=body)
    assert r.status_code == 422 and "names its crew" in r.json()["detail"]
    r = service.post("/api/users", "admin", json={**body, "crew": "no-such-crew"})
    assert r.status_code == 422
    r = service.post("/api/users", "admin", json={**body, "crew": OTHER})
    assert r.status_code == 201 and r.json()["crew"] == OTHER
    # the other accounts are answered as before, without a crew
    assert "crew" not in service.get("/api/auth/me").json()
    token = service.client.post(
        "/api/auth/token", data={"username": body["username"], "password": body["password"]}
    ).json()["access_token"]
    day = service.client.get("/api/field/day", headers={"Authorization": f"Bearer {token}"})
    assert day.status_code == 200 and day.json()["crew"] == OTHER


def test_the_live_stream_resumes_after_the_last_event_id(service: Service) -> None:
    assert service.client.get("/api/live").status_code == 401
    # a stream is no answer of the schema (schema-driven clients would wait on it)
    assert "/api/live" not in service.client.get("/openapi.json").json()["paths"]
    every = live_events(service)
    assert len(every) >= 2
    ids = [e["id"] for e in every]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    with service.client.stream(
        "GET",
        "/api/live",
        params={"seconds": 1},
        headers={**service.auth("viewer"), "Last-Event-ID": str(ids[-2])},
    ) as r:
        resumed = [json.loads(x[6:]) for x in r.iter_lines() if x.startswith("data: ")]
    assert [e["id"] for e in resumed] == ids[-1:]


def test_a_replan_starts_from_the_crews_shared_positions(service: Service) -> None:
    if service.backend != "sqlite":
        pytest.skip("one solve is enough: the positions are read the same on both back ends")
    from api.db import tables as t

    service.clock.now = START + dt.timedelta(hours=2)
    published = [p for p in service.get("/api/plans").json() if p["status"] == "published"]
    assert published, "the day's plan is published by the test before"
    r = service.client.post(
        "/api/field/position", json={"lon": 114.3312, "lat": 34.7987}, headers=crew_auth(service)
    )
    assert r.status_code == 204
    r = service.post(
        f"/api/plans/{published[0]['id']}/replan",
        json={
            "now": service.clock.now.isoformat(),
            "seconds": 2,
            "positions": {OTHER: [114.3, 34.8]},
        },
    )
    assert r.status_code == 202, r.text
    with service.client.app.state.reader_sessions() as session:  # type: ignore[attr-defined]
        problem = session.get(t.Plan, r.json()["id"]).problem
    assert problem["positions"][CREW] == [114.3312, 34.7987]  # shared from the phone
    assert problem["positions"][OTHER] == [114.3, 34.8]  # the dispatcher's word wins
    wait_for_plan(service, r.json()["id"])


def test_a_replan_takes_what_the_crews_reported(service: Service) -> None:
    """Issue 18 item 8: a crew reported 'started' on its first job 20 minutes ago, another
    that it could not do its first job; the re-plan is given that (its problem's
    ``progress``), keeps the first job on its crew from then, and gives the second job to
    another crew or leaves it out saying why."""
    if service.backend != "sqlite":
        pytest.skip("one solve is enough: the reports are read the same on both back ends")
    from api.db import tables as t

    service.clock.now = START + dt.timedelta(hours=2)
    published = [p for p in service.get("/api/plans").json() if p["status"] == "published"]
    plan = service.get(f"/api/plans/{published[0]['id']}").json()
    firsts = [
        (r["crew"], s["job"])
        for r in plan["result"]["routes"]
        for s in r["stops"][:1]
        if s.get("slot", 1) == 1
        and service.get(f"/api/jobs/{s['job']}").json()["status"] == "assigned"
    ]
    (crew, job), (other, given_up) = next((a, b) for a in firsts for b in firsts if a[0] != b[0])
    began = service.clock.now - dt.timedelta(minutes=20)
    body = {"id": new_id(), "job": job, "kind": "started", "made_at": began.isoformat()}
    assert report(service, body, crew).status_code == 201
    gave_up = service.clock.now - dt.timedelta(minutes=15)
    body = {
        "id": new_id(),
        "job": given_up,
        "kind": "could_not_do",
        "reason": "no access: the gate is locked",
        "made_at": gave_up.isoformat(),
    }
    assert report(service, body, other).status_code == 201, body
    r = service.post(
        f"/api/plans/{plan['id']}/replan", json={"now": service.clock.now.isoformat(), "seconds": 2}
    )
    assert r.status_code == 202, r.text
    with service.client.app.state.reader_sessions() as session:  # type: ignore[attr-defined]
        problem = session.get(t.Plan, r.json()["id"]).problem
    said = {p["job"]: p for p in problem["progress"]}
    assert said[job] == {
        "job": job,
        "crew": crew,
        "arrived": None,
        "started": began.isoformat(),
        "done": None,
        "could_not_do": None,
    }
    assert said[given_up]["could_not_do"] == gave_up.isoformat()
    assert said[given_up]["crew"] == other
    after = wait_for_plan(service, r.json()["id"])
    assert after["status"] == "ready", after["error"]
    stop = next(
        s
        for r in after["result"]["routes"]
        if r["crew"] == crew
        for s in r["stops"]
        if s["job"] == job
    )
    assert stop["start"] == began.replace(tzinfo=None).isoformat(timespec="minutes")
    holders = [
        r["crew"] for r in after["result"]["routes"] for s in r["stops"] if s["job"] == given_up
    ]
    left = {u["job"]: u for u in after["result"]["unassigned"]}
    assert other not in holders
    assert holders or left[given_up]["detail_key"] == "given_up_by_crew", left.get(given_up)
