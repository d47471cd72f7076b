"""A plan says what a dispatcher must know before trusting it (issue 18, the new-user trial):
a shift changed in the Crews tab under a published plan that has the crew working past it, and
a plan of today made late in the day, which placed jobs in the morning already gone. Real
solver, the service on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from api.schemas import PlanOut
from ops.calendar import TZ
from tests.api.conftest import START, Service, make_service, publish, wait_for_plan

pytestmark = pytest.mark.slow

DAY = "2026-11-27"  # a Friday, the day after the service's clock


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-warn"))


@pytest.fixture(autouse=True)
def clock_at_start(service: Service) -> Iterator[None]:
    service.clock.now = START
    yield
    service.clock.now = START


def solved(service: Service, body: dict[str, object]) -> dict[str, object]:
    r = service.post("/api/plans", json=body)
    assert r.status_code == 202, r.text
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    assert PlanOut.model_validate(plan).model_dump(mode="json")["warnings"] == plan["warnings"]
    return plan


def test_a_shift_cut_under_a_published_plan_is_a_warning_on_the_plan(
    service: Service, open_work: dict[str, str]
) -> None:
    plan = solved(service, {"day": DAY, "seconds": 4})
    assert [w for w in plan["warnings"] if w["code"].startswith("roster_")] == []
    etag = service.get(f"/api/plans/{plan['id']}").headers["etag"]
    assert publish(service, f"/api/plans/{plan['id']}/publish", etag).status_code == 200
    route = max((r for r in plan["result"]["routes"] if r["stops"]), key=lambda r: r["arrive"])
    arrive = dt.datetime.fromisoformat(route["arrive"])
    cut = (arrive - dt.timedelta(minutes=30)).strftime("%H:%M")
    path = f"/api/crews/{route['crew']}/shifts/{DAY}"
    assert service.put(path, json={"start": "07:30", "end": cut}).status_code == 200
    try:
        warnings = service.get(f"/api/plans/{plan['id']}").json()["warnings"]
        mine = [w for w in warnings if w["code"] == "roster_shift"]
        assert [w["params"]["crew"] for w in mine] == [route["crew"]]
        assert mine[0]["params"]["shift"] == f"07:30–{cut}"
        assert mine[0]["params"]["end"] == f"{arrive:%H:%M}"
        # a crew now away all day is said so
        away = service.post(
            f"/api/crews/{route['crew']}/absences", json={"start": DAY, "reason": "sickness"}
        )
        assert away.status_code == 201, away.text
        codes = [w["code"] for w in service.get(f"/api/plans/{plan['id']}").json()["warnings"]]
        assert "roster_absent" in codes
        service.client.delete(
            f"/api/crews/{route['crew']}/absences/{away.json()['id']}",
            headers=service.auth("dispatcher"),
        )
    finally:
        service.client.delete(path, headers=service.auth("dispatcher"))
    # the roster as the plan had it again: no warning
    back = service.get(f"/api/plans/{plan['id']}").json()["warnings"]
    assert [w for w in back if w["code"].startswith("roster_")] == []


def test_a_plan_of_today_starts_at_now_and_says_so(
    service: Service, open_work: dict[str, str]
) -> None:
    today = START.date()
    service.clock.now = dt.datetime.combine(today, dt.time(10, 30), tzinfo=TZ)
    plan = solved(service, {"day": today.isoformat(), "seconds": 4})
    starts = [s["start"] for r in plan["result"]["routes"] for s in r["stops"]]
    assert starts and min(starts) >= f"{today}T10:30"
    said = [(w["code"], w["params"]) for w in plan["warnings"]]
    assert said == [("planned_from_now", {"at": "10:30"})]
    # at 22:30 every shift is over: nothing placed in the past (the open burst goes to the
    # crews on call, from now), and the plan says why the rest waits
    service.clock.now = dt.datetime.combine(today, dt.time(22, 30), tzinfo=TZ)
    late = solved(service, {"day": today.isoformat(), "seconds": 2})
    placed = [s["start"] for r in late["result"]["routes"] for s in r["stops"]]
    assert all(s >= f"{today}T22:30" for s in placed)
    assert [w["code"] for w in late["warnings"]] == ["shifts_over"]
