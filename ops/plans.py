"""Publishing a day's plan: what it changes, as values to store.

A published plan becomes the day's plan (the one published before it is superseded), its crews
leave the started jobs a re-plan calls them away from (each closed as ``suspended``, the rest of
its work a new job), the open jobs it routes are assigned to their crews, and the live notices of
its repairs take the outage windows it schedules. :func:`publish_plan` decides all of it from
the plan's stored result (:meth:`ops.dispatch.DayPlan.to_dict`) and the jobs and notices as they
stand; the service stores what it returns (``docs/architecture.md``, "Day plan").
:func:`stop_plan` and :func:`replan_from` are the other steps a dispatcher asks of a plan:
stopping it while it is made, and re-planning from it. What a plan is made of is stored with it
(:func:`encode_problem`, :func:`decode_problem`), and the statuses its planner worker gives it
are decided here too (:func:`claim_order`, :func:`claim`, :func:`solved`, :func:`failed`,
:func:`abandoned`; :mod:`api.planner` only reads and writes the rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ops.calendar import local_time
from ops.dispatch import CrewShift, DayPlan
from ops.errors import Conflict, InvalidRequest
from ops.field import JobProgress
from ops.jobs import FieldJob, JobLink, field_job_from_dict
from ops.notices.drafting import follow_plan
from ops.outages import DEFAULT_LEAD, LIVE, NoticeState, Outage, follow_window
from ops.repairs import RepairChain, chain_from_jobs
from ops.workflow import (
    CLOSED,
    NOT_STARTED,
    PLANNED,
    PLANNING,
    JobChange,
    JobEvent,
    JobState,
    JobStatus,
    PlanStatus,
)
from routing.io import plan_from_state


@dataclass(frozen=True)
class Assignment:
    """A stop of the plan: ``crew`` does ``job`` from ``start`` (ISO time, as stored).

    ``slot`` is the crew's place in the job (``routing.model.Stop.slot``): a two-crew job has
    a stop for each of its crews, 1 for the lead crew (the job's crew), 2 for the one with it.
    """

    job: str
    crew: str
    start: str
    slot: int = 1


@dataclass(frozen=True)
class LeftJob:
    """A started job the plan's crew leaves at ``leave`` for ``why``; ``rest`` is the rest of
    its work, and ``successors`` the jobs that follow the rest instead (:mod:`ops.emergency`)."""

    job: str
    leave: str
    why: str
    rest: FieldJob
    successors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduledWindow:
    """The outage window the plan schedules for a repair ticket (every closure and reopening
    planned)."""

    ticket: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class PlanOutcome:
    """What publishing a plan acts on, read from its stored result."""

    assignments: tuple[Assignment, ...]
    left: tuple[LeftJob, ...]
    windows: tuple[ScheduledWindow, ...]

    @property
    def job_ids(self) -> frozenset[str]:
        """Every job the outcome names (routed, left, and the rests of the left ones)."""
        return frozenset(
            [a.job for a in self.assignments]
            + [x.job for x in self.left]
            + [x.rest.id for x in self.left]
        )

    @property
    def tickets(self) -> frozenset[str]:
        return frozenset(w.ticket for w in self.windows)


def plan_outcome(result: Mapping[str, Any]) -> PlanOutcome:
    """The assignments, left jobs and scheduled outage windows of a stored plan result
    (:meth:`ops.dispatch.DayPlan.to_dict`); a window estimated (not scheduled) is not one."""
    assignments = tuple(
        Assignment(
            str(stop["job"]), str(route["crew"]), str(stop["start"]), int(stop.get("slot", 1))
        )
        for route in result["routes"]
        for stop in route["stops"]
    )
    left = tuple(
        LeftJob(
            str(x["job"]),
            str(x["leave"]),
            str(x["why"]),
            field_job_from_dict(x["rest_job"]),
            tuple(x.get("successors", [])),
        )
        for x in result.get("suspended", [])
    )
    windows = tuple(
        ScheduledWindow(
            ticket,
            local_time(dt.datetime.fromisoformat(w["start"])),
            local_time(dt.datetime.fromisoformat(w["end"])),
        )
        for ticket, w in result.get("outage_windows", {}).items()
        if w.get("scheduled")
    )
    return PlanOutcome(assignments, left, windows)


@dataclass(frozen=True)
class Suspended:
    """A started job closed as ``suspended`` by a published re-plan.

    ``rest`` is the new job to store with ``link`` (the job before its rest), None when it is
    stored already; the links from the job to ``successors`` now start from the rest.
    """

    change: JobChange
    rest: FieldJob | None
    link: JobLink
    successors: tuple[str, ...]


@dataclass(frozen=True)
class MovedNotice:
    """A live notice moved to the plan's window: the outage with its new revision, stored from
    revision ``first_new`` on."""

    outage: Outage
    first_new: int


@dataclass(frozen=True)
class Publication:
    """What publishing a plan changes: the plans superseded, the jobs suspended (in the order
    of the result), the assignment steps (in the order of the routes, one per job: a two-crew
    job's is its lead crew's; stored after the rests are), and the notices moved."""

    plan: int
    status: PlanStatus
    superseded: tuple[int, ...]
    suspended: tuple[Suspended, ...]
    assigned: tuple[JobChange, ...]
    notices: tuple[MovedNotice, ...]


def publish_plan(
    plan: int,
    status: PlanStatus | str,
    result: Mapping[str, Any] | None,
    *,
    published: Sequence[int],
    jobs: Mapping[str, JobState],
    outages: Sequence[Outage],
    by: str,
    at: dt.datetime,
    lead: dt.timedelta = DEFAULT_LEAD,
    unsolved_edits: int = 0,
) -> Publication:
    """Publish the ready plan ``plan`` with its stored ``result``.

    Parameters
    ----------
    published
        The plans published for the same day so far: they are superseded.
    jobs
        The stored jobs the result names, as they stand (:attr:`PlanOutcome.job_ids`); one not
        given is not stored (it was never added, or the rest of a left job is new).
    outages
        The notices of the plan's repair tickets: a live one follows the plan's window
        (:func:`ops.outages.follow_window`), a draft takes it whole
        (:func:`ops.notices.drafting.follow_plan`), the others are left as they are.
    by, at
        Who publishes, and when (the jobs' history; a window is never moved before ``at``).
    lead
        The notice lead of a planned outage (a window is not moved earlier than it allows).
    unsolved_edits
        The dispatchers' edits its result does not have yet (:func:`ops.steering.unsolved_edits`).

    Raises
    ------
    Conflict
        The plan is not ready (only a ready plan can be published), or dispatchers edited it
        after it was solved: the crews would be sent a plan without those edits.
    """
    if PlanStatus(status) is not PlanStatus.READY or result is None:
        raise Conflict(
            f"plan {plan} is {status}: only a ready plan can be published",
            code="plan_not_ready",
            plan=plan,
            plan_status=str(status),
        )
    if unsolved_edits:
        edits = "1 edit" if unsolved_edits == 1 else f"{unsolved_edits} edits"
        raise Conflict(
            f"plan {plan} has {edits} of dispatchers that its routes do not have yet: resolve "
            f"it again around them (POST /api/plans/{plan}/resolve, the console's re-solve) and "
            "publish the new plan",
            code="plan_unsolved_edits",
            plan=plan,
            edits=unsolved_edits,
        )
    outcome = plan_outcome(result)
    state = dict(jobs)
    suspended = []
    for left in outcome.left:
        job = state.get(left.job)
        if job is None or job.status in CLOSED:
            continue
        new_rest = left.rest.id not in state
        if new_rest:
            state[left.rest.id] = JobState(left.rest.id, JobStatus.OPEN)
        note = f"plan {plan}: left at {left.leave} for {left.why}; the rest is {left.rest.id}"
        words = {"plan": str(plan), "leave": str(left.leave), "why": left.why}
        words["rest"] = left.rest.id
        after = JobState(job.id, JobStatus.SUSPENDED, job.crew)
        state[job.id] = after
        event = JobEvent(job.id, after.status, job.crew, note, by, at, "plan_left", words)
        suspended.append(
            Suspended(
                JobChange(after, event),
                left.rest if new_rest else None,
                JobLink(job.id, left.rest.id),
                left.successors if new_rest else (),
            )
        )
    # a two-crew job is assigned once, to its lead crew (slot 1); its history names the other
    helpers = {a.job: a.crew for a in outcome.assignments if a.slot != 1}
    assigned = []
    for stop in outcome.assignments:
        if stop.slot != 1:
            continue
        job = state.get(stop.job)
        if job is None or job.status not in NOT_STARTED:
            continue
        if job.status is JobStatus.ASSIGNED and job.crew == stop.crew:
            continue
        after = JobState(job.id, JobStatus.ASSIGNED, stop.crew)
        state[job.id] = after
        note = f"plan {plan}, start {stop.start}"
        key, words = "plan_start", {"plan": str(plan), "start": str(stop.start)}
        if stop.job in helpers:
            note += f", with {helpers[stop.job]}"
            key, words = "plan_start_with", {**words, "crew": helpers[stop.job]}
        event = JobEvent(job.id, after.status, stop.crew, note, by, at, key, words)
        assigned.append(JobChange(after, event))
    notices = []
    for window in outcome.windows:
        for outage in outages:
            if outage.source != window.ticket:
                continue
            if outage.state is NoticeState.DRAFT:  # told nobody yet: the plan's window whole
                moved = follow_plan(outage, window.start, window.end, at, plan=plan)
            elif outage.state in LIVE:
                moved = follow_window(
                    outage, window.start, window.end, at, why=f"window of plan {plan}", lead=lead
                )
            else:
                continue
            if moved is not None:
                notices.append(MovedNotice(moved, len(outage.revisions) + 1))
    return Publication(
        plan,
        PlanStatus.PUBLISHED,
        tuple(p for p in published if p != plan),
        tuple(suspended),
        tuple(assigned),
        tuple(notices),
    )


@dataclass(frozen=True)
class PlanStop:
    """What stopping a plan being made gives: the plan's status afterwards and, when it ended
    there and then, why (a plan still solving keeps its status: its worker stops at the next
    progress report and keeps the best plan so far, ``ready``)."""

    status: PlanStatus
    error: str | None = None


def stop_plan(plan: int, status: PlanStatus | str) -> PlanStop:
    """Stop ``plan`` while it is queued or solving.

    Raises
    ------
    Conflict
        The plan is not being made (ready, published, superseded or failed).
    """
    status = PlanStatus(status)
    if status not in PLANNING:
        raise Conflict(
            f"plan {plan} is {status}, not solving",
            code="plan_not_solving",
            plan=plan,
            plan_status=str(status),
        )
    if status is PlanStatus.QUEUED:  # nothing found yet to keep: it ends now, frees its place
        return PlanStop(PlanStatus.FAILED, "stopped before solving started")
    return PlanStop(status)


def replan_from(plan: int, status: PlanStatus | str, *, solved: bool = True) -> PlanStatus:
    """A re-plan of ``plan`` (an emergency): it starts from a ready or published plan and is a
    new plan, queued (returned: its status).

    Parameters
    ----------
    solved
        Whether the plan kept the solver's state to start from (every ready plan does).

    Raises
    ------
    Conflict
        The plan is not ready or published, or kept no state.
    """
    if PlanStatus(status) not in PLANNED or not solved:
        raise Conflict(
            f"plan {plan} is {status}: re-plan from a ready or published plan",
            code="replan_not_ready",
            plan=plan,
            plan_status=str(status),
        )
    return PlanStatus.QUEUED


@dataclass(frozen=True)
class SolveTime:
    """How long the service's solver searches for a plan, in seconds (the service's setting
    ``solver_seconds`` defaults to ``day``).

    A day plan is made in the background while the dispatcher does other work, so it gets
    three times the budget of :class:`routing.SolverOptions` (what a notebook or ``waterops
    plan`` waits for at the terminal). A re-plan is an emergency: crews wait for it, so it is
    capped at ``replan_at_most`` whatever the day plans are given: 10 s, what the emergency
    benchmark measures (``benchmarks/emergency.py``: 30 s gave the same isolation, water back
    and customer-hours on every burst; see docs/decisions.md).
    """

    day: float = 30.0
    replan_at_most: float = 10.0

    def seconds(self, asked: float | None, configured: float, *, replan: bool) -> float:
        """The budget of a plan: what the request ``asked`` for, else the ``configured``
        setting (for a re-plan, no more than ``replan_at_most``)."""
        if asked is not None:
            return asked
        return min(configured, self.replan_at_most) if replan else configured


def require_crews(count: int) -> None:
    """A plan is made for the active crews: none, nothing to plan for.

    Raises
    ------
    Conflict
        No crew is active.
    """
    if count == 0:
        raise Conflict("no active crews: add crews (POST /api/crews) first", code="no_active_crews")


def solved_result(plan: int, result: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The stored result of ``plan``, to print its crews' sheets from.

    Raises
    ------
    Conflict
        The plan has no result (queued, solving, or failed).
    """
    if result is None:
        raise Conflict(f"plan {plan} has no result yet", code="plan_no_result", plan=plan)
    return result


def replan_jobs(
    in_plan: Collection[str], open_jobs: Sequence[str], asked: Sequence[str] | None
) -> tuple[str, ...]:
    """The jobs a re-plan inserts: those ``asked`` for, else every open job the plan did not
    have (``in_plan``), in the order of ``open_jobs``.

    Raises
    ------
    InvalidRequest
        A job asked for is not open (the first ten are named).
    """
    if asked is None:
        planned = set(in_plan)
        return tuple(j for j in open_jobs if j not in planned)
    known = set(open_jobs)
    unknown = [j for j in asked if j not in known]
    if unknown:
        raise InvalidRequest(
            f"not open jobs: {', '.join(unknown[:10])}", code="replan_not_open", jobs=unknown[:10]
        )
    return tuple(asked)


class ReplanWork(NamedTuple):
    """The work of a re-plan: ``jobs`` to plan, of which ``new`` are the ones it inserts."""

    jobs: tuple[FieldJob, ...]
    new: tuple[str, ...]


def replan_work(
    in_plan: Sequence[FieldJob], open_jobs: Sequence[FieldJob], asked: Sequence[str] | None
) -> ReplanWork:
    """The jobs a re-plan plans: the plan's own (``in_plan``, as the plan had them) but those
    it inserts again, then the jobs it inserts (:func:`replan_jobs`) as they are open now.

    Raises
    ------
    InvalidRequest
        A job asked for is not open.
    """
    new = replan_jobs([j.id for j in in_plan], [j.id for j in open_jobs], asked)
    inserted = set(new)
    kept = [j for j in in_plan if j.id not in inserted]
    return ReplanWork((*kept, *(j for j in open_jobs if j.id in inserted)), new)


def replan_start(day: dt.date, now: dt.datetime) -> None:
    """A re-plan starts ``now`` on its plan's ``day`` (in local time).

    Raises
    ------
    InvalidRequest
        ``now`` is on another day.
    """
    if now.date() != day:
        raise InvalidRequest(
            f"now ({now:%Y-%m-%d %H:%M}) is not on the plan's day {day}",
            code="replan_not_today",
            now=now.strftime("%Y-%m-%dT%H:%M"),
            day=day.isoformat(),
        )


@dataclass(frozen=True)
class PlanRequest:
    """How to plan, besides the work itself: typed, so that a setting the request validated
    cannot be dropped on its way to the solver (``overtime_hours`` of a re-plan once was).

    ``overtime_hours`` None: the call-out rules' default for emergency work (none for routine
    work). ``now``, ``new_jobs``, ``positions`` and ``progress`` (what the crews reported of
    their jobs by ``now``: :func:`ops.field.as_reported`) are a re-plan's.
    """

    calendar: dict[str, Any] = field(default_factory=dict)
    network_id: int | None = None
    overtime_hours: float | None = None
    now: str | None = None
    days: int = 1
    new_jobs: tuple[str, ...] = ()
    positions: dict[str, list[float]] = field(default_factory=dict)
    progress: dict[str, JobProgress] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "calendar": self.calendar,
            "network_id": self.network_id,
            "overtime_hours": self.overtime_hours,
            "now": self.now,
            "days": self.days,
            "new_jobs": list(self.new_jobs),
            "positions": self.positions,
            "progress": [p.to_dict() for p in self.progress.values()],
        }

    @classmethod
    def from_dict(cls, problem: Mapping[str, Any]) -> PlanRequest:
        """The request stored with a problem (:meth:`to_dict`; older rows lack some keys: the
        defaults)."""
        overtime = problem.get("overtime_hours")
        return cls(
            calendar=dict(problem.get("calendar") or {}),
            network_id=problem.get("network_id"),
            overtime_hours=None if overtime is None else float(overtime),
            now=problem.get("now"),
            days=int(problem.get("days") or 1),
            new_jobs=tuple(problem.get("new_jobs") or ()),
            positions=dict(problem.get("positions") or {}),
            progress={p.job: p for p in map(JobProgress.from_dict, problem.get("progress") or ())},
        )

    @property
    def overtime(self) -> dt.timedelta | None:
        return None if self.overtime_hours is None else dt.timedelta(hours=self.overtime_hours)

    @property
    def moment(self) -> dt.datetime | None:
        return None if self.now is None else dt.datetime.fromisoformat(self.now)


