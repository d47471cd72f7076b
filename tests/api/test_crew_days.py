"""A crew's absences and shift changes by day through the service (issue 18 item 3), on
SQLite and PostgreSQL: stored, listed, refused when wrong, and honoured by a plan (real solver).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import BaseModel

from api.cli import main
from api.routes.crews import AbsenceOut, CrewOut, CrewsDayOut, ShiftChangeOut
from api.store import add_absence
from ops.crews import Absence, AbsenceReason
from ops.errors import Conflict
from tests.api.conftest import Service, wait_for_plan

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]

DAY = "2026-11-27"  # a Friday


def delete(service: Service, path: str) -> Any:
    return service.client.delete(path, headers=service.auth("dispatcher"))


def declared(model: type[BaseModel], data: dict[str, Any]) -> None:
    """``data`` is the answer ``model`` declares in /openapi.json, with all its fields."""
    assert model.model_validate(data).model_dump(mode="json") == data


def test_absences_are_kept_listed_and_removed(service: Service) -> None:
    r = service.post(
        "/api/crews/meter-02/absences",
        json={"start": "2026-12-07", "end": "2026-12-11", "reason": "leave", "note": "annual"},
    )
    assert r.status_code == 201, r.text
    absence = r.json()
    declared(AbsenceOut, absence)
    assert absence["crew"] == "meter-02" and absence["end"] == "2026-12-11"
    assert absence["created_by"] == "dispatcher"
    # one date: end defaults to start; an overlap is refused naming the one it overlaps
    clash = service.post(
        "/api/crews/meter-02/absences", json={"start": "2026-12-09", "reason": "sickness"}
    )
    assert clash.status_code == 409 and str(absence["id"]) in clash.json()["detail"]
    bad = [
        {"start": "2026-12-09", "reason": "holiday"},
        {"start": "2026-12-09", "end": "2026-12-08", "reason": "leave"},
    ]
    for body in bad:
        assert service.post("/api/crews/meter-02/absences", json=body).status_code == 422
    assert (
        service.post("/api/crews/nobody/absences", json=bad[0] | {"reason": "leave"}).status_code
        == 404
    )
    assert (
        service.post(
            "/api/crews/meter-02/absences", json={"start": "2026-12-09"}, role="viewer"
        ).status_code
        == 403
    )
    listed = service.get("/api/crews/meter-02/absences", params={"from": "2026-12-10"}).json()
    assert [a["id"] for a in listed] == [absence["id"]]
    assert service.get("/api/crews/meter-02/absences", params={"to": "2026-12-06"}).json() == []
    assert delete(service, f"/api/crews/meter-02/absences/{absence['id']}").status_code == 204
    assert delete(service, f"/api/crews/meter-02/absences/{absence['id']}").status_code == 404
    assert service.get("/api/crews/meter-02/absences").json() == []


def test_shift_changes_and_the_day_of_every_crew(service: Service) -> None:
    path = "/api/crews/meter-01/shifts/2026-12-14"
    r = service.put(path, json={"start": "12:00", "end": "20:00", "note": "evening readings"})
    assert r.status_code == 200, r.text
    assert r.json()["start"] == "12:00" and r.json()["on_call"] is None
    declared(ShiftChangeOut, r.json())
    r = service.put(path, json={"start": "12:00", "end": "20:00", "on_call": True})
    assert r.status_code == 200  # the day's change replaced, not a second one
    assert [c["day"] for c in service.get("/api/crews/meter-01/shifts").json()] == ["2026-12-14"]
    for body in ({"start": "12:00"}, {"start": "20:00", "end": "12:00"}, {}):
        assert service.put(path, json=body).status_code == 422, body
    service.post("/api/crews/meter-03/absences", json={"start": "2026-12-14", "reason": "vehicle"})
    day = service.get("/api/crews/days/2026-12-14").json()
    declared(CrewsDayOut, day)
    assert day["working_day"] is True
    crews = {c["id"]: c for c in day["crews"]}
    assert crews["meter-01"] | {} == {
        "id": "meter-01",
        "works": True,
        "absent": None,
        "changed": True,
        "away": [],  # no hours away that day
        "shift_start": "12:00",
        "shift_end": "20:00",
        "on_call": True,
    }
    assert crews["meter-03"]["works"] is False and crews["meter-03"]["absent"] == "vehicle"
    assert crews["meter-02"]["works"] is True and crews["meter-02"]["changed"] is False
    sunday = service.get("/api/crews/days/2026-12-13").json()
    assert {c["id"] for c in sunday["crews"] if c["works"]} == {
        "valve-03",
        "repair-01",
        "tanker-01",
    }
    assert delete(service, path).status_code == 204
    assert delete(service, path).status_code == 404


def test_a_plan_gives_an_absent_crew_no_job(service: Service, open_work: dict[str, str]) -> None:
    """Every valve crew but valve-02 is away on the day: the repair's valve work goes to
    valve-02, on its changed hours, and the absent crews have no stop."""
    crews = service.get("/api/crews").json()
    for crew in crews:
        declared(CrewOut, crew)
    away = [c["id"] for c in crews if "valve" in c["skills"] and c["id"] != "valve-02"]
    ids = []
    for crew in away:
        r = service.post(f"/api/crews/{crew}/absences", json={"start": DAY, "reason": "sickness"})
        assert r.status_code == 201, r.text
        ids.append((crew, r.json()["id"]))
    late = service.put("/api/crews/valve-02/shifts/" + DAY, json={"start": "10:00", "end": "19:00"})
    assert late.status_code == 200
    try:
        r = service.post("/api/plans", json={"day": DAY, "seconds": 4})
        assert r.status_code == 202, r.text
        plan = wait_for_plan(service, r.json()["id"])
        assert plan["status"] == "ready", plan["error"]
        routes = {route["crew"]: route["stops"] for route in plan["result"]["routes"]}
        assert all(not routes.get(crew) for crew in away)
        valve_work = routes.get("valve-02") or []
        assert valve_work and all(s["start"] >= f"{DAY}T10:00" for s in valve_work)
    finally:
        for crew, absence in ids:
            delete(service, f"/api/crews/{crew}/absences/{absence}")
        delete(service, "/api/crews/valve-02/shifts/" + DAY)


def test_hours_away_are_stored_and_the_plan_keeps_the_crew_out_of_them(
    service: Service, open_work: dict[str, str]
) -> None:
    """valve-02 at the doctor's 08:00-12:00 on the day, the other valve crews away: the
    repair's valve work goes to valve-02, none of it before noon (the real solver)."""
    r = service.post(
        "/api/crews/valve-02/absences",
        json={"start": DAY, "reason": "sickness", "start_time": "08:00", "end_time": "12:00"},
    )
    assert r.status_code == 201, r.text
    declared(AbsenceOut, r.json())
    assert (r.json()["start_time"], r.json()["end_time"]) == ("08:00", "12:00")
    ids = [("valve-02", r.json()["id"])]
    # the hours overlap: refused; other hours of the day are another absence
    clash = service.post(
        "/api/crews/valve-02/absences",
        json={"start": DAY, "reason": "leave", "start_time": "11:00", "end_time": "13:00"},
    )
    assert clash.status_code == 409 and str(ids[0][1]) in clash.json()["detail"]
    for body in (
        {
            "start": DAY,
            "end": "2026-11-28",
            "reason": "leave",
            "start_time": "08:00",
            "end_time": "09:00",
        },
        {"start": DAY, "reason": "leave", "start_time": "08:00"},
    ):
        assert service.post("/api/crews/valve-02/absences", json=body).status_code == 422, body
    crews = service.get("/api/crews").json()
    away = [c["id"] for c in crews if "valve" in c["skills"] and c["id"] != "valve-02"]
    for crew in away:
        r = service.post(f"/api/crews/{crew}/absences", json={"start": DAY, "reason": "leave"})
        assert r.status_code == 201, r.text
        ids.append((crew, r.json()["id"]))
    try:
        day = service.get(f"/api/crews/days/{DAY}").json()
        declared(CrewsDayOut, day)
        valve_02 = next(c for c in day["crews"] if c["id"] == "valve-02")
        assert valve_02["works"] and valve_02["shift_start"] == "12:00"
        assert valve_02["away"] == [["08:00", "12:00"]]
        r = service.post("/api/plans", json={"day": DAY, "seconds": 4})
        assert r.status_code == 202, r.text
        plan = wait_for_plan(service, r.json()["id"])
        assert plan["status"] == "ready", plan["error"]
        routes = {route["crew"]: route["stops"] for route in plan["result"]["routes"]}
        assert all(not routes.get(crew) for crew in away)
        valve_work = routes.get("valve-02") or []
        assert valve_work and all(s["start"] >= f"{DAY}T12:00" for s in valve_work)
    finally:
        for crew, absence in ids:
            delete(service, f"/api/crews/{crew}/absences/{absence}")


