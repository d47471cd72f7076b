"""Crews and their shifts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from api.db import tables as t
from api.deps import (
    MAX_ID,
    Day,
    Dispatcher,
    IfMatch,
    Lat,
    Lon,
    Reader,
    SessionDep,
    check_version,
    etag,
)
from api.responses import json_response
from api.store import (
    absence_dict,
    add_absence,
    calendar,
    crew_absences,
    crew_columns,
    crew_dict,
    crew_value,
    crews_with_days,
    get_or_404,
    remove_absence,
    shift_change_dict,
)
from ops.crews import Absence, AbsenceReason, ShiftChange, shift_on
from ops.dispatch import CrewShift
from ops.errors import Conflict, InvalidRequest, NotFound

router = APIRouter(prefix="/api/crews", tags=["crews"])

Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")]
Skill = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]


def _hhmm(clock: dt.time | None) -> str | None:
    return None if clock is None else clock.strftime("%H:%M")


# Deprecated in favour of ``depot`` (docs/service.md): accepted until the next release.
OLD_DEPOT = (
    "deprecated: send `depot` [lon, lat], the shape GET returns; accepted until the next release"
)

DEPOT_NOTE = (
    "The body has the shape GET returns: the depot is `depot` [lon, lat]. **Deprecated**: "
    "`depot_lon` and `depot_lat` are still accepted until the next release; send `depot`."
)


# The shift's defaults are the roster's (ops.dispatch.CrewShift), not copies of them.
class CrewIn(BaseModel):
    """A crew as GET returns it (``id`` and ``version`` are read only: the path and If-Match
    carry them), so a client can send back what it read."""

    skills: list[Skill] = Field(max_length=20, description="valve, pipe, meter, leak, tanker")
    depot: tuple[Lon, Lat] | None = Field(
        default=None, description="[lon, lat] in WGS84, as GET returns it"
    )
    depot_lon: Lon | None = Field(
        default=None, description=OLD_DEPOT, json_schema_extra={"deprecated": True}
    )
    depot_lat: Lat | None = Field(
        default=None, description=OLD_DEPOT, json_schema_extra={"deprecated": True}
    )
    shift_start: Clock = CrewShift.start.strftime("%H:%M")
    shift_end: Clock = CrewShift.end.strftime("%H:%M")
    lunch_start: Clock | None = _hhmm(CrewShift.lunch_from)
    lunch_end: Clock | None = _hhmm(CrewShift.lunch_to)
    lunch_minutes: int = Field(strict=True, default=CrewShift.lunch_minutes, ge=0, le=180)
    on_call: bool = CrewShift.on_call
    active: bool = True

    @model_validator(mode="after")
    def _one_depot(self) -> CrewIn:
        old = (self.depot_lon, self.depot_lat)
        if (old[0] is None) != (old[1] is None):
            raise ValueError("give depot [lon, lat] (depot_lon and depot_lat are deprecated)")
        if self.depot is None:
            if old[0] is None or old[1] is None:
                raise ValueError("depot [lon, lat] is required")
            self.depot = (old[0], old[1])
        elif old[0] is not None and (old[0], old[1]) != self.depot:
            raise ValueError("depot and the deprecated depot_lon/depot_lat disagree: send depot")
        return self

    def to_shift(self, crew_id: str) -> CrewShift:
        """The crew this body describes: the one mapper from the API to the core
        (:func:`api.store.crew_api` is the other way)."""
        assert self.depot is not None  # set by the validator
        return CrewShift(
            id=crew_id,
            skills=frozenset(self.skills),
            depot=self.depot,
            start=dt.time.fromisoformat(self.shift_start),
            end=dt.time.fromisoformat(self.shift_end),
            lunch_from=_time(self.lunch_start),
            lunch_to=_time(self.lunch_end),
            lunch_minutes=self.lunch_minutes,
            on_call=self.on_call,
        )

    def columns(self, crew_id: str) -> dict[str, Any]:
        """The crew as the columns of its row."""
        return {**crew_columns(self.to_shift(crew_id)), "active": self.active}

    @model_validator(mode="after")
    def _check_times(self) -> CrewIn:
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end must be after shift_start")
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("give both lunch_start and lunch_end, or neither")
        if self.lunch_start and self.lunch_end:
            if self.lunch_end < self.lunch_start:
                raise ValueError("lunch_end must not be before lunch_start")
            if not (self.shift_start <= self.lunch_start and self.lunch_end <= self.shift_end):
                raise ValueError("the lunch window must lie inside the shift")
        return self


class CrewOut(BaseModel):
    """A crew as the service answers it: ``api.store.crew_api`` of its CrewShift, with the
    row's ``active`` and ``version`` (the ETag)."""

    id: str
    skills: list[str]
    depot: list[float] = Field(min_length=2, max_length=2, description="[lon, lat] in WGS84")
    shift_start: str = Field(description="HH:MM")
    shift_end: str = Field(description="HH:MM")
    lunch_start: str | None
    lunch_end: str | None
    lunch_minutes: int
    on_call: bool
    active: bool
    version: int


