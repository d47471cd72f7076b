"""Work: connection applications, repair reports, leak surveys, valve exercises, and the field
jobs they become, with their status changes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import tables as t
from api.deps import (
    Dispatcher,
    IfMatch,
    Lat,
    Lon,
    Operator,
    OptionalId,
    Reader,
    SessionDep,
    When,
    check_version,
    etag,
)
from api.outage_drafts import draft_ticket_notice, drop_ticket_drafts
from api.registry import LoadedNetwork
from api.responses import json_response
from api.schemas import (
    ConnectionCompletedOut,
    ConnectionDetailOut,
    ConnectionOut,
    FieldJobOut,
    IntakeListOut,
    JobOut,
    JobWithHistoryOut,
    RepairCancelledOut,
    RepairCaseOut,
    RepairLinkedOut,
    RepairOut,
)
from api.store import (
    Produced,
    active_crews,
    add_jobs,
    application_value,
    calendar,
    change_dict,
    connection_rules,
    crews_with_days,
    event_words,
    get_or_404,
    idempotent,
    job_dict,
    job_value,
    links_of,
    local,
    next_id,
    now_local,
    store_job_change,
)
from ops.connections import (
    ApplicationStatus,
    ConnectionType,
    DurationRules,
    acceptance_due,
    intake_status,
    intake_times,
)
from ops.connections import accept_connection as accept
from ops.connections import complete_connection as complete
from ops.connections import papers_completed as papers_in
from ops.errors import InvalidRequest
from ops.field import POSITION_MAX_AGE, SharedPosition, replan_positions
from ops.job_notes import JobNote, add_note, chain_order, deadline_basis, reschedule
from ops.jobs import JobKind, leak_survey
from ops.repairs import (
    OpenBreak,
    RepairReport,
    RepairRules,
    Severity,
    open_repair,
    repeated_break,
)
from ops.workflow import JobState, JobStatus, TicketStatus, cancel_ticket, change_status

router = APIRouter(prefix="/api", tags=["work"])

ConnectionKind = Literal[
    "pre_consultation",
    "pre_small_warehouse",
    "pre_standard_factory",
    "pre_other",
    "meter_retrofit",
    "general_construction",
    "no_external_works",
    "fast_connection",
]


Channel = Literal["counter", "hotline", "website", "wechat", "gov_portal", "approval_platform"]


class ConnectionIn(BaseModel):
    type: ConnectionKind = Field(description="Table 1 type (waterops deadline --help lists them)")
    customer: str = Field(min_length=1, max_length=255)
    lon: Lon
    lat: Lat
    address: str = Field(default="", max_length=255)
    channel: Channel = Field(
        default="counter",
        description="how the application reached the utility (counter, hotline, website, "
        "wechat, gov_portal 政务服务网, approval_platform 审批平台推送)",
    )
    received_at: When | None = Field(
        default=None, description="when it reached the utility; default now"
    )
    accept: bool = Field(
        default=True,
        description="accept now (受理); false: record it as received, to be accepted with "
        "POST /api/connections/{id}/accept (within 0.25 working day of receipt)",
    )
    accepted_at: When | None = Field(
        default=None,
        description="only to back-enter a counter application accepted earlier (recorded as "
        "back-entered); otherwise the service stamps the acceptance",
    )
    dn_mm: float | None = Field(strict=True, default=None, gt=0, le=3000)
    line_length_m: float | None = Field(strict=True, default=None, ge=0, le=100_000)
    residential: bool = True
    papers_missing: bool = False
    representative: str | None = Field(default=None, max_length=64)


def _intake(row: t.Application, request: Request, session: Session) -> dict[str, Any]:
    received = local(row.received_at or row.accepted_at)
    accepted = local(row.accepted_at) if row.accepted_at else None
    cal = calendar(request, session)
    rules = connection_rules(request)
    return {
        "channel": row.channel,
        "received_at": received.isoformat(timespec="seconds"),
        "acceptance_due": acceptance_due(received, row.channel, cal, rules).isoformat(
            timespec="seconds"
        ),
        "status": intake_status(received, row.channel, accepted, now_local(), cal, rules),
        "back_entered": row.back_entered,
    }


def _application_dict(row: t.Application, request: Request, session: Session) -> dict[str, Any]:
    return {
        **row.case,
        "application": row.id,
        "accepted_at": local(row.accepted_at).isoformat(timespec="seconds")
        if row.accepted_at
        else None,
        "deadline": (row.case or {}).get("deadline"),
        "status": row.status,
        "intake": _intake(row, request, session),
        "papers_completed_at": row.papers_completed_at.isoformat(timespec="seconds")
        if row.papers_completed_at
        else None,
        "created_by": row.created_by,
    }


def _accept(row: t.Application, request: Request, session: Session, username: str) -> None:
    """Acceptance (受理): the Table 1 deadline, the flags and the field jobs."""
    case = accept(
        application_value(row),
        row.status,
        calendar(request, session),
        rules=connection_rules(request),
    )
    row.status = ApplicationStatus.OPEN
    row.deadline = case.deadline.due
    row.papers_due = case.papers.due if case.papers else None
    row.case = {
        **case.to_dict(),
        "representative": case.application.representative,
        "papers_missing": case.application.papers_missing,
    }
    add_jobs(session, case.jobs, case.links, username)


@router.post(
    "/connections",
    status_code=201,
    summary="receive and accept a connection application",
    response_model=ConnectionOut,
)
def create_connection(
    body: ConnectionIn,
    request: Request,
    user: Dispatcher,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    received_at, accepted_at, back_entered = intake_times(
        body.channel,
        now_local(),
        accept=body.accept,
        received_at=local(body.received_at) if body.received_at else None,
        accepted_at=local(body.accepted_at) if body.accepted_at else None,
    )

    def produce() -> Produced:
        app_id = next_id(session, "APP")
        row = t.Application(
            id=app_id,
            type=body.type,
            accepted_at=accepted_at,
            received_at=received_at,
            channel=body.channel,
            back_entered=back_entered,
            customer=body.customer,
            address=body.address,
            lon=body.lon,
            lat=body.lat,
            dn_mm=body.dn_mm,
            line_length_m=body.line_length_m,
            residential=body.residential,
            status=ApplicationStatus.RECEIVED,
            case={
                "application": app_id,
                "type": body.type,
                "customer": body.customer,
                "representative": body.representative,
                "papers_missing": body.papers_missing,
            },
            created_by=user.username,
        )
        if accepted_at is not None:
            _accept(row, request, session, user.username)
        session.add(row)
        session.flush()
        data = _application_dict(row, request, session)
        return 201, data, {"Location": f"/api/connections/{app_id}"}

    return idempotent(
        session, request, idempotency_key, user.username, produce, body.model_dump(mode="json")
    )


@router.get("/connections", summary="connection applications", response_model=list[ConnectionOut])
def list_connections(
    request: Request,
    _: Reader,
    session: SessionDep,
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    query = select(t.Application).order_by(t.Application.id.desc()).limit(limit)
    if status_:
        query = query.where(t.Application.status == status_)
    return json_response([_application_dict(r, request, session) for r in session.scalars(query)])


@router.get(
    "/connections/intake",
    summary="applications received and not yet accepted",
    response_model=IntakeListOut,
)
def intake(request: Request, _: Reader, session: SessionDep) -> Response:
    """Those still within their 0.25 working day (``waiting``) and those past it (``late``),
    the most urgent first."""
    rows = session.scalars(
        select(t.Application).where(t.Application.status == ApplicationStatus.RECEIVED).limit(1000)
    )
    items = sorted(
        (_application_dict(r, request, session) for r in rows),
        key=lambda a: a["intake"]["acceptance_due"],
    )
    return json_response(
        {
            "waiting": [a for a in items if a["intake"]["status"] == "waiting"],
            "late": [a for a in items if a["intake"]["status"] == "late"],
        }
    )


def _application(session: Session, app_id: str) -> t.Application:
    return get_or_404(session, t.Application, app_id, "application")


@router.get(
    "/connections/{app_id}",
    summary="one application with its deadline and jobs",
    response_model=ConnectionDetailOut,
)
def get_connection(app_id: str, request: Request, _: Reader, session: SessionDep) -> Response:
    row = _application(session, app_id)
    data = _application_dict(row, request, session)
    changes = session.scalars(
        select(t.DeadlineChange)
        .where(t.DeadlineChange.application_id == app_id, t.DeadlineChange.job_id.is_(None))
        .order_by(t.DeadlineChange.id)
    )
    data["deadline_history"] = [change_dict(c) for c in changes]
    return json_response(data)


@router.post(
    "/connections/{app_id}/accept",
    summary="accept (受理) a received application",
    response_model=ConnectionOut,
)
def accept_connection(
    app_id: str, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    row = _application(session, app_id)
    row.accepted_at = now_local()  # rolled back with the transaction when it is accepted already
    _accept(row, request, session, user.username)
    session.flush()
    return json_response(_application_dict(row, request, session))


class PapersIn(BaseModel):
    at: When | None = None


@router.post(
    "/connections/{app_id}/papers",
    summary="the missing technical papers are in",
    response_model=ConnectionOut,
)
def papers_completed(
    app_id: str, body: PapersIn, request: Request, _: Dispatcher, session: SessionDep
) -> Response:
    row = _application(session, app_id)
    row.papers_completed_at = papers_in(
        app_id, row.papers_due, row.papers_completed_at, local(body.at)
    )
    return json_response(_application_dict(row, request, session))


class CompleteIn(BaseModel):
    at: When | None = Field(default=None, description="water on (default now)")


@router.post(
    "/connections/{app_id}/complete",
    summary="water is on: creates the follow-up visit",
    response_model=ConnectionCompletedOut,
)
def complete_connection(
    app_id: str, body: CompleteIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    row = _application(session, app_id)
    jobs = {j.id: j for j in session.scalars(select(t.Job).where(t.Job.source == app_id))}
    done = complete(
        application_value(row),
        row.status,
        [JobState(j.id, JobStatus(j.status), j.crew_id) for j in jobs.values()],
        local(body.at),
        calendar(request, session),
        by=user.username,
        at=now_local(),
    )
    row.status = done.status
    for change in done.closed:
        store_job_change(session, jobs[change.job.id], change)
    add_jobs(session, [done.follow_up], [], user.username)
    visit = done.follow_up.to_dict()
    return json_response({**_application_dict(row, request, session), "follow_up": visit})


class RepairIn(BaseModel):
    severity: Literal["burst", "major_leak", "minor_leak"]
    pipe_id: str | None = Field(default=None, max_length=64)
    lon: Lon | None = None
    lat: Lat | None = None
    reported_at: When | None = None
    description: str = Field(default="", max_length=2000)
    inoperable: list[str] = Field(default_factory=list, max_length=200)
    network_id: OptionalId = Field(default=None, description="default: the newest network")
    second_break: bool = Field(
        default=False,
        description="the dispatcher confirms a second break near an open ticket's (otherwise "
        "the report is linked to that ticket)",
    )


@router.post(
    "/repairs",
    status_code=201,
    summary="report a leak or burst: isolation and job chain",
    response_model=RepairCaseOut,
    responses={
        200: {
            "model": RepairLinkedOut,
            "description": "the same break as an open ticket: linked to it",
        }
    },
)
def create_repair(
    body: RepairIn,
    request: Request,
    user: Operator,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    if body.pipe_id is None and (body.lon is None or body.lat is None):
        raise InvalidRequest("give pipe_id, or lon and lat of the leak", code="leak_where")
    registry = request.app.state.registry
    network_id = body.network_id or registry.latest_id(session)
    loaded = registry.get(session, network_id)

    def produce() -> Produced:
        if not body.second_break:
            linked = _same_break(session, loaded, network_id, body)
            if linked is not None:
                return linked
        ticket = next_id(session, "T")
        location = (body.lon, body.lat) if body.lon is not None and body.lat is not None else None
        report = RepairReport(
            ticket,
            local(body.reported_at),
            Severity(body.severity),
            pipe_id=body.pipe_id,
            location=location,
            description=body.description,
            inoperable_valves=tuple(sorted({*loaded.failed, *body.inoperable})),
        )
        # a planned repair waits for the deployment's notice lead, as its notice does
        lead = dt.timedelta(hours=request.app.state.settings.notice_lead_hours)
        # the expected window starts when the roster has a crew there (ops.emergency)
        crews = active_crews(session)
        case = open_repair(
            report,
            loaded.isolator,
            rules=RepairRules(notice_lead=lead),
            roster=crews_with_days(session, crews, report.reported_at.date()) or None,
            calendar=calendar(request, session),
            # the drive as the planner counts it: the network's roads, from where a crew at
            # work last shared its position (a called-out crew leaves its depot)
            travel=loaded.roads,
            positions=_shared_positions(session, report.reported_at),
        )
        data = case.to_dict()
        data["isolation"] = case.isolation.to_dict()
        row = t.RepairTicket(
            id=ticket,
            network_id=network_id,
            severity=body.severity,
            pipe_id=case.pipe_id,
            reported_at=report.reported_at,
            report={
                "pipe_id": case.pipe_id,
                "location": list(location) if location else None,
                "description": body.description,
                "inoperable": list(report.inoperable_valves),
                "expected": [x.isoformat() for x in case.expected_window()],
            },
            case=data,
            created_by=user.username,
        )
        session.add(row)
        add_jobs(session, case.jobs, case.links, user.username)
        session.flush()
        # an emergency drafts its notice over the expected window (the dispatcher publishes it)
        notice = draft_ticket_notice(session, request, user.username, row)
        answer = {**data, "network": network_id, "notice": notice}
        return 201, answer, {"Location": f"/api/repairs/{ticket}"}

    return idempotent(
        session, request, idempotency_key, user.username, produce, body.model_dump(mode="json")
    )


def _shared_positions(session: Session, at: dt.datetime) -> dict[str, tuple[float, float]]:
    """Each crew's newest position shared within ``POSITION_MAX_AGE`` before ``at`` (the
    phones' times, as a re-plan reads them: ``ops.field.replan_positions``)."""
    shared = [
        SharedPosition(str(e.crew_id), float(e.data["lon"]), float(e.data["lat"]), when)
        for e in session.scalars(
            select(t.LiveEvent).where(
                t.LiveEvent.kind == "position", t.LiveEvent.at >= at - POSITION_MAX_AGE
            )
        )
        if e.crew_id and (when := local(dt.datetime.fromisoformat(e.data["at"])))
    ]
    return replan_positions({}, shared, at)


