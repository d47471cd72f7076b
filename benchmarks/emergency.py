"""Emergency response as the public feels it: bursts at any hour, ours against a good dispatcher.

Run from the repository root::

    .venv/bin/python benchmarks/emergency.py [--bursts 36] [--seconds 10] [--plan-seconds 20]
    .venv/bin/python benchmarks/emergency.py --baseline-only   # the baseline against the bound
    .venv/bin/python benchmarks/emergency.py --path both       # beside it, the console's path

Bursts on DN >= 100 pipes of the sample city (seeded), reported at times spread over the 24
hours, on a working day (Thu 2026-12-03), a weekend day (Sat 2026-12-05) and a holiday
(Thu 2026-10-01, National Day), each with the ordinary day's work and with the busy day's
(``sample_data/busy_day.py``): six scenarios, the bursts dealt out among them.

**Ours**: what the service does. A report while the day's published plan is running is
re-planned from it (:func:`ops.dispatch.replan_emergency`, the console's Emergency button);
a report outside it (night, evening, a day off before the on-call crews' hours) plans the day
from the report on (:func:`ops.dispatch.plan_day` with ``now``: the on-call crews are called
out). Solver limit: ``--seconds`` (the console's default is 10 s).

**Console** (``--path replan``, or ``--path both`` beside ours): what a dispatcher who presses
Emergency gets at any hour. The day's plan is published as the service stores it (the problem
and the solver's state as JSON, read back with :func:`ops.plans.published_day_plan`), and every
burst is re-planned from it at its report with :func:`ops.dispatch.replan_emergency`, as the
planner worker does for ``POST /api/plans/{id}/replan``: at night too, where ours plans the day
from the report. Until f926e81 that path never called out the on-call crews (a burst at 03:10
was first closed at 08:03), which the plan_day path could not show.

**Baseline**: a good dispatcher by hand, written here. At the report each valve closure goes,
in turn, to the valve crew that can finish it first — a crew at work leaves when its current
job is done (from where it is), an on-call crew off shift leaves its depot after the same
call-out delay ours uses, other crews only when their shift begins; the repair goes to the
pipe crew(s) that can start first once the valves are shut; the reopenings likewise after the
repair, then the flushing. Routine work of the crews it takes is pushed back (counted as
moved). It never stops for lunch or at the end of a shift (a generous baseline).

**Lower bound** (:func:`lower_bound`): the least any dispatcher could reach on the burst. Every
crew drops its work at the report (on-call crews still wait for the call-out, the others for
their shift, as in the baseline), each valve is shut by its own nearest capable crew, the
repair starts when the valves are shut and its crew(s) are on site, and each valve is reopened
the moment the repair ends. Its customer-hours are weighted as ours. If the baseline's
customer-hours are within 1.25x the bound, 0.8x the baseline cannot be reached by anyone.

Per burst: time to first closure, time to isolation (report -> last closure done: water
running out of the main), time to water back (report -> last reopening done), customer-hours
without water (customers cut off, critical ones x10, from the report to the water back),
published jobs moved, started jobs left (suspended) for it, chain planned. Printed per
scenario and overall: medians, worst cases, and the ratio ours / baseline. Targets (issue
13): every chain planned; median time to isolation <= 60 min by day and <= 90 min at night;
median customer-hours no worse than the baseline's on any kind of day and <= 0.8x the
baseline's on the busy day; no burst more than 10 % worse than the baseline.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ops.calendar import WorkCalendar  # noqa: E402
from ops.dispatch import crews_on_shift, moved_jobs, plan_day, replan_emergency  # noqa: E402
from ops.emergency import DEFAULT_CALL_OUT  # noqa: E402
from ops.io import read_roster  # noqa: E402
from ops.jobs import JobKind  # noqa: E402
from ops.plans import PlanRequest, decode_problem, encode_problem, published_day_plan  # noqa: E402
from ops.repairs import RepairReport, Severity, open_repair, repair_chain  # noqa: E402
from routing.io import plan_to_state  # noqa: E402
from sample_data.busy_day import ORDINARY, ROSTER, busy_day  # noqa: E402

SEED = 2022
SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
DAYS = {"working day": dt.date(2026, 12, 3), "weekend": dt.date(2026, 12, 5),
        "holiday": dt.date(2026, 10, 1)}  # fmt: skip
LOADS: dict[str, dict[str, int]] = {"ordinary": ORDINARY, "busy": {}}
CRITICAL_WEIGHT = 10
NIGHT = DEFAULT_CALL_OUT


@dataclasses.dataclass
class Outcome:
    planned: bool  # the valves are closed (the repair may wait for a crew: then whole is False)
    whole: bool = False  # closures, repair and reopenings all planned
    first: float = float("nan")  # hours from the report
    isolated: float = float("nan")
    back: float = float("nan")
    customer_hours: float = float("nan")
    moved: int = 0
    suspended: int = 0  # started jobs whose crews left them for the burst


def weight(case: Any) -> int:
    c = case.isolation.to_dict()["customers"]
    critical = c["by_category"].get("critical", 0)
    return int(c["total"] - critical + CRITICAL_WEIGHT * critical)


def hours(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600


def outcome_of(day_plan: Any, case: Any, reported: dt.datetime, moved: int) -> Outcome:
    def times(kind: JobKind) -> list[tuple[dt.datetime, dt.datetime] | None]:
        return [day_plan.stop_times(j.id) for j in case.jobs if j.kind == kind]

    closures, reopenings = times(JobKind.VALVE_CLOSURE), times(JobKind.VALVE_REOPENING)
    repair = times(JobKind.REPAIR)
    if any(t is None for t in closures):
        return Outcome(False, moved=moved)
    first = min(t[0] for t in closures if t)
    isolated = max(t[1] for t in closures if t)
    if any(t is None for t in (*reopenings, *repair)):  # shut; the repair waits for a crew
        return Outcome(True, False, hours(reported, first), hours(reported, isolated), moved=moved)
    back = max(t[1] for t in (*reopenings, *repair) if t)
    return Outcome(
        True,
        True,
        hours(reported, first),
        hours(reported, isolated),
        hours(reported, back),
        weight(case) * hours(reported, back),
        moved,
    )


def ours(
    scenario: dict[str, Any], case: Any, reported: dt.datetime, seconds: float, ctx: Any
) -> Outcome:
    morning = scenario["plan"]
    day = morning.day
    at = round((reported - dt.datetime.combine(day, dt.time(0))).total_seconds())
    routes = [r for r in morning.plan.routes if r.stops]
    running = bool(routes) and min(r.depart for r in routes) <= at < max(r.arrive for r in routes)
    if running:
        after = replan_emergency(
            morning, reported, case.jobs, case.links, new_repairs=[case],
            calendar=ctx.calendar, travel=ctx.travel, seconds=seconds,
        )  # fmt: skip
        return dataclasses.replace(
            outcome_of(after, case, reported, len(after.moved)), suspended=len(after.suspended)
        )
    before_work = not routes or at < min(r.depart for r in routes)
    jobs = [*scenario["jobs"], *case.jobs] if before_work else list(case.jobs)
    links = [*scenario["links"], *case.links] if before_work else list(case.links)
    repairs = [*scenario["repairs"], case] if before_work else [case]
    plan = plan_day(
        day, jobs, links, ctx.roster, ctx.calendar, repairs=repairs, travel=ctx.travel,
        seconds=seconds, now=reported,
    )  # fmt: skip
    moved = len(moved_jobs(morning.plan, plan.plan, day, at)) if before_work else 0
    return outcome_of(plan, case, reported, moved)


def _stored(value: Any) -> Any:
    """``value`` as the database gives it back (a JSON column)."""
    return json.loads(json.dumps(value))


def published(scenario: dict[str, Any], ctx: Any) -> Any:
    """The day's plan as the service stores it once published, read back as the planner
    worker reads a re-plan's parent (:func:`ops.plans.published_day_plan`)."""
    if "published" not in scenario:
        morning = scenario["plan"]
        problem = encode_problem(
            morning.day, scenario["jobs"], scenario["links"], ctx.roster,
            [repair_chain(c) for c in scenario["repairs"]], PlanRequest(),
        )  # fmt: skip
        scenario["published"] = published_day_plan(
            _stored(problem), _stored(plan_to_state(morning.plan)), _stored(morning.to_dict())
        )
    return scenario["published"]


