"""Issue 14 in the browser: an engineer uploads the utility's own GIS export on the console's
network-data screen. The check shows the mapping guessed for it (Chinese columns, diameters
in metres) and the one category the guess does not know; the engineer maps it, checks again,
uploads; the next version of the same network is read with the kept mapping in one step. A
dispatcher does not get the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.api.test_network_mapping import _export
from tests.web import pages
from tests.web.pages import SHOTS, open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "networks") as srv:
        yield srv


def test_an_engineer_reviews_the_mapping_and_the_next_version_uploads_in_one_step(
    page: Any,
    browser: Any,
    server: LiveServer,
    tmp_path: Path,
) -> None:
    first = tmp_path / "v1" / "city-export.zip"
    first.parent.mkdir()
    first.write_bytes(_export(first.parent))
    sign_in(page, server, "engineer")
    open_tab(page, "networks")
    sync_api.expect(page.locator("#net-table")).to_contain_text("sample")
    page.set_input_files("#net-form input[name=file]", str(first))
    page.fill("#net-form input[name=name]", "city")
    page.click("#net-form button[type=submit]")

    summary = page.locator("#net-summary")
    sync_api.expect(summary).to_contain_text("按自动识别的字段映射读取")
    sync_api.expect(summary).to_contain_text("有 1 个错误")
    sync_api.expect(summary).to_contain_text("1 个阀门挂接到最近的管道")
    pipes = page.locator("[data-layer=pipes]")
    assert pipes.locator("select[name=layer]").input_value() == "管线"
    diameter = pipes.locator("tr[data-column=diameter_mm]")
    assert diameter.locator("select[name=column]").input_value() == "管径"
    assert diameter.locator("select[name=unit]").input_value() == "m"
    sync_api.expect(diameter.locator(".badge")).to_have_text("自动识别")
    category = page.locator("[data-layer=customers] tr[data-column=category]")
    values = category.locator("textarea[name=values]")
    assert values.input_value() == "居民 = residential"
    sync_api.expect(category.locator(".net-unmapped")).to_contain_text("别墅")
    sync_api.expect(page.locator("#net-problems")).to_contain_text("U2")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("aside.side").screenshot(path=str(SHOTS / "network-upload-review.png"))

    # the engineer maps the category the guess did not know, and checks again
    values.fill("居民 = residential\n别墅 = residential")
    page.click("#net-recheck")
    sync_api.expect(summary).to_contain_text("按给定的字段映射读取")
    sync_api.expect(summary).to_contain_text("检查通过")
    page.click("#net-upload")
    uploaded = page.locator("#net-uploaded")
    sync_api.expect(uploaded).to_contain_text("已保存：city 第 1 版")
    sync_api.expect(uploaded).to_contain_text("下一版本可直接上传")
    status, rows, _ = server.call("GET", "/api/networks", server.token("engineer"))
    assert status == 200
    (city,) = [r for r in rows if r["name"] == "city"]
    assert city["mapping"]["customers"]["category"]["values"]["别墅"] == "residential"
    assert city["status"] == "ready"

    # the next version: check and upload, nothing to map
    second = tmp_path / "v2" / "city-export.zip"
    second.parent.mkdir()
    second.write_bytes(_export(second.parent, extra_pipe=True))
    page.set_input_files("#net-form input[name=file]", str(second))
    page.click("#net-form button[type=submit]")
    sync_api.expect(summary).to_contain_text(f"按第 1 版（#{city['id']}）保存的字段映射读取")
    sync_api.expect(summary).to_contain_text("检查通过")
    page.click("#net-upload")
    sync_api.expect(uploaded).to_contain_text("已保存：city 第 2 版")
    sync_api.expect(page.locator("#net-table tbody tr").first).to_contain_text("city")

    page.click("#lang")  # the same screen in English
    sync_api.expect(uploaded).to_contain_text("Stored: city version 2")
    sync_api.expect(uploaded).to_contain_text(
        f"Read with the mapping kept with version 1 (#{city['id']})"
    )

    # a dispatcher has no network-data screen
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    other = context.new_page()
    try:
        sign_in(other, server, "dispatcher")
        assert not other.locator("[data-tab=networks]").is_visible()
    finally:
        context.close()
