"""The valve-maintenance programme: which valves to exercise next.

The service plan asks that valves be inspected and maintained so that a repair shuts off the
smallest area for the shortest time. A valve that has not been turned for years is the one that
fails when it is needed; so every operable valve is exercised (closed and reopened, its turns
counted) once per cycle. The programme (:func:`exercise_programme`) has two cycles
(:class:`ProgrammeSettings`): the critical valves (:func:`critical_valves`: the top 10 % by
the extra customers cut off if they fail, the valves on trunk mains and those whose failure
cuts off a critical customer) yearly, the others every three years; :func:`valves_due` is the
plain list with one cycle for every valve (default two years). The programme puts the critical
valves first; then, in both, never-exercised valves, then the longest unexercised, and with a
criticality ranking (:func:`gis.criticality.valve_criticality`) the valves whose failure costs
most.
Normally-closed boundary valves are exercised too (they are DMA boundaries that a repair may
need to open). Inoperable valves are not exercised but listed for replacement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from ops.calendar import local_time
from ops.errors import InvalidRequest
from ops.jobs import FieldJob, JobKind, JobText, Skill
from ops.workflow import CLOSED, JobChange, JobState, JobStatus, close_jobs

if TYPE_CHECKING:
    from gis.network import Network

DEFAULT_CYCLE = dt.timedelta(days=730)


@dataclass(frozen=True)
class ValveDue:
    """A valve due for exercise, and why."""

    valve_id: str
    last_exercised: dt.date | None
    days_overdue: int | None  # None: never exercised
    extra_customers_if_failed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "valve": self.valve_id,
            "last_exercised": self.last_exercised.isoformat() if self.last_exercised else None,
            "days_overdue": self.days_overdue,
            "extra_customers_if_failed": self.extra_customers_if_failed,
        }


def _date(value: Any) -> dt.date | None:
    if value is None or value != value or str(value).strip() == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def valves_due(
    network: Network,
    on: dt.date,
    *,
    cycle: dt.timedelta = DEFAULT_CYCLE,
    criticality: Mapping[str, int] | None = None,
) -> list[ValveDue]:
    """Operable valves due for exercise on ``on``, most urgent first.

    ``criticality`` maps valve id to the extra customers cut off if it fails (the criticality
    table); without it, only the age since the last exercise orders the list.
    """
    valves = network.valves
    out = []
    for i in range(len(valves)):
        if not valves.operable[i]:
            continue
        vid = str(valves.ids[i])
        last = _date(valves.last_exercised[i])
        if last is not None and on - last < cycle:
            continue
        overdue = None if last is None else (on - last - cycle).days
        out.append(ValveDue(vid, last, overdue, (criticality or {}).get(vid, 0)))
    out.sort(
        key=lambda v: (
            -v.extra_customers_if_failed,
            v.days_overdue is not None,
            -(v.days_overdue or 0),
            v.valve_id,
        )
    )
    return out


def exercise_job_id(valve_id: str, day: dt.date) -> str:
    """A readable id for the exercise of a valve; the valve itself is the job's ``valve``."""
    return f"EX-{valve_id}-{day:%Y%m%d}"


def exercise_jobs(
    network: Network,
    due: Sequence[ValveDue],
    day: dt.date,
    *,
    limit: int = 20,
    small: dt.timedelta = dt.timedelta(minutes=15),
    large: dt.timedelta = dt.timedelta(minutes=30),
    large_mm: float = 300.0,
) -> list[FieldJob]:
    """Exercise jobs for the first ``limit`` valves of the programme, to do from ``day`` on
    (optional, low priority: due by the end of the month)."""
    if not network.has_map:
        return []
    chosen = list(due[:limit])
    if not chosen:
        return []
    idx = np.array([network.valve_index(v.valve_id) for v in chosen], dtype=np.int64)
    lonlat = network.to_wgs84(network.valves.xy[idx])
    month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    jobs = []
    for k, v in enumerate(chosen):
        size = float(network.pipes.diameter_mm[network.valves.pipe[idx[k]]])
        jobs.append(
            FieldJob(
                id=exercise_job_id(v.valve_id, day),
                kind=JobKind.VALVE_EXERCISE,
                location=(float(lonlat[k, 0]), float(lonlat[k, 1])),
                duration=large if size >= large_mm else small,
                skills=frozenset({Skill.VALVE}),
                source="valve programme",
                earliest=dt.datetime.combine(day, dt.time(0)),
                due=dt.datetime.combine(month_end, dt.time(17)),
                priority=2,
                description=f"exercise valve {v.valve_id} (DN{size:g}); last "
                + (v.last_exercised.isoformat() if v.last_exercised else "never"),
                describe=_exercise_text(v, size),
                valve=v.valve_id,
            )
        )
    return jobs


