"""Working days: Chinese holidays, make-up days, office hours, fractions, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ops.calendar import (
    TZ,
    HolidaySchedule,
    OfficeHours,
    Season,
    WorkCalendar,
    calendar_from_config,
    provisional_year,
    year_schedule,
)
from ops.errors import CalendarConfigError

CAL = WorkCalendar()
WED_1600 = dt.datetime(2026, 9, 30, 16, 0)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0.25, dt.datetime(2026, 9, 30, 17, 52, 30)),
        (0.5, dt.datetime(2026, 10, 8, 10, 15)),
        (4, dt.datetime(2026, 10, 12, 16, 0)),  # Sat 10-10 is a make-up working day
        (6, dt.datetime(2026, 10, 14, 16, 0)),
    ],
)
def test_issue_examples_around_national_day(days: float, expected: dt.datetime) -> None:
    assert CAL.add_working_days(WED_1600, days) == expected


def test_make_up_days_and_holidays_of_national_day_2026() -> None:
    assert CAL.is_working_day(dt.date(2026, 10, 10))  # Saturday, make-up day
    assert CAL.is_working_day(dt.date(2026, 9, 20))  # Sunday, make-up day
    assert not CAL.is_working_day(dt.date(2026, 10, 11))  # an ordinary Sunday
    for day in range(1, 8):
        assert not CAL.is_working_day(dt.date(2026, 10, day))  # Thursday 1st to Wednesday 7th
    assert CAL.is_working_day(dt.datetime(2026, 10, 8, 3, 0))


def test_spring_festival_2026_with_its_make_up_saturdays() -> None:
    fri = dt.datetime(2026, 2, 13, 16, 0)
    # two hours left on Friday, then Saturday 14 February is a make-up working day
    assert CAL.add_working_days(fri, 1) == dt.datetime(2026, 2, 14, 16, 0)
    # 15-23 February are the holiday: the next day after Saturday is Tuesday 24th
    assert CAL.add_working_days(fri, 2) == dt.datetime(2026, 2, 24, 16, 0)
    assert CAL.is_working_day(dt.date(2026, 2, 28))  # Saturday, make-up day
    assert not CAL.is_working_day(dt.date(2026, 2, 23))  # Monday, still holiday


def test_start_outside_office_hours_counts_from_the_next_opening() -> None:
    lunch = dt.datetime(2026, 11, 26, 12, 30)
    assert CAL.add_working_days(lunch, 0.25) == dt.datetime(2026, 11, 26, 15, 52, 30)
    night = dt.datetime(2026, 11, 27, 22, 0)  # Friday night
    assert CAL.next_opening(night) == dt.datetime(2026, 11, 30, 8, 30)
    assert CAL.add_working_days(night, 0.5) == dt.datetime(2026, 11, 30, 14, 15)


def test_time_running_out_at_a_closing_is_that_closing() -> None:
    # 2 h of Friday afternoon remain at 16:00 of a 7.5 h day
    fri = dt.datetime(2026, 11, 27, 16, 0)
    assert CAL.add_working_days(fri, 2 / 7.5) == dt.datetime(2026, 11, 27, 18, 0)
    morning = dt.datetime(2026, 11, 26, 8, 30)
    assert CAL.add_working_days(morning, 3.5 / 7.5) == dt.datetime(2026, 11, 26, 12, 0)
    assert CAL.add_working_days(morning, 1) == dt.datetime(2026, 11, 26, 18, 0)


def test_zero_days_is_now_and_negative_days_are_refused() -> None:
    assert CAL.add_working_days(WED_1600, 0) == WED_1600
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(WED_1600, -1)


def test_aware_datetimes_come_back_in_shanghai_time() -> None:
    utc = dt.datetime(2026, 9, 30, 8, 0, tzinfo=dt.UTC)  # 16:00 in Kaifeng
    result = CAL.add_working_days(utc, 0.5)
    assert result.tzinfo is not None
    assert result == dt.datetime(2026, 10, 8, 10, 15, tzinfo=TZ)


def test_working_days_between_is_the_inverse() -> None:
    end = CAL.add_working_days(WED_1600, 6)
    assert CAL.working_days_between(WED_1600, end) == pytest.approx(6)
    assert CAL.working_days_between(end, WED_1600) == pytest.approx(-6)
    # a holiday week in between counts nothing
    assert CAL.working_days_between(
        dt.datetime(2026, 10, 1, 0, 0), dt.datetime(2026, 10, 8, 0, 0)
    ) == pytest.approx(0)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 1)),
    quarters=st.integers(min_value=0, max_value=24),
)
def test_adding_then_measuring_gives_back_the_days(start: dt.datetime, quarters: int) -> None:
    days = quarters / 4
    end = CAL.add_working_days(start, days)
    assert end >= start
    assert CAL.working_days_between(start, end) == pytest.approx(days, abs=1e-6)
    if days:
        assert CAL.is_working_day(end.date())
        hours = CAL.hours_on(end.date())
        assert hours is not None
        assert any(a <= end.time() <= b for a, b in hours.periods)


def test_winter_hours_apply_in_their_season() -> None:
    winter = Season((10, 1), (4, 30), OfficeHours.parse("08:30-12:00,13:30-17:00"))
    cal = WorkCalendar(seasons=(winter,))
    # 26 November is winter: the afternoon opens at 13:30 and a day is 7 h
    day = dt.date(2026, 11, 26)
    assert cal.hours_on(day) == winter.hours
    assert cal.add_working_days(dt.datetime(2026, 11, 26, 12, 30), 0.5) == dt.datetime(
        2026, 11, 26, 17, 0
    )
    # June is summer: the default hours
    assert cal.hours_on(dt.date(2026, 6, 10)) == OfficeHours()


def test_an_unannounced_year_is_provisional_never_a_refusal() -> None:
    december = dt.datetime(2026, 12, 28, 9, 0)
    due = CAL.add_working_days(december, 6)
    # 12-29, 12-30, 12-31 at 09:00 are 1-3; 01-01 is New Year's Day, then Sat and Sun: 4-6
    # fall on Mon 01-04 to Wed 01-06
    assert due == dt.datetime(2027, 1, 6, 9, 0)
    basis = CAL.basis(december, due)
    assert basis.status == "provisional"
    assert basis.provisional_years == (2027,)
    assert basis.years[2026].status == "official"
    assert basis.years[2026].source.startswith("chinesecalendar ")
    assert CAL.basis(WED_1600, WED_1600 + dt.timedelta(days=10)).status == "official"


def test_provisional_2027_from_the_statutory_rules() -> None:
    year = provisional_year(2027)
    off = year.days_off
    # 春节: 除夕 02-05 to 初三 02-08; Saturday and Sunday 02-06/07 are made up on 02-09 and 02-10
    assert {dt.date(2027, 2, d) for d in range(5, 11)} <= off
    assert dt.date(2027, 2, 11) not in off
    assert dt.date(2027, 9, 15) in off  # 中秋
    assert dt.date(2027, 4, 5) in off  # 清明, the solar term
    assert dt.date(2027, 6, 9) in off  # 端午, lunar 5-5
    assert {dt.date(2027, 5, d) for d in (1, 2, 3, 4)} <= off  # 劳动节 on a weekend: 05-03/04
    assert {dt.date(2027, 10, d) for d in (1, 2, 3, 4, 5)} <= off  # 国庆 Fri-Sun: Mon, Tue
    assert dt.date(2027, 1, 1) in off
    assert not year.workdays  # make-up working days are the State Council's choice: none guessed
    assert not CAL.is_working_day(dt.date(2027, 2, 9))
    assert CAL.is_working_day(dt.date(2027, 2, 11))
    assert "provisional" in CAL.holidays.year_basis(2027).source


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_days_off_agree_with_the_announced_years(year: int) -> None:
    """Under the 2024 rules every statutory day and every weekday made up for one that fell on
    a weekend was a day off in the State Council's own schedule."""
    import chinese_calendar

    for day in provisional_year(year).days_off:
        assert chinese_calendar.is_holiday(day), day


