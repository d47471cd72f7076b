"""Field jobs as the utility thinks of them: real dates and times, a source (the application or
ticket they belong to), and the links between them.

:mod:`ops.dispatch` turns them into :class:`routing.model.Job` values on the solver's time axis
(seconds since midnight of the planned day). Everything here is a plain frozen value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ops.calendar import CalendarBasis

Location = tuple[float, float]  # (lon, lat), WGS84


class Skill(StrEnum):
    """What a crew can do; a job lists the skills it needs."""

    VALVE = "valve"  # operate valves: closures, reopening, exercising, flushing
    PIPE = "pipe"  # dig and repair mains and service pipes
    METER = "meter"  # surveys for connections, meter installation and exchange
    LEAK = "leak"  # acoustic leak detection, step tests
    TANKER = "tanker"  # drive a water tanker


class JobKind(StrEnum):
    SURVEY = "survey"  # 现场勘查
    METER_INSTALLATION = "meter installation"  # 装表
    VALVE_OPENING = "valve opening"  # 开阀供水
    VALVE_CLOSURE = "valve closure"
    REPAIR = "repair"
    VALVE_REOPENING = "valve reopening"
    FLUSHING = "flushing"
    WATER_TANKER = "water tanker"
    FOLLOW_UP = "follow-up visit"  # 回访
    LEAK_SURVEY = "leak survey"
    VALVE_EXERCISE = "valve exercise"


class RepairStep(StrEnum):
    """A job's place in the chain of a repair ticket (:func:`ops.repairs.open_repair`)."""

    CLOSE = "close"  # shut a valve of the isolation
    REPAIR = "repair"  # the repair itself
    REOPEN = "reopen"  # reopen a valve shut for it
    FLUSH = "flush"  # flush the mains after reopening
    TANKER = "tanker"  # water to a customer cut off


@dataclass(frozen=True)
class JobText:
    """What a job is, as a key and its params: the console and the field app say it in their
    language from the template ``job:<key>`` of ``api/web/static/js/i18n.js``, filled with the
    params (text, as the English description writes them). The job's ``description`` says the
    same in English for CSV, CLI and API readers.
    """

    key: str
    params: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobText:
        params = data.get("params") or {}
        return cls(str(data["key"]), {str(k): str(v) for k, v in params.items()})


