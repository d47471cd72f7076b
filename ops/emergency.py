"""Emergency duty: which crews are called out outside their shift, how soon they can leave,
and for how long they may work.

The plan asks that a repair shut off the smallest area for the shortest time. A burst at 03:10
cannot wait for the 08:00 shift: the crews on call (``CrewShift.on_call``, 应急值班) are called
out. From the call to leaving the depot takes a *call-out delay* — short by day (the crew is at
the depot or near it), longer at night (the crew is at home). A called-out crew's day runs from
then on, through its ordinary shift if the emergency lasts, but never longer than
``max_duty`` in all (fatigue: the utility sets the limit). Only emergency work
(``FieldJob.emergency``: closures, the repair, reopenings, flushing, tankers) is done before the
crew's ordinary shift; ordinary work waits for it. See ``docs/decisions.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ops.calendar import local_time
from ops.crews import who_works
from ops.jobs import FieldJob, JobKind, JobLink, Location
from routing import StraightLine, TravelModel

if TYPE_CHECKING:  # a cycle: ops.dispatch imports this module's rules (annotations only here)
    from ops.calendar import WorkCalendar
    from ops.dispatch import CrewShift


@dataclass(frozen=True)
class CallOutRules:
    """The utility's call-out rules (documented defaults; a deployment sets its own).

    Parameters
    ----------
    day_delay, night_delay
        From the call to the crew leaving its depot, by day and at night.
    night_from, night_to
        When night duty applies (the crew is at home).
    max_duty
        The longest a called-out crew works in one stretch, call-out and shift together.
    overtime
        How long a crew may stay past its shift on emergency work when the planner is not
        told otherwise (never beyond ``max_duty`` for a called-out crew).
    """

    day_delay: dt.timedelta = dt.timedelta(minutes=20)
    night_delay: dt.timedelta = dt.timedelta(minutes=45)
    night_from: dt.time = dt.time(20, 0)
    night_to: dt.time = dt.time(7, 0)
    max_duty: dt.timedelta = dt.timedelta(hours=16)
    overtime: dt.timedelta = dt.timedelta(hours=4)

    def is_night(self, moment: dt.datetime) -> bool:
        clock = local_time(moment).time()
        return clock >= self.night_from or clock < self.night_to

    def delay(self, moment: dt.datetime) -> dt.timedelta:
        """How long after a call at ``moment`` a crew can leave its depot."""
        return self.night_delay if self.is_night(moment) else self.day_delay

    def call_out(self, crew: CrewShift, now: dt.datetime) -> dt.datetime | None:
        """When ``crew`` can start on an emergency called at ``now``, if that is outside its
        shift of the day; None when it is not on call or its shift has begun (it is at work:
        the ordinary re-plan applies)."""
        if not crew.on_call:
            return None
        start, end = crew.start, crew.end
        local = local_time(now).replace(tzinfo=None)
        if start <= local.time() < end:
            return None
        leave = now + self.delay(now)
        return leave if local_time(leave).time() < start or local.time() >= end else None

    def on_duty_until(self, crew: CrewShift, day_start: int, emergency: bool) -> int | None:
        """How late (seconds on the plan's axis whose shift of ``crew`` starts at
        ``day_start``) an on-call crew at work may go on with emergency work: a burst's repair
        through the evening and the night, within ``max_duty`` from its shift's start. None for
        crews not on call, or without emergency work (their overtime is ``overtime``)."""
        if not crew.on_call or not emergency:
            return None
        return day_start + round(self.max_duty.total_seconds())

    def called_out_shift(
        self, start: int, end: int, leave: int, day_seconds: int = 86_400
    ) -> tuple[int, int]:
        """The working period of a crew called out at ``leave`` whose ordinary shift is
        ``start``–``end`` (seconds on the plan's axis). Before the shift: from ``leave`` on,
        through the shift, at most ``max_duty``. After it (the evening): from ``leave`` through
        the night until the next day's shift begins, at most ``max_duty``."""
        duty = round(self.max_duty.total_seconds())
        if leave < start:
            return leave, min(end, leave + duty)
        return leave, min(leave + duty, start + day_seconds)


DEFAULT_CALL_OUT = CallOutRules()


DriveFrom = Literal["depot", "position", "estimate"]


@dataclass(frozen=True)
class Arrival:
    """The earliest a crew can be at an emergency by the roster: when, which crew, and how
    (``on_shift``: at work now; ``call_out``: on call, called at home; ``shift``: the next
    shift it works); ``drive`` the drive counted and ``drive_from`` where it was counted from:
    ``depot`` (the crew's base: a called-out crew leaves from it, as the planner starts it),
    ``position`` (where a crew at work was last seen) by the travel model, or ``estimate``
    (no place known: the flat drive, or for a crew at work the flat time to leave and come)."""

    at: dt.datetime
    crew: str
    how: str
    drive: dt.timedelta = dt.timedelta(0)
    drive_from: DriveFrom = "estimate"


def first_arrival(
    roster: Sequence[CrewShift],
    skills: frozenset[str],
    now: dt.datetime,
    calendar: WorkCalendar,
    *,
    rules: CallOutRules = DEFAULT_CALL_OUT,
    emergency: bool = True,
    on_shift: dt.timedelta = dt.timedelta(minutes=30),
    drive: dt.timedelta = dt.timedelta(minutes=10),
    days: int = 14,
    leave_job: dt.timedelta = dt.timedelta(minutes=10),
    sites: Sequence[Location] = (),
    travel: TravelModel | None = None,
    positions: Mapping[str, Location] | None = None,
) -> Arrival | None:
    """The earliest a crew with ``skills`` can be at a job reported at ``now`` (the
    roster's days, absences and shift changes, :func:`ops.crews.who_works`).

    The drive is the planner's: ``travel`` (the :mod:`routing` model the day plan uses;
    straight line when None, as :func:`routing.solve`) from where the crew is to the nearest
    of ``sites`` (a burst's valves: the first closure is at whichever a crew reaches first).
    A crew at work comes from its ``positions`` entry (its last known place) once it has left
    its job safe (``leave_job``, 10 min: :class:`InterruptionRules` gives 5 to 15 by kind);
    without one it leaves its job somewhere: ``now + on_shift``. For emergency work, an
    on-call crew outside its shift leaves its depot after the call-out delay
    (:meth:`CallOutRules.call_out`); otherwise the next shift start of such a crew, from its
    depot. Without ``sites`` the drive is the flat ``drive`` (``drive_from`` estimate). None
    when no such crew works within ``days`` days. The times keep ``now``'s time zone (or its
    lack)."""
    local = local_time(now).replace(tzinfo=None)
    best: Arrival | None = None
    seen = positions or {}
    drives = _drives(roster, sites, travel, seen)

    def offer(at: dt.datetime, crew: str, how: str, way: dt.timedelta, where: DriveFrom) -> None:
        nonlocal best
        if best is None or at < best.at:
            best = Arrival(at, crew, how, way, where)

    def from_depot(crew: str) -> tuple[dt.timedelta, DriveFrom]:
        way = drives.get(("depot", crew))
        return (drive, "estimate") if way is None else (way, "depot")

    for k in range(days + 1):
        day = local.date() + dt.timedelta(days=k)
        for shift in who_works(roster, day, calendar):
            if not skills <= shift.skills:
                continue
            begin = dt.datetime.combine(day, shift.start)
            if k == 0 and shift.start <= local.time() < shift.end:
                way = drives.get(("position", shift.id))
                if way is None:
                    offer(now + on_shift, shift.id, "on_shift", on_shift, "estimate")
                else:
                    offer(now + leave_job + way, shift.id, "on_shift", way, "position")
                continue
            way, where = from_depot(shift.id)
            if k == 0 and emergency:
                leave = rules.call_out(shift, now)
                if leave is not None:
                    offer(leave + way, shift.id, "call_out", way, where)
            if begin >= local:
                offer(now + (begin - local) + way, shift.id, "shift", way, where)
        if best is not None:
            return best
    return best


def _drives(
    roster: Sequence[CrewShift],
    sites: Sequence[Location],
    travel: TravelModel | None,
    positions: Mapping[str, Location],
) -> dict[tuple[str, str], dt.timedelta]:
    """The drive of each crew of ``roster`` to the nearest of ``sites`` by ``travel``, from
    its depot (``("depot", id)``) and from its known position (``("position", id)``): one
    travel matrix for all of them; empty without sites."""
    if not sites:
        return {}
    starts: list[tuple[tuple[str, str], Location]] = [(("depot", c.id), c.depot) for c in roster]
    starts += [(("position", c.id), positions[c.id]) for c in roster if c.id in positions]
    places = [*sites, *(place for _, place in starts)]
    seconds = (travel or StraightLine()).matrix(places).seconds
    n = len(sites)
    return {
        key: dt.timedelta(seconds=int(seconds[n + i, :n].min()))
        for i, (key, _) in enumerate(starts)
    }


# -- interrupting started work ---------------------------------------------------------------


@dataclass(frozen=True)
class Interruption:
    """How a started job of one kind is left for an emergency: the crew needs ``safe`` to leave
    the site safe (a valve turned back to where it was, a meter refitted so the customer has
    water, a trench covered), and the rest of the work takes ``restart`` more when the crew
    comes back (setting up again)."""

    safe: dt.timedelta
    restart: dt.timedelta


@dataclass(frozen=True)
class InterruptionRules:
    """Which started jobs a crew may leave for an emergency (documented defaults; a deployment
    sets its own).

    Low-priority routine work may be interrupted: leak surveys, valve exercises, connection
    surveys, meter work and follow-up visits. A planned (minor-leak) repair may be left only
    before the dig: in its first ``dig_after`` (marking out, traffic control, locating); once
    the trench is open the crew finishes. Emergency work (closures, repairs, reopenings,
    flushing, tankers) and valve closures and openings of any kind are never interrupted: a
    valve half-shut is worse than either. A job with less than ``min_rest`` of work left is
    finished first (leaving would save nothing).
    """

    kinds: Mapping[JobKind, Interruption] = field(
        default_factory=lambda: {
            JobKind.LEAK_SURVEY: Interruption(dt.timedelta(minutes=5), dt.timedelta(minutes=5)),
            JobKind.VALVE_EXERCISE: Interruption(
                dt.timedelta(minutes=10), dt.timedelta(minutes=10)
            ),
            JobKind.SURVEY: Interruption(dt.timedelta(minutes=5), dt.timedelta(minutes=5)),
            JobKind.METER_INSTALLATION: Interruption(
                dt.timedelta(minutes=15), dt.timedelta(minutes=10)
            ),
            JobKind.FOLLOW_UP: Interruption(dt.timedelta(minutes=5), dt.timedelta(minutes=0)),
            JobKind.REPAIR: Interruption(dt.timedelta(minutes=15), dt.timedelta(minutes=15)),
        }
    )
    dig_after: dt.timedelta = dt.timedelta(minutes=30)
    min_rest: dt.timedelta = dt.timedelta(minutes=20)

    def interruption(
        self, job: FieldJob, started: dt.datetime, now: dt.datetime, end: dt.datetime
    ) -> Interruption | None:
        """How ``job`` (started at ``started``, planned to end at ``end``) may be left at
        ``now``; None when the crew must finish it."""
        rule = self.kinds.get(job.kind)
        if rule is None or job.emergency or not started <= now < end:
            return None
        if job.kind == JobKind.REPAIR and now - started >= self.dig_after:
            return None  # the trench is open
        if end - (now + rule.safe) < self.min_rest:
            return None
        return rule


DEFAULT_INTERRUPTION = InterruptionRules()


@dataclass(frozen=True)
class Suspension:
    """A started job left for an emergency: its crew leaves at ``leave``; ``rest`` is the rest
    of the work, a new job linked to the first (``FieldJob.rest_of``)."""

    job: str
    crew: str
    leave: dt.datetime
    rest: FieldJob
    why: str
    successors: tuple[str, ...] = ()  # the jobs that now follow the rest, not the first part

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "crew": self.crew,
            "leave": self.leave.isoformat(timespec="minutes"),
            "rest": self.rest.id,
            "rest_minutes": round(self.rest.duration.total_seconds() / 60),
            "why": self.why,
            "successors": list(self.successors),
        }


