"""First solutions for the search: where it starts from.

The solver reads these routes into a first assignment (``ReadAssignmentFromRoutes``) and starts
the local search from the best of them: the published plan of a re-plan, a first solution of a
model of its own (:func:`seed_routes`, relaxed when the full model's heuristic fails), the
routes a dispatcher makes of an emergency by hand (:func:`earliest_finish_routes`), and the
urgent jobs where the plan of them alone put them (:func:`urgent_seeds`). Routes are lists of
OR-Tools indices; node indices are the same in every model of one problem.
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp
from ortools.constraint_solver.routing_parameters_pb2 import RoutingSearchParameters

from routing.build import Model, Nodes
from routing.model import Break, Job, Plan, Precedence
from routing.search import URGENT_CLEAR

Routes = list[list[int]]
"""The OR-Tools indices of the jobs of each vehicle, in order."""


def urgent_seeds(
    alone: Plan,
    published: Plan | None,
    nodes: Nodes,
    manager: pywrapcp.RoutingIndexManager,
) -> list[Routes | None]:
    """Routes with the urgent jobs where the plan of them alone put them (both crews of a
    two-crew job too) and, when re-planning, the published routine work of each crew that
    keeps clear of them (by each of :data:`URGENT_CLEAR`), in time order, without what would
    be left half-done (a job whose predecessor is out, a closure whose repair is out): the
    start a dispatcher makes, the emergency first and the rest of the day where it still
    fits. The search then puts back what was pushed out. One seed per clearance."""
    problem, vehicles, copies, n_v = nodes.problem, nodes.vehicles, nodes.copies, nodes.n_v
    node_of = {(job.id, c + 1): 2 * n_v + k for k, (job, c) in enumerate(copies)}
    in_model = {job.id for job, _ in copies}
    urgent = {(r.crew_id, r.shift): r.stops for r in alone.routes}
    placed_alone = {s.key for r in alone.routes for s in r.stops}
    routine = {(r.crew_id, r.shift): r.stops for r in published.routes} if published else {}
    precedences = [p for p in problem.precedences if p.before in in_model and p.after in in_model]
    out: list[Routes | None] = []
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


def earliest_finish_routes(nodes: Nodes, manager: pywrapcp.RoutingIndexManager) -> Routes | None:
    """The routes a good dispatcher makes of an emergency by hand: job after job, in the order
    the precedences allow (most urgent first), each to the capable crew that can finish it
    first, from where its last job left it; a two-crew job to the two that can start it
    together first. Lunch is taken when a job would end past the lunch window. A seed for
    the search: it starts from the dispatcher's plan and improves on it."""
    problem, vehicles, copies = nodes.problem, nodes.vehicles, nodes.copies
    n_v = len(vehicles)
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
        options = _start_options(nodes, job, node_of[job_id][0], after, free, at, lunch)
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


def _start_options(
    nodes: Nodes,
    job: Job,
    node: int,
    after: int,
    free: list[int],
    at: list[int],
    lunch: list[list[Break]],
) -> list[tuple[int, int, list[Break]]]:
    """(start, vehicle, the breaks still to take) of each capable vehicle that can do ``job``
    next, from where it is free (``free``, at node ``at``), earliest first; lunch first when
    the job would end past the lunch window."""
    seconds, n_v = nodes.matrix.seconds, nodes.n_v
    window = job.windows[0] if job.windows else None
    options = []
    for vi, v in enumerate(nodes.vehicles):
        if not job.may_go_to(v.crew):
            continue
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
    return options