@dataclass(frozen=True)
class FieldJob:
    """One visit of one crew (two for a two-crew job) to one place.

    Parameters
    ----------
    earliest
        The job may not start before this (acceptance, notice lead time, a booked slot).
    latest_start
        The job may not start after this (a booked slot's end); None: any time in a shift.
    deadline
        Hard: it must be finished by then (Table 1 limits, repair targets).
    due
        Soft: finishing later is allowed but costs (follow-up visits).
    mandatory
        It may not be left out of a day's plan while any crew can do it.
    emergency
        Part of an emergency (a repair chain, a tanker): crews may work overtime for it.
    source
        The application, ticket or programme it comes from, e.g. ``"APP-0001"``.
    ticket, step
        The repair ticket whose chain it belongs to and its step in it (None: no repair's).
    valve
        The valve it works on (a closure, reopening, exercise or valve repair), else None.
    dma
        The district metered area it is done in, where that is what the job is about (a leak
        survey of a DMA), else None.
    rest_of, part, suspended
        For the rest of a job left for an emergency (:func:`ops.emergency.rest_of`): the job
        whose work it finishes (the first part), which part it is (2, 3 ...) and the job it
        continues (the part left just before). An ordinary job is part 1 of itself (None, 1,
        None).
    application
        The connection application whose step it is, or whose follow-up visit (None: no
        application's).
    water_on
        For a follow-up visit: when the water came on (its deadline counts from then).
    calendar
        The calendars its deadline was counted on in working days (recomputed when one of
        their years changes); None: not counted in working days.
    describe
        Its description as a key and params (:class:`JobText`), for the pages to say in their
        language; None for a job stored before jobs had it: the pages show ``description``
        as stored.
    meta
        What else the job came with, for people and reports (JSON values); nothing reads
        structure from it or from the id.
    """

    id: str
    kind: JobKind
    location: Location
    duration: dt.timedelta
    skills: frozenset[Skill]
    source: str
    earliest: dt.datetime | None = None
    latest_start: dt.datetime | None = None
    deadline: dt.datetime | None = None
    due: dt.datetime | None = None
    priority: int = 3
    mandatory: bool = False
    crews_required: int = 1
    description: str = ""
    emergency: bool = False  # crews may stay past their shift for it (overtime)
    ticket: str | None = None
    valve: str | None = None
    step: RepairStep | None = None
    dma: str | None = None
    rest_of: str | None = None
    part: int = 1
    suspended: str | None = None
    application: str | None = None
    water_on: dt.datetime | None = None
    # not hashed: the basis holds a mapping (equal jobs still hash equal)
    calendar: CalendarBasis | None = field(default=None, hash=False)
    # how it is said, not what the work is: not compared (a job stored before it had one is the
    # same job) nor hashed (the params are a mapping)
    describe: JobText | None = field(default=None, compare=False)
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.priority <= 5:
            raise ValueError(f"job {self.id}: priority must be 1..5")
        if self.crews_required not in (1, 2):
            raise ValueError(f"job {self.id}: crews_required must be 1 or 2")
        if self.part < 1:
            raise ValueError(f"job {self.id}: part must be 1 or more")
        linked = (self.rest_of is not None, self.suspended is not None)
        if linked != ((True, True) if self.part > 1 else (False, False)):
            raise ValueError(
                f"job {self.id}: the rest of a job (part 2 or later) needs rest_of and "
                "suspended, and only it has them"
            )

    def to_dict(self) -> dict[str, Any]:
        def iso(t: dt.datetime | None) -> str | None:
            return t.isoformat(timespec="seconds") if t is not None else None

        return {
            "id": self.id,
            "kind": str(self.kind),
            "source": self.source,
            "location": [round(self.location[0], 7), round(self.location[1], 7)],
            "duration_min": round(self.duration.total_seconds() / 60, 1),
            "skills": sorted(str(s) for s in self.skills),
            "earliest": iso(self.earliest),
            "latest_start": iso(self.latest_start),
            "deadline": iso(self.deadline),
            "due": iso(self.due),
            "priority": self.priority,
            "mandatory": self.mandatory,
            "crews_required": self.crews_required,
            "emergency": self.emergency,
            "description": self.description,
            "ticket": self.ticket,
            "valve": self.valve,
            "step": None if self.step is None else str(self.step),
            "dma": self.dma,
            "rest_of": self.rest_of,
            "part": self.part,
            "suspended": self.suspended,
            "application": self.application,
            # as given (to the microsecond): the follow-up's deadline counts from it
            "water_on": None if self.water_on is None else self.water_on.isoformat(),
            "calendar": None if self.calendar is None else self.calendar.to_dict(),
            "describe": None if self.describe is None else self.describe.to_dict(),
            "meta": dict(self.meta),  # where the job comes from (JSON values only)
        }


def field_job_from_dict(data: dict[str, Any]) -> FieldJob:
    """The inverse of :meth:`FieldJob.to_dict` (stored jobs come back as values)."""

    def when(key: str) -> dt.datetime | None:
        value = data.get(key)
        return None if value is None else dt.datetime.fromisoformat(value)

    meta = dict(data.get("meta") or {})
    # a job stored before these were fields (migrations 0007, 0011 and 0017 move them) had
    # them in ``meta``
    typed = {key: data[key] if key in data else meta.pop(key, None) for key in TYPED}

    def text(key: str) -> str | None:
        return None if typed[key] is None else str(typed[key])

    return FieldJob(
        id=str(data["id"]),
        kind=JobKind(data["kind"]),
        location=(float(data["location"][0]), float(data["location"][1])),
        duration=dt.timedelta(minutes=float(data["duration_min"])),
        skills=frozenset(Skill(s) if s in Skill._value2member_map_ else s for s in data["skills"]),
        source=str(data["source"]),
        earliest=when("earliest"),
        latest_start=when("latest_start"),
        deadline=when("deadline"),
        due=when("due"),
        priority=int(data.get("priority", 3)),
        mandatory=bool(data.get("mandatory", False)),
        crews_required=int(data.get("crews_required", 1)),
        description=str(data.get("description", "")),
        emergency=bool(data.get("emergency", False)),
        ticket=text("ticket"),
        valve=text("valve"),
        step=None if typed["step"] is None else RepairStep(typed["step"]),
        dma=None if data.get("dma") is None else str(data["dma"]),
        rest_of=text("rest_of"),
        part=1 if typed["part"] is None else int(typed["part"]),
        suspended=text("suspended"),
        application=text("application"),
        water_on=None
        if typed["water_on"] is None
        else dt.datetime.fromisoformat(str(typed["water_on"])),
        calendar=None if not typed["calendar"] else CalendarBasis.from_dict(typed["calendar"]),
        # a job stored before jobs had it has none: the pages show its description as stored
        describe=None if not data.get("describe") else JobText.from_dict(data["describe"]),
        meta=meta,
    )


