"""Issue 15, item 1 in the browser: the console reads a job's typed fields, not its id. The two
crews of a large main's repair are the same job on two lanes of the timeline, the second said
to be so (its ``slot``); a job opened from the list shows its ticket and its valve."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import call, open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

BIG_MAIN = "P000005"  # DN500: its repair needs two pipe crews at once (RepairRules)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "fields") as srv:
        yield srv


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with pages.browser_page(browser) as pg:
        yield pg


def test_the_console_shows_the_second_crew_and_a_jobs_ticket_and_valve(
    page: Any, server: LiveServer
) -> None:
    case = call(server, "POST", "/api/repairs", {"severity": "burst", "pipe_id": BIG_MAIN})
    ticket = case["ticket"]
    repair = next(j for j in case["jobs"] if j["step"] == "repair")
    closure = next(j for j in case["jobs"] if j["step"] == "close")
    assert repair["crews_required"] == 2 and repair["ticket"] == ticket

    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.fill("#plan-form input[name=day]", next_working_day().isoformat())
    page.fill("#plan-form input[name=seconds]", "5")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#routes-table tbody tr", timeout=90_000)
    deadline = time.monotonic() + 30
    while (plans := call(server, "GET", "/api/plans"))[0]["status"] != "ready":
        assert time.monotonic() < deadline, plans[0]
        time.sleep(0.5)
    result = call(server, "GET", f"/api/plans/{plans[0]['id']}")["result"]
    crews = {
        s["slot"]: r["crew"]
        for r in result["routes"]
        for s in r["stops"]
        if s["job"] == repair["id"]
    }
    assert sorted(crews) == [1, 2] and crews[1] != crews[2], result["unassigned"]

    # the timeline: a bar of the repair on each crew's lane, the second crew's said to be so
    bars = page.locator(f'#timeline .bar.job[title^="{repair["id"]} "]')
    sync_api.expect(bars).to_have_count(2)
    titles = sorted(bars.nth(k).get_attribute("title") or "" for k in range(2))
    assert sum("第二班组" in title for title in titles) == 1, titles

    # the work list: a job opened shows the ticket it belongs to and the valve it works on
    open_tab(page, "work")
    page.locator(f"#jobs-table tr[data-job='{closure['id']}']").click()
    detail = page.locator("#job-detail")
    sync_api.expect(detail.locator(".job-ticket")).to_contain_text(ticket)
    sync_api.expect(detail.locator(".job-valve")).to_contain_text(closure["valve"])
    page.locator(f"#jobs-table tr[data-job='{repair['id']}']").click()
    sync_api.expect(detail.locator(".job-ticket")).to_contain_text(ticket)
    # the repair works on no valve (waits for the detail to change: the closure's showed one)
    sync_api.expect(detail.locator(".job-valve")).to_have_count(0)
