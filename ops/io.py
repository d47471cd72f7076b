"""Reading the utility's own files: the crew roster, and the crews of a plan from files.

``roster.csv``: ``id, skills`` (``pipe;valve``), ``depot_lon, depot_lat, shift_start,
shift_end`` (``HH:MM``) and optional ``lunch_start, lunch_end, lunch_min, end_lon, end_lat,
on_call`` (true for crews on emergency duty on days off).

``crews.csv`` (``waterops plan``) is a roster, read by :func:`read_roster` into the one crew
shape (:class:`ops.dispatch.CrewShift`, whose fields hold the defaults), with three optional
columns only a plan from files has: ``days`` (that many consecutive days of the same shift),
``current_lon, current_lat`` and ``available_from`` (where the crew is and when it is free,
``HH:MM`` or ``+N HH:MM`` on the plan's first day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from ops.dispatch import CrewShift
from ops.errors import InvalidRequest
from routing import Crew, Location
from routing.io import (
    PlanInputError,
    is_blank,
    parse_bool,
    parse_skills,
    parse_time,
    read_table,
)

REQUIRED = ("id", "skills", "depot_lon", "depot_lat", "shift_start", "shift_end")


def _clock(value: Any, what: str, file: str, row: int, crew: str) -> dt.time:
    try:
        hours, minutes = str(value).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise InvalidRequest(
            f"{what} {value!r} is not a time of day: write HH:MM",
            code="roster_not_clock",
            file=file,
            row=row,
            crew=crew,
            value=str(value),
        ) from None


def read_roster(path: str | Path) -> list[CrewShift]:
    """The crews of ``roster.csv``; a bad row is an error that names the row and the fix."""
    try:
        df = read_table(path, REQUIRED, "roster")
    except PlanInputError as exc:
        raise InvalidRequest(str(exc), code=exc.code, **exc.params) from None
    crews = []
    seen: set[str] = set()
    for row_no, row in enumerate(df.to_dict("records"), start=2):
        where = f"{path}, row {row_no} (crew {row.get('id')})"
        at = (where, str(path), row_no, str(row.get("id")))
        if row["id"] in seen:
            raise InvalidRequest(
                f"{where}: duplicate crew id",
                code="roster_duplicate_crew",
                file=str(path),
                row=row_no,
                crew=str(row.get("id")),
            )
        seen.add(row["id"])
        try:
            depot = (float(row["depot_lon"]), float(row["depot_lat"]))
            end_depot = None
            if not is_blank(row.get("end_lon")):
                end_depot = (float(row["end_lon"]), float(row["end_lat"]))
            lunch_min = int(float(row.get("lunch_min") or CrewShift.lunch_minutes))
        except ValueError as exc:
            raise InvalidRequest(
                f"{where}: {exc}",
                code="roster_not_number",
                file=str(path),
                row=row_no,
                crew=str(row.get("id")),
                error=str(exc),
            ) from None
        lunch_from = None if is_blank(row.get("lunch_start")) else _clock(row["lunch_start"], *at)
        lunch_to = None if is_blank(row.get("lunch_end")) else _clock(row["lunch_end"], *at)
        crews.append(
            CrewShift(
                id=str(row["id"]),
                skills=parse_skills(row["skills"]),
                depot=depot,
                start=_clock(row["shift_start"], *at),
                end=_clock(row["shift_end"], *at),
                lunch_from=lunch_from,
                lunch_to=lunch_to,
                lunch_minutes=lunch_min if lunch_from is not None else 0,
                end_depot=end_depot,
                on_call=parse_bool(row.get("on_call")),
            )
        )
    return crews


def read_crews(path: str | Path, first: dt.date) -> list[Crew]:
    """The solver's crews of ``crews.csv`` for a plan from ``first`` on: each row read as a
    roster's (:func:`read_roster`), then its ``days``, current position and free time."""
    roster = read_roster(path)
    rows = read_table(path, REQUIRED, "crews").to_dict("records")
    crews = []
    for row_no, (shift, row) in enumerate(zip(roster, rows, strict=True), start=2):
        try:
            days = int(row.get("days") or 1)
            current: Location | None = None
            if not is_blank(row.get("current_lon")):
                current = (float(row["current_lon"]), float(row["current_lat"]))
            free = row.get("available_from")
            available = None if is_blank(free) else parse_time(free, first)
        except (ValueError, KeyError, PlanInputError) as exc:
            raise InvalidRequest(
                f"{path}, row {row_no} (crew {shift.id}): {exc}",
                code="crews_row_invalid",
                file=str(path),
                row=row_no,
                crew=shift.id,
                error=str(exc),
            ) from None
        if days < 1:
            raise InvalidRequest(
                f"{path}, row {row_no} (crew {shift.id}): days must be 1 or more",
                code="crews_days_too_few",
                file=str(path),
                row=row_no,
                crew=shift.id,
            )
        dates = [first + dt.timedelta(days=k) for k in range(days)]
        crew = shift.to_crew(first, dates=dates, current_location=current)
        crews.append(replace(crew, available_from=available))
    return crews
