"""Reading the utility's own files: the crew roster.

``roster.csv``: ``id, skills`` (``pipe;valve``), ``depot_lon, depot_lat, shift_start,
shift_end`` (``HH:MM``) and optional ``lunch_start, lunch_end, lunch_min, end_lon, end_lat,
on_call`` (true for crews on emergency duty on days off).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ops.dispatch import CrewShift
from ops.errors import InvalidRequest
from routing.io import PlanInputError, is_blank, parse_bool, parse_skills, read_table

REQUIRED = ("id", "skills", "depot_lon", "depot_lat", "shift_start", "shift_end")


def _clock(value: Any, what: str) -> dt.time:
    try:
        hours, minutes = str(value).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise InvalidRequest(f"{what} {value!r} is not a time of day: write HH:MM") from None


def read_roster(path: str | Path) -> list[CrewShift]:
    """The crews of ``roster.csv``; a bad row is an error that names the row and the fix."""
    try:
        df = read_table(path, REQUIRED, "roster")
    except PlanInputError as exc:
        raise InvalidRequest(str(exc)) from None
    crews = []
    seen: set[str] = set()
    for row_no, row in enumerate(df.to_dict("records"), start=2):
        where = f"{path}, row {row_no} (crew {row.get('id')})"
        if row["id"] in seen:
            raise InvalidRequest(f"{where}: duplicate crew id")
        seen.add(row["id"])
        try:
            depot = (float(row["depot_lon"]), float(row["depot_lat"]))
            end_depot = None
            if not is_blank(row.get("end_lon")):
                end_depot = (float(row["end_lon"]), float(row["end_lat"]))
            lunch_min = int(float(row.get("lunch_min") or CrewShift.lunch_minutes))
        except ValueError as exc:
            raise InvalidRequest(f"{where}: {exc}") from None
        lunch_from = None if is_blank(row.get("lunch_start")) else _clock(row["lunch_start"], where)
        lunch_to = None if is_blank(row.get("lunch_end")) else _clock(row["lunch_end"], where)
        crews.append(
            CrewShift(
                id=str(row["id"]),
                skills=parse_skills(row["skills"]),
                depot=depot,
                start=_clock(row["shift_start"], where),
                end=_clock(row["shift_end"], where),
                lunch_from=lunch_from,
                lunch_to=lunch_to,
                lunch_minutes=lunch_min if lunch_from is not None else 0,
                end_depot=end_depot,
                on_call=parse_bool(row.get("on_call")),
            )
        )
    return crews
