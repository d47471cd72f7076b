"""Issue 16 leftover in the browser: once an emergency's report to the water-supply authority
(城市供水条例 §22) is recorded from the console, the notice shows the record and no longer offers
the report form (it offered it again, inviting a second report of the same stoppage)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "report") as srv:
        yield srv


def test_the_report_form_goes_once_the_report_is_recorded(
    browser: Any,
    server: LiveServer,
) -> None:
    start = dt.datetime.now(TZ).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    body, _ = pages.draft_outage(
        server, ["P000300"], start, hours=4, kind="emergency", reason_zh="爆管抢修"
    )
    oid = body["id"]
    with pages.browser_page(browser, watch="uncaught") as page:
        sign_in(page, server, "dispatcher")
        pages.open_notice(page, oid)
        form = page.locator("#authority-form")
        form.wait_for()
        form.locator("input[name=authority]").fill("开封市城市管理局")
        form.locator("input[name=document]").fill("电话报告 2026-001")
        form.locator("button[type=submit]").click()
        records = page.locator(".authority-records li")
        sync_api.expect(records).to_have_count(1, timeout=30_000)
        assert "开封市城市管理局" in records.inner_text()
        assert page.locator("#authority-form").count() == 0
        # the service has the one report
        _, outage, _ = server.call("GET", f"/api/outages/{oid}", server.token())
        assert [r["kind"] for r in outage["records"]] == ["report"]
        # opened again, still no form
        page.reload()  # still signed in
        page.wait_for_selector("#app:not([hidden])")
        page.wait_for_selector(".leaflet-overlay-pane canvas")
        pages.open_notice(page, oid)
        sync_api.expect(page.locator(".authority-records li")).to_have_count(1)
        assert page.locator("#authority-form").count() == 0
