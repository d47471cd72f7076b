"""Connection applications (用水报装) and their Table 1 deadlines.

Every type of Table 1 of the service plan, with its limit after acceptance (受理后):

==========================  ==========================================  ======================
type                        Table 1                                     limit
==========================  ==========================================  ======================
``pre_consultation``        1, pre-service, consultation in advance      0.25 working day
``pre_small_warehouse``     2, pushed, small low-risk warehouse          0.25 working day
``pre_standard_factory``    2, pushed, standardised factory              4 working days
``pre_other``               2, pushed, other projects                    6 working days
``meter_retrofit``          3, appointment, meter retrofit               0.5–6 working days
``general_construction``    3, appointment, general construction         0.5–6 working days
``no_external_works``       4, single meter, survey → meter → water on   0.5 working day
``fast_connection``         5, key projects / emergency works             1–5 days (calendar)
==========================  ==========================================  ======================

The 0.5–6 working-day types take their limit from a table by pipe size and line length
(:data:`APPOINTMENT_LIMITS`, configurable); fast connection likewise in calendar days
(:data:`FAST_LIMITS`). Table 1 writes "1-5 日内" for fast connection and 工作日 everywhere else,
so we read 日 there as calendar days (自然日), the stricter reading; the same for the five days
allowed to complete missing papers (限时补齐（5 日内）). See ``docs/decisions.md``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ops.calendar import CalendarBasis, WorkCalendar, local_time
from ops.errors import Conflict, InvalidRequest, UnknownConnectionType
from ops.jobs import FieldJob, JobKind, JobLink, JobText, Location, Skill, chain_deadlines
from ops.workflow import JobChange, JobState, JobStatus, close_jobs

PAPERS_DAYS = 5  # days to complete technical papers accepted as missing (容缺受理)
ACCEPTANCE_WORKING_DAYS = 0.25  # a remote application is accepted within this of its receipt
FILING_MAX_DN_MM = 40  # non-residential DN40 and below: filing only, free external connection


class ConnectionType(StrEnum):
    PRE_CONSULTATION = "pre_consultation"
    PRE_SMALL_WAREHOUSE = "pre_small_warehouse"
    PRE_STANDARD_FACTORY = "pre_standard_factory"
    PRE_OTHER = "pre_other"
    METER_RETROFIT = "meter_retrofit"
    GENERAL_CONSTRUCTION = "general_construction"
    NO_EXTERNAL_WORKS = "no_external_works"
    FAST_CONNECTION = "fast_connection"


@dataclass(frozen=True)
class SizeLimit:
    """A row of a limit table: up to ``max_dn_mm`` and ``max_length_m`` (None: any), ``days``."""

    max_dn_mm: int | None
    max_length_m: float | None
    days: float

    def fits(self, dn_mm: float, length_m: float) -> bool:
        return (self.max_dn_mm is None or dn_mm <= self.max_dn_mm) and (
            self.max_length_m is None or length_m <= self.max_length_m
        )


# Appointment projects (Table 1 row 3): 0.5–6 working days by pipe size and line length. Our
# table: a short small service line is a half-day job, each step up in size or length a longer
# one, everything beyond DN300 or 500 m the full six days.
APPOINTMENT_LIMITS: tuple[SizeLimit, ...] = (
    SizeLimit(50, 30.0, 0.5),
    SizeLimit(100, 100.0, 1.0),
    SizeLimit(200, 200.0, 2.0),
    SizeLimit(300, 500.0, 4.0),
    SizeLimit(None, None, 6.0),
)
# Fast connection (row 5): within 1–5 days, calendar days.
FAST_LIMITS: tuple[SizeLimit, ...] = (
    SizeLimit(100, 100.0, 1.0),
    SizeLimit(200, 300.0, 2.0),
    SizeLimit(300, 500.0, 3.0),
    SizeLimit(None, None, 5.0),
)


@dataclass(frozen=True)
class TypeRule:
    """One row of Table 1."""

    type: ConnectionType
    chinese: str
    english: str
    row: str
    service: str  # pre_service, appointment, no_external_works, fast
    working_days: float | None = None  # a fixed limit in working days
    table: tuple[SizeLimit, ...] = ()  # a limit by size, when not fixed
    calendar_days: bool = False  # the table's days are calendar days (fast connection)


RULES: dict[ConnectionType, TypeRule] = {
    r.type: r
    for r in (
        TypeRule(
            ConnectionType.PRE_CONSULTATION,
            "提前接受咨询信息项目",
            "pre-service: consultation received in advance",
            "1",
            "pre_service",
            working_days=0.25,
        ),
        TypeRule(
            ConnectionType.PRE_SMALL_WAREHOUSE,
            "社会投资小型低风险仓储项目",
            "pre-service, pushed by the approval system: small low-risk warehouse",
            "2a",
            "pre_service",
            working_days=0.25,
        ),
        TypeRule(
            ConnectionType.PRE_STANDARD_FACTORY,
            "社会投资标准化厂房项目",
            "pre-service, pushed by the approval system: standardised factory",
            "2b",
            "pre_service",
            working_days=4,
        ),
        TypeRule(
            ConnectionType.PRE_OTHER,
            "市工程建设项目审批系统推送的其他项目",
            "pre-service, pushed by the approval system: other projects",
            "2c",
            "pre_service",
            working_days=6,
        ),
        TypeRule(
            ConnectionType.METER_RETROFIT,
            "水表改造项目（口径变更、表井迁移、一户一表改造）",
            "appointment: meter retrofit (size change, meter-pit move, one meter per household)",
            "3a",
            "appointment",
            table=APPOINTMENT_LIMITS,
        ),
        TypeRule(
            ConnectionType.GENERAL_CONSTRUCTION,
            "一般工程建设项目",
            "appointment: general construction project",
            "3b",
            "appointment",
            table=APPOINTMENT_LIMITS,
        ),
        TypeRule(
            ConnectionType.NO_EXTERNAL_WORKS,
            "无外线工程（单表客户）",
            "no external works: single-meter customer, survey to water on",
            "4",
            "no_external_works",
            working_days=0.5,
        ),
        TypeRule(
            ConnectionType.FAST_CONNECTION,
            "快速接水法（无需占掘路占绿审批的重点项目、应急工程）",
            "fast connection: key projects without road-digging permit, emergency works",
            "5",
            "fast",
            table=FAST_LIMITS,
            calendar_days=True,
        ),
    )
}


CHANNELS: dict[str, str] = {
    # how an application reaches the utility (the plan's channels: one system for all of them)
    "counter": "营业厅窗口",
    "hotline": "24小时服务热线",
    "website": "网站",
    "wechat": "微信公众号",
    "gov_portal": "政务服务网",
    "approval_platform": "工程建设项目审批平台推送",
}
DAY_READINGS = ("calendar", "civil_code")


@dataclass(frozen=True)
class ConnectionRules:
    """The rules a deployment may set: the size tables, how plain 日 is read, the papers'
    days and how soon a remote application must be accepted.

    ``day_reading``: ``"calendar"`` (default) reads "N 日" as N × 24 h from acceptance
    (自然日, the stricter promise); ``"civil_code"`` reads it as 《民法典》 arts. 201 and 203
    do: counted from the next day, the period ends when the office closes on its last day, and
    a last day that is a rest day moves to the next working day.
    """

    appointment_limits: tuple[SizeLimit, ...] = APPOINTMENT_LIMITS
    fast_limits: tuple[SizeLimit, ...] = FAST_LIMITS
    day_reading: str = "calendar"
    papers_days: int = PAPERS_DAYS
    acceptance_working_days: float = ACCEPTANCE_WORKING_DAYS

    def __post_init__(self) -> None:
        if self.day_reading not in DAY_READINGS:
            raise InvalidRequest(
                f"day_reading {self.day_reading!r}: write calendar or civil_code",
                code="connection_day_reading",
                setting="day_reading",
                value=self.day_reading,
                readings=list(DAY_READINGS),
            )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ConnectionRules:
        """From settings: ``{"appointment_limits": [{"max_dn_mm": 50, "max_length_m": 30,
        "days": 0.5}, …, {"days": 6}], "fast_limits": […], "day_reading": "civil_code",
        "papers_days": 5, "acceptance_working_days": 0.25}``. The last row of a table has no
        bounds, so that every size has a limit."""
        unknown = set(config) - {
            "appointment_limits",
            "fast_limits",
            "day_reading",
            "papers_days",
            "acceptance_working_days",
        }
        if unknown:
            raise InvalidRequest(
                f"unknown connection rule settings {sorted(unknown)}",
                code="connection_settings_unknown",
                unknown=sorted(unknown),
            )
        out: dict[str, Any] = {}
        for name in ("appointment_limits", "fast_limits"):
            if config.get(name) is not None:
                out[name] = _size_table(name, config[name])
        if config.get("day_reading") is not None:
            out["day_reading"] = str(config["day_reading"])
        for name, kind in (("papers_days", int), ("acceptance_working_days", float)):
            if config.get(name) is not None:
                try:
                    value = kind(config[name])
                except (TypeError, ValueError):
                    raise InvalidRequest(
                        f"{name} must be a number",
                        code="connection_setting_not_number",
                        setting=name,
                    ) from None
                if value <= 0:
                    raise InvalidRequest(
                        f"{name} must be positive",
                        code="connection_setting_not_positive",
                        setting=name,
                    )
                out[name] = value
        return cls(**out)

    def types(self) -> dict[ConnectionType, TypeRule]:
        """Table 1 with this deployment's size tables."""
        out = {}
        for kind, rule in RULES.items():
            if rule.table is APPOINTMENT_LIMITS:
                rule = replace(rule, table=self.appointment_limits)
            elif rule.table is FAST_LIMITS:
                rule = replace(rule, table=self.fast_limits)
            out[kind] = rule
        return out


