"""What a plan needs before it is made or printed (ops.plans): crews to plan for, and a result
to print the crews' sheets from, the jobs and the time a re-plan starts from; each refusal a
domain error (Conflict 409, InvalidRequest 422 in the service) that says what to do."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import TZ
from ops.errors import Conflict, InvalidRequest
from ops.jobs import FieldJob, JobKind
from ops.plans import (
    PlanRequest,
    replan_jobs,
    replan_start,
    replan_work,
    require_crews,
    solved_result,
)


def test_a_plan_needs_active_crews() -> None:
    with pytest.raises(Conflict, match=r"no active crews: add crews \(POST /api/crews\) first"):
        require_crews(0)
    require_crews(1)


def test_sheets_need_the_plans_result() -> None:
    with pytest.raises(Conflict, match="plan 7 has no result yet"):
        solved_result(7, None)
    result = {"routes": [], "summary": {}}
    assert solved_result(7, result) is result


def test_a_replan_takes_the_open_jobs_its_plan_did_not_have_or_those_asked_for() -> None:
    parent = ["J1", "J2"]
    open_now = ["J1", "J2", "T-9-close", "T-9-repair"]
    assert replan_jobs(parent, open_now, None) == ("T-9-close", "T-9-repair")
    assert replan_jobs(parent, open_now, ["J2"]) == ("J2",)  # asked for: planned again
    with pytest.raises(InvalidRequest, match="not open jobs: J9, J8"):
        replan_jobs(parent, open_now, ["J2", "J9", "J8"])


def _job(job_id: str, minutes: int) -> FieldJob:
    return FieldJob(
        job_id, JobKind.REPAIR, (114.3, 34.8), dt.timedelta(minutes=minutes), frozenset(), "T-9"
    )


def test_a_replans_work_is_the_plans_jobs_as_planned_and_the_new_ones_as_they_are_now() -> None:
    """The job set of a re-plan (issue 15 point 2: the route assembled it): the parent plan's
    jobs as it planned them, without those inserted again, then the inserted ones as they are
    open now (a job asked for again is planned with its current duration)."""
    parent = [_job("J1", 30), _job("J2", 30)]
    open_now = [_job("J1", 45), _job("J2", 60), _job("T-9-close", 20), _job("T-9-repair", 90)]
    work = replan_work(parent, open_now, None)
    assert work.new == ("T-9-close", "T-9-repair")
    assert [(j.id, j.duration.seconds // 60) for j in work.jobs] == [
        ("J1", 30),
        ("J2", 30),
        ("T-9-close", 20),
        ("T-9-repair", 90),
    ]
    again = replan_work(parent, open_now, ["J2"])
    assert again.new == ("J2",)
    assert [(j.id, j.duration.seconds // 60) for j in again.jobs] == [("J1", 30), ("J2", 60)]
    with pytest.raises(InvalidRequest, match="not open jobs: J9"):
        replan_work(parent, open_now, ["J9"])


def test_a_replan_starts_on_its_plans_day() -> None:
    day = dt.date(2026, 11, 26)
    replan_start(day, dt.datetime(2026, 11, 26, 11, 0, tzinfo=TZ))
    with pytest.raises(InvalidRequest, match=r"now \(2026-11-27 01:00\) is not on the plan's day"):
        replan_start(day, dt.datetime(2026, 11, 27, 1, 0, tzinfo=TZ))


def test_a_planning_request_comes_back_from_its_stored_form() -> None:
    request = PlanRequest(
        calendar={"office_hours": "08:30-17:30"},
        network_id=3,
        overtime_hours=2.5,
        now="2026-11-26T11:00:00+08:00",
        days=2,
        new_jobs=("T-9-close",),
        positions={"valve-01": [114.35, 34.79]},
    )
    stored = {"day": "2026-11-26", "jobs": [], **request.to_dict()}  # as the plan row keeps it
    assert PlanRequest.from_dict(stored) == request
    assert request.overtime == dt.timedelta(hours=2.5)
    assert request.moment == dt.datetime(2026, 11, 26, 11, tzinfo=TZ)
    # a row stored before a key existed: the defaults
    assert PlanRequest.from_dict({"day": "2026-11-26", "jobs": []}) == PlanRequest()
