"""A dispatcher steers a ready plan: pins a job to a crew (and a start), moves a job to another
crew, takes a job out of the plan, locks a crew's route; the next solve honours it all.

The edits are kept with the plan as a :class:`Steering` value (``plan.problem["steering"]``):
what is fixed, and the history of every edit with who, when and why. :func:`apply_edit` checks
an edit against the plan and returns the new value and its history entry (pure: the service
stores them); :func:`steer_problem` turns the value into the routing model's own means (a pinned
crew, a time window at the pinned start, precedences along a locked route and its crew barred
from other work, the jobs taken out left out) and :func:`with_left_out` names the jobs taken out
among the plan's unassigned. ``docs/architecture.md``, "Day plan", has the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from ops.calendar import local_time
from ops.errors import Conflict, InvalidRequest
from ops.workflow import PlanStatus
from routing import Plan, Precedence, Problem, TimeWindow, Unassigned

ACTIONS = ("pin", "unpin", "move", "unassign", "restore", "lock", "unlock")
"""What a dispatcher may do to a plan: ``pin`` a job to a crew (and optionally a start),
``unpin`` it, ``move`` it to another crew (a pin without a time), ``unassign`` it (it and the
jobs chained to it leave the plan), ``restore`` it (back to the solver), ``lock`` a crew's route
(its jobs and their order kept), ``unlock`` it."""


@dataclass(frozen=True)
class Pin:
    """A job held to ``crew``, from ``start`` when given (ISO local time)."""

    crew: str
    start: str | None = None


@dataclass(frozen=True)
class Left:
    """Jobs taken out of the plan by ``by``, for ``why``."""

    by: str
    why: str


@dataclass(frozen=True)
class Edit:
    """One edit a dispatcher asks for (``action`` one of :data:`ACTIONS`)."""

    action: str
    job: str | None = None
    crew: str | None = None
    start: dt.datetime | None = None
    why: str = ""


@dataclass(frozen=True)
class Change:
    """An edit as the plan's history keeps it: what, who, when, why, and the plan's version it
    made (``jobs``: every job it touched, e.g. a chain taken out together)."""

    action: str
    by: str
    at: str
    why: str
    version: int
    job: str | None = None
    crew: str | None = None
    start: str | None = None
    jobs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "by": self.by,
            "at": self.at,
            "why": self.why,
            "version": self.version,
            "job": self.job,
            "crew": self.crew,
            "start": self.start,
            "jobs": list(self.jobs),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            str(data["action"]),
            str(data["by"]),
            str(data["at"]),
            str(data.get("why") or ""),
            int(data.get("version") or 0),
            data.get("job"),
            data.get("crew"),
            data.get("start"),
            tuple(data.get("jobs") or ()),
        )


@dataclass(frozen=True)
class Steering:
    """What a dispatcher fixed in a plan, and the history of the edits."""

    pins: dict[str, Pin] = field(default_factory=dict)
    locks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # crew -> its jobs in order
    out: dict[str, Left] = field(default_factory=dict)
    history: tuple[Change, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.pins or self.locks or self.out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pins": {j: {"crew": p.crew, "start": p.start} for j, p in self.pins.items()},
            "locks": {c: list(jobs) for c, jobs in self.locks.items()},
            "out": {j: {"by": x.by, "why": x.why} for j, x in self.out.items()},
            "history": [c.to_dict() for c in self.history],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Steering:
        data = data or {}
        return cls(
            {j: Pin(str(p["crew"]), p.get("start")) for j, p in data.get("pins", {}).items()},
            {str(c): tuple(jobs) for c, jobs in data.get("locks", {}).items()},
            {
                j: Left(str(x["by"]), str(x.get("why") or ""))
                for j, x in data.get("out", {}).items()
            },
            tuple(Change.from_dict(c) for c in data.get("history", [])),
        )


def check_version(plan: int, current: int, sent: int, steering: Steering) -> None:
    """A dispatcher's edit is made on the version of the plan they saw.

    Raises
    ------
    Conflict
        The plan changed since (``sent`` is not ``current``): names who changed it last and
        when, so the dispatcher knows whose edit to look at before redoing theirs.
    """
    if sent == current:
        return
    last = steering.history[-1] if steering.history else None
    if last is not None and last.version == current:
        what = (
            last.action
            + (f" {last.job}" if last.job else "")
            + (f" → {last.crew}" if last.crew else "")
        )
        raise Conflict(
            f"plan {plan} was changed by {last.by} at {last.at} ({what}) since you read it "
            f"(version {current}, yours {sent}): reload the plan and redo your change",
            code="plan_changed_by",
            plan=plan,
            by=last.by,
            at=last.at,
            action=last.action,
            target=(last.job or "") + (f" → {last.crew}" if last.crew else ""),
        )
    raise Conflict(
        f"plan {plan} has changed since you read it (version {current}, yours {sent}): "
        "reload the plan and redo your change",
        code="plan_changed",
        plan=plan,
    )


def _routes(result: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each crew's jobs in the plan's order (every shift, every slot)."""
    out: dict[str, list[str]] = {}
    for route in result.get("routes", []):
        jobs = out.setdefault(str(route["crew"]), [])
        jobs.extend(str(s["job"]) for s in route["stops"] if str(s["job"]) not in jobs)
    return out


