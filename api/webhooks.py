"""Notice events to the receivers an admin subscribed: the outbox and its delivery worker.

Which events exist and what they say is ``ops.notices.events``; this module only moves them
(``docs/webhooks.md``). A notice's change writes one outbox row per event and subscription in
the change's own transaction (:func:`enqueue_notice_events`), so an acknowledged change never
loses its events to a crash. The worker (:class:`WebhookWorker`, a thread of each server
process) POSTs each due row as JSON, signed with HMAC-SHA256 over ``timestamp.body``, and marks
it delivered on a 2xx answer; otherwise it tries again after an exponential back-off with jitter,
and after the last attempt marks it dead. Delivery is at least once: a receiver drops repeats by
the event id (``Waterops-Event-Id``), the same in every attempt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import tables as t
from ops.errors import InvalidRequest
from ops.notices.events import NoticeEvent, NoticeEventType, notice_events
from ops.notices.issuer import Issuer
from ops.outages import Outage

log = logging.getLogger("waterops.webhooks")

SIGNATURE_HEADER = "Waterops-Signature"  # t=<unix seconds>,v1=<hex HMAC-SHA256>
EVENT_HEADER = "Waterops-Event"  # notice.published ...
EVENT_ID_HEADER = "Waterops-Event-Id"  # the idempotency key: the same in every attempt
ATTEMPT_HEADER = "Waterops-Delivery-Attempt"  # 1, 2, ...
USER_AGENT = "waterops-webhooks/1"
EVENT_TYPES = tuple(e.value for e in NoticeEventType)
# how long a claimed delivery is the claimant's before another worker may try it, in timeouts
# of an attempt (a worker that died while sending: the row is tried again, at least once)
LEASE_TIMEOUTS = 3
BATCH = 20
# the outbox does not grow for ever: a delivered row is kept a month (to answer "did the SMS
# platform get it?"), a dead one three months (for the admin to see and act on)
KEEP_DELIVERED = dt.timedelta(days=30)
KEEP_DEAD = dt.timedelta(days=90)
PRUNE_EVERY = dt.timedelta(hours=1)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


def wall_clock() -> dt.datetime:
    """Delivery runs on the real time (a receiver checks the signature's timestamp against its
    own clock), not on the service's demo clock."""
    return dt.datetime.now(dt.UTC)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` with the subscription's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str, header: str, body: bytes, now: float, tolerance: float = 300.0
) -> bool:
    """What a receiver checks: the header's signature is the body's with ``secret`` (compared
    in constant time), and its timestamp is within ``tolerance`` seconds of ``now`` (a replay)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))


@dataclass(frozen=True)
class Backoff:
    """Attempt ``n`` failed: the next waits ``base * 2**(n-1)`` seconds, at most ``cap``, times a
    random factor in [0.5, 1] (jitter: receivers that come back are not hit all at once). The
    values are the service's settings (``webhook_backoff_*``, ``webhook_max_attempts``: their
    one home, ``api/settings.py``)."""

    base: float
    cap: float
    max_attempts: int

    def delay(self, attempts: int, rng: random.Random) -> dt.timedelta:
        full = min(self.cap, self.base * 2.0 ** (attempts - 1))
        return dt.timedelta(seconds=full * rng.uniform(0.5, 1.0))


def event_body(event_id: str, notice_event: NoticeEvent, created: dt.datetime) -> str:
    """The JSON a receiver gets (the same bytes in every attempt)."""
    return json.dumps(
        {
            "id": event_id,
            "type": notice_event.type.value,
            "created": created.isoformat(timespec="seconds"),
            "data": notice_event.data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def enqueue_notice_events(
    session: Session,
    outage: Outage,
    first_new: int,
    issuer: Issuer,
    on_commit: Callable[[], None] | None = None,
) -> list[str]:
    """Write the outbox rows of the events of the revisions ``first_new`` and after of
    ``outage``, one per event and active subscription that wants it, in ``session``'s
    transaction; ``on_commit`` (the worker's wake-up) runs once it commits. Returns the ids of
    the events."""
    events = notice_events(outage, first_new, issuer)
    if not events:
        return []
    subscriptions = session.scalars(
        select(t.WebhookSubscription).where(t.WebhookSubscription.active.is_(True))
    ).all()
    now = wall_clock()
    ids = []
    for notice_event in events:
        event_id = f"evt_{uuid.uuid4().hex}"
        ids.append(event_id)
        body = event_body(event_id, notice_event, now)
        for sub in subscriptions:
            if notice_event.type.value not in sub.events:
                continue
            session.add(
                t.WebhookDelivery(
                    subscription_id=sub.id,
                    event_id=event_id,
                    event_type=notice_event.type.value,
                    outage_id=outage.id,
                    body=body,
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    last_error="",
                    created_at=now,
                )
            )
    if on_commit is not None and subscriptions:
        event.listen(session, "after_commit", lambda _: on_commit(), once=True)
    return ids


HOSTS_SETTING = "WATEROPS_WEBHOOK_HOSTS"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(InvalidRequest):
    """A receiver the service may not call (docs/webhooks.md, "Where events may go")."""


def allowed_hosts(setting: str) -> tuple[str, ...]:
    """The hosts of ``WATEROPS_WEBHOOK_HOSTS``: names, addresses or ``.domain`` (its hosts)."""
    return tuple(h.strip().strip("[]").lower() for h in setting.split(",") if h.strip())


def _listed(host: str, allowed: Sequence[str]) -> bool:
    return any(host == a or (a.startswith(".") and host.endswith(a)) for a in allowed)


def _addresses(host: str, port: int, resolve: bool) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    if not resolve:
        return []
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return []  # the delivery itself then fails with no answer, and is tried again
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


def _kind(address: Address) -> str:
    if address.is_loopback:
        return "a loopback"
    if address.is_link_local:
        return "a link-local"
    if address.is_private:
        return "a private"
    return "a non-public"


def check_target(url: str, allowed: Sequence[str], *, resolve: bool = False) -> None:
    """Refuse a receiver the service may not call (server-side request forgery).

    A host listed in ``allowed`` is accepted; with a list, no other host is. Without one, a
    host on a loopback, private, link-local or other non-public address is refused. With
    ``resolve`` (before each delivery) a name is checked on the addresses it resolves to now.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise TargetRefused(
            f"{url}: a receiver's URL needs a host", code="webhook_no_host", url=url
        )
    if _listed(host, allowed):
        return
    if allowed:
        raise TargetRefused(
            f"{host} is not in {HOSTS_SETTING} ({', '.join(allowed)}): list it there to send "
            "notice events to it",
            code="webhook_host_not_listed",
            host=host,
            setting=HOSTS_SETTING,
            hosts=", ".join(allowed),
        )
    default_port = 443 if parts.scheme == "https" else 80
    for address in _addresses(host, parts.port or default_port, resolve):
        if not address.is_global:
            raise TargetRefused(
                f"{host} is {_kind(address)} address ({address}): the service sends notice "
                f"events to such a host only when it is listed in {HOSTS_SETTING}",
                code="webhook_host_private",
                host=host,
                address=str(address),
                setting=HOSTS_SETTING,
            )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery (urllib would resend a POST as a GET without its body)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """POST ``body``; the answer's status (None: no answer) and, for a failure, why."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with OPENER.open(request, timeout=timeout) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return None, f"no answer: {reason}"[:500]


class WebhookWorker:
    """The delivery worker of one server process: a thread that sends the due outbox rows,
    woken when a notice's change commits and otherwise every ``poll`` seconds. Several
    processes may run one each: a row is claimed (a conditional update) before it is sent."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        readers: sessionmaker[Session],
        backoff: Backoff,
        *,
        timeout: float,
        poll: float,
        allowed: Sequence[str] = (),
    ) -> None:
        self.sessions = sessions  # for the claims and the outcomes
        self.readers = readers  # for the looks (on SQLite a writer takes the write lock at once)
        self.backoff = backoff
        self.timeout = timeout
        self.poll = poll
        self.allowed = tuple(allowed)  # WATEROPS_WEBHOOK_HOSTS, checked again before each send
        self._rng = random.Random()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def shutdown(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)

    def _run(self) -> None:
        pruned: dt.datetime | None = None
        while not self._stopping.is_set():
            try:
                if pruned is None or wall_clock() - pruned >= PRUNE_EVERY:
                    pruned = wall_clock()
                    self.prune(pruned)
                sent = self.deliver_due()
            except Exception:  # a database hiccup must not end the worker: try again later
                log.exception("webhook delivery failed; trying again")
                sent = 0
            if sent < BATCH:
                self._wake.wait(self.poll)
                self._wake.clear()

    def prune(self, now: dt.datetime) -> int:
        """Delete the rows delivered more than KEEP_DELIVERED and dead more than KEEP_DEAD
        before ``now`` (by when they were written); returns how many."""
        with self.sessions() as session, session.begin():
            gone = session.execute(
                delete(t.WebhookDelivery).where(
                    or_(
                        (t.WebhookDelivery.status == DeliveryStatus.DELIVERED.value)
                        & (t.WebhookDelivery.created_at < now - KEEP_DELIVERED),
                        (t.WebhookDelivery.status == DeliveryStatus.DEAD.value)
                        & (t.WebhookDelivery.created_at < now - KEEP_DEAD),
                    )
                )
            )
            return int(getattr(gone, "rowcount", 0) or 0)

    def deliver_due(self) -> int:
        """Send the rows due now (at most a batch); returns how many were tried."""
        now = wall_clock()
        with self.readers() as session:
            due = session.execute(
                select(t.WebhookDelivery.id, t.WebhookDelivery.next_attempt_at)
                .where(
                    t.WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    t.WebhookDelivery.next_attempt_at <= now,
                )
                .order_by(t.WebhookDelivery.next_attempt_at, t.WebhookDelivery.id)
                .limit(BATCH)
            ).all()
        tried = 0
        for delivery_id, due_at in due:
            if self._stopping.is_set():
                break
            if self._claim(delivery_id, due_at):
                self._attempt(delivery_id)
                tried += 1
        return tried

    def _claim(self, delivery_id: int, due_at: dt.datetime) -> bool:
        """Take the row for one attempt (another process may have taken it first); the attempt
        is counted now, so that one cut off by a crash counts too."""
        lease = wall_clock() + dt.timedelta(seconds=LEASE_TIMEOUTS * self.timeout)
        with self.sessions() as session, session.begin():
            taken = session.execute(
                update(t.WebhookDelivery)
                .where(
                    t.WebhookDelivery.id == delivery_id,
                    t.WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    t.WebhookDelivery.next_attempt_at == due_at,
                )
                .values(next_attempt_at=lease, attempts=t.WebhookDelivery.attempts + 1)
            )
            return bool(getattr(taken, "rowcount", 0) == 1)

    def _attempt(self, delivery_id: int) -> None:
        with self.readers() as session:
            row = session.get(t.WebhookDelivery, delivery_id)
            sub = session.get(t.WebhookSubscription, row.subscription_id) if row else None
            if row is None or sub is None:
                return
            url, secret, body = sub.url, sub.secret, row.body.encode()
            active, attempt, event_type, event_id = (
                sub.active,
                row.attempts,
                row.event_type,
                row.event_id,
            )
        status: int | None = None
        if active:
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                EVENT_HEADER: event_type,
                EVENT_ID_HEADER: event_id,
                ATTEMPT_HEADER: str(attempt),
                SIGNATURE_HEADER: signature_header(secret, int(wall_clock().timestamp()), body),
            }
            try:
                check_target(url, self.allowed, resolve=True)
            except TargetRefused as exc:
                error = f"not sent: {exc}"
            else:
                status, error = post(url, body, headers, self.timeout)
        else:
            error = "the subscription was deleted"
        now = wall_clock()
        values: dict[str, Any] = {"last_status": status}
        if active and status is not None and 200 <= status < 300:
            values |= {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now}
            values["last_error"] = ""
        elif not active or attempt >= self.backoff.max_attempts:
            values |= {"status": DeliveryStatus.DEAD.value, "last_error": error}
            log.warning(
                "webhook %s to %s is dead after %d attempts: %s", event_id, url, attempt, error
            )
        else:
            values |= {
                "next_attempt_at": now + self.backoff.delay(attempt, self._rng),
                "last_error": error or f"HTTP {status}",
            }
        with self.sessions() as session, session.begin():
            session.execute(
                update(t.WebhookDelivery)
                .where(t.WebhookDelivery.id == delivery_id)
                .values(**values)
            )


def subscribed_events(events: Sequence[str]) -> list[str]:
    """The events a subscription asks for, in their order, each once (none given: all)."""
    chosen = set(events) or set(EVENT_TYPES)
    return [e for e in EVENT_TYPES if e in chosen]
