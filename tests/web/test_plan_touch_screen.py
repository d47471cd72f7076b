"""Issue 18: on a touch screen a dispatcher moves a job to another crew on the timeline with the
finger, as with the mouse. Chromium with touch emulation (``has_touch``) and real touch input
(CDP ``Input.dispatchTouchEvent``: the browser makes the pointer events, and decides scrolling,
as on a tablet), on a real ``waterops serve --demo`` and the real solver.

A finger that moves at once is scrolling, and moves nothing; a long press picks the job up, the
finger carries it to another crew's row, and lifting it there moves the job: the same steering
call as the mouse's drop (the plan's steering pins it to that crew, the row shows it coming)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import call, open_tab, sign_in, sync_api
from tests.web.test_plan_steering import (  # noqa: F401 (fixture)
    FREE_KINDS,
    _choice,
    server,
    wait_ready,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    with pages.browser_page(
        browser, 1280, 900, has_touch=True, shot="plan_touch_drag", full_page=True
    ) as pg:
        yield pg


def centre(locator: Any) -> tuple[float, float]:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_dispatcher_moves_a_job_to_another_crew_with_a_finger(
    tablet: Any,
    server: LiveServer,  # noqa: F811
) -> None:
    page = tablet
    day = next_working_day().isoformat()
    plan = wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])
    job, crew, other, _ = _choice(server, plan)
    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.select_option("#plan-select", str(plan["id"]))
    page.wait_for_selector(f"#plan-result[data-plan='{plan['id']}'] #plan-steer")
    bar = page.locator(f"#timeline .lane[data-crew='{crew}'] .bar.job[data-job='{job}']")
    sync_api.expect(bar).to_be_visible()
    target = page.locator(f"#timeline .lane[data-crew='{other}'] .track")
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, *at: float) -> None:
        points = [{"x": at[0], "y": at[1]}] if at else []
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def carry(hold_s: float) -> None:
        # straight down to the other row, at the same hour (a sideways swipe is the browser's
        # "back" gesture)
        (x0, y0), (_, y1) = centre(bar), centre(target)
        x1 = x0
        touch("touchStart", x0, y0)
        time.sleep(hold_s)
        for k in range(1, 11):
            touch("touchMove", x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
            time.sleep(0.03)
        touch("touchEnd")

    # a swipe (no long press): the page scrolls, the job stays where it is
    carry(0.0)
    time.sleep(1)
    assert job not in call(server, "GET", f"/api/plans/{plan['id']}/steering")["pins"]
    assert not page.locator(".steer-history li").count()
    assert not page.locator(".touch-ghost").count()

    # a long press picks it up; carried to the other crew's row and let go there, it moves
    page.fill("#steer-why", "平板上改派")
    bar = page.locator(f"#timeline .lane[data-crew='{crew}'] .bar.job[data-job='{job}']")
    (x0, y0), (x1, y1) = centre(bar), centre(target)
    touch("touchStart", x0, y0)
    time.sleep(0.8)
    touch("touchMove", x0 + 4, y0 + 4)
    sync_api.expect(page.locator(".touch-ghost")).to_have_count(1)
    for k in range(1, 11):
        touch("touchMove", x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
        time.sleep(0.03)
    sync_api.expect(target).to_have_class("track drop")  # the drop target shown
    touch("touchEnd")
    coming = page.locator(f"#timeline [data-crew='{other}'] .bar.job.coming[data-job='{job}']")
    sync_api.expect(coming).to_be_visible(timeout=10_000)
    sync_api.expect(page.locator(".steer-history li").last).to_contain_text("改派")
    sync_api.expect(page.locator(".steer-history li").last).to_contain_text("平板上改派")
    assert not page.locator(".touch-ghost").count()
    steering = call(server, "GET", f"/api/plans/{plan['id']}/steering")
    assert steering["pins"][job]["crew"] == other
    assert [c["action"] for c in steering["history"]] == ["move"]


def test_a_dispatcher_moves_a_job_on_the_map_with_a_finger(
    tablet: Any,
    server: LiveServer,  # noqa: F811
) -> None:
    """On the map as on the timeline: a long press on a job's marker picks it up, and let go on
    another crew's stop it moves the job (the popup is still there for a tap)."""
    page = tablet
    day = next_working_day().isoformat()
    plan = wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])
    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.select_option("#plan-select", str(plan["id"]))
    page.wait_for_selector(f"#plan-result[data-plan='{plan['id']}'] #plan-steer")
    page.evaluate("() => window.scrollTo(0, 0)")
    # a job to move whose marker is on top at its centre (stops of crews overlap on the map)
    crews = {c["id"]: set(c["skills"]) for c in call(server, "GET", "/api/crews")}
    jobs = {j["id"]: j for j in call(server, "GET", "/api/jobs?limit=5000")}
    routes = [r for r in plan["result"]["routes"] if r["stops"]]
    on_top = """([x, y]) => document.elementFromPoint(x, y)?.getAttribute('data-job')"""
    crew_on_top = """([x, y]) => document.elementFromPoint(x, y)?.getAttribute('data-crew')"""
    choice = None
    for r in routes:
        for s in r["stops"]:
            if s.get("slot", 1) != 1 or s["kind"] not in FREE_KINDS:
                continue
            marker = page.locator(f"#map path[data-crew='{r['crew']}'][data-job='{s['job']}']")
            if marker.count() != 1 or page.evaluate(on_top, list(centre(marker))) != s["job"]:
                continue
            others = [
                o["crew"]
                for o in routes
                if o["crew"] != r["crew"] and set(jobs[s["job"]]["skills"]) <= crews[o["crew"]]
            ]
            for o in others:
                tops = page.locator(f"#map path[data-crew='{o}'][data-job]")
                points = [centre(tops.nth(k)) for k in range(tops.count())]
                hit = [p for p in points if page.evaluate(crew_on_top, list(p)) == o]
                if hit:
                    choice = (s["job"], r["crew"], o, centre(marker), hit)
                    break
            if choice:
                break
        if choice:
            break
    assert choice, "no job marker on top with another crew's stop to drop it on"
    job, _, other, (x0, y0), points = choice
    # the other crew's stop the farthest from the marker (not under it)
    x1, y1 = max(points, key=lambda p: (p[0] - x0) ** 2 + (p[1] - y0) ** 2)
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, *at: float) -> None:
        points = [{"x": at[0], "y": at[1]}] if at else []
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    page.fill("#steer-why", "地图上改派")
    touch("touchStart", x0, y0)
    time.sleep(0.8)
    for k in range(1, 11):
        touch("touchMove", x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
        time.sleep(0.03)
    touch("touchEnd")
    coming = page.locator(f"#timeline [data-crew='{other}'] .bar.job.coming[data-job='{job}']")
    sync_api.expect(coming).to_be_visible(timeout=10_000)
    sync_api.expect(page.locator(".steer-history li").last).to_contain_text("地图上改派")
    steering = call(server, "GET", f"/api/plans/{plan['id']}/steering")
    assert steering["pins"][job]["crew"] == other
