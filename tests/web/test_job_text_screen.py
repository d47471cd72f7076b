"""Issue 18 item 5 in Chromium, against a real ``waterops serve``: the Chinese console says what a
repair job and a valve exercise job are in Chinese, from their description's key and params
(``job:<key>`` in i18n.js), not in the English text ops stored beside it; in English it says
them in English. The field app says a crew's stops in Chinese the same way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import call, open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

ENGLISH_WORDS = re.compile(r"\b(repair|exercise|valve|pipe|last|never|trunk|main|close|at)\b")
# a working Thursday morning (a demo clock), so that the day planned is a working day
DAY = dt.date(2026, 11, 26)
CLOCK = dt.datetime(2026, 11, 26, 8, 30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_DEMO_CLOCK": CLOCK.isoformat()}
    with pages.serve(tmp_path_factory, "job-text", env) as srv:
        yield srv


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with pages.browser_page(browser, shot="job_text_zh", full_page=True) as pg:
        yield pg


def test_the_chinese_console_says_a_repair_and_a_valve_exercise_in_chinese(
    page: Any, server: LiveServer
) -> None:
    case = call(server, "POST", "/api/repairs", {"severity": "burst", "pipe_id": "P000153"})
    repair = next(j for j in case["jobs"] if j["step"] == "repair")
    assert repair["description"].startswith("repair DN")  # the English stays for CSV/API
    exercises = call(server, "POST", "/api/valve-exercises", {"count": 3})
    assert exercises, "the programme has valves due"
    exercise = exercises[0]
    assert exercise["describe"]["key"].startswith("exercise_valve")
    dn = repair["describe"]["params"]["dn"]

    sign_in(page, server, "dispatcher")  # the console opens in Chinese
    open_tab(page, "work")
    row = page.locator(f"#jobs-table tr[data-job='{repair['id']}'] .job-line")
    sync_api.expect(row).to_have_text(re.compile(rf"^维修 DN{dn} 管道 P000153"))
    line = page.locator(f"#jobs-table tr[data-job='{exercise['id']}'] .job-line")
    size = exercise["describe"]["params"]["dn"]  # and when it was last exercised, in Chinese
    sync_api.expect(line).to_contain_text(f"维护阀门 {exercise['valve']}（DN{size}）；")
    said = line.inner_text()
    assert not ENGLISH_WORDS.search(said), said

    page.locator(f"#jobs-table tr[data-job='{exercise['id']}']").click()
    detail = page.locator("#job-detail")
    sync_api.expect(detail.locator(".job-summary")).to_contain_text("维护阀门")
    # with its words in Chinese, the English text is not shown beside as recorded
    sync_api.expect(detail.locator(".job-recorded")).to_have_count(0)
    page.locator(f"#jobs-table tr[data-job='{repair['id']}']").click()
    summary = detail.locator(".job-summary")
    sync_api.expect(summary).to_have_text(re.compile(rf"^维修 DN{dn} 管道 P000153"))
    assert not ENGLISH_WORDS.search(summary.inner_text()), summary.inner_text()

    page.click("#lang")  # and in English, the English words
    sync_api.expect(summary).to_have_text(re.compile(rf"^repair DN{dn} pipe P000153"))
    sync_api.expect(line).to_contain_text(f"exercise valve {exercise['valve']}")


def test_the_field_app_says_a_crews_stops_in_chinese(
    browser: Any,
    server: LiveServer,
) -> None:
    case = call(server, "POST", "/api/repairs", {"severity": "burst", "pipe_id": "P000300"})
    closures = {j["id"]: j for j in case["jobs"] if j["step"] == "close"}
    plan = pages.ready_plan(server, DAY, 5)
    pages.publish_plan(server, plan)
    route = next(
        r for r in plan["result"]["routes"] if any(s["job"] in closures for s in r["stops"])
    )
    closure = closures[next(s["job"] for s in route["stops"] if s["job"] in closures)]
    said = closure["describe"]["params"]
    chinese = f"关闭阀门 {said['valve']}（管道 {said['pipe']}，节点 {said['node']}）"

    phone = {"is_mobile": True, "timezone_id": "Asia/Shanghai"}
    with pages.browser_page(browser, 390, 844, watch="uncaught", **phone) as page:
        page.clock.install(time=CLOCK.replace(tzinfo=TZ))
        page.goto(f"{server.url}/field")
        pages.log_in(page, f"crew-{route['crew']}")
        stop = page.locator(f'#stops li[data-job="{closure["id"]}"] .what .muted')
        sync_api.expect(stop).to_have_text(chinese, timeout=15_000)
        page.click(f'#stops li[data-job="{closure["id"]}"]')
        sync_api.expect(page.locator("#job-facts")).to_contain_text(chinese, timeout=10_000)
        assert closure["description"] not in page.locator("#job-facts").inner_text()
        pages.screenshot(page, "job_text_field_zh")
