"""The steps the browser tests share (issue 15, repeated code): a live ``waterops serve`` for a
test module, a browser page that fails the test on what the page reports as an error, signing in
at the console, opening a tab, and the outage notices the tests start from.

Importing this module skips the importing test module without /usr/bin/chromium, unless
``WATEROPS_REQUIRE_BROWSER`` is set (``.ci/run`` installs Chromium and sets it). The fixtures
``browser`` and ``page`` are in ``conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest

from ops.calendar import TZ
from tests.api.conftest import APPROVAL, LiveServer
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "build" / "screenshots"
PASSWORD = "waterops-demo"  # every demo account's
# a server that posts the demo's sample day of work itself (``LiveServer.await_sample_day``)
SAMPLE_DAY = {"WATEROPS_SEED_DEMO_WORK": "true"}

Watch = Literal["all", "uncaught", "none"]  # which errors of a page fail a test

if not CHROMIUM.exists():
    if os.environ.get("WATEROPS_REQUIRE_BROWSER"):
        raise RuntimeError("WATEROPS_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@contextmanager
def serve(
    tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """A real ``waterops serve --demo`` on its own data folder, stopped when the block ends."""
    srv = LiveServer(tmp_path_factory.mktemp(name) / "data", env=env)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def watch_errors(page: Any, watch: Watch = "all", expected: Sequence[str] = ()) -> list[str]:
    """The list the page's errors go to: with ``watch`` "uncaught" or "all" the uncaught ones,
    with "all" also what it logs as an error but for the messages that hold one of ``expected``
    (refusals a test provokes); with "none" nothing."""
    errors: list[str] = []
    if watch != "none":
        page.on("pageerror", lambda e: errors.append(str(e)))
    if watch == "all":
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not any(x in m.text for x in expected)
                else None
            ),
        )
    return errors


@contextmanager
def browser_page(
    browser: Any,
    width: int = 1366,
    height: int = 900,
    *,
    watch: Watch = "all",
    expected: Sequence[str] = (),
    shot: str = "",
    full_page: bool = False,
    **options: Any,
) -> Iterator[Any]:
    """A page in a context of its own (``options`` go to ``new_context``), closed when the block
    ends; a block that ends normally fails on the page's errors ``watch`` names (see
    :func:`watch_errors`),
    after a screenshot ``shot`` if it is named."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    try:
        page = context.new_page()
        errors = watch_errors(page, watch, expected)
        yield page
        if shot:
            screenshot(page, shot, full_page)
    finally:
        context.close()
    assert not errors, f"the page reported errors: {errors}"


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    """The page as ``build/screenshots/<name>.png`` (not committed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Any, server: LiveServer, user: str = "dispatcher", hash_: str = "") -> None:
    """Signs ``user`` in at the console (``hash_``: the screen asked, ``#job/...``) and waits
    until the network is drawn and nothing is loading any more."""
    page.goto(f"{server.url}/console{hash_}")
    log_in(page, user)
    page.wait_for_selector("#app:not([hidden])")
    # the network is drawn (the canvas of pipes) before anything is clicked
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    sync_api.expect(page.locator("#status")).to_have_text("", timeout=30_000)


def log_in(page: Any, user: str) -> None:
    """Sends the login form of the page open (the console's, the field app's) for ``user``."""
    page.fill("#login-form input[name=username]", user)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def open_tab(page: Any, name: str) -> None:
    """Opens the console's tab ``name`` (its ``data-tab``: work, plan, notices, leakage...)."""
    page.click(f"[data-tab={name}]")


def open_notice(page: Any, oid: str) -> None:
    """Opens the notice of outage ``oid`` from the notices tab's list."""
    open_tab(page, "notices")
    page.click(f"#notice-list tr[data-outage='{oid}']")


def call(
    server: LiveServer,
    method: str,
    path: str,
    body: Any = None,
    role: str = "dispatcher",
    **headers: str,
) -> Any:
    """What the API answers ``role``, which must be a success."""
    status, data, _ = server.call(method, path, server.token(role), body, headers)
    assert status < 300, (status, data)
    return data


def ready_plan(
    server: LiveServer, day: dt.date, seconds: float, timeout: float = 120
) -> dict[str, Any]:
    """The plan of ``day`` asked of the service (``seconds`` to solve), once it is ready."""
    plan = call(server, "POST", "/api/plans", {"day": day.isoformat(), "seconds": seconds})
    deadline = time.monotonic() + timeout
    while (plan := call(server, "GET", f"/api/plans/{plan['id']}"))["status"] in (
        "queued",
        "solving",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert plan["status"] == "ready", plan["error"]
    return plan


def publish_plan(server: LiveServer, plan: dict[str, Any]) -> Any:
    """Publishes ``plan`` (as it was read: its version) for the crews."""
    path = f"/api/plans/{plan['id']}/publish"
    return call(server, "POST", path, {}, **{"If-Match": f'"{plan["version"]}"'})


def nine_in(days: int) -> dt.datetime:
    """09:00 in Kaifeng, ``days`` days from now."""
    return (dt.datetime.now(TZ) + dt.timedelta(days=days)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )


def draft_outage(
    server: LiveServer,
    pipes: list[str],
    start: dt.datetime,
    *,
    hours: float = 6,
    kind: str = "planned",
    reason_zh: str = "阀门更换",
    **fields: Any,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A draft notice of an outage of ``pipes`` from ``start`` (``fields``: more of its fields):
    the service's answer and its headers."""
    body = {
        "kind": kind,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=hours)).isoformat(),
        **fields,
        "reason_zh": reason_zh,
        "pipes": pipes,
    }
    code, draft, headers = server.call("POST", "/api/outages", server.token(), body)
    assert code == 201, draft
    return draft, headers


def publish(server: LiveServer, oid: str, etag: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Publishes the (approved) outage ``oid`` at version ``etag``, overlaps acknowledged."""
    code, body, headers = server.call(
        "POST",
        f"/api/outages/{oid}/publish",
        server.token(),
        {"acknowledge_overlaps": True, "approval": APPROVAL},
        {"If-Match": etag},
    )
    assert code == 200, body
    return body, headers
