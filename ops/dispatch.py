"""Day planning: the open work of a date, the crews on shift, one plan, and what is at risk.

:func:`plan_day` gathers the open field jobs (connection steps with their Table 1 deadlines,
repair chains, leak surveys, valve exercises, follow-up visits), the crews on shift that day,
builds the :mod:`routing` problem on the day's time axis (seconds since local midnight), solves
it and returns the plan with the jobs at risk of missing their deadlines. :func:`replan_emergency`
inserts an emergency repair during the day from the crews' positions, changing as little of the
published plan as it can; the outage windows of the repairs follow the new plan.

Rules (``docs/decisions.md``):

- a job whose hard deadline falls before the end of the day is mandatory that day; one due
  later is optional, and is carried to a later working day when that is cheaper;
- a job already past its deadline is planned as soon as possible (priority 5, no deadline) and
  reported at risk as ``overdue``;
- soft due times cost lateness by priority (:data:`LATENESS_COST`);
- a job is *at risk* when its deadline falls before the end of the next working day and the plan
  does not finish it on time today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ops.calendar import CalendarBasis, WorkCalendar, local_time
from ops.crews import CrewDay, gaps_on, shift_on, who_works
from ops.emergency import (
    DEFAULT_CALL_OUT,
    DEFAULT_INTERRUPTION,
    CallOutRules,
    InterruptionRules,
    Suspension,
    rest_of,
    take_over,
)
from ops.field import (
    JobProgress,
    as_reported,
    bar_given_up,
    explain_given_up,
    reported_places,
)
from ops.jobs import FieldJob, JobKind, JobLink, Location
from ops.repairs import OutageWindow, RepairCase, RepairChain, outage_window, repair_chain
from ops.steering import Steering, steer_problem, with_left_out
from routing import (
    DETAILS,
    Break,
    Crew,
    Job,
    Plan,
    Precedence,
    Problem,
    ProgressCallback,
    Shift,
    SolverOptions,
    TimeWindow,
    TravelModel,
    replan,
    solve,
)

EMERGENCY_LUNCH_DELAY = dt.timedelta(hours=2)
# An emergency is planned first, alone, with this share of the budget; the day is then planned
# around it (routing.solver's urgent_first): routine work yields.
EMERGENCY_SHARE = 0.3
# seconds of travel per second late, by priority (1..5)
LATENESS_COST = {1: 0.25, 2: 0.5, 3: 1.0, 4: 3.0, 5: 10.0}
DAY = 86_400
# the steps of an emergency whose every minute the public feels: water running out of the main
# until the closures, customers without water until the reopenings
OUTAGE_STEPS = frozenset({JobKind.VALVE_CLOSURE, JobKind.REPAIR, JobKind.VALVE_REOPENING})


@dataclass(frozen=True)
class CrewShift:
    """A crew as the roster knows it: skills, depot, daily shift and lunch.

    ``on_call`` crews also work on days off (emergency duty, 应急抢修).
    """

    id: str
    skills: frozenset[str]
    depot: Location
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(17, 0)
    lunch_from: dt.time | None = dt.time(11, 30)
    lunch_to: dt.time | None = dt.time(13, 0)
    lunch_minutes: int = 45
    end_depot: Location | None = None
    on_call: bool = False
    days: tuple[CrewDay, ...] = ()  # absences and shift changes by date (ops.crews)

    def to_dict(self) -> dict[str, Any]:
        def clock(value: dt.time | None) -> str | None:
            return None if value is None else value.strftime("%H:%M")

        return {
            "id": self.id,
            "skills": sorted(self.skills),
            "depot": list(self.depot),
            "start": clock(self.start),
            "end": clock(self.end),
            "lunch_from": clock(self.lunch_from),
            "lunch_to": clock(self.lunch_to),
            "lunch_minutes": self.lunch_minutes,
            "end_depot": list(self.end_depot) if self.end_depot else None,
            "on_call": self.on_call,
            **({"days": [d.to_dict() for d in self.days]} if self.days else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrewShift:
        def clock(value: str | None) -> dt.time | None:
            return None if value is None else dt.time.fromisoformat(value)

        end_depot = data.get("end_depot")
        # missing times take the fields' defaults (the class attributes): one home for them
        return cls(
            id=str(data["id"]),
            skills=frozenset(data["skills"]),
            depot=(float(data["depot"][0]), float(data["depot"][1])),
            start=clock(data.get("start")) or cls.start,
            end=clock(data.get("end")) or cls.end,
            lunch_from=clock(data.get("lunch_from")),
            lunch_to=clock(data.get("lunch_to")),
            lunch_minutes=int(data.get("lunch_minutes", cls.lunch_minutes)),
            end_depot=(float(end_depot[0]), float(end_depot[1])) if end_depot else None,
            on_call=bool(data.get("on_call", False)),
            days=tuple(CrewDay.from_dict(d) for d in data.get("days") or ()),
        )

    def to_crew(
        self,
        day: dt.date,
        *,
        dates: Sequence[dt.date] | None = None,
        current_location: Location | None = None,
        available_from: dt.datetime | None = None,
        lunch_delay: dt.timedelta = dt.timedelta(0),
    ) -> Crew:
        """The :class:`routing.model.Crew` of this shift on ``day``'s axis, with one shift on
        each of ``dates`` (default: ``day`` alone).

        ``lunch_delay`` lets the lunch window close that much later (on emergency days a crew
        does not stop a repair half-way for lunch; it eats when the job is done).
        """
        shifts = []
        for date in dates if dates is not None else (day,):
            offset = (date - day).days * DAY
            breaks: tuple[Break, ...] = ()
            s = shift_on(self, date) or self  # the date's hours (a shift change)
            if s.lunch_from is not None and s.lunch_to is not None and s.lunch_minutes:
                latest = _clock(s.lunch_to) + round(lunch_delay.total_seconds())
                breaks = (
                    Break(
                        TimeWindow(
                            offset + _clock(s.lunch_from),
                            offset + min(latest, _clock(s.end)),
                        ),
                        s.lunch_minutes * 60,
                    ),
                )
            for a, b in gaps_on(self, date):  # hours away inside the shift (ops.crews):
                begin = offset + _clock(a)  # a break that starts when they do and lasts them
                breaks += (Break(TimeWindow(begin, begin), _clock(b) - _clock(a)),)
            shifts.append(
                Shift(
                    offset + _clock(s.start),
                    offset + _clock(s.end),
                    breaks,
                    day=date.isoformat(),
                )
            )
        return Crew(
            id=self.id,
            skills=frozenset(str(s) for s in self.skills),
            start_location=self.depot,
            shifts=tuple(shifts),
            end_location=self.end_depot,
            current_location=current_location,
            available_from=None if available_from is None else to_seconds(available_from, day),
        )


def plan_begin(crews: Sequence[Crew]) -> int:
    """When a plan starts on its axis: the first crew's first moment of work."""
    starts = [max(s.start, c.available_from or s.start) for c in crews for s in c.shifts[:1]]
    return min(starts, default=0)


