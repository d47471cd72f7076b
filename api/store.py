"""Between the tables and the domain: ids, idempotency, and rows to and from the values of
``ops/`` and ``routing/``. No rule of the utility is decided here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Insert, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from api.clock import now_local
from api.db import tables as t
from api.registry import LoadedNetwork
from ops.calendar import TZ, CalendarBasis, WorkCalendar, calendar_from_config
from ops.connections import (
    ApplicationStatus,
    ConnectionApplication,
    ConnectionRules,
    follow_up_visit,
    open_connection,
)
from ops.crews import Absence, AbsenceReason, ShiftChange, refuse_overlap, with_days
from ops.dispatch import CrewShift
from ops.errors import Conflict, NotFound
from ops.field import history_words
from ops.history import FIELD_REPORT, history_text, revision_text, valve_note_text
from ops.jobs import FieldJob, JobKind, JobLink, field_job_from_dict
from ops.outages import (
    AuthorityRecord,
    NoticeState,
    Outage,
    OutageKind,
    RecordKind,
    Revision,
    content_from_dict,
)
from ops.workflow import CLOSED, JobChange, JobEvent, JobStatus

# id sequences: applications, tickets, outages, surveys; CAL counts changes of the kept
# calendar years, so that every process of the service rebuilds its calendar after one
COUNTERS = ("APP", "T", "OUT", "LS", "CAL")


def next_id(session: Session, prefix: str) -> str:
    """``PREFIX-000042``: the next number of a sequence, inside the transaction (the counter
    rows are created at start-up, so the update is the only write and it locks the row)."""
    value = session.scalar(
        update(t.Counter)
        .where(t.Counter.name == prefix)
        .values(value=t.Counter.value + 1)
        .returning(t.Counter.value)
    )
    if value is None:
        raise RuntimeError(f"counter {prefix} missing: the start-up did not create it")
    return f"{prefix}-{int(value):06d}"


def ensure_counters(session: Session) -> None:
    for name in COUNTERS:
        if session.get(t.Counter, name) is None:
            session.add(t.Counter(name=name, value=0))


def local(moment: dt.datetime | None) -> dt.datetime:
    """A time from the client or the database as an aware Kaifeng time (naive = Kaifeng)."""
    if moment is None:
        return now_local()
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


def calendar_config(session: Session, request: Request) -> dict[str, Any]:
    """The calendar's settings with the years the utility kept (what a planner worker needs
    to build the same calendar in its own process)."""
    config = request.app.state.settings.calendar_config()
    years = {
        str(row.year): {"days_off": row.days_off, "workdays": row.workdays, "source": _source(row)}
        for row in session.scalars(select(t.CalendarYear))
    }
    if years:
        config["years"] = years
    return config


def _source(row: t.CalendarYear) -> str:
    published = f", {row.published_on.isoformat()}" if row.published_on else ""
    return f"{row.document}{published}"


def calendar(request: Request, session: Session) -> WorkCalendar:
    """The working-day calendar: the settings and the kept years, rebuilt when an admin has
    changed a year (the CAL counter moved) in this process or another."""
    counter = session.get(t.Counter, "CAL")
    generation = 0 if counter is None else counter.value
    cached: tuple[int, WorkCalendar] | None = getattr(request.app.state, "calendar", None)
    if cached is None or cached[0] != generation:
        cached = (generation, calendar_from_config(calendar_config(session, request)))
        request.app.state.calendar = cached
    return cached[1]


def connection_rules(request: Request) -> ConnectionRules:
    rules: ConnectionRules | None = getattr(request.app.state, "connection_rules", None)
    if rules is None:
        rules = ConnectionRules.from_config(request.app.state.settings.connection_rules)
        request.app.state.connection_rules = rules
    return rules


Row = TypeVar("Row")
#: What the effect of an idempotent request answers: (status, JSON body, headers).
Produced = tuple[int, dict[str, Any], dict[str, str]]


def get_or_404(session: Session, model: type[Row], key: object, what: str) -> Row:
    """The row of ``model`` with primary key ``key``; :class:`~ops.errors.NotFound` (404)
    that names it when there is none."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {what} {key}", code="not_found", what=what, key=str(key))
    return row


