"""Crews and their shifts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from api.db import tables as t
from api.deps import Dispatcher, IfMatch, Lat, Lon, Reader, SessionDep, check_version, etag
from api.responses import json_response
from api.store import crew_dict, get_or_404
from ops.dispatch import CrewShift

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

    def columns(self) -> dict[str, Any]:
        """The crew as the columns of its row."""
        assert self.depot is not None  # set by the validator
        values = self.model_dump(exclude={"depot", "depot_lon", "depot_lat"})
        return {**values, "depot_lon": self.depot[0], "depot_lat": self.depot[1]}

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


class CrewNew(CrewIn):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


@router.get("", summary="crews")
def list_crews(
    _: Reader, session: SessionDep, active: Annotated[bool | None, Query()] = None
) -> Response:
    query = select(t.Crew).order_by(t.Crew.id)
    if active is not None:
        query = query.where(t.Crew.active == active)
    return json_response([crew_dict(c) for c in session.scalars(query)])


@router.post("", status_code=201, summary="add a crew", description=DEPOT_NOTE)
def add_crew(body: CrewNew, _: Dispatcher, session: SessionDep) -> Response:
    if session.get(t.Crew, body.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"crew {body.id} exists already")
    row = t.Crew(**body.columns())
    session.add(row)
    session.flush()
    return json_response(crew_dict(row), 201, etag(row.version))


def _crew(session: Any, crew_id: Any) -> t.Crew:
    row: t.Crew = get_or_404(session, t.Crew, crew_id, "crew")
    return row


@router.get("/{crew_id}", summary="one crew")
def get_crew(crew_id: str, _: Reader, session: SessionDep) -> Response:
    row = _crew(session, crew_id)
    return json_response(crew_dict(row), headers=etag(row.version))


@router.put("/{crew_id}", summary="change a crew's skills, depot or shift", description=DEPOT_NOTE)
def change_crew(
    crew_id: str, body: CrewIn, _: Dispatcher, version: IfMatch, session: SessionDep
) -> Response:
    row = _crew(session, crew_id)
    check_version(row.version, version, f"crew {crew_id}")
    for key, value in body.columns().items():
        setattr(row, key, value)
    session.flush()
    return json_response(crew_dict(row), headers=etag(row.version))
