"""Issue 16 in the browser: the affected-accounts exports of a notice (CSV for the SMS platform,
XLSX with the notice's Chinese text) downloaded from the console's buttons are the files the API
gives, one row per service connection the notice cuts off."""

from __future__ import annotations

import csv
import datetime as dt
import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

PIPE = "P001500"  # a main whose isolation cuts off homes in several estates of the sample city


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "exports") as srv:
        yield srv


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with pages.browser_page(browser, accept_downloads=True) as pg:
        yield pg


def api_file(server: LiveServer, path: str) -> bytes:
    request = urllib.request.Request(
        server.url + path, headers={"Authorization": f"Bearer {server.token()}"}
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        assert r.status == 200
        body: bytes = r.read()
        return body


def downloaded(page: Any, button: str, tmp_path: Path) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(button)
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return download.suggested_filename, target.read_bytes()


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def sheet_rows(body: bytes, sheet: str) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(body))[sheet].iter_rows(values_only=True))


def test_the_dispatcher_downloads_the_accounts_a_notice_cuts_off(
    page: Any, server: LiveServer, tmp_path: Path
) -> None:
    start = (dt.datetime.now(TZ) + dt.timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    status, outage, _ = server.call(
        "POST",
        "/api/outages",
        server.token(),
        {
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=6)).isoformat(),
            "reason": "main replacement",
            "reason_zh": "更换管道",
            "pipes": [PIPE],
        },
    )
    assert status == 201, outage
    oid = outage["id"]
    customers = outage["content"]["customers"]
    assert customers["total"] > 0

    sign_in(page, server, "dispatcher")
    open_tab(page, "notices")
    page.click(f"#notice-list tr[data-outage='{oid}']")
    sync_api.expect(page.locator("#notice-detail h3 code")).to_have_text(oid)

    # CSV: the file the API gives (BOM and all), a row per connection cut off
    name, body = downloaded(page, "#notice-accounts-csv", tmp_path)
    assert name == f"{oid}-accounts.csv"
    api_csv = api_file(server, f"/api/outages/{oid}/accounts.csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(body)
    assert rows == csv_rows(api_csv)
    assert len(rows) == customers["total"]
    assert sum(int(r["账户数"]) for r in rows) == customers["accounts"]
    assert {r["公告编号"] for r in rows} == {oid}

    # XLSX: the same accounts, in the same order, and the notice's Chinese text
    name, body = downloaded(page, "#notice-accounts-xlsx", tmp_path)
    assert name == f"{oid}-accounts.xlsx"
    api_xlsx = api_file(server, f"/api/outages/{oid}/accounts.xlsx")
    table = sheet_rows(body, "受影响账户")
    assert table == sheet_rows(api_xlsx, "受影响账户")
    assert [str(row[0]) for row in table[1:]] == [r["用户编号"] for r in rows]
    assert sheet_rows(body, "通知") == sheet_rows(api_xlsx, "通知")
    zh = page.locator("#preview-zh").inner_text()
    assert sheet_rows(body, "通知")[0][0] == zh.splitlines()[0]
    sync_api.expect(page.locator("#status")).to_have_text("")
