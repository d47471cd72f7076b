"""Issue 13, item 3: an emergency crew takes its lunch in turns during a long urgent job; no
successor starts before the job's real end, and the crew's own next job waits for the break."""

from __future__ import annotations

from dataclasses import replace

from routing.model import Break, Crew, Job, Precedence, Problem, Shift, TimeWindow
from routing.solver import SolverOptions, solve

HOUR = 3600
LUNCH = (Break(TimeWindow(11 * HOUR + 1800, 15 * HOUR), 45 * 60),)
SITE = (114.35, 34.781)


def problem(urgent: bool) -> Problem:
    crews = (
        Crew("pipe", frozenset({"pipe"}), (114.35, 34.78), (Shift(8 * HOUR, 21 * HOUR, LUNCH),)),
        Crew("valve", frozenset({"valve"}), (114.35, 34.78), (Shift(8 * HOUR, 21 * HOUR, LUNCH),)),
    )
    repair = Job(
        "repair",
        SITE,
        6 * HOUR,
        skills=frozenset({"pipe"}),
        windows=(TimeWindow(10 * HOUR, 20 * HOUR),),
        due=16 * HOUR,
        lateness_cost=10.0,
        priority=5,
        mandatory=True,
        urgent=urgent,
    )
    tidy = replace(repair, id="tidy", duration=30 * 60, due=17 * HOUR)  # the same crew, after
    reopen = Job(
        "reopen",
        (114.351, 34.781),
        15 * 60,
        skills=frozenset({"valve"}),
        due=16 * HOUR,
        lateness_cost=10.0,
        priority=5,
        mandatory=True,
        urgent=urgent,
    )
    return Problem(
        crews,
        (repair, tidy, reopen),
        (Precedence("repair", "reopen"), Precedence("repair", "tidy")),
    )


def test_a_long_emergency_repair_does_not_stop_for_lunch() -> None:
    plan = solve(problem(urgent=True), SolverOptions(seconds=2))
    repair, tidy, reopen = plan.stop("repair"), plan.stop("tidy"), plan.stop("reopen")
    assert repair is not None and tidy is not None and reopen is not None
    assert repair.start < 10 * HOUR + 60  # at once, through the lunch window
    (lunch,) = next(r for r in plan.routes if r.crew_id == "pipe").breaks
    assert repair.start <= lunch.start and lunch.end <= repair.end  # eaten in turns on site
    # the work went on: the reopening follows the repair's end, not a later one
    assert repair.end <= reopen.start < repair.end + 15 * 60
    # the crew itself rested: its next job comes after the break as after any other
    assert tidy.start >= repair.end + (lunch.end - lunch.start)


def test_routine_work_still_stops_for_lunch() -> None:
    plan = solve(problem(urgent=False), SolverOptions(seconds=2))
    repair = plan.stop("repair")
    assert repair is not None
    (lunch,) = next(r for r in plan.routes if r.crew_id == "pipe").breaks
    assert lunch.end <= repair.start or repair.end <= lunch.start


def test_an_emergency_calls_a_crew_from_its_lunch() -> None:
    from routing.solver import replan

    lunch = (Break(TimeWindow(11 * HOUR + 1800, 11 * HOUR + 1800), 45 * 60),)  # 11:30-12:15
    crew = Crew(
        "valve", frozenset({"valve"}), (114.35, 34.78), (Shift(8 * HOUR, 21 * HOUR, lunch),)
    )
    routine = Job("exercise", SITE, 30 * 60, skills=frozenset({"valve"}), priority=2)
    morning = solve(Problem((crew,), (routine,)), SolverOptions(seconds=1))
    (taken,) = morning.routes[0].breaks
    assert taken.start == 11 * HOUR + 1800
    closure = Job(
        "closure",
        (114.351, 34.781),
        20 * 60,
        skills=frozenset({"valve"}),
        due=11 * HOUR + 3600,
        lateness_cost=10.0,
        priority=5,
        mandatory=True,
        urgent=True,
    )
    now = 11 * HOUR + 40 * 60  # ten minutes into lunch
    problem = Problem((crew,), (routine, closure))
    starts = {}
    for called in (False, True):
        plan = replan(problem, morning, now, SolverOptions(seconds=1), calls_from_breaks=called)
        stop = plan.stop("closure")
        assert stop is not None
        starts[called] = stop.start
        (brk,) = plan.routes[0].breaks
        assert brk.end == (now if called else taken.end)  # cut short, not given again
    assert starts[False] >= taken.end
    assert now <= starts[True] < now + 10 * 60