def seed_routes(
    nodes: Nodes,
    params: RoutingSearchParameters,
    seconds: float,
    *,
    relaxed: bool = False,
    published: Plan | None = None,
) -> Routes | None:
    """The routes of a first solution, on a model of its own: the full one, or the relaxed one
    (see :class:`routing.build.Model`) without the jobs planned although a job they must follow
    is not, or too long after it, or past the ordinary end of their shift (and, in turn, what
    follows those), so that the full model accepts them. Node indices are the same in every
    model of the problem."""
    model = Model.build(nodes, published, relaxed=relaxed)
    first = pywrapcp.DefaultRoutingSearchParameters()
    first.CopyFrom(params)
    first.solution_limit = 1
    first.log_search = False
    first.time_limit.FromMilliseconds(int(max(0.2, seconds) * 1000))
    assignment = model.routing.SolveWithParameters(first)
    if assignment is None:
        return None
    routes, start, out = _read_first(nodes, model, assignment)
    out = _unfinished(nodes, start, out)
    manager, copies, n_v = model.manager, nodes.copies, nodes.n_v
    return [
        [i for i in route if copies[manager.IndexToNode(i) - 2 * n_v][0].id not in out]
        for route in routes
    ]


def _read_first(
    nodes: Nodes, model: Model, assignment: pywrapcp.Assignment
) -> tuple[Routes, dict[str, int], set[str]]:
    """A first solution's routes, the start of each job planned, and the ordinary jobs it
    put in the overtime (the relaxed model)."""
    manager, routing, time_dim = model.manager, model.routing, model.time_dim
    vehicles, copies, n_v = nodes.vehicles, nodes.copies, nodes.n_v
    routes: Routes = []
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
    return routes, start, out


def _unfinished(nodes: Nodes, start: dict[str, int], out: set[str]) -> set[str]:
    """``out`` and, in turn, the jobs planned although a job they must follow is not (or is
    out, or they start too long after it), and the closures whose repair is out."""
    duration = {job.id: job.duration for job in nodes.feasible_jobs}
    in_model = [
        p for p in nodes.problem.precedences if p.before in duration and p.after in duration
    ]
    out = set(out)
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
    return out


def published_ids(published: Plan) -> set[str]:
    """The ids of the jobs in a plan."""
    return {s.job_id for r in published.routes for s in r.stops}


def published_routes(
    published: Plan, nodes: Nodes, manager: pywrapcp.RoutingIndexManager
) -> Routes:
    """The published plan's routes on this model's vehicles (the jobs still in it)."""
    vehicles, copies, n_v = nodes.vehicles, nodes.copies, nodes.n_v
    node_of = {(job.id, c + 1): 2 * n_v + k for k, (job, c) in enumerate(copies)}
    by_vehicle: list[list[int]] = [[] for _ in vehicles]
    for r in published.routes:
        for vi, v in enumerate(vehicles):
            if v.crew.id == r.crew_id and v.shift_index == r.shift:
                by_vehicle[vi] = [
                    manager.NodeToIndex(node_of[s.key]) for s in r.stops if s.key in node_of
                ]
    return by_vehicle


def previous_routes(
    previous: Plan, nodes: Nodes, manager: pywrapcp.RoutingIndexManager
) -> list[Routes | None]:
    """The seeds of a re-solve (a dispatcher steered ``previous``): its routes as they were,
    and the same without the stops the steering took from them (a job pinned or moved to
    another crew, or to a start its old one is not at) and, in turn, what would be left
    half-done without those. A pin to the crew a job has already then changes nothing: the
    search starts from the plan the dispatcher saw. When an edit breaks the old routes, the
    second seed still starts from everything else, and the search puts the edited jobs in."""
    as_was = published_routes(previous, nodes, manager)
    jobs = {job.id: job for job, _ in nodes.copies}
    crews = {(v.crew.id, v.shift_index): v.crew for v in nodes.vehicles}
    out: set[str] = set()
    start: dict[str, int] = {}
    for route in previous.routes:
        crew = crews.get((route.crew_id, route.shift))
        for s in route.stops:
            job = jobs.get(s.job_id)
            if job is None or crew is None:
                continue
            inside = not job.windows or any(w.start <= s.start <= w.end for w in job.windows)
            if not job.may_go_to(crew) or not inside:
                out.add(job.id)
            elif s.slot == 1:
                start[job.id] = s.start
    out = _unfinished(nodes, {j: t for j, t in start.items() if j not in out}, out)
    if not out:
        return [as_was]
    n_v = nodes.n_v
    kept = [
        [i for i in route if nodes.copies[manager.IndexToNode(i) - 2 * n_v][0].id not in out]
        for route in as_was
    ]
    return [as_was, kept]
