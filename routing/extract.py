"""The plan an OR-Tools solution describes: routes, stops, breaks, totals and what was left out.

A two-crew job whose second crew could not be placed is not done at all, nor is anything that
must follow it, nor (required precedences) anything that would be left half-done: a closed valve
whose reopening could not be planned. The jobs left out get their reason from
:mod:`routing.explain`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ortools.constraint_solver import pywrapcp

from routing.build import COST_SCALE, Model, Nodes
from routing.explain import explain_unassigned
from routing.model import BreakTaken, Job, Location, Plan, Problem, Route, Stop, Unassigned
from routing.travel import StraightLine, TravelModel
from routing.vehicles import Vehicle, idle_breaks


def plan_from_assignment(
    nodes: Nodes,
    model: Model,
    assignment: pywrapcp.Assignment,
    *,
    rejected: Sequence[Unassigned],
    published: Plan | None,
    elapsed: float,
) -> Plan:
    """The plan of a solution of ``model``; ``rejected``: the jobs the prefilter took out."""
    breaks_of = _breaks_taken(model, assignment)
    dropped = _not_done(nodes, model, assignment)
    routes = tuple(
        _route(nodes, model, assignment, vi, breaks_of.get(vi, []), dropped)
        for vi in range(nodes.n_v)
    )
    placed = {s.job_id for r in routes for s in r.stops}
    left_out = [job for job in nodes.feasible_jobs if job.id not in placed]
    unassigned = list(rejected) + explain_unassigned(
        nodes.problem, nodes.vehicles, left_out, placed
    )
    return Plan(
        routes=routes,
        unassigned=tuple(unassigned),
        objective=round(assignment.ObjectiveValue() / COST_SCALE),
        solve_seconds=elapsed,
        status=plan_status(unassigned),
        moved=_moved(published, routes) if published is not None else (),
        stats={
            "vehicles": nodes.n_v,
            "nodes": len(nodes.places),
            "routing_status": model.routing.status(),
        },
    )


def _breaks_taken(model: Model, assignment: pywrapcp.Assignment) -> dict[int, list[BreakTaken]]:
    """The breaks taken, by vehicle (the model keeps each vehicle's break intervals)."""
    breaks_of: dict[int, list[BreakTaken]] = {}
    for vi, intervals in model.breaks.items():
        for interval in intervals:
            if assignment.PerformedValue(interval):
                start = assignment.StartValue(interval)
                breaks_of.setdefault(vi, []).append(
                    BreakTaken(start=start, end=start + assignment.DurationValue(interval))
                )
    return breaks_of


def _not_done(nodes: Nodes, model: Model, assignment: pywrapcp.Assignment) -> set[str]:
    """The jobs in the solution that are not done: see the module docstring."""
    manager, routing = model.manager, model.routing
    copies, n_v = nodes.copies, nodes.n_v
    # A two-crew job whose second crew could not be placed is not done at all.
    second = {
        copies[manager.IndexToNode(i) - 2 * n_v][0].id
        for i in range(routing.Size())
        if not routing.IsStart(i)
        and not routing.IsEnd(i)
        and copies[manager.IndexToNode(i) - 2 * n_v][1] == 1
        and assignment.Value(routing.NextVar(i)) != i
    }
    # ... and neither is anything that must follow it, nor (required links) anything that
    # would be left half-done: a closed valve whose reopening could not be planned.
    dropped = {job.id for job, c in copies if job.crews_required == 2 and job.id not in second}
    active = {
        job.id
        for k, (job, c) in enumerate(copies)
        if c == 0
        and assignment.Value(routing.NextVar(manager.NodeToIndex(2 * n_v + k)))
        != manager.NodeToIndex(2 * n_v + k)
    }
    grew = True
    while grew:
        grew = False
        for p in nodes.problem.precedences:
            if p.before in dropped and p.after not in dropped:
                dropped.add(p.after)
                grew = True
            if (
                p.required
                and p.before in active
                and p.before not in dropped
                and (p.after not in active or p.after in dropped)
            ):
                dropped.add(p.before)
                grew = True
    return dropped


def _route(
    nodes: Nodes,
    model: Model,
    assignment: pywrapcp.Assignment,
    vi: int,
    breaks: list[BreakTaken],
    dropped: set[str],
) -> Route:
    """The route of vehicle ``vi``, without the jobs not done."""
    manager, routing, time_dim = model.manager, model.routing, model.time_dim
    copies, n_v, travel, v = nodes.copies, nodes.n_v, nodes.matrix.seconds, nodes.vehicles[vi]
    stops: list[Stop] = []
    index = routing.Start(vi)
    depart = assignment.Value(time_dim.CumulVar(index))
    prev_node = manager.IndexToNode(index)
    prev_end = depart
    travel_total = 0
    distance = 0.0
    visited = [prev_node]
    index = assignment.Value(routing.NextVar(index))
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        job, c = copies[node - 2 * n_v]
        if job.id in dropped:
            index = assignment.Value(routing.NextVar(index))
            continue
        leg = int(travel[prev_node, node])
        start = assignment.Value(time_dim.CumulVar(index))
        stops.append(_stop(job, c, start, _arrival(prev_end, leg, breaks), leg))
        travel_total += leg
        distance += float(nodes.matrix.meters[prev_node, node])
        prev_node, prev_end = node, start + job.duration
        visited.append(node)
        index = assignment.Value(routing.NextVar(index))
    end_node = manager.IndexToNode(index)
    leg = int(travel[prev_node, end_node])
    travel_total += leg
    distance += float(nodes.matrix.meters[prev_node, end_node])
    # the real return: the drive home from the last job, and a break taken on the way or
    # after it; not the end cumul, which a solution read from routes (the published plan
    # of a re-plan) may leave at the end of the shift
    arrive = min(home_time(prev_end, leg, breaks), assignment.Value(time_dim.CumulVar(index)))
    visited.append(end_node)
    if not stops:
        travel_total, distance, arrive = 0, 0.0, depart
    travel_model = nodes.problem.travel or StraightLine()
    return Route(
        crew_id=v.crew.id,
        shift=v.shift_index,
        day=v.shift.day,
        depart=depart,
        arrive=arrive,
        stops=tuple(stops),
        breaks=tuple(sorted(breaks, key=lambda b: b.start)),
        travel_time=travel_total,
        work_time=sum(s.end - s.start for s in stops),
        distance_m=distance,
        geometry=geometry(travel_model, [nodes.places[n] for n in visited]) if stops else None,
        start_location=v.start,
        end_location=v.end,
    )


def _arrival(prev_end: int, leg: int, breaks: list[BreakTaken]) -> int:
    """When the crew arrives after driving ``leg`` seconds from ``prev_end``: later by a break
    that interrupts the drive."""
    arrival = prev_end + leg
    for pause in breaks:
        if prev_end <= pause.start < arrival:  # the break interrupts the drive
            arrival = pause.end + (arrival - pause.start)
    return arrival


def home_time(prev_end: int, leg: int, breaks: Iterable[BreakTaken]) -> int:
    """When the crew is back from its last job (ended ``prev_end``, ``leg`` seconds away), later
    by each break taken before it is back (at the job or on the way). A break that begins after
    it is back is taken at the depot and does not delay its return (a re-planned route whose
    work was all done had the crew back at the end of the lunch that followed its return, 17
    min after it was: tests/ops/test_dispatch.py on the sample city). Also the return of a
    re-planned route's frozen day (:mod:`routing.replanning`)."""
    arrive = prev_end + leg
    for pause in sorted(breaks, key=lambda b: b.start):
        if prev_end <= pause.start < arrive:
            arrive += pause.end - pause.start
    return arrive


def _stop(job: Job, c: int, start: int, arrival: int, leg: int) -> Stop:
    end = start + job.duration
    return Stop(
        job_id=job.id,
        arrival=min(arrival, start),
        start=start,
        end=end,
        travel=leg,
        deadline_status=deadline_status(job, end),
        location=job.location,
        slot=c + 1,
    )


def _moved(published: Plan, routes: Sequence[Route]) -> tuple[str, ...]:
    """The published jobs whose crews changed (the two crews of a two-crew job trading places
    is no move)."""
    before: dict[str, set[str]] = {}
    for (job_id, _), crew_id in published.slots.items():
        before.setdefault(job_id, set()).add(crew_id)
    now: dict[str, set[str]] = {}
    for r in routes:
        for s in r.stops:
            now.setdefault(s.job_id, set()).add(r.crew_id)
    return tuple(sorted(j for j in before if j in now and now[j] != before[j]))


def plan_status(unassigned: Sequence[Unassigned]) -> str:
    """``mandatory_unassigned`` when a mandatory job is left out, else ``ok``."""
    return "mandatory_unassigned" if any(u.mandatory for u in unassigned) else "ok"


def deadline_status(job: Job, end: int) -> str:
    if job.due is not None:
        return "on_time" if end <= job.due else "late"
    if job.deadline is not None:
        return "on_time"
    return "no_deadline"


def geometry(travel_model: TravelModel, points: list[Location]) -> dict[str, Any]:
    """The GeoJSON line of a route through ``points``, along the travel model's paths."""
    coords: list[Location] = []
    for a, b in itertools.pairwise(points):
        leg = travel_model.path(a, b)
        coords.extend(leg if not coords else leg[1:])
    return {"type": "LineString", "coordinates": [list(p) for p in coords]}


def empty_plan(problem: Problem, vehicles: list[Vehicle], started: float) -> Plan:
    """A plan with every crew idle (no job planned)."""
    routes = tuple(
        Route(
            crew_id=v.crew.id,
            shift=v.shift_index,
            day=v.shift.day,
            depart=v.earliest,
            arrive=v.earliest,
            stops=(),
            breaks=idle_breaks(v),
            travel_time=0,
            work_time=0,
            distance_m=0.0,
            start_location=v.start,
            end_location=v.end,
        )
        for v in vehicles
    )
    return Plan(
        routes=routes,
        unassigned=(),
        objective=0,
        solve_seconds=time.perf_counter() - started,
        status="ok",
    )
