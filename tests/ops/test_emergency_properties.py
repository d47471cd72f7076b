"""Properties of emergency plans (issue 13): random small days on the sample city's roster,
with one or two bursts reported at any hour, on a working day and on a day off.

Each case is planned the way the service plans it: from the report on
(:func:`ops.dispatch.plan_day` with ``now``: the on-call crews are called out at night), or,
when the day's published plan is running, re-planned from it
(:func:`ops.dispatch.replan_emergency`), a second burst re-planned again from the first
re-plan. Every plan is then checked, from the roster and the call-out rules alone:

(a) no job starts before what it must follow has ended, plus the gap;
(b) an ordinary job (not ``emergency``) lies within its own crew's shift: as rostered, and
    within the working period of a crew called out;
(c) an emergency job ends by its crew's shift end plus the overtime allowed, and a called-out
    crew works no longer than ``max_duty``;
(d) the stops of a route never overlap, nor do its breaks overlap a stop (but a long
    emergency job, during which the crew eats in turns);
(e) every started job is finished or suspended with its remainder (check_started).

Travel is straight-line (fast), solves are short (1-2 s) and the cases few and fixed
(``derandomize``): the file runs in well under a minute.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.connections import (
    ConnectionApplication,
    ConnectionType,
    follow_up_visit,
    open_connection,
)
from ops.dispatch import CrewShift, DayPlan, plan_day, replan_emergency, to_seconds
from ops.emergency import DEFAULT_CALL_OUT
from ops.io import read_roster
from ops.jobs import FieldJob, JobLink, leak_survey
from ops.repairs import RepairCase, RepairReport, Severity, open_repair
from ops.valves import exercise_jobs, valves_due
from routing.model import IN_TURNS
from sample_data.busy_day import ROSTER

CAL = WorkCalendar()
DAYS = {"working day": dt.date(2026, 12, 3), "day off": dt.date(2026, 12, 5)}  # Thu, Sat
RULES = DEFAULT_CALL_OUT
SECONDS = 1.5  # per solve
CASES = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same few cases on every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.generate],  # no shrinking: every case is seconds of solving
)


@dataclass(frozen=True)
class Burst:
    pipe: int  # index into the DN >= 100 pipes
    minutes: int  # after the first report


@dataclass(frozen=True)
class Ordinary:
    kind: str  # survey, exercise, connection, follow_up
    place: int  # index into the junctions (the valves due, for an exercise)
    earliest: int | None  # minutes after 08:00 (a booked start), None: any time
    minutes: int  # how long a leak survey takes


@dataclass(frozen=True)
class Case:
    day: str  # a key of DAYS
    report: int  # minute of the day of the first report
    bursts: tuple[Burst, ...]
    work: tuple[Ordinary, ...]


ordinary = st.builds(
    Ordinary,
    st.sampled_from(["survey", "exercise", "connection", "follow_up"]),
    st.integers(0, 10**6),
    # often booked late in the afternoon, where one crew's shift has ended and another's not
    st.one_of(st.none(), st.integers(0, 9 * 60), st.integers(7 * 60 + 30, 9 * 60)),
    st.sampled_from([30, 60, 90]),
)


def minutes(*periods: tuple[int, int]) -> st.SearchStrategy[int]:
    """A minute of the day in one of ``periods`` (hours, from-to), each as likely."""
    return st.sampled_from(periods).flatmap(lambda p: st.integers(p[0] * 60, p[1] * 60 - 1))


def cases(report: st.SearchStrategy[int]) -> st.SearchStrategy[Case]:
    bursts = st.tuples(st.builds(Burst, st.integers(0, 10**6), st.just(0))) | st.tuples(
        st.builds(Burst, st.integers(0, 10**6), st.just(0)),
        st.builds(Burst, st.integers(0, 10**6), st.integers(20, 150)),
    )
    return st.builds(
        Case,
        st.sampled_from(sorted(DAYS)),
        report,
        bursts,
        st.lists(ordinary, min_size=3, max_size=9).map(tuple),
    )


@pytest.fixture(scope="module")
def roster() -> list[CrewShift]:
    return read_roster(ROSTER)


@pytest.fixture(scope="module")
def city(city_isolator: Isolator) -> dict[str, Any]:
    import numpy as np

    network = city_isolator.network
    return {
        "large": [
            str(network.pipes.ids[p]) for p in np.flatnonzero(network.pipes.diameter_mm >= 100)
        ],
        "junctions": network.to_wgs84(network.nodes.xy[network.nodes.kind == 0]),
    }


def routine_work(
    case: Case, day: dt.date, city: dict[str, Any], isolator: Isolator
) -> tuple[list[FieldJob], list[JobLink]]:
    """The day's ordinary work: leak surveys, valve exercises, connection steps (surveys,
    meters, valve openings, linked) and follow-up visits, some with a booked start."""
    junctions = city["junctions"]
    jobs: list[FieldJob] = []
    links: list[JobLink] = []
    due = valves_due(isolator.network, day)
    for k, item in enumerate(case.work):
        lon, lat = junctions[item.place % len(junctions)]
        where = (float(lon), float(lat))
        start = dt.datetime.combine(day, dt.time(8))
        booked = None if item.earliest is None else start + dt.timedelta(minutes=item.earliest)
        if item.kind == "survey":
            jobs.append(
                leak_survey(f"LS-{k}", where, dt.timedelta(minutes=item.minutes), booked or start)
            )
        elif item.kind == "exercise":
            (job,) = exercise_jobs(isolator.network, [due[item.place % len(due)]], day)
            if any(j.id == job.id for j in jobs):
                continue
            jobs.append(job if booked is None else _from(job, booked))
        elif item.kind == "connection":
            accepted = dt.datetime.combine(day - dt.timedelta(days=1 + k % 3), dt.time(9))
            app = ConnectionApplication(
                f"APP-{k}", ConnectionType.NO_EXTERNAL_WORKS, accepted, where, f"customer {k}"
            )
            connection = open_connection(app, CAL)
            jobs += connection.jobs
            links += connection.links
        else:
            app = ConnectionApplication(
                f"FU-{k}",
                ConnectionType.PRE_CONSULTATION,
                start - dt.timedelta(days=3),
                where,
                f"visit {k}",
            )
            visit = follow_up_visit(app, start - dt.timedelta(days=1), CAL)
            jobs.append(visit if booked is None else _from(visit, booked))
    return jobs, links


def _from(job: FieldJob, earliest: dt.datetime) -> FieldJob:
    return replace(job, earliest=max(earliest, job.earliest or earliest))


def bursts(
    case: Case, report: dt.datetime, city: dict[str, Any], isolator: Isolator
) -> list[RepairCase]:
    out, seen = [], set()
    for k, burst in enumerate(case.bursts):
        pipe = city["large"][burst.pipe % len(city["large"])]
        if pipe in seen:
            continue
        seen.add(pipe)
        at = report + dt.timedelta(minutes=burst.minutes)
        out.append(open_repair(RepairReport(f"T-{k}", at, Severity.BURST, pipe_id=pipe), isolator))
    return out


# -- the oracle ------------------------------------------------------------------------------


def in_turns(job: FieldJob) -> bool:
    """Whether the crew may take its lunch in turns during the job: a long emergency job."""
    return job.emergency and job.duration.total_seconds() >= IN_TURNS


def clock(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60


@dataclass(frozen=True)
class Duty:
    """When a crew may work on the plan's day: its ordinary period, and the latest any job
    may end (overtime, and a called-out crew's ``max_duty``)."""

    start: int  # the earliest any job may start
    ordinary: tuple[int, int]  # ordinary work: within these
    latest: int  # emergency work ends by then


def duties(
    plan: DayPlan, now: dt.datetime | None, overtime: dt.timedelta, called_out: bool
) -> dict[str, Duty]:
    """Each crew's duty from the roster and the call-out rules, without the planner's code:
    the rostered shift, the overtime after it (an on-call crew at work: up to ``max_duty``
    from its start, see CallOutRules.on_duty_until); a crew called out at ``now`` (on call, off
    shift) from when it can leave, through its shift, within ``max_duty`` in all; a call in the
    evening gives a night's work, and no ordinary work (that starts with the shifts)."""
    day, extra = plan.day, round(overtime.total_seconds())
    duty = round(RULES.max_duty.total_seconds())
    out = {}
    for crew in plan.crews:
        start, end = clock(crew.start), clock(crew.end)
        leave = RULES.call_out(crew, now) if called_out and now is not None else None
        if leave is None:
            # an on-call crew at work stays on for an emergency within max_duty of its start
            latest = max(end + extra, start + duty) if crew.on_call and extra else end + extra
            out[crew.id] = Duty(start, (start, end), latest)
            continue
        at = to_seconds(leave, day)
        if at < start:  # before the shift: through it, within max_duty
            out[crew.id] = Duty(at, (start, min(end, at + duty)), min(end + extra, at + duty))
        else:  # the evening: a night's work until the next shift, within max_duty
            out[crew.id] = Duty(at, (at, at), min(start + 86_400 + extra, at + duty))
    return out


def check(
    plan: DayPlan,
    now: dt.datetime | None,
    overtime: dt.timedelta = RULES.overtime,
    *,
    called_out: bool = False,
) -> None:
    """Properties (a) to (d) on every route of ``plan`` (see the module's docstring)."""
    by_id = {j.id: j for j in plan.jobs}
    stops: dict[str, list[Any]] = {}
    for route in plan.plan.routes:
        for stop in route.stops:
            stops.setdefault(stop.job_id, []).append(stop)
    # (a) a successor starts after every crew of its predecessor is done, plus the gap
    for link in plan.links:
        if link.before in stops and link.after in stops:
            done = max(s.end for s in stops[link.before])
            begin = min(s.start for s in stops[link.after])
            assert begin >= done + link.gap.total_seconds(), (link, done, begin)
    duty = duties(plan, now, overtime, called_out)
    for route in plan.plan.routes:
        mine = duty[route.crew_id]
        where = f"{route.crew_id} ({mine})"
        for stop in route.stops:
            job = by_id[stop.job_id]
            assert stop.start >= mine.start, (where, stop)
            if job.emergency:  # (c) within the overtime allowed
                assert stop.end <= mine.latest, (where, stop)
            else:  # (b) within the crew's own shift
                lo, hi = mine.ordinary
                assert lo <= stop.start and stop.end <= hi, (where, stop)
        if route.stops:
            assert route.arrive <= mine.latest + 1, (where, route.arrive)
        # (d) one thing at a time
        ordered = sorted(route.stops, key=lambda s: s.start)
        for first, second in itertools.pairwise(ordered):
            assert first.end <= second.start, (where, first, second)
        for pause in route.breaks:
            for stop in route.stops:
                if in_turns(by_id[stop.job_id]):
                    continue  # the crew eats in turns on site (docs/decisions.md)
                assert pause.end <= stop.start or pause.start >= stop.end, (where, pause, stop)
    # (e), across a re-plan: see check_started


def check_started(before: DayPlan, after: DayPlan, now: dt.datetime) -> None:
    """(e) Every job started by ``now`` in ``before`` is, in the re-planned ``after``, either
    done as it was (same crew, start and end) or suspended: cut where its crew leaves (no
    sooner than ``now``), with the rest of its work a job of ``after``, linked to it, planned
    no sooner than the crew left."""
    at = to_seconds(now, before.day)
    left = {s.job: s for s in after.suspended}
    rests = {j.id: j for j in after.jobs}
    for route in before.plan.routes:
        for stop in route.stops:
            if stop.start > at:
                continue
            again = after.plan.stop(*stop.key)
            assert again is not None and again.start == stop.start, (stop, again)
            if stop.slot != 1 or stop.job_id not in left:  # (the first crew of a job leaves)
                assert again.end == stop.end, (stop, again)
                continue
            gone = left[stop.job_id]
            assert stop.start <= at < stop.end and gone.crew == route.crew_id
            assert again.end == to_seconds(gone.leave, before.day) and now <= gone.leave
            rest = rests[gone.rest.id]
            assert rest.rest_of == stop.job_id
            assert any(lk.before == stop.job_id and lk.after == rest.id for lk in after.links)
            times = after.stop_times(rest.id)
            assert times is None or times[0] >= gone.leave


# -- the cases -------------------------------------------------------------------------------


@CASES
@given(case=cases(minutes((0, 6), (6, 12), (12, 18), (18, 24))))
def test_a_day_planned_from_a_report_at_any_hour_keeps_every_rule(
    case: Case, roster: list[CrewShift], city: dict[str, Any], city_isolator: Isolator
) -> None:
    note(repr(case))
    day = DAYS[case.day]
    report = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=case.report)
    jobs, links = routine_work(case, day, city, city_isolator)
    repairs = bursts(case, report, city, city_isolator)
    for repair in repairs:
        jobs += repair.jobs
        links += repair.links
    plan = plan_day(day, jobs, links, roster, CAL, repairs=repairs, seconds=SECONDS, now=report)
    assert plan.plan.status != "no_solution"
    check(plan, report, called_out=True)


