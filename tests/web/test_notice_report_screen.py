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
from tests.web.test_console import browser, sign_in, sync_api  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = LiveServer(tmp_path_factory.mktemp("report") / "data")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_the_report_form_goes_once_the_report_is_recorded(
    browser: Any,  # noqa: F811
    server: LiveServer,
) -> None:
    start = dt.datetime.now(TZ).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    code, body, _ = server.call(
        "POST",
        "/api/outages",
        server.token(),
        {
            "kind": "emergency",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=4)).isoformat(),
            "reason_zh": "爆管抢修",
            "pipes": ["P000300"],
        },
    )
    assert code == 201, body
    oid = body["id"]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, server, "dispatcher")
        page.click("[data-tab=notices]")
        page.click(f"#notice-list tr[data-outage='{oid}']")
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
        code, outage, _ = server.call("GET", f"/api/outages/{oid}", server.token())
        assert [r["kind"] for r in outage["records"]] == ["report"]
        # opened again, still no form
        page.reload()  # still signed in
        page.wait_for_selector("#app:not([hidden])")
        page.wait_for_selector(".leaflet-overlay-pane canvas")
        page.click("[data-tab=notices]")
        page.click(f"#notice-list tr[data-outage='{oid}']")
        sync_api.expect(page.locator(".authority-records li")).to_have_count(1)
        assert page.locator("#authority-form").count() == 0
    finally:
        context.close()
    assert not errors, errors
