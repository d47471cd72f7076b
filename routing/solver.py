"""The crew scheduler: an OR-Tools routing model of a :class:`routing.model.Problem`.

Every crew shift is a vehicle; every job a node (two nodes for a two-crew job, tied to the same
start time on different crews). Skills and pinned crews restrict the vehicles a node may use;
windows and deadlines are ranges of the time dimension; lunch breaks are break intervals of the
vehicle; precedences are constraints between the start times of two nodes. Every job has a
disjunction, so the solver can always return a plan: a mandatory job's penalty is so high that it
is only left out when no crew can do it, and :mod:`routing.explain` says why.

Search: parallel cheapest insertion for a first solution, then guided local search until the time
limit. ``metaheuristic="ITERATED_LOCAL_SEARCH"`` instead runs OR-Tools' iterated local search: SISR
ruin-and-recreate perturbations (strings of nearby jobs removed, re-inserted by local cheapest
insertion), each followed by local search; far better on the Solomon set (benchmarks/routing.py),
but OR-Tools 9.15's ILS can overrun its time limit without end on small models, so it is opt-in
and used on plain routing models only (no breaks, precedences, two-crew jobs or published plan).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2

from routing.model import (
    HOUR,
    BreakTaken,
    Crew,
    Job,
    Location,
    Plan,
    Precedence,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    Unassigned,
)
from routing.travel import StraightLine, TravelMatrix

MANDATORY_PENALTY = 10_000_000_000  # far above any day's travel: dropped only when impossible
REASSIGN_PENALTY = 30 * 60  # re-planning: moving a published job to another crew costs 30 min
# The objective is in hundredths of a second of travel, so that lateness costs below one
# second of travel per second late keep their weight in OR-Tools' integer objective.
COST_SCALE = 100


@dataclass(frozen=True)
class SolverOptions:
    """How hard to search.

    Parameters
    ----------
    seconds
        Wall-clock budget of the whole solve (model building included).
    first_solution
        OR-Tools first-solution strategy name.
    metaheuristic
        An OR-Tools local-search metaheuristic name (``GUIDED_LOCAL_SEARCH``, ...), or
        ``ITERATED_LOCAL_SEARCH`` (ruin and recreate, then greedy descent; guided local search
        where it is not used, see the module docstring).
    ruin_visits, ruin_sequence
        Iterated local search: average number of jobs a ruin removes, and the longest string
        removed from one route (SISR ruin).
    annealing
        Iterated local search: accept a worse reference solution by simulated annealing with
        temperatures set from the instance; False: OR-Tools' fixed schedule (100 to 0.01 cost
        units, next to greedy at our cost scale).
    gls_lambda
        Guided local search penalty coefficient.
    log
        Print the search log.
    urgent_first
        A share of the budget (0 to 1) to plan the urgent jobs (``Job.urgent``: an emergency)
        first, alone, with every crew free for them; each is then held to the crew
        and, within :data:`URGENT_HOLD`, the start found, and the rest of the work is planned
        around them. 0: one search for everything.
    """

    seconds: float = 10.0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    ruin_visits: int = 15
    ruin_sequence: int = 10
    annealing: bool = True
    gls_lambda: float = 0.1
    log: bool = False
    solution_limit: int | None = None
    urgent_first: float = 0.0


# the seeds of urgent_first: published routine work this far clear of urgent work is kept
URGENT_CLEAR = (30 * 60, 90 * 60, 4 * 3600)
URGENT_HOLD = 15 * 60  # urgent_first: how far an urgent job may move from where it was put
URGENT_WEIGHT = 10  # an urgent mandatory job weighs ten routine mandatory ones


@dataclass
class _Vehicle:
    crew: Crew
    shift_index: int
    shift: Shift
    start: Location
    end: Location
    earliest: int


def _urgent_first(
    problem: Problem, options: SolverOptions, on_progress: ProgressCallback | None
) -> tuple[Problem, Plan | None]:
    """Plan the urgent jobs alone, then hold each to its crew (one-crew jobs) and to a window
    of :data:`URGENT_HOLD` from the start found: the rest of the work yields to them.

    A dispatcher does the same with a burst. The search alone, given a full day, often put a
    burst's closures where they cost least in travel and found nothing better in time (the
    closures of a night burst at 08:06 and the repair at 15:40, on a busy day)."""
    urgent = {j.id for j in problem.jobs if j.urgent}
    if not urgent:
        return problem, None
    alone = replace(
        problem,
        jobs=tuple(j for j in problem.jobs if j.id in urgent),
        precedences=tuple(
            p for p in problem.precedences if p.before in urgent and p.after in urgent
        ),
    )
    budget = max(0.5, options.seconds * options.urgent_first)
    first = solve(
        alone, replace(options, seconds=budget, urgent_first=0.0), on_progress=on_progress
    )
    held: dict[str, tuple[str | None, int]] = {}
    for route in first.routes:
        for stop in route.stops:
            job_id = stop.job_id
            if job_id in held:  # the second crew of a two-crew job: same start
                held[job_id] = (None, min(held[job_id][1], stop.start))
            else:
                held[job_id] = (route.crew_id, stop.start)
    jobs = []
    for job in problem.jobs:
        if job.id in held:
            crew, start = held[job.id]
            job = replace(
                job,
                pinned_crew=crew if job.crews_required == 1 else job.pinned_crew,
                windows=(TimeWindow(start, start + URGENT_HOLD),),
            )
        jobs.append(job)
    return replace(problem, jobs=tuple(jobs)), first


def drop_penalty(job: Job, horizon_start: int) -> int:
    """Cost of leaving an optional job out, in seconds of travel.

    Grows with the square of priority, and with the nearness of the deadline: a job due within a
    day weighs three times one due in a week.
    """
    if job.mandatory:  # an emergency's jobs go before any routine job that is due
        return MANDATORY_PENALTY * (URGENT_WEIGHT if job.urgent else 1)
    base = HOUR * (1 + 2 * job.priority**2)
    if job.deadline is not None:
        days_left = max(0.0, (job.deadline - horizon_start) / 86_400)
        base = int(base * (1 + 2 / (1 + days_left)))
    return int(base)


def _vehicles(crews: Sequence[Crew]) -> list[_Vehicle]:
    out = []
    for crew in crews:
        for k, shift in enumerate(crew.shifts):
            start = crew.start_location
            earliest = shift.start
            if crew.available_from is not None:
                if crew.available_from >= shift.end:
                    continue  # busy for the whole shift
                if crew.available_from > shift.start:
                    earliest = crew.available_from
                    if crew.current_location is not None:
                        start = crew.current_location
            end = crew.end_location or crew.start_location
            out.append(_Vehicle(crew, k, shift, start, end, earliest))
    return out


def _job_range(job: Job, lo: int, hi: int) -> list[tuple[int, int]]:
    """Allowed start-time intervals of a job, within [lo, hi]."""
    windows = [(w.start, w.end) for w in job.windows] or [(lo, hi)]
    latest = hi if job.deadline is None else min(hi, job.deadline - job.duration)
    out: list[tuple[int, int]] = []
    for a, b in sorted(windows):
        a, b = max(a, lo), min(b, latest)
        if a <= b:
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
    return out


ProgressCallback = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class _Nodes:
    """What every model of a problem is built from: the jobs some crew could do, the crew
    shifts (vehicles), the nodes (vehicle starts, vehicle ends, then one per job copy), their
    travel matrix and service times."""

    problem: Problem
    feasible_jobs: Sequence[Job]
    vehicles: list[_Vehicle]
    copies: list[tuple[Job, int]]
    matrix: Any
    service: npt.NDArray[np.int64]


@dataclass
class _Model:
    """An OR-Tools routing model of the feasible jobs (see :func:`solve`).

    ``relaxed``: without the precedences' constraints on whether a job is planned (the after
    job only with the before one) and on the largest gap, and without each ordinary job's
    end by its own crew's ordinary shift end (overtime is for urgent jobs): the insertion
    heuristics' filters do not see these plain solver constraints, so a first solution that
    breaks one fails as a whole, and OR-Tools then starts from "nothing planned" (an
    overloaded day came back empty). The relaxed model's first solution, with the jobs that
    break them taken out, seeds the full model instead (:func:`_seed_routes`).
    """

    manager: Any
    routing: Any
    time_dim: Any

    @classmethod
    def build(cls, nodes: _Nodes, published: Plan | None, *, relaxed: bool = False) -> _Model:
        problem, feasible_jobs, vehicles, copies = (
            nodes.problem,
            nodes.feasible_jobs,
            nodes.vehicles,
            nodes.copies,
        )
        matrix, service = nodes.matrix, nodes.service
        n_v = len(vehicles)
        manager = pywrapcp.RoutingIndexManager(
            len(service), n_v, list(range(n_v)), list(range(n_v, 2 * n_v))
        )
        routing = pywrapcp.RoutingModel(manager)
        solver = routing.solver()

        travel = matrix.seconds.copy()
        # A vehicle's own start and end are where it is; other vehicles never visit them.
        transit = travel + service[:, None]
        arc_index = routing.RegisterTransitMatrix((travel * COST_SCALE).tolist())
        if published is None:
            routing.SetArcCostEvaluatorOfAllVehicles(arc_index)
        else:
            _reassignment_costs(routing, travel, copies, vehicles, published, n_v)
        time_index = routing.RegisterTransitMatrix(transit.tolist())
        horizon = max(v.shift.end for v in vehicles)
        day_start = min(v.shift.start for v in vehicles)
        routing.AddDimension(time_index, horizon, horizon, False, "Time")
        time_dim = routing.GetDimensionOrDie("Time")

        for vi, v in enumerate(vehicles):
            time_dim.CumulVar(routing.Start(vi)).SetRange(v.earliest, v.shift.end)
            time_dim.CumulVar(routing.End(vi)).SetRange(v.earliest, v.shift.end)
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(vi)))
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(vi)))

        if any(v.crew.capacity is not None for v in vehicles):
            demand = [0] * len(service)
            for k, (job, _) in enumerate(copies):
                demand[2 * n_v + k] = job.demand
            demand_index = routing.RegisterUnaryTransitVector(demand)
            routing.AddDimensionWithVehicleCapacity(
                demand_index,
                0,
                [v.crew.capacity if v.crew.capacity is not None else 10**9 for v in vehicles],
                True,
                "Load",
            )

        crew_vehicles: dict[str, list[int]] = {}
        for vi, v in enumerate(vehicles):
            crew_vehicles.setdefault(v.crew.id, []).append(vi)
        first_copy: dict[str, int] = {}
        for k, (job, c) in enumerate(copies):
            index = manager.NodeToIndex(2 * n_v + k)
            if c == 0:
                first_copy[job.id] = index
            allowed = [
                vi
                for vi, v in enumerate(vehicles)
                if job.skills <= v.crew.skills
                and (job.pinned_crew is None or job.pinned_crew == v.crew.id)
            ]
            if len(allowed) < n_v:
                routing.VehicleVar(index).SetValues([-1, *allowed])
            # Overtime is for urgent jobs: any other job ends by the ordinary end of the shift
            # that serves it. The latest of the capable shifts bounds its start (the filters
            # see that); its own shift's, by vehicle, is a constraint (index 0: not planned).
            finish = [vehicles[vi].shift.finish_by(job) for vi in allowed]
            ranges = _job_range(job, day_start, min(horizon, max(finish) - job.duration))
            cumul = time_dim.CumulVar(index)
            cumul.SetRange(ranges[0][0], ranges[-1][1])
            for (_, b), (a, _) in itertools.pairwise(ranges):
                cumul.RemoveInterval(b + 1, a - 1)
            # (without overtime the vehicle's own end bounds the job already: the constraint
            # would only slow the search — the 600-job day lost 3 points of travel to it)
            overtime = any(
                vehicles[vi].shift.finish_by(job) < vehicles[vi].shift.end for vi in allowed
            )
            if min(finish) < max(finish) and overtime and not relaxed:
                by_vehicle = [max(finish), *(v.shift.finish_by(job) for v in vehicles)]
                vehicle = (routing.VehicleVar(index) + 1).Var()
                solver.Add(cumul + job.duration <= solver.Element(by_vehicle, vehicle))
            if job.due is not None and job.lateness_cost > 0:
                time_dim.SetCumulVarSoftUpperBound(
                    index,
                    max(0, job.due - job.duration),
                    max(1, round(job.lateness_cost * COST_SCALE)),
                )
            routing.AddDisjunction([index], drop_penalty(job, day_start) * COST_SCALE)
            routing.AddToAssignment(time_dim.SlackVar(index))

        for k, (job, c) in enumerate(copies):
            if c == 1:
                a, b = first_copy[job.id], manager.NodeToIndex(2 * n_v + k)
                # The second crew can only join a job the first is on, at the same start time.
                # (Tying both ActiveVars together would stop the insertion heuristics, which add
                # one node at a time; a first crew left alone is dropped from the plan below.)
                solver.Add(time_dim.CumulVar(a) == time_dim.CumulVar(b))
                solver.Add(routing.ActiveVar(b) <= routing.ActiveVar(a))
                solver.Add(
                    solver.IsDifferentVar(routing.VehicleVar(a), routing.VehicleVar(b))
                    >= routing.ActiveVar(a)
                )

        jobs_by_id = {job.id: job for job in feasible_jobs}
        for p in problem.precedences:
            if p.before not in first_copy or p.after not in first_copy:
                continue
            a, b = first_copy[p.before], first_copy[p.after]
            # only binding when both are planned: on the start times of dropped jobs too, it
            # made a model infeasible outright (a re-plan found "no solution" in 10 ms)
            lag = jobs_by_id[p.before].duration + p.gap
            solver.Add(
                time_dim.CumulVar(b)
                >= time_dim.CumulVar(a)
                + lag
                - (horizon + lag) * (2 - routing.ActiveVar(a) - routing.ActiveVar(b))
            )
            if p.max_gap is not None:
                # start(b) <= end(a) + max_gap when both are planned, as a node precedence: the
                # insertion heuristics' filters see it, so a first solution places a repair
                # soon enough after its closures
                time_dim.AddNodePrecedence(b, a, -(jobs_by_id[p.before].duration + p.max_gap))
            if relaxed:
                continue
            solver.Add(routing.ActiveVar(b) <= routing.ActiveVar(a))
            if p.max_gap is not None:
                # only binding when ``after`` is planned: an unplanned node's time is free
                solver.Add(
                    time_dim.CumulVar(b)
                    <= time_dim.CumulVar(a)
                    + jobs_by_id[p.before].duration
                    + p.max_gap
                    + horizon * (1 - routing.ActiveVar(b))
                )

        node_visit = [0] * routing.Size()  # what a break may not overlap, per node
        for index in range(routing.Size()):
            node = manager.IndexToNode(index)
            node_visit[index] = int(service[node])
            if node >= 2 * n_v and copies[node - 2 * n_v][0].breaks_in_turns:
                node_visit[index] = 0  # the crew eats in turns on site; the work goes on
        for vi, v in enumerate(vehicles):
            intervals = []
            for bi, brk in enumerate(v.shift.breaks):
                lo = max(brk.window.start, v.earliest)
                hi = min(brk.window.end, v.shift.end - brk.duration)
                if lo > hi:
                    continue  # the break is past (re-planning) or cannot fit the shift
                intervals.append(
                    solver.FixedDurationIntervalVar(lo, hi, brk.duration, False, f"break {vi}-{bi}")
                )
            if intervals:
                time_dim.SetBreakIntervalsOfVehicle(intervals, vi, node_visit)
                for interval in intervals:  # so that every solution (hinted ones too) holds them
                    routing.AddIntervalToAssignment(interval)

        return cls(manager, routing, time_dim)


def solve(
    problem: Problem,
    options: SolverOptions | None = None,
    *,
    published: Plan | None = None,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    """Plan the crews' routes.

    Parameters
    ----------
    problem
        Crews, jobs, precedences and the travel model.
    options
        Search settings.
    published
        A plan already published: its assignments are the starting solution, and moving a job
        to another crew costs :data:`REASSIGN_PENALTY` (re-planning changes as little as it can).
    on_progress
        Called (at most twice a second) as the search finds solutions, with ``solutions``,
        ``objective`` (of the best so far) and ``elapsed``; returning True stops the search,
        which then returns the best plan found so far.

    Returns
    -------
    Plan
        Always a plan; jobs that could not be placed are in ``unassigned`` with a reason.
    """
    from routing.explain import explain_unassigned, prefilter

    options = options or SolverOptions()
    started = time.perf_counter()
    alone = None  # the urgent jobs planned first, alone (urgent_first)
    if options.urgent_first > 0:
        problem, alone = _urgent_first(problem, options, on_progress)
        options = replace(
            options,
            seconds=max(0.5, options.seconds - (time.perf_counter() - started)),
            urgent_first=0.0,
        )
        started = time.perf_counter()
    travel_model = problem.travel or StraightLine()
    vehicles = _vehicles(problem.crews)
    feasible_jobs, rejected = prefilter(problem, vehicles)

    # Nodes: vehicle starts, vehicle ends, then job copies.
    copies: list[tuple[Job, int]] = []
    for job in feasible_jobs:
        for c in range(job.crews_required):
            copies.append((job, c))
    n_v = len(vehicles)
    places: list[Location] = [v.start for v in vehicles] + [v.end for v in vehicles]
    places += [job.location for job, _ in copies]
    matrix = travel_model.matrix(places)
    service = np.zeros(len(places), dtype=np.int64)
    for k, (job, _) in enumerate(copies):
        service[2 * n_v + k] = job.duration

    if n_v == 0 or not copies:
        plan = _empty_plan(problem, vehicles, matrix, started)
        unassigned = list(rejected)
        for job in feasible_jobs:
            unassigned.append(
                Unassigned.because(job.id, "no_crew", job.mandatory, "no_crew_available")
            )
        return replace(plan, unassigned=tuple(unassigned), status=_status(unassigned))

    instance = _Nodes(problem, feasible_jobs, vehicles, copies, matrix, service)
    model = _Model.build(instance, published)
    manager, routing, time_dim = model.manager, model.routing, model.time_dim
    travel = matrix.seconds

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, options.first_solution
    )
    # Iterated local search runs only in SolveWithIteratedLocalSearch (SolveWithParameters
    # ignores use_iterated_local_search), so a re-plan from a published plan's hint keeps GLS.
    # OR-Tools 9.15's ILS can also run far past its time limit: 0.3 s solves of small models
    # (a lunch break, an impossible precedence, even one job and two crews) did not return in
    # minutes. Opt-in, and on plain routing models only; GLS otherwise.
    iterated = (
        options.metaheuristic == "ITERATED_LOCAL_SEARCH"
        and published is None
        and not problem.precedences
        and all(job.crews_required == 1 for job in feasible_jobs)
        and not any(v.shift.breaks for v in vehicles)
        and not _overtime(vehicles)
        # ruin and recreate is for instances much larger than one ruin; the tiny models that
        # hung are far below this
        and len(copies) >= 4 * options.ruin_visits
    )
    metaheuristic = options.metaheuristic
    if metaheuristic == "ITERATED_LOCAL_SEARCH":
        metaheuristic = "GREEDY_DESCENT" if iterated else "GUIDED_LOCAL_SEARCH"
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic
    )
    params.guided_local_search_lambda_coefficient = options.gls_lambda
    if iterated:
        _iterated_local_search(params, options)

    def time_left() -> None:
        # ``seconds`` is the whole budget: what building the model took comes off the search.
        budget = options.seconds - (time.perf_counter() - started) - 0.3
        params.time_limit.FromMilliseconds(int(max(0.2, budget) * 1000))

    time_left()
    if options.solution_limit is not None:
        params.solution_limit = options.solution_limit
    params.log_search = options.log

    if on_progress is not None:
        _watch(routing, on_progress, started)

    seed = None
    seeds: list[list[list[int]] | None] = []
    if published is not None:
        seeds.append(_published_routes(published, vehicles, copies, manager, n_v))
        in_published = published_ids(published)
        if any(j.id not in in_published for j in feasible_jobs):
            # New jobs (an emergency): local search from the published plan inserts them one
            # at a time, which cannot place a chain whose repair must follow its closures
            # within a limit. A first solution with the re-planning costs is the other
            # candidate; the better of the two is the start.
            share = (options.seconds - (time.perf_counter() - started)) / 4
            first = _seed_routes(instance, params, share, published=published)
            if first is None or not any(first):
                first = _seed_routes(instance, params, share, relaxed=True, published=published)
            seeds.append(first)
            time_left()
    elif (problem.precedences or _overtime(vehicles)) and not iterated:
        # The first solution, found on a model of its own: when the heuristic fails on the
        # precedences or the ordinary ends of shifts with overtime (see _Model), OR-Tools
        # would start from "nothing planned", and local search rarely gets far from there;
        # the relaxed model's first solution then seeds it.
        share = (options.seconds - (time.perf_counter() - started)) / 4
        seed = _seed_routes(instance, params, share)
        if seed is None or not any(seed):
            seed = _seed_routes(instance, params, share, relaxed=True)
        time_left()

    if seed is not None:
        seeds.append(seed)
    if feasible_jobs and all(job.urgent for job in feasible_jobs):  # an emergency, alone
        seeds.append(_earliest_finish_routes(instance, manager))
    if alone is not None:  # the emergency as planned alone, the routine work around it
        seeds += _urgent_seeds(alone, published, problem, vehicles, copies, manager, n_v)
    assignment = None
    candidates = [routes for routes in seeds if routes is not None and any(routes)]
    if candidates:
        routing.CloseModelWithParameters(params)
        # (the model owns the assignment a read returns: the next read overwrites it, so the
        # best is read again only when it was not the last one read)
        best, best_cost, hint = None, float("inf"), None
        for routes in candidates:
            hint = routing.ReadAssignmentFromRoutes(routes, True)
            if hint is not None and hint.ObjectiveValue() < best_cost:
                best, best_cost = routes, hint.ObjectiveValue()
        if best is not None:
            if best is not candidates[-1] or hint is None:
                hint = routing.ReadAssignmentFromRoutes(best, True)
            assignment = routing.SolveFromAssignmentWithParameters(hint, params)
    if assignment is None:
        if iterated:
            assignment = routing.SolveWithIteratedLocalSearch(params)
        else:
            assignment = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - started
    if assignment is None:
        plan = _empty_plan(problem, vehicles, matrix, started)
        unassigned = list(rejected) + [
            Unassigned.because(j.id, "no_solution", j.mandatory, "no_solution")
            for j in feasible_jobs
        ]
        return replace(plan, unassigned=tuple(unassigned), status="no_solution")

    routes_out: list[Route] = []
    placed: set[str] = set()
    intervals = assignment.IntervalVarContainer()
    breaks_of: dict[int, list[BreakTaken]] = {}
    for i in range(intervals.Size()):
        element = intervals.Element(i)
        if element.PerformedValue():
            vi = int(element.Var().Name().split()[1].split("-")[0])
            start = element.StartValue()
            breaks_of.setdefault(vi, []).append(
                BreakTaken(start=start, end=start + element.DurationValue())
            )
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
        for p in problem.precedences:
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
    for vi, v in enumerate(vehicles):
        stops: list[Stop] = []
        index = routing.Start(vi)
        depart = assignment.Value(time_dim.CumulVar(index))
        prev_node = manager.IndexToNode(index)
        prev_end = depart
        travel_total = 0
        distance = 0.0
        nodes = [prev_node]
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            job, c = copies[node - 2 * n_v]
            if job.id in dropped:
                index = assignment.Value(routing.NextVar(index))
                continue
            leg = int(travel[prev_node, node])
            start = assignment.Value(time_dim.CumulVar(index))
            arrival = prev_end + leg
            for pause in breaks_of.get(vi, []):
                if prev_end <= pause.start < arrival:  # the break interrupts the drive
                    arrival = pause.end + (arrival - pause.start)
            end = start + job.duration
            stops.append(
                Stop(
                    job_id=job.id,
                    arrival=min(arrival, start),
                    start=start,
                    end=end,
                    travel=leg,
                    deadline_status=_deadline_status(job, end),
                    location=job.location,
                    slot=c + 1,
                )
            )
            placed.add(job.id)
            travel_total += leg
            distance += float(matrix.meters[prev_node, node])
            prev_node, prev_end = node, end
            nodes.append(node)
            index = assignment.Value(routing.NextVar(index))
        end_node = manager.IndexToNode(index)
        leg = int(travel[prev_node, end_node])
        travel_total += leg
        distance += float(matrix.meters[prev_node, end_node])
        # the real return: the drive home from the last job, and a break taken on the way or
        # after it; not the end cumul, which a solution read from routes (the published plan
        # of a re-plan) may leave at the end of the shift
        arrive = prev_end + leg
        for pause in sorted(breaks_of.get(vi, []), key=lambda b: b.start):
            if pause.start >= prev_end:
                arrive = max(arrive + (pause.end - pause.start), pause.end)
        arrive = min(arrive, assignment.Value(time_dim.CumulVar(index)))
        nodes.append(end_node)
        if not stops:
            travel_total, distance, arrive = 0, 0.0, depart
        routes_out.append(
            Route(
                crew_id=v.crew.id,
                shift=v.shift_index,
                day=v.shift.day,
                depart=depart,
                arrive=arrive,
                stops=tuple(stops),
                breaks=tuple(sorted(breaks_of.get(vi, []), key=lambda b: b.start)),
                travel_time=travel_total,
                work_time=sum(s.end - s.start for s in stops),
                distance_m=distance,
                geometry=_geometry(travel_model, [places[n] for n in nodes]) if stops else None,
                start_location=v.start,
                end_location=v.end,
            )
        )

    left_out = [job for job in feasible_jobs if job.id not in placed]
    unassigned = list(rejected) + explain_unassigned(problem, vehicles, left_out, placed)
    moved: tuple[str, ...] = ()
    if published is not None:
        # a job moved when its crews changed (the two crews of a two-crew job trading places
        # is no move)
        before: dict[str, set[str]] = {}
        for (job_id, _), crew_id in published.slots.items():
            before.setdefault(job_id, set()).add(crew_id)
        now: dict[str, set[str]] = {}
        for r in routes_out:
            for s in r.stops:
                now.setdefault(s.job_id, set()).add(r.crew_id)
        moved = tuple(sorted(j for j in before if j in now and now[j] != before[j]))
    status = _status(unassigned)
    return Plan(
        routes=tuple(routes_out),
        unassigned=tuple(unassigned),
        objective=round(assignment.ObjectiveValue() / COST_SCALE),
        solve_seconds=elapsed,
        status=status,
        moved=moved,
        stats={"vehicles": n_v, "nodes": len(places), "routing_status": routing.status()},
    )


def _watch(routing: Any, on_progress: ProgressCallback, started: float) -> None:
    """Report progress from OR-Tools' solution callback; cancel the search when asked."""
    solutions = [0]
    best = [float("inf")]
    last = [0.0]

    def at_solution() -> None:
        solutions[0] += 1
        best[0] = min(best[0], float(routing.CostVar().Value()))
        now = time.perf_counter()
        if now - last[0] < 0.5 and solutions[0] > 1:
            return
        last[0] = now
        stop = on_progress(
            {
                "solutions": solutions[0],
                "objective": round(best[0] / COST_SCALE),
                "elapsed": round(now - started, 2),
            }
        )
        if stop:
            routing.CancelSearch()

    routing.AddAtSolutionCallback(at_solution)