DEFAULT_RULES = ConnectionRules()


def _size_table(name: str, rows: Any) -> tuple[SizeLimit, ...]:
    if not isinstance(rows, list | tuple) or not rows:
        raise InvalidRequest(
            f"{name} must be a list of rows like {{max_dn_mm = 50, max_length_m = 30, "
            "days = 0.5}, the last one without bounds",
            code="connection_table_not_list",
            setting=name,
        )
    table = []
    for k, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InvalidRequest(
                f"{name} row {k} must be a table of max_dn_mm, max_length_m, days",
                code="connection_row_not_table",
                setting=name,
                row=k,
                keys=["max_dn_mm", "max_length_m", "days"],
            )
        unknown = set(row) - {"max_dn_mm", "max_length_m", "days"}
        if unknown:
            raise InvalidRequest(
                f"{name} row {k} has unknown keys {sorted(unknown)}: use max_dn_mm, "
                "max_length_m, days",
                code="connection_row_keys",
                setting=name,
                row=k,
                unknown=sorted(unknown),
                keys=["max_dn_mm", "max_length_m", "days"],
            )
        try:
            dn = None if row.get("max_dn_mm") is None else int(row["max_dn_mm"])
            length = None if row.get("max_length_m") is None else float(row["max_length_m"])
            days = float(row["days"])
        except (KeyError, TypeError, ValueError):
            raise InvalidRequest(
                f"{name} row {k}: days (and max_dn_mm, max_length_m when given) must be a number",
                code="connection_row_not_number",
                setting=name,
                row=k,
            ) from None
        if days <= 0 or (dn is not None and dn <= 0) or (length is not None and length < 0):
            raise InvalidRequest(
                f"{name} row {k}: days and sizes must be positive",
                code="connection_row_not_positive",
                setting=name,
                row=k,
            )
        table.append(SizeLimit(dn, length, days))
    if table[-1].max_dn_mm is not None or table[-1].max_length_m is not None:
        raise InvalidRequest(
            f"{name}: the last row must have no max_dn_mm and no max_length_m, so that every "
            "size has a limit",
            code="connection_last_row_bounded",
            setting=name,
        )
    return tuple(table)


