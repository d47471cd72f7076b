"""Issue 17 item 2 in the browser: an engineer ticks "hydraulic" in the isolation tab and sees
EPANET's answer beside the plan: the customers below the service pressure beyond those cut off,
the demand not served and the reduced-pressure area on the map, in both languages; the counts
are the API's for the same question. The service runs at 0.20 MPa (a deployment's setting), at
which a 600 mm main's shut-down at 07:00 leaves customers beyond it short of pressure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api
from tests.web.test_console import api_isolation

pytestmark = pytest.mark.slow

MAIN = "P002617"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_SERVICE_PRESSURE_MPA": "0.2"}
    with pages.serve(tmp_path_factory, "hydraulic", env) as srv:
        yield srv


def test_the_hydraulic_impact_is_shown_with_its_area(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "engineer")
    page.fill("#iso-form input[name=pipe]", MAIN)
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#valves-to-close li")
    # the plan alone: no hydraulic block, no reduced-pressure area
    assert page.locator("#iso-hydraulic-result").count() == 0
    assert page.locator("path.reduced-pressure").count() == 0

    page.check("#iso-form input[name=hydraulic]")  # asks the same break again, with EPANET
    page.wait_for_selector("#iso-hydraulic-result", timeout=60_000)
    expected = api_isolation(server, pipe=MAIN, hydraulic="true", hour="7")["hydraulic"]
    low = expected["reduced_pressure"]
    assert low["customers"] > 0 and low["area"]
    assert page.locator("#hyd-below").inner_text() == str(low["customers"])
    assert page.locator("#hyd-not-served").inner_text() == f"{expected['not_served_m3h']:.1f}"
    block = page.locator("#iso-hydraulic-result").inner_text()
    assert "降压区域" in block and "0.20 MPa" in block and "7 时" in block
    # the reduced-pressure area is drawn on the map
    sync_api.expect(page.locator("path.reduced-pressure").first).to_be_visible()

    page.click("#lang")  # the same answer in English
    block = page.locator("#iso-hydraulic-result").inner_text()
    assert "Reduced-pressure area" in block and "customers below the service pressure" in block
    assert page.locator("#hyd-below").inner_text() == str(low["customers"])

    page.uncheck("#iso-form input[name=hydraulic]")  # back to the plan alone
    sync_api.expect(page.locator("#iso-hydraulic-result")).to_have_count(0)
    sync_api.expect(page.locator("path.reduced-pressure")).to_have_count(0)


def test_the_hydraulic_impact_over_the_outage_window(page: Any, server: LiveServer) -> None:
    # an outage of 6 hours from 06:00: each customer at its worst hour of 06:00-12:00
    sign_in(page, server, "engineer")
    page.fill("#iso-form input[name=pipe]", MAIN)
    page.fill("#iso-form input[name=hour]", "6")
    page.fill("#iso-form input[name=hours]", "6")
    page.check("#iso-form input[name=hydraulic]")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#iso-hydraulic-result:has-text('12')", timeout=90_000)
    expected = api_isolation(server, pipe=MAIN, hydraulic="true", hour="6", hours="6")
    window = expected["hydraulic"]
    assert window["end_hour"] == 12
    assert page.locator("#hyd-below").inner_text() == str(window["reduced_pressure"]["customers"])
    assert page.locator("#hyd-not-served-m3").inner_text() == f"{window['not_served_m3']:.0f}"
    block = page.locator("#iso-hydraulic-result").inner_text()
    assert "6 时至 12 时" in block and "最不利时刻" in block and "停水期间合计" in block
    pages.screenshot(page, "hydraulic_window_zh")
    page.click("#lang")
    block = page.locator("#iso-hydraulic-result").inner_text()
    assert "6:00 to 12:00" in block and "worst hour" in block
