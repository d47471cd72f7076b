"""What a dispatcher does with one job besides changing its status (issue 18, the job detail):
notes on it, moving it to another day or time (rescheduling), and how its deadline was set.

Plain functions over values, as :mod:`ops.workflow`: each takes where the job stands and what is
asked, and returns what to store, or raises a domain error (:class:`~ops.errors.Conflict` for a
step the job's state does not allow, :class:`~ops.errors.InvalidRequest` for a request that is
wrong whatever the state).

Rescheduling sets the window in which the job may start (``earliest``, ``latest_start``); it
never moves a hard deadline (a Table 1 limit is the law's, not the dispatcher's), so a new
earliest start that leaves no time to finish by the deadline is refused. A job already given to
a crew goes back to ``open``: the plan it was in no longer holds it, the next plan places it.
A crew on the way or on site has the job in hand: it is not rescheduled under them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ops.errors import Conflict, InvalidRequest
from ops.jobs import FieldJob, JobKind, JobLink
from ops.workflow import CLOSED, UNDER_WAY, JobChange, JobEvent, JobState, JobStatus

#: The longest note kept (characters); longer is refused, not cut.
MAX_NOTE = 2000


@dataclass(frozen=True)
class JobNote:
    """A note on a job: what someone wrote, who and when (notes are never edited)."""

    job: str
    text: str
    by: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "text": self.text,
            "by": self.by,
            "at": self.at.isoformat(timespec="seconds"),
        }


def add_note(job: JobState, text: str, *, by: str, at: dt.datetime) -> JobNote:
    """A note on ``job``, whatever its status (a note after the work is done is common: what
    the crew found, what the customer said).

    Raises
    ------
    InvalidRequest
        The note is empty (only spaces) or longer than :data:`MAX_NOTE`.
    """
    text = text.strip()
    if not text:
        raise InvalidRequest(
            f"a note on job {job.id} needs some text", code="note_empty", job=job.id
        )
    if len(text) > MAX_NOTE:
        raise InvalidRequest(
            f"a note is at most {MAX_NOTE} characters (got {len(text)})",
            code="note_too_long",
            limit=MAX_NOTE,
            length=len(text),
        )
    return JobNote(job.id, text, by, at)


@dataclass(frozen=True)
class Rescheduled:
    """The outcome of a rescheduling: the job's new window and the history entry."""

    earliest: dt.datetime | None
    latest_start: dt.datetime | None
    change: JobChange


def reschedule(
    job: JobState,
    *,
    earliest: dt.datetime | None,
    latest_start: dt.datetime | None,
    duration: dt.timedelta,
    deadline: dt.datetime | None,
    reason: str,
    by: str,
    at: dt.datetime,
) -> Rescheduled:
    """Move ``job`` to a new window: it starts no sooner than ``earliest`` and no later than
    ``latest_start`` (None: no bound on that side).

    The history entry says what the window became and why; an assigned job goes back to
    ``open`` without its crew (its plan no longer holds it).

    Raises
    ------
    InvalidRequest
        No reason, no bound, or the window ends before it starts.
    Conflict
        The job is closed, or a crew is on the way or on site, or its hard deadline leaves no
        time after ``earliest`` (the deadline is not moved by rescheduling).
    """
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(
            f"rescheduling job {job.id} needs a reason (kept in its history)",
            code="reschedule_needs_reason",
            job=job.id,
        )
    if earliest is None and latest_start is None:
        raise InvalidRequest(
            "give a new earliest start, a new latest start, or both",
            code="reschedule_needs_time",
            job=job.id,
        )
    if earliest is not None and latest_start is not None and latest_start < earliest:
        raise InvalidRequest(
            f"the latest start {latest_start:%Y-%m-%d %H:%M} is before the earliest "
            f"{earliest:%Y-%m-%d %H:%M}",
            code="reschedule_window_reversed",
            job=job.id,
            latest=f"{latest_start:%Y-%m-%dT%H:%M}",
            earliest=f"{earliest:%Y-%m-%dT%H:%M}",
        )
    if job.status in CLOSED:
        raise Conflict(
            f"job {job.id} is {job.status}: it is not rescheduled",
            code="reschedule_closed",
            job=job.id,
            job_status=str(job.status),
        )
    if job.status in UNDER_WAY:
        raise Conflict(
            f"job {job.id} is {job.status}: a crew has it in hand; stop it (back to assigned) "
            "before rescheduling",
            code="reschedule_under_way",
            job=job.id,
            job_status=str(job.status),
        )
    if deadline is not None and earliest is not None and earliest + duration > deadline:
        raise Conflict(
            f"job {job.id} must be finished by {deadline:%Y-%m-%d %H:%M} (its deadline, which "
            f"rescheduling does not move): starting at {earliest:%Y-%m-%d %H:%M} it would end at "
            f"{earliest + duration:%Y-%m-%d %H:%M}",
            code="reschedule_past_deadline",
            job=job.id,
            deadline=f"{deadline:%Y-%m-%dT%H:%M}",
            earliest=f"{earliest:%Y-%m-%dT%H:%M}",
            end=f"{earliest + duration:%Y-%m-%dT%H:%M}",
        )

    def when(t: dt.datetime | None) -> str:
        return "any time" if t is None else f"{t:%Y-%m-%d %H:%M}"

    note = f"rescheduled: from {when(earliest)} to {when(latest_start)} — {reason}"
    to = JobStatus.OPEN if job.status is JobStatus.ASSIGNED else job.status
    crew = None if to is JobStatus.OPEN else job.crew
    words = {"from": "" if earliest is None else when(earliest), "reason": reason}
    words["to"] = "" if latest_start is None else when(latest_start)
    event = JobEvent(job.id, to, crew, note, by, at, "rescheduled", words)
    change = JobChange(JobState(job.id, to, crew), event)
    return Rescheduled(earliest, latest_start, change)


