"""Issue 18 item 8: a re-plan takes the crews' reports, not the plan's times, for the work they
said they began (ops.field.reported_progress, as_reported; ops.dispatch.replan_emergency with
``progress``), on the sample city's busy day with the real solver."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from gis.isolation import Isolator
from ops.calendar import TZ, WorkCalendar
from ops.dispatch import from_seconds, plan_day, replan_emergency
from ops.field import (
    FieldReport,
    JobProgress,
    ReportKind,
    SharedPosition,
    as_reported,
    bar_given_up,
    explain_given_up,
    replan_positions,
    reported_places,
    reported_progress,
)
from routing.model import Plan, Route, Stop

DAY = dt.date(2026, 12, 3)
CAL = WorkCalendar()


def at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hh, mm), tzinfo=TZ)


def sec(hh: int, mm: int) -> int:
    return hh * 3600 + mm * 60


def said(job: str, kind: ReportKind, when: dt.datetime, crew: str = "C1") -> FieldReport:
    return FieldReport(f"{job}-{kind}-{when:%H%M}", job, crew, kind, when)


def test_the_reports_say_when_each_job_began_and_ended() -> None:
    reports = [
        said("A", ReportKind.DONE, at(9, 50)),
        said("A", ReportKind.ARRIVED, at(9, 0)),
        said("A", ReportKind.STARTED, at(9, 5)),
        said("A", ReportKind.NOTE, at(9, 20)),
        said("B", ReportKind.ARRIVED, at(10, 35)),
        said("B", ReportKind.STARTED, at(10, 40)),
        said("C", ReportKind.ARRIVED, at(8, 0)),
        said("C", ReportKind.COULD_NOT_DO, at(8, 10)),  # to plan again
        said("D", ReportKind.EN_ROUTE, at(10, 45)),  # not begun
        said("K", ReportKind.STARTED, at(7, 30)),
        said("K", ReportKind.COULD_NOT_DO, at(7, 40)),
        said("K", ReportKind.ARRIVED, at(11, 0)),  # back after giving it up: begun anew
    ]
    progress = reported_progress(reports)
    assert progress == {
        "A": JobProgress("A", "C1", at(9, 0), at(9, 5), at(9, 50)),
        "B": JobProgress("B", "C1", at(10, 35), at(10, 40)),
        "C": JobProgress("C", "C1", could_not_do=at(8, 10)),
        "K": JobProgress("K", "C1", arrived=at(11, 0)),
    }
    for p in progress.values():
        assert JobProgress.from_dict(p.to_dict()) == p
    assert progress["B"].began == at(10, 40) and progress["A"].latest == at(9, 50)
    assert progress["C"].began is None and progress["C"].latest == at(8, 10)


def stop(job: str, start: int, end: int) -> Stop:
    return Stop(job, start, start, end, 0, "on_time", (114.3, 34.8))


def route(crew: str, *stops: Stop) -> Route:
    return Route(crew, 0, None, sec(8, 0), sec(17, 0), stops, (), 0, 0, 0.0)


def test_a_crew_that_reported_is_where_its_reports_put_it() -> None:
    plan = Plan(
        (
            route("C1", stop("A", sec(9, 0), sec(9, 45)), stop("B", sec(10, 0), sec(11, 0))),
            route("C2", stop("E", sec(9, 0), sec(10, 0)), stop("F", sec(10, 30), sec(11, 0))),
            route("C3", stop("G", sec(9, 0), sec(12, 0)), stop("H", sec(10, 0), sec(10, 30))),
        ),
        (),
        0,
        0.0,
        "ok",
    )
    progress = {
        "B": JobProgress("B", "C1", at(10, 35), at(10, 40)),  # late: the plan said 10:00
        "G": JobProgress("G", "C3", None, None, at(9, 50)),  # only 'done', early
    }
    after = as_reported(plan, DAY, progress, at(10, 50))
    c1, c2, c3 = after.routes
    # B from 10:40 for its hour; A was not reported begun: after now, to plan again
    assert [(s.job_id, s.arrival, s.start, s.end) for s in c1.stops] == [
        ("B", sec(10, 35), sec(10, 40), sec(11, 40)),
        ("A", sec(10, 50) + 1, sec(10, 50) + 1, sec(10, 50) + 1 + 45 * 60),
    ]
    assert c2 == plan.routes[1]  # a crew that reported nothing keeps the plan's times
    # G began its three hours before it was done (as far as anyone knows) and ended at 9:50;
    # H (the plan said 10:00) was not reported begun
    assert [(s.job_id, s.start, s.end) for s in c3.stops] == [
        ("G", sec(6, 50), sec(9, 50)),
        ("H", sec(10, 50) + 1, sec(11, 20) + 1),
    ]
    # under way past its planned end: the crew is still there at now
    late = as_reported(plan, DAY, progress, at(12, 0))
    assert late.routes[0].stops[0].end == sec(12, 0)


def test_a_job_the_crew_could_not_do_has_not_begun() -> None:
    """The plan says E began at 9:00; its crew said at 9:10 it could not do it: E is to plan
    again after now, on every route it is on, and the crew is at E's place (its last word)."""
    two = Stop("E", sec(9, 0), sec(9, 0), sec(10, 0), 0, "on_time", (114.31, 34.81), slot=2)
    plan = Plan(
        (
            route("C1", stop("A", sec(8, 0), sec(8, 45)), stop("E", sec(9, 0), sec(10, 0))),
            route("C2", stop("Z", sec(8, 0), sec(8, 50)), two),  # E's second crew
        ),
        (),
        0,
        0.0,
        "ok",
    )
    progress = reported_progress(
        [
            said("E", ReportKind.ARRIVED, at(9, 0)),
            said("E", ReportKind.COULD_NOT_DO, at(9, 10), "C1"),
        ]
    )
    after = as_reported(plan, DAY, progress, at(9, 30))
    c1, c2 = after.routes
    # A had no report from a crew that reports: not begun either (the crew's word is all)
    assert [(s.job_id, s.start) for s in c1.stops] == [
        ("A", sec(9, 30) + 1),
        ("E", sec(9, 30) + 1),
    ]
    # C2 reported nothing: Z as the plan has it; E not begun, as its first crew said
    assert [(s.job_id, s.start) for s in c2.stops] == [("Z", sec(8, 0)), ("E", sec(9, 30) + 1)]
    assert reported_places(after, progress.values()) == {"C1": (114.3, 34.8)}
    # the crew went back and started: its last word is no longer "could not do"
    again = reported_progress(
        [
            said("E", ReportKind.COULD_NOT_DO, at(9, 10)),
            said("E", ReportKind.STARTED, at(9, 20)),
        ]
    )
    assert reported_places(plan, again.values()) == {}
    assert as_reported(plan, DAY, again, at(9, 30)).routes[0].stops[0].job_id == "E"


