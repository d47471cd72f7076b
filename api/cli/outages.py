"""``waterops notice`` and ``repair``: an outage notice for a shutdown, and a break's job chain
with, given a roster, the day's plan and its notice."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from api.cli.common import (
    moment,
    network_args,
    notice_issuer,
    out,
    print_json,
    road_model,
    status,
    stop_name,
)
from api.cli.network import notice_pressure, pressure_args, shutdown
from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.dispatch import CrewShift, DayPlan, plan_day
from ops.errors import InvalidRequest
from ops.hydraulic_impact import outage_window
from ops.io import read_crews, read_roster
from ops.jobs import Location
from ops.notices import render_atom, render_cap, render_geojson, render_ical, render_text
from ops.outages import (
    DEFAULT_LEAD,
    Outage,
    OutageKind,
    RecordKind,
    publish,
    record_authority,
    repair_outage,
    shutdown_outage,
)
from ops.repairs import OutageWindow, RepairCase, RepairReport, Severity, open_repair
from routing import RoadNetwork, SolverOptions


def where_args(p: argparse.ArgumentParser) -> None:
    """The network and the pipes of a shutdown: ``--pipe`` or ``--at``, ``--inoperable``."""
    network_args(p)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--pipe", action="append", help="pipe id; repeat for several")
    where.add_argument("--at", metavar="LON,LAT", help="map point, snapped to a pipe")
    p.add_argument("--inoperable", default="", help="valve ids found not to close: V1,V2")


def publish_args(p: argparse.ArgumentParser, what: str, draft: bool = False) -> None:
    """``--publish``: the one way a command publishes the notice it makes, which is otherwise a
    draft (docs/decisions.md, "The CLI publishes a notice only when asked"); with ``draft``,
    ``--draft`` too, which ``notice`` took when it published by default: accepted, changing
    nothing."""
    if not draft:
        p.add_argument("--publish", action="store_true", help=what)
        return
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--publish", action="store_true", help=what)
    choice.add_argument(
        "--draft",
        action="store_true",
        help="deprecated, changes nothing: the notice is a draft unless --publish",
    )


def add_parsers(sub: Any) -> None:
    """The notice and repair commands."""
    p = sub.add_parser("notice", help="render an outage notice for a shutdown")
    where_args(p)
    p.add_argument("--start", required=True, help='"YYYY-MM-DD HH:MM" (Kaifeng time)')
    p.add_argument("--end", required=True, help="expected restoration, same format")
    p.add_argument("--kind", choices=[k.value for k in OutageKind], default="planned")
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
    publish_args(
        p,
        "publish the notice, as the dispatcher does in the service (a planned one needs "
        "--approved-by …). Without it the notice is a draft",
        draft=True,
    )
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
    pressure_args(  # issue 17: the 降压区域 by EPANET at the start's hour; the notice says which
        p, "the 降压区域 by hydraulics (EPANET, pressure-driven, the worst hour of the window)"
    )
    p.set_defaults(run=cmd_notice)

    p = sub.add_parser(
        "repair",
        help="job chain of a leak or burst and its expected outage; with --roster (or "
        "--crews), the outage expected when those crews can be there, the day's plan and notice",
    )
    where_args(p)
    p.add_argument("--severity", choices=[s.value for s in Severity], default="burst")
    p.add_argument("--reported", help='report time (default: now), "YYYY-MM-DD HH:MM"')
    crews = p.add_mutually_exclusive_group()
    crews.add_argument(
        "--roster",
        type=Path,
        help="roster.csv: the expected outage starts when these crews can be at the first "
        "valve (called out at night by their on-call duty, else their shift, driving from their "
        "depots), and the chain is planned with them",
    )
    crews.add_argument(
        "--crews",
        type=Path,
        help="as --roster, from a `waterops plan` crews.csv: a crew at work with "
        "current_lon/current_lat comes from there",
    )
    p.add_argument("--seconds", type=float, default=SolverOptions.seconds, help="solver time limit")
    p.add_argument("--id", default="T-1", help="ticket id (default T-1)")
    publish_args(
        p,
        "with --roster, publish the notice, as the dispatcher does in the service: an "
        "emergency at once (城市供水条例 §22); a planned one needs its approval first "
        "(waterops notice --approved-by …). Without it the notice is a draft",
    )
    pressure_args(  # issue 17: the notice's 降压区域 over the planned window, as notice's
        p, "with --roster, the notice's 降压区域 by hydraulics (the worst hour of the window)"
    )
    p.set_defaults(run=cmd_repair)


def cmd_notice(args: argparse.Namespace) -> int:
    isolator, pipes, failed = shutdown(args)
    issuer, hotline = notice_issuer()
    now = moment(args.now, "--now")
    start = moment(args.start, "--start")
    end = moment(args.end, "--end")
    low = (
        notice_pressure(args, isolator.network, *outage_window(start, end))
        if args.hydraulic
        else None
    )
    outage = shutdown_outage(
        args.id,
        args.kind,
        pipes,
        isolator,
        start,
        end,
        now,
        reason=args.reason,
        reason_zh=args.reason_zh,
        failed_valves=failed,
        hotline=hotline,
        hydraulic=low,
    )
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
            moment(args.approved_at, "--approved-at"),
            who,
            now,
            args.approval_document,
        )
    if args.reported_to:
        outage = record_authority(outage, RecordKind.REPORT, args.reported_to, now, who, now)
    if args.publish:
        outage = publish(outage, now, lead=dt.timedelta(hours=args.lead_hours))
    fmt = args.format
    if fmt in ("zh", "en"):
        sys.stdout.write(render_text(outage, fmt, issuer))
    elif fmt == "cap":
        sys.stdout.write(render_cap(outage, issuer))
    elif fmt == "geojson":
        print_json(render_geojson(outage, issuer))
    elif fmt == "ical":
        sys.stdout.write(render_ical(outage, issuer))
    elif fmt == "atom":
        sys.stdout.write(render_atom([outage], now, issuer))
    else:
        print_json(outage.to_dict())
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    if args.hydraulic and args.roster is None and args.crews is None:
        raise InvalidRequest(
            "--hydraulic is the notice's 降压区域: give --roster to plan the notice"
        )
    if args.publish and args.roster is None and args.crews is None:
        raise InvalidRequest("--publish publishes the notice: give --roster to plan the notice")
    isolator, pipes, failed = shutdown(args)
    report = RepairReport(
        args.id,
        moment(args.reported, "--reported"),
        Severity(args.severity),
        pipe_id=pipes[0],
        inoperable_valves=tuple(failed),
    )
    crews = crews_of(args, report.reported_at.date())
    case = open_case(report, isolator, crews)
    if crews is None:
        if args.json:
            print_json(case.to_dict())
        else:
            print_case(case)
        return 0
    day_plan, window, outage = plan_repair(args, case, isolator, crews)
    if args.json:
        print_json(
            {
                "repair": case.to_dict(),
                "plan": day_plan.to_dict(),
                "outage_window": window.to_dict(),
                "notice": outage.to_dict(),
            }
        )
        return 0
    print_case(case)
    print_repair_schedule(case, day_plan, window, outage)
    return 0


@dataclass(frozen=True)
class Crews:
    """The crews a repair is promised and planned with: the roster, the travel model the
    planner uses (``--network``'s roads, else straight line) and where crews at work are."""

    roster: list[CrewShift]
    travel: RoadNetwork | None
    positions: dict[str, Location]


def crews_of(args: argparse.Namespace, day: dt.date) -> Crews | None:
    """The crews of ``--roster`` or ``--crews`` (with its current positions), or None."""
    given = getattr(args, "crews", None)  # the demo's arguments have a roster only
    path = args.roster or given
    if path is None:
        return None
    roster = read_roster(path)
    positions: dict[str, Location] = {}
    if given is not None:
        positions = {c.id: c.current_location for c in read_crews(path, day) if c.current_location}
    travel = road_model(args.network) if args.network.suffix == ".gpkg" else None
    return Crews(roster, travel, positions)


def open_case(report: RepairReport, isolator: Isolator, crews: Crews | None) -> RepairCase:
    """The ticket of ``report``, its outage promised by ``crews``' roster, roads and positions
    (:func:`ops.emergency.first_arrival` through :func:`ops.repairs.open_repair`), nominal
    without them."""
    return open_repair(
        report,
        isolator,
        roster=crews.roster if crews else None,
        calendar=WorkCalendar() if crews else None,
        travel=crews.travel if crews else None,
        positions=crews.positions if crews else None,
    )


def plan_repair(
    args: argparse.Namespace, case: RepairCase, isolator: Isolator, crews: Crews | None = None
) -> tuple[DayPlan, OutageWindow, Outage]:
    """The day's plan of a repair with ``crews`` (``args.seconds``), its outage window and its
    notice: a draft, as the service's (:func:`ops.outages.repair_outage`), published with
    ``args.publish`` as the service's dispatcher publishes it (:func:`ops.outages.publish`: an
    emergency at once, a planned one refused without its approval). Without ``crews``, those
    of ``args.roster``."""
    crews = crews or crews_of(args, case.report.reported_at.date())
    assert crews is not None, "plan_repair needs crews: --roster"
    roster = crews.roster
    day = case.report.reported_at.date()
    with status(f"planning the repair with {len(roster)} crews ({args.seconds:g} s)"):
        day_plan = plan_day(
            day,
            list(case.jobs),
            list(case.links),
            roster,
            WorkCalendar(),
            repairs=[case],
            travel=crews.travel,
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
        hotline=notice_issuer()[1],
        source=report.id,
        hydraulic=(
            notice_pressure(args, isolator.network, *outage_window(window.start, window.end))
            if args.hydraulic
            else None
        ),
    )
    if args.publish:
        outage = publish(outage, report.reported_at)
    return day_plan, window, outage


def print_case(case: RepairCase) -> None:
    """A repair's job chain as a table."""
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
    basis = {
        "roster": "when the roster's first crew can be there",
        "roster_estimated_drive": "by the roster, the drive estimated",
        "nominal": "nominal: give --roster for the crews' times",
    }[case.basis]
    out.print(f"Expected outage before planning: {start:%H:%M}–{end:%H:%M} ({basis})")
    for note in case.notes:
        out.print(f"  note: {note}")


def print_repair_schedule(
    case: RepairCase, day_plan: DayPlan, window: OutageWindow, outage: Outage
) -> None:
    """When each job of a repair is done, by which crew, the outage window and the notice."""
    table = Table(title=f"Schedule of {case.report.id} on {day_plan.day}")
    for column in ("job", "crew", "start", "end"):
        table.add_column(column)
    rows = []
    mine = {j.id for j in case.jobs}
    for route in day_plan.plan.routes:
        for stop in route.stops:
            if stop.job_id in mine:
                times = day_plan.stop_times(stop.job_id)
                assert times is not None  # a stop of a route has its times
                rows.append((times[0], stop_name(stop), route.crew_id, times[1]))
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
    out.print(render_text(outage, "zh", notice_issuer()[0]), end="")