def chain_order(ids: Iterable[str], links: Sequence[JobLink]) -> list[str]:
    """The jobs of a chain (a repair's, a connection's) in the order their links make them: each
    after those it must follow, ties by id; links to jobs outside ``ids`` are ignored."""
    todo = set(ids)
    before: dict[str, set[str]] = {i: set() for i in todo}
    for link in links:
        if link.before in todo and link.after in todo:
            before[link.after].add(link.before)
    out: list[str] = []
    while todo:
        ready = sorted(i for i in todo if not before[i] & todo)
        if not ready:  # a cycle (refused by the planner): the rest by id
            ready = sorted(todo)
        out.append(ready[0])
        todo.discard(ready[0])
    return out


def deadline_basis(
    job: FieldJob,
    *,
    application: Mapping[str, Any] | None = None,
    accepted_at: dt.datetime | None = None,
    table_row: tuple[str, str, str] | None = None,
    follow_up_days: float | None = None,
) -> dict[str, Any]:
    """How ``job``'s deadline (or due time) was set, for people: ``rule`` says which rule, the
    other keys its figures.

    - ``table1``: a connection's step; ``application`` is the application's deadline as
      :meth:`ops.connections.Deadline.to_dict` stored it (the Table 1 row, its days and unit,
      the calendar), counted from ``accepted_at``; ``table_row`` its row, type and the type's
      Chinese name (``row``, ``type``, ``type_chinese``); ``chained`` when this step's own
      deadline is earlier, to leave time for the steps after it;
    - ``follow_up``: a follow-up visit, ``follow_up_days`` working days from water on;
    - ``repair_target``: a step of a repair ticket (the target time of its severity, soft);
    - ``programme``: a valve exercise or other programme job, due by the programme's date;
    - ``given``: a time given with the job; ``none``: no deadline and no due time.
    """
    deadline = job.deadline or job.due
    common: dict[str, Any] = {
        "deadline": None if job.deadline is None else job.deadline.isoformat(timespec="seconds"),
        "due": None if job.due is None else job.due.isoformat(timespec="seconds"),
        "hard": job.deadline is not None,
    }
    if application is not None:
        final = str(application.get("due", ""))
        own = common["deadline"]
        return {
            **common,
            "rule": "table1",
            "basis": application.get("basis", ""),
            "days": application.get("days"),
            "unit": application.get("unit", ""),
            "from": None if accepted_at is None else accepted_at.isoformat(timespec="seconds"),
            "application_due": final,
            "chained": own is not None and own[:16] != final[:16],
            "calendar": application.get("calendar"),
            "row": None if table_row is None else table_row[0],
            "type": None if table_row is None else table_row[1],
            "type_chinese": None if table_row is None else table_row[2],
        }
    if job.kind is JobKind.FOLLOW_UP and job.water_on is not None:
        water_on = job.water_on.isoformat()
        return {**common, "rule": "follow_up", "from": water_on, "days": follow_up_days}
    if job.ticket is not None:
        return {**common, "rule": "repair_target", "ticket": job.ticket}
    if deadline is None:
        return {**common, "rule": "none"}
    if job.source == "valve programme" or job.kind in (JobKind.VALVE_EXERCISE, JobKind.LEAK_SURVEY):
        return {**common, "rule": "programme", "source": job.source}
    return {**common, "rule": "given"}
