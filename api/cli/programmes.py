"""``waterops leakage ...`` and ``waterops valves ...``: the leakage analysis and the valve
programme on the command line (a human table by default, ``--json`` for machines)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from api.cli.common import (
    DEFAULT_NETWORK,
    err,
    keyword_default,
    load_network,
    network_args,
    out,
    print_json,
    status,
)
from api.cli.network import valve_hydraulics, valve_hydraulics_args
from gis.criticality import valve_criticality
from gis.hydraulic_model import build_model
from gis.io import read_layers
from gis.isolation import Isolator
from gis.network import Network
from ops.calendar import TZ
from ops.errors import InvalidRequest
from ops.leakage import LeakageReport, analyse, rank_dmas, survey_jobs
from ops.valves import (
    MIN_RESULTS_FOR_SHARE,
    ExerciseResult,
    ProgrammeSettings,
    exercise_programme,
    programme_effect,
)
from sample_data.leakage import generate


def add_parsers(sub: Any) -> None:
    """The leakage and valve-programme commands."""
    leak = sub.add_parser("leakage", help="water balance, night flow, bursts, leak surveys")
    lsub = leak.add_subparsers(title="leakage commands", metavar="COMMAND")

    p = lsub.add_parser("sample", help="generate DMA meter data with known leaks (synthetic)")
    p.add_argument("--out", type=Path, default=Path("sample_data/leakage"))
    p.add_argument("--seed", type=int, default=keyword_default(generate, "seed"))
    p.add_argument("--days", type=int, default=keyword_default(generate, "days"))
    p.set_defaults(run=cmd_leakage_sample)

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("data", type=Path, help="folder with meters.csv, flows.csv, billing.csv ...")
        p.add_argument("--network", type=Path, default=DEFAULT_NETWORK, help="the network")
        p.add_argument("--valves", type=Path, help=argparse.SUPPRESS)
        p.add_argument("--crs", help=argparse.SUPPRESS)
        p.add_argument(
            "--outlet-pressure",
            type=float,
            default=keyword_default(analyse, "outlet_pressure_mpa"),
            help="mean plant outlet pressure, MPa",
        )
        p.add_argument("--json", action="store_true", help="print JSON instead of tables")

    p = lsub.add_parser("report", help="balance, CJJ 92 rate, ILI, ranking, bursts, outreach")
    data_args(p)
    p.add_argument(
        "--pressure-management",
        action="store_true",
        help="also each DMA's inlet PRV setting, the leakage it saves (FAVAD) and its payback: "
        "EPANET runs of the network's model over the day (GIS input; minutes)",
    )
    p.set_defaults(run=cmd_leakage_report)

    p = lsub.add_parser("survey", help="leak-survey jobs for the DMAs with most to recover")
    data_args(p)
    p.add_argument(
        "--top", type=int, default=keyword_default(survey_jobs, "top"), help="DMAs to survey"
    )
    p.add_argument(
        "--km-per-day",
        type=float,
        default=keyword_default(survey_jobs, "km_per_crew_day"),
        help="mains a crew surveys a day",
    )
    p.set_defaults(run=cmd_leakage_survey)

    valves = sub.add_parser("valves", help="the valve-exercise programme")
    vsub = valves.add_subparsers(title="valve commands", metavar="COMMAND")

    def programme_args(p: argparse.ArgumentParser) -> None:
        network_args(p)
        p.add_argument("--on", help="the programme's day, YYYY-MM-DD (default today)")
        p.add_argument(
            "--critical-days",
            type=int,
            default=ProgrammeSettings.critical_cycle.days,
            help="cycle of critical valves",
        )
        p.add_argument(
            "--other-days",
            type=int,
            default=ProgrammeSettings.other_cycle.days,
            help="cycle of the others",
        )
        p.add_argument(
            "--critical-share",
            type=float,
            default=ProgrammeSettings.critical_share,
            help="share of valves that is critical",
        )

    p = vsub.add_parser("programme", help="valves due for exercise, critical first, by area")
    programme_args(p)
    valve_hydraulics_args(p)  # issue 17: --hydraulic, the hydraulic valve table (api/cli/network)
    p.add_argument("--top", type=int, default=20, help="valves to list")
    p.set_defaults(run=cmd_valves_programme)

    p = vsub.add_parser("report", help="extra customers at risk before and after the programme")
    programme_args(p)
    p.add_argument(
        "--top",
        type=int,
        default=keyword_default(programme_effect, "top"),
        help="most critical valves considered",
    )
    p.add_argument(
        "--results", type=Path, help="exercise results CSV: valve, result[, date] (stuck, ...)"
    )
    p.set_defaults(run=cmd_valves_report)


def cmd_leakage_sample(args: argparse.Namespace) -> int:
    with status("generating meter data"):
        truth = generate(args.out, days=args.days, seed=args.seed)
    out.print(
        f"{args.out}: {args.days} days of 15-minute flows and pressures for "
        f"{len(truth['households'])} DMAs, {len(truth['events'])} leaks and bursts, "
        f"{len(truth['pressure_changes'])} pressure changes (truth in truth.json; synthetic)"
    )
    return 0


def _report(args: argparse.Namespace) -> tuple[Network, LeakageReport]:
    network = load_network(args)
    model = None
    if getattr(args, "pressure_management", False):
        with status("building the hydraulic model"):
            model = build_model(
                read_layers(args.network, valves=args.valves, crs=args.crs), network
            )
    with status("analysing meter data" + (" and the DMAs' pressures" if model else "")):
        report = analyse(
            args.data, network, outlet_pressure_mpa=args.outlet_pressure, hydraulic_model=model
        )
    return network, report


def coded(text: str, code: str | None, prefix: str) -> str:
    """A warning's English with its code beside it, ``(pm:no_inlet)``, the key of its words in
    js/i18n.js (the CLI has no language option: docs/decisions.md); the English alone where
    the code is missing or ``legacy``."""
    if not code or code == "legacy":
        return escape(text)
    return f"{escape(text)} [dim]({prefix}:{code})[/dim]"


def _codes(pairs: list[dict[str, Any]] | None, count: int) -> list[str | None]:
    """The codes of ``count`` warnings from their ``[{"code", "params"}]`` (None: not given)."""
    codes: list[str | None] = [str(w["code"]) for w in pairs or []]
    return codes if len(codes) == count else [None] * count


def print_pressure_management(
    rows: list[dict[str, Any]],
    warnings: list[str],
    warning_codes: list[dict[str, Any]] | None = None,
) -> None:
    """The table of pressure management by DMA (PRVs that pay first), and the warnings of the
    whole study (a DMA without an inlet, a meter the model contradicts), each with its code."""
    out.rule("Pressure management: inlet PRVs by DMA (FAVAD; PRVs that pay first)")
    table = Table()
    for column in (
        "DMA", "inlet today m", "PRV setting m", "critical point m", "AZP m",
        "saved m3/d", "share of real losses", "payback years", "pays",
    ):  # fmt: skip
        table.add_column(column, justify="left" if column == "DMA" else "right")
    for r in rows:
        low, high = r["inlet_pressure_today_m"]
        setting = r["inlet_setting_m"]
        table.add_row(
            f"{r['dma']} {r['name']}",
            f"{low:.1f}–{high:.1f}",
            "—" if setting is None else f"{setting:.1f} ({r['inlet_setting_mpa']:.3f} MPa)",
            f"{r['critical_today_m']:.1f} → {r['critical_with_prv_m']:.1f}",
            f"{r['p0_m']:.1f} → {r['p1_m']:.1f}",
            f"{r['saved_m3_per_day']:,.1f}",
            f"{r['saved_share_pct']:.1f} %",
            "—" if r["payback_years"] is None else f"{r['payback_years']:.1f}",
            "yes" if r["pays"] else "no",
        )
    out.print(table)
    for r in rows:
        for w, code in zip(
            r["warnings"], _codes(r.get("warning_codes"), len(r["warnings"])), strict=True
        ):
            out.print(f"[yellow]{escape(r['dma'])}:[/yellow] {coded(w, code, 'pm')}")
    for w, code in zip(warnings, _codes(warning_codes, len(warnings)), strict=True):
        out.print(f"[yellow]![/yellow] {coded(w, code, 'pm')}")
    if rows:
        out.print(
            f"N1 {rows[0]['n1']:g}; the critical point is the lowest customer node of the DMA "
            "and of the DMAs it feeds, over the day; AZP: today's (pressure.csv where given) → "
            "with the PRVs (today's less the model's fall)"
        )


def cmd_leakage_report(args: argparse.Namespace) -> int:
    _, report = _report(args)
    data = report.to_dict()
    if args.json:
        print_json(data)
        return 0
    s = data["system"]
    out.rule(f"Water balance {data['period']['start']} – {data['period']['end']} (IWA)")
    table = Table()
    for column in ("", "system input", "authorised", "apparent losses", "real losses", "NRW"):
        table.add_column(column, justify="left" if not column else "right")
    for b in [s, *data["dmas"]]:
        table.add_row(
            b["name"],
            f"{b['system_input_m3']:,.0f}",
            f"{b['authorised_m3']:,.0f}",
            f"{b['apparent_losses_m3']:,.0f}",
            f"{b['real_losses_m3']:,.0f}",
            f"{b['non_revenue_pct']:.1f} %",
        )
    out.print(table)
    for b in [s, *data["dmas"]]:
        for w in b["warnings"]:
            out.print(f"[yellow]{b['name']}:[/yellow] {w}")
    a = s["assumptions"]
    out.print(
        f"m3 over {s['days']:g} days; assumed: customer meters under-register "
        f"{a['meter_under_registration']:.1%}, unauthorised use {a['unauthorised_share']:.2%} "
        "of system input"
    )
    c = data["cjj92"]
    corr = c["corrections_pct"]
    out.print(
        f"CJJ 92-2016: gross {c['gross_rate_pct']:.2f} % − corrections "
        f"(R1 {corr['r1_residential_metering']:.2f}, R2 {corr['r2_mains_length']:.2f}, "
        f"R3 {corr['r3_outlet_pressure']:.2f}, R4 {corr['r4_frost_depth']:.2f}) = "
        f"[bold]{c['rate_pct']:.2f} %[/bold], {c['grade']}; national target 9 %: "
        f"{'met' if c['meets_national_target_9pct'] else 'not met'}"
        + "".join(
            f"\n  ! {coded(w, code, 'cjj92w')}"
            for w, code in zip(
                c["warnings"], _codes(c.get("warning_codes"), len(c["warnings"])), strict=True
            )
        )
    )
    i = data["ili"]
    out.print(
        f"ILI {i['ili']:.2f} (CARL {i['carl_m3_per_day']:,.0f} m3/d, UARL "
        f"{i['uarl_m3_per_day']:,.0f} m3/d)" + "".join(f"\n  ! {w}" for w in i["warnings"])
    )
    connections = sum(r["connections"] for r in data["ranking"])
    if i["ili"] > 2 and c["rate_pct"] <= 10 and connections:  # docs/leakage.md
        use = s["system_input_m3"] / s["days"] / connections
        out.print(
            "  The CJJ 92 rate compares losses with supply; the ILI compares real losses with "
            "the unavoidable minimum for this network's pressure, mains and connections. At "
            f"{use:,.1f} m3 a connection a day (blocks of flats) real losses are a small share "
            f"of supply and still {i['ili']:.1f} times the minimum."
        )
    out.rule("DMAs by recoverable leakage (night flow, last 7 nights)")
    table = Table()
    for column in ("DMA", "name", "real losses m3/d", "UARL m3/d", "ILI", "recoverable m3/d"):
        table.add_column(column, justify="right" if "m3" in column or column == "ILI" else "left")
    for r in data["ranking"]:
        table.add_row(
            r["dma"],
            r["name"],
            f"{r['real_losses_m3_per_day']:,.0f}",
            f"{r['uarl_m3_per_day']:,.0f}",
            f"{r['ili']:.1f}",
            f"{r['recoverable_m3_per_day']:,.0f}",
        )
    out.print(table)
    out.rule(f"New leaks and bursts ({len(data['bursts'])})")
    for b in data["bursts"]:
        out.print(
            f"{b['dma']}: +{b['size_m3h']:.1f} m3/h from the night of {b['started']} "
            f"(seen {b['detected']}, level before {b['baseline_m3h']:.1f} m3/h)"
        )
    out.rule(f"High-water-use customers to call ({len(data['outreach'])})")
    for f in data["outreach"][:30]:
        what = "monthly use" if f["kind"] == "jump" else "night use"
        out.print(
            f"{f['customer']}: {what} {f['value']:g} in {f['month']}, usually {f['usual']:g} "
            f"(×{f['ratio']})"
        )
    if data["pressure_management"] is not None:
        print_pressure_management(
            data["pressure_management"],
            data.get("pressure_management_warnings", []),
            data.get("pressure_management_warning_codes"),
        )
    return 0


def cmd_leakage_survey(args: argparse.Namespace) -> int:
    network, report = _report(args)
    now = dt.datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
    jobs = survey_jobs(
        network, rank_dmas(report.levels), now, top=args.top, km_per_crew_day=args.km_per_day
    )
    if args.json:
        print_json({"jobs": [j.to_dict() for j in jobs]})
        return 0
    table = Table(title=f"Leak-survey jobs ({len(jobs)}): one crew-day each")
    for column in ("job", "lon", "lat", "hours", "due", "what"):
        table.add_column(column)
    for j in jobs:
        table.add_row(
            j.id,
            f"{j.location[0]:.5f}",
            f"{j.location[1]:.5f}",
            f"{j.duration.total_seconds() / 3600:g}",
            j.due.strftime("%Y-%m-%d") if j.due else "",
            j.description,
        )
    out.print(table)
    return 0


def _programme_inputs(
    args: argparse.Namespace,
) -> tuple[Network, dict[str, int], dict[str, int], dt.date, ProgrammeSettings]:
    """The network, valve id → extra customers and → extra critical customers if it fails, the
    day and the programme's settings."""
    network = load_network(args)
    with status("computing valve segments"):
        isolator = Isolator(network)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("valve criticality", total=len(network.valves))
        rows = valve_criticality(
            isolator, progress=lambda done, total: progress.update(task, completed=done)
        )
    on = dt.date.fromisoformat(args.on) if args.on else dt.datetime.now(TZ).date()
    settings = ProgrammeSettings(
        critical_cycle=dt.timedelta(days=args.critical_days),
        other_cycle=dt.timedelta(days=args.other_days),
        critical_share=args.critical_share,
    )
    extra = {r.valve_id: r.extra_customers for r in rows}
    return network, extra, {r.valve_id: r.extra_critical for r in rows}, on, settings


