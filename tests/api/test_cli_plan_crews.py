"""`waterops plan` reads crews.csv as the service reads its roster (issue 15 item 4): the one crew
shape (ops.dispatch.CrewShift, through ops.io.read_roster) and its defaults, then the solver's
crew of it; the few columns only a plan from files has (days, current position, free from) on top.
Fast: no solver."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ops.dispatch import CrewShift
from ops.io import read_crews, read_roster
from routing.model import Break, Shift, TimeWindow

ROOT = Path(__file__).resolve().parents[2]
CREWS = ROOT / "sample_data" / "crews.csv"
DAY = dt.date(2026, 11, 26)


def test_the_sample_crews_are_read_as_before() -> None:
    """What the command's own reader (routing.io.read_crews, now gone) made of the sample file:
    08:00-17:00 with a 45-minute lunch between 11:30 and 13:00, one shift on the plan's day."""
    crews = read_crews(CREWS, DAY)
    roster = read_roster(CREWS)
    assert [c.id for c in crews] == [c.id for c in roster] and len(crews) == 5
    for crew, shift in zip(crews, roster, strict=True):
        assert (crew.skills, crew.start_location) == (shift.skills, shift.depot)
        lunch = Break(TimeWindow(11 * 3600 + 1800, 13 * 3600), 45 * 60)
        assert crew.shifts == (Shift(8 * 3600, 17 * 3600, (lunch,), day="2026-11-26"),)
        assert (crew.end_location, crew.current_location, crew.available_from) == (None,) * 3


def test_a_plan_of_files_has_days_a_position_and_a_free_time(tmp_path: Path) -> None:
    crews = tmp_path / "crews.csv"
    crews.write_text(
        "id,skills,depot_lon,depot_lat,shift_start,shift_end,lunch_start,lunch_end,days,"
        "current_lon,current_lat,available_from\n"
        "north,pipe,114.33,34.82,07:00,15:00,11:00,12:30,2,114.34,34.81,09:30\n"
        "south,pipe,114.35,34.78,08:00,17:00,,,,,,\n"
    )
    north, south = read_crews(crews, DAY)
    lunch = CrewShift.lunch_minutes * 60  # no lunch_min: the roster's default
    assert north.shifts == (
        Shift(7 * 3600, 15 * 3600, (Break(TimeWindow(39600, 45000), lunch),), day="2026-11-26"),
        Shift(
            86400 + 7 * 3600,
            86400 + 15 * 3600,
            (Break(TimeWindow(86400 + 39600, 86400 + 45000), lunch),),
            day="2026-11-27",
        ),
    )
    assert (north.current_location, north.available_from) == ((114.34, 34.81), 9 * 3600 + 1800)
    assert south.shifts == (Shift(8 * 3600, 17 * 3600, (), day="2026-11-26"),)  # no lunch given
