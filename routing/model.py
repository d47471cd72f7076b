"""Value objects of crew scheduling: the solver's input and output (docs/design.md §5).

Times are whole seconds on one time axis chosen by the caller (``ops/`` uses seconds since
midnight of the first planned day), so a week plan is the same model as a day plan. Locations
are WGS84 longitude/latitude pairs. Nothing here knows of HTTP, databases or pipe networks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from routing.errors import InvalidProblem

if TYPE_CHECKING:
    from routing.travel import TravelModel

Location = tuple[float, float]  # (lon, lat), WGS84

HOUR = 3600
MINUTE = 60
IN_TURNS = 2 * HOUR  # an urgent job this long: its crew may take its breaks in turns on site


@dataclass(frozen=True)
class TimeWindow:
    """Service may start at any time from ``start`` to ``end`` (inclusive), in seconds."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidProblem(
                f"time window ends ({self.end}) before it starts ({self.start})",
                code="window_reversed",
            )


@dataclass(frozen=True)
class Break:
    """A break of ``duration`` seconds that must start within ``window`` (e.g. lunch)."""

    window: TimeWindow
    duration: int


@dataclass(frozen=True)
class Shift:
    """One working period of a crew: a day, with its breaks.

    ``end`` is when the crew's work may end at the latest, overtime included. With overtime,
    ``ordinary_end`` is the end of the shift as rostered: from then on the crew works on
    urgent jobs only (``Job.urgent``, an emergency), and every other job of the shift must be
    finished by then (:meth:`finish_by`). None: no overtime.
    """

    start: int
    end: int
    breaks: tuple[Break, ...] = ()
    day: str | None = None  # label for reports, e.g. "2026-11-26"
    ordinary_end: int | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidProblem(
                f"shift ends ({self.end}) before it starts ({self.start})", code="shift_reversed"
            )
        if self.ordinary_end is not None and not self.start <= self.ordinary_end <= self.end:
            raise InvalidProblem(
                f"shift {self.start}-{self.end}: its ordinary work ends ({self.ordinary_end}) "
                "outside it",
                code="shift_ordinary_outside",
            )

    def finish_by(self, job: Job) -> int:
        """When ``job`` must be finished in this shift: ``end`` for an urgent job, the end of
        the ordinary shift for any other."""
        if job.urgent or self.ordinary_end is None:
            return self.end
        return self.ordinary_end


@dataclass(frozen=True)
class Crew:
    """A field crew.

    Parameters
    ----------
    start_location, end_location
        Depot where shifts start and end (``end_location`` None: back where it started).
    shifts
        One or more working periods; each becomes a route in the plan.
    current_location, available_from
        For re-planning: where the crew is now and when it is free (after its job in progress).
    capacity
        Optional load limit (used by the Solomon benchmark; field crews rarely need it).
    """

    id: str
    skills: frozenset[str]
    start_location: Location
    shifts: tuple[Shift, ...]
    end_location: Location | None = None
    current_location: Location | None = None
    available_from: int | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class Job:
    """A job for a crew.

    Parameters
    ----------
    windows
        Service must start inside one of them; empty means any time in a shift.
    deadline
        Hard: the job must be finished by then (Table 1 deadlines, repair targets).
    due, lateness_cost
        Soft: finishing after ``due`` costs ``lateness_cost`` seconds of travel per second late
        (fractions allowed).
    priority
        1 (low) to 5 (emergency); weighs the cost of leaving an optional job out.
    mandatory
        A mandatory job is never left out while any crew can do it.
    pinned_crew
        Only this crew may do the job.
    barred_crews
        These crews may not do the job (a dispatcher locked their routes: they take no other
        work).
    urgent
        Part of an emergency: with ``SolverOptions.urgent_first`` it is planned first and the
        rest of the work around it.
    crews_required
        2 for jobs that need two crews starting together (a large main repair).
    """

    id: str
    location: Location
    duration: int
    kind: str = "job"
    skills: frozenset[str] = frozenset()
    windows: tuple[TimeWindow, ...] = ()
    deadline: int | None = None
    due: int | None = None
    lateness_cost: float = 0.0
    priority: int = 3
    mandatory: bool = False
    pinned_crew: str | None = None
    crews_required: int = 1
    demand: int = 0
    urgent: bool = False
    barred_crews: frozenset[str] = frozenset()

    def may_go_to(self, crew: Crew) -> bool:
        """Whether ``crew`` may do this job: it has the skills, is the pinned crew (when the
        job has one) and is not barred from it."""
        return (
            self.skills <= crew.skills
            and self.pinned_crew in (None, crew.id)
            and crew.id not in self.barred_crews
        )

    @property
    def breaks_in_turns(self) -> bool:
        """Whether a crew may take its breaks in turns during this job, on site: an urgent job
        of at least :data:`IN_TURNS` (a burst's repair does not stop for lunch). The job still
        ends ``duration`` after its start — its successors follow that end — and the crew's
        own next job comes after the break, as after any other job."""
        return self.urgent and self.duration >= IN_TURNS

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise InvalidProblem(
                f"job {self.id}: negative duration", code="job_duration", job=self.id
            )
        if self.crews_required not in (1, 2):
            raise InvalidProblem(
                f"job {self.id}: crews_required must be 1 or 2", code="job_crews", job=self.id
            )
        if not 1 <= self.priority <= 5:
            raise InvalidProblem(
                f"job {self.id}: priority must be 1..5", code="job_priority", job=self.id
            )


