"""What a crew reports from the street, and what it does to its jobs.

A report (:class:`FieldReport`) is made on a phone, perhaps without network, and sent later with
the time it was made and an id the phone gave it; the service applies each id once. Here are
the rules alone: :func:`apply_report` turns a report into the job's step of the status machine
(:func:`ops.workflow.change_status`) and its history entry, or refuses it with a code
(:func:`refusal_entry` is the history entry a refusal leaves); :func:`widen_repair` re-isolates a
repair around a valve found inoperable (the same :func:`ops.repairs.open_repair` that made the
first isolation, with that valve failed) and says which jobs to add and which to cancel.

The reports and the job steps they make::

    en_route      → en_route                 (from open or assigned)
    arrived       → on_site
    started       → on_site                  (a history entry "work started")
    done          → done
    could_not_do  → assigned, with the reason (a job under way goes back; the next plan
                    places it again; its reason is in the history)
    valve_inoperable, note, photo → the job stays where it is, the entry kept
                    (a valve found inoperable also widens the repair: :func:`widen_repair`)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gis.isolation import Isolator
from ops.calendar import WorkCalendar, local_time
from ops.emergency import DEFAULT_CALL_OUT, CallOutRules
from ops.errors import Conflict, InvalidRequest, OpsError
from ops.jobs import FieldJob, JobKind, JobLink, Location, RepairStep
from ops.repairs import RepairCase, RepairReport, RepairRules, open_repair
from ops.workflow import (
    CLOSED,
    TRANSITIONS,
    JobChange,
    JobEvent,
    JobState,
    JobStatus,
    change_status,
)
from routing import Plan, Problem, Stop, TravelModel, Unassigned

if TYPE_CHECKING:  # a cycle: ops.dispatch imports this module
    from ops.dispatch import CrewShift

#: A report made this long before it reached the service is marked as sent late (offline).
LATE_AFTER = dt.timedelta(minutes=2)
#: A report may not claim a time later than the service's clock by more than this (a phone's
#: clock a little ahead is tolerated; a report from the future is refused).
CLOCK_SKEW = dt.timedelta(minutes=10)
#: Nor one older than this: a queue left on a phone for days is the dispatcher's to enter.
MAX_AGE = dt.timedelta(days=3)


class ReportKind(StrEnum):
    """What a crew can report on a job (stored as its value)."""

    EN_ROUTE = "en_route"
    ARRIVED = "arrived"
    STARTED = "started"
    DONE = "done"
    COULD_NOT_DO = "could_not_do"
    VALVE_INOPERABLE = "valve_inoperable"
    NOTE = "note"
    PHOTO = "photo"


#: The status each report moves its job to (the others leave it where it is).
STEPS: Mapping[ReportKind, JobStatus] = {
    ReportKind.EN_ROUTE: JobStatus.EN_ROUTE,
    ReportKind.ARRIVED: JobStatus.ON_SITE,
    ReportKind.STARTED: JobStatus.ON_SITE,
    ReportKind.DONE: JobStatus.DONE,
}

#: A report's kind in the words of the job's history (and of a refusal's message).
KIND_WORDS: Mapping[ReportKind, str] = {
    ReportKind.EN_ROUTE: "on the way",
    ReportKind.ARRIVED: "arrived",
    ReportKind.STARTED: "work started",
    ReportKind.DONE: "done",
    ReportKind.COULD_NOT_DO: "could not do",
    ReportKind.VALVE_INOPERABLE: "valve inoperable",
    ReportKind.NOTE: "note",
    ReportKind.PHOTO: "photo",
}


def history_words(note: str) -> tuple[str, str] | None:
    """The report a history entry of :func:`apply_report` records: its kind and the rest of
    the note as written (a reason, a valve, the crew's note, "[sent offline …]"), so that a
    client words the kind in its language; None for any other entry (a refusal among them)."""
    if not note.startswith("field: "):
        return None
    said = note.removeprefix("field: ")
    for kind, words in sorted(KIND_WORDS.items(), key=lambda kw: -len(kw[1])):
        if said == words or said.startswith(f"{words} "):
            return str(kind), said.removeprefix(words).strip()
    return None


@dataclass(frozen=True)
class FieldReport:
    """One report of a crew on one of its jobs, as made on the phone."""

    id: str  # the phone's id of it (a UUID): the service applies it once
    job: str
    crew: str
    kind: ReportKind
    made_at: dt.datetime  # when the crew made it (the phone's clock)
    note: str = ""
    reason: str = ""  # could_not_do: why
    valve: str | None = None  # valve_inoperable: which (default the job's own valve)


@dataclass(frozen=True)
class ReportOutcome:
    """A report applied: the job's step (its history entry) and the valve found inoperable."""

    change: JobChange
    failed_valve: str | None = None


def apply_report(
    report: FieldReport,
    job: JobState,
    *,
    by: str,
    received_at: dt.datetime,
    job_valve: str | None = None,
) -> ReportOutcome:
    """The step ``report`` makes of ``job`` (the job as it stands when the report arrives).

    The history entry is dated when the report was made; one that reached the service late
    (made offline) says when it arrived.

    Each refusal carries a ``code`` and its params (:class:`ops.errors.OpsError`): the phone
    and the console say it in their reader's language (``refusal:<code>`` of ``js/i18n.js``).

    Raises
    ------
    Conflict
        ``field_not_crews_job`` (job, crew, owner): the job is not the reporting crew's;
        ``field_step_refused`` (job, job_status, reported): its status does not allow the step
        (a job done or cancelled meanwhile: the message says where it stands).
    InvalidRequest
        ``field_report_from_future`` (made_at, now) / ``field_report_too_old`` (made_at, days):
        a time from the future or days old; ``field_reason_needed`` (job): could_not_do
        without a reason; ``field_no_valve`` (job): valve_inoperable without a valve.
    """
    if job.crew != report.crew:
        raise Conflict(
            f"job {job.id} is not crew {report.crew}'s"
            + (f" (it is {job.crew}'s)" if job.crew else " (it has no crew)")
            + ": ask the dispatcher",
            code="field_not_crews_job",
            job=job.id,
            crew=report.crew,
            owner=job.crew or "",
        )
    if report.made_at > received_at + CLOCK_SKEW:
        raise InvalidRequest(
            f"the report is dated {report.made_at:%Y-%m-%d %H:%M}, later than the service's "
            f"time ({received_at:%H:%M}): check the phone's clock",
            code="field_report_from_future",
            made_at=report.made_at.isoformat(timespec="minutes"),
            now=received_at.isoformat(timespec="minutes"),
        )
    if report.made_at < received_at - MAX_AGE:
        raise InvalidRequest(
            f"the report is dated {report.made_at:%Y-%m-%d %H:%M}, more than "
            f"{MAX_AGE.days} days ago: give it to the dispatcher to enter",
            code="field_report_too_old",
            made_at=report.made_at.isoformat(timespec="minutes"),
            days=MAX_AGE.days,
        )
    kind = report.kind
    parts = [f"field: {KIND_WORDS[kind]}"]
    failed: str | None = None
    to = STEPS.get(kind, job.status)
    if kind is ReportKind.COULD_NOT_DO:
        if not report.reason.strip():
            raise InvalidRequest(
                "could not do: say why (reason)", code="field_reason_needed", job=job.id
            )
        parts.append(f"— {report.reason.strip()}")
        # a closed job keeps its status: refused below, saying where it stands
        to = job.status if job.status in CLOSED else JobStatus.ASSIGNED
    if kind is ReportKind.VALVE_INOPERABLE:
        failed = report.valve or job_valve
        if not failed:
            raise InvalidRequest(
                f"valve inoperable: job {job.id} is not at a valve; name the valve (valve)",
                code="field_no_valve",
                job=job.id,
            )
        parts.append(failed)
    moves = kind in STEPS or kind is ReportKind.COULD_NOT_DO
    if moves and (job.status in CLOSED or (to != job.status and to not in TRANSITIONS[job.status])):
        raise Conflict(
            f"job {job.id} is {job.status} already: '{KIND_WORDS[kind]}' cannot be applied "
            "(the dispatcher may have changed it meanwhile)",
            code="field_step_refused",
            job=job.id,
            job_status=str(job.status),
            reported=str(kind),
        )
    if report.note.strip():
        parts.append(f"({report.note.strip()})")
    if received_at - report.made_at > LATE_AFTER:
        parts.append(f"[sent offline, received {received_at:%H:%M}]")
    # the key of a report's entry (ops.history.FIELD_REPORT): its kind and the rest as written
    words = {"report": str(kind), "detail": " ".join(parts[1:])}
    change = change_status(
        job, to, by=by, at=report.made_at, note=" ".join(parts), key="field_report", params=words
    )
    return ReportOutcome(change, failed)


def refusal_entry(
    report: FieldReport,
    job: JobState,
    refusal: OpsError,
    *,
    by: str,
    received_at: dt.datetime,
) -> JobEvent:
    """The history entry of a report refused on ``job`` (:func:`apply_report`'s refusal): the
    job stays where it is; the entry, dated when the refusal was made, says what the crew
    reported, when, and why it was refused (docs/field-app.md "Refused reports")."""
    note = (
        f"field: refused {KIND_WORDS[report.kind]} from crew {report.crew}, made "
        f"{report.made_at:%H:%M}: {refusal}"
    )
    words = {"report": str(report.kind), "crew": report.crew, "made": f"{report.made_at:%H:%M}"}
    words["reason"] = str(refusal)
    return JobEvent(job.id, job.status, job.crew, note, by, received_at, "field_refused", words)


@dataclass(frozen=True)
class Widening:
    """A repair re-isolated around a valve found inoperable.

    ``case`` is the repair as it now is (its isolation closes other valves); ``jobs`` and
    ``links`` are to add (the closures and reopenings of the new valves, tankers for customers
    newly cut off); ``changes`` cancel the jobs of valves no longer closed (the failed one's
    closure and reopening among them). A valve already closed stays in the chain: its reopening
    is kept."""

    case: RepairCase
    failed_valve: str
    jobs: tuple[FieldJob, ...]
    links: tuple[JobLink, ...]
    changes: tuple[JobChange, ...]

    @property
    def added_valves(self) -> tuple[str, ...]:
        return tuple(j.valve for j in self.jobs if j.kind is JobKind.VALVE_CLOSURE and j.valve)

    def summary(self) -> str:
        added = ", ".join(self.added_valves) or "no other valve"
        return (
            f"valve {self.failed_valve} inoperable: the isolation of {self.case.report.id} is "
            f"widened, closing {added}; re-plan to send crews"
        )


def widen_repair(
    report: RepairReport,
    isolator: Isolator,
    failed_valve: str,
    jobs: Iterable[tuple[FieldJob, JobState]],
    *,
    by: str,
    at: dt.datetime,
    rules: RepairRules | None = None,
    roster: Sequence[CrewShift] | None = None,
    calendar: WorkCalendar | None = None,
    call_out: CallOutRules = DEFAULT_CALL_OUT,
    travel: TravelModel | None = None,
) -> Widening:
    """Re-isolate the repair of ``report`` with ``failed_valve`` found inoperable.

    ``jobs`` are the ticket's jobs, each with where it stands. The new chain is what
    :func:`~ops.repairs.open_repair` makes with the failed valve added to the report's
    inoperable ones; jobs it has that ``jobs`` lacks are to add, and the open closures and
    reopenings ``jobs`` has that it lacks are cancelled (the rests of jobs left for an
    emergency too), unless the valve is already closed (a closure of it done), which must be
    reopened still. A job's step and valve are its typed fields (:class:`~ops.jobs.FieldJob`),
    never read out of its id.

    ``roster``, ``calendar``, ``call_out`` and ``travel`` are :func:`~ops.repairs.open_repair`'s:
    given, the widened ticket's expected outage still starts when the roster has a crew there
    (``basis`` roster), as the ticket's did; without, the nominal estimate.

    Raises
    ------
    Conflict
        The valve was already known to be inoperable for this repair.
    """
    if failed_valve in report.inoperable_valves:
        raise Conflict(
            f"valve {failed_valve} is already known to be inoperable for {report.id}: its "
            "isolation does not count on it",
            code="valve_known_inoperable",
            valve=failed_valve,
            ticket=report.id,
        )
    widened = replace(
        report, inoperable_valves=tuple(sorted({*report.inoperable_valves, failed_valve}))
    )
    case = open_repair(
        widened,
        isolator,
        rules=rules,
        roster=roster,
        calendar=calendar,
        call_out=call_out,
        travel=travel,
    )
    chain = sorted(
        ((job, state) for job, state in jobs if job.ticket == report.id), key=lambda g: g[0].id
    )
    known = {job.id for job, _ in chain}
    new_ids = {j.id for j in case.jobs}
    added = tuple(j for j in case.jobs if j.id not in known)
    added_ids = {j.id for j in added}
    links = tuple(k for k in case.links if k.before in added_ids or k.after in added_ids)
    # a valve one of whose closures (a part of one) is done is shut: it must be reopened
    shut = {
        job.valve
        for job, state in chain
        if job.step is RepairStep.CLOSE and state.status is JobStatus.DONE
    }
    note = f"valve {failed_valve} inoperable: isolation widened"
    changes: list[JobChange] = []
    for job, state in chain:
        if job.id in new_ids or state.status in CLOSED:
            continue
        if job.step is RepairStep.CLOSE or (
            job.step is RepairStep.REOPEN and job.valve not in shut
        ):
            changes.append(
                change_status(
                    state, JobStatus.CANCELLED, by=by, at=at, note=note, key="valve_widened",
                    params={"valve": failed_valve},
                )
            )  # fmt: skip
    return Widening(case, failed_valve, added, links, tuple(changes))


#: A crew's shared position counts for a re-plan when it is at most this old at the re-plan's
#: time: older, the crew has moved on (the plan then has it where its route puts it).
POSITION_MAX_AGE = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class SharedPosition:
    """A position a crew's phone shared (WGS84), and when it was taken."""

    crew: str
    lon: float
    lat: float
    at: dt.datetime


def replan_positions(
    given: Mapping[str, Sequence[float]],
    shared: Iterable[SharedPosition],
    now: dt.datetime,
    *,
    max_age: dt.timedelta = POSITION_MAX_AGE,
    reported: Mapping[str, dt.datetime] | None = None,
) -> dict[str, tuple[float, float]]:
    """Where each crew starts a re-plan at ``now``: the position the dispatcher gave, else the
    newest the crew shared within ``max_age`` before ``now`` (none taken after it), and not
    before the crew's last report on a job (``reported``: crew -> when; the job's place is
    newer news than a position shared on the way to it)."""
    newest: dict[str, SharedPosition] = {}
    reported = reported or {}
    for p in shared:
        if not now - max_age <= p.at <= now:
            continue
        if p.crew in reported and p.at < reported[p.crew]:
            continue
        if p.crew not in newest or p.at > newest[p.crew].at:
            newest[p.crew] = p
    out = {crew: (p.lon, p.lat) for crew, p in newest.items()}
    out.update({crew: (float(v[0]), float(v[1])) for crew, v in given.items()})
    return out


# -- a re-plan from what the crews reported ---------------------------------------------------


@dataclass(frozen=True)
class JobProgress:
    """What a crew's reports say of one of its jobs, for a re-plan: when it arrived, when the
    work began (its 'started' report), when it was done (None: under way or not said), and
    when the crew said it could not do it (``could_not_do``: the job has not begun, it is to
    plan again, and the crew was at its place then)."""

    job: str
    crew: str
    arrived: dt.datetime | None = None
    started: dt.datetime | None = None
    done: dt.datetime | None = None
    could_not_do: dt.datetime | None = None

    @property
    def began(self) -> dt.datetime | None:
        """When the work began as far as the crew said: started, else arrived."""
        return self.started or self.arrived

    @property
    def latest(self) -> dt.datetime:
        """The crew's last word on the job (a position shared before it is older news)."""
        said = (self.arrived, self.started, self.done, self.could_not_do)
        return max(t for t in said if t is not None)

    def to_dict(self) -> dict[str, Any]:
        def iso(t: dt.datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "job": self.job,
            "crew": self.crew,
            "arrived": iso(self.arrived),
            "started": iso(self.started),
            "done": iso(self.done),
            "could_not_do": iso(self.could_not_do),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobProgress:
        def when(key: str) -> dt.datetime | None:
            value = data.get(key)
            return None if value is None else dt.datetime.fromisoformat(value)

        return cls(
            str(data["job"]),
            str(data["crew"]),
            when("arrived"),
            when("started"),
            when("done"),
            when("could_not_do"),
        )


def reported_progress(reports: Iterable[FieldReport]) -> dict[str, JobProgress]:
    """Each job's progress as its crew reported it (the reports the service took), in the
    order they were made: arrived and started begin the work, done ends it, could not do
    undoes it (the job is to plan again; a crew that comes back and reports again begins it
    anew); the other reports do not move the crew."""
    out: dict[str, JobProgress] = {}
    for r in sorted(reports, key=lambda r: r.made_at):
        seen = out.get(r.job) or JobProgress(r.job, r.crew)
        if seen.could_not_do is not None and r.kind in (
            ReportKind.ARRIVED,
            ReportKind.STARTED,
            ReportKind.DONE,
        ):
            seen = JobProgress(r.job, r.crew)  # back on the job after giving it up
        if r.kind is ReportKind.ARRIVED:
            out[r.job] = replace(seen, arrived=seen.arrived or r.made_at)
        elif r.kind is ReportKind.STARTED:
            out[r.job] = replace(seen, started=seen.started or r.made_at)
        elif r.kind is ReportKind.DONE:
            out[r.job] = replace(seen, done=r.made_at)
        elif r.kind is ReportKind.COULD_NOT_DO:
            out[r.job] = JobProgress(r.job, r.crew, could_not_do=r.made_at)
    return out


def _seconds(moment: dt.datetime, day: dt.date) -> int:
    """``moment`` on the axis of ``day`` (seconds since its local midnight)."""
    local = local_time(moment).replace(tzinfo=None)
    return round((local - dt.datetime.combine(day, dt.time(0))).total_seconds())


def as_reported(
    plan: Plan, day: dt.date, progress: Mapping[str, JobProgress], now: dt.datetime
) -> Plan:
    """The published ``plan`` of ``day`` as the crews' reports say the day has gone, to
    re-plan from at ``now`` (:func:`ops.dispatch.replan_emergency`).

    A job's reports are its truth on every route it is on (the two crews of a two-crew job
    alike): a job reported begun by ``now`` is begun, from when the crew began it (its
    'started', else its 'arrived'; a job only reported done began the plan's duration before)
    to when it was reported done, or, under way, for the plan's duration and at least until
    ``now``. A job reported could-not-do has not begun, whatever the plan's times said: it
    starts after ``now``, to be planned again. A job without reports has not begun either on
    the route of a crew that reported on another of its jobs (the crew's reports are where it
    is); a crew that reported nothing keeps the plan's times for it (the re-plan then takes
    what the plan says has begun). The begun stops come first, in the order they began."""
    at = _seconds(now, day)
    routes = []
    for route in plan.routes:
        reported = any(
            (p := progress.get(s.job_id)) is not None and p.crew == route.crew_id
            for s in route.stops
        )
        if route.day not in (None, day.isoformat()) or not any(
            s.job_id in progress for s in route.stops
        ):
            routes.append(route)
            continue
        begun: list[Stop] = []
        rest: list[Stop] = []
        for stop in route.stops:
            p = progress.get(stop.job_id)
            length = stop.end - stop.start
            if p is None and not reported:  # as the plan has it
                (begun if stop.start <= at else rest).append(stop)
                continue
            done = None if p is None or p.done is None else _seconds(p.done, day)
            done = None if done is None or done > at else done
            began = None if p is None or p.began is None else _seconds(p.began, day)
            if began is None and done is not None:
                began = done - length
            if began is None or began > at:
                start = max(stop.start, at + 1)  # not begun: after now, planned again
                arrival = max(stop.arrival, at + 1)
                rest.append(replace(stop, arrival=arrival, start=start, end=start + length))
                continue
            came = began if p is None or p.arrived is None else min(_seconds(p.arrived, day), began)
            end = max(began, done) if done is not None else max(began + length, at)
            begun.append(replace(stop, arrival=came, start=began, end=end))
        stops = sorted(begun, key=lambda s: s.start) + sorted(rest, key=lambda s: s.start)
        routes.append(replace(route, stops=tuple(stops)))
    return replace(plan, routes=tuple(routes))


def last_words(progress: Iterable[JobProgress]) -> dict[str, dt.datetime]:
    """When each crew last reported on a job (for :func:`replan_positions`' ``reported``)."""
    out: dict[str, dt.datetime] = {}
    for p in progress:
        out[p.crew] = max(out.get(p.crew, p.latest), p.latest)
    return out


def reported_places(plan: Plan, progress: Iterable[JobProgress]) -> dict[str, Location]:
    """Where the crews whose last word was that they could not do a job are: at that job's
    place (``plan``'s stop of it). A crew whose last word began or ended a job is where its
    route's begun work leaves it, which the re-plan knows without this."""
    last: dict[str, JobProgress] = {}
    for p in progress:
        if p.crew not in last or p.latest > last[p.crew].latest:
            last[p.crew] = p
    out: dict[str, Location] = {}
    for route in plan.routes:
        word = last.get(route.crew_id)
        if word is None or word.could_not_do is None:
            continue
        for stop in route.stops:
            if stop.job_id == word.job and stop.location is not None:
                out[route.crew_id] = (float(stop.location[0]), float(stop.location[1]))
    return out


def bar_given_up(problem: Problem, progress: Mapping[str, JobProgress]) -> Problem:
    """``problem`` with each job a crew reported it could not do barred to that crew for the
    re-plan (routing's ``barred_crews``): the crew said it cannot, and the solver, which keeps
    published jobs on their crews, would send it straight back. Another able crew may take
    it; a dispatcher's pin or lock (:func:`ops.steering.steer_problem`) gives it back."""
    gave_up = {k: p.crew for k, p in progress.items() if p.could_not_do is not None}
    if not gave_up:
        return problem
    jobs = tuple(
        replace(j, barred_crews=j.barred_crews | {gave_up[j.id]}) if j.id in gave_up else j
        for j in problem.jobs
    )
    return replace(problem, jobs=jobs)


def explain_given_up(plan: Plan, progress: Mapping[str, JobProgress]) -> Plan:
    """``plan`` with the jobs left out that a crew could not do saying so (which crew, when):
    the dispatcher reads why the job has no crew (:func:`bar_given_up`)."""
    left = []
    for u in plan.unassigned:
        p = progress.get(u.job_id)
        if p is not None and p.could_not_do is not None:
            at = f"{local_time(p.could_not_do):%H:%M}"
            u = Unassigned.because(
                u.job_id, "could_not_do", u.mandatory, "given_up_by_crew", crew=p.crew, at=at
            )
        left.append(u)
    return replace(plan, unassigned=tuple(left))


# -- the phone's outbox, told to the dispatcher -------------------------------------------------

#: How many tries of a report the service failed on before the phone sets it apart ("not sent
#: yet, will retry") and tells the dispatcher (``SET_ASIDE`` of js/field.js, the same number).
HELD_AFTER_TRIES = 3


@dataclass(frozen=True)
class OutboxSummary:
    """What a crew's phone says of the reports it holds: those the service kept failing on
    (a 5xx, a timeout, a connection dropped while the service answers; tried again, never given
    up) and the later ones of their jobs that wait behind them. ``held`` is how many, ``oldest``
    when the oldest was made (on the phone), ``job`` and ``kind`` what it is, ``error`` the last
    error the phone met (``status`` and ``detail``, or ``network``). ``held`` 0: all went."""

    crew: str
    held: int
    oldest: dt.datetime | None = None
    job: str | None = None
    kind: ReportKind | None = None
    error: Mapping[str, Any] | None = None

    def key(self) -> tuple[Any, ...]:
        """What the dispatcher reads of it: a summary with the same key is no news (the phone
        tries again every few seconds and says the same)."""
        error = self.error or {}
        return (
            self.held,
            None if self.oldest is None else self.oldest.isoformat(),
            self.job,
            None if self.kind is None else str(self.kind),
            error.get("status"),
            bool(error.get("network")),
        )

    def to_dict(self) -> dict[str, Any]:
        error = self.error or {}
        return {
            "crew": self.crew,
            "held": self.held,
            "oldest": None if self.oldest is None else self.oldest.isoformat(timespec="seconds"),
            "job": self.job,
            "kind": None if self.kind is None else str(self.kind),
            "error": {
                "status": error.get("status"),
                "detail": error.get("detail"),
                "network": bool(error.get("network")),
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutboxSummary:
        oldest, kind = data.get("oldest"), data.get("kind")
        return cls(
            str(data["crew"]),
            int(data["held"]),
            None if oldest is None else dt.datetime.fromisoformat(oldest),
            data.get("job"),
            None if kind is None else ReportKind(kind),
            data.get("error"),
        )


def outbox_news(previous: OutboxSummary | None, summary: OutboxSummary) -> bool:
    """Whether ``summary`` is to be told to the dispatcher, after the crew's ``previous`` one
    (None: none kept): reports held, and not what was told already; or none held any more
    after some were (the console clears the crew's line). A phone that holds nothing and held
    nothing says nothing new."""
    if previous is None or previous.held == 0:
        return summary.held > 0
    return summary.key() != previous.key()
