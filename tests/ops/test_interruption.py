"""Issue 13, item 3: a crew may leave started low-priority work for an emergency; the rest of
the work becomes a new job, linked to the first, and a crew not needed finishes its job."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.dispatch import CrewShift, DayPlan, plan_day, replan_emergency
from ops.emergency import DEFAULT_INTERRUPTION, InterruptionRules
from ops.jobs import FieldJob, JobKind, Skill, leak_survey
from ops.repairs import RepairCase, RepairReport, open_repair

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)  # a Thursday
DEPOT = (114.346548, 34.781987)
SECONDS = 3
NOW = dt.datetime.combine(DAY, dt.time(9, 0))
SURVEY = leak_survey(
    "LS-1", (114.35, 34.785), dt.timedelta(hours=3), dt.datetime.combine(DAY, dt.time(8))
)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute))


def job(kind: JobKind, *, emergency: bool = False) -> FieldJob:
    return FieldJob(
        "J", kind, DEPOT, dt.timedelta(hours=2), frozenset({Skill.VALVE}), "X", emergency=emergency
    )


@pytest.mark.parametrize(
    ("kind", "emergency", "started", "allowed"),
    [
        (JobKind.LEAK_SURVEY, False, at(8), True),
        (JobKind.VALVE_EXERCISE, False, at(8), True),
        (JobKind.METER_INSTALLATION, False, at(8), True),
        (JobKind.FOLLOW_UP, False, at(8), True),
        (JobKind.REPAIR, False, at(8, 45), True),  # a minor repair not yet digging
        (JobKind.REPAIR, False, at(8, 15), False),  # the trench is open
        (JobKind.REPAIR, True, at(8, 45), False),  # an emergency repair
        (JobKind.VALVE_CLOSURE, False, at(8), False),  # a valve half-shut
        (JobKind.VALVE_OPENING, False, at(8), False),
        (JobKind.WATER_TANKER, True, at(8), False),
    ],
)
def test_which_started_jobs_may_be_left(
    kind: JobKind, emergency: bool, started: dt.datetime, allowed: bool
) -> None:
    end = started + dt.timedelta(hours=2)
    rule = DEFAULT_INTERRUPTION.interruption(job(kind, emergency=emergency), started, NOW, end)
    assert (rule is not None) == allowed


def test_a_job_nearly_done_or_not_started_is_not_left() -> None:
    survey = job(JobKind.LEAK_SURVEY)
    assert DEFAULT_INTERRUPTION.interruption(survey, at(7), NOW, at(9, 15)) is None  # 15 min left
    assert DEFAULT_INTERRUPTION.interruption(survey, at(9, 30), NOW, at(11)) is None  # not begun


def burst(isolator: Isolator) -> RepairCase:
    return open_repair(RepairReport("T-1", NOW, "burst", pipe_id="P000100"), isolator)


def replanned(
    isolator: Isolator,
    roster: list[CrewShift],
    rules: InterruptionRules = DEFAULT_INTERRUPTION,
    survey: FieldJob = SURVEY,
) -> tuple[DayPlan, DayPlan, RepairCase]:
    morning = plan_day(DAY, [survey], [], roster, CAL, seconds=2)
    case = burst(isolator)
    after = replan_emergency(
        morning,
        NOW,
        case.jobs,
        case.links,
        new_repairs=[case],
        calendar=CAL,
        seconds=SECONDS,
        interruption=rules,
    )
    return morning, after, case


def isolated(plan: DayPlan, case: RepairCase) -> dt.datetime:
    ends = [plan.stop_times(j.id) for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE]
    assert all(e is not None for e in ends)
    return max(e[1] for e in ends if e is not None)


def test_the_only_valve_crew_leaves_its_survey_for_a_burst(city_isolator: Isolator) -> None:
    roster = [
        CrewShift("valve-1", frozenset({"valve", "leak"}), DEPOT),
        CrewShift("pipe-1", frozenset({"pipe"}), DEPOT),
    ]
    morning, after, case = replanned(city_isolator, roster)
    was = morning.stop_times("LS-1")
    assert was is not None and was[0] < NOW < was[1]  # under way when the burst is reported
    (left,) = after.suspended
    assert left.job == "LS-1" and left.crew == "valve-1" and left.why == "T-1"
    assert left.leave == NOW + dt.timedelta(minutes=5)  # the survey's safe point
    first = after.stop_times("LS-1")
    assert first == (was[0], left.leave)  # the first part ends when the crew leaves
    rest = left.rest
    assert rest.rest_of == "LS-1" and rest.id == "LS-1-part2"
    assert (rest.part, rest.suspended) == (2, "LS-1") and not rest.meta  # fields, not meta keys
    assert rest.duration == was[1] - left.leave + dt.timedelta(minutes=5)  # + the restart
    assert any(lk.before == "LS-1" and lk.after == rest.id for lk in after.links)
    # the crew goes to the valves first; the rest of the survey comes later
    closures = [after.stop_times(j.id) for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE]
    assert all(c is not None and c[0] >= left.leave for c in closures)
    later = after.stop_times(rest.id)
    assert later is not None and later[0] >= isolated(after, case)
    assert (
        after.plan.stop(rest.id)
        in next(r for r in after.plan.routes if r.crew_id == "valve-1").stops
    )
    # the plan says so
    data = after.to_dict()
    assert data["suspended"][0]["job"] == "LS-1" and data["suspended"][0]["rest"] == rest.id
    assert data["suspended"][0]["rest_job"]["rest_of"] == "LS-1"
    # and it is what makes the water stop sooner: without interruptions, isolation waits
    _, finished, _ = replanned(city_isolator, roster, InterruptionRules(kinds={}))
    assert finished.suspended == ()
    assert isolated(after, case) + dt.timedelta(minutes=60) < isolated(finished, case)


def test_a_crew_not_needed_finishes_its_job(city_isolator: Isolator) -> None:
    """Four valves, four free valve crews at the depot by the burst: the survey crew, across
    the city, is not called away."""
    far = replace(SURVEY, location=(114.31, 34.81))
    roster = [
        CrewShift("valve-1", frozenset({"valve", "leak"}), DEPOT),
        CrewShift("valve-2", frozenset({"valve"}), DEPOT),
        CrewShift("valve-3", frozenset({"valve"}), DEPOT),
        CrewShift("valve-4", frozenset({"valve"}), DEPOT),
        CrewShift("valve-5", frozenset({"valve"}), DEPOT),
        CrewShift("pipe-1", frozenset({"pipe"}), DEPOT),
    ]
    morning, after, _ = replanned(city_isolator, roster, survey=far)
    assert after.suspended == ()
    assert after.stop_times("LS-1") == morning.stop_times("LS-1")
    assert all(not j.id.startswith("LS-1-part") for j in after.jobs)
    assert after.to_dict()["suspended"] == []


def test_a_crew_that_cannot_help_is_not_interrupted(city_isolator: Isolator) -> None:
    roster = [
        CrewShift("leak-1", frozenset({"leak"}), DEPOT),
        CrewShift("valve-2", frozenset({"valve"}), DEPOT),
        CrewShift("pipe-1", frozenset({"pipe"}), DEPOT),
    ]
    morning, after, _ = replanned(city_isolator, roster)
    assert after.suspended == ()
    assert after.stop_times("LS-1") == morning.stop_times("LS-1")