def _same_break(
    session: Session, loaded: LoadedNetwork, network_id: int, body: RepairIn
) -> Produced | None:
    """A report of a break that an open ticket has already: linked to that ticket (kept in
    its list of reports), answered 200 with the ticket and what to send for a second break."""
    location = (body.lon, body.lat) if body.lon is not None and body.lat is not None else None
    probe = RepairReport("probe", now_local(), Severity(body.severity), body.pipe_id, location)
    rows = session.scalars(
        select(t.RepairTicket).where(
            t.RepairTicket.status == TicketStatus.OPEN, t.RepairTicket.network_id == network_id
        )
    ).all()
    breaks = []
    for row in rows:
        repair = next(
            (j for j in row.case.get("jobs", []) if j.get("kind") == JobKind.REPAIR), None
        )
        if repair is None:
            continue
        isolated = row.case.get("isolation", {}).get("isolated_pipes", [])
        loc = repair["location"]
        breaks.append(OpenBreak(row.id, row.pipe_id, (loc[0], loc[1]), frozenset(isolated)))
    found = repeated_break(probe, loaded.isolator, breaks)
    if found is None:
        return None
    other, metres, pipe_id, site = found.open_break, found.metres, found.pipe_id, found.site
    row = next(r for r in rows if r.id == other.ticket)  # the open ticket it was found in
    reports = [
        *row.report.get("reports", []),
        {
            "at": now_local().isoformat(timespec="seconds"),
            "pipe_id": pipe_id,
            "location": list(site),
            "severity": body.severity,
            "description": body.description,
        },
    ]
    row.report = {**row.report, "reports": reports}
    message = (
        f"linked to open ticket {other.ticket}: this report (pipe {pipe_id}, {metres:.0f} m from "
        f"its break on {other.pipe_id}) is taken as the same break; if it is a second break, "
        "send it again with second_break: true"
    )
    body_out = {
        **row.case,
        "status": row.status,
        "network": row.network_id,
        "linked": True,
        "message": message,
        "reports": len(reports) + 1,
    }
    return 200, body_out, {"Location": f"/api/repairs/{other.ticket}"}


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why (kept in the history)")


