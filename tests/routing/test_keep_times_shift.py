"""A re-solve keeps a route's old times only while they still hold for the crew as it is now
(review of 9433b43, routing.solver.keep_times): a dispatcher who moves a crew's shift later
and re-solves must not get back the old times outside the new shift. Real OR-Tools solves
on a plane."""

from __future__ import annotations

import dataclasses

from routing.model import HOUR, Crew, Job, Problem, Shift
from routing.solver import SolverOptions, solve
from routing.travel import Euclidean

PLANE = Euclidean(scale=1)


def test_a_shift_moved_later_is_honoured_by_the_re_solve() -> None:
    crew = Crew("c", frozenset(), (0.0, 0.0), (Shift(8 * HOUR, 17 * HOUR),), (300.0, 0.0))
    jobs = (Job("a", (100.0, 0.0), HOUR), Job("b", (300.0, 0.0), HOUR))
    problem = Problem((crew,), jobs, travel=PLANE)
    first = solve(problem, SolverOptions(seconds=0.5))
    assert first.routes[0].depart < 10 * HOUR  # the day starts early in the first plan
    later = dataclasses.replace(
        problem, crews=(dataclasses.replace(crew, shifts=(Shift(10 * HOUR, 17 * HOUR),)),)
    )
    plan = solve(later, SolverOptions(seconds=0.5), previous=first)
    route = plan.routes[0]
    assert [s.job_id for s in route.stops] == [s.job_id for s in first.routes[0].stops]
    assert route.depart >= 10 * HOUR, route
    assert all(s.start >= 10 * HOUR for s in route.stops), route.stops


def test_an_unchanged_crew_keeps_its_times() -> None:
    crew = Crew("c", frozenset(), (0.0, 0.0), (Shift(8 * HOUR, 17 * HOUR),), (300.0, 0.0))
    jobs = (Job("a", (100.0, 0.0), HOUR), Job("b", (300.0, 0.0), HOUR))
    problem = Problem((crew,), jobs, travel=PLANE)
    first = solve(problem, SolverOptions(seconds=0.5))
    again = solve(problem, SolverOptions(seconds=0.5), previous=first)
    assert again.routes[0].stops == first.routes[0].stops