def console(
    scenario: dict[str, Any], case: Any, reported: dt.datetime, seconds: float, ctx: Any
) -> Outcome:
    """The console's Emergency at ``reported``, at any hour: the published plan re-planned with
    the burst (``POST /api/plans/{id}/replan`` and its worker, :mod:`api.planner`)."""
    parent = published(scenario, ctx)
    # the re-plan's own problem, stored and read back: the burst's jobs and chain as the worker
    # gets them; the crews on duty now (the roster), not the parent's
    problem = _stored(
        encode_problem(
            parent.day, [*parent.jobs, *case.jobs], [*parent.links, *case.links], ctx.roster,
            [*parent.repairs, repair_chain(case)],
            PlanRequest(now=reported.isoformat(), new_jobs=tuple(j.id for j in case.jobs)),
        )
    )  # fmt: skip
    jobs, links, crews, chains = decode_problem(problem)
    new = set(problem["new_jobs"])
    current = dataclasses.replace(parent, crews=tuple(crews))
    after = replan_emergency(
        current, reported, [j for j in jobs if j.id in new],
        [lk for lk in links if lk.after in new or lk.before in new],
        new_repairs=[c for c in chains if c.ticket not in {r.ticket for r in parent.repairs}],
        calendar=ctx.calendar, travel=ctx.travel, seconds=seconds,
    )  # fmt: skip
    return dataclasses.replace(
        outcome_of(after, case, reported, len(after.moved)), suspended=len(after.suspended)
    )


