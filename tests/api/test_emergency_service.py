"""Issue 13 in the service: one burst, one ticket; a ticket can be cancelled with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.conftest import START, Service, make_service, wait_for_plan


def test_a_repeat_report_is_linked_to_the_open_ticket(service: Service) -> None:
    first = service.post("/api/repairs", json={"severity": "burst", "pipe_id": "P000590"})
    assert first.status_code == 201, first.text
    ticket = first.json()["ticket"]
    again = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000590", "description": "2nd"}
    )
    assert again.status_code == 200, again.text
    linked = again.json()
    assert linked["ticket"] == ticket and linked["linked"] is True
    assert "second_break" in linked["message"]
    # nothing new was made: the chain is the first ticket's alone
    jobs = service.get("/api/jobs", params={"source": ticket}).json()
    assert len(service.get("/api/repairs").json()) >= 1
    assert all(j["source"] == ticket for j in jobs)
    # the dispatcher says it is a second break: a ticket of its own
    second = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000590", "second_break": True}
    )
    assert second.status_code == 201 and second.json()["ticket"] != ticket
    # a minor leak on that pipe is its own planned repair, never linked (ops.repairs)
    minor = service.post("/api/repairs", json={"severity": "minor_leak", "pipe_id": "P000590"})
    assert minor.status_code == 201 and minor.json()["ticket"] not in (
        ticket,
        second.json()["ticket"],
    )
    assert "linked" not in minor.json()

    # cancel the duplicate with a reason: its open jobs are cancelled, the reason kept
    other = second.json()["ticket"]
    assert service.post(f"/api/repairs/{other}/cancel", json={}).status_code == 422
    done = service.post(f"/api/repairs/{other}/cancel", json={"reason": "same break, double"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled" and done.json()["cancelled_jobs"]
    job = service.get(f"/api/jobs/{done.json()['cancelled_jobs'][0]}").json()
    assert job["status"] == "cancelled" and "same break, double" in job["history"][-1]["note"]
    # the ticket says who cancelled it and why, in the list as in its own answer
    kept = service.get(f"/api/repairs/{other}").json()["cancelled"]
    assert kept["reason"] == "same break, double" and kept["by"] == "dispatcher" and kept["at"]
    listed = {r["ticket"]: r for r in service.get("/api/repairs").json()}
    assert listed[other]["cancelled"] == kept and "cancelled" not in listed[ticket]
    assert service.post(f"/api/repairs/{other}/cancel", json={"reason": "x"}).status_code == 409
    assert (
        service.post(
            f"/api/repairs/{ticket}/cancel", json={"reason": "x"}, role="viewer"
        ).status_code
        == 403
    )


def test_a_late_burst_is_repaired_within_the_overtime_asked_for(tmp_path: Path) -> None:
    """Issue 13: a re-plan's overtime_hours was validated and stored but never reached the
    solver (every re-plan used 3 h)."""
    for svc in make_service("sqlite", tmp_path):
        svc.clock.now = START  # Thursday 08:00: plan and publish the day
        on_call = set_on_call(svc, "repair-01", False)  # overtime alone: no crew on call
        r = svc.post("/api/plans", json={"day": "2026-11-26", "seconds": 4})
        plan = wait_for_plan(svc, r.json()["id"])
        assert plan["status"] == "ready", plan["error"]
        r = publish(svc, plan)
        svc.clock.now = START.replace(hour=15, minute=30)
        r = svc.post("/api/repairs", json={"severity": "burst", "pipe_id": "P000590"})
        assert r.status_code == 201, r.text
        repair = next(j["id"] for j in r.json()["jobs"] if j["step"] == "repair")
        planned = {}
        for hours in (0.5, 4.0):
            body = {"now": "2026-11-26T15:30:00", "seconds": 4, "overtime_hours": hours}
            r = svc.post(f"/api/plans/{plan['id']}/replan", json=body)
            assert r.status_code == 202, r.text
            child = wait_for_plan(svc, r.json()["id"])
            assert child["status"] == "ready", child["error"]
            stops = [s["job"] for route in child["result"]["routes"] for s in route["stops"]]
            planned[hours] = repair in stops
        # the 4 h repair from about 16:00 cannot end by 17:30; with four hours of overtime it can
        assert planned == {0.5: False, 4.0: True}
        # a pipe crew on call goes on through the evening whatever the overtime (its duty is
        # the call-out rules' 16 h from the start of its shift)
        set_on_call(svc, "repair-01", on_call)
        body = {"now": "2026-11-26T15:30:00", "seconds": 4, "overtime_hours": 0.5}
        r = svc.post(f"/api/plans/{plan['id']}/replan", json=body)
        child = wait_for_plan(svc, r.json()["id"])
        stops = {
            s["job"]: route["crew"] for route in child["result"]["routes"] for s in route["stops"]
        }
        assert stops.get(repair) == "repair-01"


def publish(svc: Service, plan: dict[str, Any]) -> Any:
    """Publish a ready plan; the answer."""
    r = svc.post(
        f"/api/plans/{plan['id']}/publish", json={}, headers={"If-Match": f'"{plan["version"]}"'}
    )
    assert r.status_code == 200, r.text
    return r


def set_on_call(svc: Service, crew_id: str, on_call: bool) -> bool:
    """Set a crew's on-call flag; its value before."""
    return bool(change_crew(svc, crew_id, on_call=on_call)["on_call"])


