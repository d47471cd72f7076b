"""Issue 18 items 6-8 in Chromium: a crew on a 390 x 844 phone works through its day in the field
app (/field), goes offline, reports a valve inoperable, comes back online; the dispatcher's
console (a second page) shows it within seconds, and the repair's isolation has widened to what
the real isolation gives without that valve."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api

pytestmark = pytest.mark.slow

# the service's clock (a demo clock: a working Thursday morning, whatever day the test runs)
DAY = dt.date(2026, 11, 26)
CLOCK = dt.datetime(2026, 11, 26, 8, 30, tzinfo=TZ)
PIPE = "P000300"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_DEMO_CLOCK": CLOCK.replace(tzinfo=None).isoformat()}
    with pages.serve(tmp_path_factory, "field", env) as srv:
        srv.started = time.monotonic()  # type: ignore[attr-defined]
        yield srv


def call(server: LiveServer, method: str, path: str, body: Any = None, **kw: Any) -> Any:
    status, data, _ = server.call(method, path, server.token(), body, **kw)
    assert status < 300, (status, data)
    return data


def server_now(server: LiveServer) -> dt.datetime:
    return CLOCK + dt.timedelta(seconds=time.monotonic() - server.started)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def day(server: LiveServer) -> dict[str, Any]:
    """A burst, the day planned and published: the crew with a closure of it and most stops."""
    case = call(server, "POST", "/api/repairs", {"severity": "burst", "pipe_id": PIPE})
    # and other work nearby: leak surveys a valve crew may take before or after the closure
    lon, lat = next(j["location"] for j in case["jobs"] if j["step"] == "repair")
    for k in range(4):
        survey = {"lon": lon + 0.004 * (k - 1.5), "lat": lat + 0.003, "duration_min": 20}
        call(server, "POST", "/api/leak-surveys", survey)
    plan = pages.ready_plan(server, DAY, 5)
    pages.publish_plan(server, plan)
    closures = {j["id"] for j in case["jobs"] if j["step"] == "close"}
    routes = [
        r
        for r in plan["result"]["routes"]
        if any(s["job"] in closures and s.get("slot", 1) == 1 for s in r["stops"])
    ]
    # a crew with a closure of the burst and work of another source, else the longest route
    route = max(
        routes,
        key=lambda r: (any(s.get("source") != case["ticket"] for s in r["stops"]), len(r["stops"])),
    )
    return {"ticket": case["ticket"], "closures": closures, "route": route, "plan": plan["id"]}


def phone(browser: Any, server: LiveServer) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    # the phone's clock agrees with the service's (a demo clock)
    page.clock.install(time=server_now(server))
    return context, page


def test_a_crew_works_offline_and_the_dispatcher_sees_the_valve_fail(
    browser: Any,
    server: LiveServer,
    day: dict[str, Any],
    tmp_path: Any,
) -> None:
    crew = day["route"]["crew"]
    stops = [s for s in day["route"]["stops"] if s.get("slot", 1) == 1]
    failing = next(s["job"] for s in stops if s["job"] in day["closures"])
    # a job worked through: one of another source when the crew has one, else of the chain
    others = [s["job"] for s in stops if s.get("source") != day["ticket"]]
    worked = next(iter(others), next((s["job"] for s in stops if s["job"] != failing), None))
    errors: list[str] = []

    # the dispatcher's console, on a desktop
    desk = browser.new_context(viewport={"width": 1366, "height": 800})
    console = desk.new_page()
    console.on("pageerror", lambda e: errors.append(f"console: {e}"))
    sign_in(console, server, "dispatcher")
    sync_api.expect(console.locator("#live")).to_be_visible(timeout=10_000)
    sync_api.expect(console.locator("#live-state")).to_have_text("已连接", timeout=10_000)

    # the crew signs in on its phone: its day, in order, with times and a map of the route
    context, page = phone(browser, server)
    page.on("pageerror", lambda e: errors.append(f"phone: {e}"))
    page.goto(f"{server.url}/field")
    pages.log_in(page, f"crew-{crew}")
    rows = page.locator("#stops li")
    sync_api.expect(rows).to_have_count(len(stops), timeout=15_000)
    assert [rows.nth(k).get_attribute("data-job") for k in range(len(stops))] == [
        s["job"] for s in stops
    ]
    assert page.locator(".leaflet-marker-icon.icon-stop").count() == len(stops)
    first = stops[0]
    navigate = page.locator("#navigate")
    sync_api.expect(navigate).to_be_visible()
    assert (navigate.get_attribute("href") or "").startswith("geo:")
    assert navigate.get_attribute("data-job") == first["job"]
    page.screenshot(path=str(tmp_path / "phone-day.png"))

    # a job worked through: arrived, started, done
    if worked is not None:
        page.click(f'#stops li[data-job="{worked}"]')
        sync_api.expect(page.locator("#job-facts")).to_contain_text(worked)
        for kind, status in (("arrived", "on_site"), ("started", "on_site"), ("done", "done")):
            page.click(f'#actions [data-report="{kind}"]')
            sync_api.expect(page.locator("#job-status")).to_have_attribute(
                "data-status", status, timeout=10_000
            )
        sync_api.expect(page.locator("#queue")).to_be_hidden(timeout=10_000)
        deadline = time.monotonic() + 10
        while call(server, "GET", f"/api/jobs/{worked}")["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        page.click("#back")

    # the valve: its detail, then offline, found inoperable
    page.click(f'#stops li[data-job="{failing}"]')
    valve = failing.rsplit("-close-", 1)[1]
    sync_api.expect(page.locator("#job-valve")).to_contain_text(valve, timeout=10_000)
    sync_api.expect(page.locator("#job-valve")).to_contain_text("DN")
    sync_api.expect(page.locator("#job-repair tr.mine")).to_have_count(1)
    context.set_offline(True)
    page.click('#actions [data-report="arrived"]')
    page.click("details.more summary")
    page.fill("#note", "spindle turns freely")
    page.click('[data-report="valve_inoperable"]')
    sync_api.expect(page.locator("#queue")).to_be_visible()
    sync_api.expect(page.locator("#queue")).to_contain_text("2")
    sync_api.expect(page.locator("#net")).to_have_class("net offline", timeout=10_000)
    page.screenshot(path=str(tmp_path / "phone-offline.png"))
    time.sleep(2)  # nothing reaches the service while offline
    assert call(server, "GET", f"/api/jobs/{failing}")["status"] == "assigned"

    # back online: the queue is sent, once, and the dispatcher sees it within seconds
    context.set_offline(False)
    sent = time.monotonic()
    sync_api.expect(page.locator("#queue")).to_be_hidden(timeout=15_000)
    alert = console.locator(".live-alert")
    sync_api.expect(alert).to_be_visible(timeout=10_000)
    took = time.monotonic() - sent
    print(f"online to the dispatcher's alert: {took:.1f} s")
    assert took < 15
    assert valve in alert.inner_text() and crew in alert.inner_text()
    sync_api.expect(
        console.locator(f'#live-list li[data-event="report"][data-job="{failing}"]')
    ).to_have_count(2)
    console.screenshot(path=str(tmp_path / "console-live.png"))

    # the repair's isolation has widened: the real isolation without that valve
    _, expected, _ = server.call(
        "GET", f"/api/networks/1/isolation?pipe={PIPE}&inoperable={valve}", server.token()
    )
    repair = call(server, "GET", f"/api/repairs/{day['ticket']}")
    assert {v["id"] for v in repair["isolation"]["valves_to_close"]} == {
        v["id"] for v in expected["valves_to_close"]
    }
    job = call(server, "GET", f"/api/jobs/{failing}")
    assert job["status"] == "cancelled"
    arrived = [h for h in job["history"] if h["note"].startswith("field: arrived")]
    assert len(arrived) == 1  # sent once
    # the phone shows the widened isolation once it has the answer
    sync_api.expect(page.locator("#job-repair .widened")).to_contain_text(valve, timeout=10_000)
    page.screenshot(path=str(tmp_path / "phone-widened.png"))

    # a crew's day is longer than a token: the app renews it before it expires (30 min)
    before = page.evaluate("localStorage.getItem('waterops.field.token')")
    page.clock.fast_forward("25:00")
    page.wait_for_function(
        "t => localStorage.getItem('waterops.field.token') !== t", arg=before, timeout=15_000
    )
    context.close()
    desk.close()
    assert not errors, errors


def test_a_crew_account_at_the_console_is_sent_to_the_field_app(
    browser: Any,
    server: LiveServer,
    day: dict[str, Any],
) -> None:
    """A crew's account opens only the field routes: at the console it would meet a page of
    refusals; it is told where its app is instead, and not left signed in."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/console")
    pages.log_in(page, f"crew-{day['route']['crew']}")
    message = page.locator("#login-error")
    sync_api.expect(message).to_contain_text("外业", timeout=10_000)
    assert page.locator("#login-error a").get_attribute("href") == "/field"
    assert page.locator("#app").is_hidden()
    assert page.evaluate("sessionStorage.getItem('waterops.token')") is None
    assert not errors, errors
    page.close()


