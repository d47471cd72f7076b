"""The ``waterops`` command line (docs/design.md §4).

A thin layer: parse arguments, call :mod:`gis`, print a human table or JSON. Data problems are
reported with what to fix and exit with status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gis.errors import NetworkError, NoMap, ValidationError
from gis.network import Network
from ops.errors import OpsError
from ops.outages import DEFAULT_LEAD

DEFAULT_NETWORK = Path("sample_data/kaifeng.gpkg")
DEMO_REPORTED = "2026-11-26 09:10"  # a Thursday: the demo plans a working day

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(_points_west_of_greenwich(sys.argv[1:] if argv is None else argv))
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except ValidationError as exc:
        _print_report(exc.report, as_json=getattr(args, "json", False))
        return 1
    except NoMap as exc:
        err.print(f"[red]error:[/red] {exc}: pass --crs EPSG:XXXX, the CRS of its coordinates")
        return 1
    except (NetworkError, OpsError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except OSError as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 1
    except Exception as exc:
        # A bug of ours, not bad input: say so plainly; WATEROPS_DEBUG=1 shows the traceback.
        if os.environ.get("WATEROPS_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc}\n"
            "This is a bug in waterops, not in your data; rerun with WATEROPS_DEBUG=1 "
            "and report the traceback."
        )
        return 3


# A LON,LAT whose longitude is negative (west of Greenwich: -86.23,37.12) starts with "-":
# argparse takes it for an option, and "--at -86.23,37.12" fails with "expected one argument".
POINT_OPTIONS = frozenset({"--at"})
_NEGATIVE = re.compile(r"^-[\d.]")  # a number, not an option (those start with a letter)


def _points_west_of_greenwich(argv: Sequence[str]) -> list[str]:
    """``--at -86.23,37.12`` as ``--at=-86.23,37.12``, which argparse reads as a value."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in POINT_OPTIONS and _NEGATIVE.match(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waterops",
        description="Water-utility operations: network validation, valve segments, "
        "isolation of breaks, valve criticality, crew planning.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def network_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "network",
            type=Path,
            help="GeoPackage, File Geodatabase (.gdb), DXF, folder of GeoJSON/Shapefile layers, "
            "or EPANET .inp",
        )
        p.add_argument("--valves", type=Path, help="valve-layer CSV (link,node[,id,operable,...])")
        p.add_argument(
            "--crs",
            help="CRS of coordinates that have none (an EPANET file, a Shapefile without .prj, "
            "a GeoPackage layer or DXF without a CRS), e.g. EPSG:32650",
        )
        p.add_argument(
            "--mapping",
            type=Path,
            help="TOML or JSON file of the export's layer and column names, units and values "
            "(without it common names are guessed and reported)",
        )
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = sub.add_parser("validate", help="check network data and report every problem")
    network_args(p)
    p.add_argument(
        "--snaps", type=Path, help="write every valve and customer placed from its geometry (CSV)"
    )
    p.add_argument(
        "--write-mapping",
        type=Path,
        metavar="FILE",
        help="write the mapping used, guesses included, to check and pass as --mapping "
        "(.toml or .json)",
    )
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("segments", help="valve segments of the network")
    network_args(p)
    p.add_argument("--top", type=int, default=10, help="largest segments to list (table)")
    p.set_defaults(run=cmd_segments)

    p = sub.add_parser("isolate", help="valves to close for a break, and who loses water")
    network_args(p)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--pipe",
        action="append",
        help="broken pipe id; repeat (or comma-separate) to plan several shutdowns at once",
    )
    where.add_argument("--at", metavar="LON,LAT", help="map point, snapped to the nearest pipe")
    p.add_argument("--inoperable", default="", help="valve ids found not to close: V1,V2")
    p.add_argument("--geojson", action="store_true", help="print a WGS84 GeoJSON map of the plan")
    p.set_defaults(run=cmd_isolate)

    p = sub.add_parser("criticality", help="rank valves by the extra loss when they fail")
    network_args(p)
    p.add_argument("--top", type=int, default=20, help="valves to list (table)")
    p.set_defaults(run=cmd_criticality)

    p = sub.add_parser("plan", help="plan the crews' routes for jobs from CSV files")
    p.add_argument("jobs", type=Path, help="jobs.csv (id, lon, lat, duration_min, ...)")
    p.add_argument(
        "crews", type=Path, help="crews.csv (id, depot_lon, depot_lat, shift_start, ...)"
    )
    p.add_argument("--roads", type=Path, help="GeoPackage with a roads layer for travel times")
    p.add_argument("--date", help="the plan's first day, YYYY-MM-DD (default: today)")
    p.add_argument("--seconds", type=float, default=10.0, help="solver time limit")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--geojson", action="store_true", help="print the routes as GeoJSON")
    p.set_defaults(run=cmd_plan)

    _ops_parsers(sub, network_args)
    from api.cli_programmes import add_parsers

    add_parsers(sub, network_args)

    p = sub.add_parser("serve", help="run the dispatch service (FastAPI) on this machine")
    p.add_argument("--database", help="database URL (default: SQLite in the data directory)")
    p.add_argument("--data", type=Path, help="data directory (default ./data)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument(
        "--demo",
        action="store_true",
        help="seed demo users (admin, dispatcher, engineer, viewer) and print their passwords",
    )
    p.add_argument("--access-log", action="store_true", help="log every request (costs throughput)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("adduser", help="add a user to the service's database, or reset one")
    p.add_argument("username")
    p.add_argument("--role", choices=["viewer", "dispatcher", "engineer", "admin"], required=True)
    p.add_argument("--database", help="database URL (default: SQLite in the data directory)")
    p.add_argument("--data", type=Path, help="data directory (default ./data)")
    p.set_defaults(run=cmd_adduser)

    p = sub.add_parser("demo", help="end-to-end demo on the sample city")
    p.add_argument("network", type=Path, nargs="?", default=DEFAULT_NETWORK)
    p.set_defaults(run=cmd_demo)
    return parser


def _ops_parsers(sub: Any, network_args: Callable[[argparse.ArgumentParser], None]) -> None:
    from ops.connections import ConnectionType, type_help

    p = sub.add_parser(
        "deadline",
        help="Table 1 deadline of a connection application",
        description="Deadline of a connection application after acceptance (Table 1 of the "
        "service plan), in working days (Chinese holidays and make-up days) or, for fast "
        "connection, calendar days.",
    )
    p.add_argument(
        "--type",
        required=True,
        choices=[t.value for t in ConnectionType],
        metavar="TYPE",
        help="; ".join(type_help().split("; ")),
    )
    p.add_argument("--accepted", required=True, help='acceptance time, "YYYY-MM-DD HH:MM"')
    p.add_argument("--dn", type=float, help="connection pipe size, mm (size-dependent types)")
    p.add_argument("--length-m", type=float, help="external line length, m")
    p.add_argument("--holidays", type=Path, help="holiday override TOML (default: the project's)")
    p.add_argument(
        "--day-reading",
        choices=["calendar", "civil_code"],
        default="calendar",
        help="how plain 日 (fast connection, missing papers) is counted: calendar = N x 24 h "
        "(default); civil_code = 《民法典》 arts. 201/203, from the next day to the office's "
        "closing on the last day, moved past rest days",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_deadline)

    def where_args(p: argparse.ArgumentParser) -> None:
        network_args(p)
        where = p.add_mutually_exclusive_group(required=True)
        where.add_argument("--pipe", action="append", help="pipe id; repeat for several")
        where.add_argument("--at", metavar="LON,LAT", help="map point, snapped to a pipe")
        p.add_argument("--inoperable", default="", help="valve ids found not to close: V1,V2")

    p = sub.add_parser("notice", help="render an outage notice for a shutdown")
    where_args(p)
    p.add_argument("--start", required=True, help='"YYYY-MM-DD HH:MM" (Kaifeng time)')
    p.add_argument("--end", required=True, help="expected restoration, same format")
    p.add_argument("--kind", choices=["planned", "emergency"], default="planned")
    p.add_argument("--reason-zh", default=None, help="reason in Chinese, e.g. 管道维修")
    p.add_argument("--reason", default="", help="reason in English (optional)")
    p.add_argument("--id", default="OUT-1", help="notice id (default OUT-1)")
    p.add_argument("--now", help='publication time (default: now), "YYYY-MM-DD HH:MM"')
    p.add_argument(
        "--lead-hours",
        type=float,
        default=DEFAULT_LEAD.total_seconds() / 3600,
        help="notice lead for planned",
    )
    p.add_argument("--draft", action="store_true", help="do not publish: render the draft")
    p.add_argument(
        "--approved-by",
        metavar="AUTHORITY",
        help="a planned outage: the water-supply authority that approved it (城市供水条例 §22), "
        "e.g. 开封市城市管理局; with --approval-document and --approved-at, needed to publish",
    )
    p.add_argument("--approval-document", metavar="NO", help="the approval's document number")
    p.add_argument("--approved-at", metavar="TIME", help='when it was approved, "YYYY-MM-DD HH:MM"')
    p.add_argument(
        "--reported-to",
        metavar="AUTHORITY",
        help="an emergency: the authority it was reported to (at --now)",
    )
    p.add_argument(
        "--format",
        choices=["zh", "en", "cap", "geojson", "ical", "atom", "json"],
        default="zh",
        help="zh/en text (default zh), CAP 1.2 XML, GeoJSON, iCalendar, Atom or JSON",
    )
    p.set_defaults(run=cmd_notice)

    p = sub.add_parser(
        "repair", help="job chain of a leak or burst; with --roster, the day's plan and notice"
    )
    where_args(p)
    p.add_argument("--severity", choices=["burst", "major_leak", "minor_leak"], default="burst")
    p.add_argument("--reported", help='report time (default: now), "YYYY-MM-DD HH:MM"')
    p.add_argument("--roster", type=Path, help="roster.csv: plan the chain with these crews")
    p.add_argument("--seconds", type=float, default=10.0, help="solver time limit")
    p.add_argument("--id", default="T-1", help="ticket id (default T-1)")
    p.set_defaults(run=cmd_repair)


# -- helpers -------------------------------------------------------------------------------


@contextmanager
def _status(message: str) -> Iterator[None]:
    """Show what is going on (on stderr, so JSON on stdout stays clean)."""
    start = time.perf_counter()
    with err.status(message):
        yield
    err.print(f"[dim]{message} done in {time.perf_counter() - start:.1f} s[/dim]")


def _load(args: argparse.Namespace) -> Network:
    from gis.io import read_network

    with _status(f"reading {args.network}"):
        # (the programme commands read a network without the mapping options)
        mapping = getattr(args, "mapping", None)
        network = read_network(args.network, valves=args.valves, crs=args.crs, mapping=mapping)
    for warning in network.warnings:  # the report's warnings come as "WARNING layer id: ..."
        err.print(f"[yellow]warning:[/yellow] {escape(warning.removeprefix('WARNING '))}")
    return network


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        _print_json(report.to_dict())
        return
    table = Table(title=f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    for column in ("severity", "layer", "id", "problem", "fix"):
        table.add_column(column, overflow="fold")
    for p in report:
        colour = "red" if p.severity == "error" else "yellow"
        # the data's own text is not markup: "[RULES] was not read" keeps its brackets
        row = (p.layer, p.id or "", p.message, p.fix)
        table.add_row(f"[{colour}]{p.severity}[/{colour}]", *(escape(text) for text in row))
    (out if report.ok else err).print(table)


# -- commands ------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from gis.io import read_layers
    from gis.validate import validate_layers

    with _status(f"validating {args.network}"):
        layers = read_layers(args.network, valves=args.valves, crs=args.crs, mapping=args.mapping)
        report = validate_layers(layers)
    if args.snaps is not None and layers.topology is not None:
        layers.topology.snaps().to_csv(args.snaps, index=False)
        err.print(f"[dim]wrote {args.snaps}[/dim]")
    if args.write_mapping is not None and layers.mapping is not None:
        from gis.mapping import write_mapping

        write_mapping(layers.mapping, args.write_mapping)
        err.print(f"[dim]wrote {args.write_mapping}: check it, then pass it as --mapping[/dim]")
    if args.json:
        _print_json(report.to_dict())
    elif report.problems:
        _print_report(report, as_json=False)
    else:
        out.print(f"[green]{args.network}: no problems found[/green]")
    if report.ok and not args.json:
        from gis.network import build_network

        summary = build_network(layers).summary()
        out.print(", ".join(f"{k} {v}" for k, v in summary.items() if k != "name"))
    return 0 if report.ok else 1


def cmd_segments(args: argparse.Namespace) -> int:
    import numpy as np

    from gis.segments import segment_network, segments_summary, segments_table

    network = _load(args)
    with _status("computing valve segments"):
        seg = segment_network(network)
    if args.json:
        _print_json({"segments": segments_table(network, seg)})
        return 0
    summary = segments_summary(seg)
    table = Table(title=f"Valve segments of {network.name}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(
            key.replace("_", " "), f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        )
    out.print(table)
    customers = seg.seg_customers.sum(axis=1)
    order = np.lexsort((-seg.seg_length_m, -customers))[: args.top]
    top = Table(title=f"Largest {len(order)} segments (by customers, then length)")
    for column in ("segment", "pipes", "length m", "customers", "boundary valves", "a pipe"):
        top.add_column(column, justify="right" if column != "a pipe" else "left")
    for s in order.tolist():
        pipes = seg.pipes_of(s)
        top.add_row(
            str(s),
            str(len(pipes)),
            f"{seg.seg_length_m[s]:,.0f}",
            str(int(customers[s])),
            str(len(seg.boundary_valves_of(s))),
            str(network.pipes.ids[pipes[0]]) if len(pipes) else "-",
        )
    out.print(top)
    return 0


def cmd_isolate(args: argparse.Namespace) -> int:
    from gis.io import plan_to_geojson
    from gis.isolation import combined_shutdown

    isolator, pipes, failed = _shutdown(args)
    network = isolator.network
    overlap = None
    if len(pipes) > 1:
        overlap = combined_shutdown(isolator, [[p] for p in pipes], failed)
        plan = overlap.combined
    else:
        plan = isolator.isolate(pipes, failed)
    if args.geojson:
        _print_json(plan_to_geojson(network, plan))
    elif args.json:
        data = plan.to_dict()
        if overlap is not None:
            data["overlap"] = {
                "extra_customers": overlap.extra_customers.to_dict(),
                "extra_pipes": list(overlap.extra_pipes),
                "separate": [
                    {"breaks": list(p.breaks), "customers": p.customers.total}
                    for p in overlap.separate
                ],
            }
        _print_json(data)
    else:
        _print_plan(plan)
        if overlap is not None:
            extra = overlap.extra_customers
            out.print(
                f"[bold]Overlap:[/bold] together the {len(pipes)} shutdowns cut off "
                f"{extra.total} customers ({extra.accounts} accounts) that none of them cuts "
                f"alone; extra pipes: {len(overlap.extra_pipes)}"
            )
            for c in extra.critical:
                out.print(f"  [red]critical:[/red] {c.name or c.id} ({c.kind})")
    return 0


def _parse_point(text: str) -> tuple[float, float]:
    from gis.io import parse_lonlat

    return parse_lonlat(text)


def _print_plan(plan: Any) -> None:
    out.print(f"[bold]Isolation of {', '.join(plan.breaks)}[/bold]")
    for warning in plan.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}")
    table = Table(title=f"Valves to close ({len(plan.valves_to_close)})")
    # without a CRS the positions are the file's own x, y, not degrees
    local = any(v.lon is None and math.isfinite(v.x) for v in plan.valves_to_close)
    for column in ("valve", "pipe", "at node", "x, y (no CRS)" if local else "lon, lat"):
        table.add_column(column)
    for v in plan.valves_to_close:
        if v.lon is not None and v.lat is not None:
            where = f"{v.lon:.6f}, {v.lat:.6f}"
        elif math.isfinite(v.x) and math.isfinite(v.y):
            where = f"{v.x:.1f}, {v.y:.1f}"
        else:  # at a node the file gives no coordinates
            where = "-"
        table.add_row(v.id, v.pipe_id, v.node_id, where)
    out.print(table)
    if plan.bypassed_valves:
        out.print(
            "Bypassed (will not close): "
            + ", ".join(f"{v.id} ({v.reason})" for v in plan.bypassed_valves)
        )
    if plan.valves_not_needed:
        # each with its reason: no source beyond it, or water cannot pass it in (one-way)
        reasons = (f"{v.id} ({v.reason})" for v in plan.valves_not_needed)
        out.print("Not needed: " + ", ".join(reasons))
    c = plan.customers
    summary = Table(title="Who loses water", show_header=False)
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row(
        "isolated pipes", f"{len(plan.isolated_pipes)} ({plan.isolated_length_m:,.0f} m)"
    )
    summary.add_row(
        "unintended pipes", f"{len(plan.unintended_pipes)} ({plan.unintended_length_m:,.0f} m)"
    )
    summary.add_row("customers", f"{c.total:,} ({c.accounts:,} accounts)")
    for category, n in c.by_category.items():
        if n:
            summary.add_row(f"  {category}", f"{n:,}")
    summary.add_row(
        "streets", ", ".join(plan.streets[:8]) + (" …" if len(plan.streets) > 8 else "")
    )
    out.print(summary)
    for crit in c.critical:
        out.print(f"  [red]critical customer:[/red] {crit.name or crit.id} ({crit.kind})")
    if plan.area is not None:
        out.print(f"Affected area: {plan.area['type']} (use --geojson for the map)")


def cmd_criticality(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from gis.criticality import valve_criticality
    from gis.isolation import Isolator

    network = _load(args)
    with _status("computing valve segments"):
        isolator = Isolator(network)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("valve criticality", total=len(network.valves))
        update: Callable[[int, int], None] = lambda done, total: progress.update(  # noqa: E731
            task, completed=done
        )
        ranked = valve_criticality(isolator, progress=update)
    if args.json:
        _print_json({"valves": [r.to_dict() for r in ranked]})
        return 0
    table = Table(title=f"Most critical valves of {network.name} (of {len(ranked)})")
    for column in (
        "rank",
        "valve",
        "pipe",
        "node",
        "extra customers",
        "extra accounts",
        "extra critical",
        "extra length m",
    ):
        table.add_column(
            column, justify="right" if column.startswith(("rank", "extra")) else "left"
        )
    for rank, r in enumerate(ranked[: args.top], start=1):
        table.add_row(
            str(rank),
            r.valve_id,
            r.pipe_id,
            r.node_id,
            f"{r.extra_customers:,}",
            f"{r.extra_accounts:,}",
            str(r.extra_critical),
            f"{r.extra_length_m:,.0f}",
        )
    out.print(table)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    import datetime as dt

    from routing.io import PlanInputError, format_time, plan_to_geojson, read_crews, read_jobs
    from routing.model import Problem
    from routing.solver import SolverOptions, solve

    try:
        from ops.calendar import TZ

        base = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(TZ).date()
        jobs, precedences = read_jobs(args.jobs, base)
        crews = read_crews(args.crews, base)
    except (PlanInputError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 1
    travel = None
    if args.roads is not None:
        travel = _road_model(args.roads)
        if travel is None:
            return 1
    problem = Problem(tuple(crews), tuple(jobs), tuple(precedences), travel)
    with _status(f"planning {len(jobs)} jobs for {len(crews)} crews ({args.seconds:g} s)"):
        plan = solve(problem, SolverOptions(seconds=args.seconds))
    if args.geojson:
        _print_json(plan_to_geojson(plan, base))
        return 0
    if args.json:
        data = plan.to_dict()
        for route, out_route in zip(plan.routes, data["routes"], strict=True):
            out_route["geometry"] = route.geometry
        _print_json(data)
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
                _stop_name(stop),
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


def _road_model(path: Path) -> Any:
    from routing.io import PlanInputError, read_roads

    try:
        with _status(f"building the road graph of {path}"):
            return read_roads(path, required=True)
    except PlanInputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        return None


def _moment(text: str | None, what: str) -> Any:
    import datetime as dt

    from ops.calendar import TZ
    from ops.errors import InvalidRequest

    if text is None:  # the utility's wall time (the machine may keep UTC)
        return dt.datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
    try:
        return dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidRequest(f'{what} {text!r} is not a time: write "YYYY-MM-DD HH:MM"') from None


def cmd_deadline(args: argparse.Namespace) -> int:
    from ops.calendar import HolidaySchedule, WorkCalendar
    from ops.connections import RULES, ConnectionRules, connection_deadline, connection_type

    calendar = WorkCalendar(holidays=HolidaySchedule.load(args.holidays))
    accepted = _moment(args.accepted, "--accepted")
    kind = connection_type(args.type)
    rules = ConnectionRules(day_reading=args.day_reading)
    deadline = connection_deadline(
        kind, accepted, calendar, dn_mm=args.dn, length_m=args.length_m, rules=rules
    )
    if args.json:
        _print_json({"type": kind.value, "accepted": accepted.isoformat(), **deadline.to_dict()})
        return 0
    rule = RULES[kind]
    out.print(
        f"[bold]{deadline.due:%Y-%m-%d %H:%M}[/bold] ({deadline.due:%a}): "
        f"{deadline.days:g} {deadline.unit} after acceptance at {accepted:%Y-%m-%d %H:%M}"
    )
    out.print(f"{kind.value} — {rule.chinese}; {deadline.basis}")
    if deadline.calendar is not None:
        style = "yellow" if deadline.calendar.provisional_years else "dim"
        out.print(f"[{style}]calendar: {deadline.calendar.describe()}[/{style}]")
    return 0


def _shutdown(args: argparse.Namespace) -> tuple[Any, list[str], list[str]]:
    from gis.isolation import isolator_for

    network = _load(args)
    with _status("computing valve segments"):
        isolator = isolator_for(network)
    failed = [v.strip() for v in args.inoperable.split(",") if v.strip()]
    for v in failed:
        network.valve_index(v)  # unknown ids fail early with a clear message
    if args.at:
        lon, lat = _parse_point(args.at)
        pipes = [isolator.nearest_pipe(lon, lat)]
        err.print(f"[dim]{args.at} snapped to pipe {pipes[0]}[/dim]")
    else:
        pipes = [p.strip() for arg in args.pipe for p in arg.split(",") if p.strip()]
    return isolator, pipes, failed


def _notice_issuer() -> tuple[Any, str]:
    """Who signs the notices the CLI renders, and their hotline: the service's settings
    (WATEROPS_HOTLINE, WATEROPS_ISSUER_NAME_ZH, or the TOML file); unset, the demo's invented
    ones, which every notice then says are invented."""
    from api.settings import MissingSetting, Settings

    try:
        return Settings().notice_issuer()
    except MissingSetting as exc:
        from ops.notices.issuer import DEMO_HOTLINE, Issuer

        err.print(
            f"[yellow]{exc}[/yellow]\n"
            "[dim]the notice is signed by the demo's invented utility[/dim]"
        )
        return Issuer(demo=True), DEMO_HOTLINE


def cmd_notice(args: argparse.Namespace) -> int:
    import datetime as dt

    from gis.isolation import surroundings
    from ops.errors import InvalidRequest
    from ops.notices import render_atom, render_cap, render_geojson, render_ical, render_text
    from ops.outages import RecordKind, create_outage, notice_content, publish, record_authority

    isolator, pipes, failed = _shutdown(args)
    issuer, hotline = _notice_issuer()
    plan = isolator.isolate(pipes, failed)
    content = notice_content(
        plan,
        _moment(args.start, "--start"),
        _moment(args.end, "--end"),
        args.reason,
        surroundings=surroundings(isolator, plan),
        hotline=hotline,
        failed_valves=failed,
        reason_zh=args.reason_zh,
    )
    now = _moment(args.now, "--now")
    outage = create_outage(args.id, args.kind, content, now)
    who = os.environ.get("USER", "cli")
    if args.approved_by or args.approval_document or args.approved_at:
        if not (args.approved_by and args.approval_document and args.approved_at):
            raise InvalidRequest(
                "an approval needs --approved-by, --approval-document and --approved-at"
            )
        outage = record_authority(
            outage,
            RecordKind.APPROVAL,
            args.approved_by,
            _moment(args.approved_at, "--approved-at"),
            who,
            now,
            args.approval_document,
        )
    if args.reported_to:
        outage = record_authority(outage, RecordKind.REPORT, args.reported_to, now, who, now)
    if not args.draft:
        outage = publish(outage, now, lead=dt.timedelta(hours=args.lead_hours))
    fmt = args.format
    if fmt in ("zh", "en"):
        sys.stdout.write(render_text(outage, fmt, issuer))
    elif fmt == "cap":
        sys.stdout.write(render_cap(outage, issuer))
    elif fmt == "geojson":
        _print_json(render_geojson(outage, issuer))
    elif fmt == "ical":
        sys.stdout.write(render_ical(outage, issuer))
    elif fmt == "atom":
        sys.stdout.write(render_atom([outage], now, issuer))
    else:
        _print_json(outage.to_dict())
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    from ops.repairs import RepairReport, Severity, open_repair

    isolator, pipes, failed = _shutdown(args)
    report = RepairReport(
        args.id,
        _moment(args.reported, "--reported"),
        Severity(args.severity),
        pipe_id=pipes[0],
        inoperable_valves=tuple(failed),
    )
    case = open_repair(report, isolator)
    if args.roster is None:
        if args.json:
            _print_json(case.to_dict())
        else:
            _print_case(case)
        return 0
    day_plan, window, outage = _plan_repair(args, case, isolator)
    if args.json:
        _print_json(
            {
                "repair": case.to_dict(),
                "plan": day_plan.to_dict(),
                "outage_window": window.to_dict(),
                "notice": outage.to_dict(),
            }
        )
        return 0
    _print_case(case)
    _print_repair_schedule(case, day_plan, window, outage)
    return 0


def _plan_repair(args: argparse.Namespace, case: Any, isolator: Any) -> tuple[Any, Any, Any]:
    from ops.calendar import WorkCalendar
    from ops.dispatch import plan_day
    from ops.io import read_roster
    from ops.outages import OutageKind, publish, repair_outage

    roster = read_roster(args.roster)
    travel = _road_model(args.network) if args.network.suffix == ".gpkg" else None
    day = case.report.reported_at.date()
    with _status(f"planning the repair with {len(roster)} crews ({args.seconds:g} s)"):
        day_plan = plan_day(
            day,
            list(case.jobs),
            list(case.links),
            roster,
            WorkCalendar(),
            repairs=[case],
            travel=travel,
            seconds=args.seconds,
            now=case.report.reported_at,
        )
    window = day_plan.outage_windows[case.report.id]
    report = case.report
    outage = repair_outage(
        f"OUT-{report.id}",
        report.severity.value,
        case.pipe_id,
        window.start,
        window.end,
        isolator,
        report.reported_at,
        failed_valves=report.inoperable_valves,
        tankers=case.tankers,
        hotline=_notice_issuer()[1],
        source=report.id,
    )
    if outage.kind is OutageKind.EMERGENCY:  # notified at once; a planned one awaits approval
        outage = publish(outage, report.reported_at)
    return day_plan, window, outage


def _print_case(case: Any) -> None:
    r = case.report
    out.print(
        f"[bold]Repair {r.id}[/bold]: {r.severity.value} on pipe {case.pipe_id}, reported "
        f"{r.reported_at:%Y-%m-%d %H:%M}; {len(case.isolation.valves_to_close)} valves to "
        f"close, {case.isolation.customers.total:,} customers cut off"
    )
    table = Table(title=f"Job chain ({len(case.jobs)} jobs)")
    for column in ("job", "kind", "skills", "min", "crews", "due"):
        table.add_column(column, overflow="fold", no_wrap=column == "job")
    for j in case.jobs:
        table.add_row(
            j.id,
            str(j.kind),
            ",".join(sorted(str(s) for s in j.skills)) or "any",
            f"{j.duration.total_seconds() / 60:.0f}",
            str(j.crews_required),
            f"{j.due:%m-%d %H:%M}" if j.due else "",
        )
    out.print(table)
    start, end = case.expected_window()
    out.print(f"Expected outage before planning: {start:%H:%M}–{end:%H:%M}")
    for note in case.notes:
        out.print(f"  note: {note}")


def _stop_name(stop: Any) -> str:
    """A stop's job as the tables print it: the second crew of a two-crew job says so."""
    return stop.job_id if stop.slot == 1 else f"{stop.job_id} (crew {stop.slot})"


def _print_repair_schedule(case: Any, day_plan: Any, window: Any, outage: Any) -> None:
    from ops.notices import render_text

    table = Table(title=f"Schedule of {case.report.id} on {day_plan.day}")
    for column in ("job", "crew", "start", "end"):
        table.add_column(column)
    rows = []
    mine = {j.id for j in case.jobs}
    for route in day_plan.plan.routes:
        for stop in route.stops:
            if stop.job_id in mine:
                times = day_plan.stop_times(stop.job_id)
                rows.append((times[0], _stop_name(stop), route.crew_id, times[1]))
    for start, job, crew, end in sorted(rows):
        table.add_row(job, crew, f"{start:%H:%M}", f"{end:%H:%M}")
    out.print(table)
    for u in day_plan.plan.unassigned:
        out.print(f"  [yellow]not planned:[/yellow] {u.job_id}: {u.reason} ({u.detail})")
    state = "as scheduled" if window.scheduled else "estimated (chain not fully planned)"
    out.print(
        f"[bold]Outage window[/bold] {state}: {window.start:%Y-%m-%d %H:%M} – "
        f"{window.end:%H:%M} (first closure to last reopening)"
    )
    out.rule("notice (zh)")
    out.print(render_text(outage, "zh", _notice_issuer()[0]), end="")


def _service_env(args: argparse.Namespace) -> None:
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    if args.data:
        os.environ["WATEROPS_DATA_DIR"] = str(args.data)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import DEMO_PASSWORD, DEMO_USERS

    _service_env(args)
    if args.demo:
        os.environ["WATEROPS_SEED_DEMO_USERS"] = "true"
        os.environ.setdefault("WATEROPS_SEED_DEMO_WORK", "true")
    os.environ.setdefault("WATEROPS_PUBLIC_URL", f"http://{args.host}:{args.port}")
    url = f"http://{args.host}:{args.port}"
    out.print(f"[bold]waterops[/bold] at {url}")
    out.print(f"console {url}/ · public outages {url}/outages · API docs {url}/docs")
    if args.demo:
        users = ", ".join(DEMO_USERS)
        out.print(
            f"demo users: {users} — password [bold]{DEMO_PASSWORD}[/bold] (not for production)"
        )
    else:
        out.print("users: create one with  waterops adduser NAME --role admin")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=os.environ.get("WATEROPS_LOOP", "uvloop"),
        proxy_headers=False,  # not behind a proxy by default; a deployment behind one sets it
        log_level="info",
        access_log=args.access_log,
    )
    return 0


def cmd_adduser(args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy import select

    from api.db.session import make_engine, migrate, session_factory
    from api.db.tables import User
    from api.security import hash_password
    from api.settings import Settings

    _service_env(args)
    settings = Settings()
    password = os.environ.get("WATEROPS_PASSWORD") or getpass.getpass(
        f"password for {args.username}: "
    )
    if len(password) < 8:
        err.print("[red]error:[/red] the password needs at least 8 characters")
        return 1
    engine = make_engine(settings.database)
    migrate(engine)
    with session_factory(engine)() as session, session.begin():
        user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            session.add(
                User(username=args.username, password_hash=hash_password(password), role=args.role)
            )
            out.print(f"added {args.username} ({args.role})")
        else:
            user.password_hash = hash_password(password)
            user.token_generation += 1  # the tokens of the old password stop working
            user.role = args.role
            user.active = True
            out.print(f"reset {args.username} ({args.role}); its tokens no longer work")
    engine.dispose()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Validate the sample city, summarise its segments, isolate a break and print the plan."""
    import numpy as np

    from gis.io import read_layers
    from gis.isolation import Isolator
    from gis.network import build_network
    from gis.segments import segments_summary
    from gis.validate import validate_layers

    path: Path = args.network
    out.rule(f"1. validate {path}")
    with _status("reading and validating"):
        layers = read_layers(path)
        report = validate_layers(layers)
    if not report.ok:
        _print_report(report, as_json=False)
        return 1
    out.print(f"[green]{len(report.errors)} errors, {len(report.warnings)} warnings[/green]")
    network = build_network(layers)
    out.print(", ".join(f"{k} {v}" for k, v in network.summary().items() if k != "name"))

    out.rule("2. valve segments")
    with _status("computing valve segments"):
        isolator = Isolator(network)
    for key, value in segments_summary(isolator.segmentation).items():
        out.print(
            f"{key.replace('_', ' ')}: {value:,.1f}"
            if isinstance(value, float)
            else f"{key.replace('_', ' ')}: {value:,}"
        )

    out.rule("3. isolate a break")
    # The demo break: the pipe serving the most customers, a hospital among them if possible.
    seg = isolator.segmentation
    crit = seg.seg_customers[:, -1]
    busiest = int(np.lexsort((-seg.seg_customers.sum(axis=1), -crit))[0])
    pipe = str(network.pipes.ids[seg.pipes_of(busiest)[0]])
    plan = isolator.isolate(pipe)
    _print_plan(plan)

    out.rule("4. the same break when the first valve will not close")
    if plan.valves_to_close:
        failed = plan.valves_to_close[0].id
        worse = isolator.isolate(pipe, [failed])
        out.print(
            f"valve {failed} fails: {len(worse.valves_to_close)} valves to close instead of "
            f"{len(plan.valves_to_close)}; customers cut off {worse.customers.total:,} instead "
            f"of {plan.customers.total:,}"
        )
    out.rule("5. the break as a repair: job chain, crews' plan, outage notice")
    from ops.repairs import RepairReport, Severity, open_repair

    roster = path.parent / "roster.csv"
    reported = _moment(DEMO_REPORTED, "demo")
    case = open_repair(RepairReport("T-DEMO", reported, Severity.BURST, pipe_id=pipe), isolator)
    plan_args = argparse.Namespace(roster=roster, network=path, seconds=8.0)
    if roster.exists():
        day_plan, window, outage = _plan_repair(plan_args, case, isolator)
        _print_case(case)
        _print_repair_schedule(case, day_plan, window, outage)
        from ops.notices import render_cap

        cap = render_cap(outage)
        out.print(
            f"CAP 1.2 alert {outage.id}: {len(cap):,} bytes, "
            f"{cap.count('<polygon>') // 2} area polygon(s) per language "
            f"(waterops notice --format cap)"
        )
    else:
        _print_case(case)
        out.print(f"[yellow]{roster} not found: the chain is not planned[/yellow]")

    out.rule("6. a connection deadline (Table 1, working days)")
    from ops.calendar import WorkCalendar
    from ops.connections import connection_deadline

    accepted = _moment("2026-09-30 16:00", "demo")
    for kind in ("pre_consultation", "no_external_works", "pre_standard_factory"):
        deadline = connection_deadline(kind, accepted, WorkCalendar())
        out.print(
            f"{kind} accepted {accepted:%a %Y-%m-%d %H:%M}: due {deadline.due:%a %Y-%m-%d %H:%M}"
            f" ({deadline.days:g} {deadline.unit})"
        )
    out.print("(the National Day holiday 10-01…10-07 does not count; Saturday 10-10 does)")
    out.print(
        "\nNext: waterops isolate --help, waterops repair --help, waterops notice --help, "
        "waterops deadline --help"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
