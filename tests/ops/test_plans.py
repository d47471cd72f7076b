"""Publishing a day's plan (ops.plans): what it supersedes, suspends, assigns and moves, on real
plans of the sample city (a morning's leak survey, then a burst re-planned at 09:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gis.isolation import Isolator
from ops.calendar import TZ, WorkCalendar
from ops.dispatch import CrewShift, DayPlan, plan_day, replan_emergency
from ops.errors import Conflict
from ops.jobs import FieldJob, JobKind, JobLink, Skill, leak_survey
from ops.outages import (
    NoticeState,
    Outage,
    cancel,
    create_outage,
    follow_window,
    publish,
    repair_notice_content,
)
from ops.plans import PlanStop, plan_outcome, publish_plan, replan_from, stop_plan
from ops.repairs import RepairCase, RepairReport, Severity, open_repair
from ops.workflow import JobState, JobStatus, PlanStatus

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)  # a Thursday
DEPOT = (114.346548, 34.781987)
NOW = dt.datetime.combine(DAY, dt.time(9, 0))
AT = NOW.replace(tzinfo=TZ) + dt.timedelta(minutes=2)  # published a little after the report
ROSTER = [
    CrewShift("valve-1", frozenset({"valve", "leak"}), DEPOT),
    CrewShift("pipe-1", frozenset({"pipe"}), DEPOT),
]
SURVEY = leak_survey(
    "LS-1", (114.35, 34.785), dt.timedelta(hours=3), dt.datetime.combine(DAY, dt.time(8))
)


@pytest.fixture(scope="module")
def day(city_isolator: Isolator) -> tuple[DayPlan, DayPlan, RepairCase]:
    """The morning's plan, the burst T-1 reported at 09:00, and the re-plan from the morning's
    (the only valve crew leaves its survey for the burst)."""
    morning = plan_day(DAY, [SURVEY], [], ROSTER, CAL, seconds=2)
    case = open_repair(RepairReport("T-1", NOW, Severity.BURST, pipe_id="P000100"), city_isolator)
    after = replan_emergency(
        morning, NOW, case.jobs, case.links, new_repairs=[case], calendar=CAL, seconds=3
    )
    return morning, after, case


def stored(plan: DayPlan) -> dict[str, Any]:
    """The plan's result as the service stores it (JSON)."""
    return plan.to_dict()


def routed(plan: DayPlan) -> dict[str, str]:
    return {s.job_id: r.crew_id for r in plan.plan.routes for s in r.stops}


def test_publishing_assigns_the_routed_open_jobs_and_supersedes_the_days_plan(
    day: tuple[DayPlan, DayPlan, RepairCase],
) -> None:
    morning = day[0]
    result = stored(morning)
    jobs = {"LS-1": JobState("LS-1", JobStatus.OPEN)}
    done = publish_plan(
        7, PlanStatus.READY, result, published=[5], jobs=jobs, outages=[], by="d", at=AT
    )
    assert done.status is PlanStatus.PUBLISHED and done.superseded == (5,)
    (step,) = done.assigned
    assert step.job == JobState("LS-1", JobStatus.ASSIGNED, routed(morning)["LS-1"])
    start = result["routes"][0]["stops"][0]["start"]
    assert step.event.note == f"plan 7, start {start}" and step.event.at == AT
    assert not done.suspended and not done.notices
    # assigned to that crew already: nothing to record; started or closed: left alone
    again = publish_plan(
        8, "ready", result, published=[7], jobs={"LS-1": step.job}, outages=[], by="d", at=AT
    )
    assert again.assigned == () and again.superseded == (7,)
    for status in (JobStatus.ON_SITE, JobStatus.DONE, JobStatus.CANCELLED):
        left = {"LS-1": JobState("LS-1", status, "pipe-1")}
        assert not publish_plan(
            8, "ready", result, published=[], jobs=left, outages=[], by="d", at=AT
        ).assigned
    # a job not stored (deleted since) is not assigned
    assert not publish_plan(
        8, "ready", result, published=[], jobs={}, outages=[], by="d", at=AT
    ).assigned


