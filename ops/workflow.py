"""The life of a field job and of a day's plan: their states and the steps between them.

Plain functions over values: each takes where a thing stands and the step asked for, and returns
where it stands afterwards with what to record (a history entry), or raises a domain error
(:class:`~ops.errors.Conflict` for a step the state does not allow). The service and the CLI
store what comes back; the HTTP status of an error is decided once, in ``api/app.py``.

A job::

    open ⇄ assigned → en_route → on_site → done
      (any open one)  → cancelled        (a started one may go back to assigned)
    suspended: left for an emergency by a published re-plan (see :mod:`ops.emergency`)

A plan: queued → solving → ready → published → superseded (by the next published plan of the
same day), or failed; publishing, stopping and re-planning one are :mod:`ops.plans`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ops.errors import Conflict, UnknownCrew


class JobStatus(StrEnum):
    """Where a field job stands (stored as its value)."""

    OPEN = "open"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    DONE = "done"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"  # left for an emergency; the rest of its work is a new job


#: The steps a dispatcher may ask for, from each status (staying put is always allowed: a note,
#: or a new crew). ``suspended`` is reached only by publishing a re-plan, never by a request.
TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    JobStatus.OPEN: frozenset(
        {
            JobStatus.ASSIGNED,
            JobStatus.CANCELLED,
            JobStatus.EN_ROUTE,
            JobStatus.ON_SITE,
            JobStatus.DONE,
        }
    ),
    JobStatus.ASSIGNED: frozenset(
        {JobStatus.OPEN, JobStatus.EN_ROUTE, JobStatus.ON_SITE, JobStatus.DONE, JobStatus.CANCELLED}
    ),
    JobStatus.EN_ROUTE: frozenset(
        {JobStatus.ON_SITE, JobStatus.ASSIGNED, JobStatus.DONE, JobStatus.CANCELLED}
    ),
    JobStatus.ON_SITE: frozenset({JobStatus.DONE, JobStatus.ASSIGNED, JobStatus.CANCELLED}),
    JobStatus.DONE: frozenset(),
    JobStatus.CANCELLED: frozenset(),
    JobStatus.SUSPENDED: frozenset(),
}

#: A job in one of these is finished with: nothing more happens to it.
CLOSED: frozenset[JobStatus] = frozenset(s for s, steps in TRANSITIONS.items() if not steps)

#: A crew is out for it (on the way or at work): it cannot simply be cancelled with its ticket.
UNDER_WAY: frozenset[JobStatus] = frozenset({JobStatus.EN_ROUTE, JobStatus.ON_SITE})

#: Not started yet: cancelling its ticket cancels it.
NOT_STARTED: frozenset[JobStatus] = frozenset({JobStatus.OPEN, JobStatus.ASSIGNED})


class PlanStatus(StrEnum):
    """Where a day's plan stands (stored as its value).

    ``queued`` waits for a planning worker, ``solving`` is being planned, ``ready`` can be
    published, ``published`` is the day's plan (its jobs assigned), ``superseded`` was the day's
    plan until another was published, ``failed`` ended without a plan (stopped while queued,
    its worker lost, an error).
    """

    QUEUED = "queued"
    SOLVING = "solving"
    READY = "ready"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    FAILED = "failed"


#: Plans still being made: they count against a user's limit and can be stopped.
PLANNING: frozenset[PlanStatus] = frozenset({PlanStatus.QUEUED, PlanStatus.SOLVING})

#: Plans with a result a re-plan can start from.
PLANNED: frozenset[PlanStatus] = frozenset({PlanStatus.READY, PlanStatus.PUBLISHED})


@dataclass(frozen=True)
class JobState:
    """What the status machine needs of a job: its id, status and crew."""

    id: str
    status: JobStatus
    crew: str | None = None


@dataclass(frozen=True)
class JobEvent:
    """One entry of a job's history: the status it went to, with whom, who said so and when.

    ``note`` is the entry in English (logs, the CLI, old readers); ``key`` and ``params`` are
    what the pages word it by (``history:<key>``, :data:`ops.history.KEYS`), set by the writer
    of an entry of ours; None for a note in someone's own words, shown as written.
    """

    job: str
    status: JobStatus
    crew: str | None
    note: str
    by: str
    at: dt.datetime
    key: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobChange:
    """The outcome of a step: the job as it now stands and the history entry to record."""

    job: JobState
    event: JobEvent


def change_status(
    job: JobState,
    to: JobStatus,
    *,
    by: str,
    at: dt.datetime,
    crew: str | None = None,
    note: str = "",
    crews: Container[str] = (),
    key: str | None = None,
    params: Mapping[str, str] | None = None,
) -> JobChange:
    """A dispatcher's status change of ``job``.

    Parameters
    ----------
    to
        The status asked for; the job's own status records a note (or a new crew).
    crew
        The crew to give the job; None keeps its crew.
    crews
        The crews that exist (at least the one named by ``crew``).
    key, params
        What the pages word ``note`` by, for a note ops writes (:class:`JobEvent`); None for
        a dispatcher's own note.

    Raises
    ------
    Conflict
        ``to`` cannot be reached from the job's status; the message lists what can.
    UnknownCrew
        ``crew`` is not one of ``crews``.
    """
    if to != job.status and to not in TRANSITIONS[job.status]:
        allowed = ", ".join(sorted(TRANSITIONS[job.status])) or "nothing (it is closed)"
        raise Conflict(
            f"job {job.id} is {job.status}: it can go to {allowed}",
            code="job_transition",
            job=job.id,
            job_status=str(job.status),
            to=str(to),
            allowed=sorted(str(s) for s in TRANSITIONS[job.status]),
        )
    if crew is not None and crew not in crews:
        raise UnknownCrew(f"no crew {crew}", code="no_crew", crew=crew)
    new = JobState(job.id, to, crew if crew is not None else job.crew)
    event = JobEvent(job.id, to, new.crew, note, by, at, key, dict(params or {}))
    return JobChange(new, event)


def close_jobs(
    jobs: list[JobState],
    to: JobStatus,
    *,
    among: frozenset[JobStatus],
    by: str,
    at: dt.datetime,
    note: str,
    key: str | None = None,
    params: Mapping[str, str] | None = None,
) -> list[JobChange]:
    """The jobs of ``jobs`` whose status is one of ``among``, sent to ``to`` (a ticket cancelled,
    a connection's water on): a change for each, in the order given; the others are left.
    ``key`` and ``params`` word ``note`` (:class:`JobEvent`)."""
    return [
        JobChange(
            JobState(j.id, to, j.crew),
            JobEvent(j.id, to, j.crew, note, by, at, key, dict(params or {})),
        )
        for j in jobs
        if j.status in among
    ]


class TicketStatus(StrEnum):
    """Where a repair ticket stands (stored as its value)."""

    OPEN = "open"
    CANCELLED = "cancelled"


def cancel_ticket(
    ticket: str,
    status: TicketStatus | str,
    jobs: Sequence[JobState],
    *,
    reason: str,
    by: str,
    at: dt.datetime,
) -> list[JobChange]:
    """Cancel an open repair ticket: its jobs not started yet are cancelled, the reason in each
    one's history (the changes returned, in the order of ``jobs``); finished ones are left.

    Raises
    ------
    Conflict
        The ticket is not open, or a crew is on the way or on site for one of its jobs (a
        valve shut for it must be reopened first).
    """
    if TicketStatus(status) is not TicketStatus.OPEN:
        raise Conflict(
            f"ticket {ticket} is {status} already",
            code="ticket_not_open",
            ticket=ticket,
            ticket_status=str(status),
        )
    started = [j.id for j in jobs if j.status in UNDER_WAY]
    if started:
        raise Conflict(
            f"ticket {ticket} has work under way ({', '.join(started)}): finish or stop those "
            "jobs first (a shut valve must be reopened)",
            code="ticket_work_under_way",
            ticket=ticket,
            jobs=started,
        )
    note = f"ticket cancelled: {reason}"
    return close_jobs(
        list(jobs),
        JobStatus.CANCELLED,
        among=NOT_STARTED,
        by=by,
        at=at,
        note=note,
        key="ticket_cancelled",
        params={"reason": reason},
    )
