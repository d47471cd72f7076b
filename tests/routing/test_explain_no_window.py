"""A job with no window left out because its deadline comes before every shift is told so, not
as "its window (-)" (user trial: APP-000001-meter read "时间窗（-）和期限都在…班次之外")."""

from __future__ import annotations

from routing.model import HOUR, MINUTE, Crew, Job, Problem, Shift, TimeWindow
from routing.solver import SolverOptions, solve
from routing.travel import Euclidean

H = HOUR


def test_a_deadline_before_the_shift_names_the_deadline_not_an_empty_window() -> None:
    crew = Crew("a", frozenset(), (0.0, 0.0), (Shift(8 * H, 17 * H),))
    deadline = Job("deadline", (100.0, 0.0), H, deadline=8 * H + 30 * MINUTE)
    early = Job("early", (100.0, 0.0), H, windows=(TimeWindow(5 * H, 7 * H),))
    plan = solve(Problem((crew,), (deadline, early), travel=Euclidean(scale=1)), SolverOptions(0.3))
    why = {u.job_id: u for u in plan.unassigned}
    assert why["deadline"].reason == "window_outside_shifts"  # the code stays (docs, clients)
    assert why["deadline"].key == "deadline_before_shifts"
    assert why["deadline"].params == {"deadline": "08:30", "minutes": 60}
    assert "(-)" not in why["deadline"].detail and "08:30" in why["deadline"].detail
    assert why["early"].key == "window_outside_shifts"  # a real window is still named
    assert "05:00–07:00" in why["early"].detail
