"""The leakage tab explains its headlines where they look contradictory (user trial): the
non-revenue water split into real, apparent and unbilled, a grade-1 CJJ 92 rate beside an ILI
of 7, and the valve programme's 0 after a year, in each language (docs/leakage.md)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "leakage-explained", pages.SAMPLE_DAY) as srv:
        yield srv


def test_the_headlines_say_why_in_each_language(page: Any, server: LiveServer) -> None:
    token = server.token()
    deadline = time.monotonic() + 60
    while not server.call("GET", "/api/leakage/analyses", token)[1]:  # the demo's upload
        assert time.monotonic() < deadline, "the demo's meter data was not analysed"
        time.sleep(0.5)
    sign_in(page, server)
    open_tab(page, "leakage")
    split, why = page.locator("#nrw-split"), page.locator("#ili-vs-rate")
    note = page.locator("#at-risk-after-note")
    sync_api.expect(split).not_to_have_text("")
    sync_api.expect(note).not_to_have_text("")
    zh = split.inner_text(), why.inner_text(), note.inner_text()
    # the demo (seed 2022): NRW 553,744 = real 231,073 + apparent 246,744 + unbilled 75,927;
    # 7,865,612 m3 / 56 days / 11,868 connections = 11.8 m3 a connection a day; ILI 7.1
    assert "553,744" in zh[0] and "231,073" in zh[0] and "246,744" in zh[0], zh[0]
    assert "75,927" in zh[0], zh[0]
    assert "11.8" in zh[1] and "7.1" in zh[1] and "ILI" in zh[1], zh[1]
    assert all(HAN.search(x) for x in zh), zh
    assert "成功" in page.locator("#programme-summary").inner_text()
    page.click("#lang")
    sync_api.expect(split).not_to_have_text(zh[0])
    sync_api.expect(note).not_to_have_text(zh[2])  # the programme reloads on its own
    en = split.inner_text(), why.inner_text(), note.inner_text()
    assert en[0].startswith("Non-revenue water 553,744") and "real losses 231,073" in en[0]
    assert "11.8" in en[1] and "7.1 times the minimum" in en[1], en[1]
    assert "stuck" in en[2] and not any(HAN.search(x) for x in en), en
    assert "if every exercise succeeds" in page.locator("#programme-summary").inner_text()
