"""A job's history in the console's language (issue 18 point 5): the entries ops and the store
write ("created", "plan 1, start 2026-…") are worded by their key and params, so the Chinese
job detail has no English note of the service in it, and the English reads as before."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api

pytestmark = pytest.mark.slow

DAY = dt.date(2026, 11, 26)  # a working Thursday: the service's demo clock
CLOCK = dt.datetime(2026, 11, 26, 8, 30)
PLAN_START = re.compile(r"plan \d+, start")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_DEMO_CLOCK": CLOCK.isoformat()}
    with pages.serve(tmp_path_factory, "history-words", env) as srv:
        srv.await_sample_day()
        yield srv


def test_the_history_of_a_planned_job_is_in_the_consoles_language(
    page: Any, server: LiveServer
) -> None:
    plan = pages.ready_plan(server, DAY, 4)
    pages.publish_plan(server, plan)
    job = plan["result"]["routes"][0]["stops"][0]["job"]
    entries = pages.call(server, "GET", f"/api/jobs/{job}")["history"]
    assert [e["words"]["key"] for e in entries[:2]] == ["created", "plan_start"], entries
    sign_in(page, server)
    page.evaluate(f"window.waterops.openJob('{job}')")
    history = page.locator("#job-panel #job-history")
    sync_api.expect(history).to_contain_text(f"计划 {plan['id']}，开始")
    zh = history.inner_text()
    assert "已创建" in zh and "created" not in zh and not PLAN_START.search(zh), zh
    page.click("#lang")
    sync_api.expect(history).to_contain_text(f"plan {plan['id']}, start")
    en = history.inner_text()
    assert "created" in en and "已创建" not in en and "计划" not in en, en