# -- idempotency ---------------------------------------------------------------------------


def idempotent(
    session: Session,
    request: Request,
    key: str | None,
    username: str,
    produce: Callable[[], Produced],
    payload: object = None,
) -> Response:
    """Run ``produce`` once per ``Idempotency-Key``: a repeat of the same POST gets the stored
    response (status, body, ETag and Location), so a client that lost the answer (a timeout, a
    crash) can safely send it again. The same key with a different ``payload`` is refused."""
    fingerprint = hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode()
    ).hexdigest()
    if key is not None:
        if not 1 <= len(key) <= 128:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, "Idempotency-Key must be 1 to 128 characters"
            )
        seen = _take_key(session, key, username, request, fingerprint)
        if seen is not None:
            if (
                seen.path != request.url.path
                or seen.method != request.method
                or (seen.request_hash is not None and seen.request_hash != fingerprint)
            ):
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    f"Idempotency-Key {key!r} was already used for another request "
                    f"({seen.method} {seen.path}): use a new key for a new request",
                )
            return JSONResponse(
                json.loads(seen.body),
                status_code=seen.status_code,
                headers={**(seen.headers or {}), "Idempotent-Replayed": "true"},
            )
    code, body, headers = produce()
    if key is not None:  # the answer goes into the key's row, in the effect's transaction
        session.execute(
            update(t.IdempotencyKey)
            .where(t.IdempotencyKey.key == key, t.IdempotencyKey.username == username)
            .values(
                status_code=code,
                body=json.dumps(body, ensure_ascii=False, default=str),
                headers=dict(headers),
            )
        )
    return JSONResponse(body, status_code=code, headers=headers)