# --- the stored problem of a plan, and its worker's status changes ------------------------------
#
# The service stores what to plan in the plan row (:func:`encode_problem`) and a planner worker
# solves it later (:mod:`api.planner`): the worker reads it back with :func:`decode_problem`, and
# every status it gives the row is decided here (:func:`claim_order`, :func:`claim`,
# :func:`solved`, :func:`failed`, :func:`abandoned`); the worker only reads and writes rows.


class Problem(NamedTuple):
    """What a plan is made of: the jobs, links, crews and repair chains of the day."""

    jobs: list[FieldJob]
    links: list[JobLink]
    crews: list[CrewShift]
    chains: list[RepairChain]


def encode_problem(
    day: dt.date,
    jobs: Sequence[FieldJob],
    links: Sequence[JobLink],
    crews: Sequence[CrewShift],
    chains: Sequence[RepairChain],
    request: PlanRequest,
) -> dict[str, Any]:
    """What to plan, as JSON (stored in the plan row, so a plan can be re-solved and audited)."""
    return {
        "day": day.isoformat(),
        "jobs": [j.to_dict() for j in jobs],
        "links": [lk.to_dict() for lk in links],
        "crews": [c.to_dict() for c in crews],
        "repairs": [
            {
                "ticket": c.ticket,
                "expected": [c.expected[0].isoformat(), c.expected[1].isoformat()],
            }
            for c in chains
        ],
        **request.to_dict(),
    }


