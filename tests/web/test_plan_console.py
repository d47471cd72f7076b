"""Issue 18, the console's gaps in the browser (a real ``waterops serve --demo``, the real
solver): clock fields read and take 24-hour time in a Chinese browser (no 上午/下午); on a phone
(and on a wide screen) the live panel leaves the foot of the timeline readable; a job is moved to
another crew on the map, by dragging its marker onto the crew's route or from its popup; the
date-and-time fields are a date beside a clock field, in 24 hours too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import SHOTS, open_tab, sign_in, sync_api
from tests.web.test_plan_steering import FREE_KINDS, call, wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_SOLVER_SECONDS": "4"}
    with pages.serve(tmp_path_factory, "plan-console", env) as srv:
        srv.await_sample_day()
        yield srv


@pytest.fixture(scope="module")
def plan(server: LiveServer) -> dict[str, Any]:
    day = next_working_day().isoformat()
    return wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])


# a Chinese browser (its locale zh-CN, in Kaifeng's time zone)
CHINESE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    shot = request.node.name
    with pages.browser_page(browser, shot=shot, full_page=True, **CHINESE) as pg:
        yield pg


def _free_stop(plan: dict[str, Any]) -> tuple[str, str]:
    """A job of a kind no other job waits for, and its crew."""
    return next(
        (r["crew"], s["job"])
        for r in plan["result"]["routes"]
        for s in r["stops"]
        if s.get("slot", 1) == 1 and s["kind"] in FREE_KINDS
    )


def test_clock_fields_show_and_take_24_hour_time_in_a_chinese_browser(
    page: Any, server: LiveServer, plan: dict[str, Any]
) -> None:
    crew, job = _free_stop(plan)
    sign_in(page, server, "dispatcher")
    # no field of the console is a browser time input (its AM/PM follows the browser's locale)
    assert page.locator("input[type=time]").count() == 0

    open_tab(page, "plan")
    page.select_option("#plan-select", str(plan["id"]))
    page.wait_for_selector(f"#plan-result[data-plan='{plan['id']}'] #plan-steer")
    page.locator(f"#timeline .lane[data-crew='{crew}'] .bar.job[data-job='{job}']").click()
    at = page.locator("#steer-at")
    sync_api.expect(at).to_be_visible()
    assert at.get_attribute("type") in (None, "text")
    assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at.input_value()), at.input_value()
    version = call(server, "GET", f"/api/plans/{plan['id']}/steering")["version"]

    # a 12-hour time is not a time here: refused in words, nothing is sent
    at.fill("2:30 PM")
    page.click("#steer-pin-at")
    sync_api.expect(page.locator("#status")).to_contain_text("24小时制")
    assert call(server, "GET", f"/api/plans/{plan['id']}/steering")["version"] == version

    # 14:30 is shown as typed and sent as 14:30 of the plan's day
    at.fill("14:30")
    sync_api.expect(at).to_have_value("14:30")
    page.locator("#steer-job").screenshot(path=str(_shots() / "clock_steer_zh.png"))
    page.click("#steer-pin-at")
    sync_api.expect(page.locator(".steer-history li")).to_have_count(1)
    pin = call(server, "GET", f"/api/plans/{plan['id']}/steering")["pins"][job]
    assert dt.datetime.fromisoformat(pin["start"]) == dt.datetime.fromisoformat(
        f"{plan['day']}T14:30"
    ), pin  # Kaifeng wall time, as the service keeps pins
    sync_api.expect(page.locator("#steer-job")).to_contain_text("14:30")
    assert "下午" not in page.locator("#steer-job").inner_text()

    # the crews tab's clock fields: "1745" (typed without its colon) is 17:45 when left and
    # is saved as 17:45
    open_tab(page, "crews")
    page.click(f"#crews-table tr[data-crew='{crew}']")
    sync_api.expect(page.locator("#crew-day-title")).to_contain_text(crew)
    end = page.locator("#crew-form input[name=shift_end]")
    assert end.get_attribute("type") in (None, "text")
    end.fill("1745")
    end.press("Tab")
    sync_api.expect(end).to_have_value("17:45")
    page.click("#crew-form button[type=submit]")
    sync_api.expect(page.locator("#status")).to_contain_text(crew)
    assert call(server, "GET", f"/api/crews/{crew}")["shift_end"] == "17:45"
    end.fill("5:45 PM")
    end.press("Tab")
    assert not end.evaluate("e => e.checkValidity()")
    assert page.locator("input[type=time]").count() == 0


# the middle of an element's first 60 px (a row's name) is its own: nothing lies over it
UNCOVERED = """e => {
  const r = e.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + Math.min(r.width, 60) / 2, r.top + r.height / 2);
  return e.contains(hit);
}"""


def _apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _foot_is_clear(pg: Any) -> None:
    """The timeline's last row at the foot of the window: the live panel is not over it or its
    crew's name."""
    last = pg.locator("#timeline .timeline-body > div:last-child")
    name = last.locator(".lane-name")
    last.evaluate("e => e.scrollIntoView({block: 'end'})")
    live = pg.locator("#live").bounding_box()
    assert _apart(live, last.bounding_box()), (live, last.bounding_box())
    assert name.evaluate(UNCOVERED), name.bounding_box()
    sync_api.expect(name).not_to_be_empty()


