"""Plans stored and read back (routing/io.py)."""

from __future__ import annotations


def test_a_stored_plan_comes_back_the_same() -> None:
    from routing.io import plan_from_state, plan_to_state
    from routing.model import Break, Crew, Job, Problem, Shift, TimeWindow
    from routing.solver import SolverOptions, solve

    crew = Crew(
        "c",
        frozenset({"valve"}),
        (114.30, 34.80),
        (Shift(8 * 3600, 17 * 3600, (Break(TimeWindow(12 * 3600, 13 * 3600), 1800),), "d"),),
    )
    jobs = tuple(
        Job(f"j{k}", (114.30 + 0.01 * k, 34.80), 1800, skills=frozenset({"valve"}))
        for k in range(4)
    )
    plan = solve(Problem((crew,), jobs), SolverOptions(seconds=0.5))
    import json

    again = plan_from_state(json.loads(json.dumps(plan_to_state(plan))))
    assert again.routes == plan.routes
    assert again.unassigned == plan.unassigned
    assert again.to_dict() == plan.to_dict()
