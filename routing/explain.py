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

import numpy as np
import numpy.typing as npt

from routing.model import Job, Location, Problem, Unassigned
from routing.travel import StraightLine
from routing.vehicles import Vehicle, job_start_ranges


def _clock(seconds: int) -> str:
    day, rest = divmod(int(seconds), 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return f"day {day + 1} {text}" if day else text


def prefilter(problem: Problem, vehicles: Sequence[Vehicle]) -> tuple[list[Job], list[Unassigned]]:
    """Split jobs into those some crew shift could do and those none can (with reasons)."""
    travel_model = problem.travel or StraightLine()
    rejected: dict[str, Unassigned] = {}
    crews = {c.id for c in problem.crews}
    if not vehicles:
        return [], [
            Unassigned.because(j.id, "no_crew", j.mandatory, "no_crew_shift") for j in problem.jobs
        ]
    places: list[Location] = [v.start for v in vehicles] + [v.end for v in vehicles]
    places += [j.location for j in problem.jobs]
    matrix = travel_model.matrix(places).seconds
    n_v = len(vehicles)
    earliest_end: dict[str, int] = {}
    latest_start: dict[str, int] = {}

    for j, job in enumerate(problem.jobs):
        capable = [vi for vi, v in enumerate(vehicles) if job.may_go_to(v.crew)]
        mismatch = _no_crew_for(job, capable, vehicles, crews)
        if mismatch is not None:
            rejected[job.id] = mismatch
            continue
        fit = _time_fit(job, capable, vehicles, matrix, 2 * n_v + j)
        if isinstance(fit, Unassigned):
            rejected[job.id] = fit
            continue
        earliest_end[job.id], latest_start[job.id] = fit

    _precedence_filter(problem, rejected, earliest_end, latest_start)
    feasible = [j for j in problem.jobs if j.id not in rejected]
    return feasible, list(rejected.values())


def _no_crew_for(
    job: Job, capable: list[int], vehicles: Sequence[Vehicle], crews: set[str]
) -> Unassigned | None:
    """Why no crew can take ``job`` (its pinned crew, skills, a second crew), or None."""
    if job.pinned_crew is not None and job.pinned_crew not in crews:
        return Unassigned.because(
            job.id, "pinned_crew", job.mandatory, "pinned_crew_absent", crew=job.pinned_crew
        )
    if not capable:
        missing = ", ".join(sorted(job.skills)) or "-"
        pinned = [v for v in vehicles if v.crew.id == job.pinned_crew]
        if job.pinned_crew is not None and not pinned:
            return Unassigned.because(
                job.id,
                "pinned_crew",
                job.mandatory,
                "pinned_crew_no_shift",
                crew=job.pinned_crew,
            )
        if job.pinned_crew is not None:
            return Unassigned.because(
                job.id,
                "no_skill",
                job.mandatory,
                "pinned_crew_no_skill",
                crew=job.pinned_crew,
                skills=missing,
            )
        locked = sorted(
            {v.crew.id for v in vehicles if job.skills <= v.crew.skills} & job.barred_crews
        )
        if locked:
            return Unassigned.because(
                job.id, "crews_locked", job.mandatory, "crews_locked", crews=", ".join(locked)
            )
        return Unassigned.because(job.id, "no_skill", job.mandatory, "no_skill", skills=missing)
    if job.crews_required == 2 and len({vehicles[vi].crew.id for vi in capable}) < 2:
        return Unassigned.because(
            job.id,
            "needs_two_crews",
            job.mandatory,
            "needs_two_crews",
            skills=", ".join(sorted(job.skills)) or "-",
            count=len({vehicles[vi].crew.id for vi in capable}),
        )
    return None


def _time_fit(
    job: Job,
    capable: list[int],
    vehicles: Sequence[Vehicle],
    matrix: npt.NDArray[np.int64],
    node: int,
) -> tuple[int, int] | Unassigned:
    """The earliest end and the latest start of ``job`` on the capable shifts, or why it fits
    none (``node``: the job's place in ``matrix``, after the vehicles' starts and ends)."""
    n_v = len(vehicles)
    in_shift = unreachable = too_short = break_clash = 0
    best_end = None
    best_start = None
    for vi in capable:
        v = vehicles[vi]
        ranges = job_start_ranges(job, v.earliest, v.shift.end)
        if not ranges:
            continue
        in_shift += 1
        go, back = int(matrix[vi, node]), int(matrix[node, n_v + vi])
        arrival = v.earliest + go
        starts = [max(a, arrival) for a, b in ranges if max(a, arrival) <= b]
        if not starts:
            unreachable += 1
            continue
        fits = [s for s in starts if _ends_in_time(v, job, s, back)]
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
    if best_end is None or best_start is None:
        return _no_fit(job, in_shift, unreachable, too_short, break_clash)
    return best_end, best_start


def _no_fit(job: Job, in_shift: int, unreachable: int, too_short: int, clash: int) -> Unassigned:
    windows = ", ".join(f"{_clock(w.start)}–{_clock(w.end)}" for w in job.windows) or "-"
    if in_shift == 0 and not job.windows:  # no window to name: the deadline, or no time left
        minutes = job.duration // 60
        if job.deadline is not None:
            deadline = _clock(job.deadline)
            return Unassigned.because(
                job.id, "window_outside_shifts", job.mandatory, "deadline_before_shifts",
                deadline=deadline, minutes=minutes,
            )  # fmt: skip
        return Unassigned.because(
            job.id, "window_outside_shifts", job.mandatory, "shifts_over", minutes=minutes
        )
    if in_shift == 0:
        reason = "window_outside_shifts"
    elif clash and not unreachable and not too_short:
        reason = "break_conflict"
    elif unreachable >= too_short:
        reason = "window_unreachable"
    else:
        reason = "shift_too_short"
    return Unassigned.because(
        job.id, reason, job.mandatory, reason, windows=windows, minutes=job.duration // 60
    )


def _ends_in_time(v: Vehicle, job: Job, start: int, back: int) -> bool:
    """Whether ``job``, started at ``start``, ends in time in the shift: by the ordinary end
    when it is not urgent (overtime is for urgent jobs), and back before the shift's end."""
    end = start + job.duration
    return end <= v.shift.finish_by(job) and end + back <= v.shift.end


def _break_fits(v: Vehicle, job: Job, ranges: list[tuple[int, int]], go: int, back: int) -> bool:
    """Whether every break of the shift can be taken before or after this job alone (or
    during it, in turns: :attr:`Job.breaks_in_turns`)."""
    if job.breaks_in_turns:
        return True
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
            if s <= b and _ends_in_time(v, job, s, back):
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
                if (
                    brk_start <= hi
                    and brk_start + brk.duration + back <= v.shift.end
                    and s + job.duration <= v.shift.finish_by(job)
                ):
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
                    rejected[start] = Unassigned.because(
                        start, "precedence", jobs[start].mandatory, "precedence_cycle"
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
            mandatory = jobs[p.after].mandatory
            if p.before not in jobs:
                why = Unassigned.because(
                    p.after, "precedence", mandatory, "follows_missing", job=p.before
                )
            elif p.before in rejected:
                why = Unassigned.because(
                    p.after,
                    "precedence",
                    mandatory,
                    "follows_unplannable",
                    job=p.before,
                    reason=rejected[p.before].reason,
                )
            elif earliest_end[p.before] + p.gap > latest_start[p.after]:
                why = Unassigned.because(
                    p.after,
                    "precedence",
                    mandatory,
                    "follows_too_late",
                    job=p.before,
                    earliest=_clock(earliest_end[p.before] + p.gap),
                    latest=_clock(latest_start[p.after]),
                )
            else:
                continue
            rejected[p.after] = why
            changed = True


def explain_unassigned(
    problem: Problem,
    vehicles: Sequence[Vehicle],
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
                Unassigned.because(
                    job.id, "carried_over", job.mandatory, "carried_over", due=_clock(job.deadline)
                )
            )
        elif pred is not None:
            out.append(
                Unassigned.because(
                    job.id, "precedence", job.mandatory, "follows_unplanned", job=pred
                )
            )
        elif succ is not None:
            out.append(
                Unassigned.because(
                    job.id, "precedence", job.mandatory, "followed_by_unplannable", job=succ
                )
            )
        elif job.crews_required == 2:
            out.append(Unassigned.because(job.id, "capacity", job.mandatory, "no_two_crews_free"))
        else:
            capable = sorted(
                {v.crew.id for v in vehicles if job.may_go_to(v.crew)}
                if job.pinned_crew is None
                else {job.pinned_crew}
            )
            shown = ", ".join(capable[:5]) + (" …" if len(capable) > 5 else "")
            out.append(
                Unassigned.because(job.id, "capacity", job.mandatory, "fully_booked", crews=shown)
            )
    return out
