"""Issue 13, item 2: an on-call crew at work goes on with a burst through the evening (within
its duty limit, whatever the overtime); a crew whose shift is over has gone home."""

from __future__ import annotations

import datetime as dt

from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.dispatch import CrewShift, plan_day, replan_emergency
from ops.emergency import DEFAULT_CALL_OUT
from ops.jobs import JobKind
from ops.repairs import RepairReport, open_repair

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)  # a Thursday
DEPOT = (114.346548, 34.781987)


def roster(on_call: bool) -> list[CrewShift]:
    return [
        CrewShift("pipe-1", frozenset({"pipe", "valve"}), DEPOT, on_call=on_call),
        CrewShift("valve-2", frozenset({"valve"}), DEPOT),
    ]


def test_an_on_call_crew_repairs_a_late_burst_through_the_evening(
    city_isolator: Isolator,
) -> None:
    now = dt.datetime.combine(DAY, dt.time(15, 30))
    case = open_repair(RepairReport("T-9", now, "burst", pipe_id="P000590"), city_isolator)
    repair = next(j for j in case.jobs if j.kind == JobKind.REPAIR)
    ends = {}
    for on_call in (False, True):
        morning = plan_day(DAY, [], [], roster(on_call), CAL, seconds=1)
        after = replan_emergency(
            morning,
            now,
            case.jobs,
            case.links,
            new_repairs=[case],
            calendar=CAL,
            seconds=4,
            overtime=dt.timedelta(minutes=30),
        )
        times = after.stop_times(repair.id)
        ends[on_call] = None if times is None else times[1]
    assert ends[False] is None  # 17:30 at the latest: the repair waits for the morning
    end = ends[True]
    assert end is not None and end > dt.datetime.combine(DAY, dt.time(17, 30))
    assert end <= dt.datetime.combine(DAY, dt.time(8)) + DEFAULT_CALL_OUT.max_duty


def test_a_crew_gone_home_gets_no_emergency_work(city_isolator: Isolator) -> None:
    now = dt.datetime.combine(DAY, dt.time(17, 20))
    case = open_repair(RepairReport("T-8", now, "burst", pipe_id="P000590"), city_isolator)
    plan = plan_day(DAY, case.jobs, case.links, roster(True), CAL, seconds=4, now=now)
    crews = {r.crew_id: r for r in plan.plan.routes}
    assert "valve-2" not in crews or not crews["valve-2"].stops  # off duty since 17:00
    leave = now + DEFAULT_CALL_OUT.delay(now)  # the on-call crew is called out
    closures = [plan.stop_times(j.id) for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE]
    assert closures and all(c is not None and c[0] >= leave for c in closures)
