"""The hydraulic isolation asked at another hour (user trial): while the new hour's answer
computes (seconds, EPANET) the previous hour's figures are greyed under a line saying which hour
is computing, until the answer comes; then they are the new hour's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api

pytestmark = pytest.mark.slow

MAIN = "P002617"  # tests/web/test_hydraulic_screen.py: a 600 mm main


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_SERVICE_PRESSURE_MPA": "0.2"}
    with pages.serve(tmp_path_factory, "hydraulic-recompute", env) as srv:
        yield srv


def test_the_previous_hours_figures_are_marked_while_the_next_computes(
    page: Any, server: LiveServer
) -> None:
    sign_in(page, server, "engineer")
    page.fill("#iso-form input[name=pipe]", MAIN)
    page.fill("#iso-form input[name=hour]", "7")
    page.check("#iso-form input[name=hydraulic]")
    page.click("#iso-form button[type=submit]")
    result = page.locator("#iso-hydraulic-result h4")
    sync_api.expect(result).to_contain_text("7 时", timeout=90_000)
    assert page.locator("#iso-computing").count() == 0
    # the engine answers the next hour slower than the page asks: hold its answer a while
    held = []
    page.route(
        "**/isolation?*",
        lambda route: (held.append(1), page.wait_for_timeout(1500), route.continue_()),
    )
    page.fill("#iso-form input[name=hour]", "9")
    page.locator("#iso-form input[name=hour]").dispatch_event("change")
    computing = page.locator("#iso-computing")
    sync_api.expect(computing).to_contain_text("正在计算 9 时")
    sync_api.expect(page.locator("#iso-result")).to_have_class("stale")
    assert (
        page.locator("#iso-result").evaluate(
            "e => getComputedStyle(e.querySelector('#iso-hydraulic-result')).opacity"
        )
        == "0.45"
    )
    pages.screenshot(page, "hydraulic_recomputing_zh")
    sync_api.expect(result).to_contain_text("9 时", timeout=90_000)
    sync_api.expect(computing).to_have_count(0)
    sync_api.expect(page.locator("#iso-result")).not_to_have_class("stale")
    assert held
