"""A busy working day in the sample city: the open work a dispatcher faces, more than the ten
crews of ``roster.csv`` can do (synthetic, seeded).

24 connection applications accepted over the previous days (their steps due by their Table 1
deadlines), 18 valve exercises of the programme, 6 leak surveys and 4 minor-leak repairs
reported two days before (their planned outages announced). Used by ``benchmarks/replan.py``
and by the tests of day planning under load.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from ops.calendar import WorkCalendar
from ops.connections import ConnectionApplication, ConnectionType, open_connection
from ops.dispatch import jobs_of
from ops.jobs import FieldJob, JobLink, leak_survey
from ops.repairs import RepairCase, RepairReport, Severity, open_repair
from ops.valves import exercise_jobs, valves_due

ROSTER = Path(__file__).with_name("roster.csv")
DAY = dt.date(2026, 12, 3)  # a Thursday
# the counts of an ordinary day's work, which the ten crews can do: busy_day(..., **ORDINARY)
ORDINARY = {"n_applications": 8, "n_exercises": 8, "n_surveys": 2, "n_leaks": 1}


def busy_day(
    isolator: Any,
    seed: int = 2022,
    day: dt.date = DAY,
    *,
    n_applications: int = 24,
    n_exercises: int = 18,
    n_surveys: int = 6,
    n_leaks: int = 4,
) -> tuple[list[FieldJob], list[JobLink], list[RepairCase]]:
    """The day's open work as the service would hold it: jobs, links, and the repair cases
    (whose jobs and links are among them). Smaller counts give an ordinary day."""
    rng = np.random.default_rng(seed)
    network = isolator.network
    calendar = WorkCalendar()
    junctions = network.to_wgs84(network.nodes.xy[network.nodes.kind == 0])

    def somewhere() -> tuple[float, float]:  # at a junction of the network: on a street
        lon, lat = junctions[int(rng.integers(len(junctions)))]
        return float(lon), float(lat)

    kinds = [
        ConnectionType.FAST_CONNECTION,
        ConnectionType.METER_RETROFIT,
        ConnectionType.NO_EXTERNAL_WORKS,
        ConnectionType.GENERAL_CONSTRUCTION,
        ConnectionType.PRE_CONSULTATION,
    ]
    applications = []
    for k in range(n_applications):
        accepted = dt.datetime.combine(
            day - dt.timedelta(days=int(rng.integers(0, 4))), dt.time(int(rng.integers(8, 17)))
        )
        applications.append(
            ConnectionApplication(
                f"APP-{k:03d}",
                kinds[k % len(kinds)],
                accepted,
                somewhere(),
                f"customer {k}",
                dn_mm=50.0,
                line_length_m=40.0,
            )
        )
    jobs, links = jobs_of(open_connection(a, calendar) for a in applications)
    jobs = [j for j in jobs if j.earliest is None or j.earliest.date() <= day]
    jobs += exercise_jobs(network, valves_due(network, day), day, limit=n_exercises)
    start = dt.datetime.combine(day, dt.time(8))
    jobs += [
        leak_survey(f"LS-{k}", somewhere(), dt.timedelta(minutes=90), start)
        for k in range(n_surveys)
    ]
    repairs = []
    for k in range(n_leaks):
        pipe = str(network.pipes.ids[int(rng.integers(len(network.pipes.ids)))])
        report = RepairReport(f"T-L{k}", start - dt.timedelta(days=2), Severity.MINOR_LEAK, pipe)
        repairs.append(open_repair(report, isolator))
    for case in repairs:
        jobs += case.jobs
        links += case.links
    return jobs, links, repairs
