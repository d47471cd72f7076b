"""The crews' field app (``/field``): a crew's day from the published plan, its jobs' detail, and
its reports from the street (applied once per id the phone gave them), photos and positions.

Only a crew's account (role ``crew``, bound to one crew) uses these routes, and only for its own
crew: the day is its route, a job is shown when it is the crew's, a report is taken on its own
jobs (ops.field). Every report, position and widened isolation is written to the live events
the dispatcher's console receives (api/routes/live.py). The rules are :mod:`ops.field`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Query,
    Request,
    UploadFile,
    status,
)
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db import tables as t
from api.db.fast import query_one
from api.deps import Day, Lat, Lon, Reader, SessionDep, When, authenticate, oauth2
from api.openapi import answers
from api.registry import valve_position
from api.responses import Refused, json_response, refusal
from api.schemas import CrewJobOut
from api.store import (
    active_crews,
    add_event,
    add_jobs,
    calendar,
    crews_with_days,
    event_words,
    job_dict,
    job_value,
    local,
    now_local,
    record_valve_status,
    store_job_change,
)
from ops.errors import Conflict, NotFound, OpsError
from ops.field import (
    MAX_AGE,
    FieldReport,
    OutboxSummary,
    ReportKind,
    apply_report,
    outbox_news,
    refusal_entry,
    widen_repair,
)
from ops.jobs import RepairStep
from ops.repairs import RepairReport, RepairRules, Severity
from ops.workflow import JobState, JobStatus, PlanStatus, TicketStatus

router = APIRouter(prefix="/api/field", tags=["field"])

#: A photo larger than this is refused (the app shrinks its photos to about 0.3 MB first).
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG": ".png", b"RIFF": ".webp"}
PHOTOS = "field-photos"  # under the data directory
REPORT_ID = r"^[A-Za-z0-9_-]{8,64}$"
CREW_SQL = "SELECT crew_id FROM users WHERE username = :name"


@dataclass(frozen=True)
class CrewMember:
    username: str
    crew: str


async def crew_member(
    request: Request, token: Annotated[str | None, Depends(oauth2)]
) -> CrewMember:
    """The crew a crew's account stands for; any other account is refused (403)."""
    user = authenticate(request.app.state, token)
    if user.role != "crew":
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            f"this needs the role crew (the field app is for crews' accounts); you are {user.role}",
            code="field_not_crew",
            role=user.role,
        )
    found = query_one(request.app.state.reader_engine, CREW_SQL, {"name": user.username})
    if found is None or not found[0]:
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            "this crew account names no crew: ask an admin to set it",
            code="field_account_no_crew",
        )
    return CrewMember(user.username, str(found[0]))


Member = Annotated[CrewMember, Depends(crew_member)]
REFUSED = answers(401, 403)


def live_event(session: Session, kind: str, crew: str | None, data: dict[str, Any]) -> None:
    """An event for the dispatcher's console, in the transaction of what it tells."""
    session.add(t.LiveEvent(kind=kind, crew_id=crew, at=now_local(), data=data))


# -- the crew's day --------------------------------------------------------------------------


