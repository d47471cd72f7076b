"""The field app on a 390 x 844 phone (user trial): back from a job to the day, the map shows
the whole route again (it showed 100 m off the route, one marker); and the English app's
network badge is in English ("在线" stayed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sync_api

pytestmark = pytest.mark.slow

DAY = dt.date(2026, 11, 26)  # a working Thursday: the service's demo clock
CLOCK = dt.datetime(2026, 11, 26, 8, 30)
INSIDE = """() => {
  const box = document.querySelector('#map').getBoundingClientRect();
  return [...document.querySelectorAll('#map .leaflet-marker-icon.icon-stop')].map((m) => {
    const r = m.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    return x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
  });
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_DEMO_CLOCK": CLOCK.isoformat()}
    with pages.serve(tmp_path_factory, "field-back", env) as srv:
        srv.await_sample_day()
        yield srv


@pytest.fixture(scope="module")
def crew(server: LiveServer) -> str:
    """The published day's crew with the most stops."""
    plan = pages.ready_plan(server, DAY, 4)
    pages.publish_plan(server, plan)
    route = max(plan["result"]["routes"], key=lambda r: len(r["stops"]))
    assert len(route["stops"]) >= 3
    return str(route["crew"])


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    with pages.browser_page(
        browser,
        390,
        844,
        shot=request.node.name,
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
    ) as pg:
        pg.clock.install(time=CLOCK.replace(tzinfo=TZ))
        yield pg


def test_back_from_a_job_the_map_fits_the_route_again(
    phone: Any, server: LiveServer, crew: str
) -> None:
    phone.goto(f"{server.url}/field")
    pages.log_in(phone, f"crew-{crew}")
    markers = phone.locator("#map .leaflet-marker-icon.icon-stop")
    sync_api.expect(phone.locator("#stops li").first).to_be_visible(timeout=15_000)
    n = phone.locator("#stops li").count()
    sync_api.expect(markers).to_have_count(n)
    phone.wait_for_timeout(800)  # the fit's animation
    assert all(phone.evaluate(INSIDE)), "the day opens on the whole route"
    phone.click("#stops li >> nth=0")
    sync_api.expect(phone.locator("#job-view")).to_be_visible()
    # the phone's address bar hides as the crew scrolls the job: the window resizes while the
    # day's map is hidden (Leaflet then measures it 0 x 0)
    phone.mouse.wheel(0, 400)
    phone.set_viewport_size({"width": 390, "height": 900})
    phone.wait_for_timeout(500)
    phone.click("#back")
    sync_api.expect(phone.locator("#day-view")).to_be_visible()
    phone.wait_for_timeout(800)
    assert all(phone.evaluate(INSIDE)), phone.evaluate(INSIDE)


def test_the_english_field_app_says_online_in_english(
    phone: Any, server: LiveServer, crew: str
) -> None:
    phone.goto(f"{server.url}/field")
    pages.log_in(phone, f"crew-{crew}")
    sync_api.expect(phone.locator("#stops li").first).to_be_visible(timeout=15_000)
    sync_api.expect(phone.locator("#net")).to_have_text("在线")
    phone.click("#lang")
    sync_api.expect(phone.locator("#net")).to_have_text("Online")


def test_the_history_of_a_report_is_in_the_apps_language(
    phone: Any, server: LiveServer, crew: str
) -> None:
    phone.goto(f"{server.url}/field")
    pages.log_in(phone, f"crew-{crew}")
    sync_api.expect(phone.locator("#stops li").first).to_be_visible(timeout=15_000)
    phone.click("#stops li >> nth=0")
    for kind in ("en_route", "arrived"):
        phone.click(f'#actions [data-report="{kind}"]')
        sync_api.expect(phone.locator("#job-history li").last).not_to_contain_text("待发送")
    history = phone.locator("#job-history")
    sync_api.expect(history).to_contain_text("现场上报：到达", timeout=15_000)
    assert "field:" not in history.inner_text() and "arrived" not in history.inner_text()
    phone.click("#lang")
    sync_api.expect(history).to_contain_text("field: arrived")