def _exercise_text(v: ValveDue, size: float) -> JobText:
    params = {"valve": v.valve_id, "dn": f"{size:g}"}
    if v.last_exercised is None:
        return JobText("exercise_valve_never", params)
    return JobText("exercise_valve", {**params, "last": v.last_exercised.isoformat()})


# -- the programme: critical valves yearly, others on a longer cycle, grouped by area ----------


@dataclass(frozen=True)
class ProgrammeSettings:
    """Which valves are critical and how often each class is exercised."""

    critical_cycle: dt.timedelta = dt.timedelta(days=365)
    other_cycle: dt.timedelta = dt.timedelta(days=3 * 365)
    critical_share: float = 0.10  # the top 10 % of valves by extra customers if they fail
    critical_min_customers: int = 1  # a valve whose failure costs nobody is never critical
    # valves on trunk mains are critical too: a pipe outside every DMA (a transmission main),
    # or a main of this diameter or more (docs/leakage.md, "The valve programme")
    trunk_min_diameter_mm: float = 300.0
    # with a hydraulic criticality (gis.hydraulics.hydraulic_valve_criticality): the top
    # critical_share by the extra demand not served if they fail, from this much (m³/h)
    critical_min_not_served_m3h: float = 0.1

    def critical(self, criticality: Mapping[str, int]) -> frozenset[str]:
        """The top ``critical_share`` by extra customers (one of the reasons a valve is
        critical: :func:`critical_valves` gives them all)."""
        ranked = sorted(
            (v for v, c in criticality.items() if c >= self.critical_min_customers),
            key=lambda v: (-criticality[v], v),
        )
        return frozenset(ranked[: round(self.critical_share * len(criticality))])

    def hydraulically_critical(self, not_served_m3h: Mapping[str, float]) -> frozenset[str]:
        """The top ``critical_share`` by the extra demand not served (m³/h at the hour of the
        table) if they fail, from ``critical_min_not_served_m3h``: the valves whose failure
        hurts most hydraulically, customers cut off or not."""
        ranked = sorted(
            (v for v, q in not_served_m3h.items() if q >= self.critical_min_not_served_m3h),
            key=lambda v: (-not_served_m3h[v], v),
        )
        return frozenset(ranked[: round(self.critical_share * len(not_served_m3h))])


def critical_valves(
    network: Network,
    criticality: Mapping[str, int],
    settings: ProgrammeSettings = ProgrammeSettings(),
    *,
    critical_customers: Mapping[str, int] | None = None,
    hydraulic: Mapping[str, float] | None = None,
) -> frozenset[str]:
    """The valves exercised on the critical cycle: the top ``critical_share`` by the extra
    customers cut off if they fail, every valve on a trunk main (a pipe outside every DMA, or
    of ``trunk_min_diameter_mm`` or more), and every valve whose failure cuts off a critical
    customer (hospital, dialysis centre …): ``critical_customers`` maps valve id to those
    extra critical customers (``gis.criticality.ValveCriticality.extra_critical``). Where the
    hydraulic criticality exists, ``hydraulic`` maps valve id to the extra demand not served
    (m³/h) if it fails (``gis.hydraulics.ValveHydraulics.extra_not_served_m3h``: low pressure
    beyond the area cut off counts too), and its top ``critical_share`` are critical as well
    (:meth:`ProgrammeSettings.hydraulically_critical`)."""
    valves = network.valves
    pipes = valves.pipe
    dma = network.pipes.dma[pipes]
    outside = np.asarray([d is None or d != d for d in dma], dtype=bool)
    trunk = outside | (network.pipes.diameter_mm[pipes] >= settings.trunk_min_diameter_mm)
    out = set(settings.critical(criticality)) | {str(v) for v in valves.ids[trunk]}
    out |= {v for v, n in (critical_customers or {}).items() if n > 0}
    if hydraulic is not None:
        out |= settings.hydraulically_critical(hydraulic)
    return frozenset(out)


@dataclass(frozen=True)
class ProgrammeItem:
    """A valve of the programme: when it is due and where it is."""

    valve_id: str
    critical: bool
    area: str  # the DMA of its pipe ("" for trunk mains)
    last_exercised: dt.date | None
    due_on: dt.date  # last exercise + its cycle (the day the programme starts if never)
    extra_customers_if_failed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "valve": self.valve_id,
            "critical": self.critical,
            "area": self.area,
            "last_exercised": self.last_exercised.isoformat() if self.last_exercised else None,
            "due_on": self.due_on.isoformat(),
            "extra_customers_if_failed": self.extra_customers_if_failed,
        }


