"""The public API of ``routing`` (issue 15 item 5): what a notebook imports is enough to plan a
day and re-plan it, and the explainer checks jobs against the solver's own vehicles."""

from __future__ import annotations

import routing
from routing import (
    HOUR,
    Crew,
    Euclidean,
    Job,
    Precedence,
    Problem,
    Shift,
    SolverOptions,
    TimeWindow,
    replan,
    solve,
)
from routing.explain import prefilter
from routing.vehicles import Vehicle, crew_vehicles


def test_every_public_name_is_there() -> None:
    for name in routing.__all__:
        assert getattr(routing, name) is not None, name
    assert routing.solve is routing.solver.solve
    assert routing.replan is routing.solver.replan


def _day() -> Problem:
    crews = (
        Crew("north", frozenset({"valve"}), (0.0, 0.0), (Shift(8 * HOUR, 17 * HOUR),)),
        Crew("south", frozenset({"valve", "pipe"}), (10_000.0, 0.0), (Shift(8 * HOUR, 17 * HOUR),)),
    )
    jobs = (
        Job("close", (2_000.0, 0.0), 1800, skills=frozenset({"valve"})),
        Job("repair", (2_000.0, 0.0), 3600, skills=frozenset({"pipe"})),
        Job("meter", (9_000.0, 0.0), 600, windows=(TimeWindow(9 * HOUR, 10 * HOUR),)),
    )
    return Problem(crews, jobs, (Precedence("close", "repair"),), travel=Euclidean(scale=1))


def test_a_notebook_plans_and_replans_with_the_public_names() -> None:
    problem = _day()
    plan = solve(problem, SolverOptions(seconds=2))
    stops = {s.job_id: (r.crew_id, s) for r in plan.routes for s in r.stops}
    assert set(stops) == {"close", "repair", "meter"} and not plan.unassigned
    assert stops["repair"][0] == "south"  # the only crew with the skill
    assert stops["repair"][1].start >= stops["close"][1].end  # the precedence holds
    assert stops["meter"][1].start >= 9 * HOUR and stops["meter"][1].start <= 10 * HOUR

    now = stops["close"][1].start + 60  # the closure is under way: it stays where it is
    again = replan(problem, plan, now, SolverOptions(seconds=2))
    kept = {s.job_id: (r.crew_id, s.start) for r in again.routes for s in r.stops}
    assert kept["close"] == (stops["close"][0], stops["close"][1].start)
    started = sorted(job for job, (_, stop) in stops.items() if stop.start <= now)
    assert "close" in started and again.stats["frozen"] == started
    assert all(kept[job] == (stops[job][0], stops[job][1].start) for job in started)


def test_the_explainer_uses_the_solvers_vehicles() -> None:
    problem = _day()
    vehicles = crew_vehicles(problem.crews)
    assert all(isinstance(v, Vehicle) for v in vehicles)
    assert [(v.crew.id, v.earliest) for v in vehicles] == [("north", 8 * HOUR), ("south", 8 * HOUR)]
    feasible, rejected = prefilter(problem, vehicles)
    assert [j.id for j in feasible] == ["close", "repair", "meter"] and not rejected
