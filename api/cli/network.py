"""``waterops validate``, ``segments``, ``isolate`` and ``criticality``: the network, its valve
segments, the shutdown of a break and the valves ranked by what their failure costs."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress
from rich.table import Table

from api.cli.common import err, load_network, network_args, out, print_json, print_report, status
from gis.criticality import valve_criticality
from gis.hydraulic_model import build_model, default_hour
from gis.hydraulics import (
    HydraulicImpact,
    HydraulicModel,
    PressureSettings,
    engine_for,
    hydraulic_criticality,
    hydraulic_valve_criticality,
    isolation_impact,
    window_impact,
)
from gis.io import parse_lonlat, plan_to_geojson, read_layers
from gis.isolation import IsolationPlan, Isolator, combined_shutdown, isolator_for
from gis.mapping import write_mapping
from gis.network import Network, build_network
from gis.pressure_area import pressure_feature, reduced_pressure_area
from gis.segments import segment_network, segments_summary, segments_table
from gis.validate import validate_layers
from ops.hydraulic_impact import PressureOf, ReducedPressure, reduced_pressure


def add_parsers(sub: Any) -> None:
    """The network commands."""
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
    p.add_argument(
        "--hydraulic",
        action="store_true",
        help="also the hydraulic impact (EPANET, pressure-driven) with the valves closed: "
        "who falls below the service pressure and the demand not served (EPANET input)",
    )
    p.add_argument(
        "--hour",
        type=float,
        default=None,
        help="hour of the model's day of the outage, for --hydraulic (default: the peak hour "
        "of the model built from GIS layers; 0, the file's start, for an EPANET file)",
    )
    window = p.add_mutually_exclusive_group()
    window.add_argument(
        "--end",
        type=float,
        help="--hydraulic through the outage window from --hour to this hour (exclusive; "
        "past 24 for the next day): each customer's worst hour, tanks draining",
    )
    window.add_argument(
        "--hours", type=float, help="--hydraulic through this many hours from --hour"
    )
    p.add_argument(
        "--service-pressure-mpa",
        type=float,
        default=PressureSettings.service_pressure_mpa,
        help="service pressure for --hydraulic (default %(default)s MPa)",
    )
    p.set_defaults(run=cmd_isolate)

    p = sub.add_parser("criticality", help="rank valves by the extra loss when they fail")
    network_args(p)
    p.add_argument("--top", type=int, default=20, help="valves to list (table)")
    p.add_argument(
        "--hydraulic",
        action="store_true",
        help="rank the segments by the demand not served when shut (EPANET, pressure-driven)",
    )
    p.add_argument(
        "--hour",
        type=float,
        default=None,
        help="hour for --hydraulic (default: the peak hour of the model built from GIS layers; "
        "0, the file's start, for an EPANET file)",
    )
    p.add_argument(
        "--service-pressure-mpa",
        type=float,
        default=PressureSettings.service_pressure_mpa,
        help="service pressure for --hydraulic (default %(default)s MPa)",
    )
    p.add_argument("--workers", type=int, default=2, help="processes for --hydraulic (default 2)")
    p.set_defaults(run=cmd_criticality)


def cmd_validate(args: argparse.Namespace) -> int:
    with status(f"validating {args.network}"):
        layers = read_layers(args.network, valves=args.valves, crs=args.crs, mapping=args.mapping)
        report = validate_layers(layers)
    if args.snaps is not None and layers.topology is not None:
        layers.topology.snaps().to_csv(args.snaps, index=False)
        err.print(f"[dim]wrote {args.snaps}[/dim]")
    if args.write_mapping is not None and layers.mapping is not None:
        write_mapping(layers.mapping, args.write_mapping)
        err.print(f"[dim]wrote {args.write_mapping}: check it, then pass it as --mapping[/dim]")
    if args.json:
        print_json(report.to_dict())
    elif report.problems:
        print_report(report, as_json=False)
    else:
        out.print(f"[green]{args.network}: no problems found[/green]")
    if report.ok and not args.json:
        summary = build_network(layers).summary()
        out.print(", ".join(f"{k} {v}" for k, v in summary.items() if k != "name"))
    return 0 if report.ok else 1


def cmd_segments(args: argparse.Namespace) -> int:
    network = load_network(args)
    with status("computing valve segments"):
        seg = segment_network(network)
    if args.json:
        print_json({"segments": segments_table(network, seg)})
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
    isolator, pipes, failed = shutdown(args)
    network = isolator.network
    overlap = None
    if len(pipes) > 1:
        overlap = combined_shutdown(isolator, [[p] for p in pipes], failed)
        plan = overlap.combined
    else:
        plan = isolator.isolate(pipes, failed)
    impact = hydraulic_impact(args, network, plan) if args.hydraulic else None
    low = reduced_pressure_area(network, impact, plan) if impact is not None else None
    if args.geojson:
        collection = plan_to_geojson(network, plan)
        feature = pressure_feature(low, impact) if low and impact else None
        if feature is not None:
            collection["features"].insert(1, feature)
        print_json(collection)
    elif args.json:
        data = plan.to_dict()
        if impact is not None and low is not None:
            data["hydraulic"] = {**impact.to_dict(), "reduced_pressure": low.to_dict()}
        if overlap is not None:
            data["overlap"] = {
                "extra_customers": overlap.extra_customers.to_dict(),
                "extra_pipes": list(overlap.extra_pipes),
                "separate": [
                    {"breaks": list(p.breaks), "customers": p.customers.total}
                    for p in overlap.separate
                ],
            }
        print_json(data)
    else:
        print_plan(plan)
        if overlap is not None:
            extra = overlap.extra_customers
            out.print(
                f"[bold]Overlap:[/bold] together the {len(pipes)} shutdowns cut off "
                f"{extra.total} customers ({extra.accounts} accounts) that none of them cuts "
                f"alone; extra pipes: {len(overlap.extra_pipes)}"
            )
            for c in extra.critical:
                out.print(f"  [red]critical:[/red] {c.name or c.id} ({c.kind})")
        if impact is not None:
            print_impact(impact)
    return 0


def hydraulic_impact(
    args: argparse.Namespace, network: Network, plan: IsolationPlan
) -> HydraulicImpact:
    """The hydraulic impact of the plan: with the file's own EPANET model for an ``.inp``, else
    with the model built from the GIS layers (gis.hydraulic_model, docs/hydraulics.md), at
    ``--hour`` (default: gis.hydraulic_model.default_hour of the model)."""
    settings = PressureSettings(service_pressure_mpa=args.service_pressure_mpa)
    model = hydraulic_model(args, network)
    hour = args.hour if args.hour is not None else default_hour(model)
    end = args.end if args.hours is None else hour + args.hours
    with (
        status("EPANET: the valves closed, pressure-driven"),
        engine_for(model, network, hour, settings, end) as engine,
    ):
        if end is not None:  # through the outage window (gis.hydraulics.window_impact)
            return window_impact(engine, network, plan)
        return isolation_impact(engine, network, plan)


def hydraulic_model(args: argparse.Namespace, network: Network) -> HydraulicModel:
    """The model of the command's network: an EPANET file's own, else built from its GIS
    layers (gis.hydraulic_model)."""
    with status("building the hydraulic model"):
        if Path(args.network).suffix.lower() == ".inp":
            return HydraulicModel.from_inp(args.network)
        layers = read_layers(
            args.network, valves=args.valves, crs=args.crs, mapping=getattr(args, "mapping", None)
        )
        return build_model(layers, network)


def pressure_args(p: argparse.ArgumentParser, what: str) -> None:
    """``--hydraulic`` and ``--service-pressure-mpa`` of a command whose hour is its own."""
    p.add_argument("--hydraulic", action="store_true", help=what)
    p.add_argument(
        "--service-pressure-mpa",
        type=float,
        default=PressureSettings.service_pressure_mpa,
        help="service pressure for --hydraulic (default %(default)s MPa)",
    )


def notice_pressure(
    args: argparse.Namespace, network: Network, hour: float, end: float | None = None
) -> PressureOf:
    """``notice --hydraulic``: the plan's 降压区域 by hydraulics at ``hour`` (the outage's start)
    or, with ``end``, at each customer's worst hour of the outage window
    (ops.hydraulic_impact.outage_window): the customers the closure brings below the service
    pressure (ops.hydraulic_impact)."""
    settings = PressureSettings(service_pressure_mpa=args.service_pressure_mpa)
    model = hydraulic_model(args, network)

    def of(plan: IsolationPlan) -> ReducedPressure:
        with (
            status("EPANET: the valves closed, pressure-driven"),
            engine_for(model, network, hour, settings, end) as engine,
        ):
            if end is None:
                impact = isolation_impact(engine, network, plan)
            else:
                impact = window_impact(engine, network, plan)
        found = reduced_pressure_area(network, impact, plan, newly=True)
        return reduced_pressure(network, plan, impact, found)

    return of


def valve_hydraulics_args(p: argparse.ArgumentParser) -> None:
    """``--hydraulic`` and its settings for the valve programme (``valves programme``)."""
    pressure_args(
        p,
        "also the valves whose failure hurts most hydraulically (EPANET, pressure-driven, every "
        "valve failing in turn: minutes on a city) are critical (ops.valves.critical_valves)",
    )
    p.add_argument(
        "--hour",
        type=float,
        default=None,
        help="hour for --hydraulic (default: the peak hour of the model built from GIS layers; "
        "0, the file's start, for an EPANET file)",
    )
    p.add_argument("--workers", type=int, default=2, help="processes for --hydraulic (default 2)")


def valve_hydraulics(args: argparse.Namespace, network: Network) -> tuple[float, dict[str, float]]:
    """The hour and valve id → the extra demand not served (m³/h) when it fails when needed
    (gis.hydraulics.hydraulic_valve_criticality): what ``critical_valves(hydraulic=)`` takes."""
    model = hydraulic_model(args, network)
    hour = args.hour if args.hour is not None else default_hour(model)
    settings = PressureSettings(service_pressure_mpa=args.service_pressure_mpa)
    with status("computing valve segments"):
        isolator = Isolator(network)
    with (
        engine_for(model, network, hour, settings) as engine,
        Progress(console=err, transient=True) as progress,
    ):
        task = progress.add_task(f"hydraulic valve criticality at hour {hour:g}", total=None)
        rows = hydraulic_valve_criticality(
            engine,
            isolator,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            workers=max(1, args.workers),
        )
    return hour, {r.valve_id: r.extra_not_served_m3h for r in rows}


def segment_hydraulics(args: argparse.Namespace, network: Network, isolator: Isolator) -> int:
    """``criticality --hydraulic``: every segment shut in turn at the hour, ranked by the
    demand not served (gis.hydraulics.hydraulic_criticality, docs/hydraulics.md)."""
    settings = PressureSettings(service_pressure_mpa=args.service_pressure_mpa)
    model = hydraulic_model(args, network)
    hour = args.hour if args.hour is not None else default_hour(model)
    with (
        engine_for(model, network, hour, settings) as engine,
        Progress(console=err, transient=True) as progress,
    ):
        task = progress.add_task("hydraulic criticality (EPANET)", total=None)
        update: Callable[[int, int], None] = lambda done, total: progress.update(  # noqa: E731
            task, completed=done, total=total
        )
        rows = hydraulic_criticality(
            engine, isolator, progress=update, workers=max(1, args.workers)
        )
    if args.json:
        print_json(
            {
                "hour": hour,
                "service_pressure_mpa": args.service_pressure_mpa,
                "segments": [r.to_dict() for r in rows],
            }
        )
        return 0
    unsolved = sum(1 for r in rows if not r.solved)
    table = Table(
        title=f"Segments of {network.name} by demand not served when shut, hour {hour:g} "
        f"(of {len(rows)}; {unsolved} EPANET cannot solve)"
    )
    for column in ("rank", "segment", "pipe", "valves", "not served m³/h", "of it low pressure",
                   "cut off nodes", "newly below service"):  # fmt: skip
        table.add_column(column, justify="left" if column == "pipe" else "right")
    for rank, r in enumerate(rows[: args.top], start=1):
        table.add_row(
            str(rank),
            str(r.segment),
            r.pipe_id,
            str(r.valves_to_close),
            f"{r.not_served_m3h:,.1f}" if r.solved else "not solved",
            f"{r.not_served_low_pressure_m3h:,.1f}",
            f"{r.cut_off_nodes:,}",
            f"{r.newly_below_service:,}",
        )
    out.print(table)
    return 0


def print_impact(impact: HydraulicImpact) -> None:
    when = (
        f"at hour {impact.hour:g}"
        if impact.end_hour is None
        else f"from hour {impact.hour:g} to {impact.end_hour:g} (each node's worst hour)"
    )
    out.print(
        f"[bold]Hydraulic impact[/bold] {when} (EPANET, pressure-driven; "
        f"service pressure {impact.service_pressure_m:.2f} m)"
    )
    out.print(f"  cut off (no path to a source): {len(impact.cut_off_nodes)} nodes")
    out.print(
        f"  below the service pressure beyond those: {len(impact.below_service)} nodes "
        f"({len(impact.newly_below_service)} newly), "
        f"{len(impact.customers_below_service)} customers"
    )
    out.print(
        f"  demand not served: {impact.not_served_m3h:.2f} m³/h of {impact.served_before_m3h:.2f} "
        f"({impact.not_served_cut_off_m3h:.2f} cut off, "
        f"{impact.not_served_low_pressure_m3h:.2f} low pressure)"
        + (
            ""
            if impact.end_hour is None
            else f"; the mean rate over {len(impact.hours)} hours, "
            f"{impact.not_served_m3:.1f} m³ in all"
        )
    )
    for w in impact.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")


def shutdown(args: argparse.Namespace) -> tuple[Isolator, list[str], list[str]]:
    """The isolator of the network, the broken pipes (``--pipe`` or ``--at``) and the valves
    found not to close (``--inoperable``)."""
    network = load_network(args)
    with status("computing valve segments"):
        isolator = isolator_for(network)
    failed = [v.strip() for v in args.inoperable.split(",") if v.strip()]
    for v in failed:
        network.valve_index(v)  # unknown ids fail early with a clear message
    if args.at:
        lon, lat = parse_lonlat(args.at)
        pipes = [isolator.nearest_pipe(lon, lat)]
        err.print(f"[dim]{args.at} snapped to pipe {pipes[0]}[/dim]")
    else:
        pipes = [p.strip() for arg in args.pipe for p in arg.split(",") if p.strip()]
    return isolator, pipes, failed


def print_plan(plan: IsolationPlan) -> None:
    """An isolation plan as tables: the valves to close, who loses water."""
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
    network = load_network(args)
    with status("computing valve segments"):
        isolator = Isolator(network)
    if args.hydraulic:
        return segment_hydraulics(args, network, isolator)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("valve criticality", total=len(network.valves))
        update: Callable[[int, int], None] = lambda done, total: progress.update(  # noqa: E731
            task, completed=done
        )
        ranked = valve_criticality(isolator, progress=update)
    if args.json:
        print_json({"valves": [r.to_dict() for r in ranked]})
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
