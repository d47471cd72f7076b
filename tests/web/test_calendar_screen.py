"""Issue 11 in the browser: on 24 December 2026 (the server's demo clock) a dispatcher takes an
application whose deadline falls in 2027, a year not yet announced, and sees it flagged
暂定; an admin enters the year on the calendar screen; the dispatcher sees the deadline move
and the flag go. A dispatcher cannot enter a year."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_DEMO_CLOCK": "2026-12-24T09:00"}
    with pages.serve(tmp_path_factory, "calendar", env) as srv:
        yield srv


def test_a_year_entered_by_the_admin_moves_the_provisional_deadlines(
    page: Any,
    browser: Any,
    server: LiveServer,
) -> None:
    sign_in(page, server, "dispatcher")
    open_tab(page, "work")
    form = "#conn-form"
    page.select_option(f"{form} select[name=type]", "pre_other")
    page.fill(f"{form} input[name=customer]", "岁末工厂")
    page.evaluate(
        """() => { const f = document.querySelector('#conn-form');
        f.lon.value = '114.35'; f.lat.value = '34.80'; }"""
    )
    page.click(f"{form} button[type=submit]")
    created = page.locator("#conn-created")
    sync_api.expect(created).to_contain_text("暂定")
    app_id = created.inner_text().split()[1]
    job = f"{app_id}-open"
    row = page.locator(f"#jobs-table tr[data-job='{job}']")
    sync_api.expect(row).to_contain_text("01-04 09:00")
    sync_api.expect(row.locator(".badge.provisional")).to_have_count(1)

    # a dispatcher reads the calendar but cannot enter a year
    open_tab(page, "calendar")
    sync_api.expect(page.locator("#cal-table tr[data-year='2027']")).to_contain_text("暂定")
    assert not page.locator("#cal-form").is_visible()
    status, body, _ = server.call(
        "PUT",
        "/api/calendar/years/2027",
        server.token("dispatcher"),
        {"document": "x", "days_off": ["2027-01-01"]},
    )
    assert status == 403, body

    # the admin enters the notice
    with pages.browser_page(browser, 1366, 800, watch="none") as admin:
        sign_in(admin, server, "admin")
        open_tab(admin, "calendar")
        admin.fill("#cal-form input[name=year]", "2027")
        admin.fill("#cal-form input[name=document]", "国办发明电〔2026〕99号（测试）")
        admin.fill(
            "#cal-form textarea[name=days_off]", "2027-01-01..2027-01-04\n2027-02-05..2027-02-13"
        )
        admin.fill("#cal-form textarea[name=workdays]", "2027-02-20")
        admin.click("#cal-form button[type=submit]")
        sync_api.expect(admin.locator("#cal-moved")).to_contain_text(job)
        sync_api.expect(admin.locator("#cal-table tr[data-year='2027']")).to_contain_text("正式")
        pages.screenshot(admin, "calendar_admin_entered_2027")

    # the dispatcher sees the deadline move, and the flag is gone
    open_tab(page, "work")
    row = page.locator(f"#jobs-table tr[data-job='{job}']")
    sync_api.expect(row).to_contain_text("01-05 09:00")
    sync_api.expect(row.locator(".badge.provisional")).to_have_count(0)
