"""Who loses pressure is visible and named in the console (issue 17, new-user trial item 4): an
engineer isolates the DN900 trunk main P003500 with EPANET at 19:00. The map frames the
reduced-pressure area (kilometres, not the 300 m pipe), drawn hatched in its own colour with a
legend entry in both languages; the customers below the service pressure are listed by
category with the critical ones by name (the API's), with their streets and DMAs; the plan's
empty by-category table (no one is cut off) is not shown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sign_in, sync_api
from tests.web.test_console import api_isolation

pytestmark = pytest.mark.slow

TRUNK = "P003500"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "low-pressure") as srv:
        yield srv


def box(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] = page.locator(selector).first.bounding_box()
    return found


def test_the_reduced_pressure_area_is_framed_told_apart_and_named(
    page: Any, server: LiveServer
) -> None:
    sign_in(page, server, "engineer")
    legend = page.locator(".legend.leaflet-control .legend-reduced")
    sync_api.expect(legend).to_have_text("降压区域")
    assert legend.locator(".swatch.hatch-reduced").count() == 1
    page.fill("#iso-form input[name=pipe]", TRUNK)
    page.fill("#iso-form input[name=hour]", "19")
    page.check("#iso-form input[name=hydraulic]")
    page.click("#iso-form button[type=submit]")
    page.wait_for_selector("#iso-hydraulic-result #hyd-low-critical li", timeout=120_000)
    expected = api_isolation(server, pipe=TRUNK, hydraulic="true", hour="19", customers="below")
    hydraulic = expected["hydraulic"]
    low = hydraulic["low_pressure"]
    assert expected["customers"]["total"] == 0 and low["total"] > 1000
    assert page.locator("#hyd-below").inner_text() == str(
        hydraulic["reduced_pressure"]["customers"]
    )

    # the critical customers below the service pressure, by name, as the API lists them
    names = [
        li.split("✚", 1)[1].strip() for li in page.locator("#hyd-low-critical li").all_inner_texts()
    ]
    assert len(names) == len(low["critical"]) > 0
    for shown, c in zip(names, low["critical"], strict=True):
        assert shown.startswith(c["name"]) and c["kind"] in shown
    assert any("Hospital" in n for n in names)
    # by category: the API's counts, no empty rows
    rows = page.locator("#hyd-low-categories tbody tr").all_inner_texts()
    assert [r.split("\t")[-1].strip() for r in rows] == [
        str(n) for n in low["by_category"].values() if n
    ]
    streets = page.locator("#hyd-low-streets").inner_text()
    assert low["streets"][0] in streets and "降压道路" in streets
    assert low["neighbourhoods"][0] in page.locator("#hyd-low-dmas").inner_text()
    # nobody is cut off: the plan's by-category table is not an empty header
    assert page.locator("#iso-result table.data:not(#hyd-low-categories)").count() == 0

    # the polygon: hatched (its own pattern), dashed, and framed whole in the map
    area = page.locator("path.reduced-pressure").first
    sync_api.expect(area).to_be_visible()
    style = area.evaluate(
        "p => { const s = getComputedStyle(p); return [s.fill, s.stroke, s.strokeDasharray]; }"
    )
    assert "hatch-reduced" in style[0] and style[1] == "rgb(176, 136, 0)" and style[2] != "none"
    frame, shape = box(page, "#map"), box(page, "path.reduced-pressure")
    assert shape["width"] > 300  # kilometres on screen, not the 300 m pipe at street zoom
    assert shape["x"] >= frame["x"] - 2 and shape["y"] >= frame["y"] - 2
    assert shape["x"] + shape["width"] <= frame["x"] + frame["width"] + 2
    assert shape["y"] + shape["height"] <= frame["y"] + frame["height"] + 2
    pages.screenshot(page, "low_pressure_trunk_main_zh")

    page.click("#lang")  # the legend entry and the lists in English
    sync_api.expect(legend).to_have_text("Reduced-pressure area")
    assert "Streets below the service pressure" in page.locator("#hyd-low-streets").inner_text()
    heading = page.locator("#iso-hydraulic-result h4:has-text('Critical customers')")
    sync_api.expect(heading).to_have_text(
        f"Critical customers below the service pressure ({len(names)})"
    )
    pages.screenshot(page, "low_pressure_trunk_main_en")