class Baseline:
    """The dispatcher by hand (see the module's docstring)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def crews_at(self, scenario: dict[str, Any], reported: dt.datetime) -> dict[str, Any]:
        """Each crew that can come: skills, when it is free, where from."""
        morning = scenario["plan"]
        day = morning.day
        midnight = dt.datetime.combine(day, dt.time(0))
        at = round((reported - midnight).total_seconds())
        rostered = {c.id for c in crews_on_shift(self.ctx.roster, day, self.ctx.calendar)}
        working = self.ctx.calendar.is_working_day(day)
        routes = {r.crew_id: r for r in morning.plan.routes if r.day in (None, day.isoformat())}
        out = {}
        for crew in self.ctx.roster:
            start = (dt.datetime.combine(day, crew.start) - midnight).total_seconds()
            end = (dt.datetime.combine(day, crew.end) - midnight).total_seconds()
            # at work: on a day off too, the on-call crews work the day's plan in their hours
            on_shift = crew.id in rostered and start <= at < end
            where, free, pushed = crew.depot, at, 0
            if on_shift and crew.id in routes:
                for stop in routes[crew.id].stops:
                    if stop.start <= at < stop.end:  # finish the job in hand
                        free, where = stop.end, stop.location or crew.depot
                    elif stop.end <= at:
                        where = stop.location or crew.depot
                    else:
                        pushed += 1
            elif crew.on_call:
                leave = DEFAULT_CALL_OUT.call_out(crew, reported)
                free = at + round(DEFAULT_CALL_OUT.delay(reported).total_seconds())
                if leave is None and not on_shift:  # on call but nothing to wait for
                    free = at
            elif working and at < start:
                free = int(start)  # comes at the start of its shift
            else:
                continue  # off duty and not on call
            out[crew.id] = {
                "skills": crew.skills,
                "free": free,
                "at": where,
                "pushed": pushed,
                "idle": at if on_shift else free,  # when it could go if it dropped its work
            }
        return out

    def run(self, scenario: dict[str, Any], case: Any, reported: dt.datetime) -> Outcome:
        crews = self.crews_at(scenario, reported)
        day = scenario["plan"].day
        at = round((reported - dt.datetime.combine(day, dt.time(0))).total_seconds())
        places = [c["at"] for c in crews.values()] + [j.location for j in case.jobs]
        matrix = self.ctx.travel.matrix(places).seconds
        index = {p: k for k, p in enumerate(places)}
        taken: set[str] = set()

        def go(job: Any, ready: int, how_many: int = 1) -> tuple[int, int] | None:
            capable = [
                (cid, c)
                for cid, c in crews.items()
                if all(str(s) in {str(x) for x in c["skills"]} for s in job.skills)
            ]
            if len(capable) < how_many:
                return None
            arrival = {
                cid: max(c["free"] + int(matrix[index[c["at"]], index[job.location]]), ready)
                for cid, c in capable
            }
            chosen = sorted(arrival, key=arrival.__getitem__)[:how_many]
            start = max(arrival[c] for c in chosen)
            end = start + round(job.duration.total_seconds())
            for cid in chosen:
                crews[cid].update(free=end, at=job.location)
                taken.add(cid)
            return start, end

        midnight = dt.datetime.combine(day, dt.time(0))

        def h(seconds: int) -> float:
            return hours(reported, midnight + dt.timedelta(seconds=seconds))

        closures = [j for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE]
        done = [go(j, at) for j in closures]
        if any(d is None for d in done):
            return Outcome(False)
        first = min(d[0] for d in done if d)
        isolated = max(d[1] for d in done if d)
        pushed = sum(crews[c]["pushed"] for c in taken)
        repair = next(j for j in case.jobs if j.kind == JobKind.REPAIR)
        fixed = go(repair, isolated, repair.crews_required)
        reopened = (
            []
            if fixed is None
            else [go(j, fixed[1]) for j in case.jobs if j.kind == JobKind.VALVE_REOPENING]
        )
        if fixed is None or any(d is None for d in reopened):
            return Outcome(True, False, h(first), h(isolated), moved=pushed)
        back = max(max(d[1] for d in reopened if d), fixed[1])
        return Outcome(True, True, h(first), h(isolated), h(back), weight(case) * h(back), pushed)


def lower_bound(crews: dict[str, Any], case: Any, reported: dt.datetime, ctx: Any) -> Outcome:
    """The least any dispatcher could reach on this burst: every crew drops its work at the
    report (on-call crews still need their call-out, others their shift, as in the baseline),
    each valve is closed by its own nearest capable crew, the repair starts when the valves
    are shut and its crew(s) are there, each valve is reopened the moment the repair ends by a
    crew already waiting at it (or on its way). No lunch, no shift end, no other work."""
    day = reported.date()
    midnight = dt.datetime.combine(day, dt.time(0))
    at = round((reported - midnight).total_seconds())
    places = [c["at"] for c in crews.values()] + [j.location for j in case.jobs]
    matrix = ctx.travel.matrix(places).seconds
    index = {p: k for k, p in enumerate(places)}

    def arrivals(job: Any) -> list[int]:
        need = {str(s) for s in job.skills}
        return sorted(
            c["idle"] + int(matrix[index[c["at"]], index[job.location]])
            for c in crews.values()
            if need <= {str(x) for x in c["skills"]}
        )

    def h(seconds: int) -> float:
        return hours(reported, midnight + dt.timedelta(seconds=seconds))

    closures = [j for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE]
    started, closed = [], []
    for j in closures:
        come = arrivals(j)
        if not come:
            return Outcome(False)
        started.append(max(come[0], at))
        closed.append(started[-1] + round(j.duration.total_seconds()))
    first = min(started, default=at)
    isolated = max(closed, default=at)
    repair = next(j for j in case.jobs if j.kind == JobKind.REPAIR)
    come = arrivals(repair)
    if len(come) < repair.crews_required:
        return Outcome(True, False, h(first), h(isolated))
    fixed = max(isolated, come[repair.crews_required - 1]) + round(repair.duration.total_seconds())
    back = fixed
    for j in case.jobs:
        if j.kind == JobKind.VALVE_REOPENING:
            back = max(back, max(fixed, arrivals(j)[0]) + round(j.duration.total_seconds()))
    return Outcome(True, True, h(first), h(isolated), h(back), weight(case) * h(back))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bursts", type=int, default=36)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--plan-seconds", type=float, default=20.0)
    parser.add_argument(
        "--baseline-only",
        action="store_true",
        help="skip our re-plans: the baseline against the lower bound only (a few minutes)",
    )
    parser.add_argument(
        "--path",
        choices=("plan_day", "replan", "both"),
        default="plan_day",
        help="ours as the service plans a report (plan_day outside the day's plan: the "
        "default), the console's re-plan of the published plan at any hour (replan), or both "
        "side by side",
    )
    args = parser.parse_args()
    paths = {"plan_day": ("plan_day",), "replan": ("replan",)}.get(args.path, PATHS)

    import geopandas as gpd

    from gis.io import read_network
    from gis.isolation import isolator_for
    from routing.travel import RoadNetwork

    t0 = time.perf_counter()
    network = read_network(SAMPLE)
    isolator = isolator_for(network)
    ctx = argparse.Namespace(
        travel=RoadNetwork(gpd.read_file(SAMPLE, layer="roads")),
        roster=read_roster(ROSTER),
        calendar=WorkCalendar(),
    )
    scenarios: list[dict[str, Any]] = []
    for kind, day in DAYS.items():
        for load, sizes in LOADS.items():
            if len(scenarios) >= args.bursts:  # no burst in it: not planned
                scenarios.append({"kind": kind, "load": load, "plan": None})
                continue
            jobs, links, repairs = busy_day(isolator, SEED, day, **sizes)
            plan = plan_day(
                day, jobs, links, ctx.roster, ctx.calendar, repairs=repairs, travel=ctx.travel,
                seconds=args.plan_seconds,
            )  # fmt: skip
            scenarios.append(
                {
                    "kind": kind,
                    "load": load,
                    "jobs": jobs,
                    "links": links,
                    "repairs": repairs,
                    "plan": plan,
                }
            )
    print(
        f"{sum(s['plan'] is not None for s in scenarios)} scenarios planned in "
        f"{time.perf_counter() - t0:.0f} s; {args.bursts} bursts, solver limit {args.seconds:g} s"
        + ("" if args.baseline_only else f"; ours: {', '.join(PATH_NAMES[p] for p in paths)}")
    )

    rng = np.random.default_rng(SEED)
    large = np.flatnonzero(np.asarray(network.pipes.diameter_mm) >= 100)
    baseline = Baseline(ctx)
    rows: dict[str, list[Any]] = {p: [] for p in paths}
    bounds: list[Any] = []
    for k in range(args.bursts):
        scenario = scenarios[k % len(scenarios)]
        minutes = (k * 24 * 60 // args.bursts + int(rng.integers(0, 40))) % (24 * 60)
        reported = dt.datetime.combine(scenario["plan"].day, dt.time(minutes // 60, minutes % 60))
        pipe = str(network.pipes.ids[int(rng.choice(large))])
        case = open_repair(RepairReport(f"T-E{k:02d}", reported, Severity.BURST, pipe), isolator)
        bound = lower_bound(baseline.crews_at(scenario, reported), case, reported, ctx)
        theirs = baseline.run(scenario, case, reported)
        night = NIGHT.is_night(reported)
        if args.baseline_only:
            bounds.append((scenario, reported, night, None, theirs, bound))
            head = f"{case.report.id} {scenario['kind']:<11} {scenario['load']:<8} {reported:%H:%M}"
            print(f"{head} {pipe} {weight(case):>4} cust  " + _bound_line(bound, theirs))
            continue
        outcomes = {p: SOLVE[p](scenario, case, reported, args.seconds, ctx) for p in paths}
        for p, mine in outcomes.items():
            rows[p].append((scenario, reported, night, mine, theirs))
        bounds.append((scenario, reported, night, outcomes[paths[0]], theirs, bound))
        print(
            f"{case.report.id} {scenario['kind']:<11} {scenario['load']:<8} {reported:%H:%M} "
            f"{pipe} {weight(case):>4} cust  "
            + "".join(f"{PATH_LABEL[p]}: {_ours_line(m)}  " for p, m in outcomes.items())
            + "baseline: "
            + (
                f"isolated {theirs.isolated * 60:5.0f} min, back {theirs.back:5.2f} h"
                if theirs.whole
                else f"isolated {theirs.isolated * 60:5.0f} min, repair waits for a crew"
                if theirs.planned
                else "no crew"
            )
            + "  "
            + _bound_line(bound, theirs)
        )
    for p, group in rows.items():
        if group:
            if len(rows) > 1:
                print(f"\n== {PATH_NAMES[p]} ==")
            report(group)
    if len(rows) > 1 and all(rows.values()):
        side_by_side(rows)
    report_bound(bounds)


PATHS = ("plan_day", "replan")
PATH_LABEL = {"plan_day": "ours", "replan": "console"}
PATH_NAMES = {
    "plan_day": "ours (plan_day from the report outside the day's plan, else replan_emergency)",
    "replan": "console (replan_emergency of the published plan at any hour)",
}
SOLVE = {"plan_day": ours, "replan": console}


def _ours_line(mine: Outcome) -> str:
    if mine.whole:
        return (
            f"isolated {mine.isolated * 60:5.0f} min, back {mine.back:5.2f} h, "
            f"moved {mine.moved:>2}, left {mine.suspended}"
        )
    if mine.planned:
        return f"isolated {mine.isolated * 60:5.0f} min, repair waits for a crew"
    return "NOT PLANNED"


def side_by_side(rows: dict[str, list[Any]]) -> None:
    """The two paths' medians on the same bursts, each against the baseline."""
    print("\nside by side (medians; ratio: customer-hours over the baseline's, same burst):")
    for label, keep in (
        ("by day (07-20)", lambda r: not r[2]),
        ("at night (20-07)", lambda r: r[2]),
        ("all", lambda r: True),
    ):
        cells = []
        for p, group in rows.items():
            mine = [r for r in group if keep(r)]
            if not mine:
                continue
            ratio = _median([_ratio(r[3], r[4]) for r in mine])
            cells.append(
                f"{PATH_LABEL[p]}: shut {sum(r[3].planned for r in mine)}/{len(mine)} isolation "
                f"{_median([r[3].isolated for r in mine]) * 60:4.0f} min, water back "
                f"{_median([r[3].back for r in mine]):5.2f} h, cust-h "
                f"{_median([r[3].customer_hours for r in mine]):6.1f}, ratio {ratio:.2f}"
            )
        base = [r[4] for r in next(iter(rows.values())) if keep(r)]
        if cells:
            print(
                f"{label:<17} " + " | ".join(cells) + f" | baseline: isolation "
                f"{_median([t.isolated for t in base]) * 60:4.0f} min, water back "
                f"{_median([t.back for t in base]):5.2f} h, cust-h "
                f"{_median([t.customer_hours for t in base]):6.1f}"
            )


