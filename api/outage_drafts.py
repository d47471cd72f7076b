"""A repair ticket's draft notice, for the outage and repair routes alike (routers share
helpers through modules like this one, never through each other: tests/api/test_routers_apart.py):
its window, the draft stored, drafted when an emergency ticket opens, cancelled with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import tables as t
from api.deps import (
    hotline,
)
from api.hydraulics import available_notice_pressure, notice_pressure
from api.registry import LoadedNetwork
from api.store import (
    local,
    next_id,
    now_local,
    outage_values,
    save_outage,
)
from ops.errors import Conflict
from ops.hydraulic_impact import PressureOf, outage_window
from ops.notices.drafting import (
    drafts_at_once,
    drop_with_ticket,
)
from ops.outages import (
    NoticeState,
    Outage,
    repair_outage,
)
from ops.repairs import TankerPoint


def by_hydraulics(
    request: Request,
    loaded: LoadedNetwork,
    start: dt.datetime,
    end: dt.datetime | None,
    asked: bool | None,
) -> PressureOf | None:
    """The plan's 降压区域 by hydraulics on the service's open engines (api.hydraulics): the
    worst hour of the outage's window (ops.hydraulic_impact.outage_window); asked true, false
    (topological) or None (when available: api.hydraulics.available_notice_pressure)."""
    if asked is False:
        return None
    state = request.app.state
    hour, until = outage_window(start, end)
    pressure = state.settings.service_pressure_mpa
    if asked:
        return notice_pressure(state, state.reader_engine, loaded, hour, pressure, until)
    wait = state.settings.notice_hydraulic_wait_s
    return available_notice_pressure(
        state, state.reader_engine, loaded, hour, pressure, until, wait_s=wait
    )


def repair_window(
    session: Session, ticket: str, repair: t.RepairTicket, plan_id: int | None
) -> tuple[dt.datetime, dt.datetime]:
    """A repair's outage window: the one ``plan_id`` schedules (when it does), else the
    ticket's expected window (ops.emergency.first_arrival's start, the expected end)."""
    start, end = (local(dt.datetime.fromisoformat(x)) for x in repair.report["expected"])
    if plan_id is None:
        return start, end
    plan = session.get(t.Plan, plan_id)
    if plan is None or plan.result is None:
        raise Conflict(
            f"plan {plan_id} does not exist or is not solved",
            code="plan_not_solved",
            plan=plan_id,
        )
    window = plan.result.get("outage_windows", {}).get(ticket)
    if window and window.get("scheduled"):
        start = local(dt.datetime.fromisoformat(window["start"]))
        end = local(dt.datetime.fromisoformat(window["end"]))
    return start, end


def repair_draft(
    session: Session,
    request: Request,
    username: str,
    repair: t.RepairTicket,
    start: dt.datetime,
    end: dt.datetime,
    hydraulic: bool | None,
) -> tuple[t.Outage, Outage]:
    """The draft of a repair's outage (ops.outages.repair_outage, the one composition), stored."""
    loaded = request.app.state.registry.get(session, repair.network_id)
    outage = repair_outage(
        next_id(session, "OUT"),
        repair.severity,
        repair.pipe_id,
        start,
        end,
        loaded.isolator,
        now_local(),
        failed_valves=repair.report.get("inoperable", []),
        tankers=[TankerPoint.from_dict(x) for x in repair.case.get("tankers", [])],
        hotline=hotline(request),
        source=repair.id,
        hydraulic=by_hydraulics(request, loaded, start, end, hydraulic),
    )
    return store_new(session, outage, repair.network_id, username), outage


def store_new(session: Session, outage: Outage, network_id: int, username: str) -> t.Outage:
    """A new outage's row and its first revision, stored (the outage routes and the repairs')."""
    row = t.Outage(
        id=outage.id,
        kind=outage.kind.value,
        state=outage.state.value,
        network_id=network_id,
        source=outage.source,
        created_by=username,
    )
    session.add(row)
    session.flush()
    save_outage(session, row, outage, username, first_new=1)
    return row


def draft_ticket_notice(
    session: Session, request: Request, username: str, repair: t.RepairTicket
) -> dict[str, Any] | None:
    """An emergency ticket's notice, drafted when the ticket is opened (POST /api/repairs,
    ops.notices.drafting.drafts_at_once) over the ticket's expected window; None for a planned
    repair. It stays a draft: publishing is the dispatcher's act. What the ticket's answer says
    of it: its id, kind, state and window."""
    if not drafts_at_once(repair.severity):
        return None
    start, end = repair_window(session, repair.id, repair, None)
    row, outage = repair_draft(session, request, username, repair, start, end, None)
    return {
        "id": row.id,
        "kind": outage.kind.value,
        "state": outage.state.value,
        "start": outage.content.start.isoformat(timespec="minutes"),
        "end": outage.content.end.isoformat(timespec="minutes"),
    }


def drop_ticket_drafts(session: Session, username: str, ticket: str, reason: str) -> list[str]:
    """The drafts of a cancelled repair ticket, cancelled with it (POST
    /api/repairs/{ticket}/cancel; ops.notices.drafting.drop_with_ticket): their ids. A
    published notice of the ticket is left for the dispatcher to call off."""
    rows = session.scalars(
        select(t.Outage).where(t.Outage.source == ticket, t.Outage.state == NoticeState.DRAFT)
    ).all()
    dropped = []
    for row, outage in zip(rows, outage_values(session, rows), strict=True):
        done = drop_with_ticket(outage, ticket, now_local(), reason)
        if done is not None:
            save_outage(session, row, done, username, first_new=len(outage.revisions) + 1)
            dropped.append(row.id)
    return dropped
