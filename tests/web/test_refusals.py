"""Every refusal the service raises with a ``code`` has its words in both languages of the
console (issue 18: English refusals in the Chinese console), with no placeholder the raise does
not give. The codes are found where they are raised: each ``code="..."`` of ops/ and api/. In
the browser, a refusal met in the Chinese console is said in Chinese, in the English one as the
service sent it."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api
from tests.web.test_messages import catalogue

ROOT = Path(__file__).parents[2]


def raised_codes() -> dict[str, set[str]]:
    """Each refusal code with the params its raises give (the names every one of them gives)."""
    found: dict[str, set[str]] = {}
    for package in ("ops", "api", "gis", "routing"):  # gis, routing: their errors too
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                names = {k.arg: k.value for k in node.keywords if k.arg}
                code = names.pop("code", None)
                if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
                    continue
                given = set(names)
                found[code.value] = found.get(code.value, given) & given
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_refusals_a_dispatcher_meets_have_codes() -> None:
    assert {
        "plan_unsolved_edits",
        "plan_changed_by",
        "job_transition",
        "lead_time_too_short",
        "not_approved",
        "overlap_not_acknowledged",
        "absence_overlap",
        "not_found",
        "no_crew",
        "notice_state",
    } <= set(raised_codes())


@pytest.mark.parametrize("code", sorted(raised_codes()))
def test_every_refusal_is_in_both_languages(code: str) -> None:
    params = raised_codes()[code]
    for lang in ("zh", "en"):
        words = catalogue(lang)
        key = f"refusal:{code}"
        assert key in words, f'add "{key}" to the {lang} strings of js/i18n.js'
        assert placeholders(words[key]) <= params, (lang, code, placeholders(words[key]), params)
    zh = re.sub(r"\{\w+\}", "", catalogue("zh")[f"refusal:{code}"])
    assert not re.search(r"[A-Za-z]{3,}", zh), zh


def test_no_refusal_words_without_a_raise() -> None:
    stale = {k for k in catalogue("zh") if k.startswith("refusal:")} - {
        f"refusal:{c}" for c in raised_codes()
    }
    assert not stale


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "refusals") as srv:
        yield srv


@pytest.mark.slow
def test_a_refusal_in_the_chinese_console_is_chinese(
    browser: Any,
    server: LiveServer,
) -> None:
    """A planned outage published before the authority approved it (城市供水条例 §22): the
    service refuses with its code and params, and the dispatcher reads the refusal in Chinese,
    then, having switched to English, in the service's English."""
    body, _ = pages.draft_outage(server, ["P000300"], pages.nine_in(3))
    oid = body["id"]
    status, refused, _ = server.call(
        "POST",
        f"/api/outages/{oid}/publish",
        server.token(),
        {},
        headers={"If-Match": f'"{body["version"]}"'},
    )
    assert status == 422, refused
    assert refused["code"] == "not_approved" and refused["params"] == {"outage": oid}
    assert "no approval of the water-supply authority" in refused["detail"]

    with pages.browser_page(browser, watch="uncaught") as page:
        sign_in(page, server, "dispatcher")
        pages.open_notice(page, oid)
        page.wait_for_selector("#notice-detail h3")
        page.click("#notice-publish")
        shown = page.locator("#status.error")
        sync_api.expect(shown).to_contain_text("尚无供水主管部门的批准", timeout=30_000)
        assert oid in shown.inner_text()
        assert not re.search(r"[A-Za-z]{3,}", shown.inner_text().replace(oid, "")), (
            shown.inner_text()
        )
        page.click("#lang")
        page.click("#notice-publish")
        sync_api.expect(shown).to_contain_text(
            "no approval of the water-supply authority", timeout=30_000
        )
