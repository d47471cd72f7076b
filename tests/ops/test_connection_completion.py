"""Completing a connection (ops.connections.complete_connection): the rule the route used to
hold — only an accepted application, its open jobs done, a follow-up visit."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import WorkCalendar
from ops.connections import (
    ApplicationStatus,
    ConnectionApplication,
    complete_connection,
    follow_up_visit,
    open_connection,
)
from ops.errors import Conflict
from ops.workflow import JobState, JobStatus

CAL = WorkCalendar()
ACCEPTED = dt.datetime(2026, 9, 30, 16, 0)
WATER_ON = dt.datetime(2026, 10, 8, 10, 0)
NOW = dt.datetime(2026, 10, 8, 10, 5)
APP = ConnectionApplication("APP-13", "no_external_works", ACCEPTED, (114.35, 34.80), "Wang")


def _jobs() -> list[JobState]:
    ids = [j.id for j in open_connection(APP, CAL).jobs]
    statuses = [JobStatus.DONE, JobStatus.ON_SITE, JobStatus.CANCELLED, JobStatus.ASSIGNED]
    crews = ["meter-01", "meter-02", None, "valve-01"]
    return [JobState(i, s, c) for i, s, c in zip(ids, statuses, crews, strict=False)]


def test_completion_closes_the_open_jobs_and_gives_the_follow_up() -> None:
    jobs = _jobs()
    done = complete_connection(APP, "open", jobs, WATER_ON, CAL, by="dispatcher", at=NOW)
    assert done.status is ApplicationStatus.COMPLETED
    assert done.follow_up == follow_up_visit(APP, WATER_ON, CAL)
    still_open = [j for j in jobs if j.status not in (JobStatus.DONE, JobStatus.CANCELLED)]
    assert [c.job.id for c in done.closed] == [j.id for j in still_open] != []
    for change, job in zip(done.closed, still_open, strict=True):
        assert change.job == JobState(job.id, JobStatus.DONE, job.crew)
        assert (change.event.note, change.event.by, change.event.at) == (
            "water on",
            "dispatcher",
            NOW,
        )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("completed", "APP-13 is completed already"),
        ("received", "not accepted yet: accept it first"),
    ],
)
def test_only_an_accepted_application_is_completed(status: str, message: str) -> None:
    with pytest.raises(Conflict, match=message):
        complete_connection(APP, status, _jobs(), WATER_ON, CAL, by="d", at=NOW)
