"""What the dispatcher's console receives live: the crews' reports, positions and widened
isolations, as server-sent events (``GET /api/live``).

The events are rows of ``live_events``, written in the transaction of what they tell
(api/routes/field.py); the stream reads the table every second (``WATEROPS``'s SQLite and
PostgreSQL alike: no database notification needed) and sends each row once, its id as the
event's id, so a client that reconnects with ``Last-Event-ID`` misses nothing and gets nothing
twice. A stream ends after ``seconds`` (five minutes by default; a browser's EventSource, or
the console, reconnects with the last id).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select

from api.db import tables as t
from api.deps import Reader, SessionDep
from api.responses import json_response
from api.store import local, now_local

router = APIRouter(prefix="/api/live", tags=["live"])

POLL_S = 1.0  # how often the stream reads the table
KEEP_ALIVE_S = 15.0  # a comment line this often keeps proxies from closing an idle stream
BACKLOG = 50  # a new stream without Last-Event-ID starts with the last events of the day
BACKLOG_HOURS = 12


def _event(row: t.LiveEvent) -> dict[str, Any]:
    """An event as sent: what it tells (a report keeps its own ``kind``), with the event's
    id, type (``event``: report, position, isolation_widened), crew and when it was written."""
    return {
        **row.data,
        "id": row.id,
        "event": row.kind,
        "crew": row.crew_id,
        "at": local(row.at).isoformat(timespec="seconds"),
    }


def _after(state: Any, after: int) -> list[dict[str, Any]]:
    with state.reader_sessions() as session:
        rows = session.scalars(
            select(t.LiveEvent).where(t.LiveEvent.id > after).order_by(t.LiveEvent.id).limit(500)
        ).all()
        return [_event(r) for r in rows]


def _start(state: Any) -> int:
    """Where a stream without Last-Event-ID starts: before the last events of the past hours."""
    since = now_local() - dt.timedelta(hours=BACKLOG_HOURS)
    with state.reader_sessions() as session:
        ids = session.scalars(
            select(t.LiveEvent.id)
            .where(t.LiveEvent.at >= since)
            .order_by(t.LiveEvent.id.desc())
            .limit(BACKLOG)
        ).all()
        if ids:
            return int(min(ids)) - 1
        return int(session.scalar(select(func.coalesce(func.max(t.LiveEvent.id), 0))) or 0)


# not in the OpenAPI document: a stream that lasts minutes is no request and answer, and a client
# driven by the schema (a generated client, a fuzzer) would wait on it for its whole length; it
# is described in docs/service.md and docs/field-app.md
@router.get(
    "",
    summary="crews' reports and positions, live (server-sent events)",
    response_class=StreamingResponse,
    include_in_schema=False,
)
async def live(
    request: Request,
    _: Reader,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", description="the id of the last event seen")
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, description="as Last-Event-ID, for clients that cannot set it")
    ] = None,
    seconds: Annotated[float, Query(gt=0, le=3600, description="how long the stream lasts")] = 300,
) -> StreamingResponse:
    state = request.app.state
    start: int | None = after
    if last_event_id is not None and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
    if start is None:
        start = await asyncio.to_thread(_start, state)

    async def stream() -> AsyncIterator[bytes]:
        last = start
        ends = time.monotonic() + seconds
        quiet_since = time.monotonic()
        yield b"retry: 2000\n\n"
        while time.monotonic() < ends:
            events = await asyncio.to_thread(_after, state, last)
            for event in events:
                last = event["id"]
                data = json.dumps(event, ensure_ascii=False)
                yield f"id: {last}\nevent: {event['event']}\ndata: {data}\n\n".encode()
            now = time.monotonic()
            if events:
                quiet_since = now
            elif now - quiet_since > KEEP_ALIVE_S:
                quiet_since = now
                yield b": keep-alive\n\n"
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_S)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/positions", summary="each crew's last position shared today")
def positions(_: Reader, session: SessionDep) -> Response:
    since = now_local() - dt.timedelta(hours=BACKLOG_HOURS)
    last = (
        select(func.max(t.LiveEvent.id))
        .where(t.LiveEvent.kind == "position", t.LiveEvent.at >= since)
        .group_by(t.LiveEvent.crew_id)
    )
    rows = session.scalars(
        select(t.LiveEvent).where(t.LiveEvent.id.in_(last)).order_by(t.LiveEvent.crew_id)
    ).all()
    return json_response([_event(r) for r in rows])