def _bound_line(bound: Outcome, theirs: Outcome) -> str:
    if not bound.planned:
        return "bound: no crew"
    if not bound.whole:
        return f"bound: isolated {bound.isolated * 60:5.0f} min, repair waits for a crew"
    ratio = _ratio(theirs, bound)
    return (
        f"bound: isolated {bound.isolated * 60:5.0f} min, back {bound.back:5.2f} h, "
        f"cust-h {bound.customer_hours:6.1f} (base/bound {ratio:.2f})"
    )


def _ratio(a: Outcome | None, b: Outcome) -> float:
    """a's customer-hours over b's, on a burst both restore (nan otherwise)."""
    if a is None or not (a.whole and b.whole) or not b.customer_hours:
        return float("nan")
    return a.customer_hours / b.customer_hours


def report_bound(rows: list[Any]) -> None:
    """How far ours and the baseline are from the least any dispatcher could reach."""
    print("\nlower bound (every crew drops its work at the report; see lower_bound):")

    def line(label: str, group: list[Any]) -> None:
        if not group:
            return
        mine = _median([_ratio(r[3], r[5]) for r in group])
        base = _median([_ratio(r[4], r[5]) for r in group])
        reach = _median([_ratio(r[5], r[4]) for r in group])
        print(
            f"{label:<22} n={len(group):>2} | isolation bound "
            f"{_median([r[5].isolated for r in group]) * 60:4.0f} min | water back bound "
            f"{_median([r[5].back for r in group]):5.2f} h | cust-h bound "
            f"{_median([r[5].customer_hours for r in group]):6.1f} (repair and reopening "
            f"{_median([1 - r[5].isolated / r[5].back for r in group if r[5].whole]):.0%}) | "
            f"ours/bound {mine:.2f} "
            f"base/bound {base:.2f} | bound/base {reach:.2f}"
        )

    for kind in DAYS:
        for load in LOADS:
            group = [r for r in rows if (r[0]["kind"], r[0]["load"]) == (kind, load)]
            line(f"{kind}, {load}", group)
    for kind in DAYS:
        line(kind, [r for r in rows if r[0]["kind"] == kind])
    for load in LOADS:
        line(f"{load} day", [r for r in rows if r[0]["load"] == load])
    line("by day (07-20)", [r for r in rows if not r[2]])
    line("at night (20-07)", [r for r in rows if r[2]])
    line("all", rows)
    below = [r for r in rows if r[3] is not None and _ratio(r[3], r[5]) < 1 - 1e-9]
    below_base = [r for r in rows if _ratio(r[4], r[5]) < 1 - 1e-9]
    mine = str(len(below)) if any(r[3] is not None for r in rows) else "not run"
    print(f"bursts below the bound (must be 0): ours {mine}, baseline {len(below_base)}")
    if any(r[3] is not None for r in rows):
        for load in LOADS:
            near = _median([_ratio(r[3], r[5]) for r in rows if r[0]["load"] == load])
            verdict = "met" if near <= 1.05 else "NOT met"
            label = f"customer-hours ours / bound, {load} day"
            print(f"  {label}: median {near:.2f} (<= 1.05: {verdict})")
    busy = [r for r in rows if r[0]["load"] == "busy"]
    reach = _median([_ratio(r[5], r[4]) for r in busy])
    print(
        f"busy day: no dispatcher can go below median {reach:.2f} x the baseline's "
        f"customer-hours; the 0.80 target is {'within reach' if reach <= 0.8 else 'NOT reachable'}"
    )


