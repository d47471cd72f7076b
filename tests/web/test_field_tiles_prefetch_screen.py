"""Issue 18: the day's route is kept for offline before the crew looks closer. When the day
loads online the field app fetches the tiles along its route and around its stops at the two
zooms above the one the map shows (bounded), and the service worker keeps them, so the map of
the route zoomed in shows offline too. Chromium, a real live service with a published plan and
a real tile server on another origin (with CORS)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sync_api
from tests.web.test_field_app import CLOCK, day  # noqa: F401 (fixture)
from tests.web.test_field_tiles_screen import KEPT, SHOWN, Tiles, level, tiles, until  # noqa: F401

pytestmark = pytest.mark.slow

PREFETCH_MAX = 120  # api/web/static/js/field.js


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    tiles: ThreadingHTTPServer,  # noqa: F811
) -> Iterator[LiveServer]:
    port = tiles.server_address[1]
    env = {
        "WATEROPS_MAP_TILES": f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png",
        "WATEROPS_DEMO_CLOCK": CLOCK.replace(tzinfo=None).isoformat(),
    }
    with pages.serve(tmp_path_factory, "prefetch", env) as srv:
        srv.started = time.monotonic()  # type: ignore[attr-defined]
        yield srv


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web Mercator tile (x, y) at zoom ``z`` that holds ``(lon, lat)``."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_the_days_route_is_kept_at_closer_zooms_when_the_day_loads(
    browser: Any,
    server: LiveServer,
    tiles: ThreadingHTTPServer,  # noqa: F811
    day: dict[str, Any],  # noqa: F811
) -> None:
    crew = day["route"]["crew"]
    stops = [s for s in day["route"]["stops"] if s.get("slot", 1) == 1]
    errors: list[str] = []
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/field")
    pages.log_in(page, f"crew-{crew}")
    sync_api.expect(page.locator("#stops li")).to_have_count(len(stops), timeout=15_000)
    until(lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"))
    # the page as the worker controls it: the day loads online, its tiles go through the worker
    page.reload()
    sync_api.expect(page.locator("#stops li")).to_have_count(len(stops), timeout=15_000)
    until(lambda: page.evaluate(SHOWN))
    time.sleep(2)  # the route fitted: the zoom the map shows
    shown = int(level(page.evaluate(SHOWN))[0].split("/")[3])
    base = f"http://127.0.0.1:{tiles.server_address[1]}"
    # each stop's tile at the two closer zooms is kept, without the crew zooming in
    shown_day = page.evaluate("() => JSON.parse(localStorage.getItem('waterops.field.day'))")
    wanted = {
        f"{base}/{z}/{x}/{y}.png"
        for s in shown_day["stops"]
        if s.get("location")
        for z in (shown + 1, shown + 2)
        for x, y in [tile_of(s["location"][0], s["location"][1], z)]
    }
    assert wanted
    deadline = time.monotonic() + 20
    while not wanted <= set(page.evaluate(KEPT)):
        missing = wanted - set(page.evaluate(KEPT))
        assert time.monotonic() < deadline, (shown, sorted(missing)[:5])
        time.sleep(0.3)
    # bounded: the closer zooms hold at most PREFETCH_MAX tiles
    closer = [u for u in page.evaluate(KEPT) if int(u.split("/")[3]) > shown]
    assert len(closer) <= PREFETCH_MAX, len(closer)

    # loaded once per day, plan and zoom: a second look at the day asks the tile server for none
    def asked() -> int:
        return len([p for p in Tiles.served if int(p.split("/")[1]) > shown])

    before = asked()
    page.click(f'#stops li[data-job="{stops[0]["job"]}"]')
    page.click("#back")
    time.sleep(1.5)
    assert asked() == before
    context.close()
    assert not errors, errors
