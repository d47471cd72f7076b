"""Webhook subscriptions (admin): who receives the notice events, and what became of them."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import AnyHttpUrl, BaseModel, Field, UrlConstraints
from sqlalchemy import select

from api.db import tables as t
from api.deps import MAX_ID, Admin, SessionDep
from api.openapi import answers
from api.webhooks import DeliveryStatus, allowed_hosts, check_target, subscribed_events
from ops.errors import NotFound
from ops.notices.events import NoticeEventType

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=1, le=MAX_ID, description="subscription id")]


class WebhookIn(BaseModel):
    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)] = Field(
        description="where the events are POSTed (http or https)"
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="the HMAC-SHA256 key of the signature; empty: one is made and shown once",
    )
    events: list[NoticeEventType] = Field(
        default_factory=list, max_length=4, description="the events wanted; empty: all of them"
    )
    description: str = Field(default="", max_length=200)


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    description: str
    created_by: str
    created_at: dt.datetime
    pending: int = Field(description="deliveries still to be made")
    dead: int = Field(description="deliveries given up after the last attempt")


class WebhookCreated(WebhookOut):
    secret: str = Field(description="shown this once: the receiver checks signatures with it")


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    event_type: str
    outage_id: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None


def _out(session: SessionDep, row: t.WebhookSubscription) -> WebhookOut:
    statuses = session.scalars(
        select(t.WebhookDelivery.status).where(t.WebhookDelivery.subscription_id == row.id)
    ).all()
    return WebhookOut(
        id=row.id,
        url=row.url,
        events=list(row.events),
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
        pending=statuses.count(DeliveryStatus.PENDING.value),
        dead=statuses.count(DeliveryStatus.DEAD.value),
    )


def _subscription(session: SessionDep, webhook_id: int) -> t.WebhookSubscription:
    row = session.get(t.WebhookSubscription, webhook_id)
    if row is None or not row.active:
        raise NotFound(
            f"no webhook {webhook_id}", code="not_found", what="webhook", key=str(webhook_id)
        )
    return row


@router.post("", status_code=201, summary="subscribe a receiver to notice events (admin)")
def create_webhook(
    body: WebhookIn, admin: Admin, session: SessionDep, request: Request
) -> WebhookCreated:
    check_target(str(body.url), allowed_hosts(request.app.state.settings.webhook_hosts))
    row = t.WebhookSubscription(
        url=str(body.url),
        secret=body.secret or secrets.token_urlsafe(32),
        events=subscribed_events([e.value for e in body.events]),
        description=body.description,
        active=True,
        created_by=admin.username,
    )
    session.add(row)
    session.flush()
    return WebhookCreated(**_out(session, row).model_dump(), secret=row.secret)


@router.get("", summary="the webhook subscriptions (admin)")
def list_webhooks(_: Admin, session: SessionDep) -> list[WebhookOut]:
    rows = session.scalars(
        select(t.WebhookSubscription)
        .where(t.WebhookSubscription.active.is_(True))
        .order_by(t.WebhookSubscription.id)
    ).all()
    return [_out(session, r) for r in rows]


@router.get("/{webhook_id}", summary="one webhook subscription (admin)", responses=answers(404))
def get_webhook(webhook_id: WebhookId, _: Admin, session: SessionDep) -> WebhookOut:
    return _out(session, _subscription(session, webhook_id))


@router.delete(
    "/{webhook_id}",
    status_code=204,
    summary="unsubscribe: nothing more is sent to it (admin)",
    responses=answers(404),
)
def delete_webhook(webhook_id: WebhookId, _: Admin, session: SessionDep) -> None:
    _subscription(session, webhook_id).active = False


@router.get(
    "/{webhook_id}/deliveries",
    summary="the deliveries of a subscription, newest first (admin)",
    responses=answers(404),
)
def list_deliveries(
    webhook_id: WebhookId,
    _: Admin,
    session: SessionDep,
    state: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    sub = _subscription(session, webhook_id)
    query = select(t.WebhookDelivery).where(t.WebhookDelivery.subscription_id == sub.id)
    if state is not None:
        query = query.where(t.WebhookDelivery.status == state.value)
    rows = session.scalars(query.order_by(t.WebhookDelivery.id.desc()).limit(limit)).all()
    return [
        DeliveryOut(
            id=r.id,
            event_id=r.event_id,
            event_type=r.event_type,
            outage_id=r.outage_id,
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at if r.status == DeliveryStatus.PENDING else None,
            last_status=r.last_status,
            last_error=r.last_error,
            created_at=r.created_at,
            delivered_at=r.delivered_at,
        )
        for r in rows
    ]
