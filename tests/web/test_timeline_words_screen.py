"""Issue 18's console gaps in Chromium, the ones no other screen test covers (a real ``waterops
serve --demo``, the real solver): the plan's timeline (Gantt) zooms in and out, its bars carry
their labels in the dispatcher's language and no label runs into the next, nor an hour label
into another, on a desk and on a 390 x 844 phone; only a job that is late or at risk is marked
late (a job without a deadline is not); the status words of plans and deadlines are Chinese in
the Chinese console (no ``queued``, ``ready``, ``published``, ``no_deadline``); a refusal of the
network model (an unknown pipe) is Chinese there too.

Covered elsewhere: the layer control in English, valves metres apart fanned out and a valve row
locating its valve (test_job_detail_screen.py, test_console.py); two dispatchers editing one
plan meeting a clear conflict (test_plan_steering.py). Screenshots in ``build/screenshots/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest

from tests.api.conftest import LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api
from tests.web.test_plan_steering import call, wait_ready

pytestmark = pytest.mark.slow

CHINESE: dict[str, Any] = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
ENGLISH_WORDS = re.compile(r"\b(queued|solving|ready|published|no_deadline|on_time|late)\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_SOLVER_SECONDS": "4"}
    with pages.serve(tmp_path_factory, "timeline-words", env) as srv:
        srv.await_sample_day()
        yield srv


@pytest.fixture(scope="module")
def plan(server: LiveServer) -> dict[str, Any]:
    day = next_working_day().isoformat()
    return wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])


# each box of the selector's elements in the timeline: [left, right, text]
BOXES = """sel => [...document.querySelectorAll(sel)].map(e => {
  const r = e.getBoundingClientRect(); return [r.left, r.right, e.textContent, r.top];
})"""
# each job bar's label box against its bar's: [label right, bar right, label text]
LABELS = """() => [...document.querySelectorAll('#timeline .bar.job .bar-label')].map(e => {
  const b = e.parentElement.getBoundingClientRect(), l = e.getBoundingClientRect();
  return [l.right, b.right, e.textContent, e.scrollWidth > e.clientWidth];
})"""


def _open_plan(page: Any, server: LiveServer, plan: dict[str, Any]) -> None:
    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.select_option("#plan-select", str(plan["id"]))
    page.wait_for_selector(f"#plan-result[data-plan='{plan['id']}'] #routes-table")
    page.wait_for_selector("#timeline .lane .bar.job")


def _readable(page: Any) -> None:
    """No hour label over another, no bar label past its bar, every bar labelled."""
    hours = page.evaluate(BOXES, "#timeline .hour")
    assert len(hours) >= 4, hours
    for (_, right, a, _), (left, _, b, _) in pairwise(hours):
        assert right + 2 <= left, (a, b, hours)
    labels = page.evaluate(LABELS)
    assert labels and all(text.strip() for _, _, text, _ in labels), labels
    for label_right, bar_right, text, _ in labels:
        assert label_right <= bar_right + 0.5, (text, label_right, bar_right)


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_the_timeline_zooms_and_its_labels_stay_apart(
    browser: Any, server: LiveServer, plan: dict[str, Any], width: int, height: int
) -> None:
    with pages.browser_page(browser, width, height, **CHINESE) as page:
        _open_plan(page, server, plan)
        body = page.locator("#timeline .timeline-body")
        # the width the zoom asks (the body fills the panel when that is wider)
        width_of = "e => parseFloat(e.style.minWidth)"
        widths = [body.evaluate(width_of)]
        _readable(page)
        pages.screenshot(page, f"timeline_{width}")
        cut = sum(1 for *_, clipped in page.evaluate(LABELS) if clipped)
        for _ in range(2):
            page.click("#zoom-in")
            widths.append(body.evaluate(width_of))
        _readable(page)
        pages.screenshot(page, f"timeline_{width}_zoomed_in")
        # zoomed in, fewer labels are cut short: the bars are wider, the labels whole
        assert widths[0] < widths[1] < widths[2], widths
        assert sum(1 for *_, clipped in page.evaluate(LABELS) if clipped) < max(cut, 1)
        for _ in range(4):
            page.click("#zoom-out")
        widths.append(body.evaluate(width_of))
        assert widths[-1] < widths[0], widths
        _readable(page)  # every second hour labelled when the hours are narrow
        # the bars' labels are the jobs' kinds in Chinese where a chain names them
        labels = [text for _, _, text, _ in page.evaluate(LABELS)]
        assert any(re.search(r"[\u4e00-\u9fff]", x) for x in labels), labels


def test_only_a_late_or_risky_job_is_marked_late(
    page: Any, server: LiveServer, plan: dict[str, Any]
) -> None:
    """A job without a deadline (``no_deadline``) is not late: no red outline, no deadline
    word in its title; a late or at-risk one is outlined and its title says it in Chinese."""
    stops = {s["job"]: s for r in plan["result"]["routes"] for s in r["stops"]}
    risky = {a["job"] for a in plan["result"]["at_risk"]}
    free = [j for j, s in stops.items() if s["deadline_status"] == "no_deadline" and j not in risky]
    assert free, "the sample day has jobs without a deadline"
    _open_plan(page, server, plan)
    for job, st in stops.items():
        bar = page.locator(f"#timeline .bar.job[data-job='{job}']").first
        classes = bar.get_attribute("class") or ""
        title = bar.get_attribute("title") or ""
        assert not ENGLISH_WORDS.search(title), title
        marked = st["deadline_status"] == "late" or job in risky
        assert ("late" in classes.split()) == marked, (job, st["deadline_status"], classes)
        if st["deadline_status"] == "late":
            assert "超期" in title, title
        assert "无期限" not in title, title


def test_plan_and_deadline_words_are_chinese(
    page: Any, server: LiveServer, plan: dict[str, Any]
) -> None:
    """The plans' statuses as the Chinese console lists them: ready, then published, and a plan
    queued or solving; nothing in the plan tab is an English status word."""
    _open_plan(page, server, plan)
    option = page.locator(f"#plan-select option[value='{plan['id']}']")
    sync_api.expect(option).to_contain_text("待发布")
    tab = page.locator("#plan-result").inner_text()
    assert not ENGLISH_WORDS.search(tab), ENGLISH_WORDS.findall(tab)
    # a second plan of the day, queued or solving while the first is shown
    day = plan["day"]
    second = call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"]
    page.reload()
    page.wait_for_selector("#app:not([hidden])")
    open_tab(page, "plan")
    listed = page.locator(f"#plan-select option[value='{second}']")
    sync_api.expect(listed).to_be_attached(timeout=10_000)
    words = listed.inner_text()
    assert re.search("排队中|求解中|待发布", words) and not ENGLISH_WORDS.search(words), words
    wait_ready(server, second)
    # the second published (the dispatcher's Publish): 已发布
    page.select_option("#plan-select", str(second))
    page.wait_for_selector(f"#plan-result[data-plan='{second}'] #routes-table")
    page.on("dialog", lambda d: d.accept())
    page.click("#plan-publish")
    sync_api.expect(listed).to_contain_text("已发布", timeout=30_000)
    text = page.locator("#plan-select").inner_text() + page.locator("#plan-result").inner_text()
    assert not ENGLISH_WORDS.search(text), ENGLISH_WORDS.findall(text)


def test_a_refusal_of_the_network_model_is_chinese_in_the_chinese_console(
    browser: Any, server: LiveServer
) -> None:
    """An unknown pipe isolated (gis.errors.UnknownPipe, 404, code unknown_pipe): the
    dispatcher reads it in Chinese, with the pipe; in English as the service said it."""
    with pages.browser_page(browser, expected=("status of 404",), **CHINESE) as page:
        sign_in(page, server, "engineer")
        page.fill("#iso-form input[name=pipe]", "P999999")
        page.click("#iso-form button[type=submit]")
        shown = page.locator("#status.error")
        sync_api.expect(shown).to_contain_text("没有管段 P999999", timeout=30_000)
        assert not re.search(r"[A-Za-z]{3,}", shown.inner_text().replace("P999999", ""))
        pages.screenshot(page, "refusal_unknown_pipe_zh")
        page.click("#lang")
        page.click("#iso-form button[type=submit]")
        sync_api.expect(shown).to_contain_text("unknown pipe 'P999999'", timeout=30_000)