def test_on_a_phone_the_live_panel_leaves_the_timeline_s_foot_readable(
    browser: Any,
    server: LiveServer,
    plan: dict[str, Any],
) -> None:
    for width, height in ((390, 844), (1366, 900)):
        with pages.browser_page(browser, width, height, **CHINESE) as pg:
            sign_in(pg, server, "dispatcher")
            open_tab(pg, "plan")
            pg.select_option("#plan-select", str(plan["id"]))
            pg.wait_for_selector(f"#plan-result[data-plan='{plan['id']}'] #routes-table")
            pg.wait_for_selector("#timeline .lane .bar")
            sync_api.expect(pg.locator("#live-state")).to_have_text("已连接", timeout=10_000)
            toggle = pg.locator("#live-toggle")
            if width < 900:  # on a phone the panel is a bar, collapsed until asked for
                sync_api.expect(toggle).to_have_attribute("aria-expanded", "false")
                sync_api.expect(pg.locator("#live-list")).to_have_count(0)
                _foot_is_clear(pg)
                pages.screenshot(pg, "live_phone_collapsed")
                toggle.click()
            # open, it still leaves the foot of the timeline readable
            sync_api.expect(pg.locator("#live-list")).to_be_visible()
            _foot_is_clear(pg)
            pages.screenshot(pg, f"live_{width}_open")


# the job markers of the plan on the map whose middle is their own (no other marker over it)
MARKERS = """() => [...document.querySelectorAll('#map path[data-job]')].map(e => {
  const r = e.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const free = document.elementFromPoint(x, y) === e;
  return {job: e.dataset.job, crew: e.dataset.crew, x, y, free};
})"""
# a point of a crew's route on the map that is the route's own (no marker or other route over it)
ON_ROUTE = """crew => {
  const e = document.querySelector(`#map path[data-crew="${crew}"]:not([data-job])`);
  const length = e.getTotalLength();
  for (let k = 1; k < 60; k++) {
    const q = e.getPointAtLength((length * k) / 60);
    const p = new DOMPoint(q.x, q.y).matrixTransform(e.getScreenCTM());
    const m = document.querySelector('#map').getBoundingClientRect();
    const inside = p.x > m.left + 60 && p.x < m.right - 60
      && p.y > m.top + 60 && p.y < m.bottom - 30;
    if (inside && document.elementFromPoint(p.x, p.y) === e) return {x: p.x, y: p.y};
  }
  return null;
}"""