def cmd_valves_programme(args: argparse.Namespace) -> int:
    network, criticality, critical_customers, on, settings = _programme_inputs(args)
    at, hydraulic = valve_hydraulics(args, network) if args.hydraulic else (None, None)
    items = exercise_programme(
        network,
        criticality,
        on,
        settings=settings,
        critical_customers=critical_customers,
        hydraulic=hydraulic,
    )
    if args.json:
        data: dict[str, Any] = {"due": [i.to_dict() for i in items]}
        if hydraulic is not None:
            data["hydraulic"] = {
                "hour": at,
                "service_pressure_mpa": args.service_pressure_mpa,
                "valves": len(hydraulic),
                "critical_by_hydraulics": sorted(settings.hydraulically_critical(hydraulic)),
            }
        print_json(data)
        return 0
    critical = sum(i.critical for i in items)
    table = Table(
        title=f"Valves due on {on}: {len(items):,} ({critical:,} critical, cycle "
        f"{args.critical_days} d; others {args.other_days} d)"
    )
    for column in ("valve", "critical", "area", "last exercised", "due on", "extra customers"):
        table.add_column(column, justify="right" if column == "extra customers" else "left")
    for i in items[: args.top]:
        table.add_row(
            i.valve_id,
            "yes" if i.critical else "",
            i.area or "trunk",
            i.last_exercised.isoformat() if i.last_exercised else "never",
            i.due_on.isoformat(),
            f"{i.extra_customers_if_failed:,}",
        )
    out.print(table)
    return 0


