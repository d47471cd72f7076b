"""Issue 16, the public side: every published notice has a page of its own, Chinese and English,
with no sign-in (the Atom feed and the iCalendar event link there, not to JSON), and an A4
sheet to print. A real ``waterops serve --demo`` on SQLite."""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree

from ops.calendar import TZ
from tests.api.conftest import LiveServer

pytestmark = pytest.mark.slow

WEEKDAYS_ZH = "一二三四五六日"
HOTLINE = "0371-0000 0000"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # an invented number (as the demo's): the service refuses notices without the hotline
    srv = LiveServer(tmp_path_factory.mktemp("pages") / "data", env={"WATEROPS_HOTLINE": HOTLINE})
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def get(server: LiveServer, path: str) -> tuple[int, str, dict[str, str]]:
    """GET with no sign-in, as the public does."""
    try:
        with urllib.request.urlopen(server.url + path, timeout=30) as r:
            return r.status, r.read().decode("utf-8"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8"), dict(e.headers)


def make_outage(server: LiveServer, pipe: str, days: int, reason_zh: str, publish: bool) -> Any:
    token = server.token()
    start = (dt.datetime.now(TZ) + dt.timedelta(days=days)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    code, body, headers = server.call(
        "POST",
        "/api/outages",
        token,
        {
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=7, minutes=30)).isoformat(),
            "reason": "valve <b>replacement</b>",
            "reason_zh": reason_zh,
            "pipes": [pipe],
        },
    )
    assert code == 201, body
    if publish:
        code, body, _ = server.call(
            "POST",
            f"/api/outages/{body['id']}/publish",
            token,
            {"acknowledge_overlaps": True},
            {"If-Match": headers["etag"]},
        )
        assert code == 200, body
    return body


def test_a_published_notice_has_a_page_in_chinese_and_english(server: LiveServer) -> None:
    outage = make_outage(server, "P000300", 3, "更换<阀门>", publish=True)
    oid = outage["id"]
    start = dt.datetime.fromisoformat(outage["content"]["start"]).astimezone(TZ)

    code, page, headers = get(server, f"/outages/{oid}")
    assert code == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    # the full text of record is on the page, escaped
    _, text, _ = get(server, f"/public/notices/{oid}.txt")
    for line in filter(None, text.splitlines()):
        assert escape(line) in page, line
    assert "更换&lt;阀门&gt;" in page and "<阀门>" not in page
    # the window with its year and weekday, the hotline to call, the map of the area
    assert (
        f"{start.year}年{start.month}月{start.day}日（星期{WEEKDAYS_ZH[start.weekday()]}）" in page
    )
    hotline = re.search(r'<a class="hotline" href="tel:([0-9+]+)">([^<]+)</a>', page)
    assert hotline and hotline.groups() == ("037100000000", HOTLINE)
    assert 'id="map"' in page and "/static/js/notice.js" in page
    assert "约7.5小时" in page

    code, english, _ = get(server, f"/outages/{oid}?lang=en")
    assert code == 200 and '<html lang="en">' in english
    assert f"{start:%A} {start.day} {start:%B %Y}, 09:00 – 16:30" in english
    assert "valve &lt;b&gt;replacement&lt;/b&gt;" in english and "<b>replacement" not in english
    _, text_en, _ = get(server, f"/public/notices/{oid}.txt?lang=en")
    assert escape(text_en.splitlines()[0]) in english

    code, sheet, _ = get(server, f"/outages/{oid}/print")
    assert code == 200 and 'class="notice-page kind-planned state-published printable"' in sheet
    assert 'id="map"' in sheet and escape(text.splitlines()[0]) in sheet
    assert "/public/notices/feed.atom" not in sheet  # the sheet at a gate has no links to follow
    _, css, _ = get(server, "/static/css/notice.css")
    assert "size: A4" in css


def test_drafts_and_unknown_notices_have_no_page(server: LiveServer) -> None:
    draft = make_outage(server, "P000700", 4, "管道维修", publish=False)
    assert get(server, f"/outages/{draft['id']}")[0] == 404
    assert get(server, f"/outages/{draft['id']}/print")[0] == 404
    assert get(server, "/outages/NO-SUCH")[0] == 404


def test_the_feed_and_the_calendar_link_to_the_page(server: LiveServer) -> None:
    outage = make_outage(server, "P001100", 5, "管网改造", publish=True)
    oid = outage["id"]
    _, atom, _ = get(server, "/public/notices/feed.atom")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = etree.fromstring(atom.encode())
    entry = next(
        e for e in root.findall("a:entry", ns) if e.findtext("a:id", namespaces=ns).endswith(oid)
    )
    html = [ln.get("href") for ln in entry.findall("a:link[@type='text/html']", ns)]
    cap = [ln.get("href") for ln in entry.findall("a:link[@type='application/cap+xml']", ns)]
    assert len(html) == 1 and html[0].endswith(f"/outages/{oid}")
    assert cap[0].endswith(f"/public/notices/{oid}.cap")
    for href in (html[0], cap[0]):  # both answer, with no sign-in
        assert get(server, urlsplit(href).path)[0] == 200
    _, atom_en, _ = get(server, "/public/notices/feed.atom?lang=en")
    assert f"/outages/{oid}?lang=en" in atom_en

    _, ics, _ = get(server, f"/public/notices/{oid}.ics")
    url = re.search(r"^URL:(\S+)", ics, flags=re.M)
    assert url and url.group(1).endswith(f"/outages/{oid}")
    _, cap_xml, _ = get(server, f"/public/notices/{oid}.cap")
    assert f"/outages/{oid}</web>" in cap_xml


def escape(text: str) -> str:
    from html import escape as html_escape

    return html_escape(text)