def _movable(server: LiveServer, plan: dict[str, Any], markers: list[dict[str, Any]]) -> Any:
    """(job, its crew, another crew of the plan that can do it, where its marker is) for the
    free-kind jobs of one crew whose marker can be pressed."""
    crews = {c["id"]: set(c["skills"]) for c in call(server, "GET", "/api/crews")}
    jobs = {j["id"]: j for j in call(server, "GET", "/api/jobs?limit=5000")}
    kinds = {s["job"]: s for r in plan["result"]["routes"] for s in r["stops"]}
    in_plan = [r["crew"] for r in plan["result"]["routes"]]
    for m in markers:
        stop = kinds[m["job"]]
        if not m["free"] or stop["kind"] not in FREE_KINDS or stop.get("slot", 1) != 1:
            continue
        if jobs[m["job"]].get("crews_required", 1) != 1:
            continue
        need = set(jobs[m["job"]]["skills"])
        others = [c for c in in_plan if c != m["crew"] and need <= crews[c]]
        if others:
            yield m["job"], m["crew"], others, (m["x"], m["y"])


def test_a_dispatcher_moves_jobs_to_other_crews_on_the_map_and_the_re_solve_keeps_them(
    page: Any, server: LiveServer
) -> None:
    day = next_working_day().isoformat()
    first = wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])
    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.select_option("#plan-select", str(first["id"]))
    page.wait_for_selector(f"#plan-result[data-plan='{first['id']}'] #plan-steer")
    page.wait_for_selector("#map path[data-job]")
    page.wait_for_timeout(500)  # the map's fit to the routes has ended
    candidates = list(_movable(server, first, page.evaluate(MARKERS)))
    dragged = popped = None
    for job, crew, others, at in candidates:
        if dragged is None:
            target = next(((o, p) for o in others if (p := page.evaluate(ON_ROUTE, o))), None)
            if target:
                dragged = (job, crew, target[0], at, target[1])
        elif crew != dragged[1] and job != dragged[0]:
            popped = (job, crew, others[0], at)
            break
    assert dragged and popped, candidates

    # a job's marker dragged onto another crew's route: moved there, as on the timeline
    job, crew, other, (x, y), to = dragged
    page.fill("#steer-why", "就近")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + to["x"]) / 2, (y + to["y"]) / 2, steps=5)
    page.mouse.move(to["x"], to["y"], steps=5)
    page.mouse.up()
    history = page.locator(".steer-history li")
    sync_api.expect(history).to_have_count(1)
    sync_api.expect(history.last).to_contain_text("改派")
    sync_api.expect(history.last).to_contain_text(other)
    assert call(server, "GET", f"/api/plans/{first['id']}/steering")["pins"][job]["crew"] == other
    sync_api.expect(
        page.locator(f"#timeline [data-crew='{other}'] .bar.job.coming[data-job='{job}']")
    ).to_be_visible()

    # another job moved from its marker's popup
    job2, crew2, other2, _ = popped
    marker = page.locator(f"#map path[data-job='{job2}']")
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(f".stop-popup[data-job='{job2}']")
    sync_api.expect(popup).to_be_visible()
    sync_api.expect(popup).to_contain_text(crew2)
    popup.locator("select.map-move-crew").select_option(other2)
    pages.screenshot(page, "map_move_popup")
    popup.locator("button.map-move").click()
    sync_api.expect(history).to_have_count(2)
    pins = call(server, "GET", f"/api/plans/{first['id']}/steering")["pins"]
    assert pins[job2]["crew"] == other2 and pins[job]["crew"] == other, pins

    # the re-solve keeps both
    page.click("#plan-resolve")
    page.wait_for_selector(
        f"#plan-result:not([data-plan='{first['id']}']) #routes-table", timeout=90_000
    )
    second = wait_ready(server, int(page.locator("#plan-result").get_attribute("data-plan")))
    crews_of = {s["job"]: r["crew"] for r in second["result"]["routes"] for s in r["stops"]}
    assert crews_of[job] == other and crews_of[job2] == other2, (crews_of[job], crews_of[job2])
    sync_api.expect(
        page.locator(f"#map path[data-job='{job}'][data-crew='{other}']")
    ).to_have_count(1)


def _shots() -> Any:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


STATIC = Path(__file__).resolve().parents[2] / "api" / "web" / "static"
BROWSER_CLOCKS = "input[type=datetime-local], input[type=time]"