def acceptance_due(
    received_at: dt.datetime,
    channel: str,
    calendar: WorkCalendar,
    rules: ConnectionRules = DEFAULT_RULES,
) -> dt.datetime:
    """When an application received through ``channel`` must be accepted (受理).

    At the counter it is accepted at once (即办): the moment it is received. Through any other
    channel (hotline, website, WeChat, 政务服务网, pushes of the approval platform) within
    0.25 working day of its receipt (``rules.acceptance_working_days``).
    """
    _check_channel(channel)
    if channel == "counter":
        return received_at
    return calendar.add_working_days(received_at, rules.acceptance_working_days)


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise InvalidRequest(
            f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}",
            code="app_channel",
            channel=str(channel),
        )


CLOCK_SLACK = dt.timedelta(minutes=5)  # a client's clock may run a little ahead


def intake_times(
    channel: str,
    now: dt.datetime,
    *,
    accept: bool = True,
    received_at: dt.datetime | None = None,
    accepted_at: dt.datetime | None = None,
) -> tuple[dt.datetime, dt.datetime | None, bool]:
    """When a new application was received and accepted, and whether it is back-entered.

    The service stamps the acceptance (``now``); only a counter application accepted earlier
    may be entered with its acceptance time (back-entered, and flagged so). A counter
    application is accepted at once (即办); a remote one may be recorded as received, to be
    accepted later. Times may not lie in the future, and receipt comes before acceptance.
    """
    _check_channel(channel)
    back_entered = accepted_at is not None
    if back_entered and channel != "counter":
        raise InvalidRequest(
            "accepted_at is stamped by the service; only a counter application accepted "
            "earlier may be back-entered with its time (channel counter)",
            code="app_accepted_at_stamped",
        )
    if channel == "counter" and not accept:
        raise InvalidRequest(
            "a counter application is accepted at once (即办): leave accept true",
            code="app_counter_accepted",
        )
    accepted = accepted_at if accepted_at is not None else (now if accept else None)
    received = received_at if received_at is not None else (accepted or now)
    for name, moment in (("accepted_at", accepted), ("received_at", received)):
        if moment is not None and moment > now + CLOCK_SLACK:
            raise InvalidRequest(
                f"{name} {moment:%Y-%m-%d %H:%M} is in the future: give the time it happened",
                code="app_time_in_future",
                field=name,
                at=f"{moment:%Y-%m-%dT%H:%M}",
            )
    if accepted is not None and received > accepted:
        raise InvalidRequest(
            "received_at is after accepted_at: an application is received before it is accepted",
            code="app_received_after_accepted",
        )
    return received, accepted, back_entered


