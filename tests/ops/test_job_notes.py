"""The job detail's rules (ops/job_notes.py): notes, rescheduling, the order of a chain and how
a deadline was set."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import TZ
from ops.errors import Conflict, InvalidRequest
from ops.job_notes import add_note, chain_order, deadline_basis, reschedule
from ops.jobs import FieldJob, JobKind, JobLink, Skill
from ops.workflow import JobState, JobStatus

AT = dt.datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
HOUR = dt.timedelta(hours=1)


def test_a_note_is_kept_trimmed_and_an_empty_one_refused() -> None:
    note = add_note(JobState("J1", JobStatus.DONE), "  customer not at home \n", by="d", at=AT)
    assert (note.text, note.by, note.job) == ("customer not at home", "d", "J1")
    with pytest.raises(InvalidRequest) as empty:
        add_note(JobState("J1", JobStatus.OPEN), "   ", by="d", at=AT)
    assert (empty.value.code, empty.value.params) == ("note_empty", {"job": "J1"})
    with pytest.raises(InvalidRequest) as long:
        add_note(JobState("J1", JobStatus.OPEN), "x" * 2001, by="d", at=AT)
    assert (long.value.code, long.value.params) == (
        "note_too_long",
        {"limit": 2000, "length": 2001},
    )


def test_rescheduling_an_assigned_job_frees_it_and_keeps_the_reason() -> None:
    job = JobState("J1", JobStatus.ASSIGNED, "valve-01")
    done = reschedule(
        job,
        earliest=AT + 24 * HOUR,
        latest_start=AT + 30 * HOUR,
        duration=HOUR,
        deadline=AT + 48 * HOUR,
        reason="customer asked for tomorrow",
        by="dispatcher",
        at=AT,
    )
    assert done.change.job == JobState("J1", JobStatus.OPEN, None)
    assert "customer asked for tomorrow" in done.change.event.note
    assert "2026-12-04 09:00" in done.change.event.note
    assert (done.earliest, done.latest_start) == (AT + 24 * HOUR, AT + 30 * HOUR)


@pytest.mark.parametrize(
    ("status", "earliest", "latest", "reason", "error", "code"),
    [
        # past the deadline
        (JobStatus.OPEN, AT + 47.5 * HOUR, None, "later", Conflict, "reschedule_past_deadline"),
        (JobStatus.ON_SITE, AT + HOUR, None, "later", Conflict, "reschedule_under_way"),
        (JobStatus.DONE, AT + HOUR, None, "later", Conflict, "reschedule_closed"),
        (JobStatus.OPEN, None, None, "later", InvalidRequest, "reschedule_needs_time"),
        (
            JobStatus.OPEN,
            AT + 5 * HOUR,
            AT + 2 * HOUR,
            "later",
            InvalidRequest,
            "reschedule_window_reversed",
        ),
        (JobStatus.OPEN, AT + HOUR, None, "  ", InvalidRequest, "reschedule_needs_reason"),
    ],
)
def test_rescheduling_refusals(
    status: JobStatus,
    earliest: dt.datetime | None,
    latest: dt.datetime | None,
    reason: str,
    error: type[Exception],
    code: str,
) -> None:
    """Each refusal with its code, for the console to say it in Chinese (issue 18)."""
    with pytest.raises(error) as refused:
        reschedule(
            JobState("J1", status),
            earliest=earliest,
            latest_start=latest,
            duration=HOUR,
            deadline=AT + 48 * HOUR,
            reason=reason,
            by="d",
            at=AT,
        )
    assert refused.value.code == code and refused.value.params["job"] == "J1"  # type: ignore[attr-defined]


def test_a_chain_comes_in_the_order_of_its_links() -> None:
    links = [JobLink("c2", "r"), JobLink("c1", "r"), JobLink("r", "o1"), JobLink("o1", "f")]
    assert chain_order(["f", "o1", "r", "c2", "c1"], links) == ["c1", "c2", "r", "o1", "f"]
    assert chain_order(["a"], [JobLink("a", "elsewhere")]) == ["a"]


def _job(**kw: object) -> FieldJob:
    base: dict[str, object] = {
        "id": "J",
        "kind": JobKind.SURVEY,
        "location": (114.3, 34.8),
        "duration": HOUR,
        "skills": frozenset({Skill.METER}),
        "source": "APP-0001",
    }
    return FieldJob(**{**base, **kw})  # type: ignore[arg-type]


def test_the_basis_of_a_deadline() -> None:
    app = {"due": "2026-12-10T16:00:00+08:00", "days": 5, "unit": "working days",
           "basis": "Table 1 row 3 (一般工程)"}  # fmt: skip
    step = _job(deadline=dt.datetime(2026, 12, 10, 14, 0, tzinfo=TZ))
    basis = deadline_basis(step, application=app, accepted_at=AT)
    assert basis["rule"] == "table1" and basis["chained"] and basis["days"] == 5
    assert basis["from"] == "2026-12-03T09:00:00+08:00"
    last = _job(deadline=dt.datetime(2026, 12, 10, 16, 0, tzinfo=TZ))
    assert not deadline_basis(last, application=app, accepted_at=AT)["chained"]
    assert (
        deadline_basis(
            _job(ticket="T-1", due=AT),
        )["rule"]
        == "repair_target"
    )
    follow = _job(kind=JobKind.FOLLOW_UP, deadline=AT, water_on=dt.datetime(2026, 12, 1, 10, 0))
    assert deadline_basis(follow, follow_up_days=5.0)["rule"] == "follow_up"
    assert deadline_basis(follow, follow_up_days=5.0)["from"] == "2026-12-01T10:00:00"
    assert deadline_basis(_job(source="valve programme", due=AT))["rule"] == "programme"
    assert deadline_basis(_job(source="X"))["rule"] == "none"
