"""A burst at night re-planned from the day's published plan (the console's Emergency button,
``POST /api/plans/{id}/replan``) calls out the crews on call, as a day planned from the report
does: the user trial's burst on P000590 at 03:10 waited for the 08:00 shift (closures 08:03)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.dispatch import plan_day, replan_emergency
from ops.emergency import DEFAULT_CALL_OUT
from ops.io import read_roster
from ops.jobs import JobKind
from ops.repairs import RepairReport, Severity, open_repair

CAL = WorkCalendar()
DAY = dt.date(2026, 12, 8)  # a Tuesday
ROSTER = read_roster(Path(__file__).resolve().parents[2] / "sample_data" / "roster.csv")


def test_a_night_burst_replanned_from_the_published_plan_calls_out_the_on_call_crews(
    city_isolator: Isolator,
) -> None:
    now = dt.datetime.combine(DAY, dt.time(3, 10))
    case = open_repair(RepairReport("T-3", now, Severity.BURST, pipe_id="P000590"), city_isolator)
    morning = plan_day(DAY, [], [], ROSTER, CAL, seconds=1, solution_limit=20)
    after = replan_emergency(
        morning,
        now,
        case.jobs,
        case.links,
        new_repairs=[case],
        calendar=CAL,
        seconds=6,
        solution_limit=200,
    )
    on_call = {c.id for c in ROSTER if c.on_call}
    leave = now + DEFAULT_CALL_OUT.delay(now)  # 03:55: the crew is at home
    closures = [j for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE]
    times = [after.stop_times(j.id) for j in closures]
    assert all(t is not None for t in times)
    starts = [t[0] for t in times if t is not None]
    ends = [t[1] for t in times if t is not None]
    assert min(starts) >= leave  # nobody leaves before the call-out delay
    assert max(ends) <= now + dt.timedelta(hours=2)  # isolated at night, not after 08:00
    crews = {
        r.crew_id
        for r in after.plan.routes
        for s in r.stops
        if s.job_id in {j.id for j in closures}
    }
    assert crews <= on_call
    # ordinary work still waits for the shifts: no routine stop before 08:00
    emergency = {j.id for j in after.jobs if j.emergency}
    shift = dt.datetime.combine(DAY, dt.time(8))
    for route in after.plan.routes:
        for stop in route.stops:
            if stop.job_id not in emergency:
                start = after.stop_times(stop.job_id)
                assert start is None or start[0] >= shift