def change_crew(svc: Service, crew_id: str, **changes: Any) -> dict[str, Any]:
    """Change some of a crew's fields (PUT takes the whole crew); the crew as it was."""
    now = svc.get(f"/api/crews/{crew_id}")
    crew: dict[str, Any] = now.json()
    body = {k: v for k, v in crew.items() if k not in ("id", "version", "depot")}
    body["depot_lon"], body["depot_lat"] = crew["depot"]
    r = svc.put(
        f"/api/crews/{crew_id}",
        json={**body, **changes},
        headers={"If-Match": now.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    return crew


def test_a_survey_left_for_a_burst_is_suspended_and_its_rest_stored(tmp_path: Path) -> None:
    """Issue 13, item 3: the only valve crew leaves its leak survey for a burst; publishing
    the re-plan closes the survey as suspended and stores the rest as a new, linked job."""
    for svc in make_service("sqlite", tmp_path):
        svc.clock.now = START  # Thursday 08:00
        for crew in svc.get("/api/crews").json():  # valve-01 (valve, leak) the only valve crew
            if "valve" in crew["skills"] and crew["id"] != "valve-01":
                change_crew(svc, crew["id"], active=False)
        survey = svc.post(
            "/api/leak-surveys",
            json={"lon": 114.3105, "lat": 34.8105, "duration_min": 200, "area": "depot street"},
        )
        assert survey.status_code == 201, survey.text
        survey_id = survey.json()["id"]
        r = svc.post("/api/plans", json={"day": "2026-11-26", "seconds": 4})
        plan = wait_for_plan(svc, r.json()["id"])
        assert plan["status"] == "ready", plan["error"]
        stops = {s["job"]: s for route in plan["result"]["routes"] for s in route["stops"]}
        assert survey_id in stops, (plan["result"]["unassigned"], plan["result"]["routes"])
        assert stops[survey_id]["start"] < "2026-11-26T09:30"  # under way at the report
        r = publish(svc, plan)
        svc.clock.now = START.replace(hour=9, minute=30)
        r = svc.post("/api/repairs", json={"severity": "burst", "pipe_id": "P000590"})
        assert r.status_code == 201, r.text
        ticket = r.json()["ticket"]
        r = svc.post(
            f"/api/plans/{plan['id']}/replan", json={"now": "2026-11-26T09:30:00", "seconds": 6}
        )
        child = wait_for_plan(svc, r.json()["id"])
        assert child["status"] == "ready", child["error"]
        (left,) = child["result"]["suspended"]
        assert left["job"] == survey_id and left["crew"] == "valve-01"
        assert left["leave"] == "2026-11-26T09:35" and left["why"] == ticket
        rest = left["rest"]
        r = publish(svc, child)
        assert r.json()["jobs_suspended"] == [survey_id]
        first = svc.get(f"/api/jobs/{survey_id}").json()
        assert first["status"] == "suspended"
        assert rest in first["history"][-1]["note"] and "09:35" in first["history"][-1]["note"]
        stored = svc.get(f"/api/jobs/{rest}").json()
        assert stored["rest_of"] == survey_id and stored["kind"] == "leak survey"
        assert (stored["part"], stored["suspended"]) == (2, survey_id)
        planned = {s["job"] for route in child["result"]["routes"] for s in route["stops"]}
        assert stored["status"] == ("assigned" if rest in planned else "open")
        # a suspended job is closed: no status change reopens it
        r = svc.post(
            f"/api/jobs/{survey_id}/status",
            json={"status": "open"},
            headers={"If-Match": f'"{first["version"]}"'},
        )
        assert r.status_code == 409
        # a re-plan of the re-plan knows the rest as open work, not the survey
        svc.clock.now = START.replace(hour=10)
        r = svc.post(
            f"/api/plans/{child['id']}/replan", json={"now": "2026-11-26T10:00:00", "seconds": 4}
        )
        again = wait_for_plan(svc, r.json()["id"])
        assert again["status"] == "ready", again["error"]
