"""Solve standard benchmark instances with the scheduler.

``python -m routing.bench solomon FILE --seconds N --json`` reads a Solomon VRPTW instance,
solves it with :func:`routing.solver.solve` (distance objective: travel time equals Euclidean
distance, no rounding in the reported figure) and prints ``{"vehicles", "distance", "routes"}``
with routes as lists of customer numbers. It solves with the configurations of
:data:`PORTFOLIO` in parallel processes (one per core) for the same time and keeps the best;
``--single`` runs the default :class:`routing.solver.SolverOptions` in one process.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from routing.errors import InvalidProblem
from routing.model import Crew, Job, Problem, Shift, TimeWindow
from routing.solver import SolverOptions, solve
from routing.travel import Euclidean

SCALE = 1000  # Solomon times in thousandths, rounded up: feasible under exact distances

# Two iterated-local-search set-ups that complement each other (one per core): annealing with
# larger ruins is the best single set-up (C101, R201, RC201); near-greedy acceptance with smaller
# ruins is best on the tight-window R1/RC1 instances.
PORTFOLIO: tuple[Mapping[str, Any], ...] = (
    {"metaheuristic": "ITERATED_LOCAL_SEARCH", "ruin_visits": 15, "annealing": True},
    {"metaheuristic": "ITERATED_LOCAL_SEARCH", "ruin_visits": 10, "annealing": False},
)


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    depot: tuple[float, float]
    depot_due: int
    customers: tuple[tuple[int, float, float, int, int, int, int], ...]  # no, x, y, q, a, b, s


def read_solomon(path: str | Path) -> SolomonInstance:
    """Parse the original Solomon text format."""
    lines = [line.split() for line in Path(path).read_text().splitlines()]
    name = lines[0][0] if lines and lines[0] else Path(path).stem
    rows = [r for r in lines if r and all(_is_number(t) for t in r)]
    vehicles, capacity = int(rows[0][0]), int(rows[0][1])
    table = [tuple(float(t) for t in r) for r in rows[1:] if len(r) == 7]
    depot = table[0]
    customers = tuple(
        (int(r[0]), r[1], r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6])) for r in table[1:]
    )
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        depot=(depot[1], depot[2]),
        depot_due=int(depot[5]),
        customers=customers,
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def solomon_problem(instance: SolomonInstance) -> Problem:
    """The instance as a scheduling problem (times scaled by :data:`SCALE`)."""
    crews = tuple(
        Crew(
            id=f"v{k}",
            skills=frozenset(),
            start_location=instance.depot,
            shifts=(Shift(0, instance.depot_due * SCALE),),
            capacity=instance.capacity,
        )
        for k in range(instance.vehicles)
    )
    jobs = tuple(
        Job(
            id=str(no),
            location=(x, y),
            duration=s * SCALE,
            windows=(TimeWindow(a * SCALE, b * SCALE),),
            mandatory=True,
            demand=q,
        )
        for no, x, y, q, a, b, s in instance.customers
    )
    return Problem(crews=crews, jobs=jobs, travel=Euclidean(scale=SCALE))


def route_distance(instance: SolomonInstance, route: list[int]) -> float:
    """Exact (double precision) length of a route through the depot."""
    where = {c[0]: (c[1], c[2]) for c in instance.customers}
    points = [instance.depot, *(where[c] for c in route), instance.depot]
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


def check_solution(instance: SolomonInstance, routes: list[list[int]]) -> list[str]:
    """Problems of a solution under the published conventions (empty when feasible)."""
    info = {c[0]: c for c in instance.customers}
    problems = []
    seen = [c for r in routes for c in r]
    if sorted(seen) != sorted(info):
        problems.append("not every customer is served exactly once")
    for k, route in enumerate(routes):
        t, load, here = 0.0, 0, instance.depot
        for c in route:
            _, x, y, q, a, b, s = info[c]
            t = max(t + math.dist(here, (x, y)), a)
            if t > b + 1e-6:
                problems.append(f"route {k}: customer {c} starts at {t:.3f} > due {b}")
            t += s
            load += q
            here = (x, y)
        t += math.dist(here, instance.depot)
        if t > instance.depot_due + 1e-6:
            problems.append(f"route {k}: returns at {t:.3f} > depot due {instance.depot_due}")
        if load > instance.capacity:
            problems.append(f"route {k}: load {load} > capacity {instance.capacity}")
    return problems


def solver_options(seconds: float, settings: Mapping[str, Any] | None = None) -> SolverOptions:
    """``SolverOptions`` with a time limit and the given fields (a clear error for unknown ones)."""
    settings = dict(settings or {})
    known = {f.name for f in fields(SolverOptions)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise InvalidProblem(f"routing.solver.SolverOptions has no field(s) {', '.join(unknown)}")
    return SolverOptions(**{**settings, "seconds": seconds})


def solve_solomon(
    path: str | Path, seconds: float, settings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Solve one instance in this process (``settings``: ``SolverOptions`` fields)."""
    instance = read_solomon(path)
    plan = solve(solomon_problem(instance), solver_options(seconds, settings))
    routes = [[int(s.job_id) for s in r.stops] for r in plan.routes if r.stops]
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": round(sum(route_distance(instance, r) for r in routes), 2),
        "routes": routes,
        "unassigned": [u.job_id for u in plan.unassigned],
        "feasible": not plan.unassigned and not check_solution(instance, routes),
        "seconds": round(plan.solve_seconds, 2),
        "settings": dict(settings or {}),
    }


def solve_solomon_portfolio(
    path: str | Path,
    seconds: float,
    portfolio: Sequence[Mapping[str, Any]] = PORTFOLIO,
    workers: int | None = None,
) -> dict[str, Any]:
    """Solve with every set-up of ``portfolio`` at once, one process each (at most ``workers``
    at a time; default one per set-up), and keep the best feasible result.

    The result is :func:`solve_solomon`'s, plus ``runs`` (distance and feasibility of each set-up)
    and ``seconds`` the wall time of the whole.
    """
    for settings in portfolio:
        solver_options(seconds, settings)  # fail here, not in a worker
    workers = workers or len(portfolio)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(solve_solomon, str(path), seconds, dict(s)) for s in portfolio]
        results = [f.result() for f in futures]
    best = min(results, key=lambda r: (not r["feasible"], r["distance"]))
    return {
        **best,
        "seconds": round(time.perf_counter() - started, 2),
        "runs": [
            {"settings": r["settings"], "distance": r["distance"], "feasible": r["feasible"]}
            for r in results
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.bench")
    sub = parser.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("solomon", help="solve a Solomon VRPTW instance")
    p.add_argument("file", type=Path)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--single",
        action="store_true",
        help="one process with the default solver options, instead of the PORTFOLIO set-ups "
        "in parallel processes (one per core)",
    )
    args = parser.parse_args(argv)
    if args.single:
        result = solve_solomon(args.file, args.seconds)
    else:
        result = solve_solomon_portfolio(args.file, args.seconds)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['instance']}: {result['vehicles']} vehicles, distance {result['distance']}"
            f", feasible {result['feasible']}, {result['seconds']} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
