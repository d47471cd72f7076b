"""The isolation's low-pressure nodes in words (issue 18, the new-user trial: "1495 nodes (1495
newly)" in English): how many of them are newly below the service pressure, said as such, "all
newly below" / "均为新增" when all are. The service at 0.20 MPa, a 600 mm main at 07:00 (as
tests/web/test_hydraulic_screen.py), EPANET for real; the counts are the API's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api
from tests.web.test_console import api_isolation

pytestmark = pytest.mark.slow

MAIN = "P002617"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_SERVICE_PRESSURE_MPA": "0.2"}
    with pages.serve(tmp_path_factory, "iso-nodes", env) as srv:
        yield srv


def test_the_newly_low_nodes_are_said_in_words(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "engineer")
    page.fill("#iso-form input[name=pipe]", MAIN)
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#valves-to-close li")
    page.check("#iso-form input[name=hydraulic]")
    page.wait_for_selector("#iso-hydraulic-result", timeout=60_000)
    hydraulic = api_isolation(server, pipe=MAIN, hydraulic="true", hour="7")["hydraulic"]
    nodes = hydraulic["reduced_pressure"]["nodes"]
    newly = len(hydraulic["newly_below_service"])
    assert nodes > 0
    line = page.locator("#hyd-below").locator("xpath=..")
    zh = "均为新增" if newly == nodes else f"其中 {newly} 个为新增"
    sync_api.expect(line).to_contain_text(f"{nodes} 个节点 ({zh})")
    page.click("#lang")
    en = "all newly below" if newly == nodes else f"{newly} of them newly below"
    sync_api.expect(line).to_contain_text(f"{nodes} nodes ({en})")
    assert not re.search(rf"\({newly} newly\)", line.inner_text())