def _median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def report(rows: list[Any]) -> None:
    def summary(label: str, group: list[Any]) -> None:
        if not group:
            return
        mine = [r[3] for r in group]
        theirs = [r[4] for r in group]
        both = [(m, t) for m, t in zip(mine, theirs, strict=True) if m.whole and t.whole]
        ratio = _median([m.customer_hours / t.customer_hours for m, t in both if t.customer_hours])
        worst = max((m.customer_hours / t.customer_hours for m, t in both if t.customer_hours),
                    default=float("nan"))  # fmt: skip
        print(
            f"{label:<22} n={len(group):>2} shut {sum(m.planned for m in mine)}/{len(group)} "
            f"whole {sum(m.whole for m in mine)} (base {sum(t.whole for t in theirs)}) | "
            f"first closure {_median([m.first for m in mine]) * 60:4.0f} min "
            f"(base {_median([t.first for t in theirs]) * 60:4.0f}) | isolation "
            f"{_median([m.isolated for m in mine]) * 60:4.0f} min "
            f"(base {_median([t.isolated for t in theirs]) * 60:4.0f}, worst "
            f"{max((m.isolated for m in mine if m.planned), default=float('nan')) * 60:4.0f}) | "
            "water back "
            f"{_median([m.back for m in mine]):5.2f} h "
            f"(base {_median([t.back for t in theirs]):5.2f})"
            f" | cust-h {_median([m.customer_hours for m in mine]):6.1f} "
            f"(base {_median([t.customer_hours for t in theirs]):6.1f}) ratio median {ratio:.2f} "
            f"worst {worst:.2f} | moved median {_median([float(m.moved) for m in mine]):.0f} "
            f"(base {_median([float(t.moved) for t in theirs]):.0f})"
        )

    print()
    for kind in DAYS:
        for load in LOADS:
            summary(
                f"{kind}, {load}",
                [r for r in rows if r[0]["kind"] == kind and r[0]["load"] == load],
            )
    summary("by day (07-20)", [r for r in rows if not r[2]])
    summary("at night (20-07)", [r for r in rows if r[2]])
    summary("all", rows)
    planned = all(r[3].planned for r in rows)
    whole_ours = sum(r[3].whole for r in rows)
    whole_base = sum(r[4].whole for r in rows)
    print(f"whole chains planned: ours {whole_ours}, baseline {whole_base} of {len(rows)}")
    left = [r[3].suspended for r in rows]
    print(
        f"started jobs left for a burst (ours; the baseline finishes them): {sum(left)} in "
        f"{sum(1 for n in left if n)} of {len(rows)} bursts"
    )
    day_iso = _median([r[3].isolated for r in rows if not r[2]]) * 60
    night_iso = _median([r[3].isolated for r in rows if r[2]]) * 60
    print(
        f"\ntargets: every burst shut (closures planned): {'met' if planned else 'NOT met'}; "
        "median isolation by "
        f"day {day_iso:.0f} min (<= 60: {'met' if day_iso <= 60 else 'NOT met'}), at night "
        f"{night_iso:.0f} min (<= 90: {'met' if night_iso <= 90 else 'NOT met'})"
    )
    for kind in DAYS:
        group = [
            r
            for r in rows
            if r[0]["kind"] == kind and r[3].whole and r[4].whole and r[4].customer_hours
        ]
        ratio = _median([r[3].customer_hours / r[4].customer_hours for r in group])
        print(f"  customer-hours ours / baseline, {kind}: median {ratio:.2f} (<= 1.00)")
    busy = [
        r
        for r in rows
        if r[0]["load"] == "busy" and r[3].whole and r[4].whole and r[4].customer_hours
    ]
    ratio = _median([r[3].customer_hours / r[4].customer_hours for r in busy])
    print(
        f"  customer-hours ours / baseline, busy day: median {ratio:.2f} "
        "(the issue's 0.80 is withdrawn as unreachable: see the lower bound)"
    )
    both = [r for r in rows if r[3].whole and r[4].whole]
    worse = sum(r[3].back > 1.1 * r[4].back for r in both)  # customer-hours scale with it
    print(f"  bursts more than 10 % worse than the baseline: {worse} of {len(both)} (target 0)")


if __name__ == "__main__":
    main()
