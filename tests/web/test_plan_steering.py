"""Issue 18, item 1 in the browser: a dispatcher steers the day plan on its timeline. A job
dragged to another crew's row and a job pinned to a time hold after "re-solve" (the real
solver, on a real ``waterops serve --demo``); the console shows the change from the plan before;
a second dispatcher's edit made meanwhile is a conflict naming who and when, not a lost change;
on a phone the timeline's hour labels do not run into each other."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import APPROVAL, LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import SHOTS, call, open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

# the browser logs every refused request as an error; the test provokes this one
EXPECTED = ("status of 409",)  # a stale edit; an overlap not acknowledged
# jobs that no other job waits for: moving them tests the pin, not a chain's timing
FREE_KINDS = ("leak survey", "valve exercise", "follow-up visit", "survey")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_SOLVER_SECONDS": "4"}
    with pages.serve(tmp_path_factory, "steer", env) as srv:
        srv.await_sample_day()
        yield srv


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with pages.browser_page(browser, expected=EXPECTED, shot="plan_steering", full_page=True) as pg:
        yield pg


def wait_ready(server: LiveServer, plan_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while True:
        plan = call(server, "GET", f"/api/plans/{plan_id}")
        if plan["status"] not in ("queued", "solving"):
            assert plan["status"] == "ready", plan["error"]
            return plan  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, "the plan did not finish"
        time.sleep(0.5)


def _choice(server: LiveServer, plan: dict[str, Any]) -> tuple[str, str, str, str]:
    """A job to drag (its crew, and another crew of the plan that can do it) and another job
    to pin to a time, both of kinds no other job waits for."""
    crews = {c["id"]: set(c["skills"]) for c in call(server, "GET", "/api/crews")}
    jobs = {j["id"]: j for j in call(server, "GET", "/api/jobs?limit=5000")}
    in_plan = [r["crew"] for r in plan["result"]["routes"]]
    free = [
        (r["crew"], s["job"])
        for r in plan["result"]["routes"]
        for s in r["stops"]
        if s.get("slot", 1) == 1
        and s["kind"] in FREE_KINDS
        and jobs[s["job"]].get("crews_required", 1) == 1
    ]
    for crew, job in free:
        for other in in_plan:
            if other != crew and set(jobs[job]["skills"]) <= crews[other]:
                pin = next(j for c, j in free if j != job and c != crew)
                return job, crew, other, pin
    raise AssertionError("no job of a free kind to move")


def test_a_dispatcher_drags_pins_resolves_and_meets_a_colleagues_change(
    page: Any,
    server: LiveServer,
    browser: Any,
) -> None:
    day = next_working_day().isoformat()
    first = wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])
    job, crew, other, pinned = _choice(server, first)
    stops = {s["job"]: s for r in first["result"]["routes"] for s in r["stops"]}
    at = dt.datetime.fromisoformat(stops[pinned]["start"]) + dt.timedelta(minutes=40)

    sign_in(page, server, "dispatcher")
    open_tab(page, "plan")
    page.select_option("#plan-select", str(first["id"]))
    page.wait_for_selector(f"#plan-result[data-plan='{first['id']}'] #plan-steer")
    bar = page.locator(f"#timeline .lane[data-crew='{crew}'] .bar.job[data-job='{job}']")
    sync_api.expect(bar).to_be_visible()
    sync_api.expect(bar.locator(".bar-label")).not_to_be_empty()  # a label on the bar
    # a step of a chain is labelled by its kind in Chinese, not by its id's English suffix
    labels = page.locator("#timeline .bar.job .bar-label").all_inner_texts()
    english = {"survey", "meter", "open", "close", "repair", "reopen", "flush", "tanker"}
    assert not english & {label.strip(" ②📌") for label in labels}, labels

    # drag the job to the other crew's row: the plan shows it coming there, the history says who
    page.fill("#steer-why", "钥匙在这个班组")
    target = page.locator(f"#timeline [data-crew='{other}'] .track")
    bar.drag_to(target)
    coming = page.locator(f"#timeline [data-crew='{other}'] .bar.job.coming[data-job='{job}']")
    sync_api.expect(coming).to_be_visible()
    sync_api.expect(page.locator(".steer-history li").last).to_contain_text("改派")
    sync_api.expect(page.locator(".steer-history li").last).to_contain_text("钥匙在这个班组")
    sync_api.expect(page.locator("#steer-pending")).to_be_visible()
    assert call(server, "GET", f"/api/plans/{first['id']}/steering")["pins"][job]["crew"] == other

    # pin another job to a time on its crew
    page.locator(f"#timeline .bar.job[data-job='{pinned}']").first.click()
    page.fill("#steer-at", at.strftime("%H:%M"))
    page.click("#steer-pin-at")
    sync_api.expect(page.locator(".steer-history li")).to_have_count(2)

    # re-solve: the console follows the new plan; the drag and the pin hold in it
    page.click("#plan-resolve")
    page.wait_for_selector(
        f"#plan-result:not([data-plan='{first['id']}']) #routes-table", timeout=90_000
    )
    second_id = int(page.locator("#plan-result").get_attribute("data-plan"))
    second = wait_ready(server, second_id)
    crews_of = {s["job"]: r["crew"] for r in second["result"]["routes"] for s in r["stops"]}
    starts = {s["job"]: s["start"] for r in second["result"]["routes"] for s in r["stops"]}
    assert crews_of[job] == other
    assert starts[pinned] == at.isoformat(timespec="minutes")
    page.wait_for_selector(
        f"#timeline .lane[data-crew='{other}'] .bar.job.pinned[data-job='{job}']"
    )
    diff = page.locator("#plan-diff")
    sync_api.expect(diff).to_contain_text(f"#{first['id']}")
    sync_api.expect(diff).to_contain_text(job)
    sync_api.expect(page.locator("#steer-pending")).to_have_count(0)

    # a second dispatcher locks a crew's route meanwhile (through the API, with the version
    # they read); the first, on the version they saw, takes a job out: refused, named, shown
    version = call(server, "GET", f"/api/plans/{second_id}/steering")["version"]
    call(
        server,
        "POST",
        f"/api/plans/{second_id}/steer",
        {"version": version, "action": "lock", "crew": crew, "why": "路面施工"},
        role="admin",
    )
    page.locator(f"#timeline .bar.job[data-job='{pinned}']").first.click()
    page.fill("#steer-why", "客户不在家")
    page.click("#steer-unassign")
    status = page.locator("#status")
    sync_api.expect(status).to_contain_text("admin")
    sync_api.expect(status).to_contain_text("锁定路线")
    steering = call(server, "GET", f"/api/plans/{second_id}/steering")
    assert steering["out"] == {} and crew in steering["locks"]  # nothing half-done
    sync_api.expect(
        page.locator(f"#timeline .lane[data-crew='{crew}'] .lane-lock.on")
    ).to_be_visible()

    # on a phone the hour labels keep apart (the timeline scrolls sideways instead)
    with pages.browser_page(browser, 390, 844, expected=EXPECTED) as phone:
        sign_in(phone, server, "dispatcher")
        open_tab(phone, "plan")
        phone.wait_for_selector("#timeline .hour")
        boxes = [h.bounding_box() for h in phone.locator("#timeline .hour").all()]
        for left, right in pairwise(boxes):
            assert left["x"] + left["width"] <= right["x"], (left, right)
        SHOTS.mkdir(parents=True, exist_ok=True)
        phone.locator("#timeline").screenshot(path=str(SHOTS / "plan_steering_phone.png"))


def _outage(server: LiveServer, start: dt.datetime, pipe: str) -> dict[str, Any]:
    body = {
        "kind": "planned",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=4)).isoformat(),
        "reason": "valve replacement",
        "reason_zh": "阀门更换",
        "pipes": [pipe],
    }
    outage = call(server, "POST", "/api/outages", body)
    approval = {**APPROVAL, "approved_at": dt.datetime.now(TZ).isoformat(timespec="seconds")}
    status, data, _ = server.call(
        "POST",
        f"/api/outages/{outage['id']}/approval",
        server.token(),
        approval,
        {"If-Match": f'"{outage["version"]}"'},
    )
    assert status == 200, data
    return data  # type: ignore[no-any-return]


def test_a_dispatcher_acknowledges_an_overlap_and_publishes(page: Any, server: LiveServer) -> None:
    """Publishing a planned outage over another at the same time and place is refused with what
    the overlap costs; the rule allows it acknowledged, and the console offers that."""
    start = pages.nine_in(3)
    first = _outage(server, start, "P000700")
    status, data, _ = server.call(
        "POST",
        f"/api/outages/{first['id']}/publish",
        server.token(),
        {},
        {"If-Match": f'"{first["version"]}"'},
    )
    assert status == 200, data
    second = _outage(server, start + dt.timedelta(hours=1), "P000700")

    sign_in(page, server, "dispatcher")
    open_tab(page, "notices")
    page.locator(f"[data-outage='{second['id']}']").first.click()
    page.click("#notice-publish")
    card = page.locator("#overlap-ack")
    sync_api.expect(card).to_contain_text(first["id"])
    sync_api.expect(card).to_contain_text("重叠")
    assert call(server, "GET", f"/api/outages/{second['id']}")["state"] == "draft"
    page.click("#overlap-publish")
    sync_api.expect(page.locator("#notice-state")).to_have_text("已发布")
    assert call(server, "GET", f"/api/outages/{second['id']}")["state"] == "published"
