"""Re-planning the rest of a day: what of the published plan is frozen, and the whole day after.

:func:`routing.solver.replan` is :func:`freeze` (the started work stays, the crews are free
from its end, the rest is the problem to solve again), :func:`routing.solver.solve` of that
problem, then :func:`whole_day_plan` (the frozen stops back in front of the new routes, with
whole-day totals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from routing.extract import geometry, home_time
from routing.model import BreakTaken, Crew, Job, Plan, Problem, Route, Stop, TimeWindow
from routing.travel import StraightLine, TravelModel

ShiftKey = tuple[str, int]
"""A crew's shift: (crew id, shift index)."""


@dataclass(frozen=True)
class Frozen:
    """The published plan at ``now``: what stays, and the problem of the rest of the day.

    Parameters
    ----------
    problem
        The crews free from the end of their started work, the jobs not started (those that
        must follow a started one no earlier than it allows), and their precedences.
    stops
        The stops started by ``now``, per shift (a suspended one ends when its crew leaves).
    started
        The first started stop of each started job.
    taken
        The breaks begun by ``now``, per shift.
    whole
        The published stops of the suspended jobs, before the cut.
    """

    problem: Problem
    stops: dict[ShiftKey, list[Stop]]
    started: dict[str, Stop]
    taken: dict[ShiftKey, list[BreakTaken]]
    whole: dict[ShiftKey, Stop]


def freeze(
    problem: Problem,
    published: Plan,
    now: int,
    suspend: Mapping[str, tuple[int, str]],
    *,
    calls_from_breaks: bool,
) -> Frozen:
    """The published plan frozen at ``now`` (see :func:`routing.solver.replan`)."""
    frozen: dict[ShiftKey, list[Stop]] = {}
    started: dict[str, Stop] = {}
    taken: dict[ShiftKey, list[BreakTaken]] = {}
    # the published stops of the jobs left, before the cut (a two-crew job's first crew leaves)
    whole: dict[ShiftKey, Stop] = {}
    for r in published.routes:
        done = [s for s in r.stops if s.start <= now]
        for k, stop in enumerate(done):
            if stop.slot == 1 and stop.job_id in suspend and stop.start <= now < stop.end:
                whole[stop.key] = stop
                done[k] = replace(stop, end=max(now, min(stop.end, suspend[stop.job_id][0])))
        if done:
            frozen[(r.crew_id, r.shift)] = done
            for stop in done:
                started.setdefault(stop.job_id, stop)
        begun = [b for b in r.breaks if b.start <= now]
        if calls_from_breaks:  # a break under way ends now: the crew goes
            begun = [replace(b, end=min(b.end, now)) for b in begun]
        if begun:
            taken[(r.crew_id, r.shift)] = begun
    crews = tuple(_crew_at(crew, now, frozen, taken) for crew in problem.crews)
    rest = replace(
        problem,
        crews=crews,
        jobs=_jobs_left(problem, started),
        precedences=tuple(
            p for p in problem.precedences if p.before not in started and p.after not in started
        ),
    )
    return Frozen(rest, frozen, started, taken, whole)


def _crew_at(
    crew: Crew,
    now: int,
    frozen: Mapping[ShiftKey, list[Stop]],
    taken: Mapping[ShiftKey, list[BreakTaken]],
) -> Crew:
    """The crew at ``now``: without the breaks it took, free (where its started work left it,
    or, that work over by ``now``, at its ``current_location`` when given) from the end of
    that work, and of any break under way."""
    shifts = []
    free_from = crew.available_from
    for k, shift in enumerate(crew.shifts):
        had = taken.get((crew.id, k), [])
        left = tuple(
            b
            for b in shift.breaks
            if not any(b.window.start <= t.start <= b.window.end for t in had)
        )
        shifts.append(replace(shift, breaks=left))
        if shift.start <= now < shift.end:
            for t in had:
                if t.end > now:  # on a break right now
                    free_from = max(free_from or now, t.end)
    crew = replace(crew, shifts=tuple(shifts))
    shift_now = [k for k, sh in enumerate(crew.shifts) if sh.start <= now < sh.end]
    stops = next((frozen[(crew.id, k)] for k in shift_now if (crew.id, k) in frozen), None)
    if stops:
        last = stops[-1]
        # its started work over, a crew the caller places (GPS) has gone there since
        moved = crew.current_location if last.end <= now else None
        return replace(
            crew,
            current_location=moved or last.location or crew.current_location,
            available_from=max(now, last.end, free_from or now),
        )
    return replace(
        crew,
        current_location=crew.current_location or crew.start_location,
        available_from=max(now, free_from or now),
    )


def _jobs_left(problem: Problem, started: Mapping[str, Stop]) -> tuple[Job, ...]:
    """The jobs not started; one that must follow a started job starts no earlier than that
    allows (and no later, with a largest gap)."""
    not_before: dict[str, int] = {}
    not_after: dict[str, int] = {}
    for p in problem.precedences:
        if p.before in started and p.after not in started:
            end = started[p.before].end + p.gap
            not_before[p.after] = max(not_before.get(p.after, end), end)
            if p.max_gap is not None:
                latest = started[p.before].end + p.max_gap
                not_after[p.after] = min(not_after.get(p.after, latest), latest)
    return tuple(
        _not_before(j, not_before[j.id], not_after.get(j.id)) if j.id in not_before else j
        for j in problem.jobs
        if j.id not in started
    )