def test_two_overlapping_absences_at_once_are_not_both_stored(service: Service) -> None:
    """The race of two dispatchers (issue 18): the first transaction stores its absence and
    has not committed when the second asks for an overlapping one. The second waits for the
    first (the crew's row is locked on PostgreSQL, SQLite's writers queue) and is refused."""
    sessions = service.client.app.state.sessions  # type: ignore[attr-defined]
    first = Absence("meter-01", dt.date(2027, 1, 4), dt.date(2027, 1, 8), AbsenceReason.LEAVE)
    second = Absence("meter-01", dt.date(2027, 1, 6), dt.date(2027, 1, 6), AbsenceReason.SICKNESS)
    stored = threading.Event()
    outcome: dict[str, object] = {}

    def one() -> None:
        with sessions() as session, session.begin():
            outcome["first"] = add_absence(session, first, "dispatcher").id
            stored.set()
            time.sleep(1.0)  # the second asks meanwhile

    def two() -> None:
        stored.wait(10)
        try:
            with sessions() as session, session.begin():
                outcome["second"] = add_absence(session, second, "dispatcher").id
        except Conflict as exc:
            outcome["second"] = exc

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcome["second"], Conflict), outcome
    assert f"absence {outcome['first']}" in str(outcome["second"])
    listed = service.get("/api/crews/meter-01/absences", params={"from": "2027-01-01"}).json()
    assert [a["id"] for a in listed] == [outcome["first"]]
    # the same through the service: two requests at once, one 201 and one 409
    bodies = [{"start": "2027-02-01", "end": "2027-02-03", "reason": "leave"}] * 2
    with ThreadPoolExecutor(2) as pool:
        codes = sorted(
            pool.map(
                lambda b: service.post("/api/crews/meter-01/absences", json=b).status_code, bodies
            )
        )
    assert codes == [201, 409]
    for absence in service.get(
        "/api/crews/meter-01/absences", params={"from": "2027-01-01"}
    ).json():
        assert delete(service, f"/api/crews/meter-01/absences/{absence['id']}").status_code == 204