def _overtime(vehicles: Sequence[_Vehicle]) -> bool:
    """Whether some shift has overtime (for urgent jobs only: see :meth:`Shift.finish_by`)."""
    return any(v.shift.ordinary_end not in (None, v.shift.end) for v in vehicles)


def _status(unassigned: Sequence[Unassigned]) -> str:
    return "mandatory_unassigned" if any(u.mandatory for u in unassigned) else "ok"


def _iterated_local_search(params: Any, options: SolverOptions) -> None:
    """Ruin (SISR: strings of nearby jobs) and recreate (local cheapest insertion), then local
    search; the new reference solution is accepted by simulated annealing."""
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    ruin_recreate = ils.ruin_recreate_parameters
    del ruin_recreate.ruin_strategies[:]
    sisr = ruin_recreate.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = options.ruin_visits
    sisr.max_removed_sequence_size = options.ruin_sequence
    sisr.bypass_factor = 0.01
    ruin_recreate.recreate_strategy.heuristic = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    ils.improve_perturbed_solution = True
    if options.annealing:
        annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
        annealing.automatic_temperatures = True


def _deadline_status(job: Job, end: int) -> str:
    if job.due is not None:
        return "on_time" if end <= job.due else "late"
    if job.deadline is not None:
        return "on_time"
    return "no_deadline"


