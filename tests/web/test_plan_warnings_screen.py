"""The plan tab says when the roster changed under a published plan (issue 18, the new-user
trial: valve-02's shift cut to 15:30 in the Crews tab, the published plan still had it working
until 16:52 with no word), in the console's language, and its button plans the day again with
the roster as it is. A real ``waterops serve --demo`` with its sample day, the real solver."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api
from tests.web.test_plan_steering import call, wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_SOLVER_SECONDS": "4"}
    with pages.serve(tmp_path_factory, "plan-warnings", env) as srv:
        srv.await_sample_day()
        yield srv


def test_a_shift_cut_under_the_published_plan_is_said_and_replanned(
    page: Any, server: LiveServer
) -> None:
    day = next_working_day().isoformat()
    plan = wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])
    token = server.token()
    status, _, _ = server.call(
        "POST", f"/api/plans/{plan['id']}/publish", token, {}, {"If-Match": f'"{plan["version"]}"'}
    )
    assert status == 200
    route = max((r for r in plan["result"]["routes"] if r["stops"]), key=lambda r: r["arrive"])
    arrive = dt.datetime.fromisoformat(route["arrive"])
    first = dt.datetime.fromisoformat(route["depart"])
    cut = (arrive - dt.timedelta(minutes=60)).strftime("%H:%M")
    shift = f"/api/crews/{route['crew']}/shifts/{day}"
    status, _, _ = server.call("PUT", shift, token, {"start": f"{first:%H:%M}", "end": cut})
    assert status == 200
    try:
        sign_in(page, server, "dispatcher")
        open_tab(page, "plan")
        page.select_option("#plan-select", str(plan["id"]))
        said = page.locator("#plan-warnings li[data-code='roster_shift']")
        sync_api.expect(said).to_have_count(1)
        text = said.inner_text()
        assert route["crew"] in text and f"{first:%H:%M}–{cut}" in text, text
        assert "请重新排班" in text and "{" not in text, text
        page.click("#plan-replan-roster")
        deadline = time.monotonic() + 90
        while True:
            listed = call(server, "GET", f"/api/plans?day={day}")
            plans = [p for p in listed if p["id"] > plan["id"]]
            if plans:
                break
            assert time.monotonic() < deadline, "no new plan"
            time.sleep(0.5)
        again = wait_ready(server, plans[0]["id"])
        mine = [r for r in again["result"]["routes"] if r["crew"] == route["crew"]]
        assert all(r["arrive"] <= f"{day}T{cut}" for r in mine if r["stops"])
        assert not [w for w in again["warnings"] if w["code"].startswith("roster_")]
    finally:
        server.call("DELETE", shift, token)
