"""An emergency entered at the console on a day without a published plan gets a day plan of
its own, which no crew sees until it is published: once solved, the emergency form says so
and offers to publish it (one click, recorded as the dispatcher's publication); after it the
ticket's closures are assigned to crews, which is what their phones show."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.datetime_fields import fill_datetime
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

DAY = "2026-12-08"  # a Tuesday, nothing planned yet
P000590 = (114.340678, 34.798333)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_DEMO_CLOCK": f"{DAY}T10:05", "WATEROPS_SOLVER_SECONDS": "5"}
    with pages.serve(tmp_path_factory, "emergency-publish", env) as srv:
        yield srv


def test_an_emergency_day_plan_is_offered_for_publishing(page: Any, server: LiveServer) -> None:
    token = server.token()
    _, plans, _ = server.call("GET", "/api/plans", token)
    assert not [p for p in plans if p["day"] == DAY and p["status"] == "published"]
    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.click("#emergency summary")
    page.evaluate(
        """([lon, lat]) => { const f = document.querySelector('#emergency-form');
        f.lon.value = String(lon); f.lat.value = String(lat); }""",
        list(P000590),
    )
    fill_datetime(page.locator("#emergency-form"), "reported", f"{DAY}T10:00")
    page.click("#emergency-form button[type=submit]")
    offer = page.locator("#emergency-publish")
    sync_api.expect(offer).to_be_visible(timeout=90_000)
    sync_api.expect(offer).to_contain_text("尚未发布")  # not published: no crew sees it
    ticket = page.locator("#moved").inner_text().split()[0]
    _, plans, _ = server.call("GET", "/api/plans", token)
    child = max(plans, key=lambda p: p["id"])
    assert child["day"] == DAY and child["status"] == "ready" and child["parent"] is None
    _, jobs, _ = server.call("GET", f"/api/jobs?source={ticket}", token)
    assert all(j["status"] == "open" for j in jobs), "nothing reaches a crew before publishing"
    pages.screenshot(page, "emergency_offer_publish")

    offer.locator("button").click()
    sync_api.expect(offer).to_contain_text("班组已收到", timeout=30_000)  # the crews have it
    sync_api.expect(offer.locator("button")).to_have_count(0)
    _, plan, _ = server.call("GET", f"/api/plans/{child['id']}", token)
    assert plan["status"] == "published" and plan["published_by"] == "dispatcher"
    _, jobs, _ = server.call("GET", f"/api/jobs?source={ticket}", token)
    closures = [j for j in jobs if j["step"] == "close"]
    assert closures and all(j["status"] == "assigned" and j["crew"] for j in closures), closures
    # the plan view follows: the plan shown is the published one
    sync_api.expect(page.locator("#plan-result .badge.ok")).to_be_visible(timeout=10_000)
    pages.screenshot(page, "emergency_published")
