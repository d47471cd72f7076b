"""Issue 16 leftover in the browser: the printable notice (``/outages/{id}/print``) that a crew
posts at an estate's gate is one A4 sheet, the map and the whole text, in Chinese and English,
for a short notice and for a long one (many streets, estates, units, a hospital), printed as
Chromium prints A4 (``page.pdf(format="A4")``, the browser's own margins left to the sheet's
``@page``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web.pages import browser_page, draft_outage, nine_in, publish, serve

pytestmark = pytest.mark.slow

# a valve's works on one street of two estates; a main whose shut area takes in a hospital, a
# tax office and estates on several streets (the longest notice of the sample city's tests)
SHORT = ["P000300"]
LONG = ["P001493", "P001500"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory, "print") as srv:
        yield srv


def notice(server: LiveServer, pipes: list[str], days: int, reason_zh: str) -> str:
    """A planned outage of ``pipes`` in ``days`` days, approved and published: its id."""
    draft, headers = draft_outage(
        server, pipes, nine_in(days), reason="main replacement", reason_zh=reason_zh
    )
    body, _ = publish(server, draft["id"], headers["etag"])
    return str(body["id"])


@pytest.fixture(scope="module")
def outages(server: LiveServer) -> dict[str, str]:
    return {
        "short": notice(server, SHORT, 3, "更换阀门"),
        "long": notice(server, LONG, 4, "管网改造"),
    }


def pages(pdf: bytes) -> int:
    """The PDF's page count, from its page tree (``/Type /Pages … /Count N``)."""
    counts = re.findall(rb"/Type /Pages\b[^>]*?/Count (\d+)|/Count (\d+)[^>]*?/Type /Pages\b", pdf)
    assert counts, pdf[:400]
    return max(int(a or b) for a, b in counts)


@pytest.mark.parametrize("size", ["short", "long"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_printable_notice_is_one_a4_sheet(
    browser: Any,
    server: LiveServer,
    outages: dict[str, str],
    size: str,
    lang: str,
) -> None:
    with browser_page(browser, watch="uncaught") as page:
        suffix = "" if lang == "zh" else "?lang=en"
        page.goto(f"{server.url}/outages/{outages[size]}/print{suffix}")
        page.wait_for_selector("body[data-map-ready='area']")
        page.emulate_media(media="print")
        text = page.locator(".text").inner_text()
        assert text.count("\n") > 15 and page.locator("#map").is_visible()
        pdf = page.pdf(format="A4")
        assert re.search(rb"/MediaBox \[0 0 59[456](\.\d+)? 84[12](\.\d+)?\]", pdf), pdf[:300]
        assert pages(pdf) == 1, f"{size} {lang}: {pages(pdf)} pages"
        # the map kept its size in print: the text was not fitted by squeezing it away
        box = page.locator("#map").bounding_box()
        assert box is not None and box["height"] > 200  # 75 mm or so, not squeezed away
