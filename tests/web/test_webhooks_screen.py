"""Issue 16 leftover in the browser: the console's webhooks screen (admin, in the notices tab):
the subscriptions listed, one added — a receiver the server may not call (the cloud's metadata
address) refused with a clear message naming the host and the setting, in the console's
language —, its secret shown once, its deliveries (the outbox: status, attempts, the last
answer) after a notice is published, and removed. A real local receiver takes the events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.api.test_webhooks import SECRET, Receiver
from tests.web import pages
from tests.web.pages import SHOTS, open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # the local receiver is on the loopback: the utility lists its own hosts
    env = {"WATEROPS_WEBHOOK_HOSTS": "127.0.0.1", "WATEROPS_WEBHOOK_POLL_SECONDS": "0.2"}
    with pages.serve(tmp_path_factory, "webhooks", env) as srv:
        yield srv


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


def publish_notice(server: LiveServer) -> str:
    draft, headers = pages.draft_outage(server, ["P000300"], pages.nine_in(3))
    body, _ = pages.publish(server, draft["id"], headers["etag"])
    return str(body["id"])


def open_webhooks(page: Any) -> Any:
    open_tab(page, "notices")
    card = page.locator("#webhooks")
    card.locator("summary").click()
    card.locator("#webhook-list > *").first.wait_for()
    return card


def test_the_admin_subscribes_sees_the_outbox_and_unsubscribes(
    browser: Any,
    server: LiveServer,
    receiver: Receiver,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with pages.browser_page(browser, watch="uncaught") as page:
        page.on("dialog", lambda d: d.accept())
        sign_in(page, server, "admin")
        card = open_webhooks(page)
        assert card.locator("#webhook-list tbody tr").count() == 0
        form = card.locator("#webhook-form")

        # the cloud's metadata address: refused, and the form says why
        form.locator("input[name=url]").fill("http://169.254.169.254/latest/meta-data/")
        form.locator("button[type=submit]").click()
        refused = card.locator("#webhook-error")
        sync_api.expect(refused).to_be_visible(timeout=30_000)
        said = refused.inner_text()
        assert "接收地址不允许" in said, said  # the console's language first
        assert "169.254.169.254" in said and "WATEROPS_WEBHOOK_HOSTS" in said, said
        assert card.locator("#webhook-list tbody tr").count() == 0
        card.screenshot(path=str(SHOTS / "console-webhook-refused.png"))
        code, listed, _ = server.call("GET", "/api/webhooks", server.token("admin"))
        assert code == 200 and listed == []

        # the utility's SMS gateway (here the local receiver), for published notices only
        form.locator("input[name=url]").fill(receiver.url)
        form.locator("input[name=description]").fill("短信平台")
        form.locator("input[name=secret]").fill(SECRET)
        form.locator("input[name=events][value='notice.published']").check()
        form.locator("button[type=submit]").click()
        secret = card.locator("#webhook-secret")
        sync_api.expect(secret).to_contain_text(SECRET)  # shown this once
        assert refused.is_hidden()
        rows = card.locator("#webhook-list tbody tr")
        sync_api.expect(rows).to_have_count(1)
        assert receiver.url in rows.first.inner_text()
        assert "短信平台" in rows.first.inner_text()
        code, listed, _ = server.call("GET", "/api/webhooks", server.token("admin"))
        assert [(w["url"], w["events"]) for w in listed] == [(receiver.url, ["notice.published"])]
        wid = listed[0]["id"]

        # a notice published: the receiver gets it, the outbox shows the delivery
        oid = publish_notice(server)
        got = receiver.wait_for(1)
        assert [g["event"]["type"] for g in got] == ["notice.published"]
        assert got[0]["signed"]
        rows.first.locator("button.webhook-deliveries").click()
        deliveries = card.locator("#webhook-deliveries tbody tr")
        sync_api.expect(deliveries).to_have_count(1)
        text = deliveries.first.inner_text()
        assert oid in text and "notice.published" in text, text
        assert "已送达" in text and "204" in text, text
        card.screenshot(path=str(SHOTS / "console-webhooks.png"))

        # removed: no longer listed, and the service has none
        rows.first.locator("button.webhook-remove").click()
        sync_api.expect(rows).to_have_count(0)
        code, listed, _ = server.call("GET", "/api/webhooks", server.token("admin"))
        assert listed == []
        code, _, _ = server.call("GET", f"/api/webhooks/{wid}", server.token("admin"))
        assert code == 404


def test_the_screen_is_the_admins_and_speaks_english_too(
    browser: Any,
    server: LiveServer,
) -> None:
    with pages.browser_page(browser, watch="uncaught") as page:
        sign_in(page, server, "dispatcher")
        open_tab(page, "notices")
        page.wait_for_selector("#notice-list")
        assert page.locator("#webhooks").is_hidden()  # a dispatcher does not manage receivers
    with pages.browser_page(browser, watch="uncaught") as page:
        sign_in(page, server, "admin")
        page.click("#lang")
        card = open_webhooks(page)
        assert card.locator("summary").inner_text() == "Webhooks (notice events)"
        form = card.locator("#webhook-form")
        form.locator("input[name=url]").fill("http://10.1.2.3/hook")
        form.locator("button[type=submit]").click()
        refused = card.locator("#webhook-error")
        sync_api.expect(refused).to_be_visible(timeout=30_000)
        said = refused.inner_text()
        assert "receiver refused" in said.lower() and "10.1.2.3" in said, said
