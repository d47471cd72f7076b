"""The console's layout at 1366 px (user trial): with the timeline open the map's legend and the
live panel keep to the map's lower corners; the plan's routes go when another tab opens; a
plan solving shows its status on the plan tab only; the English valve-criticality table fits
its panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer, next_working_day
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api
from tests.web.test_plan_steering import call, wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**pages.SAMPLE_DAY, "WATEROPS_SOLVER_SECONDS": "4"}
    with pages.serve(tmp_path_factory, "console-layout", env) as srv:
        srv.await_sample_day()
        yield srv


@pytest.fixture(scope="module")
def plan(server: LiveServer) -> dict[str, Any]:
    day = next_working_day().isoformat()
    return wait_ready(server, call(server, "POST", "/api/plans", {"day": day, "seconds": 4})["id"])


def box(page: Any, selector: str) -> dict[str, float]:
    b = page.locator(selector).bounding_box()
    assert b is not None, selector
    return b


def test_with_the_timeline_open_legend_and_live_panel_keep_to_the_maps_foot(
    page: Any, server: LiveServer, plan: dict[str, Any]
) -> None:
    sign_in(page, server)
    open_tab(page, "plan")
    page.select_option("#plan-select", str(plan["id"]))
    page.wait_for_selector("#timeline .lane .bar")
    map_ = box(page, "#map")
    timeline = box(page, "#timeline")
    foot = map_["y"] + map_["height"]
    assert foot <= timeline["y"] + 1, (map_, timeline)
    for part in (".leaflet-bottom.leaflet-left .legend", "#live"):
        b = box(page, part)
        assert b["y"] + b["height"] <= timeline["y"] + 1, (part, b, timeline)  # not over it
        assert foot - (b["y"] + b["height"]) < 40, (part, b, map_)  # at the map's foot
    # the routes framed in the map as it is with the timeline open, above the legend and panel
    page.wait_for_timeout(600)  # the fit's animation
    top = min(box(page, ".leaflet-bottom.leaflet-left .legend")["y"], box(page, "#live")["y"])
    lowest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.leaflet-work-pane [data-crew]')]"
        ".map((e) => e.getBoundingClientRect().bottom))"
    )
    assert map_["y"] < lowest <= top + 2, (lowest, top)


ROUTES = "() => document.querySelectorAll('.leaflet-work-pane [data-crew]').length"


def test_the_routes_go_with_the_plan_tab(
    page: Any, server: LiveServer, plan: dict[str, Any]
) -> None:
    sign_in(page, server)
    open_tab(page, "plan")
    page.select_option("#plan-select", str(plan["id"]))
    page.wait_for_selector("#timeline .lane .bar")
    assert page.evaluate(ROUTES) > 0
    open_tab(page, "leakage")
    sync_api.expect(page.locator("#timeline")).to_be_hidden()
    assert page.evaluate(ROUTES) == 0
    open_tab(page, "plan")
    sync_api.expect(page.locator("#timeline")).to_be_visible()
    assert page.evaluate(ROUTES) > 0


def test_a_plan_solving_shows_on_the_plan_tab_saying_whose(page: Any, server: LiveServer) -> None:
    sign_in(page, server)
    day = next_working_day().isoformat()
    solving = call(server, "POST", "/api/plans", {"day": day, "seconds": 20})  # the dispatcher's
    open_tab(page, "plan")
    line = page.locator("#plan-solving")
    sync_api.expect(line).to_contain_text(f"计划 {solving['id']}（dispatcher）", timeout=10_000)
    open_tab(page, "leakage")
    sync_api.expect(line).to_be_hidden()
    page.wait_for_timeout(1500)
    assert "求解" not in page.locator("#status").inner_text()
    assert not page.locator("#plan-stop").is_visible()
    wait_ready(server, solving["id"])


def test_the_english_valve_criticality_table_fits_its_panel(page: Any, server: LiveServer) -> None:
    sign_in(page, server)
    page.click("#lang")
    open_tab(page, "valves")
    page.wait_for_selector("#crit-table tbody tr")
    side = page.locator("#crit-table").evaluate("e => e.closest('.side').getBoundingClientRect()")
    table = box(page, "#crit-table table")
    assert table["x"] + table["width"] <= side["right"] - 12 + 1, (table, side)
    last = box(page, "#crit-table tbody tr:first-child td:last-child")
    assert last["x"] + last["width"] <= side["right"] - 12 + 1, (last, side)
