"""Crew shifts as the solver's vehicles, and the start times a job allows.

A :class:`Vehicle` is one shift of one crew, from where and when the crew is free. The solver
(:mod:`routing.solver`) builds its model on them and :mod:`routing.explain` checks jobs
against them, so both use the same view of a crew's day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routing.model import BreakTaken, Crew, Job, Location, Shift


@dataclass
class Vehicle:
    """One shift of a crew as the solver sees it.

    Parameters
    ----------
    crew, shift_index, shift
        The crew, the index of the shift in ``crew.shifts``, and that shift.
    start, end
        Where the shift starts (the crew's current place when it is busy until later in the
        shift) and ends.
    earliest
        When the crew is free in this shift.
    """

    crew: Crew
    shift_index: int
    shift: Shift
    start: Location
    end: Location
    earliest: int


def crew_vehicles(crews: Sequence[Crew]) -> list[Vehicle]:
    """The vehicles of the crews: every shift in which the crew is free for some time."""
    out = []
    for crew in crews:
        for k, shift in enumerate(crew.shifts):
            start = crew.start_location
            earliest = shift.start
            if crew.available_from is not None:
                if crew.available_from >= shift.end:
                    continue  # busy for the whole shift
                if crew.available_from > shift.start:
                    earliest = crew.available_from
                    if crew.current_location is not None:
                        start = crew.current_location
            end = crew.end_location or crew.start_location
            out.append(Vehicle(crew, k, shift, start, end, earliest))
    return out


def job_start_ranges(job: Job, lo: int, hi: int) -> list[tuple[int, int]]:
    """Allowed start-time intervals of a job, within [lo, hi]."""
    windows = [(w.start, w.end) for w in job.windows] or [(lo, hi)]
    latest = hi if job.deadline is None else min(hi, job.deadline - job.duration)
    out: list[tuple[int, int]] = []
    for a, b in sorted(windows):
        a, b = max(a, lo), min(b, latest)
        if a <= b:
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
    return out


def has_overtime(vehicles: Sequence[Vehicle]) -> bool:
    """Whether some shift has overtime (for urgent jobs only: see :meth:`Shift.finish_by`)."""
    return any(v.shift.ordinary_end not in (None, v.shift.end) for v in vehicles)


def idle_breaks(v: Vehicle) -> tuple[BreakTaken, ...]:
    """The breaks of a shift with nothing to do: each at the start of its window."""
    out = []
    for brk in v.shift.breaks:
        lo = max(brk.window.start, v.earliest)
        if lo <= min(brk.window.end, v.shift.end - brk.duration):
            out.append(BreakTaken(lo, lo + brk.duration))
    return tuple(out)
