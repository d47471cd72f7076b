"""Accepting and completing a connection (ops.connections): the rules the routes used to hold —
a received application is accepted once, papers come in once, only an accepted application is
completed, its open jobs done, a follow-up visit."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import WorkCalendar
from ops.connections import (
    ApplicationStatus,
    ConnectionApplication,
    accept_connection,
    complete_connection,
    follow_up_visit,
    open_connection,
    papers_completed,
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


def test_only_a_received_application_is_accepted() -> None:
    case = accept_connection(APP, ApplicationStatus.RECEIVED, CAL)
    assert case == open_connection(APP, CAL)
    for status in ("open", "completed"):
        with pytest.raises(Conflict, match=f"APP-13 is {status} already"):
            accept_connection(APP, status, CAL)


def test_papers_are_in_once_and_only_when_some_were_missing() -> None:
    due = dt.datetime(2026, 10, 5, 16, 0)
    first = dt.datetime(2026, 10, 2, 9, 0)
    assert papers_completed("APP-13", due, None, first) == first
    assert papers_completed("APP-13", due, first, WATER_ON) == first  # the first report stays
    with pytest.raises(Conflict, match="accepted with its papers complete"):
        papers_completed("APP-13", None, None, first)
