"""Notice events to webhooks (issue 16; docs/webhooks.md): a real local HTTP receiver checks
every signature; a receiver that is down for a while, or answers 503, gets every event once
when it is back; a delivery that never gets through is dead after the last attempt; and an
event whose change was acknowledged survives a ``kill -9`` of the service before delivery."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from api.db.session import MIGRATIONS, make_engine
from api.webhooks import WebhookWorker, wall_clock
from tests.api.conftest import (
    APPROVAL,
    START,
    LiveServer,
    Service,
    drop_schema,
    make_service,
    postgres_url,
    wait_for_plan,
)

pytestmark = pytest.mark.slow

SECRET = "a-receiver-secret-of-forty-characters-00"
FAST = {  # short back-off for the tests: attempts 0.1 s apart, at most 0.4 s
    "webhook_backoff_seconds": 0.1,
    "webhook_backoff_max_seconds": 0.4,
    "webhook_poll_seconds": 0.1,
    "webhook_timeout_seconds": 5.0,
    "webhook_hosts": "127.0.0.1",  # the local receiver: a loopback host must be listed
}


class Receiver:
    """A local HTTP receiver on a fixed port that checks each delivery's signature itself
    (HMAC-SHA256 of ``<t>.<body>``) and keeps what it got; it can be down (nothing listens on
    the port), answer 503 to its first ``fail_first`` deliveries and answer late."""

    def __init__(self, secret: str = SECRET, fail_first: int = 0, delay: float = 0.0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.delay = delay  # seconds between taking a delivery and answering
        self.got: list[dict[str, Any]] = []
        self.answered = 0
        self.lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/waterops"
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get("Waterops-Signature", "")
                parts = dict(p.split("=", 1) for p in header.split(","))
                expected = hmac.new(
                    receiver.secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                with receiver.lock:
                    receiver.answered += 1
                    failing = receiver.answered <= receiver.fail_first
                    if not failing:
                        receiver.got.append(
                            {
                                "path": self.path,
                                "headers": dict(self.headers),
                                "event": json.loads(body),
                                "signed": hmac.compare_digest(parts["v1"], expected),
                                "age": abs(time.time() - int(parts["t"])),
                            }
                        )
                time.sleep(receiver.delay)
                try:
                    self.send_response(503 if failing else 204)
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone (killed while it waited for the answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        with self.lock:
            return [g["event"]["id"] for g in self.got]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.got) >= count:
                    break
            time.sleep(0.05)
        time.sleep(0.5)  # and nothing more comes
        with self.lock:
            return list(self.got)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def svc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    yield from make_service(request.param, tmp_path, webhook_max_attempts=100, **FAST)


def _subscribe(svc: Service, url: str, **body: Any) -> dict[str, Any]:
    r = svc.post("/api/webhooks", "admin", json={"url": url, "secret": SECRET, **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _draft(svc: Service, pipe: str, days: int = 2) -> tuple[str, str]:
    start = START + dt.timedelta(days=days)
    r = svc.post(
        "/api/outages",
        json={
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=6)).isoformat(),
            "reason_zh": "阀门更换",
            "reason": "valve replacement",
            "pipes": [pipe],
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], r.headers["etag"]


def _step(svc: Service, outage_id: str, etag: str, action: str, body: Any) -> str:
    r = svc.post(f"/api/outages/{outage_id}/{action}", json=body, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    return str(r.headers["etag"])


def _publish(svc: Service, outage_id: str, etag: str) -> str:
    return _step(
        svc, outage_id, etag, "publish", {"acknowledge_overlaps": True, "approval": APPROVAL}
    )


def _deliveries(svc: Service, webhook_id: int, **query: str) -> list[dict[str, Any]]:
    r = svc.get(f"/api/webhooks/{webhook_id}/deliveries", "admin", params=query)
    assert r.status_code == 200, r.text
    return list(r.json())


def _until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_each_change_of_a_notice_reaches_the_receiver_signed_once(
    svc: Service, receiver: Receiver
) -> None:
    receiver.start()
    # only an admin manages the subscriptions
    denied = svc.post("/api/webhooks", json={"url": receiver.url})
    assert denied.status_code == 403
    every = _subscribe(svc, receiver.url, description="SMS platform")
    assert every["events"] == [
        "notice.published",
        "notice.updated",
        "notice.restored",
        "notice.cancelled",
    ]
    assert every["secret"] == SECRET
    cancels = _subscribe(svc, receiver.url + "?only=cancel", events=["notice.cancelled"])
    listed = svc.get("/api/webhooks", "admin").json()
    assert [w["id"] for w in listed] == [every["id"], cancels["id"]]
    assert all("secret" not in w for w in listed)

    # A: published, updated (a later end, a remark in Chinese), restored
    a, etag = _draft(svc, "P000300")
    etag = _publish(svc, a, etag)
    end = START + dt.timedelta(days=2, hours=8)
    etag = _step(svc, a, etag, "update", {"end": end.isoformat(), "note_zh": "施工延长两小时"})
    svc.clock.now = START + dt.timedelta(days=2, hours=7)
    _step(svc, a, etag, "restore", {"at": svc.clock.now.isoformat()})
    svc.clock.now = START
    # B: a draft called off never went out: nothing
    b, etag = _draft(svc, "P001493", days=3)
    _step(svc, b, etag, "cancel", {"reason": "not needed", "reason_zh": "无需停水"})
    # C: published, then called off; the cancellation sent twice with its Idempotency-Key
    # (the client lost the answer), and once refused for a stale version: one event
    c, etag = _draft(svc, "P000590", days=4)
    published = _publish(svc, c, etag)
    body = {"reason": "works moved", "reason_zh": "施工改期"}
    once = {"If-Match": published, "Idempotency-Key": f"cancel-{c}"}
    for _ in range(2):
        r = svc.post(f"/api/outages/{c}/cancel", json=body, headers=once)
        assert r.status_code == 200, r.text
    assert r.headers["Idempotent-Replayed"] == "true"
    stale = svc.post(f"/api/outages/{c}/cancel", json=body, headers={"If-Match": published})
    assert stale.status_code == 412

    got = receiver.wait_for(6)
    assert len(got) == 6  # five events to the first subscription, a cancellation to the second
    assert all(g["signed"] and g["age"] < 60 for g in got)
    to_every = [g for g in got if g["path"] == "/hooks/waterops"]
    to_cancels = [g for g in got if g["path"] == "/hooks/waterops?only=cancel"]
    order = [(g["event"]["data"]["outage_id"], g["event"]["type"]) for g in to_every]
    assert sorted(order) == sorted(
        [
            (a, "notice.published"),
            (a, "notice.updated"),
            (a, "notice.restored"),
            (c, "notice.published"),
            (c, "notice.cancelled"),
        ]
    )
    assert [(e, kind) for e, kind in order if e == a] == [
        (a, "notice.published"),
        (a, "notice.updated"),
        (a, "notice.restored"),
    ]  # the worker sends one notice's events in the order of its changes
    assert [g["event"]["type"] for g in to_cancels] == ["notice.cancelled"]
    ids = [g["event"]["id"] for g in to_every]
    assert len(set(ids)) == 5
    for g in got:
        event, headers = g["event"], g["headers"]
        assert headers["Waterops-Event-Id"] == event["id"]
        assert headers["Waterops-Event"] == event["type"]
        assert headers["Waterops-Delivery-Attempt"] == "1"
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        data = event["data"]
        assert "breaks" not in data and "failed_valves" not in data  # internal
        assert data["state"] == event["type"].removeprefix("notice.")
        assert data["page"]["zh"].endswith(f"/outages/{data['outage_id']}")
        assert "停水" in data["text"]["zh"] and data["text"]["en"]
    by_type = {
        g["event"]["type"]: g["event"]["data"]
        for g in to_every
        if g["event"]["data"]["outage_id"] == a
    }
    assert by_type["notice.published"]["revision"] == 2
    assert by_type["notice.updated"]["note_zh"] == "施工延长两小时"
    assert by_type["notice.updated"]["end"] == end.isoformat(timespec="minutes")
    assert "施工延长两小时" in by_type["notice.updated"]["text"]["zh"]
    # a cancelled notice's event says it is called off, in its own text
    cancelled = next(g["event"]["data"] for g in to_cancels)
    assert cancelled["outage_id"] == c and "施工改期" in cancelled["text"]["zh"]
    # the outbox says so
    done = _deliveries(svc, every["id"])
    assert len(done) == 5
    assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in done)
    assert {d["event_id"] for d in done} == set(ids)
    assert svc.get(f"/api/webhooks/{every['id']}", "admin").json()["pending"] == 0
    # a month on, the delivered rows leave the outbox
    worker: WebhookWorker = svc.client.app.state.webhooks  # type: ignore[attr-defined]
    assert worker.prune(wall_clock() + dt.timedelta(days=29)) == 0
    assert worker.prune(wall_clock() + dt.timedelta(days=31)) == 6
    assert _deliveries(svc, every["id"]) == [] and _deliveries(svc, cancels["id"]) == []


def test_a_receiver_down_for_a_while_gets_every_event_once(svc: Service) -> None:
    receiver = Receiver(fail_first=2)  # down, and then its first two answers are 503
    try:
        hook = _subscribe(svc, receiver.url)
        sent = []
        for k, pipe in enumerate(("P000300", "P000590", "P001493")):
            outage_id, etag = _draft(svc, pipe, days=2 + k)
            etag = _publish(svc, outage_id, etag)
            _step(svc, outage_id, etag, "update", {"note_zh": f"第{k + 1}次更新"})
            sent.append(outage_id)

        def retried() -> bool:
            pending = _deliveries(svc, hook["id"], state="pending")
            return len(pending) == 6 and all(d["attempts"] >= 3 for d in pending)

        _until(retried)  # each tried and failed several times while nothing listens
        pending = _deliveries(svc, hook["id"])
        assert all(d["last_error"].startswith("no answer") for d in pending)
        assert all(d["last_status"] is None for d in pending)
        assert receiver.got == []
        receiver.start()
        got = receiver.wait_for(6)
        ids = [g["event"]["id"] for g in got]
        assert sorted(ids) == sorted(d["event_id"] for d in pending)  # each once
        assert len(set(ids)) == 6 and receiver.answered == 8  # and the two refused
        assert all(g["signed"] for g in got)
        assert all(int(g["headers"]["Waterops-Delivery-Attempt"]) >= 3 for g in got)
        delivered = _deliveries(svc, hook["id"], state="delivered")
        assert len(delivered) == 6
        assert {(g["event"]["data"]["outage_id"], g["event"]["type"]) for g in got} == {
            (o, kind) for o in sent for kind in ("notice.published", "notice.updated")
        }
    finally:
        receiver.stop()


def test_a_delivery_that_never_gets_through_is_dead_after_the_last_attempt(
    tmp_path: Path,
) -> None:
    receiver = Receiver()  # never up
    with contextmanager(make_service)("sqlite", tmp_path, **FAST, webhook_max_attempts=3) as svc:
        hook = _subscribe(svc, receiver.url)
        gone = _subscribe(svc, receiver.url + "?gone")
        assert (
            svc.client.delete(f"/api/webhooks/{gone['id']}", headers=svc.auth("admin")).status_code
            == 204
        )
        assert svc.get(f"/api/webhooks/{gone['id']}", "admin").status_code == 404
        assert [w["id"] for w in svc.get("/api/webhooks", "admin").json()] == [hook["id"]]
        outage_id, etag = _draft(svc, "P000300")
        _publish(svc, outage_id, etag)

        def dead() -> bool:
            return len(_deliveries(svc, hook["id"], state="dead")) == 1

        _until(dead)
        (row,) = _deliveries(svc, hook["id"])
        assert row["attempts"] == 3 and row["last_error"].startswith("no answer")
        assert svc.get(f"/api/webhooks/{hook['id']}", "admin").json()["dead"] == 1
        # a dead one stays three months for the admin to see
        worker: WebhookWorker = svc.client.app.state.webhooks  # type: ignore[attr-defined]
        assert worker.prune(wall_clock() + dt.timedelta(days=31)) == 0
        assert worker.prune(wall_clock() + dt.timedelta(days=91)) == 1
        # nothing was queued for the deleted subscription
        assert (
            svc.client.get(
                f"/api/webhooks/{gone['id']}/deliveries", headers=svc.auth("admin")
            ).status_code
            == 404
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_acknowledged_change_survives_kill_9_before_delivery(
    backend: str, tmp_path: Path
) -> None:
    schema = f"waterops_hooks_{uuid.uuid4().hex[:8]}"
    database = postgres_url(schema) if backend == "postgres" else ""
    env = {
        "WATEROPS_WEBHOOK_BACKOFF_SECONDS": "0.2",
        "WATEROPS_WEBHOOK_BACKOFF_MAX_SECONDS": "0.5",
        "WATEROPS_WEBHOOK_POLL_SECONDS": "0.2",
        "WATEROPS_WEBHOOK_MAX_ATTEMPTS": "100",
        "WATEROPS_WEBHOOK_HOSTS": "127.0.0.1",
    }
    server = LiveServer(tmp_path / "data", database, env)
    receiver = Receiver()  # down while the service publishes: nothing can be delivered
    server.start()
    try:
        admin = server.token("admin")
        code, hook, _ = server.call(
            "POST", "/api/webhooks", admin, {"url": receiver.url, "secret": SECRET}
        )
        assert code == 201, hook
        token = server.token()
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        code, draft, headers = server.call(
            "POST",
            "/api/outages",
            token,
            {
                "kind": "planned",
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=4)).isoformat(),
                "reason_zh": "阀门更换",
                "pipes": ["P000300"],
            },
        )
        assert code == 201, draft
        code, published, _ = server.call(
            "POST",
            f"/api/outages/{draft['id']}/publish",
            token,
            {"acknowledge_overlaps": True, "approval": APPROVAL},
            {"If-Match": headers["etag"]},
        )
        assert code == 200, published  # acknowledged: committed
        server.kill()  # kill -9, the event not delivered (nothing listens)
        assert receiver.got == []
        receiver.start()
        server.start()
        got = receiver.wait_for(1)
        assert len(got) == 1 and got[0]["signed"]
        event = got[0]["event"]
        assert event["type"] == "notice.published"
        assert event["data"]["outage_id"] == draft["id"]
        code, rows, _ = server.call("GET", f"/api/webhooks/{hook['id']}/deliveries", admin)
        assert code == 200
        assert [(r["event_id"], r["status"]) for r in rows] == [(event["id"], "delivered")]
    finally:
        server.stop()
        receiver.stop()
        if backend == "postgres":
            drop_schema(schema)


def test_a_notice_a_published_plan_moves_sends_its_update(svc: Service, receiver: Receiver) -> None:
    receiver.start()
    hook = _subscribe(svc, receiver.url, events=["notice.updated"])
    svc.clock.now = START.replace(hour=9, minute=10)
    r = svc.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000153", "reported_at": "2026-11-26T09:10:00"},
    )
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    r = svc.post(f"/api/outages/from-repair/{ticket}", json={})  # the repair's own estimate
    assert r.status_code == 201, r.text
    outage_id = r.json()["id"]
    _step(svc, outage_id, r.headers["etag"], "publish", {"acknowledge_overlaps": True})
    r = svc.post(
        "/api/plans", json={"day": "2026-11-26", "seconds": 4, "now": "2026-11-26T09:10:00"}
    )
    assert r.status_code == 202, r.text
    plan = wait_for_plan(svc, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    r = svc.post(
        f"/api/plans/{plan['id']}/publish", json={}, headers={"If-Match": f'"{plan["version"]}"'}
    )
    assert r.status_code == 200, r.text
    notice = svc.get(f"/api/outages/{outage_id}").json()
    assert notice["state"] == "updated"  # the plan moved it to its window
    got = receiver.wait_for(1)
    assert [(g["event"]["type"], g["event"]["data"]["outage_id"]) for g in got] == [
        ("notice.updated", outage_id)
    ]
    data = got[0]["event"]["data"]
    assert data["revision"] == notice["revisions"][-1]["number"]
    assert (data["start"], data["end"]) == (notice["content"]["start"], notice["content"]["end"])
    assert [d["status"] for d in _deliveries(svc, hook["id"])] == ["delivered"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migration_0010_goes_down_and_up_again(backend: str, tmp_path: Path) -> None:
    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def to(target: str, step: Callable[[Config, str], None]) -> set[str]:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, target)
        return set(sa.inspect(engine).get_table_names())

    hooks = {"webhook_subscriptions", "webhook_deliveries"}
    try:
        assert hooks <= to("0010", command.upgrade)
        assert not hooks & to("0009", command.downgrade)
        assert hooks <= to("head", command.upgrade)
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)


def test_a_delivery_cut_off_by_kill_9_is_sent_again_with_the_same_id(tmp_path: Path) -> None:
    """At least once: the receiver took the event, the service was killed before the answer;
    after the restart the event comes again, the same id and body, its second attempt."""
    env = {
        "WATEROPS_WEBHOOK_BACKOFF_SECONDS": "0.2",
        "WATEROPS_WEBHOOK_BACKOFF_MAX_SECONDS": "0.5",
        "WATEROPS_WEBHOOK_POLL_SECONDS": "0.2",
        "WATEROPS_WEBHOOK_TIMEOUT_SECONDS": "3",
        "WATEROPS_WEBHOOK_HOSTS": "127.0.0.1",
    }
    server = LiveServer(tmp_path / "data", "", env)
    receiver = Receiver(delay=2.0)
    receiver.start()
    server.start()
    try:
        admin = server.token("admin")
        code, hook, _ = server.call(
            "POST", "/api/webhooks", admin, {"url": receiver.url, "secret": SECRET}
        )
        assert code == 201, hook
        token = server.token()
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        code, draft, headers = server.call(
            "POST",
            "/api/outages",
            token,
            {
                "kind": "planned",
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=4)).isoformat(),
                "reason_zh": "阀门更换",
                "pipes": ["P000300"],
            },
        )
        assert code == 201, draft
        code, published, _ = server.call(
            "POST",
            f"/api/outages/{draft['id']}/publish",
            token,
            {"acknowledge_overlaps": True, "approval": APPROVAL},
            {"If-Match": headers["etag"]},
        )
        assert code == 200, published
        _until(lambda: len(receiver.ids()) == 1)  # taken; the answer is 2 s away
        server.kill()
        server.start()
        got = receiver.wait_for(2, timeout=60)
        assert len(got) == 2, got
        first, again = got
        assert first["event"] == again["event"] and first["event"]["type"] == "notice.published"
        assert [g["headers"]["Waterops-Delivery-Attempt"] for g in got] == ["1", "2"]
        assert all(g["signed"] for g in got)

        def answered() -> bool:  # the second answer, 2 s after the second delivery
            rows = server.call("GET", f"/api/webhooks/{hook['id']}/deliveries", admin)[1]
            return [(r["event_id"], r["status"], r["attempts"]) for r in rows] == [
                (first["event"]["id"], "delivered", 2)
            ]

        _until(answered)
    finally:
        server.stop()
        receiver.stop()
