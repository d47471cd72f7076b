"""Issue 18: the dispatcher sees a crew's reports that do not go through (Chromium, a real live
service, a 390 x 844 phone beside the console).

The service really fails on the crew's photo: its photo store (``field-photos/<crew>`` under
the data directory) is made unusable, a regular file where the crew's folder goes, so storing
the photo raises and the service answers 500 (nothing in the browser's network is faked). The
phone tries again with a growing wait and, after three tries, sets it apart and tells the
service what it holds; the console's live panel shows "crew X: N reports not sent since HH:MM
(error)" in the reader's language. The store mended, the photo and the report behind it go out
at their next try, applied once, and the console's line goes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api
from tests.web.test_field_app import call, day, server, server_now  # noqa: F401 (fixtures)
from tests.web.test_field_queue_screen import png

pytestmark = pytest.mark.slow


def test_the_console_sees_a_crews_reports_stuck_and_sees_them_go(
    browser: Any,
    server: LiveServer,  # noqa: F811
    day: dict[str, Any],  # noqa: F811
    tmp_path: Any,
) -> None:
    crew = day["route"]["crew"]
    stops = [s for s in day["route"]["stops"] if s.get("slot", 1) == 1]
    stuck = stops[0]["job"]
    errors: list[str] = []

    desk = browser.new_context(viewport={"width": 1366, "height": 800})
    console = desk.new_page()
    console.on("pageerror", lambda e: errors.append(f"console: {e}"))
    sign_in(console, server, "dispatcher")
    sync_api.expect(console.locator("#live-state")).to_have_text("已连接", timeout=10_000)
    line = console.locator(f'#live-held li[data-crew="{crew}"]')
    assert line.count() == 0

    # the crew's photo store broken: a file where its folder goes (the service answers 500)
    store = server.data / "field-photos"
    store.mkdir(parents=True, exist_ok=True)
    (store / crew).write_bytes(b"not a folder")

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
        service_workers="block",  # not what is tested here (tests/web/test_field_app.py)
    )
    page = context.new_page()
    page.clock.install(time=server_now(server))
    page.on("pageerror", lambda e: errors.append(f"phone: {e}"))
    answers: list[int] = []
    page.on(
        "response",
        lambda r: answers.append(r.status) if r.url.endswith("/api/field/photos") else None,
    )
    page.goto(f"{server.url}/field")
    pages.log_in(page, f"crew-{crew}")
    sync_api.expect(page.locator("#stops li")).to_have_count(len(stops), timeout=15_000)

    # a photo of the first job, then that job's "arrived" (it waits behind the photo)
    page.click(f'#stops li[data-job="{stuck}"]')
    sync_api.expect(page.locator("#job-facts")).to_contain_text(stuck)
    page.set_input_files(
        "#photo", files=[{"name": "valve.png", "mimeType": "image/png", "buffer": png()}]
    )
    sync_api.expect(page.locator("#queue")).to_contain_text("1", timeout=10_000)
    page.click('#actions [data-report="arrived"]')
    sync_api.expect(page.locator("#queue")).to_contain_text("2")
    made = page.evaluate("new Date().toTimeString().slice(0, 5)")  # HH:MM on the phone (Kaifeng)

    # tried again (5 s, 10 s, 20 s): set apart on the phone, and the dispatcher told
    for _ in range(3):
        page.clock.fast_forward("00:11")
        page.wait_for_timeout(500)
    sync_api.expect(page.locator("#held")).to_be_visible(timeout=10_000)
    assert answers and set(answers) == {500}, answers
    told = time.monotonic()
    sync_api.expect(line).to_be_visible(timeout=10_000)
    print(f"set aside to the console's line: {time.monotonic() - told:.1f} s")
    text = line.inner_text()
    assert crew in text and "2" in text and made in text and "500" in text, text
    assert "条报告" in text and "未能发送" in text, text
    # in the dispatcher's other language
    console.click("#lang")
    sync_api.expect(line).to_contain_text("reports not sent since")
    sync_api.expect(line).to_contain_text("500")
    console.click("#lang")
    console.screenshot(path=str(tmp_path / "console-held.png"))
    # nothing dropped: the job has not moved, the phone keeps both
    assert call(server, "GET", f"/api/jobs/{stuck}")["status"] == "assigned"
    sync_api.expect(page.locator("#queue")).to_contain_text("2")

    # a console opened now (the event long past) lists it too
    late = desk.new_page()
    late.on("pageerror", lambda e: errors.append(f"late console: {e}"))
    sign_in(late, server, "dispatcher")
    sync_api.expect(late.locator(f'#live-held li[data-crew="{crew}"]')).to_contain_text(
        made, timeout=10_000
    )
    late.close()

    # the store mended: the photo, then the report, go at their next try; the line goes
    (store / crew).unlink()
    page.clock.fast_forward("01:25")
    sync_api.expect(page.locator("#queue")).to_be_hidden(timeout=15_000)
    sync_api.expect(line).to_have_count(0, timeout=10_000)
    job = call(server, "GET", f"/api/jobs/{stuck}")
    assert job["status"] == "on_site"
    notes = [h["note"] for h in job["history"] if h["note"].startswith("field:")]
    assert len(notes) == 2, notes
    assert 201 in answers
    context.close()
    desk.close()
    assert not errors, errors