def _take_key(
    session: Session, key: str, username: str, request: Request, fingerprint: str
) -> t.IdempotencyKey | None:
    """Take ``key`` for this request (None), or return the stored answer of the request that
    took it. The key's row is inserted before the effect: a concurrent request with the same
    key waits on the unique index until the first commits (then its answer is read and
    replayed) or rolls back (then the key is this request's)."""
    seen = session.get(t.IdempotencyKey, (key, username))
    if seen is not None:
        return seen
    values = {
        "key": key,
        "username": username,
        "method": request.method,
        "path": request.url.path,
        "status_code": 0,  # replaced by the answer before the transaction commits
        "body": "null",
        "request_hash": fingerprint,
        "headers": {},
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Insert = pg_insert(t.IdempotencyKey).values(values).on_conflict_do_nothing()
    else:  # SQLite (writers queue on its lock already, so the first read above saw any other)
        statement = sqlite_insert(t.IdempotencyKey).values(values).on_conflict_do_nothing()
    taken = session.execute(statement.returning(t.IdempotencyKey.key)).first()
    if taken is not None:
        return None
    return session.scalars(
        select(t.IdempotencyKey)
        .where(t.IdempotencyKey.key == key, t.IdempotencyKey.username == username)
        .execution_options(populate_existing=True)
    ).one()


# -- jobs ----------------------------------------------------------------------------------


def add_jobs(
    session: Session, jobs: Sequence[FieldJob], links: Sequence[JobLink], username: str
) -> None:
    for job in jobs:
        if session.get(t.Job, job.id) is not None:
            raise Conflict(f"job {job.id} exists already", code="job_exists", job=job.id)
        session.add(
            t.Job(
                id=job.id,
                source=job.source,
                kind=str(job.kind),
                spec=job.to_dict(),
                status=JobStatus.OPEN,
                **job_columns(job),
                updated_by=username,
            )
        )
        session.add(
            t.JobEvent(
                job_id=job.id,
                status=JobStatus.OPEN,
                by=username,
                note="created",
                key="created",
                params={},
            )
        )
    for link in links:
        session.add(
            t.JobLink(
                before=link.before,
                after=link.after,
                gap_s=round(link.gap.total_seconds()),
                max_gap_s=None if link.max_gap is None else round(link.max_gap.total_seconds()),
                required=link.required,
            )
        )


def job_columns(job: FieldJob) -> dict[str, Any]:
    """The columns of the jobs table that keep a job's typed fields beside its ``spec`` (to
    find jobs by them)."""
    return {
        "ticket": job.ticket,
        "valve": job.valve,
        "step": None if job.step is None else str(job.step),
        "dma": job.dma,
        "rest_of": job.rest_of,
        "part": job.part,
        "suspended": job.suspended,
        "application": job.application,
        "water_on": job.water_on,
        "calendar": None if job.calendar is None else job.calendar.to_dict(),
    }


def job_value(row: t.Job) -> FieldJob:
    return field_job_from_dict(row.spec)


def job_dict(row: t.Job) -> dict[str, Any]:
    return {
        "describe": None,  # a job stored before jobs had it (FieldJob.describe)
        **row.spec,
        "status": row.status,
        "crew": row.crew_id,
        "version": row.version,
        "updated_at": local(row.updated_at).isoformat(timespec="seconds"),
        "updated_by": row.updated_by,
    }


def event_words(
    note: str, key: str | None = None, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What a history entry says for a client to word: the field report it records
    (``report``, its kind) and the rest of the note as written (``detail``); else its key and
    params (``words``). The key and params stored with the entry count (``params`` None: an
    entry stored before they were, read back from its note, :func:`ops.history.history_text`);
    a stored entry without a key is someone's own words."""
    if params is not None:
        if key == FIELD_REPORT:
            return {"report": params["report"], "detail": params["detail"], "words": None}
        words = None if key is None else {"key": key, "params": dict(params)}
        return {"report": None, "detail": "", "words": words}
    said = history_words(note)
    if said is None:
        text = history_text(note)
        return {"report": None, "detail": "", "words": None if text is None else text.to_dict()}
    return {"report": said[0], "detail": said[1], "words": None}


def store_job_change(session: Session, row: t.Job, change: JobChange) -> None:
    """Store a step of the job status machine (:mod:`ops.workflow`): the row and its history."""
    event = change.event
    row.status = str(change.job.status)
    row.crew_id = change.job.crew
    row.updated_by = event.by
    row.updated_at = event.at
    add_event(session, event)


def add_event(session: Session, event: JobEvent) -> None:
    """A line of a job's history (an :mod:`ops.workflow` event) as its row."""
    session.add(
        t.JobEvent(
            job_id=event.job,
            status=str(event.status),
            crew_id=event.crew,
            note=event.note,
            by=event.by,
            at=event.at,
            key=event.key,
            params=dict(event.params),
        )
    )


def links_of(session: Session, job_ids: set[str]) -> list[JobLink]:
    """The links between the given jobs (selected in the database, not over the whole table)."""
    rows: list[t.JobLink] = []
    ids = sorted(job_ids)
    for k in range(0, len(ids), 5000):  # under every database's limit of bound parameters
        rows += session.scalars(select(t.JobLink).where(t.JobLink.before.in_(ids[k : k + 5000])))
    return [
        JobLink(
            r.before,
            r.after,
            dt.timedelta(seconds=r.gap_s),
            None if r.max_gap_s is None else dt.timedelta(seconds=r.max_gap_s),
            bool(r.required),
        )
        for r in rows
        if r.after in job_ids
    ]


# -- crews ---------------------------------------------------------------------------------


def _clock(text: str | None) -> dt.time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def crew_value(row: t.Crew) -> CrewShift:
    """The crew of a row: the one mapper from the table to the core (:func:`crew_columns` is
    the other way); a time the row lacks is the dataclass's default."""
    return CrewShift(
        id=row.id,
        skills=frozenset(row.skills),
        depot=(row.depot_lon, row.depot_lat),
        start=_clock(row.shift_start) or CrewShift.start,
        end=_clock(row.shift_end) or CrewShift.end,
        lunch_from=_clock(row.lunch_start),
        lunch_to=_clock(row.lunch_end),
        lunch_minutes=row.lunch_minutes,
        on_call=row.on_call,
    )


def _hhmm(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def crew_columns(crew: CrewShift) -> dict[str, Any]:
    """The columns of a crew's row (``active`` and ``version`` are the row's own)."""
    return {
        "id": crew.id,
        "skills": sorted(crew.skills),
        "depot_lon": crew.depot[0],
        "depot_lat": crew.depot[1],
        "shift_start": _hhmm(crew.start),
        "shift_end": _hhmm(crew.end),
        "lunch_start": _hhmm(crew.lunch_from),
        "lunch_end": _hhmm(crew.lunch_to),
        "lunch_minutes": crew.lunch_minutes,
        "on_call": crew.on_call,
    }


def crew_api(crew: CrewShift) -> dict[str, Any]:
    """A crew in the API's names (``api.routes.crews.CrewIn.to_shift`` is the other way)."""
    return {
        "id": crew.id,
        "skills": sorted(crew.skills),
        "depot": [crew.depot[0], crew.depot[1]],
        "shift_start": _hhmm(crew.start),
        "shift_end": _hhmm(crew.end),
        "lunch_start": _hhmm(crew.lunch_from),
        "lunch_end": _hhmm(crew.lunch_to),
        "lunch_minutes": crew.lunch_minutes,
        "on_call": crew.on_call,
    }


def crew_dict(row: t.Crew) -> dict[str, Any]:
    """A crew as the API answers it: its row's crew, active and version."""
    return {**crew_api(crew_value(row)), "active": row.active, "version": row.version}


# -- crews' days: absences and shift changes (ops.crews) -------------------------------------

# A plan's crews carry their days from its first date this far on: a week view spans at most
# seven working days, and a long holiday (Spring Festival) adds a week of days off.
CREW_DAYS_AHEAD = 21


def absence_value(row: t.CrewAbsence) -> Absence:
    return Absence(
        row.crew_id,
        row.start,
        row.end,
        AbsenceReason(row.reason),
        row.note,
        _clock(row.start_time),
        _clock(row.end_time),
    )


def shift_change_value(row: t.CrewShiftChange) -> ShiftChange:
    return ShiftChange(
        row.crew_id, row.day, _clock(row.start), _clock(row.end), row.on_call, row.note
    )


def absence_dict(row: t.CrewAbsence) -> dict[str, Any]:
    return {
        "id": row.id,
        "crew": row.crew_id,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "start_time": row.start_time,
        "end_time": row.end_time,
        "reason": row.reason,
        "note": row.note,
        "created_by": row.created_by,
    }


def crew_absences(
    session: Session, crew_id: str, first: dt.date = dt.date.min, last: dt.date = dt.date.max
) -> list[t.CrewAbsence]:
    """The crew's absences that touch ``first`` to ``last``, by start."""
    return list(
        session.scalars(
            select(t.CrewAbsence)
            .where(
                t.CrewAbsence.crew_id == crew_id,
                t.CrewAbsence.end >= first,
                t.CrewAbsence.start <= last,
            )
            .order_by(t.CrewAbsence.start, t.CrewAbsence.start_time, t.CrewAbsence.id)
        )
    )


def add_absence(session: Session, absence: Absence, by: str) -> t.CrewAbsence:
    """Store ``absence`` unless it overlaps one of the crew's (:func:`ops.crews.refuse_overlap`,
    a Conflict). The check and the insert are one step: the crew's row is locked first
    (PostgreSQL; SQLite's writers queue on ``BEGIN IMMEDIATE``), so of two overlapping absences
    asked at once the second waits for the first and is refused. The service and
    ``waterops crews absence add`` both store through here."""
    crew = session.get(t.Crew, absence.crew_id, with_for_update=True, populate_existing=True)
    if crew is None:
        raise NotFound(f"no crew {absence.crew_id}", code="no_crew", crew=absence.crew_id)
    mine = crew_absences(session, absence.crew_id, absence.start, absence.end)
    refuse_overlap(absence, [(r.id, absence_value(r)) for r in mine])
    row = t.CrewAbsence(
        crew_id=absence.crew_id,
        start=absence.start,
        end=absence.end,
        start_time=_hhmm(absence.start_time),
        end_time=_hhmm(absence.end_time),
        reason=str(absence.reason),
        note=absence.note,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def remove_absence(session: Session, crew_id: str, absence_id: int) -> None:
    row = session.get(t.CrewAbsence, absence_id)
    if row is None or row.crew_id != crew_id:
        raise NotFound(
            f"crew {crew_id} has no absence {absence_id}",
            code="no_absence",
            crew=crew_id,
            absence=absence_id,
        )
    session.delete(row)
    session.flush()


def shift_change_dict(row: t.CrewShiftChange) -> dict[str, Any]:
    return {
        "crew": row.crew_id,
        "day": row.day.isoformat(),
        "start": row.start,
        "end": row.end,
        "on_call": row.on_call,
        "note": row.note,
        "created_by": row.created_by,
    }


def active_crews(session: Session) -> list[CrewShift]:
    """The active crews as values (:func:`crew_value`), as the plans and the repairs take them."""
    return [crew_value(c) for c in session.scalars(select(t.Crew).where(t.Crew.active))]


def crews_with_days(
    session: Session, crews: Sequence[CrewShift], first: dt.date, last: dt.date | None = None
) -> list[CrewShift]:
    """``crews`` with their absences and shift changes from ``first`` to ``last`` (default
    :data:`CREW_DAYS_AHEAD` days on), as the day plan honours them."""
    last = last or first + dt.timedelta(days=CREW_DAYS_AHEAD)
    absences = session.scalars(
        select(t.CrewAbsence)
        .where(t.CrewAbsence.start <= last, t.CrewAbsence.end >= first)
        .order_by(t.CrewAbsence.start, t.CrewAbsence.id)
    )
    changes = session.scalars(
        select(t.CrewShiftChange).where(
            t.CrewShiftChange.day >= first, t.CrewShiftChange.day <= last
        )
    )
    dates = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    return with_days(
        crews, [absence_value(r) for r in absences], [shift_change_value(r) for r in changes], dates
    )


# -- outages -------------------------------------------------------------------------------


def outage_value(session: Session, row: t.Outage) -> Outage:
    return outage_values(session, [row])[0]


def outage_values(session: Session, rows: Sequence[t.Outage]) -> list[Outage]:
    """The outages of ``rows`` with their revisions, read in one query (the public feeds list
    every live notice on every request)."""
    by_outage: dict[str, list[Revision]] = {r.id: [] for r in rows}
    if rows:
        for r in session.scalars(
            select(t.OutageRevision)
            .where(t.OutageRevision.outage_id.in_(list(by_outage)))
            .order_by(t.OutageRevision.outage_id, t.OutageRevision.number)
        ):
            by_outage[r.outage_id].append(
                Revision(
                    r.number,
                    NoticeState(r.state),
                    local(r.at),
                    content_from_dict(r.content),
                    r.note,
                    r.note_zh or "",
                )
            )
    records: dict[str, list[AuthorityRecord]] = {r.id: [] for r in rows}
    if rows:
        for rec in session.scalars(
            select(t.OutageRecord)
            .where(t.OutageRecord.outage_id.in_(list(records)))
            .order_by(t.OutageRecord.outage_id, t.OutageRecord.id)
        ):
            records[rec.outage_id].append(
                AuthorityRecord(
                    RecordKind(rec.kind),
                    rec.authority,
                    rec.document,
                    local(rec.at),
                    rec.entered_by,
                    local(rec.entered_at),
                )
            )
    return [
        Outage(
            row.id,
            OutageKind(row.kind),
            tuple(by_outage[row.id]),
            row.source,
            tuple(records[row.id]),
        )
        for row in rows
    ]


def save_outage(
    session: Session, row: t.Outage, outage: Outage, username: str, *, first_new: int
) -> None:
    """Store the revisions numbered ``first_new`` and after, the authority records not stored
    yet, and the outage's new state."""
    stored = session.scalar(
        select(func.count()).select_from(t.OutageRecord).where(t.OutageRecord.outage_id == row.id)
    )
    for record in outage.records[stored or 0 :]:
        session.add(
            t.OutageRecord(
                outage_id=row.id,
                kind=record.kind.value,
                authority=record.authority,
                document=record.document,
                at=record.at,
                entered_by=record.entered_by,
                entered_at=record.entered_at,
            )
        )
    for revision in outage.revisions:
        if revision.number < first_new:
            continue
        session.add(
            t.OutageRevision(
                outage_id=row.id,
                number=revision.number,
                state=revision.state.value,
                at=revision.at,
                note=revision.note,
                note_zh=revision.note_zh,
                content=revision.content.to_dict(),
                by=username,
            )
        )
    row.state = outage.state.value
    flag_modified(row, "state")  # an update even when the state stays: the version moves on
    session.flush()


def outage_dict(row: t.Outage, outage: Outage) -> dict[str, Any]:
    data = outage.to_dict()
    for revision in data["revisions"]:  # the notes ops writes, for a client to word
        text = revision_text(revision["state"], revision["note"])
        revision["words"] = None if text is None else text.to_dict()
    data["version"] = row.version
    data["network"] = row.network_id
    data["created_by"] = row.created_by
    return data


def valve_status_words(note: str) -> dict[str, Any] | None:
    """The key and params of a valve status's note the service wrote (``words``), else None."""
    text = valve_note_text(note)
    return None if text is None else text.to_dict()


def record_valve_status(
    session: Session,
    loaded: LoadedNetwork,
    valve_id: str,
    operable: bool,
    note: str,
    by: str,
    *,
    result: str | None = None,
    exercised_on: dt.date | None = None,
) -> None:
    """A field report on a valve (found inoperable, repaired, or an exercise's result): the
    latest row per valve counts for every isolation from the next request on (the registry
    reloads on the new row). UnknownValve (a 404) for a valve the network does not have."""
    loaded.network.valve_index(valve_id)
    session.add(
        t.ValveStatus(
            network_id=loaded.row_id,
            valve_id=valve_id,
            operable=operable,
            note=note,
            changed_by=by,
            result=result,
            exercised_on=exercised_on,
        )
    )


# -- connection applications ---------------------------------------------------------------


def application_value(row: t.Application) -> ConnectionApplication:
    """The :class:`ops.connections.ConnectionApplication` a stored row stands for."""
    return ConnectionApplication(
        id=row.id,
        type=row.type,  # type: ignore[arg-type]
        accepted_at=local(row.accepted_at) if row.accepted_at else local(row.received_at),
        location=(row.lon, row.lat),
        customer=row.customer,
        address=row.address,
        dn_mm=row.dn_mm,
        line_length_m=row.line_length_m,
        residential=row.residential,
        papers_missing=bool((row.case or {}).get("papers_missing")) or row.papers_due is not None,
        representative=(row.case or {}).get("representative"),
        channel=row.channel,
        received_at=local(row.received_at) if row.received_at else None,
        back_entered=row.back_entered,
    )


def recompute_deadlines(
    session: Session, request: Request, year: int, username: str
) -> list[dict[str, Any]]:
    """Recompute every open application and open job whose deadline counted working days of
    ``year`` (its calendar changed), keep each change (``deadline_changes`` and the job's
    history) and return the list of what moved."""
    cal = calendar(request, session)
    rules = connection_rules(request)
    source = cal.holidays.year_basis(year).source
    note = f"the {year} calendar was entered ({source}): deadline recomputed"
    words = {"year": str(year), "source": source}
    moved: list[dict[str, Any]] = []

    def counted_on(basis: Mapping[str, Any] | None) -> bool:
        if not basis:
            return False
        return CalendarBasis.from_dict(basis).counts_on(year)

    def record(
        field: str,
        old: dt.datetime | str | None,
        new: dt.datetime | None,
        app_id: str | None,
        job_id: str | None,
    ) -> None:
        old_t = None if old is None else local(_moment(old))
        new_t = None if new is None else local(_moment(new))
        if old_t == new_t:
            return
        session.add(
            t.DeadlineChange(
                year=year,
                application_id=app_id,
                job_id=job_id,
                field=field,
                old=old_t,
                new=new_t,
                by=username,
            )
        )
        moved.append(
            {
                "application": app_id,
                "job": job_id,
                "field": field,
                "old": None if old_t is None else old_t.isoformat(timespec="seconds"),
                "new": None if new_t is None else new_t.isoformat(timespec="seconds"),
            }
        )

    def update_job(new: FieldJob, app_id: str | None) -> None:
        row = session.get(t.Job, new.id)
        if row is None or row.status in CLOSED:
            return
        before = len(moved)
        for field in ("deadline", "due"):
            record(field, row.spec.get(field), getattr(new, field), app_id, new.id)
        if len(moved) > before:
            row.spec = new.to_dict()
            for column, value in job_columns(new).items():
                setattr(row, column, value)
            row.updated_by = username
            session.add(
                t.JobEvent(
                    job_id=row.id,
                    status=row.status,
                    crew_id=row.crew_id,
                    note=note,
                    by=username,
                    key="calendar_recomputed",
                    params=words,
                )
            )

    for app_row in session.scalars(
        select(t.Application).where(t.Application.status == ApplicationStatus.OPEN)
    ):
        case_data = app_row.case or {}
        if not counted_on((case_data.get("deadline") or {}).get("calendar")):
            continue  # counted on other years, or in calendar days: it stays as it is
        case = open_connection(application_value(app_row), cal, rules=rules)
        record("deadline", app_row.deadline, case.deadline.due, app_row.id, None)
        if case.papers is not None:
            record("papers_due", app_row.papers_due, case.papers.due, app_row.id, None)
            app_row.papers_due = case.papers.due
        app_row.deadline = case.deadline.due
        app_row.case = {**case_data, **case.to_dict()}
        for job in case.jobs:
            update_job(job, app_row.id)
    followups = select(t.Job).where(t.Job.kind == JobKind.FOLLOW_UP, t.Job.status.not_in(CLOSED))
    for job_row in session.scalars(followups):
        old = job_value(job_row)
        done = session.get(t.Application, job_row.source)
        if done is None or old.water_on is None or old.calendar is None:
            continue
        if not old.calendar.counts_on(year):
            continue
        visit = follow_up_visit(application_value(done), old.water_on, cal)
        update_job(visit, done.id)
    session.flush()
    return moved


def _moment(value: dt.datetime | str) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def change_dict(row: t.DeadlineChange) -> dict[str, Any]:
    """A deadline change as the API shows it (local times)."""
    return {
        "year": row.year,
        "application": row.application_id,
        "job": row.job_id,
        "field": row.field,
        "old": None if row.old is None else local(row.old).isoformat(timespec="seconds"),
        "new": None if row.new is None else local(row.new).isoformat(timespec="seconds"),
        "by": row.by,
        "at": local(row.at).isoformat(timespec="seconds"),
    }


def public_outage(session: Session, outage_id: str) -> Outage:
    """A notice the public may see (one that was sent); NotFound otherwise."""
    row = session.get(t.Outage, outage_id)
    outage = outage_value(session, row) if row is not None else None
    if outage is None or not outage.sent_revisions:
        raise NotFound(
            f"no published notice {outage_id}",
            code="not_found",
            what="published notice",
            key=str(outage_id),
        )
    return outage