def _chain(job: str, links: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """``job`` and every job linked to it, directly or not (a repair's closures, repair,
    reopenings and flushing leave the plan together: half a chain is never planned)."""
    seen, todo = {job}, [job]
    while todo:
        here = todo.pop()
        for before, after in links:
            for a, b in ((before, after), (after, before)):
                if a == here and b not in seen:
                    seen.add(b)
                    todo.append(b)
    return (job, *sorted(seen - {job}))


def apply_edit(
    steering: Steering,
    edit: Edit,
    *,
    plan: int,
    status: PlanStatus | str,
    result: Mapping[str, Any] | None,
    jobs: Mapping[str, int],
    links: Sequence[tuple[str, str]],
    days: Sequence[dt.date],
    version: int,
    by: str,
    at: dt.datetime,
) -> tuple[Steering, Change]:
    """The plan's steering after ``edit``, and the history entry of it.

    Parameters
    ----------
    plan, status, result
        The plan edited: only a ready plan (with its result) is steered.
    jobs
        The plan's jobs: id -> how many crews each needs.
    links
        The precedences between them, (before, after).
    days
        The days the plan covers (a pinned start is on one of them).
    version
        The plan's version the edit makes (its history entry names it).
    by, at
        Who edits, and when.

    Raises
    ------
    Conflict
        The plan is not ready, the job is on a locked route (unlock it first) or the crew's
        route is locked.
    InvalidRequest
        An unknown action, job or crew; a two-crew job pinned or moved; a start outside the
        plan's days; taking a job out without a reason.
    """
    if PlanStatus(status) is not PlanStatus.READY or result is None:
        raise Conflict(
            f"plan {plan} is {status}: only a ready plan is steered (re-plan a published one, "
            "POST /api/plans/{id}/replan, and steer the re-plan)",
            code="steer_not_ready",
            plan=plan,
            plan_status=str(status),
        )
    if edit.action not in ACTIONS:
        raise InvalidRequest(
            f"unknown action {edit.action!r}: one of {', '.join(ACTIONS)}",
            code="steer_unknown_action",
            action=str(edit.action),
        )
    routes = _routes(result)
    crews = set(routes)
    pins, locks, out = dict(steering.pins), dict(steering.locks), dict(steering.out)
    why = edit.why.strip()
    touched: tuple[str, ...] = ()
    start: str | None = None
    if edit.action in ("lock", "unlock"):
        crew = _crew(edit.crew, crews)
        if edit.action == "lock":
            if crew in locks:
                raise Conflict(
                    f"crew {crew}'s route is locked already", code="route_locked_already", crew=crew
                )
            waiting = sorted(j for j, p in pins.items() if p.crew == crew and j not in routes[crew])
            if waiting:
                raise Conflict(
                    f"job {waiting[0]} is pinned to crew {crew} and not yet on its route: "
                    "re-solve first, or unpin it",
                    code="pinned_not_on_route",
                    job=waiting[0],
                    crew=crew,
                )
            locks[crew] = tuple(routes[crew])
            touched = locks[crew]
            for j in touched:
                pins.pop(j, None)  # the lock holds them now
        else:
            if crew not in locks:
                raise Conflict(
                    f"crew {crew}'s route is not locked", code="route_not_locked", crew=crew
                )
            touched = locks.pop(crew)
        change_crew: str | None = crew
        job = None
    else:
        job = _job(edit.job, jobs)
        locked_by = next((c for c, js in locks.items() if job in js), None)
        if locked_by is not None:
            raise Conflict(
                f"job {job} is on crew {locked_by}'s locked route: unlock it first",
                code="job_on_locked_route",
                job=job,
                crew=locked_by,
            )
        change_crew = None
        if edit.action in ("pin", "move"):
            crew = _crew(edit.crew, crews)
            if crew in locks:
                raise Conflict(
                    f"crew {crew}'s route is locked: unlock it first",
                    code="crew_route_locked",
                    crew=crew,
                )
            if jobs[job] != 1:
                raise InvalidRequest(
                    f"job {job} needs two crews: it is planned with both, not pinned to one",
                    code="pin_two_crews",
                    job=job,
                )
            if edit.action == "pin" and edit.start is not None:
                moment = local_time(edit.start).replace(tzinfo=None)
                if moment.date() not in days:
                    raise InvalidRequest(
                        f"start {moment:%Y-%m-%d %H:%M} is not on the plan's days "
                        f"({', '.join(d.isoformat() for d in days)})",
                        code="pin_off_day",
                        start=moment.isoformat(timespec="minutes"),
                        days=[d.isoformat() for d in days],
                    )
                start = moment.isoformat(timespec="minutes")
            pins[job] = Pin(crew, start)
            out.pop(job, None)
            change_crew, touched = crew, (job,)
        elif edit.action == "unpin":
            if job not in pins:
                raise Conflict(f"job {job} is not pinned", code="job_not_pinned", job=job)
            del pins[job]
            touched = (job,)
        elif edit.action == "unassign":
            if not why:
                raise InvalidRequest(
                    f"say why job {job} leaves the plan (the crews will ask)",
                    code="unassign_needs_reason",
                    job=job,
                )
            touched = _chain(job, links)
            for j in touched:
                if any(j in js for js in locks.values()):
                    raise Conflict(
                        f"job {j}, chained to {job}, is on a locked route: unlock it",
                        code="chain_on_locked_route",
                        job=j,
                        chained=job,
                    )
            for j in touched:
                out[j] = Left(by, why)
                pins.pop(j, None)
        else:  # restore
            if job not in out:
                raise Conflict(
                    f"job {job} is not taken out of the plan", code="job_not_left_out", job=job
                )
            touched = tuple(j for j in _chain(job, links) if j in out)
            for j in touched:
                del out[j]
    change = Change(
        edit.action,
        by,
        local_time(at).isoformat(timespec="seconds"),
        why,
        version,
        job,
        change_crew,
        start,
        touched,
    )
    return Steering(pins, locks, out, (*steering.history, change)), change


def _crew(crew: str | None, crews: set[str]) -> str:
    if crew is None or crew not in crews:
        raise InvalidRequest(
            f"crew {crew!r} is not in the plan ({', '.join(sorted(crews))})",
            code="crew_not_in_plan",
            crew=str(crew),
        )
    return crew


def _job(job: str | None, jobs: Mapping[str, int]) -> str:
    if job is None or job not in jobs:
        raise InvalidRequest(f"job {job!r} is not in the plan", code="job_not_in_plan", job=job)
    return job


def steer_problem(problem: Problem, steering: Steering, day: dt.date) -> Problem:
    """``problem`` with what the dispatcher fixed, in the routing model's own means: a pinned
    job goes to its crew (``pinned_crew``), at its pinned start when given (a window of that
    one second), and may not be left out; a locked route's jobs stay with its crew in their
    order (pinned, mandatory, each after the one before) and its crew takes no other job
    (``barred_crews``); the jobs taken out are not planned (nor their precedences)."""
    if steering.empty:
        return problem
    midnight = dt.datetime.combine(day, dt.time(0))
    locked = {j: crew for crew, jobs in steering.locks.items() for j in jobs}
    barred = frozenset(steering.locks)
    ids = {j.id for j in problem.jobs}
    jobs = []
    for job in problem.jobs:
        if job.id in steering.out:
            continue
        if job.id in locked:
            crew = locked[job.id]
            pinned = crew if job.crews_required == 1 else job.pinned_crew
            job = replace(job, pinned_crew=pinned, mandatory=True, barred_crews=barred - {crew})
        elif job.id in steering.pins:
            pin = steering.pins[job.id]
            job = replace(job, pinned_crew=pin.crew, mandatory=True, barred_crews=barred)
            if pin.start is not None:
                at = round((dt.datetime.fromisoformat(pin.start) - midnight).total_seconds())
                job = replace(job, windows=(TimeWindow(at, at),))
        elif barred:
            job = replace(job, barred_crews=job.barred_crews | barred)
        jobs.append(job)
    precedences = [
        p
        for p in problem.precedences
        if p.before not in steering.out and p.after not in steering.out
    ]
    for crew_jobs in steering.locks.values():
        kept = [j for j in crew_jobs if j in ids and j not in steering.out]
        precedences.extend(Precedence(a, b) for a, b in pairwise(kept))
    return replace(problem, jobs=tuple(jobs), precedences=tuple(precedences))


def with_left_out(plan: Plan, steering: Steering, mandatory: Mapping[str, bool]) -> Plan:
    """``plan`` with the jobs the dispatcher took out among its unassigned, saying who and why
    (``mandatory``: which of them had to be planned, job id -> bool)."""
    if not steering.out:
        return plan
    named = {u.job_id for u in plan.unassigned}
    left = tuple(
        Unassigned.because(
            job,
            "by_dispatcher",
            mandatory.get(job, False),
            "left_out_by_dispatcher",
            by=x.by,
            why=x.why,
        )
        for job, x in steering.out.items()
        if job not in named and job in mandatory
    )
    return replace(plan, unassigned=(*plan.unassigned, *left))


def unsolved_edits(problem: Mapping[str, Any]) -> int:
    """The dispatchers' edits of a plan that its result does not have yet (made after it was
    solved; a plan solved again around them counts them as ``solved_edits``)."""
    steering = Steering.from_dict(problem.get("steering"))
    return len(steering.history) - int(problem.get("solved_edits", 0))


def resolve_from(plan: int, status: PlanStatus | str) -> PlanStatus:
    """Solving a steered plan again makes a new plan, queued (returned), from the same work
    with the plan's steering; only a ready plan is solved again (a published one is re-planned).

    Raises
    ------
    Conflict
        The plan is not ready.
    """
    if PlanStatus(status) is not PlanStatus.READY:
        raise Conflict(
            f"plan {plan} is {status}: only a ready plan is solved again",
            code="resolve_not_ready",
            plan=plan,
            plan_status=str(status),
        )
    return PlanStatus.QUEUED


def comparable(first: tuple[int, dt.date, bool], second: tuple[int, dt.date, bool]) -> None:
    """Two plans are compared when both are solved and of the same day (plan id, day, solved).

    Raises
    ------
    Conflict
        One has no result yet.
    InvalidRequest
        They plan different days.
    """
    for plan, _, solved in (first, second):
        if not solved:
            raise Conflict(f"plan {plan} has no result yet", code="plan_no_result", plan=plan)
    if first[1] != second[1]:
        raise InvalidRequest(
            f"plan {first[0]} is of {first[1]} and plan {second[0]} of {second[1]}: "
            "compare plans of one day",
            code="compare_other_days",
            plan=first[0],
            day=str(first[1]),
            other=second[0],
            other_day=str(second[1]),
        )