@settings(CASES, max_examples=6)
@given(case=cases(minutes((9, 12), (12, 16))))
def test_an_emergency_replanned_into_a_running_day_keeps_every_rule(
    case: Case, roster: list[CrewShift], city: dict[str, Any], city_isolator: Isolator
) -> None:
    note(repr(case))
    day = DAYS[case.day]
    report = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=case.report)
    jobs, links = routine_work(case, day, city, city_isolator)
    morning = plan_day(day, jobs, links, roster, CAL, seconds=1.0)
    check(morning, None, dt.timedelta(0))
    current = morning
    for repair in bursts(case, report, city, city_isolator):
        now = repair.report.reported_at
        before = current
        current = replan_emergency(
            current,
            now,
            repair.jobs,
            repair.links,
            new_repairs=[repair],
            calendar=CAL,
            seconds=SECONDS,
        )
        assert current.plan.status != "no_solution"
        check(current, now)
        check_started(before, current, now)


long_surveys = st.builds(
    Ordinary, st.just("survey"), st.integers(0, 10**6), st.none(), st.sampled_from([150, 200])
)


@settings(CASES, max_examples=4)
@given(
    case=st.builds(
        Case,
        st.sampled_from(sorted(DAYS)),
        minutes((8, 11)),
        st.tuples(st.builds(Burst, st.integers(0, 10**6), st.just(0))),
        st.lists(long_surveys, min_size=1, max_size=2).map(tuple),
    )
)
def test_a_burst_taking_the_only_valve_crews_from_their_surveys_keeps_every_rule(
    case: Case, roster: list[CrewShift], city: dict[str, Any], city_isolator: Isolator
) -> None:
    """The valve crews are out on long leak surveys when the burst comes: they leave them
    (property e with suspensions) or finish them, and every rule holds."""
    note(repr(case))
    day = DAYS[case.day]
    report = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=case.report)
    crews = [c for c in roster if c.id in ("valve-01", "valve-02", "repair-03", "tanker-01")]
    crews = [replace(c, on_call=True) for c in crews]  # at work on a day off too
    jobs, links = routine_work(case, day, city, city_isolator)
    morning = plan_day(day, jobs, links, crews, CAL, seconds=1.0)
    (repair,) = bursts(case, report, city, city_isolator)
    after = replan_emergency(
        morning,
        report,
        repair.jobs,
        repair.links,
        new_repairs=[repair],
        calendar=CAL,
        seconds=SECONDS,
    )
    check(after, report)
    check_started(morning, after, report)
