"""A crew barred from a job (its route locked by a dispatcher, ops.steering) never gets it:
real OR-Tools solves, and the reason when every capable crew is barred."""

from __future__ import annotations

from routing.model import HOUR, Crew, Job, Problem, Shift
from routing.solver import SolverOptions, solve
from routing.travel import Euclidean

PLANE = Euclidean(scale=1)


def _crew(cid: str, x: float) -> Crew:
    return Crew(cid, frozenset(), (x, 0.0), (Shift(8 * HOUR, 17 * HOUR),))


def test_a_barred_crew_never_gets_the_job_even_when_it_is_next_door() -> None:
    problem = Problem(
        (_crew("near", 0.0), _crew("far", 5000.0)),
        (Job("j", (10.0, 0.0), HOUR, barred_crews=frozenset({"near"}), mandatory=True),),
        travel=PLANE,
    )
    plan = solve(problem, SolverOptions(seconds=0.5))
    assert plan.assignments == {"j": "far"}


def test_a_job_whose_every_crew_is_barred_is_left_out_saying_so() -> None:
    problem = Problem(
        (_crew("a", 0.0),),
        (Job("j", (10.0, 0.0), HOUR, barred_crews=frozenset({"a"})),),
        travel=PLANE,
    )
    plan = solve(problem, SolverOptions(seconds=0.5))
    assert plan.assignments == {}
    (left,) = plan.unassigned
    assert (left.job_id, left.key, left.params) == ("j", "crews_locked", {"crews": "a"})
