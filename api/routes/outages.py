"""Outages and their notices: create from an isolation or a repair, publish, update, restore,
cancel; and the public, read-only notice feeds (no sign-in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import tables as t
from api.deps import (
    CurrentUser,
    Dispatcher,
    IfMatch,
    Lat,
    Lon,
    OptionalId,
    Reader,
    SessionDep,
    When,
    check_version,
    etag,
    hotline,
    issuer,
    lead,
)
from api.openapi import answers
from api.outage_drafts import by_hydraulics, repair_draft, repair_window, store_new
from api.responses import json_response
from api.schemas import DefaultWindowOut, OutageOut, OverlapOut
from api.store import (
    Produced,
    get_or_404,
    idempotent,
    local,
    next_id,
    now_local,
    outage_dict,
    outage_value,
    outage_values,
    public_outage,
    save_outage,
)
from api.webhooks import enqueue_notice_events
from ops.errors import Conflict, InvalidRequest, NotFound
from ops.notices import render_atom, render_cap, render_geojson, render_ical, render_text
from ops.notices.accounts import accounts_csv, accounts_xlsx
from ops.notices.drafting import (
    check_start,
    default_window,
    follow_plan,
)
from ops.notices.lookup import AffectedCustomer, customers_cut_off, find_affected
from ops.outages import (
    LIVE,
    NOT_ENDED,
    PUBLIC,
    NoticeState,
    Outage,
    OutageKind,
    RecordKind,
    cancel,
    check_overlaps,
    current_notices,
    edit_draft,
    publish,
    record_authority,
    restore,
    shutdown_outage,
    update,
)

router = APIRouter(prefix="/api/outages", tags=["outages"])
public = APIRouter(prefix="/public", tags=["public"])


class OutageIn(BaseModel):
    kind: Literal["planned", "emergency"]
    start: When
    end: When
    reason_zh: str | None = Field(
        default=None, max_length=500, description="in Chinese: the notice of record gives it"
    )
    reason: str = Field(default="", max_length=500, description="in English (optional)")
    pipes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=100
    )
    lon: Lon | None = None
    lat: Lat | None = None
    inoperable: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=200
    )
    network_id: OptionalId = None
    source: str | None = Field(default=None, max_length=64)
    hydraulic: bool | None = Field(
        default=None,
        description="the 降压区域 by hydraulics (EPANET, pressure-driven, at the start's hour: "
        "the customers below the service pressure and its polygon; seconds, not ms); "
        "false: the segments next to the shut area; not given: by hydraulics when available "
        "(the service has the network's model and it answers within "
        "WATEROPS_NOTICE_HYDRAULIC_WAIT_S), else topological with reduced_pressure_fallback "
        "saying why. The notice says which",
    )


def _created(
    session: Session, request: Request, user: CurrentUser, outage: Outage, network_id: int
) -> Response:
    return _answer_created(store_new(session, outage, network_id, user.username), outage)


def _answer_created(row: t.Outage, outage: Outage) -> Response:
    """201 with the outage, where it is and its version."""
    return json_response(
        outage_dict(row, outage), 201, {"Location": f"/api/outages/{row.id}", **etag(row.version)}
    )


@router.post(
    "",
    status_code=201,
    summary="a new outage (draft) from an isolation and a window",
    response_model=OutageOut,
)
def create_outage(
    body: OutageIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    if bool(body.pipes) == (body.lon is not None and body.lat is not None):
        raise InvalidRequest("give pipes (ids), or lon and lat of a point", code="outage_where")
    registry = request.app.state.registry
    network_id = body.network_id or registry.latest_id(session)
    loaded = registry.get(session, network_id)
    isolator = loaded.isolator
    outage = shutdown_outage(
        next_id(session, "OUT"),
        body.kind,
        body.pipes or [isolator.nearest_pipe(body.lon, body.lat)],
        isolator,
        local(body.start),
        local(body.end),
        now_local(),
        reason=body.reason,
        reason_zh=body.reason_zh,
        failed_valves=[*loaded.failed, *body.inoperable],
        hotline=hotline(request),
        source=body.source,
        hydraulic=by_hydraulics(
            request, loaded, local(body.start), local(body.end), body.hydraulic
        ),
    )
    return _created(session, request, user, outage, network_id)


class FromRepairIn(BaseModel):
    plan_id: OptionalId = Field(default=None, description="take the window this plan schedules")
    hydraulic: bool | None = Field(
        default=None,
        description="the 降压区域 by hydraulics over the repair's outage window (EPANET, "
        "pressure-driven, each customer at its worst hour), as POST /api/outages; false: the "
        "segments next to the shut area; not given: by hydraulics when available, else "
        "topological with reduced_pressure_fallback saying why. The notice says which",
    )


@router.post(
    "/from-repair/{ticket}",
    status_code=201,
    summary="the outage of a repair (draft)",
    response_model=OutageOut,
)
def outage_from_repair(
    ticket: str, body: FromRepairIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:

    repair = get_or_404(session, t.RepairTicket, ticket, "repair ticket")
    start, end = repair_window(session, ticket, repair, body.plan_id)
    row, outage = repair_draft(session, request, user.username, repair, start, end, body.hydraulic)
    return _answer_created(row, outage)


@router.get(
    "/default-window",
    summary="the window a draft of this kind is offered now (or for this repair ticket)",
    response_model=DefaultWindowOut,
    responses=answers(404),  # 404: no such repair ticket
)
def get_default_window(
    request: Request,
    _: Reader,
    session: SessionDep,
    kind: Annotated[Literal["planned", "emergency"], Query()],
    ticket: Annotated[str | None, Query(max_length=64)] = None,
    hour: Annotated[int, Query(ge=0, le=23, description="a planned start's hour")] = 9,
    hours: Annotated[float, Query(gt=0, le=72, description="its length")] = 6,
) -> Response:
    """ops.notices.drafting.default_window: an emergency from now (rounded up) for ``hours``
    or its ticket's expected window; a planned outage the first ``hour`` o'clock (09:00) the
    notice lead allows, for ``hours``."""
    expected = None
    if ticket is not None and kind == "emergency":
        repair = get_or_404(session, t.RepairTicket, ticket, "repair ticket")
        expected = repair_window(session, ticket, repair, None)
    start, end = default_window(
        kind, now_local(), lead=lead(request), expected=expected, hours=hours, hour=hour
    )
    return json_response(
        {
            "kind": kind,
            "start": start.isoformat(timespec="minutes"),
            "end": end.isoformat(timespec="minutes"),
            "basis": "ticket" if expected else ("now" if kind == "emergency" else "lead"),
        }
    )


@router.get("", summary="outages", response_model=list[OutageOut])
def list_outages(
    _: Reader,
    session: SessionDep,
    state: Annotated[NoticeState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    query = select(t.Outage).order_by(t.Outage.id.desc()).limit(limit)
    if state:
        query = query.where(t.Outage.state == state)
    rows = session.scalars(query).all()
    return json_response(
        [outage_dict(r, o) for r, o in zip(rows, outage_values(session, rows), strict=True)]
    )


def _outage(session: Session, outage_id: str) -> t.Outage:
    return get_or_404(session, t.Outage, outage_id, "outage")


@router.get("/{outage_id}", summary="an outage with every revision", response_model=OutageOut)
def get_outage(outage_id: str, _: Reader, session: SessionDep) -> Response:
    row = _outage(session, outage_id)
    return json_response(outage_dict(row, outage_value(session, row)), headers=etag(row.version))


def _overlaps(session: Any, request: Request, row: t.Outage, outage: Any) -> list[Any]:

    others = outage_values(
        session,
        session.scalars(
            select(t.Outage).where(
                t.Outage.id != row.id,
                t.Outage.network_id == row.network_id,
                t.Outage.kind == OutageKind.PLANNED,
                t.Outage.state.in_(NOT_ENDED),
            )
        ).all(),
    )
    if not others:
        return []
    loaded = request.app.state.registry.get(session, row.network_id)
    return check_overlaps(outage, others, loaded.isolator)


@router.get(
    "/{outage_id}/overlaps",
    summary="planned outages that overlap in time and network",
    response_model=list[OverlapOut],
)
def get_overlaps(outage_id: str, request: Request, _: Reader, session: SessionDep) -> Response:
    row = _outage(session, outage_id)
    outage = outage_value(session, row)
    return json_response([w.to_dict() for w in _overlaps(session, request, row, outage)])


class ApprovalIn(BaseModel):
    """The water-supply authority's approval of a planned outage (城市供水条例 §22)."""

    authority: str = Field(min_length=1, max_length=200, description="e.g. 开封市城市管理局")
    document: str = Field(min_length=1, max_length=200, description="批准文号")
    approved_at: When