@dataclass(frozen=True)
class Precedence:
    """``after`` may start only ``gap`` seconds after ``before`` ends (any crews).

    ``max_gap``: and no later than that many seconds after ``before`` ends (e.g. a repair must
    follow the valve closures closely, so the outage is no longer than the work needs).

    ``required``: ``before`` may only be planned together with ``after`` (a valve closed must be
    reopened): a plan that could place ``before`` but not ``after`` leaves both out.
    """

    before: str
    after: str
    gap: int = 0
    max_gap: int | None = None
    required: bool = False

    def __post_init__(self) -> None:
        if self.max_gap is not None and self.max_gap < self.gap:
            raise InvalidProblem(
                f"precedence {self.before} -> {self.after}: max_gap ({self.max_gap}) is "
                f"below gap ({self.gap})",
                code="precedence_gap",
                before=self.before,
                after=self.after,
            )


@dataclass(frozen=True)
class Problem:
    """A scheduling problem: crews, jobs, precedences and the travel times between them."""

    crews: tuple[Crew, ...]
    jobs: tuple[Job, ...]
    precedences: tuple[Precedence, ...] = ()
    travel: TravelModel | None = None  # None: straight line at default speed

    def job(self, job_id: str) -> Job:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)


@dataclass(frozen=True)
class Stop:
    """A job on a route, with its times (seconds).

    ``slot``: which crew of the job this stop is, 1 or 2 (a two-crew job has a stop on the
    route of each of its crews, with the same ``job_id``: 1 for the first, 2 for the second).
    """

    job_id: str
    arrival: int
    start: int
    end: int
    travel: int  # from the previous stop
    deadline_status: str  # on_time, late (soft due missed), no_deadline
    location: Location | None = None
    slot: int = 1

    @property
    def key(self) -> tuple[str, int]:
        """The job and the crew's place in it: unique among the stops of a plan."""
        return self.job_id, self.slot

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "slot": self.slot,
            "arrival": self.arrival,
            "start": self.start,
            "end": self.end,
            "travel": self.travel,
            "deadline_status": self.deadline_status,
        }


@dataclass(frozen=True)
class BreakTaken:
    start: int
    end: int


@dataclass(frozen=True)
class Route:
    """One shift of one crew: the ordered stops and totals."""

    crew_id: str
    shift: int  # index into the crew's shifts
    day: str | None
    depart: int
    arrive: int
    stops: tuple[Stop, ...]
    breaks: tuple[BreakTaken, ...]
    travel_time: int
    work_time: int
    distance_m: float
    geometry: dict[str, Any] | None = None  # GeoJSON LineString following the roads
    start_location: Location | None = None
    end_location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "crew": self.crew_id,
            "shift": self.shift,
            "day": self.day,
            "depart": self.depart,
            "arrive": self.arrive,
            "stops": [s.to_dict() for s in self.stops],
            "breaks": [{"start": b.start, "end": b.end} for b in self.breaks],
            "travel_time": self.travel_time,
            "work_time": self.work_time,
            "distance_m": round(self.distance_m, 1),
        }


