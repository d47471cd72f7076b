"""Plans: solve a date in the background, watch it, stop it, publish it, re-plan on an
emergency, and print the crews' sheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, status
from fastapi import Path as FastPath
from fastapi.responses import Response
from openpyxl import Workbook
from pydantic import BaseModel, Field
from sqlalchemy import JSON, ColumnElement, func, select, type_coerce
from sqlalchemy.orm import QueryableAttribute, Session, defer

from api.db import tables as t
from api.deps import Day, Dispatcher, IfMatch, PlanId, Reader, SessionDep, When, check_version, etag
from api.openapi import answers
from api.responses import Refused, json_response
from api.schemas import PlanDiffOut, PlanOut, PublishedPlanOut, SteeringOut
from api.store import (
    Produced,
    active_crews,
    add_jobs,
    calendar_config,
    crews_with_days,
    get_or_404,
    idempotent,
    job_value,
    links_of,
    local,
    now_local,
    outage_values,
    save_outage,
    store_job_change,
)
from api.webhooks import enqueue_notice_events
from ops.dispatch import CrewShift, plan_diff
from ops.emergency import CallOutRules
from ops.errors import Conflict
from ops.field import (
    POSITION_MAX_AGE,
    FieldReport,
    ReportKind,
    SharedPosition,
    last_words,
    replan_positions,
    reported_progress,
)
from ops.jobs import FieldJob, JobLink, field_job_from_dict
from ops.outages import LIVE, NoticeState
from ops.plan_warnings import plan_start, roster_warnings, start_warnings
from ops.plans import (
    PlanRequest,
    Publication,
    SolveTime,
    encode_problem,
    plan_outcome,
    replan_from,
    replan_start,
    replan_work,
    require_crews,
    solved_result,
)
from ops.plans import publish_plan as publish
from ops.plans import stop_plan as stop_planning
from ops.repairs import RepairChain, chain_from_jobs
from ops.steering import Edit, Steering, apply_edit, comparable, resolve_from, unsolved_edits
from ops.steering import check_version as check_plan_version
from ops.workflow import NOT_STARTED, PLANNING, JobState, JobStatus, PlanStatus
from routing.io import plan_from_state

router = APIRouter(prefix="/api/plans", tags=["plans"])

WORKER_KEYS = ("attempt", "host", "pid")


# the hours of emergency overtime when a request does not say, as the models describe them
OVERTIME = f"({CallOutRules().overtime / dt.timedelta(hours=1):g} h)"


class PlanIn(BaseModel):
    day: Day = Field(description="the day to plan")
    seconds: float | None = Field(
        strict=True, default=None, gt=0, le=600, description="solver time limit"
    )
    now: When | None = Field(
        default=None, description="plan from this time on (crews leave their depots then)"
    )
    overtime_hours: float | None = Field(
        strict=True,
        default=None,
        ge=0,
        le=6,
        description="how long crews may stay on emergency work past their shift; default: "
        f"the call-out rules {OVERTIME} when there is emergency work",
    )
    days: int = Field(
        strict=True, default=1, ge=1, le=7, description="working days to plan at once (a week view)"
    )


def plan_dict(
    row: t.Plan, *, full: bool = True, listed: tuple[int, int, dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """A plan for the API; ``listed``: (jobs, crews, summary) counted in the database, so a
    listing does not load the problems and results."""
    if listed is None:
        listed = (
            len(row.problem.get("jobs", [])),
            len(row.problem.get("crews", [])),
            (row.result or {}).get("summary"),
        )
    data: dict[str, Any] = {
        "id": row.id,
        "day": row.day.isoformat(),
        "status": row.status,
        "parent": row.parent_id,
        "network": row.network_id,
        "seconds": row.seconds,
        # the worker's attempt token, host and process are the planner's business
        "progress": {k: v for k, v in (row.progress or {}).items() if k not in WORKER_KEYS},
        "error": row.error,
        "created_by": row.created_by,
        "created_at": local(row.created_at).isoformat(timespec="seconds"),
        "published_at": local(row.published_at).isoformat(timespec="seconds")
        if row.published_at
        else None,
        "published_by": row.published_by,
        "version": row.version,
        "jobs": listed[0],
        "crews": listed[1],
        "warnings": None,  # a plan's own answer (get_plan) says them
    }
    if full:
        data["result"] = row.result
    elif listed[2] is not None:
        data["summary"] = listed[2]
    return data


def _in_json(
    session: Session, column: QueryableAttribute[Any], key: str
) -> tuple[ColumnElement[int], ColumnElement[Any]]:
    """The length of the list at ``key`` of a JSON column, and the value at ``key``, computed
    by the database (PostgreSQL's ``->``, SQLite's JSON1 paths)."""
    if session.get_bind().dialect.name == "postgresql":
        part = column.op("->")(key)
        return func.coalesce(func.json_array_length(part), 0), type_coerce(part, JSON)
    path = f"$.{key}"
    return (
        func.coalesce(func.json_array_length(column, path), 0),
        type_coerce(func.json_extract(column, path), JSON),
    )


def _gather(
    session: Session, request: Request
) -> tuple[list[FieldJob], list[JobLink], list[CrewShift], list[RepairChain]]:
    job_rows = session.scalars(select(t.Job).where(t.Job.status.in_(NOT_STARTED))).all()
    jobs = [job_value(r) for r in job_rows]
    ids = {j.id for j in jobs}
    links = links_of(session, ids)
    crews = active_crews(session)
    tickets = {j.ticket for j in jobs if j.ticket is not None}
    chains = []
    for ticket in sorted(tickets):
        row = session.get(t.RepairTicket, ticket)
        if row is None:
            continue
        start, end = (dt.datetime.fromisoformat(x) for x in row.report["expected"])
        chains.append(chain_from_jobs(ticket, jobs, (start, end)))
    return jobs, links, crews, chains


def _queue(session: Session, request: Request, row: t.Plan) -> Response:
    limit = request.app.state.settings.plans_per_user
    # the user's row is locked so that two requests of one user count one after the other
    # (SQLite's writers queue already; PostgreSQL needs the lock)
    session.execute(select(t.User.id).where(t.User.username == row.created_by).with_for_update())
    # re-plans (emergencies) and day plans count apart: routine plans never hold up a re-plan
    replan = row.parent_id is not None
    kind = t.Plan.parent_id.is_not(None) if replan else t.Plan.parent_id.is_(None)
    pending = session.scalars(
        select(t.Plan.id)
        .where(
            t.Plan.created_by == row.created_by,
            t.Plan.status.in_(PLANNING),
            kind,
        )
        .order_by(t.Plan.id)
    ).all()
    if len(pending) >= limit:
        what = "re-plans" if replan else "plans"
        raise Refused(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"you have {len(pending)} {what} queued or solving "
            f"({', '.join(str(p) for p in pending)}); the limit is {limit} {what} per user: "
            "wait for one to finish, or stop one (POST /api/plans/{id}/stop)",
            code="plans_queue_full",
            headers={"Retry-After": "10"},
            plans=[str(p) for p in pending],
            limit=limit,
        )
    session.add(row)
    session.flush()
    plan_id = row.id
    # the worker waits for this transaction to commit before it reads the row
    request.app.state.planner.submit(plan_id)
    return json_response(
        plan_dict(row, full=False),
        202,
        {"Location": f"/api/plans/{plan_id}", **etag(row.version)},
    )


@router.post(
    "",
    status_code=202,
    summary="solve a day in the background (poll GET /plans/{id})",
    response_model=PlanOut,
    responses=answers(429),  # too many plans of this user queued or solving
)
def create_plan(body: PlanIn, request: Request, user: Dispatcher, session: SessionDep) -> Response:
    settings = request.app.state.settings
    jobs, links, crews, chains = _gather(session, request)
    crews = crews_with_days(session, crews, body.day)  # absences, shift changes (ops.crews)
    require_crews(len(crews))
    registry = request.app.state.registry
    try:
        network_id: int | None = registry.latest_id(session)
    except Conflict:  # no network yet: plans without one
        network_id = None
    problem = encode_problem(
        body.day,
        jobs,
        links,
        crews,
        chains,
        PlanRequest(
            calendar=calendar_config(session, request),
            network_id=network_id,
            overtime_hours=body.overtime_hours,
            # a plan of today starts now (nothing placed in the past: ops.plan_warnings)
            now=_start(body.day, local(body.now) if body.now else None, crews),
            days=body.days,
        ),
    )
    row = t.Plan(
        day=body.day,
        network_id=network_id,
        status=PlanStatus.QUEUED,
        seconds=SolveTime().seconds(body.seconds, settings.solver_seconds, replan=False),
        problem=problem,
        created_by=user.username,
    )
    return _queue(session, request, row)


@router.get("", summary="plans, newest first", response_model=list[PlanOut])
def list_plans(
    _: Reader,
    session: SessionDep,
    day: Annotated[Day | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    jobs = _in_json(session, t.Plan.problem, "jobs")[0]
    crews = _in_json(session, t.Plan.problem, "crews")[0]
    summary = _in_json(session, t.Plan.result, "summary")[1]
    query = (
        select(t.Plan, jobs, crews, summary)
        .options(defer(t.Plan.problem), defer(t.Plan.result), defer(t.Plan.state))
        .order_by(t.Plan.id.desc())
        .limit(limit)
    )
    if day is not None:
        query = query.where(t.Plan.day == day)
    return json_response(
        [plan_dict(r, full=False, listed=(n, m, s)) for r, n, m, s in session.execute(query)]
    )


def _plan(session: Session, plan_id: int) -> t.Plan:
    return get_or_404(session, t.Plan, plan_id, "plan")


@router.get(
    "/{plan_id}",
    summary="a plan: its progress while solving, the result when ready",
    response_model=PlanOut,
)
def get_plan(plan_id: PlanId, _: Reader, session: SessionDep) -> Response:
    row = _plan(session, plan_id)
    data = plan_dict(row)
    data["warnings"] = [w.to_dict() for w in _warnings(session, row)]
    return json_response(data, headers=etag(row.version))


def _start(day: dt.date, asked: dt.datetime | None, crews: list[CrewShift]) -> str | None:
    start = plan_start(day, asked, now_local(), crews)
    return None if start is None else start.isoformat()


def _warnings(session: Session, row: t.Plan) -> list[Any]:
    """What the plan's answer warns of (ops.plan_warnings): made late in its day; the roster
    changed under its routes since."""
    if not row.result:
        return []
    planned = [CrewShift.from_dict(c) for c in row.problem.get("crews", [])]
    now = row.problem.get("now")
    out = []
    if row.parent_id is None:  # a re-plan (emergency) is from now by design
        out += start_warnings(row.day, dt.datetime.fromisoformat(now) if now else None, planned)
    days = [dt.date.fromisoformat(d) for d in row.result.get("days") or [row.day.isoformat()]]
    current = crews_with_days(session, active_crews(session), min(days), max(days))
    return out + roster_warnings(row.day, planned, row.result.get("routes", []), current)


@router.post(
    "/{plan_id}/stop",
    summary="stop solving: the best plan so far is kept",
    response_model=PlanOut,
)
def stop_plan(plan_id: PlanId, _: Dispatcher, session: SessionDep) -> Response:
    row = _plan(session, plan_id)
    stop = stop_planning(row.id, row.status)
    row.stop_requested = True
    if stop.status != row.status:
        row.status = stop.status
        row.error = stop.error
    session.flush()
    return json_response(plan_dict(row, full=False), headers=etag(row.version))


@router.post(
    "/{plan_id}/publish",
    summary="publish a ready plan to the crews",
    response_model=PublishedPlanOut,
)
def publish_plan(
    plan_id: PlanId,
    request: Request,
    user: Dispatcher,
    version: IfMatch,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    def produce() -> Produced:
        row = _plan(session, plan_id)
        check_version(row.version, version, f"plan {plan_id}")
        outcome = plan_outcome(row.result) if row.result is not None else None
        jobs = _job_rows(session, outcome.job_ids if outcome else frozenset())
        outages = (
            session.scalars(
                select(t.Outage).where(
                    t.Outage.source.in_(sorted(outcome.tickets)),
                    t.Outage.state.in_([*LIVE, NoticeState.DRAFT]),  # a draft follows too
                )
            ).all()
            if outcome
            else []
        )
        others = session.scalars(
            select(t.Plan).where(t.Plan.day == row.day, t.Plan.status == PlanStatus.PUBLISHED)
        ).all()
        now = now_local()
        done = publish(
            row.id,
            row.status,
            row.result,
            published=[p.id for p in others],
            jobs={i: JobState(r.id, JobStatus(r.status), r.crew_id) for i, r in jobs.items()},
            outages=outage_values(session, outages),
            by=user.username,
            at=now,
            lead=dt.timedelta(hours=request.app.state.settings.notice_lead_hours),
            unsolved_edits=unsolved_edits(row.problem),
        )
        _store_publication(session, row, done, jobs, outages, user.username)
        for moved in done.notices:  # their events go out with it (docs/webhooks.md)
            enqueue_notice_events(
                session,
                moved.outage,
                moved.first_new,
                request.app.state.issuer,
                request.app.state.webhooks.wake,
            )
        row.published_at = now
        row.published_by = user.username
        session.flush()
        body = {
            **plan_dict(row),
            "jobs_assigned": len(done.assigned),
            "jobs_suspended": [s.change.job.id for s in done.suspended],
            "notices_updated": [n.outage.id for n in done.notices],
        }
        return 200, body, etag(row.version)

    return idempotent(session, request, idempotency_key, user.username, produce, version)


def _job_rows(session: Session, ids: frozenset[str]) -> dict[str, t.Job]:
    """The stored jobs of ``ids`` by id (selected in chunks, under every database's limit of
    bound parameters)."""
    out: dict[str, t.Job] = {}
    ordered = sorted(ids)
    for k in range(0, len(ordered), 5000):
        out.update(
            (r.id, r)
            for r in session.scalars(select(t.Job).where(t.Job.id.in_(ordered[k : k + 5000])))
        )
    return out


def _store_publication(
    session: Session,
    row: t.Plan,
    done: Publication,
    jobs: dict[str, t.Job],
    outages: Sequence[t.Outage],
    username: str,
) -> None:
    """Store what :func:`ops.plans.publish_plan` decided: the plans' statuses, the rests of the
    jobs left (with their links), the jobs' steps, the notices moved."""
    for other in session.scalars(select(t.Plan).where(t.Plan.id.in_(done.superseded))):
        other.status = PlanStatus.SUPERSEDED
    row.status = done.status
    for left in done.suspended:
        if left.rest is not None:
            add_jobs(session, [left.rest], [left.link], username)
            for link in session.scalars(
                select(t.JobLink).where(
                    t.JobLink.before == left.link.before, t.JobLink.after.in_(left.successors)
                )
            ):
                link.before = left.rest.id
        store_job_change(session, jobs[left.change.job.id], left.change)
    session.flush()  # the rests are rows now: the plan may assign them
    for change in done.assigned:
        job = jobs.get(change.job.id) or session.get(t.Job, change.job.id)
        assert job is not None, f"job {change.job.id} of the plan is stored"
        store_job_change(session, job, change)
    by_id = {o.id: o for o in outages}
    for moved in done.notices:
        save_outage(
            session, by_id[moved.outage.id], moved.outage, username, first_new=moved.first_new
        )