#: The fields of a job that were keys of ``meta`` before they were fields (0007: ticket, valve
#: and step; 0011: the parts of a job left for an emergency; 0017: a connection job's
#: application, water-on time and the calendars of its deadline).
TYPED = (
    "ticket",
    "valve",
    "step",
    "rest_of",
    "part",
    "suspended",
    "application",
    "water_on",
    "calendar",
)


@dataclass(frozen=True)
class JobLink:
    """``after`` may start only ``gap`` after ``before`` has ended (any crews), and, when
    ``max_gap`` is set, no later than ``max_gap`` after it. ``required``: ``before`` is planned
    only together with ``after``."""

    before: str
    after: str
    gap: dt.timedelta = dt.timedelta(0)
    max_gap: dt.timedelta | None = None
    required: bool = False  # before only with after (a closed valve must be reopened)

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "gap_min": round(self.gap.total_seconds() / 60, 1),
            "max_gap_min": None
            if self.max_gap is None
            else round(self.max_gap.total_seconds() / 60, 1),
            "required": self.required,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobLink:
        max_gap = data.get("max_gap_min")
        return cls(
            str(data["before"]),
            str(data["after"]),
            dt.timedelta(minutes=float(data.get("gap_min", 0))),
            None if max_gap is None else dt.timedelta(minutes=float(max_gap)),
            bool(data.get("required", False)),
        )


def leak_survey(
    job_id: str,
    location: Location,
    duration: dt.timedelta,
    earliest: dt.datetime,
    *,
    due: dt.datetime | None = None,
    area: str = "",
    dma: str | None = None,
    describe: JobText | None = None,
) -> FieldJob:
    """A leak survey (acoustic listening along a street or a DMA): a leak crew, optional, low
    priority, soft-due when the programme says. ``dma``: the DMA surveyed (the job's field),
    ``area`` what people read (a street, a stretch); ``describe``: the description as a key
    and params when ``area`` is made of parts the pages say in their words (default: the
    area as typed)."""
    if describe is None:
        where = area.strip()
        describe = JobText("leak_survey_area", {"area": where}) if where else JobText("leak_survey")
    return FieldJob(
        id=job_id,
        kind=JobKind.LEAK_SURVEY,
        location=location,
        duration=duration,
        skills=frozenset({Skill.LEAK}),
        source="leak programme",
        earliest=earliest,
        due=due,
        priority=2,
        description=f"leak survey {area}".strip(),
        dma=dma,
        describe=describe,
    )


def chain_deadlines(
    jobs: list[FieldJob], deadline: dt.datetime, *, travel: dt.timedelta = dt.timedelta(0)
) -> list[FieldJob]:
    """Give a sequence of jobs done one after the other the latest deadlines that still let the
    last one finish by ``deadline`` (each earlier job must leave room for the later ones and the
    drive between them)."""
    out: list[FieldJob] = []
    latest = deadline
    for job in reversed(jobs):
        out.append(replace(job, deadline=latest))
        latest = latest - job.duration - travel
    return list(reversed(out))
