"""How the solver searches: its options and OR-Tools' search parameters.

Search: parallel cheapest insertion for a first solution, then guided local search until the time
limit. ``metaheuristic="ITERATED_LOCAL_SEARCH"`` instead runs OR-Tools' iterated local search: SISR
ruin-and-recreate perturbations (strings of nearby jobs removed, re-inserted by local cheapest
insertion), each followed by local search; far better on the Solomon set (benchmarks/routing.py),
but OR-Tools 9.15's ILS can overrun its time limit without end on small models, so it is opt-in
and used on plain routing models only (no breaks, precedences, two-crew jobs or published plan).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.constraint_solver.routing_parameters_pb2 import RoutingSearchParameters

from routing.build import COST_SCALE
from routing.model import Job
from routing.vehicles import Vehicle, has_overtime


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

ProgressCallback = Callable[[dict[str, Any]], bool]
"""``on_progress`` of :func:`routing.solver.solve`: called with ``solutions``, ``objective`` and
``elapsed``; returning True stops the search."""


def uses_iterated_local_search(
    options: SolverOptions,
    *,
    published: bool,
    precedences: bool,
    jobs: Sequence[Job],
    vehicles: Sequence[Vehicle],
    nodes: int,
) -> bool:
    """Whether the search runs OR-Tools' iterated local search (else guided local search).

    Iterated local search runs only in SolveWithIteratedLocalSearch (SolveWithParameters
    ignores use_iterated_local_search), so a re-plan from a published plan's hint keeps GLS.
    OR-Tools 9.15's ILS can also run far past its time limit: 0.3 s solves of small models
    (a lunch break, an impossible precedence, even one job and two crews) did not return in
    minutes. Opt-in, and on plain routing models only; GLS otherwise.
    """
    return (
        options.metaheuristic == "ITERATED_LOCAL_SEARCH"
        and not published
        and not precedences
        and all(job.crews_required == 1 for job in jobs)
        and not any(v.shift.breaks for v in vehicles)
        and not has_overtime(vehicles)
        # ruin and recreate is for instances much larger than one ruin; the tiny models that
        # hung are far below this
        and nodes >= 4 * options.ruin_visits
    )


def search_parameters(options: SolverOptions, *, iterated: bool) -> RoutingSearchParameters:
    """OR-Tools' search parameters for ``options`` (the time limit is set by the caller)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, options.first_solution
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
    return params


def set_time_left(params: RoutingSearchParameters, options: SolverOptions, started: float) -> None:
    """The search's time limit: ``options.seconds`` is the whole budget, so what building the
    model (and any first solutions) took since ``started`` comes off the search."""
    budget = options.seconds - (time.perf_counter() - started) - 0.3
    params.time_limit.FromMilliseconds(int(max(0.2, budget) * 1000))


def _iterated_local_search(params: RoutingSearchParameters, options: SolverOptions) -> None:
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


def watch(routing: pywrapcp.RoutingModel, on_progress: ProgressCallback, started: float) -> None:
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
