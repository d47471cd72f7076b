"""The job status machine (ops.workflow): the steps it allows and what each records."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import TZ
from ops.errors import Conflict, InvalidRequest, UnknownCrew
from ops.workflow import (
    CLOSED,
    TRANSITIONS,
    JobState,
    JobStatus,
    TicketStatus,
    cancel_ticket,
    change_status,
    close_jobs,
)

AT = dt.datetime(2026, 10, 5, 9, 30, tzinfo=TZ)


def test_a_step_returns_the_new_state_and_its_history_entry() -> None:
    job = JobState("APP-0001-survey", JobStatus.OPEN)
    change = change_status(
        job, JobStatus.ASSIGNED, by="dispatcher", at=AT, crew="meter-01", crews={"meter-01"}
    )
    assert change.job == JobState("APP-0001-survey", JobStatus.ASSIGNED, "meter-01")
    assert change.event.status == JobStatus.ASSIGNED
    assert (change.event.job, change.event.crew, change.event.by, change.event.at) == (
        "APP-0001-survey",
        "meter-01",
        "dispatcher",
        AT,
    )
    # no crew named: the job keeps its crew
    on = change_status(change.job, JobStatus.EN_ROUTE, by="d", at=AT, note="left the depot")
    assert on.job.crew == "meter-01" and on.event.note == "left the depot"


def test_a_closed_job_goes_nowhere_and_the_message_says_so() -> None:
    for closed in CLOSED:
        with pytest.raises(Conflict, match="it is closed"):
            change_status(JobState("J", closed), JobStatus.OPEN, by="d", at=AT)
    assert {JobStatus.DONE, JobStatus.CANCELLED, JobStatus.SUSPENDED} == CLOSED


def test_a_step_not_allowed_lists_the_allowed_ones() -> None:
    with pytest.raises(Conflict, match=r"on_site: it can go to assigned, cancelled, done$"):
        change_status(JobState("J", JobStatus.ON_SITE), JobStatus.OPEN, by="d", at=AT)


def test_no_request_suspends_a_job() -> None:
    for status in JobStatus:
        if status != JobStatus.SUSPENDED:
            assert JobStatus.SUSPENDED not in TRANSITIONS[status]
            with pytest.raises(Conflict):
                change_status(JobState("J", status), JobStatus.SUSPENDED, by="d", at=AT)


def test_staying_put_records_a_note_even_when_closed() -> None:
    change = change_status(JobState("J", JobStatus.DONE), JobStatus.DONE, by="d", at=AT, note="x")
    assert change.job.status == JobStatus.DONE and change.event.note == "x"


def test_an_unknown_crew_is_invalid_input_not_a_conflict() -> None:
    with pytest.raises(UnknownCrew, match="no crew pipe-99") as err:
        change_status(
            JobState("J", JobStatus.OPEN), JobStatus.ASSIGNED, by="d", at=AT, crew="pipe-99"
        )
    assert isinstance(err.value, InvalidRequest) and not isinstance(err.value, Conflict)
    # the order of the checks: a step not allowed is reported before the crew
    with pytest.raises(Conflict):
        change_status(JobState("J", JobStatus.DONE), JobStatus.OPEN, by="d", at=AT, crew="x")


def test_close_jobs_changes_only_those_in_the_given_states() -> None:
    jobs = [
        JobState("A", JobStatus.OPEN),
        JobState("B", JobStatus.ON_SITE, "pipe-01"),
        JobState("C", JobStatus.ASSIGNED, "pipe-02"),
        JobState("D", JobStatus.DONE, "pipe-01"),
    ]
    changes = close_jobs(
        jobs,
        JobStatus.CANCELLED,
        among=frozenset({JobStatus.OPEN, JobStatus.ASSIGNED}),
        by="engineer",
        at=AT,
        note="ticket cancelled",
    )
    assert [c.job for c in changes] == [
        JobState("A", JobStatus.CANCELLED),
        JobState("C", JobStatus.CANCELLED, "pipe-02"),
    ]
    assert all(c.event.note == "ticket cancelled" and c.event.by == "engineer" for c in changes)


def test_cancelling_a_ticket_cancels_the_jobs_not_started() -> None:
    jobs = [
        JobState("T-0001-close-V1", JobStatus.DONE, "valve-01"),
        JobState("T-0001-repair", JobStatus.ASSIGNED, "pipe-01"),
        JobState("T-0001-reopen-V1", JobStatus.OPEN),
    ]
    changes = cancel_ticket("T-0001", "open", jobs, reason="a false alarm", by="op", at=AT)
    assert [(c.job.id, c.job.status, c.job.crew) for c in changes] == [
        ("T-0001-repair", JobStatus.CANCELLED, "pipe-01"),
        ("T-0001-reopen-V1", JobStatus.CANCELLED, None),
    ]
    assert {c.event.note for c in changes} == {"ticket cancelled: a false alarm"}


def test_a_ticket_with_a_crew_out_or_cancelled_already_is_not_cancelled() -> None:
    out = [
        JobState("T-1-close-V1", JobStatus.ON_SITE),
        JobState("T-1-close-V2", JobStatus.EN_ROUTE),
    ]
    with pytest.raises(Conflict, match=r"work under way \(T-1-close-V1, T-1-close-V2\)"):
        cancel_ticket("T-1", "open", out, reason="x", by="op", at=AT)
    with pytest.raises(Conflict, match="ticket T-1 is cancelled already"):
        cancel_ticket("T-1", TicketStatus.CANCELLED, [], reason="x", by="op", at=AT)