def test_a_job_given_up_goes_to_another_crew_or_is_left_out_saying_why() -> None:
    """Real solves on a plane: the crew that could not do J never gets it back, though it
    is next door; with no other crew, J is left out with its crew's word."""
    from routing.model import HOUR, Crew, Job, Problem, Shift
    from routing.solver import SolverOptions, solve
    from routing.travel import Euclidean

    def crew(cid: str, x: float) -> Crew:
        return Crew(cid, frozenset(), (x, 0.0), (Shift(8 * HOUR, 17 * HOUR),))

    progress = {"J": JobProgress("J", "near", could_not_do=at(9, 10))}
    job = Job("J", (10.0, 0.0), HOUR, mandatory=True)
    both = Problem((crew("near", 0.0), crew("far", 5000.0)), (job,), travel=Euclidean(scale=1))
    plan = solve(bar_given_up(both, progress), SolverOptions(seconds=0.5))
    assert plan.assignments == {"J": "far"}
    alone = replace(both, crews=both.crews[:1])
    plan = explain_given_up(
        solve(bar_given_up(alone, progress), SolverOptions(seconds=0.5)), progress
    )
    (left,) = plan.unassigned
    assert (left.job_id, left.reason, left.key, left.params) == (
        "J",
        "could_not_do",
        "given_up_by_crew",
        {"crew": "near", "at": "09:10"},
    )
    assert "near could not do it (reported at 09:10)" in left.detail


def test_a_shared_position_older_than_the_crews_last_report_is_not_taken() -> None:
    shared = [
        SharedPosition("C1", 114.30, 34.80, at(10, 20)),  # on the way to B
        SharedPosition("C2", 114.31, 34.81, at(10, 30)),
    ]
    got = replan_positions({}, shared, at(10, 50), reported={"C1": at(10, 40), "C2": at(10, 0)})
    assert got == {"C2": (114.31, 34.81)}