def another_crew(server: LiveServer, day: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str]:
    """A crew of the published plan other than the first test's, its stops of slot 1 and a job
    of it still assigned (a widened isolation may have cancelled some)."""
    plan = call(server, "GET", f"/api/plans/{day['plan']}")
    for route in sorted(plan["result"]["routes"], key=lambda r: -len(r["stops"])):
        if route["crew"] == day["route"]["crew"]:
            continue
        stops = [s for s in route["stops"] if s.get("slot", 1) == 1]
        for s in stops:
            if call(server, "GET", f"/api/jobs/{s['job']}")["status"] == "assigned":
                return route["crew"], stops, s["job"]
    raise AssertionError("the plan has no second crew with a job assigned")


def test_the_app_opens_without_network(
    browser: Any,
    server: LiveServer,
    day: dict[str, Any],
) -> None:
    """Offline first means the page opens offline: the service worker keeps the app and the
    day; a crew that reloads with no network sees its day, reports, and the report is sent
    (once) when the network is back."""
    crew, stops, job = another_crew(server, day)
    errors: list[str] = []
    context, page = phone(browser, server)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/field")
    pages.log_in(page, f"crew-{crew}")
    sync_api.expect(page.locator("#stops li")).to_have_count(len(stops), timeout=15_000)
    # the worker controls the page and has kept the day (for this crew's account)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)
    kept = """async () => {
        for (const name of await caches.keys()) {
            const c = await caches.open(name);
            for (const r of await c.keys()) if (new URL(r.url).pathname === '/api/field/day') {
                return (await (await c.match(r)).json()).stops.map((s) => s.job);
            }
        }
        return null;
    }"""
    page.wait_for_function(f"({kept})().then((jobs) => jobs !== null)", timeout=15_000)
    assert page.evaluate(kept) == [s["job"] for s in stops]

    # no network; the page reloaded, and the app's own copy of the day gone: the worker's
    context.set_offline(True)
    page.evaluate("localStorage.removeItem('waterops.field.day')")
    page.reload()
    rows = page.locator("#stops li")
    sync_api.expect(rows).to_have_count(len(stops), timeout=15_000)
    assert [rows.nth(k).get_attribute("data-job") for k in range(len(stops))] == [
        s["job"] for s in stops
    ]
    sync_api.expect(page.locator("#net")).to_have_class("net offline", timeout=10_000)
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # a report made offline waits, then is sent when the network is back, and applied once
    page.click(f'#stops li[data-job="{job}"]')
    sync_api.expect(page.locator("#job-facts")).to_contain_text(job)
    page.click('#actions [data-report="en_route"]')
    sync_api.expect(page.locator("#queue")).to_contain_text("1")
    time.sleep(2)
    assert call(server, "GET", f"/api/jobs/{job}")["status"] == "assigned"
    context.set_offline(False)
    sync_api.expect(page.locator("#queue")).to_be_hidden(timeout=15_000)
    stored = call(server, "GET", f"/api/jobs/{job}")
    assert stored["status"] == "en_route"
    assert len([h for h in stored["history"] if h["note"].startswith("field: on the way")]) == 1
    sync_api.expect(page.locator("#net")).to_have_class("net", timeout=10_000)
    context.close()
    assert not errors, errors


