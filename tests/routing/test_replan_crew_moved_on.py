"""A re-plan starts a crew whose started work is over at the position the caller gives (its
GPS, or where its last report put it), not at the place of that work (issue 18 item 8):
real OR-Tools solves on a plane."""

from __future__ import annotations

import dataclasses

from routing.model import HOUR, Crew, Job, Problem, Shift
from routing.solver import SolverOptions, replan, solve
from routing.travel import Euclidean

PLANE = Euclidean(scale=1)


def test_a_crew_done_with_its_started_work_starts_where_it_is_now() -> None:
    crew = Crew("c", frozenset(), (0.0, 0.0), (Shift(8 * HOUR, 17 * HOUR),))
    jobs = (Job("a", (100.0, 0.0), HOUR), Job("b", (3000.0, 0.0), HOUR))
    problem = Problem((crew,), jobs, travel=PLANE)
    published = solve(problem, SolverOptions(seconds=0.5))
    first = published.routes[0].stops[0]
    now = first.end + 60  # its first job is over: the crew has gone on
    moved = dataclasses.replace(
        problem, crews=(dataclasses.replace(crew, current_location=(2000.0, 0.0)),)
    )
    plan = replan(moved, published, now, SolverOptions(seconds=0.5))
    stops = {s.job_id: s for s in plan.routes[0].stops}
    other = "b" if first.job_id == "a" else "a"
    here = PLANE.matrix([(2000.0, 0.0), jobs[0 if other == "a" else 1].location]).seconds[0, 1]
    assert stops[other].travel == int(here)
    # still at its job at now: the place of that job, whatever the caller says
    under_way = replan(moved, published, first.end - 60, SolverOptions(seconds=0.5))
    there = PLANE.matrix([first.location, stops[other].location]).seconds[0, 1]  # type: ignore[list-item]
    assert {s.job_id: s for s in under_way.routes[0].stops}[other].travel == int(there)
