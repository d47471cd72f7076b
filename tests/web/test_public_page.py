"""Issue 16 in the browser: the public page /outages on a desktop and on a phone (390 × 844):
the full text of each notice, the window with year and weekday, the hotline as a tel: link, a
legend, a cancelled notice still shown; "is my address affected?" in Chinese and pinyin, its
answer naming the notice and the window, as the service's search answers. Screenshots go to
``build/screenshots/``."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import SHOTS, sync_api

pytestmark = pytest.mark.slow

HOTLINE = "0371-0000 0000"
WEEK_ZH = "一二三四五六日"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_HOTLINE": HOTLINE}
    with pages.serve(tmp_path_factory, "public", env) as srv:
        yield srv


def public(server: LiveServer, path: str) -> Any:
    with urllib.request.urlopen(server.url + path, timeout=30) as r:
        body = r.read().decode("utf-8")
        return json.loads(body) if "json" in r.headers["content-type"] else body


def notice(server: LiveServer, pipe: str, days: int, reason_zh: str) -> dict[str, Any]:
    draft, headers = pages.draft_outage(
        server, [pipe], pages.nine_in(days), reason="main replacement", reason_zh=reason_zh
    )
    body, headers = pages.publish(server, draft["id"], headers["etag"])
    return {**body, "etag": headers["etag"]}


@pytest.fixture(scope="module")
def notices(server: LiveServer) -> dict[str, dict[str, Any]]:
    wei3 = notice(server, "P000300", 3, "更换阀门")
    wei9 = notice(server, "P001100", 2, "管道维修")
    called_off = notice(server, "P000700", 4, "管网改造")
    code, body, _ = server.call(
        "POST",
        f"/api/outages/{called_off['id']}/cancel",
        server.token(),
        {"reason": "工程推迟"},
        {"If-Match": called_off["etag"]},
    )
    assert code == 200, body
    return {"wei3": wei3, "wei9": wei9, "cancelled": called_off}


@contextmanager
def open_page(chromium: Any, server: LiveServer, width: int, height: int) -> Iterator[Any]:
    """The public page, drawn (see :func:`pages.browser_page`)."""
    with pages.browser_page(chromium, width, height) as page:
        page.goto(f"{server.url}/outages")
        page.wait_for_selector(".notice")
        yield page


def weekday_zh(iso: str) -> str:
    t = dt.datetime.fromisoformat(iso)
    return f"{t.year}年{t.month}月{t.day}日（星期{WEEK_ZH[t.weekday()]}）"


@pytest.mark.parametrize(("width", "height", "name"), [(1366, 900, "desktop"), (390, 844, "phone")])
def test_the_public_page_and_the_address_search(
    browser: Any,
    server: LiveServer,
    notices: dict[str, dict[str, Any]],
    width: int,
    height: int,
    name: str,
) -> None:
    with open_page(browser, server, width, height) as page:
        cards = page.locator(".notice")
        shown = {c.get_attribute("data-outage"): c for c in cards.all()}
        # every notice the service keeps public, the cancelled one too (it says so)
        assert set(shown) == {n["id"] for n in public(server, "/public/notices")}
        assert notices["cancelled"]["id"] in shown
        assert shown[notices["cancelled"]["id"]].get_attribute("data-state") == "cancelled"
        for key in ("wei3", "wei9"):
            n = notices[key]
            card = shown[n["id"]]
            text = public(server, f"/public/notices/{n['id']}.txt")
            assert card.locator(".text").inner_text().strip() == text.strip()
            when = card.locator(".when").inner_text()
            assert when.startswith(weekday_zh(n["content"]["start"]))
            # the window reads as on the notice's own page
            assert re.sub(r"\s+", " ", when) in public(server, f"/outages/{n['id']}")
        hotline = page.locator("#hotline")
        assert hotline.inner_text() == HOTLINE
        assert hotline.get_attribute("href") == "tel:" + re.sub(r"[^0-9+]", "", HOTLINE)
        assert page.locator("#legend li").count() == 3
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        # is my address affected? Chinese with a house number, then pinyin
        someone = public(server, "/public/lookup?q=Wei+3+Lu")["notices"][0]["addresses"][0]
        number = someone.removeprefix("No. ").removesuffix(" Wei 3 Lu")
        for query, outage in ((f"纬三路{number}号", "wei3"), ("wei 9 lu", "wei9")):
            page.fill("#address", query)
            page.click("#lookup-go")
            answer = page.locator(f'.answer[data-answer="{notices[outage]["id"]}"]')
            answer.wait_for()
            api = public(server, f"/public/lookup?q={urllib.parse.quote(query)}")
            assert [m["id"] for m in api["notices"]] == [notices[outage]["id"]]
            assert page.locator(".answer").count() == 1
            got = answer.inner_text()
            assert weekday_zh(notices[outage]["content"]["start"]) in got
            # the Chinese page gives the addresses in Chinese (address_zh)
            found = api["notices"][0]
            for address, address_zh in zip(found["addresses"], found["addresses_zh"], strict=True):
                assert (address_zh or address) in got
            pages.screenshot(page, f"public-{name}-{outage}", full_page=True)
        # a place in no notice
        page.fill("#address", "南环路")
        page.click("#lookup-go")
        page.locator('.answer[data-answer="none"]').wait_for()
        assert "南环路" in page.locator(".answer").inner_text()
        # English
        page.click("#lang")
        page.fill("#address", f"No. {number} Wei 3 Lu")
        page.click("#lookup-go")
        page.locator(f'.answer[data-answer="{notices["wei3"]["id"]}"]').wait_for()
        start = dt.datetime.fromisoformat(notices["wei3"]["content"]["start"])
        assert (
            f"{start:%A} {start.day} {start:%B %Y}, 09:00 – 15:00"
            in page.locator(".answer").inner_text()
        )
        pages.screenshot(page, f"public-{name}-en", full_page=True)


def test_the_printable_notice_from_the_public_page_and_the_console(
    browser: Any,
    server: LiveServer,
    notices: dict[str, dict[str, Any]],
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    oid = notices["wei3"]["id"]
    with open_page(browser, server, 1366, 900) as page:
        page.locator(f"#notice-{oid} a[href$='/print']").click()
        page.wait_for_url(f"**/outages/{oid}/print")
        page.wait_for_selector("body[data-map-ready='area']")  # the area is drawn
        text = public(server, f"/public/notices/{oid}.txt")
        assert page.locator(".text").inner_text().strip() == text.strip()
        page.emulate_media(media="print")
        assert page.locator("#print").is_hidden()  # no button, no links on the sheet
        assert page.locator("#map").is_visible()
        pages.screenshot(page, "notice-print", full_page=True)
        pdf = page.pdf(prefer_css_page_size=True)
        # A4 (595 × 842 pt), the text and the map on one sheet
        assert re.search(rb"/MediaBox \[0 0 59[45]\.\d+ 841\.\d+\]", pdf), pdf[:300]
        assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
        (SHOTS / "notice-print.pdf").write_bytes(pdf)

        console = page.context.new_page()
        pages.sign_in(console, server, "dispatcher")
        pages.open_notice(console, oid)
        link = console.locator("#notice-print")
        link.wait_for()
        assert link.get_attribute("href") == f"/outages/{oid}/print"
        with page.context.expect_page() as opened:
            link.click()
        sheet = opened.value
        sheet.wait_for_selector("body.printable")
        assert sheet.locator("h1").inner_text() == text.splitlines()[0]


def test_the_chinese_page_names_places_in_chinese(
    browser: Any,
    server: LiveServer,
    notices: dict[str, dict[str, Any]],
) -> None:
    # issue 16 review: the card's 停水范围 said "Wei 3 Lu" and the answer's 单位、小区 said
    # "Tieta Xiaoqu 2 Qi" although the notice carries their Chinese names (names_zh)
    oid = notices["wei3"]["id"]
    listed = next(n for n in public(server, "/public/notices") if n["id"] == oid)
    zh_of = listed["names_zh"]
    assert listed["streets"] == ["Wei 3 Lu"] and zh_of["Wei 3 Lu"] == "纬三路"
    estate = next(e for e in sorted(listed["estates"]) if e in zh_of and e.endswith(" 2 Qi"))
    estate_zh = zh_of[estate]  # e.g. Tieta Xiaoqu 2 Qi, 铁塔小区二期
    answer = public(server, f"/public/lookup?q={urllib.parse.quote(estate_zh)}")
    assert [m["id"] for m in answer["notices"]] == [oid]
    named = answer["notices"][0]["names"]
    assert estate in named
    with open_page(browser, server, 1366, 900) as page:
        card = page.locator(f"#notice-{oid}")
        where = card.locator("p", has_text="停水范围").inner_text()
        assert where.split(":", 1)[1].strip() == "纬三路"
        page.fill("#address", estate_zh)
        page.click("#lookup-go")
        shown = page.locator(f'.answer[data-answer="{oid}"]')
        shown.wait_for()
        names = shown.locator("p", has_text="单位、小区").inner_text().split(":", 1)[1].strip()
        assert names.split("、") == [zh_of.get(x, x) for x in named]
        assert estate_zh in names and estate not in shown.inner_text()
        pages.screenshot(page, "public-zh-names", full_page=True)
        # in English the names as the data has them (pinyin)
        page.click("#lang")
        assert card.locator("p", has_text="Where").inner_text().endswith("Wei 3 Lu")
        names_en = shown.locator("p", has_text="Units and estates").inner_text()
        assert estate in names_en and estate_zh not in names_en
        pages.screenshot(page, "public-en-names", full_page=True)


def test_a_chinese_address_as_people_write_it_on_a_phone(
    browser: Any,
    server: LiveServer,
    notices: dict[str, dict[str, Any]],
) -> None:
    # issue 16 leftover: the sample city's customers have their address in Chinese
    # (address_zh); the search takes the address as written on a bill, city and district
    # before it and the building after it, and the Chinese page answers in Chinese
    oid = notices["wei3"]["id"]
    listed = public(server, "/public/lookup?q=Wei+3+Lu")["notices"][0]
    english, chinese = listed["addresses"][0], listed["addresses_zh"][0]
    number = english.removeprefix("No. ").removesuffix(" Wei 3 Lu")
    assert chinese == f"纬三路{number}号"
    query = f"河南省开封市鼓楼区{chinese}院3号楼2单元"
    answer = public(server, f"/public/lookup?q={urllib.parse.quote(query)}")
    assert [m["id"] for m in answer["notices"]] == [oid]
    assert (answer["notices"][0]["addresses"], answer["notices"][0]["addresses_zh"]) == (
        [english],
        [chinese],
    )
    with open_page(browser, server, 390, 844) as page:
        page.fill("#address", query)
        page.click("#lookup-go")
        shown = page.locator(f'.answer[data-answer="{oid}"]')
        shown.wait_for()
        assert page.locator(".answer").count() == 1
        assert shown.locator("li").all_inner_texts() == [chinese]
        assert english not in shown.inner_text()
        assert weekday_zh(notices["wei3"]["content"]["start"]) in shown.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shown.scroll_into_view_if_needed()
        pages.screenshot(page, "public-phone-address-zh", full_page=True)
        # the English page: the address as the data writes it
        page.click("#lang")
        sync_api.expect(shown.locator("li")).to_have_text([english])
        # a house on that street the notice does not cut off, written the same way
        taken = set(public(server, "/public/lookup?q=Wei+3+Lu")["notices"][0]["addresses"])
        free = next(n for n in range(1, 2000) if f"No. {n} Wei 3 Lu" not in taken)
        page.click("#lang")
        page.fill("#address", f"开封市鼓楼区纬三路{free}号")
        page.click("#lookup-go")
        page.locator('.answer[data-answer="none"]').wait_for()
