"""``waterops plan``: the crews' routes for jobs from CSV files."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from rich.table import Table

from api.cli.common import err, out, print_json, road_model, status, stop_name
from ops.calendar import TZ
from ops.io import read_crews
from routing import Problem, SolverOptions, solve
from routing.io import PlanInputError, format_time, plan_to_geojson, read_jobs


def add_parsers(sub: Any) -> None:
    """The planning command."""
    p = sub.add_parser("plan", help="plan the crews' routes for jobs from CSV files")
    p.add_argument("jobs", type=Path, help="jobs.csv (id, lon, lat, duration_min, ...)")
    p.add_argument(
        "crews",
        type=Path,
        help="crews.csv: a roster (id, skills, depot_lon, depot_lat, shift_start, ...)",
    )
    p.add_argument("--roads", type=Path, help="GeoPackage with a roads layer for travel times")
    p.add_argument("--date", help="the plan's first day, YYYY-MM-DD (default: today)")
    p.add_argument("--seconds", type=float, default=SolverOptions.seconds, help="solver time limit")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--geojson", action="store_true", help="print the routes as GeoJSON")
    p.set_defaults(run=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    try:
        base = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(TZ).date()
        jobs, precedences = read_jobs(args.jobs, base)
        crews = read_crews(args.crews, base)  # the roster's reader and defaults (ops.io)
    except (PlanInputError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 1
    travel = None
    if args.roads is not None:
        travel = road_model(args.roads)
        if travel is None:
            return 1
    problem = Problem(tuple(crews), tuple(jobs), tuple(precedences), travel)
    with status(f"planning {len(jobs)} jobs for {len(crews)} crews ({args.seconds:g} s)"):
        plan = solve(problem, SolverOptions(seconds=args.seconds))
    if args.geojson:
        print_json(plan_to_geojson(plan, base))
        return 0
    if args.json:
        data = plan.to_dict()
        for route, out_route in zip(plan.routes, data["routes"], strict=True):
            out_route["geometry"] = route.geometry
        print_json(data)
        return 0
    summary = plan.summary()
    out.print(
        f"[bold]Plan for {base}[/bold]: {summary['jobs_planned']} jobs planned, "
        f"{summary['jobs_unassigned']} not ({summary['mandatory_unassigned']} mandatory), "
        f"{summary['late']} late; travel {summary['travel_time'] / 3600:.1f} h, "
        f"utilisation {summary['utilisation']:.0%}"
    )
    for route in plan.routes:
        if not route.stops:
            continue
        table = Table(
            title=f"{route.crew_id} {route.day or ''}: {format_time(route.depart)}–"
            f"{format_time(route.arrive)}, travel {route.travel_time // 60} min, "
            f"work {route.work_time // 60} min"
        )
        for column in ("job", "arrive", "start", "end", "travel min", "deadline"):
            table.add_column(column)
        rows = [
            (
                stop.start,
                stop_name(stop),
                format_time(stop.arrival),
                format_time(stop.start),
                format_time(stop.end),
                str(stop.travel // 60),
                stop.deadline_status,
            )
            for stop in route.stops
        ]
        rows += [
            (brk.start, "(break)", "", format_time(brk.start), format_time(brk.end), "", "")
            for brk in route.breaks
        ]
        for row in sorted(rows, key=lambda r: r[0]):
            table.add_row(*row[1:])
        out.print(table)
    if plan.unassigned:
        table = Table(title="Not planned")
        for column in ("job", "mandatory", "reason", "detail"):
            table.add_column(column, overflow="fold")
        for u in plan.unassigned:
            table.add_row(u.job_id, "yes" if u.mandatory else "", u.reason, u.detail)
        out.print(table)
    return 0