def exercise_programme(
    network: Network,
    criticality: Mapping[str, int],
    on: dt.date,
    *,
    settings: ProgrammeSettings = ProgrammeSettings(),
    exercised: Mapping[str, dt.date] | None = None,
    failed: Sequence[str] = (),
    horizon: dt.timedelta = dt.timedelta(0),
    critical_customers: Mapping[str, int] | None = None,
    hydraulic: Mapping[str, float] | None = None,
) -> list[ProgrammeItem]:
    """The operable valves due by ``on + horizon``, critical ones first, then by how overdue.

    ``criticality`` maps valve id to the extra customers cut off if it fails
    (:func:`gis.criticality.valve_criticality`); ``exercised`` gives exercise dates recorded
    since the data was loaded (they override the layer's ``last_exercised``); ``failed``
    valves (found inoperable) wait for repair instead. Critical valves: :func:`critical_valves`
    (``critical_customers``: valve id → extra critical customers cut off if it fails;
    ``hydraulic``: valve id → extra demand not served, m³/h, where the hydraulic criticality
    exists)."""
    valves = network.valves
    critical = critical_valves(
        network, criticality, settings, critical_customers=critical_customers, hydraulic=hydraulic
    )
    latest = dict(exercised or {})
    broken = set(failed)
    until = on + horizon
    out = []
    for i in range(len(valves)):
        vid = str(valves.ids[i])
        if not valves.operable[i] or vid in broken:
            continue
        last = latest.get(vid) or _date(valves.last_exercised[i])
        cycle = settings.critical_cycle if vid in critical else settings.other_cycle
        due_on = on if last is None else last + cycle
        if due_on > until:
            continue
        dma = network.pipes.dma[valves.pipe[i]]
        area = "" if dma is None or dma != dma else str(dma)
        out.append(
            ProgrammeItem(vid, vid in critical, area, last, due_on, int(criticality.get(vid, 0)))
        )
    # critical first; then the longest without a check (never exercised first), the costliest
    out.sort(
        key=lambda v: (
            not v.critical,
            v.last_exercised or dt.date.min,
            -v.extra_customers_if_failed,
            v.valve_id,
        )
    )
    return out


def programme_jobs(
    network: Network, items: Sequence[ProgrammeItem], day: dt.date, *, limit: int = 20
) -> list[FieldJob]:
    """Exercise jobs for the ``limit`` most urgent valves, grouped by area (a crew works one
    DMA at a time); each job's description names its area."""
    chosen = list(items[:limit])
    chosen.sort(key=lambda v: (v.area, v.valve_id))
    due = [
        ValveDue(v.valve_id, v.last_exercised, None, v.extra_customers_if_failed) for v in chosen
    ]
    jobs = exercise_jobs(network, due, day, limit=len(due))
    area_of = {v.valve_id: v.area for v in chosen}
    critical = {v.valve_id for v in chosen if v.critical}
    out = []
    for job in jobs:
        valve = str(job.valve)
        area = area_of.get(valve, "")
        out.append(
            replace(
                job,
                description=f"{job.description} [{area or 'trunk main'}]",
                describe=_in_area(job.describe, area),
                meta={**job.meta, "area": area, "critical": valve in critical},
            )
        )
    return out


def _in_area(text: JobText | None, area: str) -> JobText | None:
    """An exercise's text with the area of the programme it is in (a DMA, or a trunk main)."""
    if text is None:
        return None
    if not area:
        return JobText(f"{text.key}_trunk", text.params)
    return JobText(f"{text.key}_area", {**text.params, "area": area})


class ExerciseResult(StrEnum):
    """What a crew found when it exercised a valve."""

    OPERABLE = "operable"  # closed and reopened, turns counted
    STUCK = "stuck"  # would not turn: inoperable until repaired
    LEAKING = "leaking"  # works, but the gland or body leaks: a repair job
    NOT_FOUND = "not_found"  # buried, paved over, not where the map says: inoperable

    @property
    def operable(self) -> bool:
        return self in (ExerciseResult.OPERABLE, ExerciseResult.LEAKING)

    @property
    def needs_repair(self) -> bool:
        return self is not ExerciseResult.OPERABLE


# -- what the programme buys: the worst case before and after --------------------------------


MIN_RESULTS_FOR_SHARE = 20  # exercise results before their fault share is a figure to use