def test_qingming_and_the_lunar_festivals_match_the_library_every_year() -> None:
    import chinese_calendar

    from ops.calendar import statutory_days

    for year in range(2008, 2027):
        days = statutory_days(year)
        eve = min(d for d, name in days.items() if name == "春节")
        for day, name in days.items():
            # 2014-2024 the Spring Festival holiday began on 初一 rather than on 除夕
            if name in ("清明节", "端午节", "中秋节", "春节") and day != eve:
                assert chinese_calendar.is_holiday(day), (year, name, day)


def test_the_utility_kept_year_overrides_the_library_and_the_file() -> None:
    kept = year_schedule(
        2027,
        days_off=["2027-01-01", "2027-02-05..2027-02-12"],
        workdays=["2027-02-13"],
        source="国办发明电〔2026〕9号 (2026-11-20)",
    )
    cal = WorkCalendar(holidays=HolidaySchedule(kept={2027: kept}))
    assert not cal.is_working_day(dt.date(2027, 2, 11))
    assert cal.is_working_day(dt.date(2027, 2, 13))  # a make-up Saturday
    basis = cal.holidays.year_basis(2027)
    assert basis.status == "official" and "国办发明电" in basis.source
    # 2026 still comes from the library, exactly
    assert cal.is_working_day(dt.date(2026, 10, 10)) and not cal.is_working_day(
        dt.date(2026, 10, 7)
    )