def intake_status(
    received_at: dt.datetime,
    channel: str,
    accepted_at: dt.datetime | None,
    now: dt.datetime,
    calendar: WorkCalendar,
    rules: ConnectionRules = DEFAULT_RULES,
) -> str:
    """``waiting`` or ``late`` (not accepted yet), ``accepted`` or ``accepted_late``."""
    due = acceptance_due(received_at, channel, calendar, rules)
    if accepted_at is None:
        return "late" if now > due else "waiting"
    return "accepted_late" if accepted_at > due else "accepted"


def connection_type(name: str) -> ConnectionType:
    """The type named ``name`` (snake_case, as in ``waterops deadline --type``)."""
    try:
        return ConnectionType(str(name).strip().lower())
    except ValueError:
        known = ", ".join(t.value for t in ConnectionType)
        raise UnknownConnectionType(
            f"unknown connection type {name!r}: use one of {known}",
            code="app_unknown_type",
            type=str(name),
        ) from None


@dataclass(frozen=True)
class Deadline:
    """When the water must be on, and why."""

    due: dt.datetime
    days: float
    unit: str  # "working days" or "calendar days"
    basis: str  # the Table 1 row and, for the tables, the size class
    calendar: CalendarBasis | None = None  # the holiday calendars counted on (None: none)

    def to_dict(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(timespec="seconds"),
            "days": self.days,
            "unit": self.unit,
            "basis": self.basis,
            "calendar": None if self.calendar is None else self.calendar.to_dict(),
        }


