"""The user trial's night burst in the browser: at 03:20 on Tuesday 8 December 2026 (the
server's demo clock) a dispatcher enters a burst reported at 03:10 (the 24-hour field) in the
day plan tab's emergency form. The day's published plan is re-planned from 03:10 and the crews
on call are called out: the first closure is at night, not at 08:03 as in the trial. With
nobody on call, the answer says up front that no crew is available before the shifts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.datetime_fields import fill_datetime
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

DAY = "2026-12-08"
P000590 = (114.340678, 34.798333)  # the middle of the trial's pipe
P000300 = (114.371984, 34.789959)  # another pipe, 3 km away: a ticket of its own


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_DEMO_CLOCK": f"{DAY}T03:20", "WATEROPS_SOLVER_SECONDS": "8"}
    with pages.serve(tmp_path_factory, "emergency-night", env) as srv:
        yield srv


def report(page: Any, lonlat: tuple[float, float], at: str, overtime: str = "") -> None:
    """Fills the emergency form with a burst at ``lonlat`` reported at ``at`` and sends it."""
    form = "#emergency-form"
    page.evaluate(
        """([lon, lat]) => { const f = document.querySelector('#emergency-form');
        f.lon.value = String(lon); f.lat.value = String(lat); }""",
        list(lonlat),
    )
    fill_datetime(page.locator(form), "reported", at)
    page.select_option(f"{form} select[name=overtime]", overtime)
    page.click(f"{form} button[type=submit]")


def closures(server: LiveServer, plan_id: int, ticket: str) -> list[dt.datetime]:
    """The starts of ``ticket``'s valve closures in plan ``plan_id``, once it is solved."""
    token = server.token()
    _, jobs, _ = server.call("GET", f"/api/jobs?source={ticket}", token)
    ids = {j["id"] for j in jobs if j["step"] == "close"}
    _, plan, _ = server.call("GET", f"/api/plans/{plan_id}", token)
    stops = [s for r in plan["result"]["routes"] for s in r["stops"] if s["job"] in ids]
    # Kaifeng times, naive as the plan's result writes them
    return sorted(dt.datetime.fromisoformat(s["start"][:16]) for s in stops)


def test_a_burst_reported_at_night_gets_an_on_call_crew_at_night(
    page: Any, server: LiveServer
) -> None:
    token = server.token()
    status, plan, _ = server.call("POST", "/api/plans", token, {"day": DAY, "seconds": 3})
    assert status == 202, plan
    for _ in range(120):
        _, plan, _ = server.call("GET", f"/api/plans/{plan['id']}", token)
        if plan["status"] not in ("queued", "solving"):
            break
        page.wait_for_timeout(500)
    assert plan["status"] == "ready", plan
    status, body, _ = server.call(
        "POST",
        f"/api/plans/{plan['id']}/publish",
        token,
        {},
        headers={"If-Match": f'"{plan["version"]}"'},
    )
    assert status == 200, body

    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.click("#emergency summary")
    # the reported time defaults to now (the browser's Kaifeng time), a 24-hour field
    assert page.locator("#emergency-form input[name=reported_time]").input_value()
    report(page, P000590, f"{DAY}T03:10")
    moved = page.locator("#moved")
    sync_api.expect(moved).to_contain_text("03:10", timeout=30_000)
    ticket = moved.inner_text().split()[0]
    # the new plan's status in the console's language (排队中/求解中), not the API's word
    line = moved.inner_text()
    assert not any(w in line for w in ("queued", "solving", "ready")), line
    _, plans, _ = server.call("GET", "/api/plans", token)
    child = max(plans, key=lambda p: p["id"])
    assert child["parent"] == plan["id"], child  # the published plan, re-planned from 03:10
    page.wait_for_selector(f"#plan-result[data-plan='{child['id']}'] #routes-table", timeout=90_000)
    starts = closures(server, child["id"], ticket)
    reported = dt.datetime.fromisoformat(f"{DAY}T03:10")
    assert starts, "no closure planned"
    print("first closures", [f"{s:%H:%M}" for s in starts])
    # the on-call crews are called out (45 min at night): closures at night, not at 08:03
    assert reported + dt.timedelta(minutes=45) <= starts[0] <= reported + dt.timedelta(hours=1)
    page.wait_for_timeout(1500)  # the warning is drawn once the plan is solved: none here
    assert page.locator("#emergency-wait").is_hidden()
    pages.screenshot(page, "emergency_night_called_out")

    # nobody on call: the burst waits for the 08:00 shift, and the console says so up front
    for crew in server.call("GET", "/api/crews", token)[1]:
        if crew["on_call"]:
            got = server.call("GET", f"/api/crews/{crew['id']}", token)
            body = {k: v for k, v in got[1].items() if k not in ("id", "version", "depot")}
            body["depot_lon"], body["depot_lat"] = got[1]["depot"]
            body["on_call"] = False
            status, answer, _ = server.call(
                "PUT",
                f"/api/crews/{crew['id']}",
                token,
                body,
                headers={"If-Match": {k.lower(): v for k, v in got[2].items()}["etag"]},
            )
            assert status == 200, answer
    report(page, P000300, f"{DAY}T03:20", overtime="0")
    warning = page.locator("#emergency-wait")
    sync_api.expect(warning).to_be_visible(timeout=90_000)
    sync_api.expect(warning).to_contain_text("前没有班组可出动")
    sync_api.expect(warning).to_contain_text("应急值班")
    second = page.locator("#moved").inner_text().split()[0]
    assert second != ticket
    _, plans, _ = server.call("GET", "/api/plans", token)
    late = closures(server, max(p["id"] for p in plans), second)
    assert not late or late[0] >= dt.datetime.fromisoformat(f"{DAY}T08:00")
    if late:
        sync_api.expect(warning).to_contain_text(f"{late[0]:%H:%M}")
    pages.screenshot(page, "emergency_night_no_crew")