class ReportIn(BaseModel):
    """The report of an emergency outage to the water-supply authority."""

    authority: str = Field(min_length=1, max_length=200)
    reported_at: When | None = Field(default=None, description="default: now")
    reference: str = Field(default="", max_length=200, description="its reference, if any")


class PublishIn(BaseModel):
    acknowledge_overlaps: bool = False
    acknowledge_late_start: bool = Field(
        default=False,
        description="publish an emergency that starts more than 6 h from now (refused "
        "otherwise: emergency_starts_late, most likely the wrong day)",
    )
    approval: ApprovalIn | None = Field(
        default=None, description="record the approval and publish in one step (planned)"
    )


def _step(
    session: Session,
    request: Request,
    user: CurrentUser,
    outage_id: str,
    version: int,
    key: str | None,
    change: Callable[[t.Outage, Outage], Outage],
    body: BaseModel,
) -> Response:
    """One lifecycle step of an outage: version check, the change, its new revisions, once per
    idempotency key (the key is bound to the version and the body it came with)."""

    def produce() -> Produced:
        row = _outage(session, outage_id)
        check_version(row.version, version, f"outage {outage_id}")
        outage = outage_value(session, row)
        first_new = len(outage.revisions) + 1
        outage = change(row, outage)
        save_outage(session, row, outage, user.username, first_new=first_new)
        # its events go out with it: in this transaction (docs/webhooks.md)
        enqueue_notice_events(
            session, outage, first_new, issuer(request), request.app.state.webhooks.wake
        )
        return 200, outage_dict(row, outage), etag(row.version)

    payload = {"version": version, **body.model_dump(mode="json")}
    return idempotent(session, request, key, user.username, produce, payload)