@router.post(
    "/repairs/{ticket}/cancel",
    summary="cancel a repair ticket and its open jobs",
    response_model=RepairCancelledOut,
)
def cancel_repair(ticket: str, body: CancelIn, user: Operator, session: SessionDep) -> Response:
    row: t.RepairTicket = get_or_404(session, t.RepairTicket, ticket, "repair ticket")
    jobs = {j.id: j for j in session.scalars(select(t.Job).where(t.Job.source == ticket))}
    now = now_local()
    changes = cancel_ticket(
        ticket,
        row.status,
        [JobState(j.id, JobStatus(j.status), j.crew_id) for j in jobs.values()],
        reason=body.reason,
        by=user.username,
        at=now,
    )
    row.status = TicketStatus.CANCELLED
    cancelled_by = {
        "by": user.username,
        "reason": body.reason,
        "at": now.isoformat(timespec="seconds"),
    }
    row.report = {**row.report, "cancelled": cancelled_by}
    for change in changes:
        store_job_change(session, jobs[change.job.id], change)
    # its notice, still a draft, goes with it (a published one is the dispatcher's to call off)
    dropped = drop_ticket_drafts(session, user.username, ticket, body.reason)
    session.flush()
    return json_response(
        {
            **_ticket_dict(row),
            "cancelled_jobs": [change.job.id for change in changes],
            "cancelled_notices": dropped,
        }
    )