def connection_deadline(
    kind: ConnectionType | str,
    accepted_at: dt.datetime,
    calendar: WorkCalendar,
    *,
    dn_mm: float | None = None,
    length_m: float | None = None,
    rules: ConnectionRules = DEFAULT_RULES,
) -> Deadline:
    """The Table 1 deadline of an application accepted at ``accepted_at``.

    ``dn_mm`` and ``length_m`` (the connection's pipe size and external line length) are needed
    by the types whose limit depends on them (appointment projects, fast connection).
    """
    kind = connection_type(kind) if isinstance(kind, str) else kind
    rule = rules.types()[kind]
    basis = f"Table 1 row {rule.row} ({rule.chinese})"
    if rule.working_days is not None:
        days = rule.working_days
    else:
        if dn_mm is None or length_m is None:
            raise InvalidRequest(
                f"{kind.value}: the limit depends on the pipe size and the line length; "
                "give both (--dn MM --length-m M)",
                code="app_needs_size",
            )
        if dn_mm <= 0 or length_m < 0:
            raise InvalidRequest(
                f"{kind.value}: pipe size must be positive and line length not negative "
                f"(got DN{dn_mm:g}, {length_m:g} m)",
                code="app_size_invalid",
                dn=dn_mm,
                length=length_m,
            )
        row = next(r for r in rule.table if r.fits(dn_mm, length_m))
        days = row.days
        size = "any size" if row.max_dn_mm is None else f"≤ DN{row.max_dn_mm}"
        length = "" if row.max_length_m is None else f", ≤ {row.max_length_m:g} m"
        basis += f": DN{dn_mm:g}, {length_m:g} m → class {size}{length}"
    if rule.calendar_days:
        due = days_after(accepted_at, days, calendar, rules)
        used = calendar.basis(accepted_at, due) if rules.day_reading == "civil_code" else None
        return Deadline(due, days, "calendar days", basis, used)
    due = calendar.add_working_days(accepted_at, days)
    return Deadline(due, days, "working days", basis, calendar.basis(accepted_at, due))


def days_after(
    start: dt.datetime, days: float, calendar: WorkCalendar, rules: ConnectionRules
) -> dt.datetime:
    """The end of a period of ``days`` plain days (日) from ``start``, read as ``rules`` say.

    ``calendar``: ``start`` + ``days`` × 24 h. ``civil_code`` (《民法典》 arts. 201, 203): the
    day of ``start`` does not count; the period ends when the office closes on its last day
    (art. 203: 有业务时间的，停止业务活动的时间为截止时间), and a last day that is a rest day
    moves to the next working day. Fractional days round up to whole days in that reading.
    """
    if rules.day_reading == "calendar":
        return start + dt.timedelta(days=days)
    local = local_time(start)
    last = local.date() + dt.timedelta(days=math.ceil(days))
    last = calendar.working_days_from(last, 1)[0]
    hours = calendar.hours_on(last)
    assert hours is not None  # a working day has office hours
    end = dt.datetime.combine(last, hours.periods[-1][1])
    return end if start.tzinfo is None else local_time(end)


