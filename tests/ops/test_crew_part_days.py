"""A part-day absence (issue 18 item 3): a crew away for some hours of one date (the doctor from
08:00 to 12:00) works the rest of its shift, and the plan (real OR-Tools) puts no stop of it in
those hours; two absences of a crew may not overlap, whole days or hours."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import WorkCalendar
from ops.crews import Absence, AbsenceReason, ShiftChange, refuse_overlap, shift_on, with_days
from ops.dispatch import CrewShift, plan_day
from ops.errors import Conflict, InvalidRequest
from ops.jobs import FieldJob, JobKind, Skill
from routing.model import Break, TimeWindow

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)  # the sample day, a Thursday
DEPOT = (114.346548, 34.781987)
CREW = CrewShift("valve-1", frozenset({"valve"}), DEPOT)
SICK = AbsenceReason.SICKNESS


def away(start: str, end: str, crew: str = "valve-1") -> Absence:
    return Absence(
        crew,
        DAY,
        DAY,
        SICK,
        start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end),
    )


def day_of(*absences: Absence, changes: tuple[ShiftChange, ...] = ()) -> CrewShift | None:
    (crew,) = with_days([CREW], absences, changes, [DAY])
    return shift_on(crew, DAY)


def test_the_morning_away_starts_the_day_at_noon_with_the_lunch_cut() -> None:
    shift = day_of(away("08:00", "12:00"))
    assert shift is not None
    assert (shift.start, shift.end) == (dt.time(12), dt.time(17))
    assert (shift.lunch_from, shift.lunch_to, shift.lunch_minutes) == (dt.time(12), dt.time(13), 45)


def test_the_afternoon_away_ends_the_day_and_the_whole_shift_away_is_a_day_off() -> None:
    shift = day_of(away("15:00", "17:30"))
    assert shift is not None and (shift.start, shift.end) == (dt.time(8), dt.time(15))
    assert day_of(away("07:00", "18:00")) is None
    # away over the lunch window: no lunch that day (not enough of the window is left)
    shift = day_of(away("11:00", "13:00"))
    assert shift is not None and (shift.lunch_from, shift.lunch_minutes) == (None, 0)


def test_hours_away_inside_the_shift_are_a_fixed_break_of_the_solvers_crew() -> None:
    (crew,) = with_days([CREW], [away("09:00", "10:00")], [], [DAY])
    (solver_shift,) = crew.to_crew(DAY).shifts
    assert (solver_shift.start, solver_shift.end) == (8 * 3600, 17 * 3600)
    assert Break(TimeWindow(9 * 3600, 9 * 3600), 3600) in solver_shift.breaks  # starts at 09:00
    assert len(solver_shift.breaks) == 2  # and the lunch


def test_hours_away_on_a_changed_shift_cut_the_changed_hours() -> None:
    change = ShiftChange("valve-1", DAY, dt.time(10), dt.time(19))
    shift = day_of(away("08:00", "12:00"), changes=(change,))
    assert shift is not None and (shift.start, shift.end) == (dt.time(12), dt.time(19))


def test_bad_part_days_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="one date"):
        Absence(
            "c", DAY, DAY + dt.timedelta(days=1), SICK, start_time=dt.time(8), end_time=dt.time(9)
        )
    with pytest.raises(InvalidRequest, match="both"):
        Absence("c", DAY, DAY, SICK, start_time=dt.time(8))
    with pytest.raises(InvalidRequest, match="after"):
        away("12:00", "08:00")


def test_two_absences_of_a_crew_may_not_overlap() -> None:
    whole = Absence("valve-1", DAY, DAY + dt.timedelta(days=2), AbsenceReason.LEAVE)
    with pytest.raises(Conflict, match="absence 7"):
        refuse_overlap(away("08:00", "12:00"), [(7, whole)])
    with pytest.raises(Conflict, match="08:00"):
        refuse_overlap(away("11:00", "14:00"), [(8, away("08:00", "12:00"))])
    refuse_overlap(away("12:00", "14:00"), [(8, away("08:00", "12:00"))])  # they touch only
    refuse_overlap(away("08:00", "12:00", crew="valve-2"), [(8, away("08:00", "12:00"))])


def test_the_plan_puts_no_stop_of_the_crew_in_its_hours_away() -> None:
    """Real OR-Tools on the sample day: valve-2 is off, valve-1 at the doctor's 10:00-12:00 has
    work before and after, none of it in those hours."""
    roster = [CREW, CrewShift("valve-2", frozenset({"valve"}), DEPOT)]
    absences = [away("10:00", "12:00"), Absence("valve-2", DAY, DAY, AbsenceReason.LEAVE)]
    jobs = [
        FieldJob(
            f"J{k}",
            JobKind.VALVE_EXERCISE,
            (DEPOT[0] + 0.002 * k, DEPOT[1] + 0.001 * k),
            dt.timedelta(minutes=40),
            frozenset({Skill.VALVE}),
            f"X{k}",
        )
        for k in range(8)
    ]
    day = plan_day(DAY, jobs, [], with_days(roster, absences, [], [DAY]), CAL, seconds=1)
    routes = {r.crew_id: r for r in day.plan.routes if r.stops}
    assert set(routes) == {"valve-1"}
    stops = routes["valve-1"].stops
    assert len(stops) >= 6
    begin, end = 10 * 3600, 12 * 3600
    assert all(s.end <= begin or s.start >= end for s in stops), [(s.start, s.end) for s in stops]
    assert any(s.end <= begin for s in stops) and any(s.start >= end for s in stops)