@pytest.mark.slow
def test_a_replan_keeps_a_job_started_late_from_when_the_crew_said(
    city_isolator: Isolator, city_roads: Any
) -> None:
    """A crew reports 'started' on its second job 40 minutes after the plan's time: the re-plan
    keeps the job on that crew from then with its duration, and the crew's next stops follow
    it; its first job, reported done, stays as reported."""
    from ops.io import read_roster
    from sample_data.busy_day import ORDINARY, busy_day
    from sample_data.busy_day import ROSTER as SAMPLE_ROSTER

    jobs, links, repairs = busy_day(city_isolator, 2022, DAY, **ORDINARY)
    roster = read_roster(SAMPLE_ROSTER)
    morning = plan_day(DAY, jobs, links, roster, CAL, repairs=repairs, travel=city_roads, seconds=3)
    route = max(
        (r for r in morning.plan.routes if len(r.stops) >= 3 and r.stops[1].slot == 1),
        key=lambda r: len(r.stops),
    )
    first, x = route.stops[0], route.stops[1]
    planned = from_seconds(x.start, DAY).replace(tzinfo=TZ)
    began = planned + dt.timedelta(minutes=40)
    now = began + dt.timedelta(minutes=10)
    length = x.end - x.start
    crew = route.crew_id
    reports = [
        said(
            first.job_id,
            ReportKind.STARTED,
            from_seconds(first.start, DAY).replace(tzinfo=TZ),
            crew,
        ),
        said(first.job_id, ReportKind.DONE, from_seconds(first.end, DAY).replace(tzinfo=TZ), crew),
        said(x.job_id, ReportKind.ARRIVED, began - dt.timedelta(minutes=5), crew),
        said(x.job_id, ReportKind.STARTED, began, crew),
    ]
    after = replan_emergency(
        morning,
        now,
        [],
        calendar=CAL,
        travel=city_roads,
        seconds=3,
        progress=reported_progress(reports),
    )
    mine = next(r for r in after.plan.routes if r.crew_id == crew and r.shift == route.shift)
    keys = [s.job_id for s in mine.stops]
    assert keys[:2] == [first.job_id, x.job_id], keys
    kept = mine.stops[1]
    start = round((began.replace(tzinfo=None) - dt.datetime.combine(DAY, dt.time(0))).seconds)
    assert (kept.start, kept.end) == (start, start + length)
    assert mine.stops[0].end == first.end
    for later in mine.stops[2:]:
        assert later.start >= kept.end + later.travel - 1, (later, kept)
    assert x.job_id in after.plan.stats["frozen"]
    # the plan's times alone: the job had begun at the plan's time
    plain = replan_emergency(morning, now, [], calendar=CAL, travel=city_roads, seconds=3)
    assert plain.plan.stop(x.job_id).start == x.start  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_replan_plans_again_what_a_crew_could_not_do_and_not_what_it_did(
    city_isolator: Isolator, city_roads: Any
) -> None:
    """A crew reports its first job done and, 10 minutes into its second, that it could not
    do it: the re-plan keeps the first as done (once, not planned again), plans the second
    again after now, and starts the crew from the second's place."""
    from ops.io import read_roster
    from sample_data.busy_day import ORDINARY, busy_day
    from sample_data.busy_day import ROSTER as SAMPLE_ROSTER

    jobs, links, repairs = busy_day(city_isolator, 2022, DAY, **ORDINARY)
    roster = read_roster(SAMPLE_ROSTER)
    morning = plan_day(DAY, jobs, links, roster, CAL, repairs=repairs, travel=city_roads, seconds=3)
    route = max(
        (
            r
            for r in morning.plan.routes
            if len(r.stops) >= 3 and all(s.slot == 1 for s in r.stops[:2])
        ),
        key=lambda r: len(r.stops),
    )
    first, x = route.stops[0], route.stops[1]
    crew = route.crew_id
    gave_up = from_seconds(x.start, DAY).replace(tzinfo=TZ) + dt.timedelta(minutes=10)
    now = gave_up + dt.timedelta(minutes=10)
    reports = [
        said(first.job_id, ReportKind.DONE, from_seconds(first.end, DAY).replace(tzinfo=TZ), crew),
        said(x.job_id, ReportKind.ARRIVED, from_seconds(x.start, DAY).replace(tzinfo=TZ), crew),
        said(x.job_id, ReportKind.COULD_NOT_DO, gave_up, crew),
    ]
    # the plan's times alone: the job the crew gave up had begun, it stays frozen
    plain = replan_emergency(morning, now, [], calendar=CAL, travel=city_roads, seconds=3)
    assert x.job_id in plain.plan.stats["frozen"]

    after = replan_emergency(
        morning,
        now,
        [],
        calendar=CAL,
        travel=city_roads,
        seconds=3,
        progress=reported_progress(reports),
    )
    at_now = round((now.replace(tzinfo=None) - dt.datetime.combine(DAY, dt.time(0))).seconds)
    frozen = after.plan.stats["frozen"]
    assert first.job_id in frozen and x.job_id not in frozen
    done_stops = [s for r in after.plan.routes for s in r.stops if s.job_id == first.job_id]
    assert [(s.start, s.end) for s in done_stops] == [(first.start, first.end)]
    # planned again, on another crew (the crew said it cannot), or left out saying why
    left = {u.job_id: u for u in after.plan.unassigned}
    holders = [r.crew_id for r in after.plan.routes for s in r.stops if s.job_id == x.job_id]
    assert crew not in holders
    if x.job_id in left:
        assert left[x.job_id].key == "given_up_by_crew", left[x.job_id]
    else:
        assert after.plan.stop(x.job_id).start > at_now  # type: ignore[union-attr]
    mine = next(r for r in after.plan.routes if r.crew_id == crew and r.shift == route.shift)
    assert mine.stops[0].job_id == first.job_id
    nxt = next(s for s in mine.stops[1:] if s.start > at_now)
    assert x.location is not None and nxt.location is not None
    # from the place of the job given up, not from the job done before it
    leg = int(city_roads.matrix([x.location, nxt.location]).seconds[0, 1])
    from_first = int(city_roads.matrix([first.location, nxt.location]).seconds[0, 1])
    assert leg != from_first and abs(nxt.travel - leg) <= 1, (nxt, leg, from_first)
