"""The working-day calendar the utility keeps: which calendar decides each year, and an admin's
entry of a year from the State Council's notice, which recomputes the deadlines counted on it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from api.db import tables as t
from api.deps import Admin, Reader, SessionDep
from api.responses import json_response
from api.store import calendar, change_dict, local, now_local, recompute_deadlines
from ops.calendar import year_schedule

router = APIRouter(prefix="/api/calendar", tags=["calendar"])

Year = Annotated[int, Path(ge=1990, le=2100, description="calendar year")]


def _kept_dict(row: t.CalendarYear) -> dict[str, Any]:
    return {
        "year": row.year,
        "document": row.document,
        "published_on": row.published_on.isoformat() if row.published_on else None,
        "note": row.note,
        "entered_by": row.entered_by,
        "entered_at": local(row.entered_at).isoformat(timespec="seconds"),
        "version": row.version,
    }


def _year_dict(request: Request, session: Any, year: int) -> dict[str, Any]:
    holidays = calendar(request, session).holidays
    basis = holidays.year_basis(year)
    schedule = holidays.schedule_of(year)
    row = session.get(t.CalendarYear, year)
    return {
        "year": year,
        "status": basis.status,
        "source": basis.source,
        "days_off": sorted(d.isoformat() for d in schedule.days_off),
        "workdays": sorted(d.isoformat() for d in schedule.workdays),
        "kept": None if row is None else _kept_dict(row),
    }


@router.get("", summary="which calendar decides each year, and the years the utility entered")
def overview(request: Request, _: Reader, session: SessionDep) -> Response:
    this_year = now_local().year
    years = sorted({this_year - 1, this_year, this_year + 1, this_year + 2})
    holidays = calendar(request, session).holidays
    kept = session.scalars(select(t.CalendarYear).order_by(t.CalendarYear.year)).all()
    return json_response(
        {
            "years": [{"year": y, **holidays.year_basis(y).to_dict()} for y in years],
            "kept": [_kept_dict(r) for r in kept],
        }
    )


@router.get("/years/{year}", summary="a year's days off and make-up working days")
def get_year(year: Year, request: Request, _: Reader, session: SessionDep) -> Response:
    return json_response(_year_dict(request, session, year))


class YearIn(BaseModel):
    document: str = Field(
        min_length=1, max_length=128, description="the notice's number, e.g. 国办发明电〔2026〕X号"
    )
    published_on: dt.date | None = Field(default=None, description="the notice's date")
    days_off: list[Annotated[str, Field(max_length=32)]] = Field(
        max_length=400,
        description="every day off, weekend days of a holiday block included: YYYY-MM-DD or "
        "YYYY-MM-DD..YYYY-MM-DD",
    )
    workdays: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=100, description="make-up working days (调休上班)"
    )
    note: str = Field(default="", max_length=2000)


@router.put(
    "/years/{year}",
    summary="enter a year from the State Council's notice (admin): deadlines are recomputed",
)
def put_year(
    year: Year, body: YearIn, request: Request, user: Admin, session: SessionDep
) -> Response:
    schedule = year_schedule(
        year, days_off=body.days_off, workdays=body.workdays, source=body.document
    )  # refused with what to fix (422) before anything is stored
    row = session.get(t.CalendarYear, year)
    if row is None:
        row = t.CalendarYear(year=year, entered_by=user.username)
        session.add(row)
    row.days_off = sorted(d.isoformat() for d in schedule.days_off)
    row.workdays = sorted(d.isoformat() for d in schedule.workdays)
    row.document = body.document.strip()
    row.published_on = body.published_on
    row.note = body.note
    row.entered_by = user.username
    row.entered_at = now_local()
    session.execute(
        update(t.Counter).where(t.Counter.name == "CAL").values(value=t.Counter.value + 1)
    )
    session.flush()
    counter = session.get(t.Counter, "CAL")
    if counter is not None:  # moved by the UPDATE above: read it again, calendar() rebuilds
        session.refresh(counter)
    moved = recompute_deadlines(session, request, year, user.username)
    return json_response({**_year_dict(request, session, year), "moved": moved})


@router.get("/years/{year}/changes", summary="the deadlines that moved when the year changed")
def year_changes(year: Year, _: Reader, session: SessionDep) -> Response:
    rows = session.scalars(
        select(t.DeadlineChange).where(t.DeadlineChange.year == year).order_by(t.DeadlineChange.id)
    )
    return json_response([change_dict(r) for r in rows])
