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
from routing.extract import deadline_status, empty_plan, plan_from_assignment, plan_status
from routing.model import Crew, Job, Plan, Problem, Route, TimeWindow, Unassigned
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
    previous_routes,
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
    previous: Plan | None = None,
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
    previous
        The plan a re-solve starts from (a dispatcher steered it; not with ``published``): as
        a published one, its routes are the starting solution (without what the edits took
        off them, :func:`routing.seeds.previous_routes`), moving a job to another crew costs,
        and so does moving its start (:data:`routing.build.KEEP_TIME_WEIGHT`); its urgent jobs
        are held where it had them, and a route of the same jobs in the same order keeps its
        times (:func:`keep_times`). When the plan steered still holds for ``problem`` (the
        edits need no change: :func:`still_holds`), it is the answer as it was, without a
        search: a pin to the crew a job has already changes nothing, however far from a local
        optimum the plan's own search stopped.
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
    if options.urgent_first > 0 and previous is not None and published is None:
        # a re-solve: the urgent jobs where the plan steered had them (planned alone again,
        # they land elsewhere, and the day around them with them)
        problem = _hold_urgent(problem, previous)
        options = replace(options, urgent_first=0.0)
    elif options.urgent_first > 0:
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

    if previous is not None and published is None and still_holds(previous, nodes):
        # the edits need nothing changed: the plan steered is the answer, whatever a longer
        # search would find (the diff shows what the edits did, nothing else)
        return _as_was(previous, nodes, started)
    kept = published or previous  # the plan to change as little as the search can
    model = Model.build(nodes, kept, keep_times=previous is not None and published is None)
    iterated = uses_iterated_local_search(
        options,
        published=kept is not None,
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

    if previous is not None and published is None:
        seeds = previous_routes(previous, nodes, model.manager)
    else:
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
    plan = plan_from_assignment(
        nodes, model, assignment, rejected=rejected, published=kept, elapsed=elapsed
    )
    if previous is not None and published is None:
        plan = keep_times(plan, previous, problem)
    return plan


def keep_times(plan: Plan, previous: Plan, problem: Problem) -> Plan:
    """``plan`` (a re-solve of ``previous``) with every route that does the same jobs in the
    same order as before at its old times: its stops, breaks, departure and return.

    The search's times within a route's slack are arbitrary (a solution read from routes put
    a crew's lunch at the start of its window, and its morning an hour and a half later): the
    crews were told a time, and a route the search did not change keeps it. A route is kept
    when its old times still hold for its jobs (windows, a pinned start, deadlines, durations)
    and against the routes around it (precedences, the two crews of a two-crew job at one
    start); a route whose old times would break one with another route keeps the search's."""
    jobs = {j.id: j for j in problem.jobs}
    crews = {c.id: c for c in problem.crews}
    before = {(r.crew_id, r.shift): r for r in previous.routes}

    kept: set[tuple[str, int]] = set()
    for route in plan.routes:
        old = before.get((route.crew_id, route.shift))
        if (
            old is not None
            and route.stops
            and [s.key for s in old.stops] == [s.key for s in route.stops]
            and _route_holds(old, crews, jobs)
        ):
            kept.add((route.crew_id, route.shift))
    while kept:
        at: dict[tuple[str, int], tuple[int, tuple[str, int]]] = {}
        for route in plan.routes:
            key = (route.crew_id, route.shift)
            for stop in (before[key] if key in kept else route).stops:
                at[stop.key] = (stop.start, key)
        broken: set[tuple[str, int]] = set()
        for (job_id, slot), (start, key) in at.items():
            first = at.get((job_id, 1))
            if slot > 1 and first is not None and first[0] != start:
                broken |= {key, first[1]}
        for p in problem.precedences:
            a, b = at.get((p.before, 1)), at.get((p.after, 1))
            if a is None or b is None:
                continue
            end = a[0] + jobs[p.before].duration
            if b[0] < end + p.gap or (p.max_gap is not None and b[0] > end + p.max_gap):
                broken |= {a[1], b[1]}
        if not broken & kept:
            break
        kept -= broken
    if not kept:
        return plan
    routes = []
    for route in plan.routes:
        key = (route.crew_id, route.shift)
        if key in kept:
            old = before[key]
            route = replace(
                route,
                depart=old.depart,
                arrive=old.arrive,
                stops=old.stops,
                breaks=old.breaks,
                work_time=old.work_time,
            )
        routes.append(route)
    return replace(plan, routes=tuple(routes))


def _route_holds(route: Route, crews: Mapping[str, Crew], jobs: Mapping[str, Job]) -> bool:
    """Whether ``route``'s times still hold for its crew as it is now (a shift edited since:
    start, end, when the crew is free, its breaks, the ordinary end of non-urgent work) and
    for each of its jobs (the crew may do it, its duration, windows and deadline)."""
    crew = crews.get(route.crew_id)
    if crew is None or route.shift >= len(crew.shifts):
        return False
    shift = crew.shifts[route.shift]
    ready = shift.start if crew.available_from is None else crew.available_from
    if route.depart < max(shift.start, ready) or route.arrive > shift.end:
        return False
    if len(route.breaks) != len(shift.breaks) or not all(
        b.window.start <= taken.start <= b.window.end and taken.end - taken.start == b.duration
        for b, taken in zip(shift.breaks, sorted(route.breaks, key=lambda x: x.start), strict=True)
    ):
        return False
    for stop in route.stops:
        job = jobs.get(stop.job_id)
        if job is None or stop.end - stop.start != job.duration or not job.may_go_to(crew):
            return False
        if job.windows and not any(w.start <= stop.start <= w.end for w in job.windows):
            return False
        if job.deadline is not None and stop.end > job.deadline:
            return False
        if shift.ordinary_end is not None and not job.urgent and stop.end > shift.ordinary_end:
            return False
    return True


def still_holds(previous: Plan, nodes: Nodes) -> bool:
    """Whether ``previous`` (the plan a dispatcher steered) is still a plan of ``nodes``'
    problem as it is now, so that a re-solve has nothing to change: a route for every crew
    shift and no other; every route's times hold (:func:`_route_holds`) along the same travel
    (each leg as the travel model has it now); each job planned with all its crews, at one
    start, or left out as before (not mandatory now, and not by a dispatcher: a job restored
    goes back to the solver); every precedence kept (an after job only with its before one,
    a required after job with it, each gap and largest gap)."""
    problem, n_v, seconds = nodes.problem, nodes.n_v, nodes.matrix.seconds
    jobs = {j.id: j for j in problem.jobs}
    crews = {c.id: c for c in problem.crews}
    node_of = {(job.id, c + 1): 2 * n_v + k for k, (job, c) in enumerate(nodes.copies)}
    vehicle_of = {(v.crew.id, v.shift_index): vi for vi, v in enumerate(nodes.vehicles)}
    if sorted((r.crew_id, r.shift) for r in previous.routes) != sorted(vehicle_of):
        return False
    start: dict[tuple[str, int], int] = {}
    for route in previous.routes:
        if not _route_holds(route, crews, jobs):
            return False
        vi = vehicle_of[(route.crew_id, route.shift)]
        at, travel = vi, 0
        for stop in route.stops:
            node = node_of.get(stop.key)
            if node is None or stop.key in start or int(seconds[at, node]) != stop.travel:
                return False
            start[stop.key] = stop.start
            at, travel = node, travel + stop.travel
        if route.stops and travel + int(seconds[at, n_v + vi]) != route.travel_time:
            return False
    left_out = {u.job_id for u in previous.unassigned if u.reason != "by_dispatcher"}
    for job in problem.jobs:
        starts = {start.get((job.id, c + 1)) for c in range(job.crews_required)}
        if starts == {None}:
            if job.mandatory or job.id not in left_out:
                return False
        elif len(starts) != 1 or None in starts:
            return False
    for p in problem.precedences:
        a, b = start.get((p.before, 1)), start.get((p.after, 1))
        if b is not None and a is None:
            return False
        if p.required and a is not None and b is None:
            return False
        if a is not None and b is not None:
            end = a + jobs[p.before].duration
            if b < end + p.gap or (p.max_gap is not None and b > end + p.max_gap):
                return False
    return True


def _as_was(previous: Plan, nodes: Nodes, started: float) -> Plan:
    """``previous`` as the re-solve's plan (:func:`still_holds`): its routes and times, each
    stop's deadline status as the job is now, and the jobs it left out that are still to do."""
    jobs = {j.id: j for j in nodes.problem.jobs}
    routes = tuple(
        replace(
            route,
            stops=tuple(
                replace(s, deadline_status=deadline_status(jobs[s.job_id], s.end))
                for s in route.stops
            ),
        )
        for route in previous.routes
    )
    unassigned = tuple(u for u in previous.unassigned if u.job_id in jobs)
    return Plan(
        routes=routes,
        unassigned=unassigned,
        objective=previous.objective,
        solve_seconds=time.perf_counter() - started,
        status=plan_status(unassigned),
        stats={"vehicles": nodes.n_v, "nodes": len(nodes.places), "kept": "previous"},
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
    return _held(problem, first, urgent), first


def _hold_urgent(problem: Problem, previous: Plan) -> Problem:
    """A re-solve's urgent jobs held (as :func:`_urgent_first` holds them) where ``previous``
    had them, those the dispatcher's edits still let stay there (a job pinned to another
    crew or start goes where it was pinned)."""
    crews = {c.id: c for c in problem.crews}
    urgent = set()
    for job in problem.jobs:
        stops = [(r.crew_id, s) for r in previous.routes for s in r.stops if s.job_id == job.id]
        if not job.urgent or not stops:
            continue
        if all(
            c in crews
            and job.may_go_to(crews[c])
            and (not job.windows or any(w.start <= s.start <= w.end for w in job.windows))
            for c, s in stops
        ):
            urgent.add(job.id)
    return _held(problem, previous, urgent)


def _held(problem: Problem, first: Plan, urgent: set[str]) -> Problem:
    """``problem`` with each of the ``urgent`` jobs held to its crew in ``first`` (one-crew
    jobs) and to a window of :data:`URGENT_HOLD` from its start there."""
    held: dict[str, tuple[str | None, int]] = {}
    for route in first.routes:
        for stop in route.stops:
            job_id = stop.job_id
            if job_id not in urgent:
                continue
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
    return replace(problem, jobs=tuple(jobs))


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