@router.get("/day", summary="the crew's day: its route of the published plan", responses=REFUSED)
def crew_day(
    member: Member,
    session: SessionDep,
    day: Annotated[Day | None, Query(description="default today")] = None,
) -> Response:
    day = day or now_local().date()
    crew = session.get(t.Crew, member.crew)
    out: dict[str, Any] = {
        "day": day.isoformat(),
        "crew": member.crew,
        "username": member.username,
        "depot": [crew.depot_lon, crew.depot_lat] if crew else None,
        "plan": None,
        "stops": [],
        "geometry": None,
    }
    row = session.scalars(
        select(t.Plan)
        .where(t.Plan.status == PlanStatus.PUBLISHED, t.Plan.day <= day)
        .order_by(t.Plan.day.desc(), t.Plan.id.desc())
        .limit(5)
    ).all()
    plan = next((p for p in row if day.isoformat() in _days(p)), None)
    if plan is None or plan.result is None:
        return json_response(out)
    out["plan"] = plan.id
    route = next((r for r in plan.result.get("routes", []) if r.get("crew") == member.crew), None)
    if route is None:
        return json_response(out)
    stops = [s for s in route.get("stops", []) if str(s.get("start", ""))[:10] == day.isoformat()]
    rows = {
        j.id: j
        for j in session.scalars(select(t.Job).where(t.Job.id.in_([s["job"] for s in stops])))
    }
    for n, stop in enumerate(stops, start=1):
        job = rows.get(stop["job"])
        spec = job.spec if job else {}
        out["stops"].append(
            {
                "order": n,
                "job": stop["job"],
                "slot": stop.get("slot", 1),
                "kind": stop.get("kind") or spec.get("kind"),
                "arrival": stop["arrival"],
                "start": stop["start"],
                "end": stop["end"],
                "travel_min": round(float(stop.get("travel", 0)) / 60),
                "status": job.status if job else None,
                "mine": job is not None and job.crew_id == member.crew,
                "description": spec.get("description", ""),
                # the description as a key and params, said in the app's language (issue 18)
                "describe": spec.get("describe"),
                "part": spec.get("part", 1),
                "location": spec.get("location"),
                "valve": spec.get("valve"),
                "ticket": spec.get("ticket"),
                "step": spec.get("step"),
                "deadline": spec.get("deadline") or spec.get("due"),
            }
        )
    out["geometry"] = route.get("geometry")
    out["depart"], out["arrive"] = route.get("depart"), route.get("arrive")
    return json_response(out)


def _days(plan: t.Plan) -> list[str]:
    days = (plan.result or {}).get("days") or [plan.day.isoformat()]
    return [str(d) for d in days]


# -- a job's detail --------------------------------------------------------------------------


def _crew_job(session: Session, member: CrewMember, job_id: str) -> t.Job:
    row = session.get(t.Job, job_id)
    # another crew's job is not shown (as if it did not exist): a crew sees its own work
    if row is None or row.crew_id != member.crew:
        raise NotFound(
            f"no job {job_id} of crew {member.crew}",
            code="field_not_crews_job",
            job=job_id,
            crew=member.crew,
        )
    return row


@router.get(
    "/jobs/{job_id}",
    summary="one of the crew's jobs in detail",
    responses=REFUSED,
    response_model=CrewJobOut,
)
def crew_job(job_id: str, request: Request, member: Member, session: SessionDep) -> Response:
    row = _crew_job(session, member, job_id)
    data = job_dict(row)
    data["history"] = [
        {
            "status": e.status,
            "note": e.note,
            "by": e.by,
            "at": local(e.at).isoformat("T", "seconds"),
            **event_words(e.note, e.key, e.params),
        }
        for e in session.scalars(
            select(t.JobEvent).where(t.JobEvent.job_id == job_id).order_by(t.JobEvent.id)
        )
    ]
    ticket = session.get(t.RepairTicket, row.ticket) if row.ticket else None
    registry = request.app.state.registry
    network_id = ticket.network_id if ticket else registry.latest_id(session)
    loaded = registry.get(session, network_id)
    if row.valve:
        data["valve_detail"] = valve_detail(loaded, row.valve)
    if ticket is not None:
        data["repair"] = _repair_detail(session, ticket, member.crew)
    return json_response(data)


def valve_detail(loaded: Any, valve_id: str) -> dict[str, Any]:
    """A valve as a crew needs it: where, on what, how large, about how many turns to shut."""
    out = valve_position(loaded, valve_id)
    network = loaded.network
    i = network.valve_index(valve_id)
    dn = float(network.pipes.diameter_mm[network.valves.pipe[i]])
    out["dn_mm"] = round(dn)
    # gate valves take about three turns per inch of bore, plus two (the data has no count)
    out["turns_estimate"] = round(3 * dn / 25.4 + 2)
    return out


