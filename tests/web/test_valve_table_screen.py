"""The hydraulic valve table in the console's leakage tab (issue 17): an engineer starts the
service's background job (every valve of the sample city failing in turn in EPANET, ~6 min),
the screen follows its progress (valves done of the total) and the stop button ends it at the
next valve; the tab says so in the reader's language, and the finished table is shown and used
by the programme (here the Net1-sized check is the API's: tests/api/test_hydraulic_jobs.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

TABLE = "/api/networks/1/valve-programme/hydraulic-table"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "valve-table") as srv:
        yield srv


def test_the_engineer_follows_and_stops_the_valve_table(
    page: Any,
    server: LiveServer,
) -> None:
    sign_in(page, server, "engineer")
    open_tab(page, "leakage")
    page.wait_for_selector("#vt-run")
    status = page.locator("#vt-status")
    assert "EPANET" in status.inner_text()  # not computed yet: says what it takes
    page.click("#vt-run")
    # the progress, polled: "已完成 12/1843 个阀门" or "12 of 1843 valves done"
    progress = re.compile(r"[1-9]\d*\s*(/| of )\s*\d{3,}")
    sync_api.expect(status).to_have_text(progress, timeout=90_000)
    page.screenshot(path=str(server.data.parent / "valve-table.png"), full_page=True)
    page.click("#vt-stop")
    sync_api.expect(status).to_contain_text(re.compile("已停止|Stopped"), timeout=30_000)
    _, job, _ = server.call("GET", TABLE, server.token())
    assert job["state"] == "stopped" and 0 < job["progress"]["done"] < job["progress"]["total"]
    assert job["created_by"] == "engineer"
    chinese = "已停止" in status.inner_text()
    page.click("#lang")  # drawn again in the other language
    sync_api.expect(page.locator("#vt-status")).to_contain_text("Stopped" if chinese else "已停止")
    sync_api.expect(page.locator("#valve-table h4")).to_contain_text(
        "Hydraulic criticality" if chinese else "水力关键性"
    )
    assert page.locator("#vt-stop").count() == 0 and page.locator("#vt-run").is_enabled()
