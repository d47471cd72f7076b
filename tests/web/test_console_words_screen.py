"""The console in one language at a time (user trial): the leakage tab's CJJ 92 grade, the
application types of *New work* — no English in the Chinese console, no Chinese in the
English one, no codes."""

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
LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "console-words", pages.SAMPLE_DAY) as srv:
        yield srv


def test_the_cjj92_grade_is_in_the_consoles_language(page: Any, server: LiveServer) -> None:
    token = server.token()
    deadline = time.monotonic() + 60
    while not server.call("GET", "/api/leakage/analyses", token)[1]:  # the demo's upload
        assert time.monotonic() < deadline, "the demo's meter data was not analysed"
        time.sleep(0.5)
    sign_in(page, server)
    open_tab(page, "leakage")
    grade = page.locator("#cjj92-grade")
    sync_api.expect(grade).not_to_have_text("")
    zh = grade.inner_text()
    assert HAN.search(zh) and not LATIN.search(zh.replace("CJJ", "")), zh
    page.click("#lang")
    sync_api.expect(grade).not_to_have_text(zh)
    en = grade.inner_text()
    assert "grade" in en and not HAN.search(en), en


def test_the_application_types_are_words_in_each_language(page: Any, server: LiveServer) -> None:
    sign_in(page, server)
    open_tab(page, "work")
    options = page.locator("#conn-form select[name=type] option")
    zh = options.all_inner_texts()
    assert len(zh) == 8 and all(HAN.search(o) and not LATIN.search(o) for o in zh), zh
    page.click("#lang")
    en = options.all_inner_texts()
    assert all(not HAN.search(o) and "_" not in o for o in en), en
    assert page.locator("#conn-form select[name=type]").input_value() == "fast_connection"
