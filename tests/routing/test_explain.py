"""Why a job is left out (``routing.explain``): each reason code from a problem that produces it.

Each case is solved for real; where the prefilter rejects every job, ``solve`` returns without a
search, so these tests are quick. Times are seconds since midnight; places are (x, y) in a plane
with one unit of distance = one second of travel (``Euclidean(scale=1)``), except where a case
needs real distances (StraightLine in Kaifeng).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from routing.explain import prefilter
from routing.model import (
    HOUR,
    MINUTE,
    Break,
    Crew,
    Job,
    Location,
    Plan,
    Precedence,
    Problem,
    Shift,
    TimeWindow,
)
from routing.solver import SolverOptions, solve
from routing.travel import Euclidean, StraightLine
from routing.vehicles import crew_vehicles

H = HOUR
PLANE = Euclidean(scale=1)
LUNCH = Break(TimeWindow(12 * H, 13 * H), 30 * MINUTE)


def crew(
    cid: str,
    at: Location = (0.0, 0.0),
    skills: Sequence[str] = (),
    breaks: Sequence[Break] = (),
) -> Crew:
    return Crew(cid, frozenset(skills), at, (Shift(8 * H, 17 * H, tuple(breaks)),))


def reasons(plan: Plan) -> dict[str, str]:
    return {u.job_id: u.reason for u in plan.unassigned}


def run(problem: Problem) -> Plan:
    plan = solve(problem, SolverOptions(seconds=0.3))
    planned = {s.job_id for r in plan.routes for s in r.stops}
    assert planned.isdisjoint(reasons(plan))
    assert planned | set(reasons(plan)) == {j.id for j in problem.jobs}
    for u in plan.unassigned:
        assert u.detail and u.mandatory == problem.job(u.job_id).mandatory
    return plan


# --------------------------------------------------------------------------------------------
# Skills, pins, two crews


def test_only_unskilled_crews_give_no_skill() -> None:
    job = Job("v", (100.0, 0.0), H, skills=frozenset({"valve"}), mandatory=True)
    plan = run(Problem((crew("a"), crew("b", skills=("weld",))), (job,), travel=PLANE))
    assert reasons(plan) == {"v": "no_skill"}
    (u,) = plan.unassigned
    assert "valve" in u.detail and u.mandatory
    assert all(not r.stops for r in plan.routes)


def test_pinned_to_unknown_crew() -> None:
    job = Job("p", (100.0, 0.0), H, pinned_crew="ghost")
    plan = run(Problem((crew("a"),), (job,), travel=PLANE))
    assert reasons(plan) == {"p": "pinned_crew"}
    assert "ghost" in plan.unassigned[0].detail


def test_pinned_to_a_crew_without_the_skill_is_no_skill() -> None:
    job = Job("p", (100.0, 0.0), H, skills=frozenset({"valve"}), pinned_crew="a")
    plan = run(Problem((crew("a"), crew("b", skills=("valve",))), (job,), travel=PLANE))
    assert reasons(plan) == {"p": "no_skill"}


def test_two_crew_job_with_one_capable_crew() -> None:
    job = Job("big", (100.0, 0.0), 2 * H, skills=frozenset({"weld"}), crews_required=2)
    plan = run(Problem((crew("a", skills=("weld",)), crew("b")), (job,), travel=PLANE))
    assert reasons(plan) == {"big": "needs_two_crews"}


def test_two_crew_job_with_one_crew_on_two_days_still_needs_two_crews() -> None:
    two_days = Crew(
        "a",
        frozenset(),
        (0.0, 0.0),
        (Shift(8 * H, 17 * H), Shift(86_400 + 8 * H, 86_400 + 17 * H)),
    )
    job = Job("big", (100.0, 0.0), 2 * H, crews_required=2)
    plan = run(Problem((two_days,), (job,), travel=PLANE))
    assert reasons(plan) == {"big": "needs_two_crews"}


# --------------------------------------------------------------------------------------------
# Shifts and windows


def test_job_longer_than_the_shift() -> None:
    job = Job("long", (100.0, 0.0), 9 * H)  # 9 h of work + 200 s of travel in a 9 h shift
    fits = Job("fits", (0.0, 0.0), 9 * H)  # at the depot, exactly the shift
    plan = run(Problem((crew("a"),), (job, fits), travel=PLANE))
    assert reasons(plan) == {"long": "shift_too_short"}
    assert plan.assignments == {"fits": "a"}


def test_window_before_the_shift() -> None:
    early = Job("early", (100.0, 0.0), H, windows=(TimeWindow(5 * H, 7 * H),))
    late = Job("late", (100.0, 0.0), H, windows=(TimeWindow(18 * H, 20 * H),))
    deadline = Job("deadline", (100.0, 0.0), H, deadline=8 * H + 30 * MINUTE)
    plan = run(Problem((crew("a"),), (early, late, deadline), travel=PLANE))
    assert reasons(plan) == {
        "early": "window_outside_shifts",
        "late": "window_outside_shifts",
        "deadline": "window_outside_shifts",
    }
    assert "05:00–07:00" in plan.unassigned[0].detail


def test_window_reachable_only_faster_than_the_van() -> None:
    depot = (114.31005, 34.81)
    far = (114.39339, 34.7726)  # 8.7 km, 11.7 km with the 1.35 detour: 28 min at 25 km/h
    job = Job(
        "far", far, 30 * MINUTE, windows=(TimeWindow(8 * H, 8 * H + 10 * MINUTE),), mandatory=True
    )
    later = Job("later", far, 30 * MINUTE, windows=(TimeWindow(8 * H, 9 * H),))
    plan = run(Problem((crew("a", depot),), (job, later), travel=StraightLine()))
    assert reasons(plan) == {"far": "window_unreachable"}
    assert plan.status == "mandatory_unassigned"
    stop = plan.stop("later")
    assert stop is not None and stop.start >= 8 * H + 1686


def test_deadline_reachable_only_faster_than_the_van() -> None:
    job = Job("d", (3000.0, 0.0), 30 * MINUTE, deadline=8 * H + 60 * MINUTE)  # 50 + 30 min
    plan = run(Problem((crew("a"),), (job,), travel=PLANE))
    assert reasons(plan) == {"d": "window_unreachable"}


def test_window_reachable_but_no_time_to_drive_back() -> None:
    # start at 16:00 is reachable, but 60 min of work + 50 min back ends after 17:00
    job = Job("w", (3000.0, 0.0), H, windows=(TimeWindow(16 * H, 16 * H),))
    plan = run(Problem((crew("a"),), (job,), travel=PLANE))
    assert reasons(plan) == {"w": "shift_too_short"}


# --------------------------------------------------------------------------------------------
# Breaks


def test_job_spanning_the_whole_lunch_window_is_a_break_conflict() -> None:
    # must start 11:30 and lasts 2 h: lunch (12:00–13:00 start, 30 min) fits neither before
    # nor after it
    job = Job(
        "span", (0.0, 0.0), 2 * H, windows=(TimeWindow(11 * H + 30 * MINUTE, 11 * H + 40 * MINUTE),)
    )
    plan = run(Problem((crew("a", breaks=[LUNCH]),), (job,), travel=PLANE))
    assert reasons(plan) == {"span": "break_conflict"}
    # the same job for a crew without a lunch break is fine
    plan = run(Problem((crew("a"),), (job,), travel=PLANE))
    assert plan.assignments == {"span": "a"}


def test_break_conflict_only_with_the_crew_that_has_the_break() -> None:
    job = Job(
        "span", (0.0, 0.0), 2 * H, windows=(TimeWindow(11 * H + 30 * MINUTE, 11 * H + 40 * MINUTE),)
    )
    plan = run(
        Problem((crew("lunch", breaks=[LUNCH]), crew("none", (50.0, 0.0))), (job,), travel=PLANE)
    )
    assert plan.assignments == {"span": "none"}


def test_lunch_on_site_before_a_fixed_appointment_is_feasible_in_the_solver() -> None:
    # Crew "far" can drive 20 min to the appointment in the morning, have lunch there at 12:00
    # and start at 12:30. Crew "home" lets the job past the prefilter, then is kept busy.
    appointment = TimeWindow(12 * H + 30 * MINUTE, 12 * H + 35 * MINUTE)
    crews = (crew("far", (0.0, 0.0), breaks=[LUNCH]), crew("home", (1200.0, 0.0), breaks=[LUNCH]))
    jobs = (
        Job("appt", (1200.0, 0.0), H, windows=(appointment,), mandatory=True),
        Job(
            "busy",
            (1200.0, 0.0),
            H,
            windows=(TimeWindow(12 * H + 30 * MINUTE, 12 * H + 30 * MINUTE),),
            pinned_crew="home",
            mandatory=True,
        ),
    )
    plan = run(Problem(crews, jobs, travel=PLANE))
    assert plan.assignments == {"appt": "far", "busy": "home"}
    far = next(r for r in plan.routes if r.crew_id == "far")
    (brk,) = far.breaks
    (stop,) = far.stops
    assert brk.end <= stop.start and brk.start >= far.depart + 1200


def test_lunch_on_site_before_a_fixed_appointment_is_not_a_break_conflict() -> None:
    """Regression (failed before 30f6fd2): the prefilter must allow lunch taken on site while
    waiting for an appointment (or during the drive), as the solver's break model does. A job
    20 min away with a 12:30-12:35 window and a 12:00-13:00 lunch of 30 min is feasible: arrive
    at 08:20 (or 11:40), eat 12:00-12:30 on site, start at 12:30. It was ``break_conflict``."""
    appointment = TimeWindow(12 * H + 30 * MINUTE, 12 * H + 35 * MINUTE)
    job = Job("appt", (1200.0, 0.0), H, windows=(appointment,), mandatory=True)
    plan = run(Problem((crew("far", breaks=[LUNCH]),), (job,), travel=PLANE))
    assert reasons(plan) == {}, [u.to_dict() for u in plan.unassigned]


# --------------------------------------------------------------------------------------------
# Precedences


def test_successor_of_an_impossible_job_gets_precedence() -> None:
    jobs = (
        Job("close", (100.0, 0.0), H, windows=(TimeWindow(2 * H, 3 * H),)),
        Job("repair", (200.0, 0.0), H, mandatory=True),
        Job("restore", (300.0, 0.0), H),
        Job("free", (300.0, 0.0), H),
    )
    precedences = (Precedence("close", "repair"), Precedence("repair", "restore"))
    plan = run(Problem((crew("a"),), jobs, precedences, travel=PLANE))
    assert reasons(plan) == {
        "close": "window_outside_shifts",
        "repair": "precedence",
        "restore": "precedence",
    }
    assert plan.assignments == {"free": "a"}
    detail = {u.job_id: u.detail for u in plan.unassigned}
    assert "close" in detail["repair"] and "repair" in detail["restore"]


def test_successor_of_a_missing_job_gets_precedence() -> None:
    jobs = (Job("repair", (200.0, 0.0), H),)
    plan = run(Problem((crew("a"),), jobs, (Precedence("ghost", "repair"),), travel=PLANE))
    assert reasons(plan) == {"repair": "precedence"}


def test_successor_whose_window_closes_before_the_predecessor_can_end() -> None:
    jobs = (
        Job("close", (100.0, 0.0), 2 * H, windows=(TimeWindow(10 * H, 11 * H),)),
        Job("repair", (100.0, 0.0), H, windows=(TimeWindow(8 * H, 11 * H),)),
    )
    plan = run(
        Problem((crew("a"), crew("b")), jobs, (Precedence("close", "repair"),), travel=PLANE)
    )
    assert reasons(plan) == {"repair": "precedence"}
    assert plan.assignments == {"close": plan.assignments["close"]}


def test_precedence_cycle() -> None:
    jobs = (
        Job("a", (100.0, 0.0), H),
        Job("b", (200.0, 0.0), H),
        Job("c", (300.0, 0.0), H),
        Job("free", (400.0, 0.0), H),
    )
    cycle = (Precedence("a", "b"), Precedence("b", "c"), Precedence("c", "a"))
    plan = run(Problem((crew("x"),), jobs, cycle, travel=PLANE))
    assert reasons(plan) == {"a": "precedence", "b": "precedence", "c": "precedence"}
    assert all("cycle" in u.detail for u in plan.unassigned)
    assert plan.assignments == {"free": "x"}


def test_successor_of_a_job_in_a_cycle_is_not_planned() -> None:
    """Regression (failed before 30f6fd2): a job that must follow a member of a precedence
    cycle is rejected too. Cycles used to be found after propagation, so "restore" (after "a",
    in the cycle a -> b -> a) was planned with no predecessor at all."""
    jobs = (Job("a", (100.0, 0.0), H), Job("b", (200.0, 0.0), H), Job("restore", (300.0, 0.0), H))
    precedences = (Precedence("a", "b"), Precedence("b", "a"), Precedence("a", "restore"))
    plan = run(Problem((crew("x"),), jobs, precedences, travel=PLANE))
    assert reasons(plan) == {"a": "precedence", "b": "precedence", "restore": "precedence"}


def noon_and_long_job() -> tuple[Job, Job]:
    """A mandatory 2 h job fixed at 12:00 and an optional 8 h job: both cannot fit in 9 h."""
    noon = Job("noon", (0.0, 0.0), 2 * H, windows=(TimeWindow(12 * H, 12 * H),), mandatory=True)
    return noon, Job("long", (0.0, 0.0), 8 * H, priority=1)


def test_successor_of_a_job_dropped_by_the_search_gets_precedence() -> None:
    noon, long = noon_and_long_job()
    after = Job("after", (0.0, 0.0), 10 * MINUTE, priority=5)
    plan = run(Problem((crew("c"),), (noon, long, after), (Precedence("long", "after"),), PLANE))
    assert reasons(plan) == {"long": "capacity", "after": "precedence"}
    assert "long" in plan.unassigned[1].detail


def test_successor_with_two_predecessors_names_the_missing_one() -> None:
    """Regression (failed before 30f6fd2): with two predecessors, the explanation names the
    one that is not planned. "after" follows "long" (dropped) and "short" (planned); it used to
    be reported as ``capacity`` (only the last precedence was looked at)."""
    noon, long = noon_and_long_job()
    short = Job("short", (0.0, 0.0), 10 * MINUTE)
    after = Job("after", (0.0, 0.0), 10 * MINUTE, priority=5)
    precedences = (Precedence("long", "after"), Precedence("short", "after"))
    plan = run(Problem((crew("c"),), (noon, long, short, after), precedences, PLANE))
    assert set(plan.assignments) == {"noon", "short"}
    assert reasons(plan) == {"long": "capacity", "after": "precedence"}


# --------------------------------------------------------------------------------------------
# Left out by the search, and the prefilter itself


def test_full_crews_give_capacity() -> None:
    jobs = tuple(Job(f"j{i}", (0.0, 0.0), 4 * H, priority=1 + i) for i in range(3))
    plan = run(Problem((crew("a"),), jobs, travel=PLANE))
    assert reasons(plan) == {"j0": "capacity"}
    assert "a" in plan.unassigned[0].detail


def test_optional_job_due_after_the_plan_is_carried_over() -> None:
    later = 3 * 86_400
    jobs = (
        Job("today-1", (0.0, 0.0), 4 * H, priority=5),
        Job("today-2", (0.0, 0.0), 4 * H, priority=5),
        Job("next-week", (0.0, 0.0), 4 * H, priority=3, deadline=later),
        Job("must", (0.0, 0.0), 4 * H, priority=1, deadline=later, mandatory=True),
        Job("by-four", (0.0, 0.0), 4 * H, priority=1, deadline=16 * H),
    )
    plan = run(Problem((crew("a"), crew("b")), jobs, travel=PLANE))
    assert set(plan.assignments) == {"today-1", "today-2", "must", "next-week"}
    assert reasons(plan) == {"by-four": "capacity"}
    plan = run(Problem((crew("a"),), jobs, travel=PLANE))
    # one crew: two of the five fit; the emergency ones and the mandatory one compete
    left = reasons(plan)
    assert "must" in plan.assignments
    assert left.get("next-week") == "carried_over"
    assert left.get("by-four") == "capacity"
    assert "day 4" in next(u.detail for u in plan.unassigned if u.job_id == "next-week")


def test_two_crew_job_without_two_free_crews_gives_capacity() -> None:
    jobs = (
        Job("pair", (0.0, 0.0), 2 * H, crews_required=2, windows=(TimeWindow(9 * H, 9 * H),)),
        Job(
            "busy",
            (0.0, 0.0),
            3 * H,
            pinned_crew="b",
            mandatory=True,
            windows=(TimeWindow(8 * H, 8 * H),),
        ),
    )
    plan = run(Problem((crew("a"), crew("b")), jobs, travel=PLANE))
    assert reasons(plan) == {"pair": "capacity"}
    assert plan.assignments == {"busy": "b"}


def test_crews_busy_all_shift_give_no_crew() -> None:
    busy = Crew("a", frozenset(), (0.0, 0.0), (Shift(8 * H, 17 * H),), available_from=18 * H)
    plan = run(Problem((busy,), (Job("j", (0.0, 0.0), H, mandatory=True),), travel=PLANE))
    assert reasons(plan) == {"j": "no_crew"}


def test_prefilter_keeps_feasible_jobs_in_order() -> None:
    crews = (crew("a", skills=("valve",)), crew("b", (500.0, 0.0)))
    jobs = (
        Job("ok1", (0.0, 0.0), H),
        Job("bad", (0.0, 0.0), H, skills=frozenset({"crane"})),
        Job("ok2", (0.0, 0.0), H, skills=frozenset({"valve"})),
    )
    problem = Problem(crews, jobs, travel=PLANE)
    feasible, rejected = prefilter(problem, crew_vehicles(crews))
    assert [j.id for j in feasible] == ["ok1", "ok2"]
    assert [(u.job_id, u.reason) for u in rejected] == [("bad", "no_skill")]


@pytest.mark.parametrize(
    ("seconds", "text"), [(8 * H + 5 * MINUTE, "08:05"), (86_400 + 9 * H, "day 2 09:00")]
)
def test_details_show_clock_times(seconds: int, text: str) -> None:
    job = Job("w", (0.0, 0.0), H, windows=(TimeWindow(seconds, seconds),))
    other_day = Crew("a", frozenset(), (0.0, 0.0), (Shift(20 * H, 23 * H),))
    plan = run(Problem((other_day,), (job,), travel=PLANE))
    assert reasons(plan) == {"w": "window_outside_shifts"}
    assert text in plan.unassigned[0].detail