# The English of every reason's detail, by key. Clients that speak another language keep the
# same keys (the console: ``"msg:<key>"`` in api/web/static/js/i18n.js, held in step by a test)
# and fill in ``params``; ``detail`` is the English, for logs, the CLI and older clients.
DETAILS: dict[str, str] = {
    "no_crew_shift": "no crew has a shift in the plan",
    "no_crew_available": "no crew shift is available",
    "no_solution": "the solver found no plan in time",
    "pinned_crew_absent": "pinned to crew {crew}, which is not in the plan",
    "pinned_crew_no_shift": "pinned to crew {crew}, which has no free shift in the plan",
    "pinned_crew_no_skill": "pinned to crew {crew}, which lacks the skill(s) {skills}",
    "no_skill": "no crew has the skill(s) {skills}",
    "needs_two_crews": "needs two crews with {skills}; only {count} has it",
    "window_outside_shifts": (
        "its window ({windows}) and deadline fall outside every capable crew's shift"
    ),
    "deadline_before_shifts": (
        "its deadline ({deadline}) leaves no capable crew's shift time for its {minutes} min "
        "of work"
    ),
    "shifts_over": "every capable crew's shift is over before its {minutes} min of work can start",
    "break_conflict": (
        "the lunch break cannot be taken around it: window {windows}, {minutes} min of work"
    ),
    "window_unreachable": (
        "no capable crew can reach it within its window ({windows}) from its depot"
    ),
    "shift_too_short": "{minutes} min of work plus travel does not fit any capable crew's shift",
    "precedence_cycle": "its precedences form a cycle (it must follow itself)",
    "follows_missing": "must follow job {job}, which is not in the problem",
    "follows_unplannable": "must follow job {job}, which cannot be planned ({reason})",
    "follows_too_late": (
        "must start after job {job} ends (earliest {earliest}), but its window closes at {latest}"
    ),
    "carried_over": "due by {due}, after this plan: left for a later day",
    "follows_unplanned": "must follow job {job}, which is not planned",
    "followed_by_unplannable": (
        "must be followed by job {job}, which cannot be planned: left out so that nothing is "
        "left half-done"
    ),
    "no_two_crews_free": "no two capable crews are free at the same time in its window",
    "fully_booked": "the crews that can do it ({crews}) are fully booked in its window",
    "crews_locked": "the crews that can do it ({crews}) have their routes locked",
    "left_out_by_dispatcher": "left out of the plan by {by}: {why}",
    "given_up_by_crew": (
        "crew {crew} could not do it (reported at {at}) and no other crew can take it in this plan"
    ),
}


@dataclass(frozen=True)
class Unassigned:
    """A job the plan leaves out, and why: a reason code, and a detail (``key`` + ``params``,
    rendered in English as ``detail``)."""

    job_id: str
    reason: str  # a code: no_skill, window_unreachable, shift_too_short, break_conflict, ...
    detail: str
    mandatory: bool = False
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def because(
        cls, job_id: str, reason: str, mandatory: bool, key: str, /, **params: Any
    ) -> Unassigned:
        return cls(job_id, reason, DETAILS[key].format(**params), mandatory, key, params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "reason": self.reason,
            "detail": self.detail,
            "detail_key": self.key,
            "params": self.params,
            "mandatory": self.mandatory,
        }


@dataclass(frozen=True)
class Plan:
    """The solver's answer: always a plan, with the jobs it could not place explained."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: int
    solve_seconds: float
    status: str
    moved: tuple[str, ...] = ()  # re-planning: jobs whose crew or order changed
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def assignments(self) -> dict[str, str]:
        """Job id -> the crew of its first slot (:meth:`crews` gives both of a two-crew job)."""
        return {s.job_id: r.crew_id for r in self.routes for s in r.stops if s.slot == 1}

    @property
    def slots(self) -> dict[tuple[str, int], str]:
        """(job id, slot) -> crew id: every crew of every planned job."""
        return {s.key: r.crew_id for r in self.routes for s in r.stops}

    def crews(self, job_id: str) -> tuple[str, ...]:
        """The crews of a job, by slot (two for a two-crew job; none when it is not planned)."""
        return tuple(crew for (job, _), crew in sorted(self.slots.items()) if job == job_id)

    def stop(self, job_id: str, slot: int = 1) -> Stop | None:
        """The stop of a job (of its ``slot``-th crew), or None when it is not planned."""
        for r in self.routes:
            for s in r.stops:
                if s.job_id == job_id and s.slot == slot:
                    return s
        return None

    def summary(self) -> dict[str, Any]:
        stops = [s for r in self.routes for s in r.stops]
        late = sum(s.deadline_status == "late" for s in stops)
        used = [r for r in self.routes if r.stops]
        shift_time = sum(r.arrive - r.depart for r in used)
        return {
            "jobs_planned": len({s.job_id for s in stops}),
            "jobs_unassigned": len(self.unassigned),
            "mandatory_unassigned": sum(u.mandatory for u in self.unassigned),
            "late": late,
            "routes_used": len(used),
            "travel_time": sum(r.travel_time for r in self.routes),
            "work_time": sum(r.work_time for r in self.routes),
            "distance_km": round(sum(r.distance_m for r in self.routes) / 1000.0, 2),
            "utilisation": round(sum(r.work_time for r in used) / shift_time, 3)
            if shift_time
            else 0.0,
            "status": self.status,
            "solve_seconds": round(self.solve_seconds, 2),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "routes": [r.to_dict() for r in self.routes],
            "unassigned": [u.to_dict() for u in self.unassigned],
            "moved": list(self.moved),
        }
