"""Issue 16 leftover in the browser: once the water-supply authority's approval of a planned
outage (城市供水条例 §22) is recorded from the console, the notice shows the recorded approval
in the form's place and no longer offers the approval form (it stayed, inviting a second
approval of the same stoppage), also when the notice is opened again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.datetime_fields import datetime_value, fill_datetime
from tests.web.pages import sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "approval") as srv:
        yield srv


def open_notice(page: Any, oid: str) -> None:
    pages.open_notice(page, oid)
    page.wait_for_selector("#notice-detail h3")


def test_the_approval_form_gives_way_to_the_recorded_approval(
    browser: Any,
    server: LiveServer,
) -> None:
    body, _ = pages.draft_outage(server, ["P000300"], pages.nine_in(3))
    oid = body["id"]
    with pages.browser_page(browser, watch="uncaught") as page:
        sign_in(page, server, "dispatcher")
        open_notice(page, oid)
        form = page.locator("#authority-form")
        form.wait_for()
        assert page.locator("#authority-recorded").count() == 0
        approved = dt.datetime.now(TZ).replace(second=0, microsecond=0) - dt.timedelta(hours=2)
        form.locator("input[name=authority]").fill("开封市城市管理局")
        form.locator("input[name=document]").fill("汴城管供〔2026〕12号")
        fill_datetime(form, "at", approved.strftime("%Y-%m-%dT%H:%M"))
        form.locator("button[type=submit]").click()
        recorded = page.locator("#authority-recorded")
        recorded.wait_for(timeout=30_000)
        text = recorded.inner_text()
        assert "开封市城市管理局" in text and "汴城管供〔2026〕12号" in text, text
        assert approved.strftime("%H:%M") in text, text
        assert page.locator("#authority-form").count() == 0
        # still a draft, ready to publish: the publish button stays
        assert page.locator("#notice-publish").count() == 1
        _, outage, _ = server.call("GET", f"/api/outages/{oid}", server.token())
        assert [r["kind"] for r in outage["records"]] == ["approval"]
        assert outage["state"] == "draft"
        # opened again: the recorded approval, no form
        page.reload()
        page.wait_for_selector("#app:not([hidden])")
        open_notice(page, oid)
        sync_api.expect(page.locator("#authority-recorded")).to_contain_text("汴城管供〔2026〕12号")
        assert page.locator("#authority-form").count() == 0
        assert "汴城管供〔2026〕12号" in page.locator("#preview-zh").inner_text()

        # a mistyped document number is corrected: the form comes back filled with the record
        page.click("#authority-correct")
        form = page.locator("#authority-form")
        form.wait_for()
        assert form.locator("input[name=authority]").input_value() == "开封市城市管理局"
        assert form.locator("input[name=document]").input_value() == "汴城管供〔2026〕12号"
        assert datetime_value(form, "at") == approved.strftime("%Y-%m-%dT%H:%M")
        form.locator("input[name=document]").fill("汴城管供〔2026〕13号")
        form.locator("button[type=submit]").click()
        sync_api.expect(page.locator("#authority-recorded")).to_contain_text(
            "汴城管供〔2026〕13号", timeout=30_000
        )
        assert page.locator("#authority-form").count() == 0
        # the notice cites the latest; both are in the history
        sync_api.expect(page.locator("#preview-zh")).to_contain_text("汴城管供〔2026〕13号")
        _, outage, _ = server.call("GET", f"/api/outages/{oid}", server.token())
        assert [r["document"] for r in outage["records"]] == [
            "汴城管供〔2026〕12号",
            "汴城管供〔2026〕13号",
        ]
