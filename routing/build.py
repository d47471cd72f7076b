"""The OR-Tools routing model of a :class:`routing.model.Problem`.

Every crew shift is a vehicle; every job a node (two nodes for a two-crew job, tied to the same
start time on different crews). Skills and pinned crews restrict the vehicles a node may use;
windows and deadlines are ranges of the time dimension; lunch breaks are break intervals of the
vehicle; precedences are constraints between the start times of two nodes. Every job has a
disjunction, so the solver can always return a plan: a mandatory job's penalty is so high that it
is only left out when no crew can do it, and :mod:`routing.explain` says why.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp

from routing.model import HOUR, Job, Location, Plan, Problem
from routing.travel import StraightLine, TravelMatrix
from routing.vehicles import Vehicle, job_start_ranges

MANDATORY_PENALTY = 10_000_000_000  # far above any day's travel: dropped only when impossible
REASSIGN_PENALTY = 30 * 60  # re-planning: moving a published job to another crew costs 30 min
# The objective is in hundredths of a second of travel, so that lateness costs below one
# second of travel per second late keep their weight in OR-Tools' integer objective.
COST_SCALE = 100
URGENT_WEIGHT = 10  # an urgent mandatory job weighs ten routine mandatory ones
# a re-solve: moving a job from its start in the plan steered costs, per second moved, a tenth
# of a second of travel (an hour earlier or later weighs six minutes of travel), so that a plan
# that tells the crews and customers other times must be better by more than that
KEEP_TIME_WEIGHT = 0.1


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


@dataclass(frozen=True)
class Nodes:
    """What every model of a problem is built from: the jobs some crew could do, the crew
    shifts (vehicles), the nodes (vehicle starts, vehicle ends, then one per job copy), their
    places, travel matrix and service times."""

    problem: Problem
    feasible_jobs: Sequence[Job]
    vehicles: list[Vehicle]
    copies: list[tuple[Job, int]]
    places: list[Location]
    matrix: TravelMatrix
    service: npt.NDArray[np.int64]

    @classmethod
    def of(cls, problem: Problem, feasible_jobs: Sequence[Job], vehicles: list[Vehicle]) -> Nodes:
        """The nodes of the feasible jobs (one copy per crew a job needs) on the vehicles."""
        copies: list[tuple[Job, int]] = []
        for job in feasible_jobs:
            for c in range(job.crews_required):
                copies.append((job, c))
        n_v = len(vehicles)
        places: list[Location] = [v.start for v in vehicles] + [v.end for v in vehicles]
        places += [job.location for job, _ in copies]
        matrix = (problem.travel or StraightLine()).matrix(places)
        service = np.zeros(len(places), dtype=np.int64)
        for k, (job, _) in enumerate(copies):
            service[2 * n_v + k] = job.duration
        return cls(problem, feasible_jobs, vehicles, copies, places, matrix, service)

    @property
    def n_v(self) -> int:
        """The number of vehicles (node ``k`` of job copy ``k`` is ``2 * n_v + k``)."""
        return len(self.vehicles)


@dataclass
class Model:
    """An OR-Tools routing model of the feasible jobs (see :func:`routing.solver.solve`).

    ``relaxed``: without the precedences' constraints on whether a job is planned (the after
    job only with the before one) and on the largest gap, and without each ordinary job's
    end by its own crew's ordinary shift end (overtime is for urgent jobs): the insertion
    heuristics' filters do not see these plain solver constraints, so a first solution that
    breaks one fails as a whole, and OR-Tools then starts from "nothing planned" (an
    overloaded day came back empty). The relaxed model's first solution, with the jobs that
    break them taken out, seeds the full model instead (:func:`routing.seeds.seed_routes`).
    """

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: pywrapcp.RoutingDimension
    # each vehicle's break intervals, kept so a solution's breaks are read by vehicle
    # (not found again by parsing the intervals' names)
    breaks: dict[int, list[pywrapcp.IntervalVar]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        nodes: Nodes,
        published: Plan | None,
        *,
        relaxed: bool = False,
        keep_times: bool = False,
    ) -> Model:
        """The model of ``nodes``; with ``published``, moving its jobs to other crews costs,
        and with ``keep_times`` too (a re-solve), moving them from their starts in it
        (:data:`KEEP_TIME_WEIGHT`)."""
        n_v = nodes.n_v
        manager = pywrapcp.RoutingIndexManager(
            len(nodes.service), n_v, list(range(n_v)), list(range(n_v, 2 * n_v))
        )
        routing = pywrapcp.RoutingModel(manager)
        travel = nodes.matrix.seconds.copy()
        # A vehicle's own start and end are where it is; other vehicles never visit them.
        transit = travel + nodes.service[:, None]
        arc_index = routing.RegisterTransitMatrix((travel * COST_SCALE).tolist())
        if published is None:
            routing.SetArcCostEvaluatorOfAllVehicles(arc_index)
        else:
            _reassignment_costs(routing, travel, nodes, published)
        time_index = routing.RegisterTransitMatrix(transit.tolist())
        horizon = max(v.shift.end for v in nodes.vehicles)
        routing.AddDimension(time_index, horizon, horizon, False, "Time")
        model = cls(manager, routing, routing.GetDimensionOrDie("Time"))
        model._shift_ranges(nodes.vehicles)
        if any(v.crew.capacity is not None for v in nodes.vehicles):
            model._capacities(nodes)
        first_copy = model._jobs(nodes, relaxed)
        model._two_crew_jobs(nodes, first_copy)
        model._precedences(nodes, first_copy, relaxed)
        model._breaks(nodes)
        if keep_times and published is not None:
            model._keep_times(nodes, published)
        return model

    def _keep_times(self, nodes: Nodes, previous: Plan) -> None:
        """Moving a job from its start in ``previous``, earlier or later, costs. (The search
        weighs the least shift the routes allow; the times it then reads are not always
        those: :func:`routing.solver.keep_times` gives a route it kept its old ones.)

        A job with a ``due`` has one soft upper bound (OR-Tools keeps one a node) for both
        costs: from the earlier of its old start and its latest start on time, at the larger
        of the two weights. Its lateness bound alone, from its due, let the search move a job
        planned on time hours later for nothing (the demo day's re-solve moved two valve
        exercises, due at the month's end, four hours for a little travel)."""
        was = {s.key: s.start for r in previous.routes for s in r.stops}
        weight = max(1, round(KEEP_TIME_WEIGHT * COST_SCALE))
        for k, (job, c) in enumerate(nodes.copies):
            start = was.get((job.id, c + 1))
            if start is None:
                continue
            index = self.manager.NodeToIndex(2 * nodes.n_v + k)
            self.time_dim.SetCumulVarSoftLowerBound(index, start, weight)
            if job.due is None or job.lateness_cost <= 0:
                self.time_dim.SetCumulVarSoftUpperBound(index, start, weight)
            else:  # replaces the lateness bound _job set (the later call wins)
                self.time_dim.SetCumulVarSoftUpperBound(
                    index,
                    max(0, min(start, job.due - job.duration)),
                    max(weight, round(job.lateness_cost * COST_SCALE)),
                )

    def _shift_ranges(self, vehicles: Sequence[Vehicle]) -> None:
        routing, time_dim = self.routing, self.time_dim
        for vi, v in enumerate(vehicles):
            time_dim.CumulVar(routing.Start(vi)).SetRange(v.earliest, v.shift.end)
            time_dim.CumulVar(routing.End(vi)).SetRange(v.earliest, v.shift.end)
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(vi)))
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(vi)))

    def _capacities(self, nodes: Nodes) -> None:
        demand = [0] * len(nodes.service)
        for k, (job, _) in enumerate(nodes.copies):
            demand[2 * nodes.n_v + k] = job.demand
        demand_index = self.routing.RegisterUnaryTransitVector(demand)
        self.routing.AddDimensionWithVehicleCapacity(
            demand_index,
            0,
            [v.crew.capacity if v.crew.capacity is not None else 10**9 for v in nodes.vehicles],
            True,
            "Load",
        )

    def _jobs(self, nodes: Nodes, relaxed: bool) -> dict[str, int]:
        """Every job copy's vehicles, start times and drop penalty; the index of each job's
        first copy."""
        first_copy: dict[str, int] = {}
        for k, (job, c) in enumerate(nodes.copies):
            index = self.manager.NodeToIndex(2 * nodes.n_v + k)
            if c == 0:
                first_copy[job.id] = index
            self._job(nodes, job, index, relaxed)
        return first_copy

    def _job(self, nodes: Nodes, job: Job, index: int, relaxed: bool) -> None:
        routing, time_dim, solver = self.routing, self.time_dim, self.routing.solver()
        vehicles = nodes.vehicles
        horizon = max(v.shift.end for v in vehicles)
        day_start = min(v.shift.start for v in vehicles)
        allowed = [vi for vi, v in enumerate(vehicles) if job.may_go_to(v.crew)]
        if len(allowed) < nodes.n_v:
            routing.VehicleVar(index).SetValues([-1, *allowed])
        # Overtime is for urgent jobs: any other job ends by the ordinary end of the shift
        # that serves it. The latest of the capable shifts bounds its start (the filters
        # see that); its own shift's, by vehicle, is a constraint (index 0: not planned).
        finish = [vehicles[vi].shift.finish_by(job) for vi in allowed]
        ranges = job_start_ranges(job, day_start, min(horizon, max(finish) - job.duration))
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(ranges[0][0], ranges[-1][1])
        for (_, b), (a, _) in itertools.pairwise(ranges):
            cumul.RemoveInterval(b + 1, a - 1)
        # (without overtime the vehicle's own end bounds the job already: the constraint
        # would only slow the search — the 600-job day lost 3 points of travel to it)
        overtime = any(vehicles[vi].shift.finish_by(job) < vehicles[vi].shift.end for vi in allowed)
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

    def _two_crew_jobs(self, nodes: Nodes, first_copy: dict[str, int]) -> None:
        routing, time_dim, solver = self.routing, self.time_dim, self.routing.solver()
        for k, (job, c) in enumerate(nodes.copies):
            if c == 1:
                a, b = first_copy[job.id], self.manager.NodeToIndex(2 * nodes.n_v + k)
                # The second crew can only join a job the first is on, at the same start time.
                # (Tying both ActiveVars together would stop the insertion heuristics, which add
                # one node at a time; a first crew left alone is dropped: routing.extract.)
                solver.Add(time_dim.CumulVar(a) == time_dim.CumulVar(b))
                solver.Add(routing.ActiveVar(b) <= routing.ActiveVar(a))
                solver.Add(
                    solver.IsDifferentVar(routing.VehicleVar(a), routing.VehicleVar(b))
                    >= routing.ActiveVar(a)
                )

    def _precedences(self, nodes: Nodes, first_copy: dict[str, int], relaxed: bool) -> None:
        routing, time_dim, solver = self.routing, self.time_dim, self.routing.solver()
        horizon = max(v.shift.end for v in nodes.vehicles)
        jobs_by_id = {job.id: job for job in nodes.feasible_jobs}
        for p in nodes.problem.precedences:
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

    def _breaks(self, nodes: Nodes) -> None:
        routing, time_dim, solver = self.routing, self.time_dim, self.routing.solver()
        manager, n_v, copies = self.manager, nodes.n_v, nodes.copies
        node_visit = [0] * routing.Size()  # what a break may not overlap, per node
        for index in range(routing.Size()):
            node = manager.IndexToNode(index)
            node_visit[index] = int(nodes.service[node])
            if node >= 2 * n_v and copies[node - 2 * n_v][0].breaks_in_turns:
                node_visit[index] = 0  # the crew eats in turns on site; the work goes on
        for vi, v in enumerate(nodes.vehicles):
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
                self.breaks[vi] = intervals
                time_dim.SetBreakIntervalsOfVehicle(intervals, vi, node_visit)
                for interval in intervals:  # so that every solution (hinted ones too) holds them
                    routing.AddIntervalToAssignment(interval)


def _reassignment_costs(
    routing: pywrapcp.RoutingModel,
    travel: npt.NDArray[np.int64],
    nodes: Nodes,
    published: Plan,
) -> None:
    """Per-vehicle arc costs: travel, plus a penalty for entering a job that the published plan
    gave to another crew."""
    owner = published.slots
    copies, n_v = nodes.copies, nodes.n_v
    for vi, v in enumerate(nodes.vehicles):
        cost = travel * COST_SCALE
        for k, (job, c) in enumerate(copies):
            crew = owner.get((job.id, c + 1))
            if crew is not None and crew != v.crew.id:
                cost[:, 2 * n_v + k] += REASSIGN_PENALTY * COST_SCALE
        routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(cost.tolist()), vi)