@dataclass(frozen=True)
class ProgrammeEffect:
    """Customers cut off beyond the plan if the most critical valves fail when needed."""

    top: int
    before: int  # extra customers over the top valves not verified within their cycle
    after: int  # the same once the programme's exercises are done (found faults left)
    worst_before: int  # the largest single extra loss among them
    worst_after: int
    unverified_before: tuple[str, ...]
    unverified_after: tuple[str, ...]
    # the share of exercises so far that found a valve not to close (stuck, not found), where
    # there are at least MIN_RESULTS_FOR_SHARE of them, and ``after`` with that share of the
    # valves the year exercises found faulty: ``after`` alone is if every exercise succeeds
    fault_share: float | None = None
    expected_after: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "top_valves": self.top,
            "extra_customers_at_risk_before": self.before,
            "extra_customers_at_risk_after": self.after,
            "worst_single_valve_before": self.worst_before,
            "worst_single_valve_after": self.worst_after,
            "unverified_before": list(self.unverified_before),
            "unverified_after": list(self.unverified_after),
            "reduction_pct": round(100 * (1 - self.after / self.before), 1) if self.before else 0.0,
            "after_assumes": "every exercise succeeds",
            "fault_share": None if self.fault_share is None else round(self.fault_share, 3),
            "expected_after": None if self.expected_after is None else round(self.expected_after),
        }


def programme_effect(
    network: Network,
    criticality: Mapping[str, int],
    on: dt.date,
    *,
    top: int = 50,
    settings: ProgrammeSettings = ProgrammeSettings(),
    exercised: Mapping[str, dt.date] | None = None,
    results: Mapping[str, ExerciseResult] | None = None,
    horizon: dt.timedelta = dt.timedelta(days=365),
    critical_customers: Mapping[str, int] | None = None,
) -> ProgrammeEffect:
    """Among the ``top`` most critical valves, those not verified (exercised within their
    cycle) are the ones that may fail when a repair needs them: each would cut off its extra
    customers. Before: as the data stands on ``on``. After: once the programme has exercised
    every valve due within ``horizon``; valves whose result was stuck or not found still
    count, as do the ones already known inoperable."""
    valves = network.valves
    ranked = sorted(criticality, key=lambda v: (-criticality[v], v))[:top]
    known = dict(exercised or {})
    found = dict(results or {})
    critical = critical_valves(
        network, criticality, settings, critical_customers=critical_customers
    )

    def fails(vid: str) -> bool:  # known not to close: in the data, or found by an exercise
        return not valves.operable[network.valve_index(vid)] or (
            vid in found and not found[vid].operable
        )

    def checked(vid: str) -> bool:  # exercised within its cycle
        last = known.get(vid) or _date(valves.last_exercised[network.valve_index(vid)])
        cycle = settings.critical_cycle if vid in critical else settings.other_cycle
        return last is not None and on - last < cycle

    before = [v for v in ranked if fails(v) or not checked(v)]
    # within the horizon the programme exercises every operable valve that is due
    after = [v for v in ranked if fails(v) or (not checked(v) and horizon <= dt.timedelta(0))]
    share = None
    if len(found) >= MIN_RESULTS_FOR_SHARE:
        share = sum(not r.operable for r in found.values()) / len(found)
    exercised_now = sum(criticality[v] for v in before if v not in after)
    expected = None if share is None else sum(criticality[v] for v in after) + share * exercised_now
    return ProgrammeEffect(
        top=len(ranked),
        before=sum(criticality[v] for v in before),
        after=sum(criticality[v] for v in after),
        worst_before=max((criticality[v] for v in before), default=0),
        worst_after=max((criticality[v] for v in after), default=0),
        unverified_before=tuple(before),
        unverified_after=tuple(after),
        fault_share=share,
        expected_after=expected,
    )


def valve_repair_job(
    network: Network, valve_id: str, result: ExerciseResult, now: dt.datetime, *, critical: bool
) -> FieldJob | None:
    """The repair a failed exercise calls for (None when the valve was fine): a pipe crew
    (a stuck or leaking valve is dug out and repacked or replaced; a lost one located and
    raised). Critical valves within 3 days, others within 14."""
    if not result.needs_repair:
        return None
    i = network.valve_index(valve_id)
    lonlat = network.to_wgs84(network.valves.xy[i : i + 1])[0] if network.has_map else (0.0, 0.0)
    what = {
        ExerciseResult.STUCK: "free or replace the seized valve",
        ExerciseResult.LEAKING: "repack the gland / stop the leak",
        ExerciseResult.NOT_FOUND: "locate the valve box and raise it to the surface",
    }[result]
    return FieldJob(
        id=f"VR-{valve_id}-{now:%Y%m%d}",
        kind=JobKind.REPAIR,
        location=(float(lonlat[0]), float(lonlat[1])),
        duration=dt.timedelta(hours=2),
        skills=frozenset({Skill.PIPE, Skill.VALVE}),
        source="valve programme",
        earliest=now,
        due=now + dt.timedelta(days=3 if critical else 14),
        priority=1 if critical else 2,
        description=f"valve {valve_id} {result.value.replace('_', ' ')}: {what}",
        describe=JobText(f"valve_repair_{result.value}", {"valve": valve_id}),
        valve=valve_id,
    )