def _repair_detail(session: Session, ticket: t.RepairTicket, crew: str) -> dict[str, Any]:
    """The repair's isolation: each valve to close, who closes it and where that stands."""
    isolation = ticket.case.get("isolation", {})
    # each valve's closing job (its first part), found by its typed fields, not by its id
    closing = {
        j.valve: j
        for j in session.scalars(
            select(t.Job).where(
                t.Job.ticket == ticket.id, t.Job.step == RepairStep.CLOSE, t.Job.part == 1
            )
        ).all()
    }
    valves = []
    for v in isolation.get("valves_to_close", []):
        close = closing.get(v["id"])
        valves.append(
            {
                "id": v["id"],
                "pipe": v.get("pipe_id") or v.get("pipe"),
                "location": v.get("location") or v.get("lonlat"),
                "job": close.id if close else None,
                "crew": close.crew_id if close else None,
                "status": close.status if close else None,
                "mine": close is not None and close.crew_id == crew,
            }
        )
    customers = isolation.get("customers", {})
    return {
        "ticket": ticket.id,
        "pipe": ticket.pipe_id,
        "severity": ticket.severity,
        "status": ticket.status,
        "valves_to_close": valves,
        "inoperable": list(ticket.report.get("inoperable", [])),
        "customers": customers.get("count", customers.get("total")),
        "widened": ticket.case.get("widened", []),
    }


# -- reports -----------------------------------------------------------------------------------


class ReportIn(BaseModel):
    id: str = Field(pattern=REPORT_ID, description="the phone's id of the report (a UUID)")
    job: str = Field(min_length=1, max_length=96)
    kind: ReportKind
    made_at: When = Field(description="when the crew made it, on the phone")
    note: str = Field(default="", max_length=2000)
    reason: str = Field(default="", max_length=2000, description="could_not_do: why")
    valve: str | None = Field(
        default=None, max_length=64, description="valve_inoperable: which (default the job's)"
    )
    lon: Lon | None = None
    lat: Lat | None = None


@router.post(
    "/reports",
    status_code=201,
    summary="a crew's report on one of its jobs (applied once per id)",
    responses=REFUSED,
)
def report(body: ReportIn, request: Request, member: Member, session: SessionDep) -> Response:
    """Sent again with the same id (a phone that lost the answer, its queue replayed), it gets
    the first answer and changes nothing. A report the rules refuse is kept too (its answer,
    the job's history, the live feed) and changes nothing: sent again, it gets its refusal."""
    if body.kind is ReportKind.PHOTO:
        raise Refused(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a photo is sent to POST /api/field/photos",
            code="field_photo_elsewhere",
        )
    return _take(session, request, member, body, None, None)


@router.post(
    "/photos",
    status_code=201,
    summary="a photo of one of the crew's jobs (applied once per id)",
    responses={**REFUSED, **answers(413)},
)
def photo(
    request: Request,
    member: Member,
    session: SessionDep,
    id: Annotated[str, Form(pattern=REPORT_ID)],
    job: Annotated[str, Form(min_length=1, max_length=96)],
    made_at: Annotated[When, Form()],
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 5 MB")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    data = file.file.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        raise Refused(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the photo is larger than {PHOTO_MAX_BYTES // (1024 * 1024)} MB: send a smaller one",
            code="photo_too_large",
            mb=PHOTO_MAX_BYTES // (1024 * 1024),
        )
    suffix = next((s for magic, s in PHOTO_TYPES.items() if data.startswith(magic)), None)
    if suffix is None:
        raise Refused(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "the photo is not a JPEG, PNG or WebP image",
            code="photo_not_image",
        )
    body = ReportIn(id=id, job=job, kind=ReportKind.PHOTO, made_at=made_at, note=note)
    digest = hashlib.sha256(data).hexdigest()
    return _take(session, request, member, body, data, (suffix, digest))