def decode_problem(problem: Mapping[str, Any]) -> Problem:
    """The inverse of :func:`encode_problem` (the request is :meth:`PlanRequest.from_dict`)."""
    jobs = [field_job_from_dict(j) for j in problem["jobs"]]
    links = [JobLink.from_dict(lk) for lk in problem["links"]]
    crews = [CrewShift.from_dict(c) for c in problem["crews"]]
    chains = [
        chain_from_jobs(
            r["ticket"],
            jobs,
            (
                dt.datetime.fromisoformat(r["expected"][0]),
                dt.datetime.fromisoformat(r["expected"][1]),
            ),
        )
        for r in problem.get("repairs", [])
    ]
    return Problem(jobs, links, crews, chains)


def published_day_plan(
    problem: Mapping[str, Any], state: dict[str, Any], result: Mapping[str, Any] | None
) -> DayPlan:
    """The :class:`ops.dispatch.DayPlan` a stored plan stands for (to re-plan from it): its
    ``problem``, the solver's ``state`` (:func:`routing.io.plan_to_state`) and its ``result``."""
    jobs, links, crews, chains = decode_problem(problem)
    plan = plan_from_state(state)
    planned = {s.job_id for r in plan.routes for s in r.stops}
    future = tuple(j for j in jobs if j.id in set(problem.get("future", [])))
    result_days = (result or {}).get("days") or [problem["day"]]
    return DayPlan(
        dates=tuple(dt.date.fromisoformat(d) for d in result_days),
        day=dt.date.fromisoformat(problem["day"]),
        plan=plan,
        jobs=tuple(j for j in jobs if j not in future or j.id in planned),
        links=tuple(links),
        crews=tuple(crews),
        at_risk=(),
        repairs=tuple(chains),
        future=future,
    )


