"""The user trial of the public page and the notices, in the browser, on the demo's notice on
Sihou Jie (P000590: four houses cut off, the area 龙亭二片区, Madao Jie of reduced pressure):

- /outages: 马道街 (Madao Jie) reads "water stays on; pressure may be low", never "in the outage
  area"; 龙亭 finds the notice by its area; ``sihou jie 440`` lists No. 440 only;
- the console's side-by-side preview shows the English notice whole (no line cut off);
- the revision log says its steps in the console's language (not "草稿 created").

Screenshots go to ``build/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "public-trial") as srv:
        yield srv


@pytest.fixture(scope="module")
def notice(server: LiveServer) -> dict[str, Any]:
    draft, headers = pages.draft_outage(
        server,
        ["P000590"],
        pages.nine_in(3),
        reason="Valve replacement (tryout)",
        reason_zh="阀门更换（试运行）",
    )
    body, _ = pages.publish(server, draft["id"], headers["etag"])
    assert body["content"]["reduced_pressure_streets"] == ["Madao Jie"]
    return body


def ask(page: Any, query: str, oid: str) -> Any:
    page.fill("#address", query)
    page.click("#lookup-go")
    answer = page.locator(f'.answer[data-answer="{oid}"]')
    answer.wait_for()
    pages.sync_api.expect(answer).to_contain_text(query)  # this query's answer, not the last
    return answer


@pytest.mark.parametrize(("width", "height", "name"), [(1366, 900, "desktop"), (390, 844, "phone")])
def test_the_public_answer_says_what_the_notice_means_for_the_place(
    browser: Any, server: LiveServer, notice: dict[str, Any], width: int, height: int, name: str
) -> None:
    oid = notice["id"]
    with pages.browser_page(browser, width, height) as page:
        page.goto(f"{server.url}/outages")
        page.wait_for_selector(".notice")
        # a street of reduced pressure only: the water stays on
        answer = ask(page, "马道街", oid)
        assert answer.get_attribute("data-verdict") == "reduced_pressure"
        text = answer.inner_text()
        assert "不停水" in text and "水压可能偏低" in text, text
        assert "在停水范围内" not in text, text
        pages.screenshot(page, f"public-trial-{name}-reduced-zh", full_page=True)
        # the area the notice names
        answer = ask(page, "龙亭", oid)
        assert answer.get_attribute("data-verdict") == "area"
        assert "龙亭二片区" in answer.inner_text()
        # a house number after the street: that house only
        answer = ask(page, "寺后街440号", oid)
        assert answer.get_attribute("data-verdict") == "cut_off"
        assert answer.locator("li").all_inner_texts() == ["寺后街440号"]
        assert "在停水范围内" in answer.inner_text()
        page.click("#lang")
        answer = ask(page, "Madao Jie", oid)
        text = answer.inner_text()
        assert "water stays on; pressure may be low" in text, text
        assert "is in the outage area" not in text, text
        pages.screenshot(page, f"public-trial-{name}-reduced-en", full_page=True)
        answer = ask(page, "sihou jie 440", oid)
        assert answer.locator("li").all_inner_texts() == ["No. 440 Sihou Jie"]
        assert "is in the outage area" in answer.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_console_preview_shows_the_english_notice_whole_and_the_log_in_one_language(
    browser: Any, server: LiveServer, notice: dict[str, Any]
) -> None:
    oid = notice["id"]
    with pages.browser_page(browser, 1366, 900) as page:
        pages.sign_in(page, server, "dispatcher")
        pages.open_notice(page, oid)
        page.wait_for_selector("#preview-en")
        for pane in ("#preview-zh", "#preview-en"):
            box = page.locator(pane)
            # nothing wider than the pane: no line runs out of sight ("the wate", "202")
            assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), pane
            # and the pane is inside the side panel, not under its edge
            inside = box.evaluate(
                "e => e.getBoundingClientRect().right"
                " <= e.closest('.side, #notice-detail').getBoundingClientRect().right + 1"
            )
            assert inside, pane
        en = page.locator("#preview-en").inner_text()
        assert "because of valve replacement (tryout)" in en
        page.locator("#preview-en").scroll_into_view_if_needed()
        pages.screenshot(page, "public-trial-console-preview")
        log = page.locator("ol.revisions li").all_inner_texts()
        assert len(log) == 2, log
        for line in log:
            assert "created" not in line and "published" not in line, log
        assert "新建草稿" in log[0] and "发布" in log[1], log
        page.click("#lang")
        pages.open_notice(page, oid)
        page.wait_for_selector("#preview-en")
        pages.sync_api.expect(page.locator("ol.revisions li").first).to_contain_text(
            "draft created"
        )
        log = page.locator("ol.revisions li").all_inner_texts()
        assert "published" in log[1] and "published published" not in log[1], log
        assert not any("草稿" in x or "已发布" in x for x in log), log
