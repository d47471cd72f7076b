"""The day plan's summary counts late what its at-risk list calls late (user trial: the summary
said "0 逾期" over a list of nine jobs "已超期")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ops.calendar import WorkCalendar
from ops.connections import ConnectionApplication, ConnectionType, open_connection
from ops.dispatch import CrewShift, plan_day

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)  # a Thursday
ROSTER = [CrewShift("valve-1", frozenset({"valve"}), (114.310055, 34.810004))]


def test_an_overdue_job_planned_at_once_counts_late_in_the_summary(city_roads: Any) -> None:
    """Due at 09:22 and planned from 10:00: the solver puts it first (no deadline any more, so
    its stop is "on time" to the routing model), the at-risk list calls it overdue, and the
    summary counts it late with the list's definition."""
    app = ConnectionApplication(
        "APP-LATE",
        ConnectionType.PRE_CONSULTATION,
        dt.datetime(2026, 11, 26, 7, 30),
        (114.35, 34.80),
        "Zhao",
    )
    case = open_connection(app, CAL)
    now = dt.datetime(2026, 11, 26, 10, 0)
    day = plan_day(DAY, list(case.jobs), [], ROSTER, CAL, travel=city_roads, seconds=2, now=now)
    assert {a.reason for a in day.at_risk} == {"overdue"}
    summary = day.to_dict()["summary"]
    assert summary["overdue"] == 1
    assert summary["late"] == 1
    assert day.plan.summary()["late"] == 0  # the routing model's count, stops past their due