ABANDONED = (
    "the service restarted (or its planner stopped) while this plan was being solved: solve again"
)


@dataclass(frozen=True)
class Attempt:
    """A worker's attempt at solving a plan: its ``token`` (fresh for every claim), and the
    ``host`` and process (``pid``) of the worker. The plan's progress names it while it
    solves; only the attempt it names may write the plan."""

    token: str
    host: str
    pid: int

    def progress(
        self, seconds: float | None, report: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The progress of the plan this attempt solves for ``seconds``: the solver's
        ``report`` (none yet: no solution), and who solves."""
        return {
            **(report if report is not None else {"solutions": 0, "elapsed": 0.0}),
            "seconds": seconds,
            "attempt": self.token,
            "host": self.host,
            "pid": self.pid,
        }


@dataclass(frozen=True)
class WorkerChange:
    """A status a worker gives a plan, with its error and progress (None: left as it is)."""

    status: PlanStatus
    error: str | None = None
    progress: dict[str, Any] | None = None


def claim_order(
    queued: Sequence[tuple[int, str, int | None]], solving: Mapping[str, int]
) -> list[int]:
    """The queued plans a worker may claim, in the order to try them: emergency re-plans (with
    a parent) first, then plans of users with no plan ``solving`` (plans by user), oldest first.
    A user's second plan waits while their first solves, so one user's long plans cannot take
    every worker. ``queued`` holds (plan, created by, parent) rows."""
    candidates = [
        (0 if parent is not None else 1, plan)
        for plan, user, parent in queued
        if parent is not None or not solving.get(user)
    ]
    return [plan for _, plan in sorted(candidates)]


def claim(seconds: float | None, attempt: Attempt) -> WorkerChange:
    """A queued plan claimed by ``attempt`` is solving (its version goes up too)."""
    return WorkerChange(PlanStatus.SOLVING, progress=attempt.progress(seconds))


def owns(status: PlanStatus | str, progress: Mapping[str, Any] | None, token: str) -> bool:
    """Whether the plan is still being solved by the attempt ``token`` (its writes count)."""
    return status == PlanStatus.SOLVING and (progress or {}).get("attempt") == token


def attempt_of(progress: Mapping[str, Any] | None) -> Attempt | None:
    """The attempt a solving plan's progress names (None: solving before attempts existed)."""
    progress = progress or {}
    token = progress.get("attempt")
    if token is None:
        return None
    return Attempt(str(token), str(progress.get("host")), int(progress.get("pid") or 0))


def solved(progress: Mapping[str, Any] | None, elapsed: float, *, stopped: bool) -> WorkerChange:
    """A plan solved in ``elapsed`` seconds (``stopped``: at a dispatcher's request) is ready."""
    return WorkerChange(
        PlanStatus.READY,
        None,
        {**(progress or {}), "elapsed": round(elapsed, 2), "stopped": stopped, "done": True},
    )


def failed(exc: BaseException) -> WorkerChange:
    """A plan whose solve raised ``exc`` failed; the error names it (the traceback is the
    log's, not for every reader)."""
    return WorkerChange(PlanStatus.FAILED, f"{type(exc).__name__}: {exc}")


def abandoned() -> WorkerChange:
    """A plan solving whose worker is gone failed: it must be solved again."""
    return WorkerChange(PlanStatus.FAILED, ABANDONED)