def _geometry(travel_model: Any, points: list[Location]) -> dict[str, Any]:
    coords: list[Location] = []
    for a, b in itertools.pairwise(points):
        leg = travel_model.path(a, b)
        coords.extend(leg if not coords else leg[1:])
    return {"type": "LineString", "coordinates": [list(p) for p in coords]}


def _empty_plan(
    problem: Problem, vehicles: list[_Vehicle], matrix: TravelMatrix, started: float
) -> Plan:
    routes = tuple(
        Route(
            crew_id=v.crew.id,
            shift=v.shift_index,
            day=v.shift.day,
            depart=v.earliest,
            arrive=v.earliest,
            stops=(),
            breaks=_idle_breaks(v),
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


def _idle_breaks(v: _Vehicle) -> tuple[BreakTaken, ...]:
    """The breaks of a shift with nothing to do: each at the start of its window."""
    out = []
    for brk in v.shift.breaks:
        lo = max(brk.window.start, v.earliest)
        if lo <= min(brk.window.end, v.shift.end - brk.duration):
            out.append(BreakTaken(lo, lo + brk.duration))
    return tuple(out)


def _reassignment_costs(
    routing: Any,
    travel: npt.NDArray[np.int64],
    copies: list[tuple[Job, int]],
    vehicles: list[_Vehicle],
    published: Plan,
    n_v: int,
) -> None:
    """Per-vehicle arc costs: travel, plus a penalty for entering a job that the published plan
    gave to another crew."""
    owner = published.slots
    for vi, v in enumerate(vehicles):
        cost = travel * COST_SCALE
        for k, (job, c) in enumerate(copies):
            crew = owner.get((job.id, c + 1))
            if crew is not None and crew != v.crew.id:
                cost[:, 2 * n_v + k] += REASSIGN_PENALTY * COST_SCALE
        routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(cost.tolist()), vi)


def _urgent_seeds(
    alone: Plan,
    published: Plan | None,
    problem: Problem,
    vehicles: list[_Vehicle],
    copies: list[tuple[Job, int]],
    manager: Any,
    n_v: int,
) -> list[list[list[int]] | None]:
    """Routes with the urgent jobs where the plan of them alone put them (both crews of a
    two-crew job too) and, when re-planning, the published routine work of each crew that
    keeps clear of them (by each of :data:`URGENT_CLEAR`), in time order, without what would
    be left half-done (a job whose predecessor is out, a closure whose repair is out): the
    start a dispatcher makes, the emergency first and the rest of the day where it still
    fits. The search then puts back what was pushed out. One seed per clearance."""
    node_of = {(job.id, c + 1): 2 * n_v + k for k, (job, c) in enumerate(copies)}
    in_model = {job.id for job, _ in copies}
    urgent = {(r.crew_id, r.shift): r.stops for r in alone.routes}
    placed_alone = {s.key for r in alone.routes for s in r.stops}
    routine = {(r.crew_id, r.shift): r.stops for r in published.routes} if published else {}
    precedences = [p for p in problem.precedences if p.before in in_model and p.after in in_model]
    out: list[list[list[int]] | None] = []
    for clear in URGENT_CLEAR if published is not None else (0,):
        chosen: list[list[tuple[int, int, tuple[str, int]]]] = []
        for v in vehicles:
            key = (v.crew.id, v.shift_index)
            mine = [(s.start, s.end, s.key) for s in urgent.get(key, ()) if s.key in node_of]
            busy = [(a - clear, b + clear) for a, b, _ in mine]
            for s in routine.get(key, ()):
                if s.key not in node_of or s.start < v.earliest or s.key in placed_alone:
                    continue
                if all(s.end <= a or s.start >= b for a, b in busy):
                    mine.append((s.start, s.end, s.key))
            chosen.append(sorted(mine))
        kept = {job for route in chosen for _, _, (job, _) in route}
        changed = True
        while changed:  # nothing half-done
            changed = False
            for p in precedences:
                if p.after in kept and p.before not in kept:
                    kept.discard(p.after)
                    changed = True
                if p.required and p.before in kept and p.after not in kept:
                    kept.discard(p.before)
                    changed = True
        seen: set[tuple[str, int]] = set()
        routes = []
        for route in chosen:
            ids = [stop for _, _, stop in route if stop[0] in kept and stop not in seen]
            seen.update(ids)
            routes.append([manager.NodeToIndex(node_of[stop]) for stop in ids])
        out.append(routes if any(routes) else None)
    return out


def _earliest_finish_routes(nodes: _Nodes, manager: Any) -> list[list[int]] | None:
    """The routes a good dispatcher makes of an emergency by hand: job after job, in the order
    the precedences allow (most urgent first), each to the capable crew that can finish it
    first, from where its last job left it; a two-crew job to the two that can start it
    together first. Lunch is taken when a job would end past the lunch window. A seed for
    the search: it starts from the dispatcher's plan and improves on it."""
    problem, vehicles, copies = nodes.problem, nodes.vehicles, nodes.copies
    n_v = len(vehicles)
    seconds = nodes.matrix.seconds
    node_of: dict[str, list[int]] = {}
    for k, (job, _) in enumerate(copies):
        node_of.setdefault(job.id, []).append(2 * n_v + k)
    jobs = {job.id: job for job, c in copies if c == 0}
    before: dict[str, list[Precedence]] = {j: [] for j in jobs}
    for p in problem.precedences:
        if p.before in jobs and p.after in jobs:
            before[p.after].append(p)
    free = [v.earliest for v in vehicles]
    at = list(range(n_v))  # the node each vehicle is at
    lunch = [list(v.shift.breaks) for v in vehicles]
    routes: list[list[int]] = [[] for _ in vehicles]
    end: dict[str, int] = {}
    todo = sorted(jobs, key=lambda j: (jobs[j].due or 10**12, -jobs[j].priority))
    while todo:
        ready = [j for j in todo if all(p.before in end or p.before not in jobs for p in before[j])]
        ready = ready or todo[:1]
        job_id = ready[0]
        todo.remove(job_id)
        job = jobs[job_id]
        if any(p.before not in end for p in before[job_id]):
            continue  # what it must follow was not planned
        after = max((end[p.before] + p.gap for p in before[job_id]), default=0)
        window = job.windows[0] if job.windows else None
        options = []
        for vi, v in enumerate(vehicles):
            if not job.skills <= v.crew.skills or job.pinned_crew not in (None, v.crew.id):
                continue
            node = node_of[job_id][0]
            t, left = free[vi], []
            for brk in lunch[vi]:  # lunch first when the job would end past its window
                if t + int(seconds[at[vi], node]) + job.duration > brk.window.end:
                    t = max(t, brk.window.start) + brk.duration
                else:
                    left.append(brk)
            start = max(t + int(seconds[at[vi], node]), after, window.start if window else 0)
            if window is not None and start > window.end:
                continue
            if start + job.duration + int(seconds[node, n_v + vi]) > v.shift.end:
                continue
            options.append((start, vi, left))
        options.sort(key=lambda o: (o[0], o[1]))
        if len(options) < job.crews_required:
            continue
        chosen = options[: job.crews_required]
        start = max(o[0] for o in chosen)
        for (_, vi, left), node in zip(chosen, node_of[job_id], strict=True):
            lunch[vi] = left
            routes[vi].append(manager.NodeToIndex(node))
            free[vi], at[vi] = start + job.duration, node
        end[job_id] = start + job.duration
    return routes if any(routes) else None


def _seed_routes(
    nodes: _Nodes,
    params: Any,
    seconds: float,
    *,
    relaxed: bool = False,
    published: Plan | None = None,
) -> list[list[int]] | None:
    """The routes of a first solution, on a model of its own: the full one, or the relaxed one
    (see :class:`_Model`) without the jobs planned although a job they must follow is not, or
    too long after it, or past the ordinary end of their shift (and, in turn, what follows
    those), so that the full model accepts them. Node indices are the same in every model of
    the problem."""
    problem, feasible_jobs, vehicles, copies = (
        nodes.problem,
        nodes.feasible_jobs,
        nodes.vehicles,
        nodes.copies,
    )
    model = _Model.build(nodes, published, relaxed=relaxed)
    manager, routing, time_dim = model.manager, model.routing, model.time_dim
    first = pywrapcp.DefaultRoutingSearchParameters()
    first.CopyFrom(params)
    first.solution_limit = 1
    first.log_search = False
    first.time_limit.FromMilliseconds(int(max(0.2, seconds) * 1000))
    assignment = routing.SolveWithParameters(first)
    if assignment is None:
        return None
    n_v = len(vehicles)
    routes: list[list[int]] = []
    start: dict[str, int] = {}
    out: set[str] = set()
    for vi in range(n_v):
        route = []
        index = assignment.Value(routing.NextVar(routing.Start(vi)))
        while not routing.IsEnd(index):
            job, c = copies[manager.IndexToNode(index) - 2 * n_v]
            at = assignment.Value(time_dim.CumulVar(index))
            if c == 0:
                start[job.id] = at
            if at + job.duration > vehicles[vi].shift.finish_by(job):
                out.add(job.id)  # an ordinary job in the overtime (the relaxed model)
            route.append(index)
            index = assignment.Value(routing.NextVar(index))
        routes.append(route)
    duration = {job.id: job.duration for job in feasible_jobs}
    in_model = [p for p in problem.precedences if p.before in duration and p.after in duration]
    changed = True
    while changed:
        changed = False
        for p in in_model:
            if p.after not in start or p.after in out:
                continue
            late = (
                p.before in start
                and p.max_gap is not None
                and start[p.after] > start[p.before] + duration[p.before] + p.max_gap
            )
            if p.before not in start or p.before in out or late:
                out.add(p.after)
                changed = True
        for p in in_model:  # a closure whose repair is out goes too (nothing left half-done)
            half_done = p.after not in start or p.after in out
            if p.required and p.before in start and p.before not in out and half_done:
                out.add(p.before)
                changed = True
    return [
        [i for i in route if copies[manager.IndexToNode(i) - 2 * n_v][0].id not in out]
        for route in routes
    ]


def published_ids(published: Plan) -> set[str]:
    return {s.job_id for r in published.routes for s in r.stops}


def _published_routes(
    published: Plan,
    vehicles: list[_Vehicle],
    copies: list[tuple[Job, int]],
    manager: Any,
    n_v: int,
) -> list[list[int]]:
    node_of = {(job.id, c + 1): 2 * n_v + k for k, (job, c) in enumerate(copies)}
    by_vehicle: list[list[int]] = [[] for _ in vehicles]
    for r in published.routes:
        for vi, v in enumerate(vehicles):
            if v.crew.id == r.crew_id and v.shift_index == r.shift:
                by_vehicle[vi] = [
                    manager.NodeToIndex(node_of[s.key]) for s in r.stops if s.key in node_of
                ]
    return by_vehicle


def replan(
    problem: Problem,
    published: Plan,
    now: int,
    options: SolverOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    suspend: Mapping[str, tuple[int, str]] | None = None,
    calls_from_breaks: bool = False,
) -> Plan:
    """Re-plan the rest of the day after something changed (an emergency came in).

    Jobs of the published plan that have started by ``now`` are frozen: they stay with their
    crew, which is free again at their end, at their place. Crews with no started job are free
    from ``now`` at their ``current_location`` (their GPS position when the caller knows it,
    else their depot). A break already begun is not given again. Every other job of ``problem``
    (published or new) is planned again, and moving a published job to another crew costs
    :data:`REASSIGN_PENALTY`, so as little changes as the new jobs need. A job that must follow
    a started one may start only after that one's end. The returned plan holds every frozen
    stop, with whole-day route totals; ``moved`` lists the published jobs now on another crew.

    ``suspend``: started jobs their crew may leave, job id -> (when the crew can leave, the id
    of the job in ``problem`` that is the rest of the work). The crew is free from then on; a
    suspension that gains nothing (the same crew's next work is that rest, at once, or nothing)
    is undone. ``stats["suspended"]`` maps the jobs left to their rests.

    ``calls_from_breaks``: crews on a break at ``now`` are free at once (an emergency); the
    break is cut short, and not given again.
    """
    suspend = dict(suspend or {})
    frozen: dict[tuple[str, int], list[Stop]] = {}
    started: dict[str, Stop] = {}
    taken: dict[tuple[str, int], list[BreakTaken]] = {}
    # the published stops of the jobs left, before the cut (a two-crew job's first crew leaves)
    whole: dict[tuple[str, int], Stop] = {}
    for r in published.routes:
        done = [s for s in r.stops if s.start <= now]
        for k, stop in enumerate(done):
            if stop.slot == 1 and stop.job_id in suspend and stop.start <= now < stop.end:
                whole[stop.key] = stop
                done[k] = replace(stop, end=max(now, min(stop.end, suspend[stop.job_id][0])))
        if done:
            frozen[(r.crew_id, r.shift)] = done
            for stop in done:
                started.setdefault(stop.job_id, stop)
        begun = [b for b in r.breaks if b.start <= now]
        if calls_from_breaks:  # a break under way ends now: the crew goes
            begun = [replace(b, end=min(b.end, now)) for b in begun]
        if begun:
            taken[(r.crew_id, r.shift)] = begun
    crews = []
    for crew in problem.crews:
        shifts = []
        free_from = crew.available_from
        for k, shift in enumerate(crew.shifts):
            had = taken.get((crew.id, k), [])
            left = tuple(
                b
                for b in shift.breaks
                if not any(b.window.start <= t.start <= b.window.end for t in had)
            )
            shifts.append(replace(shift, breaks=left))
            if shift.start <= now < shift.end:
                for t in had:
                    if t.end > now:  # on a break right now
                        free_from = max(free_from or now, t.end)
        crew = replace(crew, shifts=tuple(shifts))
        shift_now = [k for k, sh in enumerate(crew.shifts) if sh.start <= now < sh.end]
        stops = next((frozen[(crew.id, k)] for k in shift_now if (crew.id, k) in frozen), None)
        if stops:
            last = stops[-1]
            crews.append(
                replace(
                    crew,
                    current_location=last.location or crew.current_location,
                    available_from=max(now, last.end, free_from or now),
                )
            )
        else:
            crews.append(
                replace(
                    crew,
                    current_location=crew.current_location or crew.start_location,
                    available_from=max(now, free_from or now),
                )
            )
    not_before: dict[str, int] = {}
    not_after: dict[str, int] = {}
    for p in problem.precedences:
        if p.before in started and p.after not in started:
            end = started[p.before].end + p.gap
            not_before[p.after] = max(not_before.get(p.after, end), end)
            if p.max_gap is not None:
                latest = started[p.before].end + p.max_gap
                not_after[p.after] = min(not_after.get(p.after, latest), latest)
    remaining = tuple(
        _not_before(j, not_before[j.id], not_after.get(j.id)) if j.id in not_before else j
        for j in problem.jobs
        if j.id not in started
    )
    precedences = tuple(
        p for p in problem.precedences if p.before not in started and p.after not in started
    )
    plan = solve(
        replace(problem, crews=tuple(crews), jobs=remaining, precedences=precedences),
        options,
        published=published,
        on_progress=on_progress,
    )
    travel_model = problem.travel or StraightLine()
    published_route = {(r.crew_id, r.shift): r for r in published.routes}
    routes = []
    seen: set[tuple[str, int]] = set()
    planned = {s.job_id for r in plan.routes for s in r.stops}
    kept: dict[str, str] = {}
    for r in plan.routes:
        key = (r.crew_id, r.shift)
        seen.add(key)
        if key in frozen and frozen[key][-1].key in whole:
            r, undone = _resume_at_once(r, frozen[key], suspend, planned)
            if undone:
                frozen[key] = [*frozen[key][:-1], whole[frozen[key][-1].key]]
            else:
                kept[frozen[key][-1].job_id] = suspend[frozen[key][-1].job_id][1]
        if key in frozen:
            r = _whole_day(published_route[key], r, frozen[key], taken.get(key, []), travel_model)
        routes.append(r)
    # shifts the new solve has no vehicle for (over, or the crew busy to their end)
    for key, done in frozen.items():
        if key not in seen:
            if done[-1].key in whole and suspend[done[-1].job_id][1] not in planned:
                done = [*done[:-1], whole[done[-1].key]]  # nothing else to do: finish it
            elif done[-1].key in whole:
                kept[done[-1].job_id] = suspend[done[-1].job_id][1]
            routes.append(
                _whole_day(published_route[key], None, done, taken.get(key, []), travel_model)
            )
    routes.sort(key=lambda r: (r.crew_id, r.shift))
    unassigned = tuple(u for u in plan.unassigned if u.job_id not in _rests_undone(suspend, kept))
    stats = {**plan.stats, "frozen": sorted(started), "suspended": kept}
    return replace(plan, routes=tuple(routes), unassigned=unassigned, stats=stats)


def _rests_undone(suspend: Mapping[str, tuple[int, str]], kept: Mapping[str, str]) -> set[str]:
    return {rest for job, (_, rest) in suspend.items() if job not in kept}


def _resume_at_once(
    route: Route,
    done: list[Stop],
    suspend: Mapping[str, tuple[int, str]],
    planned: set[str],
) -> tuple[Route, bool]:
    """``route`` without the rest of the job its crew left, and True, when leaving gained
    nothing: the crew's next work is that rest, at once and at the same place, or it has no
    other work (and the rest is planned nowhere else)."""
    job = done[-1].job_id
    leave, rest = suspend[job]
    if not route.stops:
        return route, rest not in planned
    first = route.stops[0]
    if first.key != (rest, 1) or first.start > leave + 60:
        return route, False
    if any(leave <= b.start < first.start for b in route.breaks):
        return route, False
    return replace(route, stops=route.stops[1:]), True


def _not_before(job: Job, earliest: int, latest: int | None = None) -> Job:
    """The job with every window cut to start no earlier than ``earliest`` (and no later than
    ``latest`` when given)."""
    windows = job.windows or (TimeWindow(earliest, max(earliest, job.deadline or 10**9)),)
    top = latest if latest is not None else 10**12
    cut = tuple(
        TimeWindow(max(w.start, earliest), min(w.end, top))
        for w in windows
        if w.end >= earliest and max(w.start, earliest) <= min(w.end, top)
    )
    if not cut:  # nothing left: a window the prefilter will reject
        return replace(job, windows=(TimeWindow(earliest, earliest),), deadline=earliest)
    return replace(job, windows=cut)


def _whole_day(
    published: Route,
    rest: Route | None,
    done: list[Stop],
    breaks_taken: list[BreakTaken],
    travel_model: Any,
) -> Route:
    """A re-planned route with its frozen stops, its totals counted over the whole day."""
    later = rest.stops if rest is not None else ()
    stops = (*done, *later)
    start = published.start_location or (rest.start_location if rest else None)
    end = published.end_location or (rest.end_location if rest else None)
    places = [start, *(s.location for s in stops), end]
    if any(p is None for p in places):  # a plan from elsewhere without places: keep its figures
        return replace(published, stops=stops)
    matrix = travel_model.matrix(places)
    legs = [int(matrix.seconds[i, i + 1]) for i in range(len(places) - 1)]
    meters = [float(matrix.meters[i, i + 1]) for i in range(len(places) - 1)]
    breaks = {*breaks_taken, *(rest.breaks if rest is not None else ())}
    if rest is not None and rest.stops:
        arrive = rest.arrive
    else:  # the drive home, with any break that falls on it or after it
        arrive = stops[-1].end + legs[-1]
        for pause in sorted(breaks, key=lambda b: b.start):
            if pause.start >= stops[-1].end:
                arrive = max(arrive + (pause.end - pause.start), pause.end)
    return replace(
        published,
        arrive=arrive,
        stops=stops,
        breaks=tuple(sorted(breaks, key=lambda b: b.start)),
        travel_time=sum(legs),
        work_time=sum(s.end - s.start for s in stops),
        distance_m=sum(meters),
        geometry=_geometry(travel_model, places),  # type: ignore[arg-type]
    )