def test_date_and_time_fields_are_24_hour_in_a_chinese_browser(
    page: Any, server: LiveServer
) -> None:
    # no page (the console, the public page, the field app) draws a browser date-and-time or
    # time input, whatever it draws later
    for source in [*sorted(STATIC.glob("*.html")), *sorted((STATIC / "js").rglob("*.js"))]:
        text = re.sub(r"(?s:<!--.*?-->)|^\s*//.*$", "", source.read_text("utf-8"), flags=re.M)
        assert not re.search(r"datetime-local|type\s*=\s*[\"']?time\b", text), source

    sign_in(page, server, "admin")  # every tab is shown to an admin
    tabs = page.locator("nav [data-tab]:visible, [role=tab][data-tab]:visible")
    names = [tabs.nth(i).get_attribute("data-tab") for i in range(tabs.count())]
    assert {"plan", "work", "notices", "crews", "networks"} <= set(names), names
    for name in names:
        page.click(f"[data-tab={name}]")
        page.wait_for_selector(f"[data-panel={name}]:not([hidden])")
        assert page.locator(BROWSER_CLOCKS).count() == 0, name

    # an outage drafted by hand, from 2026-12-10 14:30 (typed 1430) to 18:00
    open_tab(page, "notices")
    page.click("#notice-new summary")
    form = page.locator("#notice-form")
    form.locator("input[name=pipes]").fill("P001200")
    form.locator("input[name=start_date]").fill("2026-12-10")
    clock = form.locator("input[name=start_time]")
    clock.fill("2:30 PM")  # a 12-hour time is not a time here
    clock.press("Tab")
    assert not clock.evaluate("e => e.checkValidity()")
    assert clock.get_attribute("type") in (None, "text")
    clock.fill("1430")
    clock.press("Tab")
    sync_api.expect(clock).to_have_value("14:30")
    form.locator("input[name=end_date]").fill("2026-12-10")
    form.locator("input[name=end_time]").fill("18:00")
    form.locator("input[name=reason_zh]").fill("管道维修")
    form.screenshot(path=str(_shots() / "datetime_notice_zh.png"))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#preview-zh")
    oid = page.locator("#notice-detail h3 code").inner_text()
    outage = call(server, "GET", f"/api/outages/{oid}")
    kaifeng = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime.fromisoformat(outage["content"]["start"])
    end = dt.datetime.fromisoformat(outage["content"]["end"])
    assert start == dt.datetime(2026, 12, 10, 14, 30, tzinfo=kaifeng), outage["content"]
    assert end == dt.datetime(2026, 12, 10, 18, 0, tzinfo=kaifeng), outage["content"]

    # the notice's own fields (its window, the approval) show it in 24 hours, no 下午
    edit = page.locator("#notice-edit")
    assert edit.locator("input[name=start_date]").input_value() == "2026-12-10"
    assert edit.locator("input[name=start_time]").input_value() == "14:30"
    assert edit.locator("input[name=end_time]").input_value() == "18:00"
    assert page.locator("#authority-form input[name=at_date]").count() == 1
    assert page.locator(BROWSER_CLOCKS).count() == 0
    # a date without its time is not a date and time: said in Chinese, nothing is sent
    version = outage["version"]
    edit.locator("input[name=end_time]").fill("")
    edit.locator("button[type=submit]").click()
    sync_api.expect(page.locator("#status")).to_contain_text("日期和24小时制")
    assert call(server, "GET", f"/api/outages/{oid}")["version"] == version
    assert "下午" not in page.locator("#notice-detail").inner_text()

    # a job's reschedule form: its earliest and latest start are a date and a clock
    job = call(server, "GET", "/api/jobs?status=open&limit=1")[0]
    page.evaluate(f"window.waterops.openJob({job['id']!r})")
    page.locator("#job-panel #reschedule-job").click()
    reason = page.locator("#job-panel .reason-form")
    reason.wait_for()
    assert reason.locator("input[name=earliest_date]").get_attribute("type") == "date"
    assert reason.locator("input[name=earliest_time]").get_attribute("type") in (None, "text")
    assert page.locator(BROWSER_CLOCKS).count() == 0