def take_over(links: Sequence[JobLink], left: Suspension) -> tuple[list[JobLink], Suspension]:
    """``links`` with the rest of a job left for an emergency in its place before its
    successors (a minor repair's reopenings follow the rest of the work), and the link from
    the first part to the rest; the suspension records which successors moved."""
    moved = tuple(lk.after for lk in links if lk.before == left.job)
    out = [replace(lk, before=left.rest.id) if lk.before == left.job else lk for lk in links]
    return [*out, JobLink(left.job, left.rest.id)], replace(left, successors=moved)


def rest_of(job: FieldJob, leave: dt.datetime, end: dt.datetime, rule: Interruption) -> FieldJob:
    """The rest of ``job`` when its crew leaves at ``leave`` instead of finishing at ``end``:
    the work left plus the restart, from ``leave`` on, with the job's deadline and priority,
    due when the job would have ended (so a crew not needed elsewhere carries on at once)."""
    base = job.rest_of or job.id
    count = job.part + 1
    return replace(
        job,
        id=f"{base}-part{count}",
        duration=(end - leave) + rule.restart,
        earliest=leave,
        latest_start=None,
        due=min(job.due, end + rule.restart) if job.due else end + rule.restart,
        description=f"{job.description} (rest, part {count})".strip(),
        rest_of=base,
        part=count,
        suspended=job.id,
    )
