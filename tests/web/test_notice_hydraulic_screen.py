"""Issue 17 leftovers in the browser: "draft a notice" from an isolation asked with EPANET drafts
a notice whose 降压区域 is by hydraulics over the window the isolation asked (its hour, for its
hours), and the notice made says that basis. The service runs at 0.20 MPa, at which the 600 mm
main's shut-down in the morning leaves customers beyond it short of pressure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.datetime_fields import datetime_value
from tests.web.pages import sign_in, sync_api

pytestmark = pytest.mark.slow

MAIN = "P002617"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_SERVICE_PRESSURE_MPA": "0.2"}
    with pages.serve(tmp_path_factory, "notice-hydraulic", env) as srv:
        yield srv


def test_the_notice_drafted_from_a_hydraulic_isolation_is_by_hydraulics(
    page: Any,
    server: LiveServer,
) -> None:
    sign_in(page, server, "dispatcher")
    page.fill("#iso-form input[name=pipe]", MAIN)
    page.fill("#iso-form input[name=hour]", "7")
    page.fill("#iso-form input[name=hours]", "6")
    page.check("#iso-form input[name=hydraulic]")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#iso-hydraulic-result", timeout=90_000)
    page.click("#iso-notice")
    form = page.locator("#notice-form")
    # the basis and the window the isolation asked
    sync_api.expect(form.locator("select[name=hydraulic]")).to_have_value("hydraulic")
    assert datetime_value(form, "start").endswith("T07:00")
    assert datetime_value(form, "end").endswith("T13:00")
    form.locator("button[type=submit]").click()
    preview = page.locator("#preview-zh")
    sync_api.expect(preview).to_contain_text(
        "降压区域：经水力计算（按07:00至13:00逐时用水量取最不利时段，最低服务压力0.20MPa）",
        timeout=90_000,
    )
    # topological chosen, a notice drafted by hand keeps the topological basis
    page.click("#notice-new summary")
    form.locator("select[name=hydraulic]").select_option("topological")
    form.locator("button[type=submit]").click()
    sync_api.expect(page.locator("#preview-zh")).to_contain_text("未经水力计算", timeout=60_000)