def _take(
    session: Session,
    request: Request,
    member: CrewMember,
    body: ReportIn,
    photo: bytes | None,
    photo_kind: tuple[str, str] | None,
) -> Response:
    payload = body.model_dump(mode="json")
    if photo_kind is not None:
        payload["photo_sha256"] = photo_kind[1]
    fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    seen = session.get(t.FieldReport, body.id)
    if seen is not None:
        if seen.crew_id != member.crew or seen.request_hash != fingerprint:
            raise Conflict(
                f"report id {body.id} was used for another report: give each report its own id",
                code="field_report_id_reused",
                report=body.id,
            )
        # a refusal too: the same report gets the same answer
        return json_response(seen.answer, status_code=seen.status_code, headers=REPLAYED)
    row = session.get(t.Job, body.job, with_for_update=True)
    now = now_local()
    report = FieldReport(
        body.id,
        body.job,
        member.crew,
        body.kind,
        local(body.made_at),
        body.note,
        body.reason,
        body.valve,
    )
    try:
        if row is None:
            raise NotFound(f"no job {body.job}", code="not_found", what="job", key=body.job)
        state = JobState(row.id, JobStatus(row.status), row.crew_id)
        outcome = apply_report(
            report, state, by=member.username, received_at=now, job_valve=row.valve
        )
    except OpsError as refused:  # apply_report's refusals carry their code and params
        return _refused(session, member, body, report, row, refused, fingerprint, now)
    store_job_change(session, row, outcome.change)
    widened = None
    if outcome.failed_valve is not None:
        widened = _valve_failed(session, request, member, row, outcome.failed_valve, now)
    stored_photo = None
    if photo is not None and photo_kind is not None:
        folder = Path(request.app.state.settings.data_dir).resolve() / PHOTOS / member.crew
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{body.id}{photo_kind[0]}"
        (folder / name).write_bytes(photo)
        stored_photo = f"{PHOTOS}/{member.crew}/{name}"
    session.flush()
    answer = {
        "id": body.id,
        "kind": str(body.kind),
        "made_at": local(body.made_at).isoformat(timespec="seconds"),
        "received_at": now.isoformat(timespec="seconds"),
        "job": job_dict(row),
        "widened": widened,
        "photo": f"/api/field/photos/{body.id}" if stored_photo else None,
    }
    session.add(
        _kept(body, member, fingerprint, now, outcome.failed_valve, stored_photo, 201, answer)
    )
    live_event(
        session,
        "report",
        member.crew,
        {
            "report": body.id,
            "crew": member.crew,
            "job": body.job,
            "kind": str(body.kind),
            "status": row.status,
            "made_at": answer["made_at"],
            "note": body.note,
            "reason": body.reason,
            "valve": outcome.failed_valve,
            "description": row.spec.get("description", ""),
            "location": row.spec.get("location"),
            "photo": answer["photo"],
            "widened": widened,
        },
    )
    if body.lon is not None and body.lat is not None:
        _position(session, member, body.lon, body.lat, local(body.made_at), None)
    return json_response(answer, status_code=201)


REPLAYED = {"Idempotent-Replay": "true"}


def _kept(
    body: ReportIn,
    member: CrewMember,
    fingerprint: str,
    now: dt.datetime,
    valve: str | None,
    photo: str | None,
    status_code: int,
    answer: dict[str, Any],
) -> t.FieldReport:
    """The row a report is kept by, taken or refused: its id with the request's fingerprint
    and the answer it got (a replay of the id gets that answer again), the valve it named as
    failed and its stored photo, if any."""
    return t.FieldReport(
        id=body.id,
        crew_id=member.crew,
        job_id=body.job,
        kind=str(body.kind),
        made_at=local(body.made_at),
        received_at=now,
        note=body.note,
        reason=body.reason,
        valve=valve,
        photo=photo,
        lon=body.lon,
        lat=body.lat,
        by=member.username,
        request_hash=fingerprint,
        status_code=status_code,
        answer=answer,
    )


def _refused(
    session: Session,
    member: CrewMember,
    body: ReportIn,
    report: FieldReport,
    row: t.Job | None,
    refused: OpsError,
    fingerprint: str,
    now: dt.datetime,
) -> Response:
    """A report refused by the rules is kept, not lost (docs/field-app.md): by its id with its
    answer (a replay gets it again), in the job's history and on the live feed; the job does
    not move. The answer is the service's usual refusal (:func:`api.responses.refusal`, as
    api/app.py answers any domain error) naming the report. It is returned, not raised: a
    raise would roll back the transaction that keeps it."""
    code, answer = refusal(refused)
    answer = {"code": None, "params": {}, **answer, "report": body.id}
    made_at = local(body.made_at)
    if row is not None:
        state = JobState(row.id, JobStatus(row.status), row.crew_id)
        add_event(
            session, refusal_entry(report, state, refused, by=member.username, received_at=now)
        )
    session.add(_kept(body, member, fingerprint, now, body.valve, None, code, answer))
    live_event(
        session,
        "report_refused",
        member.crew,
        {
            "report": body.id,
            "crew": member.crew,
            "job": body.job,
            "kind": str(body.kind),
            "status": row.status if row is not None else None,
            "made_at": made_at.isoformat(timespec="seconds"),
            "note": body.note,
            "reason": body.reason,
            "detail": answer["detail"],
            "code": answer["code"],
            "params": answer["params"],
            "description": row.spec.get("description", "") if row is not None else "",
        },
    )
    return json_response(answer, status_code=code)