@dataclass(frozen=True)
class DurationRules:
    """How long each field step of a connection takes (configurable; documented defaults)."""

    survey: dt.timedelta = dt.timedelta(minutes=45)
    meter_small: dt.timedelta = dt.timedelta(minutes=40)  # up to DN50
    meter_large: dt.timedelta = dt.timedelta(minutes=90)  # above DN50 (a meter pit)
    valve_opening: dt.timedelta = dt.timedelta(minutes=30)
    follow_up: dt.timedelta = dt.timedelta(minutes=20)
    follow_up_due_working_days: float = 2.0  # soft: visit within two working days of water-on
    follow_up_deadline_working_days: float = 5.0  # hard: the follow-up ledger closes weekly


@dataclass(frozen=True)
class ConnectionApplication:
    """An accepted application for a connection (受理 is immediate: 即办, zero documents)."""

    id: str
    type: ConnectionType
    accepted_at: dt.datetime
    location: Location
    customer: str
    address: str = ""
    dn_mm: float | None = None
    line_length_m: float | None = None
    residential: bool = True
    papers_missing: bool = False  # technical papers accepted as missing (容缺受理)
    representative: str | None = None  # 项目客户代表: one per project
    channel: str = "counter"  # one of CHANNELS
    received_at: dt.datetime | None = None  # when it reached the utility (None: on acceptance)
    back_entered: bool = False  # a counter application entered after the fact

    def __post_init__(self) -> None:
        if not isinstance(self.type, ConnectionType):
            object.__setattr__(self, "type", connection_type(str(self.type)))


@dataclass(frozen=True)
class PapersFollowUp:
    """Missing technical papers: the representative must have them within five days."""

    application: str
    due: dt.datetime
    completed_at: dt.datetime | None = None

    def status(self, now: dt.datetime) -> str:
        if self.completed_at is not None:
            return "complete" if self.completed_at <= self.due else "completed_late"
        return "overdue" if now > self.due else "pending"

    def to_dict(self, now: dt.datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "application": self.application,
            "due": self.due.isoformat(timespec="seconds"),
            "completed_at": self.completed_at.isoformat(timespec="seconds")
            if self.completed_at
            else None,
        }
        if now is not None:
            out["status"] = self.status(now)
        return out


@dataclass(frozen=True)
class ConnectionCase:
    """An application with what follows from it: deadline, flags, field jobs, paper follow-up."""

    application: ConnectionApplication
    deadline: Deadline
    filing_only: bool  # 备案制: non-residential DN40 and below are filed, not approved
    free_external_connection: bool
    jobs: tuple[FieldJob, ...]
    links: tuple[JobLink, ...]
    papers: PapersFollowUp | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        app = self.application
        return {
            "application": app.id,
            "type": app.type.value,
            "type_chinese": RULES[app.type].chinese,
            "customer": app.customer,
            "accepted_at": app.accepted_at.isoformat(timespec="seconds"),
            "deadline": self.deadline.to_dict(),
            "filing_only": self.filing_only,
            "free_external_connection": self.free_external_connection,
            "papers": self.papers.to_dict() if self.papers else None,
            "jobs": [j.to_dict() for j in self.jobs],
            "links": [link.to_dict() for link in self.links],
            "notes": list(self.notes),
        }