def test_the_command_line_keeps_the_absences_the_service_keeps(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    """``waterops crews absence add|list|remove`` on the service's database: what one stores
    the other lists, and the command line refuses an overlap by the same rule (exit 1)."""
    database = ["--database", service.client.app.state.settings.database]  # type: ignore[attr-defined]
    add = ["crews", "absence", "add", "meter-03", "--start", "2027-03-01", *database]
    assert main([*add, "--reason", "sickness", "--from", "08:00", "--to", "12:00"]) == 0
    capsys.readouterr()
    listed = service.get("/api/crews/meter-03/absences", params={"from": "2027-03-01"}).json()
    assert [(a["start"], a["start_time"], a["end_time"], a["reason"]) for a in listed] == [
        ("2027-03-01", "08:00", "12:00", "sickness")
    ]
    assert listed[0]["created_by"]
    # the service's absence of the afternoon, then an overlap refused by the command line
    r = service.post(
        "/api/crews/meter-03/absences",
        json={"start": "2027-03-01", "reason": "leave", "start_time": "13:00", "end_time": "17:00"},
    )
    assert r.status_code == 201, r.text
    assert main([*add, "--reason", "leave", "--end", "2027-03-02"]) == 1
    assert f"absence {listed[0]['id']}" in capsys.readouterr().err
    assert (
        main(["crews", "absence", "list", "meter-03", "--from", "2027-01-01", "--json", *database])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(a["start_time"], a["end_time"]) for a in rows] == [
        ("08:00", "12:00"),
        ("13:00", "17:00"),
    ]
    assert main(["crews", "absence", "list", "meter-03", *database]) == 0
    assert "13:00" in capsys.readouterr().out
    for row in rows:
        assert main(["crews", "absence", "remove", "meter-03", str(row["id"]), *database]) == 0
    assert main(["crews", "absence", "remove", "meter-03", str(rows[0]["id"]), *database]) == 1
    assert service.get("/api/crews/meter-03/absences", params={"from": "2027-03-01"}).json() == []
    assert (
        main(
            [
                "crews",
                "absence",
                "add",
                "nobody",
                "--start",
                "2027-03-01",
                "--reason",
                "leave",
                *database,
            ]
        )
        == 1
    )