def _valve_failed(
    session: Session,
    request: Request,
    member: CrewMember,
    row: t.Job,
    valve: str,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """A valve found inoperable: kept for every later isolation, and the open repair it was
    to shut for is re-isolated without it (its new jobs added, the old ones cancelled)."""
    ticket = session.get(t.RepairTicket, row.ticket) if row.ticket else None
    registry = request.app.state.registry
    network_id = ticket.network_id if ticket else registry.latest_id(session)
    loaded = registry.get(session, network_id)
    note = f"found inoperable by crew {member.crew} on job {row.id}"
    record_valve_status(session, loaded, valve, False, note, member.username)
    if ticket is None or ticket.status != TicketStatus.OPEN:
        return None
    known = tuple(ticket.report.get("inoperable", []))
    if valve in known:
        return None  # this repair's isolation counts on it already
    location = ticket.report.get("location")
    first = RepairReport(
        ticket.id,
        local(ticket.reported_at),
        Severity(ticket.severity),
        pipe_id=ticket.pipe_id,
        location=(location[0], location[1]) if location else None,
        description=ticket.report.get("description", ""),
        inoperable_valves=tuple(sorted({*loaded.failed, *known} - {valve})),
    )
    rows = {j.id: j for j in session.scalars(select(t.Job).where(t.Job.ticket == ticket.id))}
    states = {j.id: JobState(j.id, JobStatus(j.status), j.crew_id) for j in rows.values()}
    states[row.id] = JobState(row.id, JobStatus(row.status), row.crew_id)  # as just reported
    # each job with its typed fields (step, valve): widen_repair reads nothing from an id
    chain = [(job_value(j), states[j.id]) for j in rows.values()]
    lead = dt.timedelta(hours=request.app.state.settings.notice_lead_hours)
    # the expected window by the roster, as POST /api/repairs found it (ops.emergency)
    crews = active_crews(session)
    widening = widen_repair(
        first,
        loaded.isolator,
        valve,
        chain,
        by=member.username,
        at=now,
        rules=RepairRules(notice_lead=lead),
        roster=crews_with_days(session, crews, first.reported_at.date()) or None,
        calendar=calendar(request, session),
        travel=loaded.roads,  # the drive as POST /api/repairs counted it: the roads
    )
    for change in widening.changes:
        store_job_change(session, rows[change.job.id], change)
    add_jobs(session, widening.jobs, widening.links, member.username)
    case = widening.case
    entry = {
        "valve": valve,
        "by": member.username,
        "crew": member.crew,
        "job": row.id,
        "at": now.isoformat(timespec="seconds"),
        "added": [j.id for j in widening.jobs],
        "added_valves": list(widening.added_valves),
        "cancelled": [c.job.id for c in widening.changes],
    }
    data = case.to_dict()
    data["isolation"] = case.isolation.to_dict()
    data["widened"] = [*ticket.case.get("widened", []), entry]
    ticket.case = data
    ticket.report = {
        **ticket.report,
        "inoperable": list(case.report.inoperable_valves),
        "expected": [x.isoformat() for x in case.expected_window()],
    }
    summary = {**entry, "ticket": ticket.id, "message": widening.summary()}
    live_event(session, "isolation_widened", member.crew, summary)
    return summary


@router.get("/photos/{report_id}", summary="a crew's photo (dispatchers)", response_class=Response)
def get_photo(report_id: str, request: Request, _: Reader, session: SessionDep) -> Response:
    row = session.get(t.FieldReport, report_id)
    if row is None or not row.photo:
        raise NotFound(f"no photo {report_id}", code="not_found", what="photo", key=report_id)
    path = Path(request.app.state.settings.data_dir).resolve() / row.photo
    return FileResponse(path)


# -- positions ---------------------------------------------------------------------------------


class PositionIn(BaseModel):
    lon: Lon
    lat: Lat
    at: When | None = Field(default=None, description="when the phone took it; default now")
    accuracy_m: float | None = Field(strict=True, default=None, ge=0, le=100_000)


@router.post(
    "/position",
    status_code=204,
    summary="the crew's position (when it shares it)",
    responses=REFUSED,
)
def position(body: PositionIn, member: Member, session: SessionDep) -> Response:
    _position(session, member, body.lon, body.lat, local(body.at), body.accuracy_m)
    return Response(status_code=204)


def _position(
    session: Session,
    member: CrewMember,
    lon: float,
    lat: float,
    at: dt.datetime,
    accuracy: float | None,
) -> None:
    live_event(
        session,
        "position",
        member.crew,
        {
            "crew": member.crew,
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "at": at.isoformat(timespec="seconds"),
            "accuracy_m": accuracy,
        },
    )


# -- the phone's outbox, for the dispatcher ------------------------------------------------------


class OutboxErrorIn(BaseModel):
    status: int | None = Field(default=None, strict=True, ge=100, le=599)
    detail: str | None = Field(default=None, max_length=500)
    network: bool = Field(default=False, description="the connection failed, the service answers")


class OutboxIn(BaseModel):
    held: int = Field(strict=True, ge=0, le=100_000, description="reports held (0: all went)")
    oldest: When | None = Field(default=None, description="when the oldest held was made")
    job: str | None = Field(default=None, min_length=1, max_length=96)
    kind: ReportKind | None = None
    error: OutboxErrorIn | None = Field(default=None, description="the last error met")

    @model_validator(mode="after")
    def _names_the_oldest(self) -> OutboxIn:
        if self.held and (self.oldest is None or self.job is None):
            raise ValueError("reports held: give the oldest's made_at (oldest) and its job")
        return self


@router.post(
    "/outbox",
    status_code=204,
    summary="what the crew's phone holds, not sent (the service kept failing on it)",
    responses=REFUSED,
)
def outbox(body: OutboxIn, member: Member, session: SessionDep) -> Response:
    """The dispatcher is told live (event ``outbox``) when it is news (ops.field.outbox_news):
    reports held and not what was told already, or none any more after some were."""
    summary = OutboxSummary(
        member.crew,
        body.held,
        local(body.oldest) if body.oldest is not None else None,
        body.job,
        body.kind,
        body.error.model_dump() if body.error is not None else None,
    )
    last = session.scalars(
        select(t.LiveEvent)
        .where(t.LiveEvent.kind == "outbox", t.LiveEvent.crew_id == member.crew)
        .order_by(t.LiveEvent.id.desc())
        .limit(1)
    ).first()
    previous = OutboxSummary.from_dict(last.data) if last is not None else None
    if outbox_news(previous, summary):
        live_event(session, "outbox", member.crew, summary.to_dict())
    return Response(status_code=204)


@router.get("/outboxes", summary="the crews whose phones hold reports not sent (dispatchers)")
def outboxes(_: Reader, session: SessionDep) -> Response:
    """Each crew's last summary, when it holds reports, told at most three days ago (older, its
    reports would be refused as too old: ops.field.MAX_AGE)."""
    last = (
        select(func.max(t.LiveEvent.id))
        .where(t.LiveEvent.kind == "outbox", t.LiveEvent.at >= now_local() - MAX_AGE)
        .group_by(t.LiveEvent.crew_id)
    )
    rows = session.scalars(
        select(t.LiveEvent).where(t.LiveEvent.id.in_(last)).order_by(t.LiveEvent.crew_id)
    ).all()
    return json_response(
        [
            {
                **r.data,
                "id": r.id,
                "event": r.kind,
                "crew": r.crew_id,
                "at": local(r.at).isoformat(timespec="seconds"),
            }
            for r in rows
            if r.data.get("held")
        ]
    )