def open_connection(
    app: ConnectionApplication,
    calendar: WorkCalendar,
    *,
    durations: DurationRules | None = None,
    rules: ConnectionRules = DEFAULT_RULES,
) -> ConnectionCase:
    """Accept an application: its deadline, flags and field jobs.

    Field steps by service type (the plan's process diagrams):

    - pre-service (one step): open the valve (开阀供水);
    - appointment and fast connection: survey, then install the meter, then open the valve
      (permits and the external works run in parallel between survey and meter);
    - no external works: survey, meter and valve opening, all within the 0.5 working day.

    Each step is linked to the next, and gets the latest deadline that still lets the last
    step meet the Table 1 limit.
    """
    durations = durations or DurationRules()
    rule = rules.types()[app.type]
    deadline = connection_deadline(
        app.type,
        app.accepted_at,
        calendar,
        dn_mm=app.dn_mm,
        length_m=app.line_length_m,
        rules=rules,
    )
    notes: list[str] = []
    filing_only = not app.residential and app.dn_mm is not None and app.dn_mm <= FILING_MAX_DN_MM
    if filing_only:
        notes.append(
            f"non-residential DN{app.dn_mm:g} ≤ DN{FILING_MAX_DN_MM}: filing only (备案制), "
            "external connection free of charge"
        )
    meter = durations.meter_small if app.dn_mm is None or app.dn_mm <= 50 else durations.meter_large

    who = f"{app.customer}, {app.address}".rstrip(", ")  # as recorded, in its own language

    def job(step: str, kind: JobKind, minutes: dt.timedelta, skill: Skill, text: str) -> FieldJob:
        return FieldJob(
            id=f"{app.id}-{step}",
            kind=kind,
            location=app.location,
            duration=minutes,
            skills=frozenset({skill}),
            source=app.id,
            earliest=app.accepted_at,
            priority=4 if deadline.days <= 0.5 else 3,
            description=f"{text}: {app.customer}, {app.address}".rstrip(", "),
            describe=JobText(f"connection_{step}", {"customer": who}),
            application=app.id,
            # the calendar the chain's deadlines were counted on (recomputed when it changes)
            calendar=deadline.calendar,
            meta={"connection_type": app.type.value},
        )

    opening = job("open", JobKind.VALVE_OPENING, durations.valve_opening, Skill.VALVE, "开阀供水")
    if rule.service == "pre_service":
        steps = [opening]
    else:
        steps = [
            job("survey", JobKind.SURVEY, durations.survey, Skill.METER, "现场勘查"),
            job("meter", JobKind.METER_INSTALLATION, meter, Skill.METER, "装表"),
            opening,
        ]
    steps = chain_deadlines(steps, deadline.due)
    links = tuple(JobLink(a.id, b.id) for a, b in itertools.pairwise(steps))
    papers = None
    if app.papers_missing:
        papers = PapersFollowUp(
            app.id, days_after(app.accepted_at, rules.papers_days, calendar, rules)
        )
        notes.append(
            f"technical papers accepted as missing (容缺受理): due {papers.due:%Y-%m-%d %H:%M}"
        )
    return ConnectionCase(
        application=app,
        deadline=deadline,
        filing_only=filing_only,
        free_external_connection=filing_only,
        jobs=tuple(steps),
        links=links,
        papers=papers,
        notes=tuple(notes),
    )


def follow_up_visit(
    case: ConnectionCase | ConnectionApplication,
    completed_at: dt.datetime,
    calendar: WorkCalendar,
    *,
    durations: DurationRules | None = None,
) -> FieldJob:
    """The follow-up visit (回访) that completion creates, for the follow-up ledger.

    Any crew may make it (no skill); it is soft-due within two working days of water-on and
    must be made within five.
    """
    durations = durations or DurationRules()
    app = case.application if isinstance(case, ConnectionCase) else case
    deadline = calendar.add_working_days(completed_at, durations.follow_up_deadline_working_days)
    return FieldJob(
        id=f"{app.id}-followup",
        kind=JobKind.FOLLOW_UP,
        location=app.location,
        duration=durations.follow_up,
        skills=frozenset(),
        source=app.id,
        earliest=calendar.next_opening(completed_at),
        due=calendar.add_working_days(completed_at, durations.follow_up_due_working_days),
        deadline=deadline,
        priority=2,
        description=f"回访 follow-up visit: {app.customer}, {app.address}".rstrip(", "),
        describe=JobText(
            "follow_up_visit", {"customer": f"{app.customer}, {app.address}".rstrip(", ")}
        ),
        application=app.id,
        water_on=completed_at,
        calendar=calendar.basis(completed_at, deadline),
    )