def read_results(path: Path) -> tuple[dict[str, ExerciseResult], dict[str, dt.date]]:
    """An exercise-results CSV: ``valve, result[, date]``."""

    results: dict[str, ExerciseResult] = {}
    dates: dict[str, dt.date] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                valve = row["valve"].strip()
                results[valve] = ExerciseResult(row["result"].strip())
                if row.get("date"):
                    dates[valve] = dt.date.fromisoformat(row["date"].strip())
            except (KeyError, ValueError, AttributeError):
                raise InvalidRequest(
                    f"{path.name} line {line}: expected valve, result (one of "
                    f"{', '.join(r.value for r in ExerciseResult)}) and an optional date",
                    code="exercise_line_invalid",
                    file=path.name,
                    line=line,
                    results=[r.value for r in ExerciseResult],
                ) from None
    return results, dates


def cmd_valves_report(args: argparse.Namespace) -> int:
    network, criticality, critical_customers, on, settings = _programme_inputs(args)
    results, dates = read_results(args.results) if args.results else ({}, {})
    effect = programme_effect(
        network,
        criticality,
        on,
        top=args.top,
        settings=settings,
        exercised=dates,
        results=results,
        critical_customers=critical_customers,
    )
    data = effect.to_dict()
    if args.json:
        print_json(data)
        return 0
    out.print(
        f"The {effect.top} most critical valves: {len(effect.unverified_before)} not verified "
        f"within their cycle on {on}; if each failed when needed, "
        f"[bold]{effect.before:,}[/bold] extra customers in all would lose water (the worst one "
        f"{effect.worst_before:,}).\nAfter a year of the programme, if "
        f"{data['after_assumes']}: "
        f"{len(effect.unverified_after)} left (faults found, valves known inoperable), "
        f"[bold]{effect.after:,}[/bold] extra customers (worst {effect.worst_after:,}): "
        f"{data['reduction_pct']:.0f} % less."
    )
    if data["expected_after"] is not None:  # the utility's own results: enough to use
        out.print(
            f"At the utility's own fault share ({100 * data['fault_share']:.0f} % of the "
            f"{len(results)} exercise results found a valve not to close): about "
            f"[bold]{data['expected_after']:,}[/bold] extra customers after the year."
        )
    else:
        out.print(
            f"In practice some valves will be found stuck and stay at risk until repaired; "
            f"with {MIN_RESULTS_FOR_SHARE} or more exercise results (--results) the report "
            "gives the figure expected at the utility's own fault share."
        )
    return 0