def _ticket_dict(row: t.RepairTicket) -> dict[str, Any]:
    """A ticket as answered: its case, where it stands and, once cancelled, who cancelled it,
    when and why."""
    data = {**row.case, "status": row.status, "network": row.network_id}
    if "cancelled" in row.report:
        data["cancelled"] = row.report["cancelled"]
    return data


@router.get("/repairs", summary="repair tickets", response_model=list[RepairOut])
def list_repairs(
    _: Reader, session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> Response:
    rows = session.scalars(select(t.RepairTicket).order_by(t.RepairTicket.id.desc()).limit(limit))
    return json_response([_ticket_dict(r) for r in rows])


@router.get("/repairs/{ticket}", summary="one repair ticket", response_model=RepairOut)
def get_repair(ticket: str, _: Reader, session: SessionDep) -> Response:
    row: t.RepairTicket = get_or_404(session, t.RepairTicket, ticket, "repair ticket")
    return json_response(_ticket_dict(row))


class LeakSurveyIn(BaseModel):
    lon: Lon
    lat: Lat
    duration_min: float = Field(strict=True, default=60, gt=0, le=600)
    due: When | None = None
    area: str = Field(default="", max_length=255, description="street or DMA surveyed")
    dma: str | None = Field(
        default=None, max_length=32, description="the DMA surveyed, one of the network's"
    )


@router.post(
    "/leak-surveys",
    status_code=201,
    summary="add a leak survey job",
    response_model=FieldJobOut,
)
def create_leak_survey(
    body: LeakSurveyIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    if body.dma is not None:
        registry = request.app.state.registry
        network_id = registry.latest_id(session)
        known = registry.get(session, network_id).network.dma_names
        if body.dma not in known:
            raise InvalidRequest(
                f"DMA {body.dma!r} is not a DMA of network {network_id}; "
                f"it has {', '.join(sorted(known)) or 'none'}",
                code="not_a_dma",
                dma=body.dma,
                network=str(network_id),
                dmas=sorted(known),
            )
    job = leak_survey(
        next_id(session, "LS"),
        (body.lon, body.lat),
        dt.timedelta(minutes=body.duration_min),
        now_local(),
        due=local(body.due) if body.due else None,
        area=body.area,
        dma=body.dma,
    )
    add_jobs(session, [job], [], user.username)
    return json_response(job.to_dict(), 201)


@router.get("/jobs", summary="field jobs, filtered", response_model=list[JobOut])
def list_jobs(
    _: Reader,
    session: SessionDep,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    crew: Annotated[str | None, Query(max_length=64)] = None,
    dma: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Response:
    query = select(t.Job).order_by(t.Job.id).limit(limit)
    if dma:
        query = query.where(t.Job.dma == dma)
    if status_:
        query = query.where(t.Job.status == status_)
    if kind:
        query = query.where(t.Job.kind == kind)
    if source:
        query = query.where(t.Job.source == source)
    if crew:
        query = query.where(t.Job.crew_id == crew)
    return json_response([job_dict(r) for r in session.scalars(query)])


def _job(session: Session, job_id: str) -> t.Job:
    return get_or_404(session, t.Job, job_id, "job")


class JobNoteOut(BaseModel):
    job: str
    text: str
    by: str
    at: str


class ChainJobOut(BaseModel):
    id: str
    kind: JobKind
    status: JobStatus
    step: str | None = None
    valve: str | None = None
    crew: str | None = None


class JobDetailOut(JobWithHistoryOut):
    notes: list[JobNoteOut] = Field(description="notes on the job, oldest first")
    links: list[dict[str, Any]] = Field(
        description="the job's links: before/after (the job each side), gap_min, max_gap_min, "
        "required"
    )
    chain: list[ChainJobOut] = Field(
        description="the jobs of its repair ticket or application in the order of their links "
        "(this one among them); empty for a job on its own"
    )
    deadline_basis: dict[str, Any] = Field(
        description="how its deadline was set (ops.job_notes.deadline_basis): rule table1 "
        "(Table 1 row, days, unit, from acceptance), follow_up, repair_target, programme, "
        "given or none"
    )


def _detail(session: Session, row: t.Job, request: Request) -> dict[str, Any]:
    """A job with its history, notes, links, chain and the basis of its deadline."""
    job_id = row.id
    events = session.scalars(
        select(t.JobEvent).where(t.JobEvent.job_id == job_id).order_by(t.JobEvent.id)
    ).all()
    data = job_dict(row)
    data["history"] = [
        {
            "status": e.status,
            "crew": e.crew_id,
            "note": e.note,
            "by": e.by,
            "at": local(e.at).isoformat(timespec="seconds"),
            **event_words(e.note, e.key, e.params),
        }
        for e in events
    ]
    notes = session.scalars(
        select(t.JobNoteRow).where(t.JobNoteRow.job_id == job_id).order_by(t.JobNoteRow.id)
    ).all()
    data["notes"] = [JobNote(n.job_id, n.text, n.by, local(n.at)).to_dict() for n in notes]
    # the chain: the jobs of the same ticket, else of the same application
    if row.ticket:
        kin = session.scalars(select(t.Job).where(t.Job.ticket == row.ticket)).all()
    elif row.application:
        kin = session.scalars(select(t.Job).where(t.Job.application == row.application)).all()
    else:
        kin = [row]
    by_id = {j.id: j for j in kin}
    links = links_of(session, set(by_id))
    own = session.scalars(
        select(t.JobLink).where((t.JobLink.before == job_id) | (t.JobLink.after == job_id))
    ).all()
    data["links"] = [
        {
            "before": r.before,
            "after": r.after,
            "gap_min": round(r.gap_s / 60, 1),
            "max_gap_min": None if r.max_gap_s is None else round(r.max_gap_s / 60, 1),
            "required": bool(r.required),
        }
        for r in own
    ]
    data["chain"] = (
        []
        if len(by_id) < 2
        else [
            {
                "id": j.id,
                "kind": j.kind,
                "status": j.status,
                "step": j.step,
                "valve": j.valve,
                "crew": j.crew_id,
            }
            for j in (by_id[i] for i in chain_order(by_id, links))
        ]
    )
    value = job_value(row)
    app_id = value.application
    application = session.get(t.Application, app_id) if app_id else None
    step_of = application if value.kind is not JobKind.FOLLOW_UP else None
    table = None
    if step_of is not None:
        rule = connection_rules(request).types()[ConnectionType(step_of.type)]
        table = (rule.row, step_of.type, rule.chinese)
    data["deadline_basis"] = deadline_basis(
        value,
        application=None if step_of is None else (step_of.case or {}).get("deadline"),
        accepted_at=local(step_of.accepted_at) if step_of and step_of.accepted_at else None,
        table_row=table,
        follow_up_days=DurationRules().follow_up_deadline_working_days,
    )
    return data


@router.get("/jobs/{job_id}", summary="one job with its history", response_model=JobDetailOut)
def get_job(job_id: str, request: Request, _: Reader, session: SessionDep) -> Response:
    """The job detail: what it is, its history (every status change, who, when, why), its notes,
    its links and the chain of its ticket or application, and how its deadline was set."""
    row = _job(session, job_id)
    return json_response(_detail(session, row, request), headers=etag(row.version))


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="the note (kept, not public)")


@router.post(
    "/jobs/{job_id}/notes", status_code=201, summary="a note on a job", response_model=JobNoteOut
)
def add_job_note(job_id: str, body: NoteIn, user: Operator, session: SessionDep) -> Response:
    row = _job(session, job_id)
    note = add_note(
        JobState(row.id, JobStatus(row.status), row.crew_id),
        body.text,
        by=user.username,
        at=now_local(),
    )
    session.add(t.JobNoteRow(job_id=row.id, text=note.text, by=note.by, at=note.at))
    session.flush()
    return json_response(note.to_dict(), 201)


class RescheduleIn(BaseModel):
    earliest: When | None = Field(default=None, description="start no sooner than this")
    latest_start: When | None = Field(default=None, description="start no later than this")
    reason: str = Field(min_length=1, max_length=2000, description="why (kept in the history)")


@router.post(
    "/jobs/{job_id}/reschedule",
    summary="move a job to a new window (its deadline stays)",
    response_model=JobDetailOut,
)
def reschedule_job(
    job_id: str,
    body: RescheduleIn,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
) -> Response:
    """A new earliest and/or latest start with a reason, kept in the history; an assigned job
    goes back to open (the next plan places it); the hard deadline is never moved (a window
    that leaves no time before it is refused, 409). Rules: :func:`ops.job_notes.reschedule`."""
    row = _job(session, job_id)
    check_version(row.version, version, f"job {job_id}")
    value = job_value(row)
    done = reschedule(
        JobState(row.id, JobStatus(row.status), row.crew_id),
        earliest=local(body.earliest) if body.earliest else None,
        latest_start=local(body.latest_start) if body.latest_start else None,
        duration=value.duration,
        deadline=value.deadline,
        reason=body.reason,
        by=user.username,
        at=now_local(),
    )
    row.spec = {
        **row.spec,
        "earliest": None if done.earliest is None else done.earliest.isoformat(timespec="seconds"),
        "latest_start": None
        if done.latest_start is None
        else done.latest_start.isoformat(timespec="seconds"),
    }
    store_job_change(session, row, done.change)
    session.flush()
    return json_response(_detail(session, row, request), headers=etag(row.version))


class JobStatusIn(BaseModel):
    status: JobStatus
    crew: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=2000)


@router.post(
    "/jobs/{job_id}/status",
    summary="a job's status changes (who and when recorded)",
    response_model=JobOut,
)
def change_job_status(
    job_id: str, body: JobStatusIn, user: Dispatcher, version: IfMatch, session: SessionDep
) -> Response:
    row = _job(session, job_id)
    check_version(row.version, version, f"job {job_id}")
    crews = (
        ()
        if body.crew is None
        else session.scalars(select(t.Crew.id).where(t.Crew.id == body.crew)).all()
    )
    change = change_status(
        JobState(row.id, JobStatus(row.status), row.crew_id),
        body.status,
        by=user.username,
        at=now_local(),
        crew=body.crew,
        note=body.note,
        crews=crews,
    )
    store_job_change(session, row, change)
    session.flush()
    return json_response(job_dict(row), headers=etag(row.version))