def whole_day_plan(
    problem: Problem,
    published: Plan,
    plan: Plan,
    frozen: Frozen,
    suspend: Mapping[str, tuple[int, str]],
) -> Plan:
    """The re-planned ``plan`` of the rest of the day with the frozen stops in front, whole-day
    totals, and the suspensions that gained something (``stats["suspended"]``)."""
    stops = dict(frozen.stops)
    whole = frozen.whole
    travel_model = problem.travel or StraightLine()
    published_route = {(r.crew_id, r.shift): r for r in published.routes}
    routes = []
    seen: set[ShiftKey] = set()
    planned = {s.job_id for r in plan.routes for s in r.stops}
    kept: dict[str, str] = {}
    for r in plan.routes:
        key = (r.crew_id, r.shift)
        seen.add(key)
        if key in stops and stops[key][-1].key in whole:
            r, undone = _resume_at_once(r, stops[key], suspend, planned)
            if undone:
                stops[key] = [*stops[key][:-1], whole[stops[key][-1].key]]
            else:
                kept[stops[key][-1].job_id] = suspend[stops[key][-1].job_id][1]
        if key in stops:
            r = _whole_day(
                published_route[key], r, stops[key], frozen.taken.get(key, []), travel_model
            )
        routes.append(r)
    # shifts the new solve has no vehicle for (over, or the crew busy to their end)
    for key, done in stops.items():
        if key not in seen:
            if done[-1].key in whole and suspend[done[-1].job_id][1] not in planned:
                done = [*done[:-1], whole[done[-1].key]]  # nothing else to do: finish it
            elif done[-1].key in whole:
                kept[done[-1].job_id] = suspend[done[-1].job_id][1]
            routes.append(
                _whole_day(
                    published_route[key], None, done, frozen.taken.get(key, []), travel_model
                )
            )
    routes.sort(key=lambda r: (r.crew_id, r.shift))
    unassigned = tuple(u for u in plan.unassigned if u.job_id not in _rests_undone(suspend, kept))
    stats = {**plan.stats, "frozen": sorted(frozen.started), "suspended": kept}
    return replace(plan, routes=tuple(routes), unassigned=unassigned, stats=stats)


def _rests_undone(suspend: Mapping[str, tuple[int, str]], kept: Mapping[str, str]) -> set[str]:
    return {rest for job, (_, rest) in suspend.items() if job not in kept}


def _resume_at_once(
    route: Route,
    done: list[Stop],
    suspend: Mapping[str, tuple[int, str]],
    planned: set[str],
) -> tuple[Route, bool]:
    """``route`` without the rest of the job its crew left, and True, when leaving gained
    nothing: the crew's next work is that rest, at once and at the same place, or it has no
    other work (and the rest is planned nowhere else)."""
    job = done[-1].job_id
    leave, rest = suspend[job]
    if not route.stops:
        return route, rest not in planned
    first = route.stops[0]
    if first.key != (rest, 1) or first.start > leave + 60:
        return route, False
    if any(leave <= b.start < first.start for b in route.breaks):
        return route, False
    return replace(route, stops=route.stops[1:]), True


def _not_before(job: Job, earliest: int, latest: int | None = None) -> Job:
    """The job with every window cut to start no earlier than ``earliest`` (and no later than
    ``latest`` when given)."""
    windows = job.windows or (TimeWindow(earliest, max(earliest, job.deadline or 10**9)),)
    top = latest if latest is not None else 10**12
    cut = tuple(
        TimeWindow(max(w.start, earliest), min(w.end, top))
        for w in windows
        if w.end >= earliest and max(w.start, earliest) <= min(w.end, top)
    )
    if not cut:  # nothing left: a window the prefilter will reject
        return replace(job, windows=(TimeWindow(earliest, earliest),), deadline=earliest)
    return replace(job, windows=cut)


def _whole_day(
    published: Route,
    rest: Route | None,
    done: list[Stop],
    breaks_taken: list[BreakTaken],
    travel_model: TravelModel,
) -> Route:
    """A re-planned route with its frozen stops, its totals counted over the whole day."""
    later = rest.stops if rest is not None else ()
    stops = (*done, *later)
    start = published.start_location or (rest.start_location if rest else None)
    end = published.end_location or (rest.end_location if rest else None)
    maybe = [start, *(s.location for s in stops), end]
    places = [p for p in maybe if p is not None]
    if len(places) < len(maybe):  # a plan from elsewhere without places: keep its figures
        return replace(published, stops=stops)
    matrix = travel_model.matrix(places)
    legs = [int(matrix.seconds[i, i + 1]) for i in range(len(places) - 1)]
    meters = [float(matrix.meters[i, i + 1]) for i in range(len(places) - 1)]
    breaks = {*breaks_taken, *(rest.breaks if rest is not None else ())}
    if rest is not None and rest.stops:
        arrive = rest.arrive
    else:  # the drive home, later by a break taken before the crew is back
        arrive = home_time(stops[-1].end, legs[-1], breaks)
    return replace(
        published,
        arrive=arrive,
        stops=stops,
        breaks=tuple(sorted(breaks, key=lambda b: b.start)),
        travel_time=sum(legs),
        work_time=sum(s.end - s.start for s in stops),
        distance_m=sum(meters),
        geometry=geometry(travel_model, places),
    )
