"""The web console and the public outage page in a real browser: Debian's Chromium, headless,
driven by Playwright against a real ``waterops serve --demo`` (with its sample day of work).

What the pages show is checked against what the API answers for the same question. Screenshots
go to ``build/screenshots/`` (not committed). Without /usr/bin/chromium these tests skip, unless
``WATEROPS_REQUIRE_BROWSER`` is set (``.ci/run`` installs Chromium and sets it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer, next_working_day
from tests.web import conftest, pages
from tests.web.datetime_fields import datetime_value, fill_datetime
from tests.web.pages import SHOTS, open_tab, sign_in, sync_api  # noqa: F401 (SHOTS, too)

pytestmark = pytest.mark.slow

# conftest.py's fixtures, for the modules that import them from here
browser, page = conftest.browser, conftest.page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_SEED_DEMO_WORK": "true", "WATEROPS_SOLVER_SECONDS": "15"}
    with pages.serve(tmp_path_factory, "console", env) as srv:
        srv.await_sample_day(repairs=True)
        yield srv


def api_isolation(server: LiveServer, **query: str) -> dict[str, Any]:
    status, plan, _ = server.call(
        "GET", f"/api/networks/1/isolation?{urllib.parse.urlencode(query)}", server.token()
    )
    assert status == 200, plan
    return plan  # type: ignore[no-any-return]


def shown_valves(page: Any) -> list[str]:
    return [
        v.strip() for v in page.locator("#valves-to-close li code").all_inner_texts() if v.strip()
    ]


def test_engineer_isolates_a_pipe_and_widens_it_with_a_failed_valve(
    page: Any, server: LiveServer
) -> None:
    sign_in(page, server, "engineer")
    page.fill("#iso-form input[name=pipe]", "P000658")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#valves-to-close li")
    expected = api_isolation(server, pipe="P000658")
    assert shown_valves(page) == [v["id"] for v in expected["valves_to_close"]]
    assert page.locator(".summary .big").first.inner_text() == str(expected["customers"]["total"])
    # the valves are numbered on the map, one marker per valve
    assert page.locator(".leaflet-marker-pane .icon-valve-close").count() == len(
        expected["valves_to_close"]
    )

    # a row of the list locates its valve: the map centres on it at street zoom, its number shown
    last = expected["valves_to_close"][-1]
    page.click(f"#valves-to-close button.locate[data-valve='{last['id']}']")
    seen = page.evaluate(
        """([lon, lat]) => { const m = waterops.state.map, p = m.latLngToContainerPoint([lat, lon]),
        s = m.getSize(); return [p.x, p.y, s.x, s.y, m.getZoom()]; }""",
        last["location"],
    )
    x, y, width, height, zoom = seen
    assert zoom >= 18 and abs(x - width / 2) < 60 and abs(y - height / 2) < 60, seen
    sync_api.expect(page.locator(".leaflet-tooltip", has_text=last["id"])).to_be_visible()

    # valve 1 does not close: the plan widens to the next valves out
    first = expected["valves_to_close"][0]["id"]
    page.click(f"#valves-to-close button.mark[data-valve='{first}']")
    sync_api.expect(page.locator("#valves-to-close li code", has_text=first)).to_have_count(0)
    wider = api_isolation(server, pipe="P000658", inoperable=first)
    assert shown_valves(page) == [v["id"] for v in wider["valves_to_close"]]
    assert wider["length_m"] > expected["length_m"]
    assert first in page.locator("#whatif").inner_text()


def test_engineer_clicks_the_map_and_reads_the_criticality_ranking(
    page: Any, server: LiveServer
) -> None:
    sign_in(page, server, "engineer")
    # a click in the middle of the map isolates the pipe nearest that point
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#valves-to-close li")
    assert page.locator("#iso-result .summary").is_visible()
    assert len(shown_valves(page)) >= 1

    open_tab(page, "valves")
    page.wait_for_selector("#crit-table tbody tr")
    rows = page.locator("#crit-table tbody tr")
    assert rows.count() == 50
    status, ranking, _ = server.call("GET", "/api/networks/1/criticality?top=3", server.token())
    assert status == 200
    for k, valve in enumerate(ranking["valves"]):
        assert rows.nth(k).get_attribute("data-valve") == valve["valve"]
    rows.nth(0).click()
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    assert page.locator(".leaflet-tooltip", has_text=ranking["valves"][0]["valve"]).is_visible()


def test_dispatcher_plans_the_sample_day_and_replans_after_a_burst(
    page: Any, server: LiveServer
) -> None:
    sign_in(page, server, "dispatcher")
    # an application accepted three weeks ago: its survey is overdue, at risk with a reason
    accepted = dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0) - dt.timedelta(days=21)
    status, late, _ = server.call(
        "POST",
        "/api/connections",
        server.token(),
        {
            "type": "general_construction",
            "customer": "逾期测试",
            "lon": 114.36,
            "lat": 34.80,
            "accepted_at": accepted.isoformat(),
            "dn_mm": 100,
            "line_length_m": 60,
        },
    )
    assert status == 201, late
    open_tab(page, "plan")
    day = next_working_day().isoformat()
    page.fill("#plan-form input[name=day]", day)
    page.fill("#plan-form input[name=seconds]", "5")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#routes-table tbody tr", timeout=90_000)

    _, plans, _ = server.call("GET", "/api/plans", server.token())
    _, plan, _ = server.call("GET", f"/api/plans/{plans[0]['id']}", server.token())
    result = plan["result"]
    used = [r for r in result["routes"] if r["stops"]]
    assert result["summary"]["jobs_planned"] >= 20
    # a row per crew with work, its colour, and a lane in the timeline with a bar per job
    assert page.locator("#routes-table tbody tr").count() == len(used)
    assert page.locator("#timeline .lane:not(.head)").count() == len(used)
    assert page.locator("#timeline .bar.job").count() == sum(len(r["stops"]) for r in used)
    assert page.locator("#timeline .bar.break").count() == sum(len(r["breaks"]) for r in used)
    summary = page.locator("#plan-summary").inner_text()
    assert str(result["summary"]["jobs_planned"]) in summary
    assert page.locator("#timeline").is_visible()
    # the plan's status in the dispatcher's language, not the API's code (issue 18 item 5)
    option = page.locator("#plan-select option").first.inner_text()
    assert "待发布" in option and "ready" not in option, option
    # what is unplaced or at risk, and why, in the dispatcher's language (Chinese here)
    explained = [*result["unassigned"], *result["at_risk"]]
    overdue = [a for a in result["at_risk"] if a["job"].startswith(late["application"])]
    assert overdue, result["at_risk"]
    for item in explained:
        shown = page.locator("ul.unplaced li, ul.at-risk li", has_text=item["job"]).first
        text = shown.inner_text()
        assert item["detail_key"] and item["detail"] not in text, text
        assert re.search(r"[\u4e00-\u9fff]", text.split(" — ")[-1].split(": ")[-1]), text

    # the crew sheets as CSV: every planned job once
    with page.expect_download() as download:
        page.click("#sheets-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == sum(len(r["stops"]) for r in used)

    # an emergency: a burst picked on the map. It is reported now, so it goes into today's
    # plan, whichever plan is open (tomorrow's here, issue 13): with no published plan for
    # today, today is planned from now (the crews on call called out after hours)
    today = dt.datetime.now(TZ).date().isoformat()
    page.click("#emergency summary")
    page.click("#emergency-form button.pick")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    assert re.search(r"\d+\.\d+, \d+\.\d+", page.locator("#emergency-form .picked").inner_text())
    page.click("#emergency-form button[type=submit]")
    sync_api.expect(page.locator("#plan-select")).not_to_have_value(
        str(plans[0]["id"]), timeout=30_000
    )
    _, replans, _ = server.call("GET", "/api/plans", server.token())
    child = replans[0]
    # the page follows the new plan while it solves, then shows it
    page.wait_for_selector(f"#plan-result[data-plan='{child['id']}'] #routes-table", timeout=90_000)
    assert child["day"] == today and child["parent"] is None, child
    assert "今日" in page.locator("#moved").inner_text()
    _, child_plan, _ = server.call("GET", f"/api/plans/{child['id']}", server.token())
    ticket = re.match(r"T-\d+", page.locator("#moved").inner_text())
    assert ticket, page.locator("#moved").inner_text()
    result = child_plan["result"]
    stops = {s["job"] for r in result["routes"] for s in r["stops"]}
    unplaced = {u["job"] for u in result["unassigned"]}
    burst = {j for j in child_plan_jobs(server, ticket.group(0))}
    assert burst and burst <= stops | unplaced, (burst, result["unassigned"])
    assert burst & stops, [u for u in result["unassigned"] if "repair" in u["job"]]
    for job in burst & unplaced:  # left out with a reason the dispatcher reads
        # by the job's own id, not by text: late in the day (Kaifeng time) the reasons of the
        # unplaced jobs of one chain name each other
        own = re.compile(f"^{re.escape(job)}$")
        assert page.locator("ul.unplaced li > code", has_text=own).count() == 1
    moved = child_plan["result"]["moved"]
    if moved:
        assert page.locator("ul.moved li").count() == len(moved)


def public_window(start: str, end: str) -> str:
    """The window of a notice as the English public page writes it, from the console's
    ``YYYY-MM-DDTHH:MM`` inputs: the start's day with weekday and year, the end's day only
    when it is another day."""

    def day(iso: str) -> str:
        d = dt.date.fromisoformat(iso[:10])
        return f"{d:%A} {d.day} {d:%B %Y}"

    last = end[11:16] if end[:10] == start[:10] else f"{day(end)}, {end[11:16]}"
    return f"{day(start)}, {start[11:16]} – {last}"


def child_plan_jobs(server: LiveServer, ticket: str) -> list[str]:
    status, repair, _ = server.call("GET", f"/api/repairs/{ticket}", server.token())
    assert status == 200, repair
    return [j["id"] if isinstance(j, dict) else j for j in repair["jobs"]]


def test_dispatcher_publishes_a_notice_and_the_public_finds_it(
    page: Any, server: LiveServer, browser: Any
) -> None:
    sign_in(page, server, "dispatcher")
    page.fill("#iso-form input[name=pipe]", "P001200")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#valves-to-close li")
    page.click("#iso-notice")
    page.wait_for_selector("[data-panel=notices]:not([hidden])")
    assert page.input_value("#notice-form input[name=pipes]") == "P001200"
    page.fill("#notice-form input[name=reason]", "replacing a corroded main")
    page.fill("#notice-form input[name=reason_zh]", "更换锈蚀管道")
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("#preview-zh")
    zh = page.locator("#preview-zh").inner_text()
    en = page.locator("#preview-en").inner_text()
    assert "更换锈蚀管道" in zh and "停水" in zh
    assert "replacing a corroded main" in en
    streets = api_isolation(server, pipe="P001200")["streets"]
    assert streets and streets[0] in en
    outage_id = page.locator("#notice-detail h3 code").inner_text()

    # a planned outage is published once the authority's approval is on record (§22)
    page.fill("#authority-form input[name=authority]", "开封市城市管理局")
    page.fill("#authority-form input[name=document]", "汴城管供〔2026〕12号")
    fill_datetime(
        page.locator("#authority-form"), "at", dt.datetime.now(TZ).strftime("%Y-%m-%dT%H:%M")
    )
    page.click("#authority-form button[type=submit]")
    sync_api.expect(page.locator("ul.authority-records")).to_contain_text("汴城管供〔2026〕12号")
    page.click("#notice-publish")
    sync_api.expect(page.locator("#notice-state")).to_have_text("已发布")

    public = browser.new_page(viewport={"width": 1024, "height": 768})  # a tablet, no sign-in
    public.goto(f"{server.url}/outages")
    card = public.locator(f"#notice-{outage_id}")
    card.wait_for()
    assert "更换锈蚀管道" in card.inner_text()
    assert public.locator("h2").inner_text() == "当前及计划停水"
    public.click("#lang")
    assert public.locator("h2").inner_text() == "Current and planned outages"
    assert "replacing a corroded main" in card.inner_text()
    assert streets[0] in card.inner_text()
    pages.screenshot(public, "public_page_en")

    # the notice is moved by an hour, then the water is back on: the public page follows
    page.fill("#notice-edit input[name=note]", "crew delayed")
    begin = datetime_value(page.locator("#notice-edit"), "start")
    end = datetime_value(page.locator("#notice-edit"), "end")
    later = f"{end[:11]}{int(end[11:13]) + 1:02d}{end[13:]}"
    fill_datetime(page.locator("#notice-edit"), "end", later)
    page.click("#notice-edit button[type=submit]")
    sync_api.expect(page.locator("#notice-state")).to_have_text("已更新")
    public.reload()
    # the window with year and weekday (issue 16): exactly the start and the new end
    sync_api.expect(card.locator(".when")).to_have_text(public_window(begin, later))
    # restoring is for an outage that has begun; this one is called off instead
    assert page.locator("#notice-restore").count() == 0
    page.once("dialog", lambda dialog: dialog.accept("works postponed"))
    page.click("#notice-cancel")
    sync_api.expect(page.locator("#notice-state")).to_have_text("已取消")
    revisions = page.locator("ol.revisions li").all_inner_texts()
    assert len(revisions) == 4 and "crew delayed" in revisions[2]
    public.reload()
    # a cancelled notice stays on the page, saying so, for the days the feed keeps it (issue 16)
    sync_api.expect(card).to_have_attribute("data-state", "cancelled")
    sync_api.expect(card).to_have_class(re.compile(r"\bended\b"))  # not a current outage
    sync_api.expect(card.locator(".badge.state-cancelled")).to_have_text("cancelled")

    # an emergency outage under way: the water comes back, the notice ends
    token = server.token()
    start = dt.datetime.now(TZ).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    status, outage, _ = server.call(
        "POST",
        "/api/outages",
        token,
        {
            "kind": "emergency",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=4)).isoformat(),
            "reason": "burst main",
            "pipes": ["P001200"],
        },
    )
    assert status == 201, outage
    status, published, _ = server.call(
        "POST",
        f"/api/outages/{outage['id']}/publish",
        token,
        {},
        {"If-Match": f'"{outage["version"]}"'},
    )
    assert status == 200, published
    public.reload()
    public.locator(f"#notice-{outage['id']}").wait_for()
    open_tab(page, "isolation")
    pages.open_notice(page, outage["id"])
    page.click("#notice-restore")
    sync_api.expect(page.locator("#notice-state")).to_have_text("已恢复")
    public.reload()
    restored = public.locator(f"#notice-{outage['id']}")
    sync_api.expect(restored).to_have_attribute("data-state", "restored")
    sync_api.expect(restored).to_have_class(re.compile(r"\bended\b"))  # not a current outage
    sync_api.expect(restored.locator(".badge.state-restored")).to_have_text("water restored")
    public.close()


def test_the_console_fits_a_tablet(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    tablet = context.new_page()
    sign_in(tablet, server, "dispatcher")
    map_box = tablet.locator("#map").bounding_box()
    side_box = tablet.locator("aside.side").bounding_box()
    assert side_box["y"] >= map_box["y"] + map_box["height"] - 1  # the panel under the map
    assert map_box["width"] >= 800 and side_box["width"] >= 800
    tablet.locator("#iso-form input[name=pipe]").tap()
    tablet.fill("#iso-form input[name=pipe]", "P000658")
    tablet.locator("#iso-form button[type=submit]").tap()
    tablet.wait_for_selector("#valves-to-close li")
    tablet.wait_for_timeout(800)  # the map's zoom animation, for the screenshot only
    pages.screenshot(tablet, "tablet_isolation", full_page=True)
    context.close()


def test_language_switch_is_kept(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/console")
    assert page.locator("#login-form button[type=submit]").inner_text() == "登录"
    page.click("#lang")
    assert page.locator("#login-form button[type=submit]").inner_text() == "Sign in"
    page.reload()
    assert page.locator("#login-form button[type=submit]").inner_text() == "Sign in"
    sign_in(page, server, "dispatcher")
    assert page.locator("[data-tab=plan]").inner_text() == "Day plan"
    assert page.locator("#whatif").inner_text() == "none"
    page.click("#lang")
    assert page.locator("[data-tab=plan]").inner_text() == "日计划"
    assert page.locator("#whatif").inner_text() == "无"  # what was drawn follows the switch
    assert "调度员" in page.locator("#who").inner_text()
    sync_api.expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_connection_application_from_the_console(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "dispatcher")
    open_tab(page, "work")
    page.select_option("#conn-form select[name=type]", "meter_retrofit")
    page.fill("#conn-form input[name=customer]", "Zhao Lei")
    page.fill("#conn-form input[name=dn_mm]", "25")
    page.fill("#conn-form input[name=line_length_m]", "10")
    page.click("#conn-form button.pick")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.click("#conn-form button[type=submit]")
    created = page.locator("#work-result .ok")
    created.wait_for()
    app_id = re.search(r"APP-[\w-]+", created.inner_text())
    assert app_id, created.inner_text()
    status, app, _ = server.call("GET", f"/api/connections/{app_id.group(0)}", server.token())
    assert status == 200 and app["customer"] == "Zhao Lei"
    assert app["type"] == "meter_retrofit"
    # its jobs in the open-jobs table, their kinds in Chinese (the API sends codes)
    row = page.locator("#jobs tr", has_text=f"{app_id.group(0)}-survey")
    sync_api.expect(row).to_contain_text("现场勘查")


def test_a_viewer_reads_but_is_not_offered_changes(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "viewer")
    assert page.locator("[data-tab=work]").is_hidden()
    open_tab(page, "plan")
    assert page.locator("#plan-form").is_hidden()
    assert page.locator("#plan-select").is_visible()
    open_tab(page, "isolation")
    page.fill("#iso-form input[name=pipe]", "P000658")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#valves-to-close li")
    assert page.locator("#iso-notice").is_hidden()
    assert page.locator("#valves-to-close button.report").first.is_hidden()
    assert page.locator("#valves-to-close button.mark").first.is_visible()  # a what-if only


def test_a_console_in_use_renews_its_token_and_an_idle_one_does_not(
    page: Any, server: LiveServer
) -> None:
    page.clock.install()  # the page's timers run on a clock the test can move
    sign_in(page, server, "viewer")
    issued = "Number(sessionStorage.getItem('waterops.token.issued'))"
    minutes_left = "(Number(sessionStorage.getItem('waterops.token.expires')) - Date.now()) / 60000"
    assert 29 < page.evaluate(minutes_left) <= 30
    first = page.evaluate(issued)

    # nobody touches the console while its token nears its end: it is left to expire
    page.evaluate("sessionStorage.setItem('waterops.token.expires', String(Date.now() + 120000))")
    page.clock.run_for(31_000)
    assert page.evaluate(issued) == first and page.evaluate(minutes_left) < 2

    # the viewer works (a click): the token is renewed before it runs out
    with page.expect_response("**/api/auth/refresh") as renewal:
        open_tab(page, "plan")
        page.clock.run_for(31_000)
    assert renewal.value.status == 200
    # polled from here: wait_for_function's polling evaluates a string in the page, which the
    # console's CSP forbids (it failed whenever the first check came too early)
    deadline = time.monotonic() + 15
    while page.evaluate(issued) <= first:
        assert time.monotonic() < deadline, "the renewed token was not stored"
        time.sleep(0.1)
    assert 29 < page.evaluate(minutes_left) <= 30
    _, me, _ = server.call(
        "GET", "/api/auth/me", page.evaluate("sessionStorage.getItem('waterops.token')")
    )
    assert me["username"] == "viewer"


def test_leakage_and_the_valve_programme(page: Any, server: LiveServer) -> None:
    token = server.token()
    deadline = time.monotonic() + 60
    while not server.call("GET", "/api/leakage/analyses", token)[1]:  # the demo's upload
        assert time.monotonic() < deadline, "the demo's meter data was not analysed"
        time.sleep(0.5)
    sign_in(page, server, "dispatcher")
    open_tab(page, "leakage")
    page.wait_for_selector("#ranking-table tbody tr")
    _, listed, _ = server.call("GET", "/api/leakage/analyses", token)
    _, analysis, _ = server.call("GET", f"/api/leakage/analyses/{listed[0]['id']}", token)
    rows = page.locator("#ranking-table tbody tr")
    assert rows.count() == len(analysis["ranking"])
    assert rows.first.get_attribute("data-dma") == analysis["ranking"][0]["dma"]
    assert page.locator("#bursts-table tbody tr").count() == len(analysis["bursts"])
    rows.first.click()
    page.click("#survey-jobs")
    sync_api.expect(page.locator("#survey-result")).not_to_have_text("")
    made = int(re.search(r"\d+", page.locator("#survey-result").inner_text()).group(0))
    _, jobs, _ = server.call("GET", "/api/jobs?kind=leak%20survey&limit=1000", token)
    assert made > 0 and sum(analysis["ranking"][0]["dma"] in j["id"] for j in jobs) >= 1

    page.wait_for_selector("#programme-table tbody tr")
    _, report, _ = server.call("GET", "/api/networks/1/valve-programme/report", token)
    summary = page.locator("#programme-summary").inner_text()
    assert f"{report['extra_customers_at_risk_before']:,}" in summary


def test_the_api_documentation_renders_offline(page: Any, server: LiveServer) -> None:
    """/docs is Swagger UI from the service itself, under its Content-Security-Policy: with every
    other host unreachable it still draws the operations (a CSP refusal is a console error)."""
    outside: list[str] = []

    def only_the_service(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.goto(f"{server.url}/docs")
    sync_api.expect(page.locator(".swagger-ui .info .title")).to_contain_text("waterops")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/auth/token']")
    assert page.locator(".opblock").count() > 40
    assert not outside, outside


HOSTILE = "<img src=x onerror=\"document.title='pwned'\">V-1"


def test_ids_from_the_network_data_are_shown_as_text(page: Any, server: LiveServer) -> None:
    """A valve id (or a crew's, a DMA's name ...) comes from uploaded data: it is shown as text
    in the lists, the table and the map's tooltips, never made into markup."""
    import json

    status, ranking, _ = server.call("GET", "/api/networks/1/criticality?top=1", server.token())
    assert status == 200
    target = ranking["valves"][0]["valve"]

    def hostile(route: Any) -> None:
        """The service's answer with the ``target`` valve renamed to HOSTILE."""
        data = route.fetch().json()
        text = json.dumps(data).replace(json.dumps(target), json.dumps(HOSTILE))
        route.fulfill(status=200, content_type="application/json", body=text)

    for path in ("**/api/networks/1/map/valves*", "**/api/networks/1/criticality*"):
        page.route(path, hostile)

    def hostile_plan(route: Any) -> None:
        """An isolation whose first valve to close and street are HOSTILE."""
        plan = route.fetch().json()
        first, *others = plan["valves_to_close"]
        plan["valves_to_close"] = [{**first, "id": HOSTILE}, *others]
        plan["streets"] = [HOSTILE]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(plan))

    page.route("**/api/networks/1/isolation*", hostile_plan)
    sign_in(page, server, "engineer")
    page.fill("#iso-form input[name=pipe]", "P000658")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#valves-to-close li")
    assert shown_valves(page)[0] == HOSTILE
    page.locator(".icon-valve-close").first.hover()  # the numbered marker's tooltip
    sync_api.expect(page.locator(".leaflet-tooltip", has_text=f"1. {HOSTILE}")).to_be_visible()

    open_tab(page, "valves")
    page.wait_for_selector("#crit-table tbody tr")
    row = page.locator("#crit-table tbody tr").first
    assert row.locator("code").inner_text() == HOSTILE
    row.click()  # the valve found on the map: a permanent tooltip with its id
    sync_api.expect(page.locator(".leaflet-tooltip", has_text=HOSTILE).last).to_be_visible()
    assert page.locator("img[src=x]").count() == 0
    assert page.title() != "pwned"
