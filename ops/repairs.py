"""Repair tickets: a leak or burst becomes an isolation plan and a chain of field jobs.

The chain (for :mod:`routing`): close each valve of the isolation plan (valve crews), repair the
pipe (a pipe crew; two crews at once on large mains), reopen each valve, then flush. Every
closure must end before the repair starts; every reopening starts after the repair ends; the
flushing follows the reopenings. The outage runs from the first closure to the last reopening,
as scheduled. When it is expected to last longer than a threshold (default 12 h), or a critical
customer (hospital, school, ...) loses water, water tankers are sent: one to each critical
customer, and for long outages tanker points for the residents.

Target times by severity are configurable (:class:`RepairTarget`); the defaults are in
``docs/decisions.md``. They are soft (a due time with a lateness cost, not a hard deadline): an
emergency repair that cannot meet its target is still planned, late, and reported late; it is
never dropped from the plan for being late.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import shapely

from gis.isolation import IsolationPlan, Isolator, ValveRef
from gis.network import CUSTOMER_CATEGORIES
from ops.emergency import DEFAULT_CALL_OUT, CallOutRules, first_arrival
from ops.errors import InvalidRequest
from ops.jobs import FieldJob, JobKind, JobLink, JobText, Location, RepairStep, Skill
from ops.supply_law import DEFAULT_LEAD
from routing import Plan, TravelModel, haversine_m

if TYPE_CHECKING:  # a cycle: ops.dispatch imports this module
    from ops.calendar import WorkCalendar
    from ops.dispatch import CrewShift

# roster: when a crew can be there, its drive by the travel model from where it is;
# roster_estimated_drive: when by the roster, the drive a flat estimate (a crew at work, its
# position unknown); nominal: no roster (``RepairRules.first_arrival`` after the report)
ExpectedBasis = Literal["roster", "roster_estimated_drive", "nominal"]


class Severity(StrEnum):
    BURST = "burst"  # 爆管: water on the street, shut it now
    MAJOR_LEAK = "major_leak"  # a visible leak losing a lot: repair today
    MINOR_LEAK = "minor_leak"  # found by a leak survey: planned repair, with a notice


@dataclass(frozen=True)
class RepairTarget:
    """How soon after the report the closures must start and the water be back on.

    ``planned`` repairs are planned outages: they may not start before the notice lead time.
    """

    respond: dt.timedelta
    restore: dt.timedelta
    priority: int
    planned: bool = False


DEFAULT_TARGETS: dict[Severity, RepairTarget] = {
    Severity.BURST: RepairTarget(dt.timedelta(hours=1), dt.timedelta(hours=12), 5),
    Severity.MAJOR_LEAK: RepairTarget(dt.timedelta(hours=4), dt.timedelta(hours=24), 4),
    Severity.MINOR_LEAK: RepairTarget(dt.timedelta(days=3), dt.timedelta(days=5), 3, planned=True),
}


@dataclass(frozen=True)
class RepairRules:
    """Durations and thresholds of the repair chain (configurable; documented defaults)."""

    targets: Mapping[Severity, RepairTarget] = field(default_factory=lambda: DEFAULT_TARGETS)
    close_small: dt.timedelta = dt.timedelta(minutes=20)  # a gate valve below DN300
    close_large: dt.timedelta = dt.timedelta(minutes=40)  # a butterfly valve from DN300
    reopen_small: dt.timedelta = dt.timedelta(minutes=15)  # reopened slowly, against air
    reopen_large: dt.timedelta = dt.timedelta(minutes=30)
    flushing: dt.timedelta = dt.timedelta(minutes=30)
    large_valve_mm: float = 300.0
    # repair time by pipe size: (up to DN, hours); above the last row its hours
    repair_hours: tuple[tuple[float, float], ...] = ((150, 3.0), (300, 4.0), (600, 6.0))
    repair_hours_largest: float = 8.0
    two_crews_from_mm: float = 400.0  # large mains need two pipe crews at once
    tanker_after: dt.timedelta = dt.timedelta(hours=12)  # outage length that calls tankers
    tanker_stop: dt.timedelta = dt.timedelta(minutes=30)
    tanker_due: dt.timedelta = dt.timedelta(hours=1)  # after the water goes off
    residents_per_tanker_point: int = 500  # accounts
    max_tanker_points: int = 5
    notice_lead: dt.timedelta = DEFAULT_LEAD  # planned outages wait for their notice (§22)
    travel_estimate: dt.timedelta = dt.timedelta(minutes=10)  # between valves, for estimates
    # The shortest outage: every closure ends at most this long before the repair starts, and
    # every reopening starts at most this long after it ends (plus the time one crew needs to
    # work through the other valves of the chain in turn).
    outage_slack: dt.timedelta = dt.timedelta(minutes=30)
    first_arrival: dt.timedelta = dt.timedelta(minutes=30)  # report to first closure, expected


@dataclass(frozen=True)
class RepairReport:
    """A leak or burst reported by a customer, a patrol or a survey."""

    id: str
    reported_at: dt.datetime
    severity: Severity
    pipe_id: str | None = None
    location: Location | None = None  # where it was seen (WGS84); snapped to a pipe if no id
    description: str = ""
    inoperable_valves: tuple[str, ...] = ()  # found stuck in the field

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):
            try:
                object.__setattr__(self, "severity", Severity(str(self.severity)))
            except ValueError:
                known = ", ".join(s.value for s in Severity)
                raise InvalidRequest(
                    f"unknown severity {self.severity!r}: use one of {known}",
                    code="repair_severity",
                    severity=str(self.severity),
                ) from None
        if self.pipe_id is None and self.location is None:
            raise InvalidRequest(
                f"repair {self.id}: give the broken pipe id or a map point", code="repair_where"
            )


@dataclass(frozen=True)
class TankerPoint:
    """Where a water tanker stands during the outage."""

    name: str
    location: Location
    customer_id: str | None = None
    critical: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "location": [round(self.location[0], 7), round(self.location[1], 7)],
            "customer": self.customer_id,
            "critical": self.critical,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TankerPoint:
        return cls(
            data["name"],
            (float(data["location"][0]), float(data["location"][1])),
            data.get("customer"),
            bool(data.get("critical", False)),
        )


@dataclass(frozen=True)
class RepairCase:
    """A repair ticket with its isolation plan and job chain."""

    report: RepairReport
    pipe_id: str
    isolation: IsolationPlan
    jobs: tuple[FieldJob, ...]
    links: tuple[JobLink, ...]
    expected_start: dt.datetime
    expected_outage: dt.timedelta
    tankers: tuple[TankerPoint, ...]
    target: RepairTarget
    notes: tuple[str, ...] = ()
    # how the expected start was found: by the roster (when a crew with the skill can be
    # there) or nominal (``first_arrival`` after the report: the roster was not given)
    basis: ExpectedBasis = "nominal"

    @property
    def closures(self) -> tuple[FieldJob, ...]:
        return tuple(j for j in self.jobs if j.kind == JobKind.VALVE_CLOSURE)

    @property
    def reopenings(self) -> tuple[FieldJob, ...]:
        return tuple(j for j in self.jobs if j.kind == JobKind.VALVE_REOPENING)

    @property
    def repairs(self) -> tuple[FieldJob, ...]:
        """The repair job (and the rest of it, when its crew was called away)."""
        return tuple(j for j in self.jobs if j.step == RepairStep.REPAIR)

    def expected_window(self) -> tuple[dt.datetime, dt.datetime]:
        return self.expected_start, self.expected_start + self.expected_outage

    def to_dict(self) -> dict[str, Any]:
        start, end = self.expected_window()
        return {
            "ticket": self.report.id,
            "severity": self.report.severity.value,
            "pipe": self.pipe_id,
            "reported_at": self.report.reported_at.isoformat(timespec="seconds"),
            "planned_outage": self.target.planned,
            "expected_window": [start.isoformat(timespec="minutes"), end.isoformat("T", "minutes")],
            "expected_outage_h": round(self.expected_outage.total_seconds() / 3600, 2),
            "expected_basis": self.basis,
            "jobs": [j.to_dict() for j in self.jobs],
            "links": [link.to_dict() for link in self.links],
            "tankers": [t.to_dict() for t in self.tankers],
            "valves_to_close": [v.id for v in self.isolation.valves_to_close],
            "customers_cut_off": self.isolation.customers.total,
            "critical_customers": [c.name or c.id for c in self.isolation.customers.critical],
            "notes": list(self.notes),
        }


_CHAIN_ORDER = {
    JobKind.VALVE_CLOSURE: 0,
    JobKind.REPAIR: 1,
    JobKind.VALVE_REOPENING: 2,
    JobKind.FLUSHING: 3,
    JobKind.WATER_TANKER: 4,
}


def locate(report: RepairReport, isolator: Isolator) -> tuple[str, Location]:
    """The broken pipe of a report and the place of the dig: the pipe given, or the one
    nearest the point seen; the point seen, or the middle of the pipe."""
    network = isolator.network
    if report.pipe_id is not None:
        pipe_id = report.pipe_id
        network.pipe_index(pipe_id)  # unknown ids fail here with a clear message
    else:
        assert report.location is not None
        pipe_id = isolator.nearest_pipe(*report.location)
    p = network.pipe_index(pipe_id)
    site = report.location if report.location is not None else _pipe_middle(isolator, p)
    return pipe_id, site


@dataclass(frozen=True)
class OpenBreak:
    """A repair ticket still open: where its break is and what its isolation shuts."""

    ticket: str
    pipe_id: str
    site: Location
    isolated_pipes: frozenset[str]


SAME_BREAK_WITHIN_M = 150.0  # two reports this close are one break (the water surfaces apart)


def same_break(
    pipe_id: str,
    site: Location,
    open_breaks: Iterable[OpenBreak],
    within_m: float = SAME_BREAK_WITHIN_M,
) -> tuple[OpenBreak, float] | None:
    """The open ticket a new report most likely repeats, with the distance between the two
    sites: one whose isolated area holds the reported pipe, or whose break is within
    ``within_m``; the nearest of them. One burst is reported by many callers; two tickets
    would send two crews to close the same valves."""
    best: tuple[OpenBreak, float] | None = None
    for other in open_breaks:
        metres = float(
            np.ravel(haversine_m(np.asarray([site], float), np.asarray([other.site], float)))[0]
        )
        if (pipe_id in other.isolated_pipes or metres <= within_m) and (
            best is None or metres < best[1]
        ):
            best = (other, metres)
    return best


@dataclass(frozen=True)
class RepeatedBreak:
    """A report taken as another report of an open ticket's break: that ticket, how far apart
    the two sites are, and the pipe and site the new report was located at."""

    open_break: OpenBreak
    metres: float
    pipe_id: str
    site: Location


def repeated_break(
    report: RepairReport,
    isolator: Isolator,
    open_breaks: Iterable[OpenBreak],
    within_m: float = SAME_BREAK_WITHIN_M,
) -> RepeatedBreak | None:
    """The open ticket whose break ``report`` repeats (:func:`same_break`), or None. A minor
    leak is never taken for another ticket's break: it is a planned repair of its own. (The
    caller skips this for a report its sender says is a second break.)"""
    if report.severity == Severity.MINOR_LEAK:
        return None
    pipe_id, site = locate(report, isolator)
    found = same_break(pipe_id, site, open_breaks, within_m)
    if found is None:
        return None
    return RepeatedBreak(found[0], found[1], pipe_id, site)


def open_repair(
    report: RepairReport,
    isolator: Isolator,
    *,
    rules: RepairRules | None = None,
    roster: Sequence[CrewShift] | None = None,
    calendar: WorkCalendar | None = None,
    call_out: CallOutRules = DEFAULT_CALL_OUT,
    travel: TravelModel | None = None,
    positions: Mapping[str, Location] | None = None,
) -> RepairCase:
    """Turn a report into an isolation plan and the job chain that carries it out.

    With the ``roster`` (and its ``calendar``) the expected outage starts when a crew with
    the first job's skill can be there (:func:`ops.emergency.first_arrival`): its drive to the
    nearest valve by ``travel`` (the planner's model; straight line when None) from its depot,
    or from its ``positions`` entry when it is at work; without, ``first_arrival`` after the
    report (``basis`` nominal)."""
    rules = rules or RepairRules()
    network = isolator.network
    target = rules.targets[report.severity]
    pipe_id, site = locate(report, isolator)
    plan = isolator.isolate(pipe_id, report.inoperable_valves)
    p = network.pipe_index(pipe_id)
    diameter = float(network.pipes.diameter_mm[p])

    notes: list[str] = list(plan.warnings)
    earliest = report.reported_at
    if target.planned:
        earliest = report.reported_at + rules.notice_lead
        notes.append(
            f"planned repair: the outage may not start before {earliest:%Y-%m-%d %H:%M} "
            f"({rules.notice_lead.total_seconds() / 3600:g} h notice)"
        )
    respond_by = report.reported_at + target.respond
    restore_by = report.reported_at + target.restore
    ticket = report.id
    valve_mm = _valve_diameters(isolator, [v.id for v in plan.valves_to_close])

    jobs: list[FieldJob] = []
    links: list[JobLink] = []
    mandatory = not target.planned
    closures = []
    for v in plan.valves_to_close:
        large = valve_mm.get(v.id, diameter) >= rules.large_valve_mm
        closures.append(
            FieldJob(
                id=f"{ticket}-close-{v.id}",
                kind=JobKind.VALVE_CLOSURE,
                location=_valve_location(v),
                duration=rules.close_large if large else rules.close_small,
                skills=frozenset({Skill.VALVE}),
                source=ticket,
                earliest=earliest,
                due=max(respond_by, earliest) + (rules.close_large if large else rules.close_small),
                priority=target.priority,
                mandatory=mandatory,
                emergency=not target.planned,
                description=f"close valve {v.id} on {v.pipe_id} at {v.node_id}",
                describe=JobText(
                    "close_valve", {"valve": v.id, "pipe": v.pipe_id, "node": v.node_id}
                ),
                ticket=ticket,
                valve=v.id,
                step=RepairStep.CLOSE,
            )
        )
    hours = next((h for dn, h in rules.repair_hours if diameter <= dn), rules.repair_hours_largest)
    repair_time = dt.timedelta(hours=hours)
    crews = 2 if diameter >= rules.two_crews_from_mm else 1
    reopen_times = {
        v.id: rules.reopen_large
        if valve_mm.get(v.id, diameter) >= rules.large_valve_mm
        else rules.reopen_small
        for v in plan.valves_to_close
    }
    longest_reopen = max(reopen_times.values(), default=dt.timedelta(0))
    repair = FieldJob(
        id=f"{ticket}-repair",
        kind=JobKind.REPAIR,
        location=site,
        duration=repair_time,
        skills=frozenset({Skill.PIPE}),
        source=ticket,
        earliest=earliest,
        due=restore_by - longest_reopen,
        priority=target.priority,
        mandatory=mandatory,
        emergency=not target.planned,
        crews_required=crews,
        description=f"repair DN{diameter:g} pipe {pipe_id}"
        + (" (two crews)" if crews == 2 else ""),
        describe=JobText(
            "repair_pipe_two_crews" if crews == 2 else "repair_pipe",
            {"dn": f"{diameter:g}", "pipe": pipe_id},
        ),
        ticket=ticket,
        step=RepairStep.REPAIR,
        meta={"pipe": pipe_id},
    )
    serial = sum((c.duration + rules.travel_estimate for c in closures[1:]), dt.timedelta(0))
    max_gap = rules.outage_slack + serial
    jobs.extend(closures)
    jobs.append(repair)
    if target.planned:  # shut just before the dig: the shortest outage; all or nothing
        links.extend(JobLink(c.id, repair.id, max_gap=max_gap, required=True) for c in closures)
    else:
        # a burst runs until its valves are shut: they are closed at once, whether or not a
        # repair crew can follow now (on a night or a day off the repair may wait for one)
        links.extend(JobLink(c.id, repair.id) for c in closures)
    reopenings = []
    for v in plan.valves_to_close:
        reopenings.append(
            FieldJob(
                id=f"{ticket}-reopen-{v.id}",
                kind=JobKind.VALVE_REOPENING,
                location=_valve_location(v),
                duration=reopen_times[v.id],
                skills=frozenset({Skill.VALVE}),
                source=ticket,
                earliest=earliest,
                due=restore_by,
                priority=target.priority,
                mandatory=mandatory,
                emergency=not target.planned,
                description=f"reopen valve {v.id}",
                describe=JobText("reopen_valve", {"valve": v.id}),
                ticket=ticket,
                valve=v.id,
                step=RepairStep.REOPEN,
            )
        )
    jobs.extend(reopenings)
    links.extend(JobLink(repair.id, r.id, max_gap=max_gap, required=True) for r in reopenings)
    flush = FieldJob(
        id=f"{ticket}-flush",
        kind=JobKind.FLUSHING,
        location=site,
        duration=rules.flushing,
        skills=frozenset({Skill.VALVE}),
        source=ticket,
        earliest=earliest,
        due=restore_by + rules.flushing,
        priority=max(1, target.priority - 1),
        mandatory=mandatory,
        emergency=not target.planned,
        description=f"flush the mains around {pipe_id} after reopening",
        describe=JobText("flush_mains", {"pipe": pipe_id}),
        ticket=ticket,
        step=RepairStep.FLUSH,
    )
    jobs.append(flush)
    links.extend(JobLink(r.id, flush.id) for r in reopenings)
    if not reopenings:
        links.append(JobLink(repair.id, flush.id))

    # Expected outage, before any plan: the valves closed at once by several crews (the
    # longest closure and a drive), the repair, the valves reopened at once. This is what a
    # well-run repair achieves; a plan that has one crew work through the valves in turn is
    # late against it, which is the pressure that makes the solver share the valves out.
    zero = dt.timedelta(0)
    closing = max((c.duration for c in closures), default=zero)
    reopening = max((r.duration for r in reopenings), default=zero)
    drives = rules.travel_estimate * (int(bool(closures)) + int(bool(reopenings)))
    expected = closing + repair_time + reopening + drives
    first = closures[:1] or [repair]  # nothing to close: the repair starts the outage
    expected_start, basis, note = _expected_start(
        first[0].skills,
        earliest,
        not target.planned,
        rules,
        roster,
        calendar,
        call_out,
        Reach([j.location for j in closures or first], travel, positions),  # the nearest valve
    )
    if note:
        notes.append(note)
    expected_end = expected_start + expected
    if not target.planned:
        # An emergency's reopenings are due when the notice will say the water is back: the
        # solver keeps the chain early and tight (the restoration target stays the outer
        # limit). A planned repair may be scheduled any day in its target: its chain is kept
        # tight by the maximum gaps alone, and due times tied to the earliest day would call
        # it late before any work.
        reopenings = [replace(r, due=min(r.due or expected_end, expected_end)) for r in reopenings]
        # the mains are flushed as soon as the water is back, not at the end of the overtime
        flushed = expected_end + rules.flushing
        jobs = [replace(j, due=min(j.due or flushed, flushed)) if j is flush else j for j in jobs]
        # and the repair is due when it would end on that schedule: with the closures free to
        # go at once (no maximum gap), this is what keeps the dig right behind them
        repair = replace(repair, due=min(repair.due or expected_end, expected_end - reopening))
        jobs = [j for j in jobs if j.kind not in (JobKind.VALVE_REOPENING, JobKind.REPAIR)] + [
            repair,
            *reopenings,
        ]
        jobs.sort(key=lambda j: _CHAIN_ORDER[j.kind])
    # Tankers are sent on the worst case: one crew working through the valves in turn.
    serial = (
        sum((c.duration for c in closures), zero)
        + repair_time
        + sum((r.duration for r in reopenings), zero)
        + 2 * max(0, len(closures) - 1) * rules.travel_estimate
        + drives
    )
    tankers = _tanker_points(isolator, plan, serial, rules)
    for t in tankers:
        jobs.append(
            FieldJob(
                id=f"{ticket}-tanker-{t.customer_id or t.name}",
                kind=JobKind.WATER_TANKER,
                location=t.location,
                duration=rules.tanker_stop,
                skills=frozenset({Skill.TANKER}),
                source=ticket,
                earliest=earliest,
                due=None if target.planned else expected_start + rules.tanker_due,
                priority=5 if t.critical else 4,
                mandatory=t.critical and mandatory,
                emergency=not target.planned,
                description=f"water tanker to {t.name}",
                describe=JobText("water_tanker", {"to": t.name}),
                ticket=ticket,
                step=RepairStep.TANKER,
                meta={"critical": t.critical},
            )
        )
    if tankers:
        why = []
        if plan.customers.critical:
            why.append(f"{len(plan.customers.critical)} critical customers cut off")
        if serial > rules.tanker_after:
            why.append(f"outage up to {serial.total_seconds() / 3600:.1f} h")
        notes.append(f"{len(tankers)} water tankers ({'; '.join(why)})")
    return RepairCase(
        report=report,
        pipe_id=pipe_id,
        isolation=plan,
        jobs=tuple(jobs),
        links=tuple(links),
        expected_start=expected_start,
        expected_outage=expected,
        tankers=tankers,
        target=target,
        notes=tuple(notes),
        basis=basis,
    )


def _expected_start(
    skills: frozenset[str],
    earliest: dt.datetime,
    emergency: bool,
    rules: RepairRules,
    roster: Sequence[CrewShift] | None,
    calendar: WorkCalendar | None,
    call_out: CallOutRules,
    reach: Reach,
) -> tuple[dt.datetime, ExpectedBasis, str]:
    """The expected start of the outage (the first closure), how it was found and a note:
    by the roster when it is known (:func:`ops.emergency.first_arrival`: a crew at work, an
    on-call crew after the call-out delay, or the next shift, and its drive to the nearest of
    ``reach.sites``), else nominal."""
    nominal = earliest + rules.first_arrival
    if roster is None or calendar is None:
        return nominal, "nominal", ""
    found = first_arrival(
        roster,
        skills,
        earliest,
        calendar,
        rules=call_out,
        emergency=emergency,
        on_shift=rules.first_arrival,
        drive=rules.travel_estimate,
        sites=reach.sites,
        travel=reach.travel,
        positions=reach.positions,
    )
    if found is None:
        need = ", ".join(sorted(skills))
        return nominal, "nominal", f"no crew with {need} in the roster: the window is an estimate"
    basis: ExpectedBasis = "roster" if found.drive_from != "estimate" else "roster_estimated_drive"
    if found.how == "on_shift" and found.drive_from == "estimate":
        return found.at, basis, ""
    why = {"on_shift": "at work", "call_out": "called out", "shift": "its shift"}[found.how]
    minutes = round(found.drive.total_seconds() / 60)
    way = {"depot": "from its depot", "position": "from where it was seen"}.get(
        found.drive_from, "estimated"
    )
    return (
        found.at,
        basis,
        f"first crew there {found.at:%Y-%m-%d %H:%M} ({found.crew}, {why}; "
        f"{minutes} min drive {way})",
    )


@dataclass(frozen=True)
class Reach:
    """Where the first job of a chain is (its places: a burst's valves) and how a crew gets
    there: the planner's travel model and the positions known of crews at work."""

    sites: Sequence[Location]
    travel: TravelModel | None = None
    positions: Mapping[str, Location] | None = None


def _valve_location(v: ValveRef) -> Location:
    if v.lon is None or v.lat is None:
        raise InvalidRequest(
            f"valve {v.id} has no map position: the network needs a CRS to plan field work",
            code="no_map",
        )
    return (float(v.lon), float(v.lat))


def _pipe_middle(isolator: Isolator, p: int) -> Location:
    network = isolator.network
    if not network.has_map:
        raise InvalidRequest("the network has no CRS: field jobs need map positions", code="no_map")
    geometry = network.pipes.geometry
    if geometry is not None:
        mid = shapely.line_interpolate_point(geometry[p], 0.5, normalized=True)
        xy = shapely.get_coordinates(mid)
    else:
        xy = np.array(
            [
                (network.nodes.xy[network.pipes.start[p]] + network.nodes.xy[network.pipes.end[p]])
                / 2
            ]
        )
    lonlat = network.to_wgs84(xy)
    return (float(lonlat[0, 0]), float(lonlat[0, 1]))


def _valve_diameters(isolator: Isolator, valve_ids: Sequence[str]) -> dict[str, float]:
    """A valve's size is its pipe's size."""
    network = isolator.network
    out = {}
    for vid in valve_ids:
        v = network.valve_index(vid)
        out[vid] = float(network.pipes.diameter_mm[network.valves.pipe[v]])
    return out


def _tanker_points(
    isolator: Isolator, plan: IsolationPlan, expected: dt.timedelta, rules: RepairRules
) -> tuple[TankerPoint, ...]:
    """One tanker per critical customer cut off; for long outages, also points for residents at
    the largest residential customers (apartment blocks), spread over the area."""
    network = isolator.network
    if not network.has_map:
        return ()
    points: list[TankerPoint] = []
    for c in plan.customers.critical:
        i = network.customer_index(c.id)
        lonlat = network.to_wgs84(network.customers.xy[i : i + 1])
        points.append(
            TankerPoint(
                c.name or c.id, (float(lonlat[0, 0]), float(lonlat[0, 1])), c.id, critical=True
            )
        )
    if expected <= rules.tanker_after:
        return tuple(points)
    residential = CUSTOMER_CATEGORIES.index("residential")
    pipes = np.array(
        [network.pipe_index(p) for p in (*plan.isolated_pipes, *plan.unintended_pipes)],
        dtype=np.int64,
    )
    cust = network.customers
    mask = np.isin(cust.pipe, pipes) & (cust.category == residential)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return tuple(points)
    accounts = int(cust.accounts[idx].sum())
    wanted = min(rules.max_tanker_points, math.ceil(accounts / rules.residents_per_tanker_point))
    # farthest-point spread over the blocks with the most accounts
    order = idx[np.argsort(-cust.accounts[idx], kind="stable")]
    chosen: list[int] = [int(order[0])]
    candidates = order[: max(50, wanted * 10)]
    while len(chosen) < wanted and len(chosen) < len(candidates):
        xy = cust.xy[candidates]
        d = np.min(np.linalg.norm(xy[:, None, :] - cust.xy[chosen][None, :, :], axis=2), axis=1)
        best = int(candidates[int(np.argmax(d))])
        if best in chosen:
            break
        chosen.append(best)
    lonlat = network.to_wgs84(cust.xy[chosen])
    for k, i in enumerate(chosen):
        address = cust.address[i]
        name = str(address) if address is not None and address == address else str(cust.ids[i])
        points.append(
            TankerPoint(
                f"tanker point {k + 1}: {name}",
                (float(lonlat[k, 0]), float(lonlat[k, 1])),
                str(cust.ids[i]),
            )
        )
    return tuple(points)


@dataclass(frozen=True)
class OutageWindow:
    """The outage as a plan schedules it: first closure start to last reopening end."""

    start: dt.datetime
    end: dt.datetime
    scheduled: bool  # False: some closure or reopening is not in the plan (estimate used)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "scheduled": self.scheduled,
        }


@dataclass(frozen=True)
class RepairChain:
    """What the outage window needs of a repair: its closures, reopenings, repair job and the
    expected window (a stored ticket rebuilds it from its jobs)."""

    ticket: str
    closures: tuple[FieldJob, ...]
    reopenings: tuple[FieldJob, ...]
    expected: tuple[dt.datetime, dt.datetime]
    repairs: tuple[FieldJob, ...] = ()  # the repair job (what a chain with no closures times)

    def expected_window(self) -> tuple[dt.datetime, dt.datetime]:
        return self.expected


def repair_chain(case: RepairCase | RepairChain) -> RepairChain:
    if isinstance(case, RepairChain):
        return case
    return RepairChain(
        case.report.id, case.closures, case.reopenings, case.expected_window(), case.repairs
    )


def chain_from_jobs(
    ticket: str, jobs: Sequence[FieldJob], expected: tuple[dt.datetime, dt.datetime]
) -> RepairChain:
    """A repair's chain from its stored jobs (those of its ``ticket``)."""
    mine = [j for j in jobs if j.ticket == ticket]
    return RepairChain(
        ticket,
        tuple(j for j in mine if j.step == RepairStep.CLOSE),
        tuple(j for j in mine if j.step == RepairStep.REOPEN),
        expected,
        tuple(j for j in mine if j.step == RepairStep.REPAIR),
    )


def outage_window(case: RepairCase | RepairChain, plan: Plan, day: dt.date) -> OutageWindow:
    """The outage window of a repair as ``plan`` (on the axis of ``day``) schedules it."""
    case = repair_chain(case)
    midnight = dt.datetime.combine(day, dt.time(0))
    starts, ends = [], []
    missing = False
    for job in case.closures:
        stop = plan.stop(job.id)
        if stop is None:
            missing = True
        else:
            starts.append(stop.start)
    for job in case.reopenings:
        stop = plan.stop(job.id)
        if stop is None:
            missing = True
        else:
            ends.append(stop.end)
    if not case.closures:  # nothing to close (a source in the area): the repair itself
        stops = [plan.stop(job.id) for job in case.repairs[:1]]
        for stop in stops:
            if stop is not None:
                starts.append(stop.start)
                ends.append(stop.end)
        missing = missing or not stops or None in stops
    if missing or not starts or not ends:
        start, end = case.expected_window()
        return OutageWindow(start, end, scheduled=False)
    return OutageWindow(
        midnight + dt.timedelta(seconds=min(starts)),
        midnight + dt.timedelta(seconds=max(ends)),
        scheduled=True,
    )