def test_a_refused_report_stays_before_the_crew_in_its_language(
    browser: Any,
    server: LiveServer,
    day: dict[str, Any],
) -> None:
    """A report the service refuses (the dispatcher cancelled the job while the phone was
    offline) is not lost: the phone shows it refused, with the reason in the crew's language,
    after a reload too, until the crew has read it; the job's history keeps it for the
    dispatcher, and the dispatcher's live feed tells it."""
    crew, stops, job = another_crew(server, day)
    errors: list[str] = []
    desk = browser.new_context(viewport={"width": 1366, "height": 800})
    console = desk.new_page()
    sign_in(console, server, "dispatcher")
    sync_api.expect(console.locator("#live-state")).to_have_text("已连接", timeout=10_000)
    context, page = phone(browser, server)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/field")
    pages.log_in(page, f"crew-{crew}")
    sync_api.expect(page.locator("#stops li")).to_have_count(len(stops), timeout=15_000)
    page.click(f'#stops li[data-job="{job}"]')
    sync_api.expect(page.locator("#job-facts")).to_contain_text(job)

    context.set_offline(True)
    page.click('#actions [data-report="done"]')
    sync_api.expect(page.locator("#queue")).to_contain_text("1")
    # meanwhile the dispatcher cancels the job
    _, _, headers = server.call("GET", f"/api/jobs/{job}", server.token())
    etag = {k.lower(): v for k, v in headers.items()}["etag"]
    call(
        server,
        "POST",
        f"/api/jobs/{job}/status",
        {"status": "cancelled", "note": "done by the contractor"},
        headers={"If-Match": etag},
    )
    context.set_offline(False)
    refused = page.locator("#refused")
    sync_api.expect(refused).to_be_visible(timeout=15_000)
    sync_api.expect(page.locator("#queue")).to_be_hidden()
    # said in Chinese: the job, what was reported, and why (the job is cancelled)
    sync_api.expect(refused).to_contain_text(job)
    sync_api.expect(refused).to_contain_text("完成")
    sync_api.expect(refused).to_contain_text("已取消")
    assert "already" not in refused.inner_text()
    # kept on the phone: a reload (offline even) shows it again
    context.set_offline(True)
    page.reload()
    sync_api.expect(page.locator("#refused")).to_contain_text(job, timeout=15_000)
    context.set_offline(False)
    # and in the crew's other language
    page.click("#lang")
    sync_api.expect(page.locator("#refused")).to_contain_text("Done", timeout=5_000)
    sync_api.expect(page.locator("#refused")).to_contain_text("cancelled")
    page.click("#lang")
    # the dispatcher: the job's history keeps it, the live feed told it
    stored = call(server, "GET", f"/api/jobs/{job}")
    assert stored["status"] == "cancelled"
    kept = [h for h in stored["history"] if h["note"].startswith("field: refused done")]
    assert len(kept) == 1 and crew in kept[0]["note"], stored["history"]
    told = console.locator(f'#live-list li[data-event="report_refused"][data-job="{job}"]')
    sync_api.expect(told).to_have_count(1, timeout=10_000)
    sync_api.expect(told).to_contain_text("已取消")
    # read: the crew dismisses it, and it stays dismissed
    page.click("#refused-ok")
    sync_api.expect(page.locator("#refused")).to_be_hidden()
    page.reload()
    sync_api.expect(page.locator("#stops li")).to_have_count(len(stops), timeout=15_000)
    assert page.locator("#refused").is_hidden()
    context.close()
    desk.close()
    assert not errors, errors