@pytest.mark.parametrize("status", [s for s in PlanStatus if s is not PlanStatus.READY])
def test_only_a_ready_plan_is_published(
    status: PlanStatus, day: tuple[DayPlan, DayPlan, RepairCase]
) -> None:
    with pytest.raises(Conflict, match=f"plan 3 is {status}: only a ready plan"):
        publish_plan(3, status, stored(day[0]), published=[], jobs={}, outages=[], by="d", at=AT)
    with pytest.raises(Conflict):
        publish_plan(3, PlanStatus.READY, None, published=[], jobs={}, outages=[], by="d", at=AT)


def notice(case: RepairCase, isolator: Isolator, outage_id: str) -> Outage:
    """The burst's emergency notice, published at the report for the expected window."""
    content = repair_notice_content(case, *case.expected_window(), isolator, hotline="12345")
    return publish(create_outage(outage_id, "emergency", content, NOW, source="T-1"), NOW)


def test_publishing_a_replan_suspends_the_left_job_and_moves_the_notice(
    day: tuple[DayPlan, DayPlan, RepairCase], city_isolator: Isolator
) -> None:
    _, after, case = day
    (left,) = after.suspended
    result = stored(after)
    outcome = plan_outcome(result)
    assert {"LS-1", left.rest.id} | {j.id for j in case.jobs if after.plan.stop(j.id)} <= (
        outcome.job_ids
    )
    jobs = {"LS-1": JobState("LS-1", JobStatus.ON_SITE, "valve-1")} | {
        j.id: JobState(j.id, JobStatus.OPEN) for j in case.jobs
    }
    live = notice(case, city_isolator, "OUT-1")
    called_off = cancel(notice(case, city_isolator, "OUT-2"), NOW, "a mistake")
    done = publish_plan(
        9,
        PlanStatus.READY,
        result,
        published=[7],
        jobs=jobs,
        outages=[live, called_off],
        by="d",
        at=AT,
    )
    (suspended,) = done.suspended
    assert suspended.change.job == JobState("LS-1", JobStatus.SUSPENDED, "valve-1")
    assert suspended.change.event.note == (
        f"plan 9: left at {left.leave.isoformat(timespec='minutes')} for T-1; "
        f"the rest is {left.rest.id}"
    )
    assert suspended.rest == left.rest and suspended.link == JobLink("LS-1", left.rest.id)
    assert suspended.successors == left.successors
    # the rest, new, is assigned like every open job the re-plan routes, to its crew; the
    # first part, suspended now, is not
    crews = routed(after)
    assigned = {c.job.id: c.job.crew for c in done.assigned}
    assert "LS-1" in crews and "LS-1" not in assigned
    assert assigned == {j: c for j, c in crews.items() if j != "LS-1"}
    assert set(assigned) <= set(jobs) | {left.rest.id}
    assert left.rest.id in assigned
    # the live notice takes the re-plan's window (as stored: to the minute); the cancelled
    # one is left
    assert after.outage_windows["T-1"].scheduled
    (window,) = outcome.windows
    assert window.ticket == "T-1"
    assert window.end == after.outage_windows["T-1"].end.replace(second=0, tzinfo=TZ)
    (moved,) = done.notices
    assert moved.outage.id == "OUT-1" and moved.first_new == len(live.revisions) + 1
    assert moved.outage.state is NoticeState.UPDATED and moved.outage.content.end == window.end
    assert moved.outage == follow_window(live, window.start, window.end, AT, why="window of plan 9")
    # published again (a retry): the job is suspended already, the notice in its window
    again = publish_plan(
        10,
        PlanStatus.READY,
        result,
        published=[9],
        jobs={
            **jobs,
            "LS-1": suspended.change.job,
            left.rest.id: JobState(left.rest.id, JobStatus.OPEN),
        }
        | {c.job.id: c.job for c in done.assigned},
        outages=[moved.outage],
        by="d",
        at=AT,
    )
    assert again.suspended == () and again.assigned == () and again.notices == ()


