"""Issue 18 (new-user trial, 390 x 844 phone): the field app's network badge follows the network
by itself. It showed "在线" after the network dropped until the crew tapped something (the app
heard the browser's ``online`` event, not ``offline``); now it says "离线" within a second or
two, untouched, and "在线" again when the network is back (Chromium, a real live service)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ops.calendar import TZ
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import sync_api

pytestmark = pytest.mark.slow

CLOCK = dt.datetime(2026, 11, 26, 8, 30)  # a working Thursday: the service's demo clock
CREW = "crew-valve-01"  # a demo crew account (every crew of the sample roster has one)
PROMPT = 2.0  # seconds: what "at once" means to a crew looking at the badge


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_DEMO_CLOCK": CLOCK.isoformat()}
    with pages.serve(tmp_path_factory, "field-net", env) as srv:
        yield srv


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    with pages.browser_page(
        browser,
        390,
        844,
        shot=request.node.name,
        # an offline phone's map tiles fail to load: the browser logs it, the app is fine
        expected=("net::ERR_INTERNET_DISCONNECTED",),
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
    ) as pg:
        pg.clock.install(time=CLOCK.replace(tzinfo=TZ))
        yield pg


def _badge_within(page: Any, text: str, offline: bool) -> float:
    """Seconds until the badge says ``text`` (and is styled offline or not), nothing tapped."""
    net = page.locator("#net")
    began = time.monotonic()
    sync_api.expect(net).to_have_text(text, timeout=PROMPT * 1000)
    took = time.monotonic() - began
    if offline:
        sync_api.expect(net).to_have_class("net offline", timeout=100)
    else:
        sync_api.expect(net).to_have_class("net", timeout=100)
    return took


def test_the_badge_says_offline_when_the_network_drops_and_online_when_it_is_back(
    phone: Any, server: LiveServer
) -> None:
    phone.goto(f"{server.url}/field")
    pages.log_in(phone, CREW)
    sync_api.expect(phone.locator("#app")).to_be_visible(timeout=15_000)
    sync_api.expect(phone.locator("#net")).to_have_text("在线", timeout=10_000)
    phone.wait_for_timeout(1000)  # the day loaded and the page idle: nothing will ask the service

    phone.context.set_offline(True)
    took = _badge_within(phone, "离线", offline=True)
    print(f"offline shown after {took:.2f} s")
    # and it stays so while offline (the app's rounds do not paint it online)
    phone.wait_for_timeout(1500)
    sync_api.expect(phone.locator("#net")).to_have_text("离线", timeout=100)

    phone.context.set_offline(False)
    took = _badge_within(phone, "在线", offline=False)
    print(f"online shown after {took:.2f} s")
