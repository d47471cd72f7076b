"""Reading jobs and crews from CSV files, and plans as GeoJSON.

Times in the files are ``HH:MM`` (on the plan's first day), ``+N HH:MM`` (N days later) or
``YYYY-MM-DD HH:MM``; on the
solver's axis they become seconds since midnight of the first day (``base_date``).

``jobs.csv``: ``id, lon, lat, duration_min`` and optional ``kind, skills`` (``pipe;valve``),
``window_start, window_end`` or ``windows`` (``08:00-10:00;14:00-16:00``), ``deadline, due,
lateness_cost, priority`` (1–5), ``mandatory, pinned_crew, crews_required, after`` (ids of jobs
that must end first, ``;``-separated) and ``gap_min``.

``crews.csv`` is a roster and is read by :func:`ops.io.read_crews` into the one crew shape
(``ops.dispatch.CrewShift``, the home of a shift's defaults), then into :class:`routing.model.Crew`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from routing.errors import PlanInputError as PlanInputError  # its home is routing.errors
from routing.model import (
    BreakTaken,
    Job,
    Location,
    Plan,
    Precedence,
    Route,
    Stop,
    TimeWindow,
    Unassigned,
)
from routing.travel import RoadNetwork


def parse_time(text: object, base_date: dt.date) -> int:
    """``HH:MM``, ``+N HH:MM`` (N days later) or ``YYYY-MM-DD HH:MM`` as seconds since
    midnight of ``base_date``."""
    value = str(text).strip()
    try:
        if value.startswith("+"):  # "+N HH:MM": N days after the first day
            offset, clock = value[1:].split()
            return int(offset) * 86_400 + parse_time(clock, base_date)
        if len(value) <= 5 and ":" in value:
            hours, minutes = value.split(":")
            return int(hours) * 3600 + int(minutes) * 60
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PlanInputError(
            f"{value!r} is not a time: write HH:MM or YYYY-MM-DD HH:MM",
            code="plan_time_invalid",
            value=value,
        ) from None
    days = (moment.date() - base_date).days
    return days * 86_400 + moment.hour * 3600 + moment.minute * 60 + moment.second


def format_time(seconds: int, base_date: dt.date | None = None) -> str:
    """Seconds on the plan's axis as ``HH:MM`` (with the date when it is not the first day)."""
    day, rest = divmod(int(seconds), 86_400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    if day == 0:
        return clock
    if base_date is not None:
        return f"{base_date + dt.timedelta(days=day)} {clock}"
    return f"+{day}d {clock}"


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value) == ""


def parse_skills(value: object) -> frozenset[str]:
    if is_blank(value):
        return frozenset()
    return frozenset(s.strip() for s in str(value).replace(",", ";").split(";") if s.strip())


def parse_bool(value: object) -> bool:
    return not is_blank(value) and str(value).strip().lower() in {"1", "true", "yes", "y", "t"}