@pytest.mark.parametrize(
    ("days_off", "workdays", "message"),
    [
        (["2026-12-31"], [], "not in 2027"),
        (["2027-02-30"], [], "not a date"),
        ([], ["2027-02-10"], "not a Saturday or Sunday"),
        (["2027-02-13"], ["2027-02-13"], "both"),
        (["2027-02-12..2027-02-05"], [], "ends before it starts"),
    ],
)
def test_a_kept_year_is_checked_with_what_to_fix(
    days_off: list[str], workdays: list[str], message: str
) -> None:
    with pytest.raises(CalendarConfigError, match=message) as info:
        year_schedule(2027, days_off=days_off, workdays=workdays, source="notice")
    assert "/" not in str(info.value).replace("YYYY-MM-DD", "")


def test_calendar_errors_never_name_a_file_system_path(tmp_path: Path) -> None:
    path = tmp_path / "secret" / "holidays.toml"
    path.parent.mkdir()
    path.write_text("[2027\n", encoding="utf-8")
    with pytest.raises(CalendarConfigError) as info:
        HolidaySchedule.load(path)
    assert str(tmp_path) not in str(info.value) and "holidays_file" in str(info.value)


def test_override_file_adds_a_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        '[2027]\nsource = "test"\n'
        'holidays = ["2027-01-01", "2027-02-06..2027-02-12"]\n'
        'workdays = ["2027-02-13"]\n',
        encoding="utf-8",
    )
    cal = WorkCalendar(holidays=HolidaySchedule.load(path))
    assert not cal.is_working_day(dt.date(2027, 1, 1))  # Friday, holiday
    assert cal.is_working_day(dt.date(2027, 1, 4))  # an ordinary Monday
    assert not cal.is_working_day(dt.date(2027, 2, 10))
    assert cal.is_working_day(dt.date(2027, 2, 13))  # Saturday, make-up day
    # the 6-day deadline from 28 December now crosses the year
    end = cal.add_working_days(dt.datetime(2026, 12, 28, 9, 0), 6)
    assert end.year == 2027
    assert cal.holidays.covered[1] == 2027


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[2027]\nholidays = ['2027-13-01']\n", "not a date"),
        ("[2027]\nholidays = ['2026-05-01']\n", "not in 2027"),
        ("[year]\nholidays = []\n", "not a year"),
        ("[2027]\nholiday = []\n", "unknown keys"),
        ("[2027]\nholidays = ['2027-01-01']\nworkdays = ['2027-01-01']\n", "both"),
        ("[2027\n", "not a valid TOML"),
    ],
)
def test_bad_override_files_say_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarConfigError, match=message):
        HolidaySchedule.load(path)


def test_office_hours_are_checked() -> None:
    assert OfficeHours.parse("08:30-12:00,14:00-18:00").seconds == 27_000
    for bad in ("12:00-08:00", "08:00-12:00,11:00-13:00", "8h-12h", ""):
        with pytest.raises(CalendarConfigError):
            OfficeHours.parse(bad)


def test_calendar_from_settings(tmp_path: Path) -> None:
    cal = calendar_from_config(
        {
            "hours": "09:00-12:00,13:00-17:00",
            "seasons": [{"from": "06-01", "to": "08-31", "hours": "08:00-12:00,15:00-18:00"}],
        }
    )
    assert cal.hours.seconds == 7 * 3600
    assert cal.hours_on(dt.date(2026, 7, 1)) == OfficeHours.parse("08:00-12:00,15:00-18:00")
    with pytest.raises(CalendarConfigError):
        calendar_from_config({"seasons": [{"from": "June", "to": "08-31", "hours": "x"}]})
    with pytest.raises(CalendarConfigError, match="does not exist") as info:
        calendar_from_config({"holidays_file": str(tmp_path / "missing.toml")})
    assert str(tmp_path) not in str(info.value)


def test_zero_days_is_the_next_opening_and_microseconds_count() -> None:
    holiday = dt.datetime(2026, 10, 3, 10, 0)
    assert CAL.add_working_days(holiday, 0) == dt.datetime(2026, 10, 8, 8, 30)
    utc = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # 10:00 in Kaifeng: open
    assert CAL.add_working_days(utc, 0) == dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
    almost = dt.datetime(2026, 11, 26, 11, 59, 59, 500_000)
    assert CAL.add_working_days(almost, 1 / 27_000) == dt.datetime(2026, 11, 26, 14, 0, 0, 500_000)
