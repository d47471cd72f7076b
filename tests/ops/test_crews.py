"""Issue 18 item 3: a crew's absences (leave, sickness, vehicle out of service) and shift
changes by day, honoured by the day plan (real OR-Tools) and the emergency duty roster."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from ops.calendar import WorkCalendar
from ops.crews import (
    Absence,
    AbsenceReason,
    CrewDay,
    ShiftChange,
    shift_on,
    who_works,
    with_days,
)
from ops.dispatch import CrewShift, plan_day, replan_emergency
from ops.errors import InvalidRequest
from ops.jobs import FieldJob, JobKind, Skill

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)  # a Thursday
NEXT = dt.date(2026, 11, 27)  # a Friday
SATURDAY = dt.date(2026, 11, 28)
DEPOT = (114.346548, 34.781987)
ROSTER = [
    CrewShift("valve-1", frozenset({"valve"}), DEPOT),
    CrewShift("valve-2", frozenset({"valve"}), DEPOT),
]


def jobs(n: int, *, emergency: bool = False) -> list[FieldJob]:
    return [
        FieldJob(
            f"J{k}",
            JobKind.VALVE_EXERCISE,
            (DEPOT[0] + 0.002 * k, DEPOT[1] + 0.001 * k),
            dt.timedelta(hours=1),
            frozenset({Skill.VALVE}),
            f"X{k}",
            emergency=emergency,
        )
        for k in range(n)
    ]


def crews_used(plan: object) -> set[str]:
    return {r.crew_id for r in plan.plan.routes if r.stops}  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", list(AbsenceReason))
def test_an_absent_crew_gets_no_job(reason: AbsenceReason) -> None:
    roster = with_days(ROSTER, [Absence("valve-1", DAY, DAY, reason)], [], [DAY])
    day = plan_day(DAY, jobs(10), [], roster, CAL, seconds=1)
    assert crews_used(day) == {"valve-2"}
    # without the absence both crews share the ten hours of work
    assert crews_used(plan_day(DAY, jobs(10), [], ROSTER, CAL, seconds=1)) == {
        "valve-1",
        "valve-2",
    }


def test_an_absence_over_a_range_of_a_week_plan_keeps_the_other_days() -> None:
    away = Absence("valve-1", NEXT, dt.date(2026, 12, 4), AbsenceReason.LEAVE)
    roster = with_days(ROSTER, [away], [], [DAY, NEXT, SATURDAY, dt.date(2026, 11, 29)])
    week = plan_day(DAY, jobs(24), [], roster, CAL, seconds=2, days=2)
    friday = 24 * 3600  # the second day of the plan's axis
    routes = {r.crew_id: r.stops for r in week.plan.routes}
    assert routes["valve-1"] and all(s.start < friday for s in routes["valve-1"])
    assert any(s.start >= friday for s in routes["valve-2"])  # Friday is worked by valve-2


def test_a_shift_change_gives_the_day_its_hours() -> None:
    late = ShiftChange("valve-2", DAY, dt.time(13, 0), dt.time(21, 0))
    roster = with_days(ROSTER, [], [late], [DAY])
    day = plan_day(DAY, jobs(14), [], roster, CAL, seconds=2)
    route = next(r for r in day.plan.routes if r.crew_id == "valve-2")
    assert route.stops
    assert min(s.start for s in route.stops) >= 13 * 3600
    assert max(s.end for s in route.stops) > 17 * 3600  # works the evening of its new shift
    assert max(s.end for s in route.stops) <= 21 * 3600
    # the lunch window moved with the start (11:30-13:00 after 08:00 is 16:30-18:00 after 13:00)
    shift = shift_on(roster[1], DAY)
    assert shift is not None
    assert (shift.lunch_from, shift.lunch_to) == (dt.time(16, 30), dt.time(18, 0))


def test_a_change_puts_a_crew_on_call_for_a_day_off() -> None:
    duty = ShiftChange("valve-2", SATURDAY, on_call=True)
    roster = with_days(ROSTER, [], [duty], [SATURDAY])
    assert [c.id for c in who_works(roster, SATURDAY, CAL)] == ["valve-2"]
    assert who_works(ROSTER, SATURDAY, CAL) == []
    day = plan_day(SATURDAY, jobs(2, emergency=True), [], roster, CAL, seconds=1)
    assert crews_used(day) == {"valve-2"}


def test_an_on_call_crew_absent_is_not_called_out() -> None:
    roster = [
        CrewShift("valve-1", frozenset({"valve"}), DEPOT, on_call=True),
        CrewShift("valve-2", frozenset({"valve"}), DEPOT, on_call=True),
    ]
    ill = Absence("valve-1", SATURDAY, SATURDAY, AbsenceReason.SICKNESS)
    sick = with_days(roster, [ill], [], [SATURDAY])
    night = dt.datetime.combine(SATURDAY, dt.time(2, 0))
    day = plan_day(SATURDAY, jobs(3, emergency=True), [], sick, CAL, seconds=1, now=night)
    assert crews_used(day) == {"valve-2"}


def test_an_absence_wins_over_a_change_and_days_survive_storage() -> None:
    roster = with_days(
        ROSTER,
        [Absence("valve-1", DAY, NEXT, AbsenceReason.VEHICLE)],
        [ShiftChange("valve-1", DAY, dt.time(6, 0), dt.time(14, 0))],
        [DAY, NEXT, SATURDAY],
    )
    assert roster[0].days == (
        CrewDay(DAY, absent=AbsenceReason.VEHICLE),
        CrewDay(NEXT, absent=AbsenceReason.VEHICLE),
    )
    assert shift_on(roster[0], DAY) is None
    assert roster[1].days == ()
    again = CrewShift.from_dict(roster[0].to_dict())
    assert again == roster[0]
    assert "days" not in ROSTER[0].to_dict()  # a crew without days keeps its stored shape


def test_bad_absences_and_changes_are_refused() -> None:
    with pytest.raises(InvalidRequest):
        Absence("valve-1", NEXT, DAY, AbsenceReason.LEAVE)
    with pytest.raises(InvalidRequest):
        ShiftChange("valve-1", DAY, dt.time(14, 0), dt.time(13, 0))
    with pytest.raises(InvalidRequest):
        ShiftChange("valve-1", DAY, dt.time(14, 0))
    with pytest.raises(InvalidRequest):
        ShiftChange("valve-1", DAY)


def test_a_re_plan_keeps_the_days_of_the_plan_it_changes() -> None:
    """The days travel with the crews of a published plan: an emergency re-plan of a two-day
    plan still gives the crew away on the second day no job that day."""
    away = Absence("valve-1", NEXT, NEXT, AbsenceReason.LEAVE)
    roster = with_days(ROSTER, [away], [], [DAY, NEXT])
    week = plan_day(DAY, jobs(24), [], roster, CAL, seconds=2, days=2)
    # as the service stores the plan's crews (its problem) and reads them back to re-plan
    again = replace(week, crews=tuple(CrewShift.from_dict(c.to_dict()) for c in week.crews))
    assert again.crews == week.crews and again.crews[0].days
    burst = jobs(1, emergency=True)[0]
    urgent = FieldJob(
        "URGENT", burst.kind, burst.location, burst.duration, burst.skills, "T-1", emergency=True
    )
    now = dt.datetime.combine(DAY, dt.time(10, 0))
    after = replan_emergency(again, now, [urgent], calendar=CAL, seconds=2)
    friday = 24 * 3600
    routes = {r.crew_id: r.stops for r in after.plan.routes}
    assert after.plan.stop("URGENT") is not None
    assert all(s.start < friday for s in routes["valve-1"])
    assert any(s.start >= friday for s in routes["valve-2"])