def _clock(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def to_seconds(moment: dt.datetime, day: dt.date) -> int:
    """``moment`` on the axis of ``day``: seconds since its local midnight."""
    local = local_time(moment).replace(tzinfo=None)
    return round((local - dt.datetime.combine(day, dt.time(0))).total_seconds())


def from_seconds(seconds: int, day: dt.date) -> dt.datetime:
    """A point of ``day``'s axis as a naive local datetime."""
    return dt.datetime.combine(day, dt.time(0)) + dt.timedelta(seconds=int(seconds))


def crews_on_shift(
    roster: Sequence[CrewShift], day: dt.date, calendar: WorkCalendar
) -> list[CrewShift]:
    """Every crew on a working day; only on-call crews on a day off; absent crews never, and
    each with the day's hours and duty (:func:`ops.crews.who_works`)."""
    return who_works(roster, day, calendar)


def plan_dates(day: dt.date, days: int, calendar: WorkCalendar) -> list[dt.date]:
    """The calendar dates a plan of ``days`` working days from ``day`` spans (``day`` itself
    always, even when it is a day off; then up to the ``days``-th working day)."""
    if days <= 1:
        return [day]
    last = calendar.working_days_from(day, days)[-1]
    return [day + dt.timedelta(days=k) for k in range((last - day).days + 1)]


def rostered(
    roster: Sequence[CrewShift], dates: Sequence[dt.date], calendar: WorkCalendar
) -> list[tuple[CrewShift, list[dt.date]]]:
    """Each crew with the dates it works: working days, and every day for on-call crews."""
    out = []
    for crew in roster:
        mine = [d for d in dates if crews_on_shift([crew], d, calendar)]
        if mine:
            out.append((crew, mine))
    return out


# The English of the at-risk details (the unplaced ones are routing's DETAILS), by key; the
# console holds the same keys in Chinese (``"msg:<key>"``).
AT_RISK_DETAILS: dict[str, str] = {
    "overdue_now": "due {due}: cannot be on time any more, planned at once",
    "was_due": "was due {due}",
    "planned_late": "planned to finish {end}, due {due}",
    "not_in_plan": "not in today's plan",
}


@dataclass(frozen=True)
class AtRisk:
    """A job that may miss its deadline, and why."""

    job_id: str
    source: str
    deadline: dt.datetime | None
    reason: str  # overdue, not_planned, planned_late, carried_over
    detail: str  # the English of key + params (see routing.model.DETAILS)
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def because(
        cls,
        job: FieldJob,
        deadline: dt.datetime | None,
        reason: str,
        key: str,
        /,
        **params: Any,
    ) -> AtRisk:
        text = (AT_RISK_DETAILS.get(key) or DETAILS[key]).format(**params)
        return cls(job.id, job.source, deadline, reason, text, key, params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "source": self.source,
            "deadline": self.deadline.isoformat(timespec="minutes") if self.deadline else None,
            "reason": self.reason,
            "detail": self.detail,
            "detail_key": self.key,
            "params": self.params,
        }


MOVED_TOLERANCE = dt.timedelta(minutes=15)  # a published job that starts this much off moved


@dataclass(frozen=True)
class MovedJob:
    """A published job that a re-plan gave another crew or time (``to`` None: left out)."""

    job: str
    from_crew: str
    from_start: dt.datetime
    to_crew: str | None
    to_start: dt.datetime | None
    why: str = ""  # what it yields to: the emergency tickets of the re-plan
    from_end: dt.datetime | None = None
    to_end: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        def at(t: dt.datetime | None) -> str | None:
            return None if t is None else t.isoformat(timespec="minutes")

        return {
            "job": self.job,
            "from": {
                "crew": self.from_crew,
                "start": at(self.from_start),
                "end": at(self.from_end),
            },
            "to": None
            if self.to_crew is None
            else {"crew": self.to_crew, "start": at(self.to_start), "end": at(self.to_end)},
            "why": self.why,
        }


def moved_jobs(
    before: Plan,
    after: Plan,
    day: dt.date,
    at: int,
    tolerance: dt.timedelta = MOVED_TOLERANCE,
    *,
    why: str = "",
) -> tuple[MovedJob, ...]:
    """Every job of the published plan ``before`` still to start at ``at`` whose crew changed,
    or whose start moved by more than ``tolerance``, in the re-planned ``after``, from → to;
    ``why``: what the re-plan was for (the emergency they yield to)."""
    was = {
        s.job_id: (r.crew_id, s.start, s.end)
        for r in before.routes
        for s in r.stops
        if s.start > at
    }
    now = {s.job_id: (r.crew_id, s.start, s.end) for r in after.routes for s in r.stops}
    limit = tolerance.total_seconds()
    out = []
    for job, (crew, start, end) in sorted(was.items(), key=lambda kv: kv[1][1]):
        new = now.get(job)
        if new is not None and new[0] == crew and abs(new[1] - start) <= limit:
            continue
        out.append(
            MovedJob(
                job,
                crew,
                from_seconds(start, day),
                None if new is None else new[0],
                None if new is None else from_seconds(new[1], day),
                why,
                from_seconds(end, day),
                None if new is None else from_seconds(new[2], day),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class PlanDiff:
    """Two plans of a day compared (:func:`plan_diff`): every job whose crew or time changed
    (``to`` None: no longer planned), and the jobs only the second plans."""

    changed: tuple[MovedJob, ...]
    added: tuple[MovedJob, ...]  # from_crew "" and no from times: new in the second plan

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": [m.to_dict() for m in self.changed if m.to_crew is not None],
            "removed": [m.to_dict() for m in self.changed if m.to_crew is None],
            "added": [{**m.to_dict(), "from": None} for m in self.added],
        }


def plan_diff(before: Plan, after: Plan, day: dt.date) -> PlanDiff:
    """What changed from ``before`` to ``after`` (two plans of ``day``): :func:`moved_jobs` of
    every stop, to the minute, and the jobs ``after`` adds."""
    changed = moved_jobs(before, after, day, -(10**9), dt.timedelta(0))
    planned = {s.job_id for r in before.routes for s in r.stops}
    added = tuple(
        MovedJob(
            s.job_id,
            "",
            from_seconds(s.start, day),
            r.crew_id,
            from_seconds(s.start, day),
            to_end=from_seconds(s.end, day),
        )
        for r in after.routes
        for s in sorted(r.stops, key=lambda s: s.start)
        if s.slot == 1 and s.job_id not in planned
    )
    return PlanDiff(changed, added)


@dataclass(frozen=True)
class DayPlan:
    """A date's plan, with the jobs it was made of and what is at risk."""

    day: dt.date
    plan: Plan
    jobs: tuple[FieldJob, ...]
    links: tuple[JobLink, ...]
    crews: tuple[CrewShift, ...]
    at_risk: tuple[AtRisk, ...]
    outage_windows: dict[str, OutageWindow] = field(default_factory=dict)
    repairs: tuple[RepairChain, ...] = ()
    future: tuple[FieldJob, ...] = ()  # open jobs that may not start in the plan
    dates: tuple[dt.date, ...] = ()  # the dates planned (a week view: several)
    calendar: CalendarBasis | None = None  # the holiday calendars the plan counted on
    moved: tuple[MovedJob, ...] = ()  # a re-plan: published jobs given another crew or time
    suspended: tuple[Suspension, ...] = ()  # a re-plan: started jobs left for an emergency

    def job(self, job_id: str) -> FieldJob:
        for j in self.jobs:
            if j.id == job_id:
                return j
        raise KeyError(job_id)

    def stop_times(self, job_id: str) -> tuple[dt.datetime, dt.datetime] | None:
        stop = self.plan.stop(job_id)
        if stop is None:
            return None
        return from_seconds(stop.start, self.day), from_seconds(stop.end, self.day)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = self.plan.to_dict()
        by_id = {j.id: j for j in self.jobs}
        for route, taken in zip(data["routes"], self.plan.routes, strict=True):
            if taken.geometry is not None:  # the road path, for maps (lon/lat, 6 decimals)
                route["geometry"] = {
                    "type": "LineString",
                    "coordinates": [
                        [round(float(x), 6), round(float(y), 6)]
                        for x, y in taken.geometry["coordinates"]
                    ],
                }
        for route in data["routes"]:
            for stop in route["stops"]:
                job = by_id.get(stop["job"])
                stop["kind"] = str(job.kind) if job else None
                stop["source"] = job.source if job else None
                stop["ticket"] = job.ticket if job else None
                stop["valve"] = job.valve if job else None
                stop["step"] = str(job.step) if job and job.step else None
                if job is not None:  # late by the job's own limit, as the at-risk list says
                    stop["deadline_status"] = lateness(job, from_seconds(stop["end"], self.day))
                for key in ("arrival", "start", "end"):
                    stop[key] = from_seconds(stop[key], self.day).isoformat(timespec="minutes")
            for key in ("depart", "arrive"):
                route[key] = from_seconds(route[key], self.day).isoformat(timespec="minutes")
            for brk in route["breaks"]:
                for key in ("start", "end"):
                    brk[key] = from_seconds(brk[key], self.day).isoformat(timespec="minutes")
        data["day"] = self.day.isoformat()
        data["days"] = [d.isoformat() for d in (self.dates or (self.day,))]
        data["at_risk"] = [a.to_dict() for a in self.at_risk]
        # late as the at-risk list says it (:func:`lateness`): overdue already, or planned to end
        # past the job's own limit; not the routing model's count, whose due of an outage step
        # is a cost device (every minute costs) and which misses a job late at the start
        overdue = {a.job_id for a in self.at_risk if a.reason == "overdue"}
        late = overdue | {
            s["job"] for r in data["routes"] for s in r["stops"] if s["deadline_status"] == "late"
        }
        data["summary"]["overdue"] = len(overdue)
        data["summary"]["late"] = len(late)
        data["outage_windows"] = {k: w.to_dict() for k, w in self.outage_windows.items()}
        data["not_yet_startable"] = [j.id for j in self.future]
        data["calendar"] = None if self.calendar is None else self.calendar.to_dict()
        data["moved"] = [m.to_dict() for m in self.moved]
        data["suspended"] = [{**x.to_dict(), "rest_job": x.rest.to_dict()} for x in self.suspended]
        return data


def routing_job(
    job: FieldJob,
    day: dt.date,
    day_end: int,
    *,
    begin: int = 0,
    ordinary_from: int | None = None,
) -> Job:
    """A :class:`routing.model.Job` on ``day``'s axis (``day_end``: when the last shift ends).

    ``begin``: when the plan starts (the first shift, or now): a job that cannot be finished
    by its deadline from then on is late already, and is planned as soon as possible instead
    of being left out. ``ordinary_from``: jobs that are not part of an emergency start no
    earlier (crews called out at night do only emergency work before the ordinary shifts).
    That they also end with their crew's shift, when crews have overtime for an emergency,
    is the shift's (:meth:`routing.model.Shift.finish_by`).
    """
    duration = round(job.duration.total_seconds())
    earliest = 0 if job.earliest is None else max(0, to_seconds(job.earliest, day))
    if ordinary_from is not None and not job.emergency:
        earliest = max(earliest, ordinary_from)
    latest = None if job.latest_start is None else to_seconds(job.latest_start, day)
    windows: tuple[TimeWindow, ...] = ()
    if latest is not None:
        windows = (TimeWindow(earliest, max(earliest, latest)),)
        if latest < earliest:  # nothing fits: an empty window the solver explains
            windows = (TimeWindow(earliest, earliest),)
            latest = earliest
    elif earliest > 0:
        windows = (TimeWindow(earliest, max(earliest, day_end + 30 * DAY)),)
    deadline = None if job.deadline is None else to_seconds(job.deadline, day)
    priority, mandatory = job.priority, job.mandatory
    if deadline is not None and deadline - duration < begin:  # late already: at once
        deadline, priority, mandatory = None, 5, True
    elif deadline is not None and deadline <= day_end:
        mandatory = True
    due = None if job.due is None else to_seconds(job.due, day)
    if job.emergency and job.kind in OUTAGE_STEPS and due is not None:
        # time to isolation and customer-hours come before travel: the water runs out of a
        # burst main until its valves are shut, and the customers are without water until they
        # are reopened, so every minute costs, not only those past the response or
        # restoration target (which stays the job's due for the at-risk report)
        due = max(begin, earliest) + duration
    return Job(
        id=job.id,
        location=job.location,
        duration=duration,
        kind=str(job.kind),
        skills=frozenset(str(s) for s in job.skills),
        windows=windows,
        deadline=deadline,
        due=due,
        lateness_cost=LATENESS_COST[priority] if due is not None else 0.0,
        priority=priority,
        mandatory=mandatory,
        crews_required=job.crews_required,
        urgent=job.emergency,
    )


def _called_out(
    on_shift: Sequence[tuple[CrewShift, list[dt.date]]],
    crews: list[Crew],
    now: dt.datetime,
    day: dt.date,
    rules: CallOutRules,
) -> tuple[list[Crew], dict[str, int], int | None]:
    """An emergency reported at ``now``, planned on ``day`` (by a day plan or a re-plan): the
    crews with the on-call ones called out (:func:`_call_out`), their duty's end, and when the
    ordinary work may start (with the ordinary shifts, when a crew was called out). A report on
    another day calls nobody out."""
    if local_time(now).date() != day:
        return crews, {}, None
    called, max_end = _call_out(on_shift, crews, now, day, rules)
    ordinary_from = min(_clock(c.start) for c, _ in on_shift) if max_end else None
    return called, max_end, ordinary_from


def _call_out(
    on_shift: Sequence[tuple[CrewShift, list[dt.date]]],
    crews: Sequence[Crew],
    now: dt.datetime,
    day: dt.date,
    rules: CallOutRules,
) -> tuple[list[Crew], dict[str, int]]:
    """The crews with the on-call ones called out at ``now``: their first shift starts when
    they can leave, and ends within ``max_duty`` (the limit also caps overtime). Called out
    in the evening, after their shift, they do emergency work only: the night's work has no
    ordinary part (ordinary work starts with the shifts)."""
    out, max_end = [], {}
    for (roster, _), crew in zip(on_shift, crews, strict=True):
        leave = rules.call_out(shift_on(roster, day) or roster, now)  # the day's on-call duty
        first = crew.shifts[0] if crew.shifts else None
        if leave is None or first is None or first.day != day.isoformat():
            out.append(crew)
            continue
        at = to_seconds(leave, day)
        start, end = rules.called_out_shift(first.start, first.end, at)
        breaks = first.breaks if at < first.start else ()  # a night's work has no lunch
        ordinary = end if at < first.start else start  # nor ordinary work
        called = replace(first, start=start, end=end, breaks=breaks, ordinary_end=ordinary)
        shifts = (called, *crew.shifts[1:])
        out.append(replace(crew, shifts=shifts, available_from=at))
        max_end[crew.id] = start + round(rules.max_duty.total_seconds())
    return out, max_end


def _problem(
    day: dt.date,
    jobs: Sequence[FieldJob],
    links: Sequence[JobLink],
    crews: Sequence[Crew],
    travel: TravelModel | None,
    overtime: dt.timedelta = dt.timedelta(0),
    *,
    max_end: Mapping[str, int] | None = None,
    ordinary_from: int | None = None,
    on_duty: Mapping[str, int] | None = None,
    now: int | None = None,
) -> tuple[Problem, list[FieldJob], list[FieldJob]]:
    """The routing problem of ``day``. ``overtime``: for emergency work past each shift;
    ``max_end``: a called-out crew's duty limit; ``on_duty``: how late an on-call crew at work
    may go on with emergency work (:meth:`CallOutRules.on_duty_until`); ``now``: a crew whose
    shift is over by then has gone home and gets no overtime (it is called out, or not)."""
    begin = plan_begin(crews)
    extra = round(overtime.total_seconds())
    if extra > 0 or max_end or on_duty:
        crews = [
            _with_overtime(
                c,
                extra,
                (max_end or {}).get(c.id),
                (on_duty or {}).get(c.id),
                gone=now,
            )
            for c in crews
        ]
    day_end = max((s.end for c in crews for s in c.shifts), default=DAY)
    today, later = [], []
    for job in jobs:
        if job.earliest is not None and to_seconds(job.earliest, day) >= day_end:
            later.append(job)
        else:
            today.append(job)
    ids = {j.id for j in today}
    precedences = tuple(
        Precedence(
            link.before,
            link.after,
            round(link.gap.total_seconds()),
            None if link.max_gap is None else round(link.max_gap.total_seconds()),
            link.required,
        )
        for link in links
        if link.before in ids and link.after in ids
    )
    problem = Problem(
        crews=tuple(crews),
        jobs=tuple(
            routing_job(j, day, day_end, begin=begin, ordinary_from=ordinary_from) for j in today
        ),
        precedences=precedences,
        travel=travel,
    )
    return problem, today, later


def _on_duty(
    on_shift: Sequence[tuple[CrewShift, list[dt.date]]],
    crews: Sequence[Crew],
    day: dt.date,
    rules: CallOutRules,
    emergency: bool,
) -> dict[str, int]:
    """How late each on-call crew at work on ``day`` may go on with emergency work."""
    out = {}
    for (roster, _), crew in zip(on_shift, crews, strict=True):
        first = crew.shifts[0] if crew.shifts else None
        if first is None or first.day != day.isoformat():
            continue
        until = rules.on_duty_until(shift_on(roster, day) or roster, first.start, emergency)
        if until is not None:
            out[crew.id] = until
    return out


def _with_overtime(
    crew: Crew,
    extra: int,
    duty_end: int | None = None,
    on_duty: int | None = None,
    *,
    gone: int | None = None,
) -> Crew:
    """``crew`` with ``extra`` seconds of overtime after each of its shifts, for emergency
    work only: its ordinary work still ends with the shift (``Shift.ordinary_end``), its own,
    not the latest of all crews'. ``duty_end``: a called-out crew's first shift ends by then
    (``max_duty``), overtime included. ``on_duty``: an on-call crew's first shift may go on
    with emergency work until then. ``gone``: a shift over by then gets no overtime (the crew
    went home)."""
    shifts = []
    for k, shift in enumerate(crew.shifts):
        end = shift.end + extra
        if k == 0 and on_duty is not None:
            end = max(end, on_duty)
        if k == 0 and duty_end is not None:
            end = min(end, duty_end)
        if gone is not None and shift.end <= gone and duty_end is None:
            end = shift.end
        ordinary = shift.end if shift.ordinary_end is None else shift.ordinary_end
        shifts.append(replace(shift, end=end, ordinary_end=min(ordinary, end)))
    return replace(crew, shifts=tuple(shifts))


def plan_day(
    day: dt.date,
    jobs: Sequence[FieldJob],
    links: Sequence[JobLink],
    roster: Sequence[CrewShift],
    calendar: WorkCalendar,
    *,
    repairs: Sequence[RepairCase | RepairChain] = (),
    travel: TravelModel | None = None,
    seconds: float = SolverOptions.seconds,
    overtime: dt.timedelta | None = None,
    now: dt.datetime | None = None,
    on_progress: ProgressCallback | None = None,
    days: int = 1,
    call_out: CallOutRules = DEFAULT_CALL_OUT,
    steering: Steering | None = None,
    solution_limit: int | None = None,
    previous: Plan | None = None,
) -> DayPlan:
    """Plan ``day`` (or ``days`` working days from it, a week view): every open job that may
    start by the end of the plan, the crews on shift each day.

    With emergency jobs and ``now`` outside the shifts (a burst at night, on a day off), the
    crews on call are called out (:mod:`ops.emergency`): they start after the call-out delay
    and work at most its ``max_duty``; only emergency work is done before the ordinary shifts.

    Parameters
    ----------
    jobs, links
        The open field jobs and their precedences (links to jobs already done are ignored).
    repairs
        The repair cases behind some of the jobs, for their outage windows.
    travel
        A :mod:`routing.travel` model (the road network); straight line when None.
    seconds
        Solver time limit.
    solution_limit
        Stop the search after this many solutions (``seconds`` still bounds it): the same
        plan whatever the machine's load, for tests and benchmarks.
    overtime
        How long crews may stay past their shift for emergency jobs (``FieldJob.emergency``);
        every other job still ends within its own crew's shift. Default: ``call_out.overtime``
        when there is emergency work, none otherwise.
    now
        Plan from this moment on (crews leave their depots then); default: the shifts' start.
    on_progress
        Solver progress callback; returning True stops the search with the best plan so far
        (:func:`routing.solver.solve`).
    days
        Working days to plan at once: a job due later in the week is placed on the day where
        it costs least and is still on time (carried over, not dropped).
    steering
        What a dispatcher fixed (:mod:`ops.steering`): pins, locked routes, jobs taken out.
    previous
        A re-solve: the plan steered, which the solve starts from and changes only where that
        is better by the objective (:func:`routing.solver.solve`).
    """
    dates = plan_dates(day, days, calendar)
    on_shift = rostered(roster, dates, calendar)
    emergency = any(j.emergency for j in jobs)
    if overtime is None:
        overtime = call_out.overtime if emergency else dt.timedelta(0)
    delay = EMERGENCY_LUNCH_DELAY if emergency else dt.timedelta(0)
    crews = [
        c.to_crew(day, dates=mine, lunch_delay=delay, available_from=now) for c, mine in on_shift
    ]
    max_end: dict[str, int] = {}
    ordinary_from = None
    if emergency and now is not None:
        crews, max_end, ordinary_from = _called_out(on_shift, crews, now, day, call_out)
    duty = _on_duty(on_shift, crews, day, call_out, emergency)
    problem, today, later = _problem(
        day,
        jobs,
        links,
        crews,
        travel,
        overtime,
        max_end=max_end,
        ordinary_from=ordinary_from,
        on_duty=duty,
        now=None if now is None or local_time(now).date() != day else to_seconds(now, day),
    )
    # the emergency first, the day around it (routing.solver: urgent_first)
    first = EMERGENCY_SHARE if emergency and now is not None else 0.0
    steering = steering or Steering()
    plan = solve(
        steer_problem(problem, steering, day),
        SolverOptions(seconds=seconds, urgent_first=first, solution_limit=solution_limit),
        previous=previous,
        on_progress=on_progress,
    )
    plan = with_left_out(plan, steering, {j.id: j.mandatory for j in problem.jobs})
    crews_used = [c for c, _ in on_shift]
    return _day_plan(
        day, plan, today, later, links, crews_used, calendar, repairs, dates, plan_begin(crews)
    )


def _day_plan(
    day: dt.date,
    plan: Plan,
    today: Sequence[FieldJob],
    later: Sequence[FieldJob],
    links: Sequence[JobLink],
    crews: Sequence[CrewShift],
    calendar: WorkCalendar,
    repairs: Sequence[RepairCase | RepairChain],
    dates: Sequence[dt.date] = (),
    begin: int = 0,
) -> DayPlan:
    last = dates[-1] if dates else day
    at_risk = _at_risk(day, plan, today, calendar, last, begin)
    # the plan's dates and the next working day, which the at-risk check looks at
    horizon = calendar.working_days_from(last + dt.timedelta(days=1), 1)[0]
    chains = tuple(repair_chain(r) for r in repairs)
    windows = {chain.ticket: outage_window(chain, plan, day) for chain in chains}
    return DayPlan(
        day=day,
        plan=plan,
        jobs=tuple(today),
        links=tuple(links),
        crews=tuple(crews),
        at_risk=tuple(at_risk),
        outage_windows=windows,
        repairs=chains,
        future=tuple(later),
        dates=tuple(dates) or (day,),
        calendar=calendar.basis(day, horizon),
    )


def job_limit(job: FieldJob) -> dt.datetime | None:
    """When ``job`` is late after (local, naive): its hard deadline, else its due."""
    limit = job.deadline or job.due
    return None if limit is None else local_time(limit).replace(tzinfo=None)


def lateness(job: FieldJob, end: dt.datetime) -> str:
    """A planned job's status by its own limit (:func:`job_limit`): ``late`` when it ends
    past it, ``on_time``, or ``no_deadline``. The one rule of the plan's summary, its stops
    and its at-risk list (``planned_late``, and ``overdue``: a job that cannot be on time from
    the plan's start ends past its limit too)."""
    limit = job_limit(job)
    if limit is None:
        return "no_deadline"
    return "late" if end > limit else "on_time"


def _at_risk(
    day: dt.date,
    plan: Plan,
    jobs: Sequence[FieldJob],
    calendar: WorkCalendar,
    last: dt.date,
    begin: int = 0,
) -> list[AtRisk]:
    start_of_day = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(seconds=begin)
    next_days = calendar.working_days_from(last + dt.timedelta(days=1), 1)
    horizon = dt.datetime.combine(next_days[0], dt.time(23, 59))
    left_out = {u.job_id: u for u in plan.unassigned}
    out = []
    for job in jobs:
        limit = job_limit(job)
        stop = plan.stop(job.id)
        if limit is not None and limit - job.duration < start_of_day:
            out.append(
                AtRisk.because(
                    job,
                    limit,
                    "overdue",
                    "overdue_now" if limit > start_of_day else "was_due",
                    due=f"{limit:%Y-%m-%d %H:%M}",
                )
            )
            continue
        if stop is not None:
            end = from_seconds(stop.end, day)
            if limit is not None and lateness(job, end) == "late":
                out.append(
                    AtRisk.because(
                        job,
                        limit,
                        "planned_late",
                        "planned_late",
                        end=f"{end:%H:%M}",
                        due=f"{limit:%Y-%m-%d %H:%M}",
                    )
                )
            continue
        if limit is None or limit > horizon:
            continue
        u = left_out.get(job.id)
        reason = "carried_over" if u is not None and u.reason == "carried_over" else "not_planned"
        if u is not None and u.key:
            out.append(AtRisk.because(job, limit, reason, u.key, **u.params))
        elif u is not None:  # a plan stored before details had keys
            out.append(AtRisk(job.id, job.source, limit, reason, u.detail))
        else:
            out.append(AtRisk.because(job, limit, reason, "not_in_plan"))
    return out


def replan_emergency(
    current: DayPlan,
    now: dt.datetime,
    new_jobs: Sequence[FieldJob],
    new_links: Sequence[JobLink] = (),
    *,
    new_repairs: Sequence[RepairCase | RepairChain] = (),
    positions: Mapping[str, Location] | None = None,
    calendar: WorkCalendar,
    travel: TravelModel | None = None,
    seconds: float = SolverOptions.seconds,
    solution_limit: int | None = None,
    overtime: dt.timedelta | None = None,
    on_progress: ProgressCallback | None = None,
    interruption: InterruptionRules = DEFAULT_INTERRUPTION,
    steering: Steering | None = None,
    progress: Mapping[str, JobProgress] | None = None,
) -> DayPlan:
    """Insert new (urgent) jobs into a published day plan at ``now``.

    Jobs started by ``now`` stay with their crews; crews continue from ``positions`` (GPS, when
    known) or from where the plan has them; the published plan is the starting point and moving
    a job to another crew costs, so as little changes as the emergency needs. Crews may work
    up to ``overtime`` past their shift on emergency jobs. A job whose chain has begun (a valve
    of its repair is closed) becomes mandatory: the water must come back. Outage windows of
    every repair follow the new plan. At ``now`` outside the shifts (a burst at night), the
    crews on call are called out as for a day planned then (:func:`plan_day`).

    For an emergency, a crew able to do some of its work may leave a started job that
    ``interruption`` allows (:mod:`ops.emergency`): it leaves the site safe, and the rest of
    the work becomes a new job, linked to the first, which takes over the first's successors
    (``DayPlan.suspended``). A crew that is not needed for the emergency finishes its job.
    A crew at lunch is called from it: the break ends at ``now`` (the crew eats in turns on
    site during a long emergency job).

    ``progress``: what the crews reported of their jobs by ``now`` (the field app): a crew
    that reported is where its reports put it, not where the plan's times do
    (:func:`ops.field.as_reported`): a job reported started stays with it from then, one
    reported done is not planned again, one it could not do is planned again (and the crew
    starts from that job's place unless ``positions`` says where it went since).
    """
    positions = positions or {}
    progress = progress or {}
    if progress:
        went = as_reported(current.plan, current.day, progress, now)
        positions = {**reported_places(went, progress.values()), **positions}
        finished = {k for k, p in progress.items() if p.done is not None and p.done <= now}
        current = replace(
            current,
            plan=went,  # a job done that the plan did not place is not planned again
            jobs=tuple(j for j in current.jobs if j.id not in finished or went.stop(j.id)),
            future=tuple(j for j in current.future if j.id not in finished),
        )
    if overtime is None:  # the call-out rules' default, as for a day plan
        overtime = DEFAULT_CALL_OUT.overtime
    day = current.day
    dates = list(current.dates or (day,))
    crews = [
        c.to_crew(
            day,
            dates=mine,
            current_location=positions.get(c.id),
            lunch_delay=EMERGENCY_LUNCH_DELAY,
        )
        for c, mine in rostered(current.crews, dates, calendar)
    ]
    at = to_seconds(now, day)
    begun = {
        j.source
        for j in current.jobs
        if (stop := current.plan.stop(j.id)) is not None and stop.start <= at
    }
    jobs = [
        replace(j, mandatory=True) if j.source in begun and j.emergency else j
        for j in (*current.jobs, *current.future)
    ]
    jobs += list(new_jobs)
    links = [*current.links, *new_links]
    urgent = [j for j in new_jobs if j.emergency]
    leaving = _may_leave(current, now, urgent, jobs, interruption)
    for key, left in leaving.items():
        jobs.append(left.rest)
        links, leaving[key] = take_over(links, left)
    rosters = rostered(current.crews, dates, calendar)
    max_end: dict[str, int] = {}
    ordinary_from = None
    if urgent:  # a burst at night: as a day planned then
        crews, max_end, ordinary_from = _called_out(rosters, crews, now, day, DEFAULT_CALL_OUT)
    duty = _on_duty(rosters, crews, day, DEFAULT_CALL_OUT, bool(urgent))
    problem, today, later = _problem(
        day,
        jobs,
        links,
        crews,
        travel,
        overtime,
        max_end=max_end,
        ordinary_from=ordinary_from,
        on_duty=duty,
        now=at,
    )
    first = EMERGENCY_SHARE if urgent else 0.0
    steering = steering or Steering()
    plan = replan(
        steer_problem(bar_given_up(problem, progress), steering, day),
        current.plan,
        at,
        SolverOptions(seconds=seconds, urgent_first=first, solution_limit=solution_limit),
        on_progress=on_progress,
        suspend={k: (to_seconds(s.leave, day), s.rest.id) for k, s in leaving.items()},
        calls_from_breaks=bool(urgent),
    )
    plan = explain_given_up(plan, progress)
    plan = with_left_out(plan, steering, {j.id: j.mandatory for j in problem.jobs})
    kept = plan.stats.get("suspended", {})
    for job_id, s in leaving.items():  # a crew not needed elsewhere finished its job
        if job_id not in kept:
            today = [j for j in today if j.id != s.rest.id]
            links = [lk for lk in links if lk.after != s.rest.id]
            links = [replace(lk, before=job_id) if lk.before == s.rest.id else lk for lk in links]
    repairs = [*current.repairs, *new_repairs]
    after = _day_plan(day, plan, today, later, links, current.crews, calendar, repairs, dates, at)
    suspended = tuple(s for k, s in leaving.items() if k in kept)
    why = ", ".join(sorted({j.source for j in urgent}))
    moved = moved_jobs(current.plan, plan, day, at, why=why)
    return replace(after, moved=moved, suspended=suspended)


def _may_leave(
    current: DayPlan,
    now: dt.datetime,
    urgent: Sequence[FieldJob],
    jobs: Sequence[FieldJob],
    rules: InterruptionRules,
) -> dict[str, Suspension]:
    """The started jobs of ``current`` whose crews may leave them at ``now`` for the
    ``urgent`` jobs: a job the rules let be interrupted, of a crew that can do one of them."""
    if not urgent:
        return {}
    day = current.day
    skills = {c.id: c.skills for c in current.crews}
    by_id = {j.id: j for j in jobs}
    at = to_seconds(now, day)
    out = {}
    for route in current.plan.routes:
        able = skills.get(route.crew_id, frozenset())
        if not any(j.skills <= able for j in urgent):
            continue
        for stop in route.stops:
            job = by_id.get(stop.job_id)
            if job is None or job.crews_required != 1 or not stop.start <= at < stop.end:
                continue
            start, end = from_seconds(stop.start, day), from_seconds(stop.end, day)
            rule = rules.interruption(job, start, from_seconds(at, day), end)
            if rule is None:
                continue
            leave = from_seconds(at, day) + rule.safe
            why = ", ".join(sorted({j.source for j in urgent if j.skills <= able}))
            out[job.id] = Suspension(
                job.id, route.crew_id, leave, rest_of(job, leave, end, rule), why
            )
    return out


class Case(Protocol):
    """A case with field jobs: :class:`ops.connections.ConnectionCase`,
    :class:`ops.repairs.RepairCase`."""

    @property
    def jobs(self) -> Sequence[FieldJob]: ...

    @property
    def links(self) -> Sequence[JobLink]: ...


def jobs_of(cases: Iterable[Case]) -> tuple[list[FieldJob], list[JobLink]]:
    """The jobs and links of connection and repair cases, together."""
    jobs: list[FieldJob] = []
    links: list[JobLink] = []
    for case in cases:
        jobs.extend(case.jobs)
        links.extend(case.links)
    return jobs, links
