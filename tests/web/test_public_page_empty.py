"""The public page of a city with no outage notice: "is my address affected?" says there is
none, not that the address is in none of 0 notices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "empty") as srv:
        yield srv


def test_an_address_when_no_notice_is_published(browser: Any, server: LiveServer) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{server.url}/outages")
    page.fill("#address", "开封市纬三路49号")
    page.click("#lookup-go")
    answer = page.locator("#lookup-result [data-answer=none]")
    sync_api.expect(answer).to_contain_text("目前没有当前或计划的停水公告")
    assert "0份" not in answer.inner_text()
    page.click("#lang")
    page.fill("#address", "No. 49 Weisan Lu")
    page.click("#lookup-go")
    sync_api.expect(answer).to_contain_text("There is no current or planned outage notice")
    page.close()
