"""The working-day calendar: Chinese statutory holidays, make-up working days and office hours.

Table 1 of the service plan counts deadlines in **working days (工作日)**. A working day is a
day the utility's offices are open: Monday to Friday, except the statutory holidays, plus the
weekend days that the State Council declares make-up working days (调休上班). The schedule comes
from `chinesecalendar <https://pypi.org/project/chinesecalendar/>`_, which knows the years the
State Council has announced and refuses the others; a project-owned TOML file
(``ops/data/holidays.toml``, or one the deployment names) adds a year as soon as it is published,
or corrects one. A year that neither knows is an error that names the year and the file.

Fractions of a working day are fractions of that day's office hours: with the default hours
(08:30–12:00 and 14:00–18:00, 7.5 h) a quarter day is 1 h 52 min 30 s of open office. Time
outside office hours does not count; a start outside them counts from the next opening.

Times are local to Kaifeng (Asia/Shanghai). Naive datetimes are taken as local and come back
naive; aware ones are converted to Asia/Shanghai and come back aware.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ops.errors import CalendarConfigError, CalendarYearMissing

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_OVERRIDES = Path(__file__).parent / "data" / "holidays.toml"
_MAX_DAYS_SCANNED = 3 * 366  # far beyond any deadline; a guard against a calendar with no work


def _parse_clock(text: str) -> dt.time:
    try:
        hours, minutes = str(text).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise CalendarConfigError(f"{text!r} is not a time of day: write HH:MM") from None


@dataclass(frozen=True)
class OfficeHours:
    """The open periods of one working day, in order, e.g. 08:30–12:00 and 14:00–18:00."""

    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 0), dt.time(18, 0)),
    )

    def __post_init__(self) -> None:
        if not self.periods:
            raise CalendarConfigError("office hours need at least one open period")
        previous = dt.time(0, 0)
        for opens, closes in self.periods:
            if closes <= opens or opens < previous:
                raise CalendarConfigError(
                    f"office hours {self}: periods must be in order, each closing after it "
                    "opens, without overlaps"
                )
            previous = closes

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """``"08:30-12:00,14:00-18:00"`` → :class:`OfficeHours`."""
        periods = []
        for part in str(text).split(","):
            if not part.strip():
                continue
            try:
                opens, closes = part.split("-")
            except ValueError:
                raise CalendarConfigError(
                    f"{part.strip()!r} is not an open period: write HH:MM-HH:MM"
                ) from None
            periods.append((_parse_clock(opens), _parse_clock(closes)))
        return cls(tuple(periods))

    @cached_property
    def seconds(self) -> int:
        """Length of the working day in seconds (27,000 for the default 7.5 h)."""
        return sum(_seconds(closes) - _seconds(opens) for opens, closes in self.periods)

    def __str__(self) -> str:
        return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.periods)


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class Season:
    """Office hours that apply from ``start`` to ``end`` (month, day; both inclusive; a season
    may run over the new year, e.g. a winter schedule from (10, 1) to (4, 30))."""

    start: tuple[int, int]
    end: tuple[int, int]
    hours: OfficeHours

    def __post_init__(self) -> None:
        for month, day in (self.start, self.end):
            try:
                dt.date(2024, month, day)  # a leap year, so 29 February is allowed
            except ValueError:
                raise CalendarConfigError(f"season bound {month}-{day} is not a date") from None

    def covers(self, day: dt.date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


@dataclass(frozen=True)
class HolidaySchedule:
    """Which dates are working days: chinesecalendar, with project-owned years on top.

    Parameters
    ----------
    overrides
        Year → (days off, make-up working days). A year listed here replaces the library's
        schedule for that year: a working day is a weekday not in the days off, or a date among
        the make-up days.
    source
        Where the overrides came from, for error messages.
    """

    overrides: Mapping[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = field(
        default_factory=dict
    )
    source: str | None = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> HolidaySchedule:
        """The library's schedule plus the overrides in ``path`` (default: the project's file)."""
        path = Path(path) if path is not None else DEFAULT_OVERRIDES
        if not path.exists():
            if path == DEFAULT_OVERRIDES:
                return cls()
            raise CalendarConfigError(f"holiday override file {path} does not exist")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CalendarConfigError(f"{path}: not a valid TOML file ({exc})") from None
        return cls(parse_overrides(data, str(path)), str(path))

    @cached_property
    def library_years(self) -> tuple[int, int]:
        from chinese_calendar.constants import holidays

        years = [d.year for d in holidays]
        return min(years), max(years)

    @property
    def covered(self) -> tuple[int, int]:
        lo, hi = self.library_years
        years = [lo, hi, *self.overrides]
        # the span is only contiguous where the overrides extend it year by year
        while hi + 1 in self.overrides:
            hi += 1
        return min(years), hi

    def is_working_day(self, day: dt.date) -> bool:
        if day.year in self.overrides:
            days_off, make_up = self.overrides[day.year]
            if day in make_up:
                return True
            return day.weekday() < 5 and day not in days_off
        lo, hi = self.library_years
        if not lo <= day.year <= hi:
            raise CalendarYearMissing(day.year, self.covered, self.source)
        from chinese_calendar import is_workday

        return bool(is_workday(day))


def parse_overrides(
    data: Mapping[str, Any], source: str = "overrides"
) -> dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]]:
    """Read ``{"2027": {"holidays": [...], "workdays": [...]}}`` (dates ``YYYY-MM-DD`` or
    ranges ``YYYY-MM-DD..YYYY-MM-DD``)."""
    out: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = {}
    for key, table in data.items():
        try:
            year = int(key)
        except ValueError:
            raise CalendarConfigError(
                f"{source}: [{key}] is not a year; write one table per year, e.g. [2027]"
            ) from None
        if not isinstance(table, Mapping):
            raise CalendarConfigError(f"{source}: [{key}] must be a table with holidays, workdays")
        unknown = set(table) - {"holidays", "workdays", "source", "note"}
        if unknown:
            raise CalendarConfigError(
                f"{source}: [{key}] has unknown keys {sorted(unknown)}; "
                "use holidays, workdays, source, note"
            )
        days_off = frozenset(_dates(table.get("holidays", []), year, source))
        make_up = frozenset(_dates(table.get("workdays", []), year, source))
        both = days_off & make_up
        if both:
            raise CalendarConfigError(
                f"{source}: [{key}] lists {min(both)} both as a holiday and as a working day"
            )
        out[year] = (days_off, make_up)
    return out


def _dates(values: Iterable[Any], year: int, source: str) -> Iterator[dt.date]:
    if isinstance(values, str):
        values = [values]
    for value in values:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        try:
            if ".." in text:
                first_s, last_s = text.split("..")
                first, last = dt.date.fromisoformat(first_s), dt.date.fromisoformat(last_s)
            else:
                first = last = dt.date.fromisoformat(text)
        except ValueError:
            raise CalendarConfigError(
                f"{source}: {text!r} in [{year}] is not a date or a range: write YYYY-MM-DD "
                "or YYYY-MM-DD..YYYY-MM-DD"
            ) from None
        if last < first:
            raise CalendarConfigError(f"{source}: range {text!r} ends before it starts")
        if first.year != year or last.year != year:
            raise CalendarConfigError(f"{source}: {text!r} is not in {year}")
        day = first
        while day <= last:
            yield day
            day += dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and office hours; the clock of every Table 1 deadline.

    Parameters
    ----------
    hours
        Office hours of a working day (default 08:30–12:00, 14:00–18:00).
    seasons
        Optional seasonal schedules (e.g. winter hours); the first that covers a date applies,
        ``hours`` otherwise.
    holidays
        The holiday schedule (default: chinesecalendar plus ``ops/data/holidays.toml``).
    """

    hours: OfficeHours = field(default_factory=OfficeHours)
    seasons: tuple[Season, ...] = ()
    holidays: HolidaySchedule = field(default_factory=HolidaySchedule.load)

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        """True when the offices are open on ``day`` (a make-up Saturday is a working day)."""
        if isinstance(day, dt.datetime):
            day = _local(day).date()
        return self.holidays.is_working_day(day)

    def hours_on(self, day: dt.date) -> OfficeHours | None:
        """The office hours of ``day``, or None when it is not a working day."""
        if not self.holidays.is_working_day(day):
            return None
        for season in self.seasons:
            if season.covers(day):
                return season.hours
        return self.hours

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if the office is open then, else the next time it opens."""
        local = _local(moment)
        for _day, opens, closes in self._periods_from(local.date()):
            if local < closes:
                return _restore(max(local, opens), moment)
        raise AssertionError("unreachable")  # pragma: no cover - _periods_from raises first

    def add_working_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """The moment ``days`` working days (fractions allowed) after ``start``.

        Counting runs through office hours only; a start outside them counts from the next
        opening. When the time runs out exactly at a closing, that closing is the answer (the
        deadline is the end of that working day, not the next morning).

        Examples with the default hours, from Wed 2026-09-30 16:00: +0.25 → 09-30 17:52:30;
        +0.5 → 10-08 10:15 (National Day holiday between); +4 → 10-12 16:00 (Sat 10-10 is a
        make-up working day).
        """
        if days < 0:
            raise ValueError(f"cannot add a negative number of working days ({days})")
        local = _local(start)
        if days == 0:  # at once (即办): now if the office is open, else when it opens
            return self.next_opening(start)
        left = Fraction(str(days))  # exact for the decimals deadlines are written in
        for day, opens, closes in self._periods_from(local.date()):
            if local >= closes:
                continue
            begin = max(local, opens)
            available = _seconds_exact(closes - begin)
            day_seconds = self.hours_on(day).seconds  # type: ignore[union-attr]
            # to the microsecond, so that a float like 3.5 / 7.5 lands on its closing
            needed_us = round(left * day_seconds * 1_000_000)
            if needed_us <= available * 1_000_000:
                moment = begin + dt.timedelta(microseconds=needed_us)
                return _restore(moment, start)
            left -= available / day_seconds
        raise AssertionError("unreachable")  # pragma: no cover

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working days of office time from ``start`` to ``end`` (negative if end is earlier)."""
        a, b = _local(start), _local(end)
        if b < a:
            return -self.working_days_between(end, start)
        total = Fraction(0)
        for day, opens, closes in self._periods_from(a.date()):
            if opens >= b:
                break
            lo, hi = max(a, opens), min(b, closes)
            if hi > lo:
                total += _seconds_exact(hi - lo) / self.hours_on(day).seconds  # type: ignore[union-attr]
        return float(total)

    def working_days_from(self, first: dt.date, count: int) -> list[dt.date]:
        """The first ``count`` working days on or after ``first``."""
        out: list[dt.date] = []
        day = first
        while len(out) < count:
            if self.holidays.is_working_day(day):
                out.append(day)
            day += dt.timedelta(days=1)
            if (day - first).days > _MAX_DAYS_SCANNED:
                raise CalendarConfigError("the calendar has no working days in three years")
        return out

    def _periods_from(self, first: dt.date) -> Iterator[tuple[dt.date, dt.datetime, dt.datetime]]:
        """Open periods as local (naive) datetimes, from ``first`` on, in order."""
        for offset in range(_MAX_DAYS_SCANNED):
            day = first + dt.timedelta(days=offset)
            hours = self.hours_on(day)
            if hours is None:
                continue
            for opens, closes in hours.periods:
                yield day, dt.datetime.combine(day, opens), dt.datetime.combine(day, closes)
        raise CalendarConfigError("the calendar has no working days in three years")


