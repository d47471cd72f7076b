"""A crew's reports the service keeps failing on reach the dispatcher (issue 18): the phone
sends a summary of what it holds (``POST /api/field/outbox``); the service tells the console
live when it is news (event ``outbox``) and keeps the latest of each crew for a console that
opens later (``GET /api/field/outboxes``); a summary holding nothing clears the crew's line.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.conftest import START, Service
from tests.api.test_field_reports import CREW, OTHER, crew_auth, live_events


def tell(service: Service, body: dict[str, Any], crew: str = CREW) -> Any:
    return service.client.post("/api/field/outbox", json=body, headers=crew_auth(service, crew))


def outbox_events(service: Service, after: int) -> list[dict[str, Any]]:
    return [e for e in live_events(service, after) if e["event"] == "outbox"]


def last_event(service: Service) -> int:
    return max((e["id"] for e in live_events(service)), default=0)


def held_now(service: Service) -> dict[str, dict[str, Any]]:
    r = service.get("/api/field/outboxes")
    assert r.status_code == 200, r.text
    return {e["crew"]: e for e in r.json()}


def stuck(made: dt.datetime, status: int = 503, held: int = 2) -> dict[str, Any]:
    return {
        "held": held,
        "oldest": made.isoformat(),
        "job": "valve-close-X1",
        "kind": "photo",
        "error": {"status": status, "detail": "photo store unavailable"},
    }


def test_reports_held_on_a_phone_are_told_once_and_cleared(service: Service) -> None:
    service.clock.now = START + dt.timedelta(minutes=40)
    made = START + dt.timedelta(minutes=5)
    after = last_event(service)
    # a phone holding nothing, that held nothing: no news
    assert tell(service, {"held": 0}).status_code == 204
    assert outbox_events(service, after) == []

    r = tell(service, stuck(made))
    assert r.status_code == 204, r.text
    (event,) = outbox_events(service, after)
    assert event["crew"] == CREW and event["held"] == 2
    assert dt.datetime.fromisoformat(event["oldest"]) == made
    assert event["job"] == "valve-close-X1" and event["kind"] == "photo"
    assert event["error"] == {"status": 503, "detail": "photo store unavailable", "network": False}
    assert held_now(service)[CREW]["held"] == 2

    # tried again and failed the same way: nothing new for the dispatcher
    assert tell(service, stuck(made)).status_code == 204
    assert len(outbox_events(service, after)) == 1
    # another error (the connection now drops): told
    body = {**stuck(made), "error": {"network": True}}
    assert tell(service, body).status_code == 204
    events = outbox_events(service, after)
    assert len(events) == 2 and events[-1]["error"]["network"] is True

    # another crew's phone is its own line
    assert tell(service, stuck(made, 500, 1), crew=OTHER).status_code == 204
    assert set(held_now(service)) >= {CREW, OTHER}

    # all went: told once, the line cleared; the other crew's stays
    assert tell(service, {"held": 0}).status_code == 204
    assert tell(service, {"held": 0}).status_code == 204
    events = outbox_events(service, after)
    assert [e["held"] for e in events if e["crew"] == CREW] == [2, 2, 0]
    now = held_now(service)
    assert CREW not in now and now[OTHER]["held"] == 1
    assert tell(service, {"held": 0}, crew=OTHER).status_code == 204
    assert OTHER not in held_now(service)


def test_a_summary_is_the_crews_own_and_says_what_it_holds(service: Service) -> None:
    service.clock.now = START + dt.timedelta(minutes=40)
    # held reports name the oldest's time and job
    r = tell(service, {"held": 1})
    assert r.status_code == 422, r.text
    r = tell(service, {"held": -1})
    assert r.status_code == 422, r.text
    # only a crew's phone tells it; only the console reads it
    r = service.client.post(
        "/api/field/outbox", json={"held": 0}, headers=service.auth("dispatcher")
    )
    assert r.status_code == 403
    r = service.client.get("/api/field/outboxes", headers=crew_auth(service))
    assert r.status_code == 403
    assert (
        service.client.get("/api/field/outboxes", headers=service.auth("viewer")).status_code == 200
    )


def test_a_summary_told_days_ago_is_not_listed(service: Service) -> None:
    """A phone that held reports and was never heard of again: after three days (its reports
    would be refused as too old) the console no longer lists it as held."""
    service.clock.now = START + dt.timedelta(minutes=50)
    assert tell(service, stuck(START + dt.timedelta(minutes=45), 502, 1)).status_code == 204
    assert held_now(service)[CREW]["held"] == 1
    service.clock.now = START + dt.timedelta(days=3, hours=1)
    assert CREW not in held_now(service)
    service.clock.now = START + dt.timedelta(minutes=50)
    assert tell(service, {"held": 0}).status_code == 204
