"""Plans (api/routes/plans.py): solve, stop, publish, re-plan, crew sheets, the week
view; a repair's notice follows its plan, end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import csv
import io
import time

import pytest
from lxml import etree
from openpyxl import load_workbook

from tests.api.conftest import START, Service, publish, wait_for_plan
from tests.ops.conftest import CAP_XSD

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


def test_repair_to_plan_to_notice(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000153", "reported_at": "2026-11-26T09:10:00"},
    )
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    assert r.json()["critical_customers"]  # the hospital: a tanker job
    r = service.post(
        "/api/plans", json={"day": "2026-11-26", "seconds": 5, "now": "2026-11-26T09:10:00"}
    )
    assert r.status_code == 202, r.text
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    assert plan["progress"]["solutions"] > 0
    window = plan["result"]["outage_windows"][ticket]
    assert window["scheduled"]
    # the notice takes the plan's window
    r = service.post(f"/api/outages/from-repair/{ticket}", json={"plan_id": plan["id"]})
    assert r.status_code == 201, r.text
    outage = r.json()
    assert outage["content"]["start"].startswith(window["start"])
    assert outage["content"]["tanker_points"]
    pub = publish(service, f"/api/outages/{outage['id']}/publish", r.headers["etag"])
    assert pub.status_code == 200, pub.text
    assert pub.json()["state"] == "published"
    # the public sees it, with no sign-in
    live = service.client.get("/public/notices").json()
    assert outage["id"] in [n["id"] for n in live]
    assert "breaks" not in live[0]
    cap = service.client.get(f"/public/notices/{outage['id']}.cap")
    assert cap.headers["content-type"].startswith("application/cap+xml")
    schema = etree.XMLSchema(etree.parse(str(CAP_XSD)))
    assert schema.validate(etree.fromstring(cap.content)), schema.error_log
    atom = service.client.get("/public/notices/feed.atom")
    assert atom.status_code == 200 and outage["id"] in atom.text
    assert service.client.get(f"/public/notices/{outage['id']}.ics").text.startswith(
        "BEGIN:VCALENDAR"
    )
    assert service.client.get("/public/notices.geojson").json()["features"]
    text = service.client.get(f"/public/notices/{outage['id']}.txt").text
    assert "紧急停水通知" in text
    # publish the plan: jobs are assigned to their crews
    pub_plan = publish(service, f"/api/plans/{plan['id']}/publish", f'"{plan["version"]}"')
    assert pub_plan.status_code == 200, pub_plan.text
    assert pub_plan.json()["jobs_assigned"] > 0
    closure = service.get("/api/jobs", params={"source": ticket, "kind": "valve closure"}).json()
    assert all(j["status"] == "assigned" and j["crew"] for j in closure)
    # crew sheets
    sheet = service.get(f"/api/plans/{plan['id']}/sheets.csv")
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert {r["job"] for r in rows} >= {j["id"] for j in closure}
    book = load_workbook(io.BytesIO(service.get(f"/api/plans/{plan['id']}/sheets.xlsx").content))
    assert "summary" in book.sheetnames and len(book.sheetnames) > 1

    # an emergency during the day: re-plan from the published plan
    service.clock.now = START.replace(hour=11, minute=0)
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000100", "reported_at": "2026-11-26T11:00:00"},
    )
    second = r.json()["ticket"]
    r = service.post(
        f"/api/plans/{plan['id']}/replan", json={"now": "2026-11-26T11:00:00", "seconds": 8}
    )
    assert r.status_code == 202, r.text
    replanned = wait_for_plan(service, r.json()["id"])
    assert replanned["status"] == "ready", replanned["error"]
    assert replanned["parent"] == plan["id"]
    result = replanned["result"]
    stops = {s["job"]: s for route in result["routes"] for s in route["stops"]}
    # what had started by 11:00 did not move
    for route in plan["result"]["routes"]:
        for s in route["stops"]:
            if s["start"] <= "2026-11-26T11:00":
                assert stops[s["job"]]["start"] == s["start"]
    assert any(j.startswith(f"{second}-close") for j in stops)
    assert result["outage_windows"][second]["scheduled"]
    pub2 = publish(service, f"/api/plans/{replanned['id']}/publish", f'"{replanned["version"]}"')
    assert pub2.status_code == 200
    first = service.get(f"/api/plans/{plan['id']}").json()
    assert first["status"] == "superseded"
    # the live notice of the first repair follows the new plan's window
    new_window = result["outage_windows"][ticket]
    notice = service.get(f"/api/outages/{outage['id']}").json()
    assert notice["content"]["end"].startswith(new_window["end"])


def test_a_stopped_plan_keeps_the_best_so_far(service: Service, open_work: dict[str, str]) -> None:
    r = service.post("/api/plans", json={"day": "2026-11-27", "seconds": 120})
    plan_id = r.json()["id"]
    for _ in range(200):
        data = service.get(f"/api/plans/{plan_id}").json()
        if data["status"] == "solving" and data["progress"].get("solutions"):
            break
        time.sleep(0.1)
    assert service.post(f"/api/plans/{plan_id}/stop").status_code == 200
    started = time.monotonic()
    done = wait_for_plan(service, plan_id, timeout=60)
    assert time.monotonic() - started < 30
    assert done["status"] == "ready" and done["progress"]["stopped"]
    assert done["result"]["summary"]["jobs_planned"] > 0
    assert service.post(f"/api/plans/{plan_id}/stop").status_code == 409


def test_a_week_view_plan(service: Service, open_work: dict[str, str]) -> None:
    r = service.post("/api/plans", json={"day": "2026-11-27", "seconds": 3, "days": 3})
    assert r.status_code == 202, r.text
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    result = plan["result"]
    assert result["days"][0] == "2026-11-27" and result["days"][-1] == "2026-12-01"
    used = {route["day"] for route in result["routes"]}
    assert used <= set(result["days"])
    weekend = [r for r in result["routes"] if r["day"] in ("2026-11-28", "2026-11-29")]
    crews = {c["id"]: c for c in service.get("/api/crews").json()}
    assert weekend and all(crews[r["crew"]]["on_call"] for r in weekend)
    assert service.post("/api/plans", json={"day": "2026-11-27", "days": 9}).status_code == 422


def test_plans_of_a_day_are_asked_by_a_full_date(service: Service) -> None:
    # the schema says format date (YYYY-MM-DD): pydantic's lax date took "0" as 1970-01-01 and
    # a midnight date-time as its day, which the fuzzer found accepted
    for bad in ("0", "2026-11-26T00:00:00", "20261126"):
        r = service.get(f"/api/plans?day={bad}")
        assert r.status_code == 422, (bad, r.text)
    assert service.get("/api/plans?day=2026-11-26").status_code == 200
