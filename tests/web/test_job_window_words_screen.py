"""A job's window with an open end reads as such (issue 18, the new-user trial: "可开工时间:
12-07 22:18 – —"): "12-07 22:18 起" in Chinese, "from 12-07 22:18" in English. A real
``waterops serve --demo``: a burst's chain, whose steps may start from the report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import call, sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "job-window") as srv:
        yield srv


def test_an_open_ended_window_reads_from_in_either_language(page: Any, server: LiveServer) -> None:
    case = call(server, "POST", "/api/repairs", {"severity": "burst", "pipe_id": "P000100"})
    details = [call(server, "GET", f"/api/jobs/{j['id']}") for j in case["jobs"]]
    job = next(j for j in details if j["earliest"] and not j["latest_start"])
    at = re.match(r"\d{4}-(\d\d)-(\d\d)T(\d\d:\d\d)", job["earliest"])
    assert at
    short = f"{at[1]}-{at[2]} {at[3]}"
    sign_in(page, server, hash_="#work")
    row = page.locator(f"#jobs-table tr[data-job='{job['id']}']")
    row.click()
    window = page.locator("#job-panel .job-window")
    sync_api.expect(window).to_have_text(f"可开工时间: {short} 起")
    page.click("#lang")
    sync_api.expect(page.locator("html")).to_have_attribute("lang", "en")
    # the job opened is drawn again in the other language
    sync_api.expect(page.locator("#job-panel .job-window")).to_have_text(f"May start: from {short}")