class CrewNew(CrewIn):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


@router.get("", summary="crews", response_model=list[CrewOut])
def list_crews(
    _: Reader, session: SessionDep, active: Annotated[bool | None, Query()] = None
) -> Response:
    query = select(t.Crew).order_by(t.Crew.id)
    if active is not None:
        query = query.where(t.Crew.active == active)
    return json_response([crew_dict(c) for c in session.scalars(query)])


@router.post(
    "", status_code=201, summary="add a crew", description=DEPOT_NOTE, response_model=CrewOut
)
def add_crew(body: CrewNew, _: Dispatcher, session: SessionDep) -> Response:
    if session.get(t.Crew, body.id) is not None:
        raise Conflict(
            f"crew {body.id} exists already: choose another id, or PUT that crew",
            code="crew_exists",
            crew=body.id,
        )
    row = t.Crew(**body.columns(body.id))
    session.add(row)
    session.flush()
    return json_response(crew_dict(row), 201, etag(row.version))


def _crew(session: Any, crew_id: Any) -> t.Crew:
    row: t.Crew = get_or_404(session, t.Crew, crew_id, "crew")
    return row


@router.get("/{crew_id}", summary="one crew", response_model=CrewOut)
def get_crew(crew_id: str, _: Reader, session: SessionDep) -> Response:
    row = _crew(session, crew_id)
    return json_response(crew_dict(row), headers=etag(row.version))


@router.put(
    "/{crew_id}",
    summary="change a crew's skills, depot or shift",
    description=DEPOT_NOTE,
    response_model=CrewOut,
)
def change_crew(
    crew_id: str, body: CrewIn, _: Dispatcher, version: IfMatch, session: SessionDep
) -> Response:
    row = _crew(session, crew_id)
    check_version(row.version, version, f"crew {crew_id}")
    for key, value in body.columns(crew_id).items():
        if key != "id":
            setattr(row, key, value)
    session.flush()
    return json_response(crew_dict(row), headers=etag(row.version))


# -- a crew's days: absences and shift changes (ops.crews; docs/crews.md) ------------------

AbsenceId = Annotated[int, Path(ge=1, le=MAX_ID, description="absence id")]
Note = Annotated[str, Field(max_length=500)]


class AbsenceIn(BaseModel):
    start: Day = Field(description="the first date away")
    end: Day | None = Field(default=None, description="the last date away (default: start)")
    reason: AbsenceReason = Field(description="leave, sickness or vehicle (out of service)")
    note: Note = ""
    start_time: Clock | None = Field(
        default=None, description="away from this time of its one date (with end_time)"
    )
    end_time: Clock | None = Field(
        default=None, description="away until this time (with start_time); none: all day"
    )

    def absence(self, crew_id: str) -> Absence:
        return Absence(
            crew_id,
            self.start,
            self.end or self.start,
            self.reason,
            self.note,
            _time(self.start_time),
            _time(self.end_time),
        )


class AbsenceOut(BaseModel):
    id: int
    crew: str
    start: dt.date
    end: dt.date
    start_time: str | None = Field(description="HH:MM: away only some hours of the date")
    end_time: str | None = Field(description="HH:MM")
    reason: AbsenceReason
    note: str
    created_by: str


class ShiftChangeOut(BaseModel):
    crew: str
    day: dt.date
    start: str | None
    end: str | None
    on_call: bool | None
    note: str
    created_by: str


class CrewDayOut(BaseModel):
    id: str
    works: bool = Field(description="on shift that day (not absent; on call on a day off)")
    absent: AbsenceReason | None
    changed: bool = Field(description="the day has a shift change")
    away: list[list[str]] = Field(description="hours away that day, [HH:MM, HH:MM] each")
    shift_start: str | None
    shift_end: str | None
    on_call: bool


class CrewsDayOut(BaseModel):
    day: dt.date
    working_day: bool
    crews: list[CrewDayOut]


class ShiftChangeIn(BaseModel):
    start: Clock | None = Field(default=None, description="the day's start, with end")
    end: Clock | None = Field(default=None, description="the day's end, with start")
    on_call: bool | None = Field(default=None, description="on call that day (None: roster's)")
    note: Note = ""