class ReplanIn(BaseModel):
    now: When | None = Field(default=None, description="default: now")
    new_jobs: list[str] | None = Field(
        default=None, max_length=2000, description="default: every open job not in the plan"
    )
    positions: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="crew -> [lon, lat] from GPS"
    )
    seconds: float | None = Field(strict=True, default=None, gt=0, le=600)
    overtime_hours: float | None = Field(
        strict=True, default=None, ge=0, le=6, description=f"default: the call-out rules {OVERTIME}"
    )


@router.post(
    "/{plan_id}/replan",
    status_code=202,
    summary="insert new urgent jobs (emergency)",
    response_model=PlanOut,
)
def replan_plan(
    plan_id: PlanId, body: ReplanIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    parent = _plan(session, plan_id)
    queued = replan_from(parent.id, parent.status, solved=parent.state is not None)
    settings = request.app.state.settings
    jobs, _, crews, chains = _gather(session, request)
    crews = crews_with_days(session, crews, parent.day)  # absences, shift changes
    in_parent = [j["id"] for j in parent.problem["jobs"]]
    all_jobs, new = replan_work(
        [field_job_from_dict(d) for d in parent.problem["jobs"]], jobs, body.new_jobs
    )
    ids = {j.id for j in all_jobs}
    all_links = links_of(session, ids)
    now = local(body.now)
    replan_start(parent.day, now)
    positions = {k: [float(v[0]), float(v[1])] for k, v in body.positions.items()}
    # where the request names none, a crew starts from the position its phone shared last
    # (the field app), when fresh enough (ops.field.replan_positions)
    shared = [
        SharedPosition(str(e.crew_id), float(e.data["lon"]), float(e.data["lat"]), at)
        for e in session.scalars(
            select(t.LiveEvent).where(
                t.LiveEvent.kind == "position",
                t.LiveEvent.at >= now - POSITION_MAX_AGE,
            )
        )
        if e.crew_id and (at := local(dt.datetime.fromisoformat(e.data["at"])))
    ]
    # what the crews reported of the plan's jobs by now: where they are, not where the plan's
    # times put them (ops.field.as_reported)
    progress = reported_progress(
        FieldReport(r.id, r.job_id, r.crew_id, ReportKind(r.kind), local(r.made_at))
        for k in range(0, len(in_parent), 5000)  # under every database's limit of parameters
        for r in session.scalars(
            select(t.FieldReport).where(
                t.FieldReport.job_id.in_(in_parent[k : k + 5000]), t.FieldReport.status_code < 300
            )
        )
        if local(r.made_at) <= now and local(r.made_at).date() == parent.day
    )
    reported = last_words(progress.values())
    positions = {
        k: list(v) for k, v in replan_positions(positions, shared, now, reported=reported).items()
    }
    problem = encode_problem(
        parent.day,
        all_jobs,
        all_links,
        crews,
        chains,
        PlanRequest(
            calendar=calendar_config(session, request),
            network_id=parent.network_id,
            new_jobs=tuple(new),
            positions=positions,
            progress=progress,
            now=now.isoformat(),
            overtime_hours=body.overtime_hours,
        ),
    )
    row = t.Plan(
        day=parent.day,
        network_id=parent.network_id,
        parent_id=parent.id,
        status=queued,
        seconds=SolveTime().seconds(body.seconds, settings.solver_seconds, replan=True),
        problem=problem,
        created_by=user.username,
    )
    return _queue(session, request, row)


SHEET_COLUMNS = (
    "crew",
    "order",
    "job",
    "slot",  # which crew of the job this is: 1, or 2 for the second crew of a two-crew job
    "kind",
    "source",
    "arrival",
    "start",
    "end",
    "travel_min",
    "deadline_status",
    "lon",
    "lat",
    "description",
)


def _sheet_rows(row: t.Plan, crew: str | None) -> list[list[Any]]:
    result = solved_result(row.id, row.result)
    specs = {j["id"]: j for j in row.problem.get("jobs", [])}
    rows = []
    for route in result["routes"]:
        if crew is not None and route["crew"] != crew:
            continue
        for k, stop in enumerate(route["stops"], start=1):
            spec = specs.get(stop["job"], {})
            location = spec.get("location") or [None, None]
            rows.append(
                [
                    route["crew"],
                    k,
                    stop["job"],
                    stop.get("slot", 1),
                    stop.get("kind") or spec.get("kind"),
                    stop.get("source") or spec.get("source"),
                    stop["arrival"][11:16],
                    stop["start"][11:16],
                    stop["end"][11:16],
                    round(stop["travel"] / 60),
                    stop["deadline_status"],
                    location[0],
                    location[1],
                    spec.get("description", ""),
                ]
            )
    return rows


@router.get("/{plan_id}/sheets.csv", summary="the crews' sheets as CSV", responses=answers(409))
def sheets_csv(
    plan_id: PlanId,
    _: Reader,
    session: SessionDep,
    crew: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    row = _plan(session, plan_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SHEET_COLUMNS)
    writer.writerows(_sheet_rows(row, crew))
    return Response(
        buffer.getvalue().encode("utf-8-sig"),  # Excel opens UTF-8 with a BOM correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.csv"'},
    )


@router.get(
    "/{plan_id}/sheets.xlsx",
    summary="the crews' sheets as XLSX, one sheet per crew",
    responses=answers(409),  # no result yet
)
def sheets_xlsx(plan_id: PlanId, _: Reader, session: SessionDep) -> Response:
    row = _plan(session, plan_id)
    rows = _sheet_rows(row, None)
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "summary"
    summary = (row.result or {}).get("summary", {})
    first.append(["plan", plan_id])
    first.append(["day", row.day.isoformat()])
    for key, value in summary.items():
        first.append([key, value])
    by_crew: dict[str, list[list[Any]]] = {}
    for r in rows:
        by_crew.setdefault(str(r[0]), []).append(r)
    for crew_id, crew_rows in by_crew.items():
        sheet = book.create_sheet(crew_id[:31])
        sheet.append(list(SHEET_COLUMNS))
        for r in crew_rows:
            sheet.append(r)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.xlsx"'},
    )


# -- a dispatcher steers a ready plan (ops.steering), solves it again, compares two plans -----


class SteerIn(BaseModel):
    version: int = Field(
        strict=True, ge=1, description="the plan's version you read (its ETag, or the steering's)"
    )
    action: Literal["pin", "unpin", "move", "unassign", "restore", "lock", "unlock"]
    job: str | None = Field(default=None, max_length=64, description="the job (not for locks)")
    crew: str | None = Field(
        default=None, max_length=64, description="pin, move: to this crew; lock, unlock: its route"
    )
    start: When | None = Field(default=None, description="pin: the job starts then")
    why: str = Field(default="", max_length=500, description="the reason (unassign: required)")


class ResolveIn(BaseModel):
    version: int = Field(strict=True, ge=1, description="the plan's version you read")
    seconds: float | None = Field(strict=True, default=None, gt=0, le=600)


def _steering_dict(row: t.Plan) -> dict[str, Any]:
    steering = Steering.from_dict(row.problem.get("steering"))
    return {
        "plan": row.id,
        "version": row.version,
        "steered_from": row.problem.get("steered_from"),
        # the edits made since this plan was solved: its result does not show them yet
        "pending": unsolved_edits(row.problem),
        **steering.to_dict(),
    }


def _locked_plan(session: Session, plan_id: int) -> t.Plan:
    """The plan, its row locked until the edit commits (two edits of one plan queue)."""
    row = session.scalars(select(t.Plan).where(t.Plan.id == plan_id).with_for_update()).first()
    if row is None:
        return _plan(session, plan_id)  # its 404
    return row


@router.get(
    "/{plan_id}/steering",
    summary="what dispatchers fixed in the plan, and the history of their edits",
    response_model=SteeringOut,
)
def get_steering(plan_id: PlanId, _: Reader, session: SessionDep) -> Response:
    row = _plan(session, plan_id)
    return json_response(_steering_dict(row), headers=etag(row.version))


@router.post(
    "/{plan_id}/steer",
    summary="pin, move, unassign or restore a job, lock or unlock a crew's route",
    response_model=SteeringOut,
    responses=answers(409),  # not ready, locked, or changed by someone since you read it
)
def steer_plan(plan_id: PlanId, body: SteerIn, user: Dispatcher, session: SessionDep) -> Response:
    row = _locked_plan(session, plan_id)
    steering = Steering.from_dict(row.problem.get("steering"))
    check_plan_version(row.id, row.version, body.version, steering)
    result = row.result or {}
    new, _ = apply_edit(
        steering,
        Edit(body.action, body.job, body.crew, local(body.start) if body.start else None, body.why),
        plan=row.id,
        status=row.status,
        result=row.result,
        jobs={str(j["id"]): int(j.get("crews_required", 1)) for j in row.problem["jobs"]},
        links=[(str(lk["before"]), str(lk["after"])) for lk in row.problem.get("links", [])],
        days=[dt.date.fromisoformat(d) for d in result.get("days") or [row.day.isoformat()]],
        version=row.version + 1,
        by=user.username,
        at=now_local(),
    )
    row.problem = {**row.problem, "steering": new.to_dict()}
    session.flush()
    return json_response(_steering_dict(row), headers=etag(row.version))


@router.post(
    "/{plan_id}/resolve",
    status_code=202,
    summary="solve a ready plan again around what dispatchers fixed: a new plan",
    response_model=PlanOut,
    responses=answers(409, 429),
)
def resolve_plan(
    plan_id: PlanId, body: ResolveIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    source = _locked_plan(session, plan_id)
    steering = Steering.from_dict(source.problem.get("steering"))
    check_plan_version(source.id, source.version, body.version, steering)
    queued = resolve_from(source.id, source.status)
    row = t.Plan(
        day=source.day,
        network_id=source.network_id,
        parent_id=source.parent_id,
        status=queued,
        seconds=body.seconds or source.seconds,
        problem={
            **source.problem,
            "steered_from": source.id,
            "solved_edits": len(steering.history),
        },
        created_by=user.username,
    )
    return _queue(session, request, row)


@router.get(
    "/{plan_id}/diff/{other_id}",
    summary="what changed from this plan to the other: crews and times, jobs added and removed",
    response_model=PlanDiffOut,
    responses=answers(409),  # one has no result yet
)
def diff_plans(
    plan_id: PlanId,
    other_id: Annotated[int, FastPath(ge=1, le=2_147_483_647, description="the other plan")],
    _: Reader,
    session: SessionDep,
) -> Response:
    before, after = _plan(session, plan_id), _plan(session, other_id)
    comparable(
        (before.id, before.day, before.state is not None),
        (after.id, after.day, after.state is not None),
    )
    assert before.state is not None and after.state is not None
    diff = plan_diff(plan_from_state(before.state), plan_from_state(after.state), before.day)
    return json_response({"from": before.id, "to": after.id, **diff.to_dict()})