def test_a_rest_stored_already_is_not_stored_twice(
    day: tuple[DayPlan, DayPlan, RepairCase],
) -> None:
    _, after, _ = day
    (left,) = after.suspended
    jobs = {
        "LS-1": JobState("LS-1", JobStatus.ON_SITE, "valve-1"),
        left.rest.id: JobState(left.rest.id, JobStatus.OPEN),
    }
    done = publish_plan(
        9, "ready", stored(after), published=[], jobs=jobs, outages=[], by="d", at=AT
    )
    (suspended,) = done.suspended
    assert suspended.rest is None and suspended.successors == ()
    assert suspended.change.job.status is JobStatus.SUSPENDED


def test_a_queued_plan_stopped_fails_at_once_a_solving_one_keeps_solving() -> None:
    assert stop_plan(4, "queued") == PlanStop(PlanStatus.FAILED, "stopped before solving started")
    assert stop_plan(4, PlanStatus.SOLVING) == PlanStop(PlanStatus.SOLVING)
    for status in PlanStatus:
        if status not in (PlanStatus.QUEUED, PlanStatus.SOLVING):
            with pytest.raises(Conflict, match=f"plan 4 is {status}, not solving"):
                stop_plan(4, status)


def test_a_replan_starts_from_a_ready_or_published_plan_that_kept_its_state() -> None:
    assert replan_from(4, "ready") is PlanStatus.QUEUED
    assert replan_from(4, PlanStatus.PUBLISHED) is PlanStatus.QUEUED
    with pytest.raises(Conflict, match="plan 4 is ready: re-plan from a ready or published"):
        replan_from(4, PlanStatus.READY, solved=False)
    for status in set(PlanStatus) - {PlanStatus.READY, PlanStatus.PUBLISHED}:
        with pytest.raises(Conflict, match=f"plan 4 is {status}: re-plan from"):
            replan_from(4, status)


def test_a_two_crew_job_is_assigned_once_to_its_lead_crew() -> None:
    """A two-crew job (a large main's repair, two crews together) has a stop on each crew's
    route (slot 1 and 2): publishing assigns it once, to the lead crew (slot 1), and says who
    works with it."""
    pair = FieldJob(
        id="PAIR-1",
        kind=JobKind.REPAIR,
        location=(114.35, 34.785),
        duration=dt.timedelta(hours=2),
        skills=frozenset({Skill.PIPE}),
        source="test",
        earliest=dt.datetime.combine(DAY, dt.time(8)),
        mandatory=True,
        crews_required=2,
    )
    roster = [*ROSTER, CrewShift("pipe-2", frozenset({"pipe"}), DEPOT)]
    plan = plan_day(DAY, [pair], [], roster, CAL, seconds=2)
    lead, second = plan.plan.crews("PAIR-1")
    assert plan.plan.assignments["PAIR-1"] == lead != second
    done = publish_plan(
        8,
        PlanStatus.READY,
        stored(plan),
        published=[],
        jobs={"PAIR-1": JobState("PAIR-1", JobStatus.OPEN)},
        outages=[],
        by="d",
        at=AT,
    )
    (step,) = done.assigned
    assert step.job == JobState("PAIR-1", JobStatus.ASSIGNED, lead)
    assert step.event.crew == lead and f"with {second}" in step.event.note
    # published again as it stands: nothing to record (the second crew is no change)
    again = publish_plan(
        9,
        PlanStatus.READY,
        stored(plan),
        published=[8],
        jobs={"PAIR-1": step.job},
        outages=[],
        by="d",
        at=AT,
    )
    assert again.assigned == ()