def _seconds_exact(span: dt.timedelta) -> Fraction:
    """A span in seconds, exact to the microsecond."""
    return Fraction(span // dt.timedelta(microseconds=1), 1_000_000)


def local_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware Asia/Shanghai datetime (naive input is taken as local)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


def _local(moment: dt.datetime) -> dt.datetime:
    """``moment`` as a naive local (Asia/Shanghai) datetime."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(TZ).replace(tzinfo=None)


def _restore(local: dt.datetime, like: dt.datetime) -> dt.datetime:
    """A naive local result in the same form as the caller's input."""
    if like.tzinfo is None:
        return local
    return local.replace(tzinfo=TZ)


def calendar_from_config(config: Mapping[str, Any]) -> WorkCalendar:
    """A calendar from settings: ``{"hours": "08:30-12:00,14:00-18:00", "seasons": [{"from":
    "10-01", "to": "04-30", "hours": "08:30-12:00,13:30-17:30"}], "holidays_file": PATH}``."""
    hours = OfficeHours.parse(config["hours"]) if config.get("hours") else OfficeHours()
    seasons = []
    for entry in config.get("seasons", []):
        try:
            start = tuple(int(x) for x in str(entry["from"]).split("-"))
            end = tuple(int(x) for x in str(entry["to"]).split("-"))
            season_hours = OfficeHours.parse(entry["hours"])
        except (KeyError, ValueError):
            raise CalendarConfigError(
                f"season {entry!r}: write from = 'MM-DD', to = 'MM-DD', hours = 'HH:MM-HH:MM,...'"
            ) from None
        if len(start) != 2 or len(end) != 2:
            raise CalendarConfigError(f"season {entry!r}: from and to are MM-DD")
        seasons.append(Season((start[0], start[1]), (end[0], end[1]), season_hours))
    holidays = HolidaySchedule.load(config.get("holidays_file"))
    return WorkCalendar(hours, tuple(seasons), holidays)
