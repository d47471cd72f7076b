"""The valve-maintenance programme: which valves to exercise next.

The service plan asks that valves be inspected and maintained so that a repair shuts off the
smallest area for the shortest time. A valve that has not been turned for years is the one that
fails when it is needed; so every operable valve is exercised (closed and reopened, its turns
counted) once per cycle (default two years). The programme picks the valves that are due:
never-exercised valves first, then the longest unexercised; with a criticality ranking
(:func:`gis.criticality.valve_criticality`), the valves whose failure costs most go first.
Normally-closed boundary valves are exercised too (they are DMA boundaries that a repair may
need to open). Inoperable valves are not exercised but listed for replacement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.jobs import FieldJob, JobKind, Skill

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
    return f"EX-{valve_id}-{day:%Y%m%d}"


def exercised_valve(job_id: str) -> str:
    """The valve of an exercise job id (the inverse of :func:`exercise_job_id`)."""
    return job_id[3:-9]


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
    import numpy as np

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
                meta={"valve": v.valve_id},
            )
        )
    return jobs
