"""The crew scheduler: :func:`solve` plans a :class:`routing.model.Problem`, :func:`replan`
plans the rest of a day after something changed.

The parts: :mod:`routing.vehicles` (crew shifts as vehicles), :mod:`routing.build` (the OR-Tools
routing model), :mod:`routing.search` (the options and search parameters), :mod:`routing.seeds`
(first solutions the search starts from), :mod:`routing.extract` (the plan of a solution),
:mod:`routing.replanning` (what a re-plan freezes and the whole day after it) and
:mod:`routing.explain` (why a job is left out).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ortools.constraint_solver import pywrapcp
from ortools.constraint_solver.routing_parameters_pb2 import RoutingSearchParameters

from routing.build import (
    COST_SCALE,
    MANDATORY_PENALTY,
    REASSIGN_PENALTY,
    URGENT_WEIGHT,
    Model,
    Nodes,
    drop_penalty,
)
from routing.explain import prefilter
from routing.extract import empty_plan, plan_from_assignment, plan_status
from routing.model import Plan, Problem, TimeWindow, Unassigned
from routing.replanning import freeze, whole_day_plan
from routing.search import (
    URGENT_CLEAR,
    URGENT_HOLD,
    ProgressCallback,
    SolverOptions,
    search_parameters,
    set_time_left,
    uses_iterated_local_search,
    watch,
)
from routing.seeds import (
    Routes,
    earliest_finish_routes,
    published_ids,
    published_routes,
    seed_routes,
    urgent_seeds,
)
from routing.vehicles import crew_vehicles, has_overtime

__all__ = [
    "COST_SCALE",
    "MANDATORY_PENALTY",
    "REASSIGN_PENALTY",
    "URGENT_CLEAR",
    "URGENT_HOLD",
    "URGENT_WEIGHT",
    "ProgressCallback",
    "SolverOptions",
    "drop_penalty",
    "published_ids",
    "replan",
    "solve",
]


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
    vehicles = crew_vehicles(problem.crews)
    feasible_jobs, rejected = prefilter(problem, vehicles)
    # Nodes: vehicle starts, vehicle ends, then job copies.
    nodes = Nodes.of(problem, feasible_jobs, vehicles)
    if nodes.n_v == 0 or not nodes.copies:
        plan = empty_plan(problem, vehicles, started)
        unassigned = list(rejected) + [
            Unassigned.because(job.id, "no_crew", job.mandatory, "no_crew_available")
            for job in feasible_jobs
        ]
        return replace(plan, unassigned=tuple(unassigned), status=plan_status(unassigned))

    model = Model.build(nodes, published)
    iterated = uses_iterated_local_search(
        options,
        published=published is not None,
        precedences=bool(problem.precedences),
        jobs=feasible_jobs,
        vehicles=vehicles,
        nodes=len(nodes.copies),
    )
    params = search_parameters(options, iterated=iterated)
    set_time_left(params, options, started)
    if options.solution_limit is not None:
        params.solution_limit = options.solution_limit
    params.log_search = options.log
    if on_progress is not None:
        watch(model.routing, on_progress, started)

    seeds = _seeds(nodes, model, params, options, started, published, iterated)
    if alone is not None:  # the emergency as planned alone, the routine work around it
        seeds += urgent_seeds(alone, published, nodes, model.manager)
    assignment = _search(model, params, seeds, iterated=iterated)
    elapsed = time.perf_counter() - started
    if assignment is None:
        plan = empty_plan(problem, vehicles, started)
        unassigned = list(rejected) + [
            Unassigned.because(j.id, "no_solution", j.mandatory, "no_solution")
            for j in feasible_jobs
        ]
        return replace(plan, unassigned=tuple(unassigned), status="no_solution")
    return plan_from_assignment(
        nodes, model, assignment, rejected=rejected, published=published, elapsed=elapsed
    )


def _seeds(
    nodes: Nodes,
    model: Model,
    params: RoutingSearchParameters,
    options: SolverOptions,
    started: float,
    published: Plan | None,
    iterated: bool,
) -> list[Routes | None]:
    """The first solutions to start from (see :mod:`routing.seeds`); any first solutions found
    on models of their own come off the search's time."""
    problem, feasible_jobs = nodes.problem, nodes.feasible_jobs
    seeds: list[Routes | None] = []
    if published is not None:
        seeds.append(published_routes(published, nodes, model.manager))
        in_published = published_ids(published)
        if any(j.id not in in_published for j in feasible_jobs):
            # New jobs (an emergency): local search from the published plan inserts them one
            # at a time, which cannot place a chain whose repair must follow its closures
            # within a limit. A first solution with the re-planning costs is the other
            # candidate; the better of the two is the start.
            share = (options.seconds - (time.perf_counter() - started)) / 4
            first = seed_routes(nodes, params, share, published=published)
            if first is None or not any(first):
                first = seed_routes(nodes, params, share, relaxed=True, published=published)
            seeds.append(first)
            set_time_left(params, options, started)
    elif (problem.precedences or has_overtime(nodes.vehicles)) and not iterated:
        # The first solution, found on a model of its own: when the heuristic fails on the
        # precedences or the ordinary ends of shifts with overtime (see routing.build.Model),
        # OR-Tools would start from "nothing planned", and local search rarely gets far from
        # there; the relaxed model's first solution then seeds it.
        share = (options.seconds - (time.perf_counter() - started)) / 4
        seed = seed_routes(nodes, params, share)
        if seed is None or not any(seed):
            seed = seed_routes(nodes, params, share, relaxed=True)
        set_time_left(params, options, started)
        if seed is not None:
            seeds.append(seed)
    if feasible_jobs and all(job.urgent for job in feasible_jobs):  # an emergency, alone
        seeds.append(earliest_finish_routes(nodes, model.manager))
    return seeds


def _search(
    model: Model,
    params: RoutingSearchParameters,
    seeds: Sequence[Routes | None],
    *,
    iterated: bool,
) -> pywrapcp.Assignment | None:
    """The search from the best of the seeds, or from OR-Tools' own first solution."""
    routing = model.routing
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
            if assignment is not None:
                return assignment
    if iterated:
        return routing.SolveWithIteratedLocalSearch(params)
    return routing.SolveWithParameters(params)


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
    crew, which is free again at their end, at their place (or at its ``current_location``,
    when given, if that work is over by ``now``: the crew went on). Crews with no started job
    are free from ``now`` at their ``current_location`` (their GPS position when the caller
    knows it, else their depot). A break already begun is not given again. Every other job of
    ``problem`` (published or new) is planned again, and moving a published job to another crew
    costs :data:`REASSIGN_PENALTY`, so as little changes as the new jobs need. A job that must
    follow a started one may start only after that one's end. The returned plan holds every frozen
    stop, with whole-day route totals; ``moved`` lists the published jobs now on another crew.

    ``suspend``: started jobs their crew may leave, job id -> (when the crew can leave, the id
    of the job in ``problem`` that is the rest of the work). The crew is free from then on; a
    suspension that gains nothing (the same crew's next work is that rest, at once, or nothing)
    is undone. ``stats["suspended"]`` maps the jobs left to their rests.

    ``calls_from_breaks``: crews on a break at ``now`` are free at once (an emergency); the
    break is cut short, and not given again.
    """
    suspend = dict(suspend or {})
    suspend = dict(suspend or {})
    frozen = freeze(problem, published, now, suspend, calls_from_breaks=calls_from_breaks)
    plan = solve(frozen.problem, options, published=published, on_progress=on_progress)
    return whole_day_plan(problem, published, plan, frozen, suspend)