def _range(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    first = since or dt.date.min
    last = until or dt.date.max
    if last < first:
        raise InvalidRequest("`to` must not be before `from`", code="days_reversed")
    return first, last


@router.get(
    "/{crew_id}/absences", summary="a crew's absences, by start", response_model=list[AbsenceOut]
)
def list_absences(
    crew_id: str,
    _: Reader,
    session: SessionDep,
    since: Annotated[Day | None, Query(alias="from")] = None,
    until: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    _crew(session, crew_id)
    first, last = _range(since, until)
    return json_response([absence_dict(r) for r in crew_absences(session, crew_id, first, last)])


@router.post(
    "/{crew_id}/absences",
    status_code=201,
    summary="a crew away for a date or dates: leave, sickness, its vehicle out of service",
    response_model=AbsenceOut,
)
def post_absence(crew_id: str, body: AbsenceIn, user: Dispatcher, session: SessionDep) -> Response:
    row = add_absence(session, body.absence(crew_id), user.username)  # a Conflict if it overlaps
    return json_response(absence_dict(row), 201)


@router.delete("/{crew_id}/absences/{absence_id}", status_code=204, summary="remove an absence")
def remove_absence_route(
    crew_id: str, absence_id: AbsenceId, _: Dispatcher, session: SessionDep
) -> Response:
    remove_absence(session, crew_id, absence_id)
    return Response(status_code=204)


@router.get(
    "/{crew_id}/shifts",
    summary="a crew's shift changes, by day",
    response_model=list[ShiftChangeOut],
)
def list_shift_changes(
    crew_id: str,
    _: Reader,
    session: SessionDep,
    since: Annotated[Day | None, Query(alias="from")] = None,
    until: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    _crew(session, crew_id)
    first, last = _range(since, until)
    rows = session.scalars(
        select(t.CrewShiftChange)
        .where(
            t.CrewShiftChange.crew_id == crew_id,
            t.CrewShiftChange.day >= first,
            t.CrewShiftChange.day <= last,
        )
        .order_by(t.CrewShiftChange.day)
    )
    return json_response([shift_change_dict(r) for r in rows])


@router.put(
    "/{crew_id}/shifts/{day}",
    summary="another shift for one day: hours, on-call duty (replaces the day's change)",
    response_model=ShiftChangeOut,
)
def set_shift_change(
    crew_id: str, day: Day, body: ShiftChangeIn, user: Dispatcher, session: SessionDep
) -> Response:
    _crew(session, crew_id)
    ShiftChange(crew_id, day, _time(body.start), _time(body.end), body.on_call, body.note)
    row = session.scalars(
        select(t.CrewShiftChange).where(
            t.CrewShiftChange.crew_id == crew_id, t.CrewShiftChange.day == day
        )
    ).first()
    if row is None:
        row = t.CrewShiftChange(crew_id=crew_id, day=day)
        session.add(row)
    row.start, row.end, row.on_call = body.start, body.end, body.on_call
    row.note, row.created_by = body.note, user.username
    session.flush()
    return json_response(shift_change_dict(row))


@router.delete("/{crew_id}/shifts/{day}", status_code=204, summary="the roster's shift again")
def remove_shift_change(crew_id: str, day: Day, _: Dispatcher, session: SessionDep) -> Response:
    row = session.scalars(
        select(t.CrewShiftChange).where(
            t.CrewShiftChange.crew_id == crew_id, t.CrewShiftChange.day == day
        )
    ).first()
    if row is None:
        raise NotFound(
            f"crew {crew_id} has no shift change on {day}",
            code="no_shift_change",
            crew=crew_id,
            day=day.isoformat(),
        )
    session.delete(row)
    return Response(status_code=204)


def _time(text: str | None) -> dt.time | None:
    return None if text is None else dt.time.fromisoformat(text)


@router.get(
    "/days/{day}",
    summary="every crew's day: at work with what hours, or away and why",
    response_model=CrewsDayOut,
)
def crews_day(day: Day, _: Reader, session: SessionDep, request: Request) -> Response:
    rows = list(session.scalars(select(t.Crew).where(t.Crew.active).order_by(t.Crew.id)))
    crews = crews_with_days(session, [crew_value(r) for r in rows], day, day)
    working = calendar(request, session).is_working_day(day)
    out = []
    for crew in crews:
        shift = shift_on(crew, day)
        today = crew.days[0] if crew.days else None
        out.append(
            {
                "id": crew.id,
                "works": shift is not None and (working or shift.on_call),
                "absent": None if today is None or today.absent is None else str(today.absent),
                "changed": today is not None
                and today.absent is None
                and (today.start is not None or today.on_call is not None),
                "away": [] if today is None else [[_hhmm(a), _hhmm(b)] for a, b in today.away],
                "shift_start": None if shift is None else shift.start.strftime("%H:%M"),
                "shift_end": None if shift is None else shift.end.strftime("%H:%M"),
                "on_call": False if shift is None else shift.on_call,
            }
        )
    return json_response({"day": day.isoformat(), "working_day": working, "crews": out})
