"""Issue 16, the public side: every published notice has a page of its own, Chinese and English,
with no sign-in (the Atom feed and the iCalendar event link there, not to JSON), and an A4
sheet to print. A real ``waterops serve --demo`` on SQLite."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from html import escape as html_escape
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree
from openpyxl import load_workbook

from ops.calendar import TZ
from tests.api.conftest import APPROVAL, LiveServer

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
            {"acknowledge_overlaps": True, "approval": APPROVAL},
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
    return html_escape(text)


def download(server: LiveServer, path: str, role: str | None) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Authorization": f"Bearer {server.token(role)}"} if role else {}
    request = urllib.request.Request(server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def test_the_affected_accounts_export_for_the_sms_platform(server: LiveServer) -> None:
    outage = make_outage(server, "P001500", 6, "管道改线", publish=False)
    c = outage["content"]
    path = f"/api/outages/{outage['id']}/accounts"
    code, body, headers = download(server, f"{path}.csv", "dispatcher")
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese headers
    assert f"{outage['id']}-accounts.csv" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0])[:6] == ["用户编号", "账户数", "地址", "道路", "用户类别", "小区/单位"]
    # one row per service connection cut off, their accounts adding up to the notice's
    assert len(rows) == c["customers"]["total"] > 0
    assert sum(int(r["账户数"]) for r in rows) == c["customers"]["accounts"]
    assert len({r["用户编号"] for r in rows}) == len(rows)
    assert {r["道路"] for r in rows} <= set(c["streets"])
    assert all(r["地址"] and r["公告编号"] == outage["id"] for r in rows)
    categories = {"居民用户", "商业用户", "工业用户", "机关事业单位", "重点用户"}
    assert {r["用户类别"] for r in rows} <= categories

    code, body, headers = download(server, f"{path}.xlsx", "dispatcher")
    assert code == 200 and "spreadsheetml" in headers["content-type"]
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["受影响账户", "通知"]
    table = list(book["受影响账户"].iter_rows(values_only=True))
    assert table[0][:6] == ("用户编号", "账户数", "地址", "道路", "用户类别", "小区/单位")
    assert [str(row[0]) for row in table[1:]] == [r["用户编号"] for r in rows]
    _, zh, _ = download(server, f"/api/outages/{outage['id']}/notice?format=zh", "dispatcher")
    lines = [row[0] for row in book["通知"].iter_rows(values_only=True)]
    assert lines[0] == zh.decode("utf-8").splitlines()[0] and len(lines) > 5
    # only signed-in dispatchers: a viewer is refused, the public is asked to sign in
    assert download(server, f"{path}.csv", "viewer")[0] == 403
    assert download(server, f"{path}.xlsx", None)[0] == 401