def read_table(path: str | Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """A CSV of strings with its required columns; :class:`PlanInputError` says what is wrong."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PlanInputError(
            f"{path}: cannot be read as CSV ({exc})",
            code="plan_csv_unreadable",
            file=str(path),
            error=str(exc),
        ) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise PlanInputError(
            f"{path}: the {what} file lacks the column(s) {', '.join(missing)}",
            code="plan_columns_missing",
            file=str(path),
            table=what,
            columns=missing,
        )
    return df


def _time_or_none(row: Mapping[Hashable, Any], key: str, base_date: dt.date) -> int | None:
    return None if is_blank(row.get(key)) else parse_time(row[key], base_date)


def read_jobs(path: str | Path, base_date: dt.date) -> tuple[list[Job], list[Precedence]]:
    """Jobs and their precedences from ``jobs.csv``."""
    df = read_table(path, ("id", "lon", "lat", "duration_min"), "jobs")
    jobs, precedences = [], []
    for row_no, row in enumerate(df.to_dict("records"), start=2):
        try:
            windows: list[TimeWindow] = []
            if not is_blank(row.get("windows")):
                for part in str(row["windows"]).split(";"):
                    a, b = part.split("-")
                    windows.append(TimeWindow(parse_time(a, base_date), parse_time(b, base_date)))
            elif not is_blank(row.get("window_start")) or not is_blank(row.get("window_end")):
                a = row.get("window_start") or "00:00"
                b = row.get("window_end") or "23:59"
                windows.append(TimeWindow(parse_time(a, base_date), parse_time(b, base_date)))

            job = Job(
                id=str(row["id"]),
                location=(float(row["lon"]), float(row["lat"])),
                duration=round(float(row["duration_min"]) * 60),
                kind=str(row.get("kind") or "job"),
                skills=parse_skills(row.get("skills")),
                windows=tuple(windows),
                deadline=_time_or_none(row, "deadline", base_date),
                due=_time_or_none(row, "due", base_date),
                lateness_cost=float(row.get("lateness_cost") or (1.0 if row.get("due") else 0)),
                priority=int(row.get("priority") or 3),
                mandatory=parse_bool(row.get("mandatory")),
                pinned_crew=None if is_blank(row.get("pinned_crew")) else str(row["pinned_crew"]),
                crews_required=int(row.get("crews_required") or 1),
            )
        except (ValueError, KeyError) as exc:
            raise PlanInputError(
                f"{path}, row {row_no} (job {row.get('id')}): {exc}",
                code="jobs_row_invalid",
                file=str(path),
                row=row_no,
                job=str(row.get("id")),
                error=str(exc),
            ) from None
        jobs.append(job)
        gap = round(float(row.get("gap_min") or 0) * 60)
        for before in str(row.get("after") or "").split(";"):
            if before.strip():
                precedences.append(Precedence(before.strip(), job.id, gap))
    return jobs, precedences


def plan_to_geojson(plan: Plan, base_date: dt.date | None = None) -> dict[str, Any]:
    """Routes as WGS84 GeoJSON LineStrings (following the roads when planned on them)."""
    features = []
    for r in plan.routes:
        if r.geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": r.geometry,
                "properties": {
                    "crew": r.crew_id,
                    "day": r.day,
                    "depart": format_time(r.depart, base_date),
                    "arrive": format_time(r.arrive, base_date),
                    "stops": [s.job_id for s in r.stops],
                    "travel_min": round(r.travel_time / 60),
                    "work_min": round(r.work_time / 60),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def plan_to_state(plan: Plan) -> dict[str, Any]:
    """A plan as JSON-able data that :func:`plan_from_state` turns back into the same plan
    (places, geometry and breaks included), for storing a published plan and re-planning."""
    return {
        "routes": [asdict(r) for r in plan.routes],
        "unassigned": [asdict(u) for u in plan.unassigned],
        "objective": plan.objective,
        "solve_seconds": plan.solve_seconds,
        "status": plan.status,
        "moved": list(plan.moved),
        "stats": {k: v for k, v in plan.stats.items() if isinstance(v, str | int | float | list)},
    }


def plan_from_state(data: dict[str, Any]) -> Plan:
    def loc(value: Sequence[float] | None) -> Location | None:
        return None if value is None else (float(value[0]), float(value[1]))

    routes = []
    for r in data["routes"]:
        stops = tuple(
            Stop(
                job_id=s["job_id"],
                arrival=int(s["arrival"]),
                start=int(s["start"]),
                end=int(s["end"]),
                travel=int(s["travel"]),
                deadline_status=s["deadline_status"],
                location=loc(s.get("location")),
                slot=int(s.get("slot", 1)),
            )
            for s in r["stops"]
        )
        routes.append(
            Route(
                crew_id=r["crew_id"],
                shift=int(r["shift"]),
                day=r.get("day"),
                depart=int(r["depart"]),
                arrive=int(r["arrive"]),
                stops=stops,
                breaks=tuple(BreakTaken(int(b["start"]), int(b["end"])) for b in r["breaks"]),
                travel_time=int(r["travel_time"]),
                work_time=int(r["work_time"]),
                distance_m=float(r["distance_m"]),
                geometry=r.get("geometry"),
                start_location=loc(r.get("start_location")),
                end_location=loc(r.get("end_location")),
            )
        )
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(Unassigned(**u) for u in data.get("unassigned", [])),
        objective=int(data.get("objective", 0)),
        solve_seconds=float(data.get("solve_seconds", 0.0)),
        status=str(data.get("status", "ok")),
        moved=tuple(data.get("moved", ())),
        stats=dict(data.get("stats", {})),
    )


def read_roads(path: str | Path, *, required: bool = False) -> RoadNetwork | None:
    """The :class:`routing.travel.RoadNetwork` of a file's ``roads`` layer (WGS84 or projected
    lines with ``speed_kmh``). Without a usable layer: None, or :class:`PlanInputError` that
    says what is missing when ``required``."""

    def missing(why: str, code: str, **params: object) -> None:
        if required:
            raise PlanInputError(f"{path}: {why}", code=code, **params)

    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # not a file of layers at all
        missing(
            f"cannot be read as a file of layers ({exc})",
            code="roads_file_unreadable",
            file=str(path),
            error=str(exc),
        )
        return None
    if "roads" not in layers:
        missing("has no roads layer", code="roads_layer_missing", file=str(path))
        return None
    roads = gpd.read_file(path, layer="roads", engine="pyogrio")
    if roads.crs is None or "speed_kmh" not in roads.columns or len(roads) == 0:
        missing(
            "the roads layer needs lines, a CRS and a speed_kmh column",
            code="roads_layer_unusable",
            file=str(path),
            column="speed_kmh",
        )
        return None
    return RoadNetwork(roads)