# -- the programme's workflow: the next exercises, and a result from the field -----------------


def next_exercises(
    network: Network,
    criticality: Mapping[str, int],
    today: dt.date,
    *,
    count: int = 20,
    settings: ProgrammeSettings = ProgrammeSettings(),
    exercised: Mapping[str, dt.date] | None = None,
    failed: Sequence[str] = (),
    open_valves: Container[str] = (),
    critical_customers: Mapping[str, int] | None = None,
) -> list[FieldJob]:
    """The exercise jobs to add next: the ``count`` most urgent valves of the programme
    (:func:`exercise_programme`) that have no exercise open yet (``open_valves``), grouped by
    area (:func:`programme_jobs`); ``critical_customers`` as for :func:`exercise_programme`."""
    due = [
        item
        for item in exercise_programme(
            network,
            criticality,
            today,
            settings=settings,
            exercised=exercised,
            failed=failed,
            critical_customers=critical_customers,
        )
        if item.valve_id not in open_valves
    ]
    return programme_jobs(network, due, today, limit=count)


@dataclass(frozen=True)
class ExerciseRecord:
    """What an exercise's result records: the valve's status (``result.operable`` from now on
    for every isolation), the valve's exercise jobs closed as done (each with its history
    entry), and the repair job a failed exercise calls for (None when it was fine)."""

    valve: str
    result: ExerciseResult
    on: dt.date
    note: str
    closed: tuple[JobChange, ...]
    repair: FieldJob | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "valve": self.valve,
            "result": self.result.value,
            "operable": self.result.operable,
            "needs_repair": self.result.needs_repair,
            "exercised_on": self.on.isoformat(),
            "jobs_closed": [c.job.id for c in self.closed],
            "repair_job": self.repair.to_dict() if self.repair is not None else None,
        }


def record_exercise(
    network: Network,
    valve_id: str,
    result: ExerciseResult | str,
    exercises: Sequence[JobState],
    criticality: Mapping[str, int],
    *,
    by: str,
    at: dt.datetime,
    on: dt.date | None = None,
    note: str = "",
    settings: ProgrammeSettings = ProgrammeSettings(),
    critical_customers: Mapping[str, int] | None = None,
) -> ExerciseRecord:
    """A crew's exercise of ``valve_id`` found ``result``.

    Parameters
    ----------
    exercises
        The valve's exercise jobs as they stand: those not closed yet are done.
    criticality
        Valve id → extra customers cut off if it fails. A critical valve's repair is due in
        3 days, another's in 14 (:func:`valve_repair_job`); critical as the programme has it
        (:func:`critical_valves`: top ``settings.critical_share``, trunk mains, and the valves
        whose failure cuts off a critical customer, ``critical_customers``: valve id → extra
        critical customers).
    by, at
        Who records it and when (the jobs' history; the repair job is due from ``at``).
    on
        The day of the exercise (default: the day of ``at``).

    Raises
    ------
    InvalidRequest
        ``on`` is after the day of ``at``.
    gis.errors.UnknownValve
        The network has no valve ``valve_id``.
    """
    result = ExerciseResult(result)
    now = local_time(at)
    on = on or now.date()
    if on > now.date():
        raise InvalidRequest("on: a date in the future", code="exercise_in_future")
    network.valve_index(valve_id)
    # the service's note has its key; an engineer's own words are shown as written
    key, words = (None, {}) if note else ("exercise", {"result": result.value})
    note = note or f"exercise: {result.value}"
    still_open = frozenset(JobStatus) - CLOSED
    closed = close_jobs(
        list(exercises), JobStatus.DONE, among=still_open, by=by, at=at, note=note, key=key,
        params=words,
    )  # fmt: skip
    critical = valve_id in critical_valves(
        network, criticality, settings, critical_customers=critical_customers
    )
    moment = now.replace(tzinfo=None, second=0, microsecond=0)  # the jobs' local time
    repair = valve_repair_job(network, valve_id, result, moment, critical=critical)
    return ExerciseRecord(valve_id, result, on, note, tuple(closed), repair)
