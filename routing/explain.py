"""Why a job is not in the plan.

Before solving, :func:`prefilter` takes out the jobs that no crew could ever do, each with a
reason a dispatcher can act on; the solver then only sees jobs that fit somewhere. After solving,
:func:`explain_unassigned` names the reason for the jobs the solver left out.

Reason codes: ``no_skill``, ``pinned_crew``, ``needs_two_crews``, ``window_outside_shifts``,
``window_unreachable``, ``shift_too_short``, ``break_conflict``, ``precedence``, ``capacity``,
and ``carried_over`` for an optional job whose deadline lies after the plan's last shift (it
waits for a later day).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from routing.model import Job, Location, Problem, Unassigned
from routing.travel import StraightLine

if TYPE_CHECKING:
    from routing.solver import _Vehicle


def _clock(seconds: int) -> str:
    day, rest = divmod(int(seconds), 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return f"day {day + 1} {text}" if day else text


def prefilter(problem: Problem, vehicles: Sequence[_Vehicle]) -> tuple[list[Job], list[Unassigned]]:
    """Split jobs into those some crew shift could do and those none can (with reasons)."""
    from routing.solver import _job_range

    travel_model = problem.travel or StraightLine()
    rejected: dict[str, Unassigned] = {}
    crews = {c.id for c in problem.crews}
    if not vehicles:
        return [], [
            Unassigned(j.id, "no_crew", "no crew has a shift in the plan", j.mandatory)
            for j in problem.jobs
        ]
    places: list[Location] = [v.start for v in vehicles] + [v.end for v in vehicles]
    places += [j.location for j in problem.jobs]
    matrix = travel_model.matrix(places).seconds
    n_v = len(vehicles)
    earliest_end: dict[str, int] = {}
    latest_start: dict[str, int] = {}

    for j, job in enumerate(problem.jobs):
        node = 2 * n_v + j
        capable = [
            vi
            for vi, v in enumerate(vehicles)
            if job.skills <= v.crew.skills
            and (job.pinned_crew is None or job.pinned_crew == v.crew.id)
        ]
        if job.pinned_crew is not None and job.pinned_crew not in crews:
            rejected[job.id] = Unassigned(
                job.id,
                "pinned_crew",
                f"pinned to crew {job.pinned_crew}, which is not in the plan",
                job.mandatory,
            )
            continue
        if not capable:
            missing = ", ".join(sorted(job.skills)) or "(none)"
            pinned = [v for v in vehicles if v.crew.id == job.pinned_crew]
            if job.pinned_crew is not None and not pinned:
                reason, detail = (
                    "pinned_crew",
                    f"pinned to crew {job.pinned_crew}, which has no free shift in the plan",
                )
            elif job.pinned_crew is not None:
                reason, detail = (
                    "no_skill",
                    f"pinned to crew {job.pinned_crew}, which lacks the skill(s) {missing}",
                )
            else:
                reason, detail = "no_skill", f"no crew has the skill(s) {missing}"
            rejected[job.id] = Unassigned(job.id, reason, detail, job.mandatory)
            continue
        if job.crews_required == 2 and len({vehicles[vi].crew.id for vi in capable}) < 2:
            rejected[job.id] = Unassigned(
                job.id,
                "needs_two_crews",
                f"needs two crews with {', '.join(sorted(job.skills)) or 'any skill'}; "
                f"only {len({vehicles[vi].crew.id for vi in capable})} has it",
                job.mandatory,
            )
            continue
        in_shift = unreachable = too_short = break_clash = 0
        best_end = None
        best_start = None
        for vi in capable:
            v = vehicles[vi]
            ranges = _job_range(job, v.earliest, v.shift.end)
            if not ranges:
                continue
            in_shift += 1
            go, back = int(matrix[vi, node]), int(matrix[node, n_v + vi])
            arrival = v.earliest + go
            starts = [max(a, arrival) for a, b in ranges if max(a, arrival) <= b]
            if not starts:
                unreachable += 1
                continue
            fits = [s for s in starts if s + job.duration + back <= v.shift.end]
            if not fits:
                too_short += 1
                continue
            if not _break_fits(v, job, ranges, go, back):
                break_clash += 1
                continue
            end = fits[0] + job.duration
            best_end = end if best_end is None else min(best_end, end)
            last = ranges[-1][1]
            best_start = last if best_start is None else max(best_start, last)
        if best_end is None:
            rejected[job.id] = _no_fit(job, in_shift, unreachable, too_short, break_clash)
            continue
        earliest_end[job.id] = best_end
        assert best_start is not None
        latest_start[job.id] = best_start

    _precedence_filter(problem, rejected, earliest_end, latest_start)
    feasible = [j for j in problem.jobs if j.id not in rejected]
    return feasible, list(rejected.values())


def _no_fit(job: Job, in_shift: int, unreachable: int, too_short: int, clash: int) -> Unassigned:
    windows = ", ".join(f"{_clock(w.start)}–{_clock(w.end)}" for w in job.windows) or "any time"
    if in_shift == 0:
        return Unassigned(
            job.id,
            "window_outside_shifts",
            f"its window ({windows}) and deadline fall outside every capable crew's shift",
            job.mandatory,
        )
    if clash and not unreachable and not too_short:
        return Unassigned(
            job.id,
            "break_conflict",
            f"the lunch break cannot be taken around it: window {windows}, "
            f"{job.duration // 60} min of work",
            job.mandatory,
        )
    if unreachable >= too_short:
        return Unassigned(
            job.id,
            "window_unreachable",
            f"no capable crew can reach it within its window ({windows}) from its depot",
            job.mandatory,
        )
    return Unassigned(
        job.id,
        "shift_too_short",
        f"{job.duration // 60} min of work plus travel does not fit any capable crew's shift",
        job.mandatory,
    )


def _break_fits(v: _Vehicle, job: Job, ranges: list[tuple[int, int]], go: int, back: int) -> bool:
    """Whether every break of the shift can be taken before or after this job alone."""
    for brk in v.shift.breaks:
        lo = max(brk.window.start, v.earliest)
        hi = min(brk.window.end, v.shift.end - brk.duration)
        if lo > hi:
            continue  # a break that cannot be placed at all is dropped by the solver
        ok = False
        # the break before the job: at the depot, on the way or on site while waiting; it
        # must start in [lo, hi] and end by the job's start, with the drive fitted around it
        earliest = max(v.earliest + go + brk.duration, lo + brk.duration)
        for a, b in ranges:
            s = max(a, earliest)
            if s <= b and s + job.duration + back <= v.shift.end:
                ok = True
                break
        if not ok:
            # the job first, then the break (on the way back)
            arrival = v.earliest + go
            for a, b in ranges:
                s = max(a, arrival)
                if s > b:
                    continue
                brk_start = max(lo, s + job.duration)
                if brk_start <= hi and brk_start + brk.duration + back <= v.shift.end:
                    ok = True
                    break
        if not ok:
            return False
    return True


def _precedence_filter(
    problem: Problem,
    rejected: dict[str, Unassigned],
    earliest_end: dict[str, int],
    latest_start: dict[str, int],
) -> None:
    jobs = {j.id: j for j in problem.jobs}
    # cycles: a job that (transitively) must follow itself
    after: dict[str, list[str]] = {}
    for p in problem.precedences:
        after.setdefault(p.before, []).append(p.after)
    for start in list(after):
        seen: set[str] = set()
        stack = list(after[start])
        while stack:
            k = stack.pop()
            if k == start:
                if start in jobs and start not in rejected:
                    rejected[start] = Unassigned(
                        start,
                        "precedence",
                        "its precedences form a cycle (it must follow itself)",
                        jobs[start].mandatory,
                    )
                break
            if k not in seen:
                seen.add(k)
                stack.extend(after.get(k, []))
    # then everything downstream of a job that cannot be planned, until nothing changes
    changed = True
    while changed:
        changed = False
        for p in problem.precedences:
            if p.after not in jobs or p.after in rejected:
                continue
            if p.before not in jobs:
                detail = f"must follow job {p.before}, which is not in the problem"
            elif p.before in rejected:
                detail = (
                    f"must follow job {p.before}, which cannot be planned "
                    f"({rejected[p.before].reason})"
                )
            elif earliest_end[p.before] + p.gap > latest_start[p.after]:
                detail = (
                    f"must start after job {p.before} ends (earliest "
                    f"{_clock(earliest_end[p.before] + p.gap)}), but its window closes at "
                    f"{_clock(latest_start[p.after])}"
                )
            else:
                continue
            rejected[p.after] = Unassigned(p.after, "precedence", detail, jobs[p.after].mandatory)
            changed = True


def explain_unassigned(
    problem: Problem,
    vehicles: Sequence[_Vehicle],
    left_out: Sequence[Job],
    placed: set[str],
) -> list[Unassigned]:
    """Reasons for jobs that could be done by some crew but are not in the solution."""
    out = []
    before: dict[str, list[str]] = {}
    needs: dict[str, list[str]] = {}  # required successors
    for p in problem.precedences:
        before.setdefault(p.after, []).append(p.before)
        if p.required:
            needs.setdefault(p.before, []).append(p.after)
    horizon_end = max((v.shift.end for v in vehicles), default=0)
    for job in left_out:
        pred = next((b for b in before.get(job.id, []) if b not in placed), None)
        succ = next((a for a in needs.get(job.id, []) if a not in placed), None)
        if (
            not job.mandatory
            and job.deadline is not None
            and job.deadline // 86_400 > horizon_end // 86_400
        ):
            out.append(
                Unassigned(
                    job.id,
                    "carried_over",
                    f"due by {_clock(job.deadline)}, after this plan: left for a later day",
                    job.mandatory,
                )
            )
        elif pred is not None:
            out.append(
                Unassigned(
                    job.id,
                    "precedence",
                    f"must follow job {pred}, which is not planned",
                    job.mandatory,
                )
            )
        elif succ is not None:
            out.append(
                Unassigned(
                    job.id,
                    "precedence",
                    f"must be followed by job {succ}, which cannot be planned: left out so "
                    "that nothing is left half-done",
                    job.mandatory,
                )
            )
        elif job.crews_required == 2:
            out.append(
                Unassigned(
                    job.id,
                    "capacity",
                    "no two capable crews are free at the same time in its window",
                    job.mandatory,
                )
            )
        else:
            capable = sorted(
                {v.crew.id for v in vehicles if job.skills <= v.crew.skills}
                if job.pinned_crew is None
                else {job.pinned_crew}
            )
            shown = ", ".join(capable[:5]) + (" …" if len(capable) > 5 else "")
            out.append(
                Unassigned(
                    job.id,
                    "capacity",
                    f"the crews that can do it ({shown}) are fully booked in its window",
                    job.mandatory,
                )
            )
    return out