class ApplicationStatus(StrEnum):
    """Where a connection application stands (stored as its value)."""

    RECEIVED = "received"  # reached the utility, not yet accepted (受理)
    OPEN = "open"  # accepted: its Table 1 deadline runs, its field jobs are out
    COMPLETED = "completed"  # water on


def accept_connection(
    app: ConnectionApplication,
    status: ApplicationStatus | str,
    calendar: WorkCalendar,
    *,
    durations: DurationRules | None = None,
    rules: ConnectionRules = DEFAULT_RULES,
) -> ConnectionCase:
    """Acceptance (受理) of a received application: its case (:func:`open_connection`).

    Raises :class:`~ops.errors.Conflict` when it is accepted (or completed) already.
    """
    status = ApplicationStatus(status)
    if status is not ApplicationStatus.RECEIVED:
        raise Conflict(
            f"{app.id} is {status} already",
            code="app_not_received",
            application=app.id,
            app_status=str(status),
        )
    return open_connection(app, calendar, durations=durations, rules=rules)


def papers_completed(
    app_id: str,
    papers_due: dt.datetime | None,
    completed_at: dt.datetime | None,
    at: dt.datetime,
) -> dt.datetime:
    """When the missing technical papers came in: ``at``, or the time recorded first (a second
    report changes nothing).

    Raises :class:`~ops.errors.Conflict` when the application was accepted with its papers
    complete (no papers were due).
    """
    if papers_due is None:
        raise Conflict(
            f"{app_id} was accepted with its papers complete",
            code="app_papers_complete",
            application=app_id,
        )
    return completed_at if completed_at is not None else at


@dataclass(frozen=True)
class Completion:
    """What completing a connection gives: the follow-up visit to add and the application's
    jobs closed (each with its history entry)."""

    follow_up: FieldJob
    closed: tuple[JobChange, ...]
    status: ApplicationStatus = ApplicationStatus.COMPLETED


def complete_connection(
    app: ConnectionApplication,
    status: ApplicationStatus | str,
    jobs: Sequence[JobState],
    water_on: dt.datetime,
    calendar: WorkCalendar,
    *,
    by: str,
    at: dt.datetime,
    durations: DurationRules | None = None,
) -> Completion:
    """The water is on at ``water_on``: the application is completed, every job of it not yet
    closed is done (a crew no longer needs to go), and the follow-up visit (回访) is due.

    Parameters
    ----------
    status
        Where the application stands; only an accepted (open) one can be completed.
    jobs
        The application's field jobs as they stand.
    by, at
        Who records the completion, and when (the jobs' history).

    Raises
    ------
    Conflict
        The application is completed already, or not accepted yet.
    """
    status = ApplicationStatus(status)
    if status is ApplicationStatus.COMPLETED:
        raise Conflict(f"{app.id} is completed already", code="app_completed", application=app.id)
    if status is ApplicationStatus.RECEIVED:
        raise Conflict(
            f"{app.id} is not accepted yet: accept it first",
            code="app_not_accepted",
            application=app.id,
        )
    visit = follow_up_visit(app, water_on, calendar, durations=durations)
    still_open = frozenset(JobStatus) - {JobStatus.DONE, JobStatus.CANCELLED}
    closed = close_jobs(
        list(jobs), JobStatus.DONE, among=still_open, by=by, at=at, note="water on", key="water_on"
    )
    return Completion(visit, tuple(closed))


def type_help() -> str:
    """The types with their Chinese names and limits, for ``--help``."""
    lines = []
    for rule in RULES.values():
        if rule.working_days is not None:
            limit = f"{rule.working_days:g} working day{'s' if rule.working_days != 1 else ''}"
        else:
            lo, hi = rule.table[0].days, rule.table[-1].days
            unit = "days" if rule.calendar_days else "working days"
            limit = f"{lo:g}–{hi:g} {unit} by DN and length"
        lines.append(f"{rule.type.value}: {rule.chinese} ({limit})")
    return "; ".join(lines)
