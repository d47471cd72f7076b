"""Issue 18: the field app's map shows its background offline. The service worker keeps the
tiles the crew has seen (a cache of their own, bounded: the TILE_MAX used last), so a phone
reloaded with no network draws the same tiles. Chromium, a real live service, and a real tile
server on another port (another origin, with CORS, as public tile servers answer), stopped
before the phone goes offline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.api.conftest import LiveServer
from tests.web.test_console import browser, sync_api  # noqa: F401 (fixtures)
from tests.web.test_field_queue_screen import png

pytestmark = pytest.mark.slow

TILE_MAX = 400  # api/web/static/js/field-sw.js
TILE = png(256, 256)


class Tiles(BaseHTTPRequestHandler):
    served: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Tiles.served.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(TILE)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(TILE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def tiles() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, tiles: ThreadingHTTPServer
) -> Iterator[LiveServer]:
    port = tiles.server_address[1]
    srv = LiveServer(
        tmp_path_factory.mktemp("tiles") / "data",
        env={"WATEROPS_MAP_TILES": f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"},
    )
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


KEPT = """async () => (await (await caches.open('waterops-tiles')).keys()).map((r) => r.url)"""
SHOWN = """() => [...document.querySelectorAll('#map img.leaflet-tile')]
    .filter((i) => i.classList.contains('leaflet-tile-loaded') && i.naturalWidth > 0)
    .map((i) => i.src)"""


def level(urls: list[str]) -> list[str]:
    """The tiles of the deepest zoom shown (Leaflet keeps the last zoom's till the new load)."""
    z = max(int(u.split("/")[3]) for u in urls)
    return sorted({u for u in urls if int(u.split("/")[3]) == z})


def until(ready: Any, seconds: float = 15) -> None:
    """Wait for ready() (the page's CSP allows no eval: no wait_for_function of a string)."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_the_tiles_seen_are_kept_bounded_and_shown_offline(
    browser: Any,  # noqa: F811
    server: LiveServer,
    tiles: ThreadingHTTPServer,
) -> None:
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
    page.fill("#login-form input[name=username]", "crew-valve-01")
    page.fill("#login-form input[name=password]", "waterops-demo")
    page.click("#login-form button[type=submit]")
    sync_api.expect(page.locator("#app")).to_be_visible(timeout=15_000)
    until(lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"))
    # tiles of other places seen before, as many as the bound
    page.evaluate(
        """async ([n, base]) => {
            const c = await caches.open('waterops-tiles');
            for (let k = 0; k < n; k++) {
                const at = String(Date.now());
                await c.put(`${base}/19/${k}/0.png`, new Response('x', {
                    headers: { 'Content-Type': 'image/png', 'Waterops-Cached-At': at },
                }));
            }
        }""",
        [TILE_MAX, f"http://127.0.0.1:{tiles.server_address[1]}"],
    )

    # the page as the worker controls it: its tiles go through the worker, which keeps them
    page.reload()
    until(lambda: page.evaluate(SHOWN))
    time.sleep(2)  # the view settled (the day's depot or route fitted): its zoom's tiles
    shown = level(page.evaluate(SHOWN))
    deadline = time.monotonic() + 10
    while not set(shown) <= set(page.evaluate(KEPT)):
        assert time.monotonic() < deadline, (shown, page.evaluate(KEPT))
        time.sleep(0.2)
    assert all(u.startswith(f"http://127.0.0.1:{tiles.server_address[1]}/") for u in shown)

    # the cache keeps the bound: the tiles just seen, and the others seen last
    until(lambda: len(page.evaluate(KEPT)) == TILE_MAX)
    base = f"http://127.0.0.1:{tiles.server_address[1]}/19"
    kept = page.evaluate(KEPT)
    assert f"{base}/0/0.png" not in kept  # the oldest went
    assert f"{base}/{TILE_MAX - 1}/0.png" in kept

    # no network (the tile server gone too): the page reloaded draws the same tiles, from the
    # worker's cache
    tiles.shutdown()
    Tiles.served.clear()
    context.set_offline(True)
    page.reload()
    sync_api.expect(page.locator("#net")).to_have_class("net offline", timeout=10_000)
    until(lambda: set(shown) <= set(page.evaluate(SHOWN)))
    time.sleep(1)
    assert level(page.evaluate(SHOWN)) == shown
    assert not page.locator("#map img.leaflet-tile:not(.leaflet-tile-loaded)").count()
    assert not Tiles.served
    kept = page.evaluate(KEPT)
    assert len(kept) == TILE_MAX and set(shown) <= set(kept)
    context.close()
    assert not errors, errors
