"""Issue 11 in the service: deadlines across the year end, the calendar the utility keeps, and
intake as the plan describes it (receipt, channel, acceptance within 0.25 working day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.calendar import TZ
from tests.api.conftest import Service, make_service, wait_for_plan

HERE = {"lon": 114.35, "lat": 34.80}
NOTICE_2027 = {
    # a test schedule, not the State Council's: New Year's Day block to Monday 01-04, one
    # make-up Saturday
    "document": "国办发明电〔2026〕99号 (test)",
    "published_on": "2026-12-10",
    "days_off": ["2027-01-01..2027-01-04", "2027-02-05..2027-02-13"],
    "workdays": ["2027-02-20"],
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def svc(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    yield from make_service(request.param, tmp_path_factory.mktemp(f"cal-{request.param}"))


def at(svc: Service, *args: int) -> None:
    svc.clock.now = dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def test_the_year_end_never_stops_intake_and_the_kept_year_replaces_the_provisional(
    svc: Service,
) -> None:
    at(svc, 2026, 12, 24, 9, 0)
    r = svc.post("/api/connections", json={"type": "pre_other", "customer": "Year End Ltd", **HERE})
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["accepted_at"] == "2026-12-24T09:00:00+08:00"  # stamped by the service
    assert app["deadline"]["due"] == "2027-01-04T09:00:00+08:00"
    assert app["deadline"]["calendar"]["status"] == "provisional"
    assert app["deadline"]["calendar"]["provisional_years"] == [2027]
    # water on 12-28: the follow-up visit's five working days reach into 2027
    other = svc.post(
        "/api/connections", json={"type": "pre_consultation", "customer": "Visit Me", **HERE}
    ).json()
    at(svc, 2026, 12, 28, 10, 0)
    done = svc.post(f"/api/connections/{other['application']}/complete", json={})
    assert done.status_code == 200, done.text
    visit = done.json()["follow_up"]
    assert visit["calendar"]["status"] == "provisional"

    # the calendar says what it knows
    year = svc.get("/api/calendar/years/2027").json()
    assert year["status"] == "provisional" and "2027-02-05" in year["days_off"]
    assert svc.get("/api/calendar/years/2026").json()["status"] == "official"

    # only an admin enters a year, and the entries are checked
    assert svc.put("/api/calendar/years/2027", json=NOTICE_2027).status_code == 403
    bad = {**NOTICE_2027, "workdays": ["2027-02-19"]}  # a Friday
    r = svc.put("/api/calendar/years/2027", role="admin", json=bad)
    assert r.status_code == 422 and "not a Saturday or Sunday" in r.json()["detail"]
    r = svc.put(
        "/api/calendar/years/2027", role="admin", json={**NOTICE_2027, "days_off": ["2026-12-31"]}
    )
    assert r.status_code == 422 and "not in 2027" in r.json()["detail"]

    r = svc.put("/api/calendar/years/2027", role="admin", json=NOTICE_2027)
    assert r.status_code == 200, r.text
    entered = r.json()
    assert entered["status"] == "official" and entered["kept"]["entered_by"] == "admin"
    moved = {(m["application"], m["job"], m["field"]): m for m in entered["moved"]}
    key = (app["application"], None, "deadline")
    assert moved[key]["old"] == "2027-01-04T09:00:00+08:00"
    assert moved[key]["new"] == "2027-01-05T09:00:00+08:00"
    assert any(m["job"] == visit["id"] for m in entered["moved"])

    now = svc.get(f"/api/connections/{app['application']}").json()
    assert now["deadline"]["due"] == "2027-01-05T09:00:00+08:00"
    assert now["deadline"]["calendar"]["status"] == "official"
    assert "99号" in now["deadline"]["calendar"]["years"]["2027"]["source"]
    job = svc.get(f"/api/jobs/{app['application']}-open").json()
    assert job["deadline"] == "2027-01-05T09:00:00+08:00"
    assert "2027 calendar" in job["history"][-1]["note"]
    changes = svc.get("/api/calendar/years/2027/changes").json()
    assert {c["application"] for c in changes} >= {app["application"]}
    # a new application now counts on the official year
    fresh = svc.post("/api/connections", json={"type": "pre_other", "customer": "New", **HERE})
    assert fresh.json()["deadline"]["calendar"]["status"] == "official"
    # the year is kept with who and when, and can be read back
    assert svc.get("/api/calendar").json()["kept"][0]["year"] == 2027


@pytest.mark.parametrize("day", ["2026-12-31", "2027-01-04"])
def test_plans_at_the_year_end(svc: Service, day: str) -> None:
    at(svc, 2026, 12, 30, 18, 0)
    r = svc.post("/api/plans", json={"day": day, "seconds": 2})
    assert r.status_code == 202, r.text
    plan = wait_for_plan(svc, r.json()["id"])
    assert plan["status"] == "ready", plan.get("error")
    assert plan["result"]["calendar"]["status"] in ("provisional", "official")


def test_a_week_plan_from_the_28th(svc: Service) -> None:
    at(svc, 2026, 12, 27, 18, 0)
    r = svc.post("/api/plans", json={"day": "2026-12-28", "seconds": 3, "days": 5})
    assert r.status_code == 202, r.text
    plan = wait_for_plan(svc, r.json()["id"])
    assert plan["status"] == "ready", plan.get("error")


def test_intake_receipt_channel_and_acceptance(svc: Service) -> None:
    at(svc, 2026, 11, 27, 17, 30)  # Friday evening
    r = svc.post(
        "/api/connections",
        json={
            "type": "pre_consultation",
            "customer": "Online",
            "channel": "wechat",
            "accept": False,
            **HERE,
        },
    )
    assert r.status_code == 201, r.text
    waiting = r.json()
    assert waiting["status"] == "received" and waiting["deadline"] is None
    assert waiting["intake"]["status"] == "waiting"
    assert waiting["intake"]["acceptance_due"] == "2026-11-30T09:52:30+08:00"
    assert not svc.get("/api/jobs", params={"source": waiting["application"]}).json()
    at(svc, 2026, 11, 30, 10, 0)
    intake = svc.get("/api/connections/intake").json()
    assert waiting["application"] in [a["application"] for a in intake["late"]]
    r = svc.post(f"/api/connections/{waiting['application']}/accept", json={})
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["status"] == "open" and accepted["intake"]["status"] == "accepted_late"
    assert accepted["accepted_at"] == "2026-11-30T10:00:00+08:00"
    assert svc.get("/api/jobs", params={"source": waiting["application"]}).json()
    again = svc.post(f"/api/connections/{waiting['application']}/accept", json={})
    assert again.status_code == 409

    # the service stamps acceptance; a dispatcher may back-enter a counter application only
    body = {"type": "pre_consultation", "customer": "Counter", **HERE}
    r = svc.post("/api/connections", json={**body, "accepted_at": "2026-11-30T09:00:00"})
    assert r.status_code == 201 and r.json()["intake"]["back_entered"] is True
    r = svc.post(
        "/api/connections",
        json={**body, "channel": "website", "accepted_at": "2026-11-30T09:00:00"},
    )
    assert r.status_code == 422 and "counter" in r.json()["detail"]
    r = svc.post("/api/connections", json={**body, "accepted_at": "2026-12-30T09:00:00"})
    assert r.status_code == 422 and "future" in r.json()["detail"]
    r = svc.post("/api/connections", json={**body, "accept": False})
    assert r.status_code == 422 and "at once" in r.json()["detail"]
    r = svc.post("/api/connections", json={**body, "channel": "fax"})
    assert r.status_code == 422 and "channel" in r.json()["detail"]


def test_the_size_tables_come_from_the_settings(tmp_path: Path) -> None:
    tables = {
        "appointment_limits": [{"max_dn_mm": 100, "max_length_m": 50, "days": 1}, {"days": 3}]
    }
    for svc in make_service("sqlite", tmp_path, connection_rules=tables):
        at(svc, 2026, 11, 26, 9, 0)
        r = svc.post(
            "/api/connections",
            json={
                "type": "meter_retrofit",
                "customer": "Big",
                "dn_mm": 300,
                "line_length_m": 20,
                **HERE,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["deadline"]["days"] == 3