@router.post(
    "/{outage_id}/publish",
    summary="publish the notice (24 h ahead for planned works)",
    response_model=OutageOut,
)
def publish_outage(
    outage_id: str,
    body: PublishIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:

    def change(row: t.Outage, outage: Outage) -> Outage:
        if body.approval is not None:
            a = body.approval
            outage = record_authority(
                outage,
                RecordKind.APPROVAL,
                a.authority,
                local(a.approved_at),
                user.username,
                now_local(),
                a.document,
            )
        overlaps = (
            _overlaps(session, request, row, outage) if outage.kind == OutageKind.PLANNED else []
        )
        moment = max(now_local(), outage.latest.at)
        check_start(outage, moment, acknowledged=body.acknowledge_late_start)
        return publish(
            outage,
            moment,
            lead=lead(request),
            overlaps=overlaps,
            acknowledge_overlaps=body.acknowledge_overlaps,
        )

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


@router.post(
    "/{outage_id}/approval",
    summary="record the authority's approval of a planned outage (before publishing)",
    response_model=OutageOut,
)
def approve_outage(
    outage_id: str,
    body: ApprovalIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:

    def change(row: t.Outage, outage: Outage) -> Outage:
        return record_authority(
            outage,
            RecordKind.APPROVAL,
            body.authority,
            local(body.approved_at),
            user.username,
            now_local(),
            body.document,
        )

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


@router.post(
    "/{outage_id}/report",
    summary="record the report of an emergency to the authority",
    response_model=OutageOut,
)
def report_outage(
    outage_id: str,
    body: ReportIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:

    def change(row: t.Outage, outage: Outage) -> Outage:
        now = now_local()
        return record_authority(
            outage,
            RecordKind.REPORT,
            body.authority,
            local(body.reported_at) if body.reported_at else now,
            user.username,
            now,
            body.reference,
        )

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


class FollowPlanIn(BaseModel):
    plan_id: int = Field(
        strict=True, ge=1, description="the solved plan whose window the draft takes"
    )


@router.post(
    "/{outage_id}/follow-plan",
    summary="a repair's draft takes the window a solved plan schedules for its ticket",
    response_model=OutageOut,
)
def follow_plan_outage(
    outage_id: str,
    body: FollowPlanIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """ops.notices.drafting.follow_plan: a draft only (a published notice follows a published
    plan); nothing changes when the plan does not schedule the ticket's outage."""

    def change(row: t.Outage, outage: Outage) -> Outage:
        if outage.source is None:
            raise Conflict(
                f"outage {outage.id} is not a repair's: it has no plan window to follow",
                code="outage_not_a_repair",
                outage=outage.id,
            )
        repair = get_or_404(session, t.RepairTicket, outage.source, "repair ticket")
        start, end = repair_window(session, outage.source, repair, body.plan_id)
        moved = follow_plan(outage, start, end, now_local(), plan=body.plan_id)
        return outage if moved is None else moved

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


class EditIn(BaseModel):
    start: When | None = None
    end: When | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    reason_zh: str | None = Field(default=None, max_length=500)
    note: str = Field(default="", max_length=500, description="for the history (not public)")
    note_zh: str = Field(
        default="", max_length=500, description="a remark in Chinese for the public notice"
    )


@router.post(
    "/{outage_id}/update",
    summary="change a notice: window, reason (draft or published)",
    response_model=OutageOut,
)
def update_outage(
    outage_id: str,
    body: EditIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    def change(row: t.Outage, outage: Outage) -> Outage:
        content = outage.content
        if body.reason is not None:
            content = replace(content, reason=body.reason)
        if body.reason_zh is not None:
            content = replace(content, reason_zh=body.reason_zh)
        moment = max(now_local(), outage.latest.at)
        if outage.state == NoticeState.DRAFT:
            content = replace(
                content,
                start=local(body.start) if body.start else content.start,
                end=local(body.end) if body.end else content.end,
            )
            return edit_draft(outage, content, moment, body.note or "edited")
        return update(
            outage,
            moment,
            start=local(body.start) if body.start else None,
            end=local(body.end) if body.end else None,
            content=content,
            note=body.note,
            note_zh=body.note_zh,
            lead=lead(request),
        )

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


class RestoreIn(BaseModel):
    at: When | None = Field(default=None, description="water back on (default now)")
    note: str = Field(default="water restored", max_length=500)


@router.post(
    "/{outage_id}/restore",
    summary="water is back on: the notice ends",
    response_model=OutageOut,
)
def restore_outage(
    outage_id: str,
    body: RestoreIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:

    def change(row: t.Outage, outage: Outage) -> Outage:
        return restore(outage, max(local(body.at), outage.latest.at), body.note, now=now_local())

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="for the history and English")
    reason_zh: str = Field(
        default="", max_length=500, description="the reason the Chinese notice gives"
    )


@router.post("/{outage_id}/cancel", summary="call the outage off", response_model=OutageOut)
def cancel_outage(
    outage_id: str,
    body: CancelIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:

    def change(row: t.Outage, outage: Outage) -> Outage:
        return cancel(outage, max(now_local(), outage.latest.at), body.reason, body.reason_zh)

    return _step(session, request, user, outage_id, version, idempotency_key, change, body)


NoticeFormat = Literal["zh", "en", "cap", "ics", "geojson"]


def render(request: Request, outage: Outage, fmt: str) -> Response:

    who = issuer(request)
    if fmt in ("zh", "en"):
        return Response(render_text(outage, fmt, who), media_type="text/plain; charset=utf-8")
    if fmt == "cap":  # a draft has none: render_cap refuses it (NoticeStateError, a 409)
        return Response(render_cap(outage, who), media_type="application/cap+xml")
    if fmt == "ics":
        return Response(render_ical(outage, who), media_type="text/calendar; charset=utf-8")
    return json_response(render_geojson(outage, who))


# what ?format= gives: zh and en as text, cap, ics, geojson (as JSON)
NOTICE_MEDIA = ("text/plain", "application/cap+xml", "text/calendar", "application/json")


@router.get(
    "/{outage_id}/notice",
    summary="the notice rendered (text, CAP, iCalendar, GeoJSON)",
    responses=answers(409, media=NOTICE_MEDIA),  # 409: a draft has no CAP message
)
def outage_notice(
    outage_id: str,
    request: Request,
    _: Reader,
    session: SessionDep,
    format: Annotated[NoticeFormat, Query()] = "zh",
) -> Response:
    row = _outage(session, outage_id)
    return render(request, outage_value(session, row), format)


def _cut_off(
    request: Request, session: Session, row: t.Outage, outage: Outage
) -> tuple[AffectedCustomer, ...]:

    try:
        loaded = request.app.state.registry.get(session, row.network_id)
    except NotFound:
        raise Conflict(
            f"the network of outage {row.id} is gone: its customers cannot be listed",
            code="outage_network_gone",
            outage=row.id,
        ) from None
    return customers_cut_off(loaded.isolator, outage)


@router.get(
    "/{outage_id}/accounts.csv",
    summary="the accounts the outage cuts off, as CSV for the SMS platform (UTF-8 with BOM)",
    responses=answers(409, media=("text/csv",)),
)
def outage_accounts_csv(
    outage_id: str, request: Request, _: Dispatcher, session: SessionDep
) -> Response:

    row = _outage(session, outage_id)
    outage = outage_value(session, row)
    return Response(
        accounts_csv(outage, _cut_off(request, session, row, outage)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{row.id}-accounts.csv"'},
    )


@router.get(
    "/{outage_id}/accounts.xlsx",
    summary="the accounts the outage cuts off, as XLSX (and the notice's Chinese text)",
    responses=answers(
        409, media=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
    ),
)
def outage_accounts_xlsx(
    outage_id: str, request: Request, _: Dispatcher, session: SessionDep
) -> Response:

    row = _outage(session, outage_id)
    outage = outage_value(session, row)
    text = render_text(outage, "zh", issuer(request))
    return Response(
        accounts_xlsx(outage, _cut_off(request, session, row, outage), text),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{row.id}-accounts.xlsx"'},
    )


# -- public, read-only -----------------------------------------------------------------------


def _published(session: Any) -> list[Any]:
    rows = session.scalars(
        select(t.Outage).where(t.Outage.state.in_(LIVE)).order_by(t.Outage.id)
    ).all()
    return outage_values(session, rows)


# restored and cancelled notices stay in the feed and on the public page this long, so that
# readers see the all-clear or the cancellation of the notice they have
KEEP_ENDED = dt.timedelta(days=3)


def _kept(session: Any) -> list[Any]:
    """The current and planned notices, and those restored or cancelled within KEEP_ENDED."""

    rows = session.scalars(
        select(t.Outage).where(t.Outage.state.in_(PUBLIC)).order_by(t.Outage.id)
    ).all()
    return current_notices(outage_values(session, rows), now_local(), ended_within=KEEP_ENDED)


@public.get(
    "/notices",
    summary="current and planned outage notices, and those ended in the last three days (JSON)",
)
def public_notices(request: Request, session: SessionDep) -> Response:
    """Each notice with its full text (``text.zh``, the notice of record, and ``text.en``) and
    the address of its page; a restored or cancelled one for three days, saying so."""

    who = issuer(request)
    return json_response(
        [
            {
                **_public_dict(o),
                "page": who.url(o.id),
                "text": {lang: render_text(o, lang, who) for lang in ("zh", "en")},
            }
            for o in _kept(session)
        ]
    )


def _public_dict(outage: Any) -> dict[str, Any]:
    data = outage.content.to_dict()
    data.pop("breaks", None)
    data.pop("failed_valves", None)
    return {
        "id": outage.id,
        "kind": outage.kind.value,
        "state": outage.state.value,
        "published_at": outage.published_at.isoformat(timespec="minutes")
        if outage.published_at
        else None,
        "updated_at": outage.latest.at.isoformat(timespec="minutes"),
        **data,
    }


@public.get("/notices.geojson", summary="current and planned notices as GeoJSON")
def public_geojson(request: Request, session: SessionDep) -> Response:

    live = current_notices(_published(session), now_local())
    return json_response(render_geojson(live, issuer(request)))


@public.get("/notices/feed.atom", summary="current and planned notices as an Atom feed")
def public_atom(
    request: Request,
    session: SessionDep,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> Response:

    # the feed also carries the all-clears and cancellations of the last three days, so that
    # readers replace the notice they have
    live = _kept(session)
    return Response(
        render_atom(live, now_local(), issuer(request), lang=lang),
        media_type="application/atom+xml",
    )


@public.get("/notices/{outage_id}.cap", summary="one notice as CAP 1.2 XML")
def public_cap(outage_id: str, request: Request, session: SessionDep) -> Response:
    return render(request, public_outage(session, outage_id), "cap")


@public.get("/notices/{outage_id}.ics", summary="one notice's window as iCalendar")
def public_ics(outage_id: str, request: Request, session: SessionDep) -> Response:
    return render(request, public_outage(session, outage_id), "ics")


@public.get("/notices/{outage_id}.txt", summary="one notice as text")
def public_text(
    outage_id: str,
    request: Request,
    session: SessionDep,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> Response:
    return render(request, public_outage(session, outage_id), lang)


@public.get("/notices/{outage_id}", summary="one published notice (JSON)")
def public_notice(outage_id: str, session: SessionDep) -> Response:
    return json_response(_public_dict(public_outage(session, outage_id)))


@public.get(
    "/lookup",
    summary="is my address affected? an address, estate or street, in Chinese or pinyin",
)
def public_lookup(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="南环路49号, Wei 3 Lu")],
) -> Response:
    """The current and planned notices that cut off the customers at that place, or whose
    streets it names, each with its window and page (``ops.notices.lookup``)."""

    rows = session.scalars(
        select(t.Outage).where(t.Outage.state.in_(LIVE)).order_by(t.Outage.id)
    ).all()
    network_of = {r.id: r.network_id for r in rows}
    live = current_notices(outage_values(session, rows), now_local())
    registry = request.app.state.registry
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]] = []
    for outage in live:
        try:
            isolator = registry.get(session, network_of[outage.id]).isolator
        except (NotFound, Conflict):  # its network is gone: its streets still answer
            notices.append((outage, ()))
            continue
        notices.append((outage, customers_cut_off(isolator, outage)))
    found = find_affected(q, notices)  # a query too short: its InvalidRequest, a 422
    who = issuer(request)
    shown = 20  # addresses per notice; the count says how many more
    return json_response(
        {
            "query": q,
            "searched": len(live),
            "notices": [
                {
                    "id": m.outage.id,
                    "kind": m.outage.kind.value,
                    "state": m.outage.state.value,
                    "start": m.outage.content.start.isoformat(timespec="minutes"),
                    "end": m.outage.content.end.isoformat(timespec="minutes"),
                    "page": who.url(m.outage.id),
                    "streets": list(m.streets),
                    "addresses": list(m.addresses[:shown]),
                    # the Chinese of each of them, in their order ("" where the data has none)
                    "addresses_zh": list(m.addresses_zh[:shown]),
                    "addresses_total": len(m.addresses),
                    "names": list(m.names[:shown]),
                    "reduced_pressure": list(m.reduced_pressure),
                    "areas": list(m.areas),
                    # cut_off, street, area or reduced_pressure (NoticeMatch.verdict)
                    "verdict": m.verdict,
                }
                for m in found
            ],
        }
    )
