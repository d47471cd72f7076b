"""The working-day calendar: Chinese statutory holidays, make-up working days and office hours.

Table 1 of the service plan counts deadlines in **working days (工作日)**. A working day is a
day the utility's offices are open: Monday to Friday, except the statutory holidays, plus the
weekend days that the State Council declares make-up working days (调休上班). The schedule comes
from `chinesecalendar <https://pypi.org/project/chinesecalendar/>`_, which knows the years the
State Council has announced; a project-owned TOML file (``ops/data/holidays.toml``, or one the
deployment names) and the years the utility enters itself (the service keeps them in its
database) add or correct a year. A year that none of them knows is never a refusal: it is
*provisional*, computed from the statutory rules (lunar dates and the 清明 solar term from
``lunar_python``), and every result says which calendar made it (:class:`CalendarBasis`).

Fractions of a working day are fractions of that day's office hours: with the default hours
(08:30–12:00 and 14:00–18:00, 7.5 h) a quarter day is 1 h 52 min 30 s of open office. Time
outside office hours does not count; a start outside them counts from the next opening.

Times are local to Kaifeng (Asia/Shanghai). Naive datetimes are taken as local and come back
naive; aware ones are converted to Asia/Shanghai and come back aware.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chinese_calendar import constants as announced
from chinese_calendar import is_workday
from lunar_python import Lunar

from ops.errors import CalendarConfigError

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_OVERRIDES = Path(__file__).parent / "data" / "holidays.toml"
_MAX_DAYS_SCANNED = 3 * 366  # far beyond any deadline; a guard against a calendar with no work


def _parse_clock(text: str) -> dt.time:
    try:
        hours, minutes = str(text).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise CalendarConfigError(
            f"{text!r} is not a time of day: write HH:MM",
            code="calendar_not_clock",
            value=str(text),
        ) from None


@dataclass(frozen=True)
class OfficeHours:
    """The open periods of one working day, in order, e.g. 08:30–12:00 and 14:00–18:00."""

    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 0), dt.time(18, 0)),
    )

    def __post_init__(self) -> None:
        if not self.periods:
            raise CalendarConfigError(
                "office hours need at least one open period", code="office_hours_empty"
            )
        previous = dt.time(0, 0)
        for opens, closes in self.periods:
            if closes <= opens or opens < previous:
                raise CalendarConfigError(
                    f"office hours {self}: periods must be in order, each closing after it "
                    "opens, without overlaps",
                    code="office_hours_order",
                    hours=str(self),
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
                    f"{part.strip()!r} is not an open period: write HH:MM-HH:MM",
                    code="office_period_invalid",
                    period=part.strip(),
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
                raise CalendarConfigError(
                    f"season bound {month}-{day} is not a date",
                    code="season_bound_not_date",
                    bound=f"{month}-{day}",
                ) from None

    def covers(self, day: dt.date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


# The statutory holidays of 《全国年节及纪念日放假办法》 as amended in 2024 (in force from
# 2025): name → days. Lunar dates are (month, day) of the lunar year; 除夕 is the last day of the
# lunar year before 春节.
STATUTORY_RULES = "《全国年节及纪念日放假办法》(2024)"
OFFICIAL = "official"
PROVISIONAL = "provisional"


@dataclass(frozen=True)
class YearSchedule:
    """One year's days off and make-up working days (调休上班), and where they come from.

    A working day is a weekday that is not a day off, or a make-up day (a Saturday or Sunday).
    """

    year: int
    days_off: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str
    status: str = OFFICIAL  # or PROVISIONAL

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.days_off


@dataclass(frozen=True)
class YearBasis:
    """Which calendar decided a year: ``official`` (with its source) or ``provisional``."""

    year: int
    status: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "source": self.source}


@dataclass(frozen=True)
class CalendarBasis:
    """The calendars a computation counted on, year by year; provisional if any year was."""

    years: Mapping[int, YearBasis]

    @property
    def status(self) -> str:
        return PROVISIONAL if self.provisional_years else OFFICIAL

    @property
    def provisional_years(self) -> tuple[int, ...]:
        return tuple(y for y, b in sorted(self.years.items()) if b.status == PROVISIONAL)

    def counts_on(self, year: int) -> bool:
        """True when the computation counted working days of ``year``."""
        return year in self.years

    def describe(self) -> str:
        """One line for people: ``official (chinesecalendar 1.11.0)`` or which years are
        provisional and what to do about it."""
        if not self.provisional_years:
            sources = sorted({b.source for b in self.years.values()})
            return f"official ({'; '.join(sources)})"
        years = ", ".join(str(y) for y in self.provisional_years)
        return (
            f"provisional for {years}: the State Council's schedule is not in the calendar yet, "
            "so the statutory holidays were computed; an admin enters the notice in the "
            "console's calendar screen (or the holidays_file setting) and the deadline is "
            "recomputed"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "provisional_years": list(self.provisional_years),
            "years": {str(y): b.to_dict() for y, b in sorted(self.years.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalendarBasis:
        return cls(
            {
                int(y): YearBasis(int(y), str(b["status"]), str(b["source"]))
                for y, b in dict(data.get("years", {})).items()
            }
        )


def statutory_days(year: int) -> dict[dt.date, str]:
    """The statutory holiday dates of ``year`` by the 2024 rules: 元旦 1 day, 春节 4 (除夕 and
    初一 to 初三), 清明 1 (the solar term), 劳动节 2, 端午 1, 中秋 1, 国庆 3.

    Lunar dates and the 清明 solar term come from ``lunar_python`` (computed, no table).
    """
    new_year = Lunar.fromYmd(year, 1, 1)
    spring = dt.date.fromisoformat(new_year.getSolar().toYmd())

    def lunar(month: int, day: int) -> dt.date:
        return dt.date.fromisoformat(Lunar.fromYmd(year, month, day).getSolar().toYmd())

    qingming = dt.date.fromisoformat(new_year.getJieQiTable()["清明"].toYmd())
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    for k in range(-1, 3):
        days[spring + dt.timedelta(days=k)] = "春节"
    days[qingming] = "清明节"
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = "劳动节"
    days[lunar(5, 5)] = "端午节"
    days[lunar(8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days.setdefault(dt.date(year, 10, d), "国庆节")  # 中秋 may fall on one of them
    return {d: n for d, n in sorted(days.items()) if d.year == year}


@lru_cache(maxsize=64)
def provisional_year(year: int) -> YearSchedule:
    """A year the State Council has not announced, from the statutory rules.

    Every statutory day is a day off. A statutory day on a Saturday or Sunday is made up on a
    working day (the rules' article 6: 适逢星期六、星期日，应当在工作日补假): the first weekday
    after its holiday block that is not a day off already. The make-up working days (调休上班)
    that a notice adds to bridge holidays are the State Council's choice and are not guessed:
    a provisional year has none. See ``docs/decisions.md``.
    """
    statutory = statutory_days(year)
    off = set(statutory)
    for day in sorted(statutory):
        if day.weekday() < 5:
            continue
        spare = day + dt.timedelta(days=1)
        while spare in off or spare.weekday() >= 5:
            spare += dt.timedelta(days=1)
        if spare.year == year:
            off.add(spare)
    return YearSchedule(
        year,
        frozenset(off),
        frozenset(),
        f"provisional: computed from the statutory rules {STATUTORY_RULES}",
        PROVISIONAL,
    )


def year_schedule(
    year: int,
    *,
    days_off: Iterable[dt.date | str],
    workdays: Iterable[dt.date | str] = (),
    source: str,
) -> YearSchedule:
    """A year as the utility enters it from the State Council's notice, checked.

    Dates are ``YYYY-MM-DD`` or ranges ``YYYY-MM-DD..YYYY-MM-DD``. Every problem is reported
    at once: a date outside the year, a make-up working day that is not a Saturday or Sunday,
    a day both off and on.
    """
    problems: list[str] = []
    off = _collect(days_off, year, "days off", problems)
    on = _collect(workdays, year, "make-up working days", problems)
    for day in sorted(on):
        if day.weekday() < 5:
            problems.append(
                f"make-up working day {day} is a {day:%A}, not a Saturday or Sunday: a "
                "weekday is a working day already; list only the weekend days worked"
            )
    for day in sorted(off & on):
        problems.append(f"{day} is listed both as a day off and as a make-up working day")
    if not str(source).strip():
        problems.append("give the notice's document number (e.g. 国办发明电〔2026〕X号)")
    if problems:
        raise CalendarConfigError(
            f"the {year} calendar cannot be used: " + "; ".join(problems),
            code="calendar_year_unusable",
            year=year,
            problems=problems,
        )
    return YearSchedule(year, frozenset(off), frozenset(on), str(source).strip())


def _collect(
    values: Iterable[dt.date | str], year: int, what: str, problems: list[str]
) -> set[dt.date]:
    out: set[dt.date] = set()
    for value in [values] if isinstance(values, str) else values:
        try:
            out.update(_dates([value], year, what))
        except CalendarConfigError as exc:
            problems.append(str(exc))
    return out


@dataclass(frozen=True)
class HolidaySchedule:
    """Which dates are working days, year by year, from the first of these that has the year:

    1. ``kept``: the years the utility entered from the State Council's notice (the service
       stores them in its database);
    2. ``overrides``: a project- or deployment-owned TOML file (``holidays_file``);
    3. chinesecalendar, for the years it knows;
    4. a *provisional* year computed from the statutory rules (:func:`provisional_year`), so
       that a year not yet announced is never a refusal. Every result can say which it used
       (:meth:`year_basis`).

    Parameters
    ----------
    overrides
        Year → (days off, make-up working days), from the TOML file.
    source
        What the overrides are called in messages (never a file system path).
    """

    overrides: Mapping[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = field(
        default_factory=dict
    )
    source: str | None = None
    kept: Mapping[int, YearSchedule] = field(default_factory=dict)
    override_sources: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> HolidaySchedule:
        """The library's schedule plus the overrides in ``path`` (default: the project's file)."""
        path = Path(path) if path is not None else DEFAULT_OVERRIDES
        name = "the project's holiday file" if path == DEFAULT_OVERRIDES else "holidays_file"
        if not path.exists():
            if path == DEFAULT_OVERRIDES:
                return cls()
            raise CalendarConfigError(
                f"the holiday file named by the holidays_file setting (WATEROPS_HOLIDAYS_FILE) "
                f"does not exist ({path.name}): correct the setting or remove it",
                code="holidays_file_missing",
                setting="holidays_file",
                variable="WATEROPS_HOLIDAYS_FILE",
                file=path.name,
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CalendarConfigError(
                f"{name} ({path.name}) is not a valid TOML file ({exc}): correct it, or enter "
                "the year in the console's calendar screen instead",
                code="holidays_file_not_toml",
                file=path.name,
                error=str(exc),
            ) from None
        sources = {
            int(k): str(v.get("source") or name)
            for k, v in data.items()
            if isinstance(v, Mapping) and str(k).isdigit()
        }
        return cls(parse_overrides(data, name), name, override_sources=sources)

    def with_kept(self, kept: Mapping[int, YearSchedule]) -> HolidaySchedule:
        """The same schedule with the utility's own years on top."""
        return HolidaySchedule(self.overrides, self.source, dict(kept), self.override_sources)

    @cached_property
    def library_years(self) -> tuple[int, int]:
        years = [d.year for d in announced.holidays]
        return min(years), max(years)

    @cached_property
    def library_source(self) -> str:
        return f"chinesecalendar {importlib.metadata.version('chinesecalendar')}"

    @property
    def covered(self) -> tuple[int, int]:
        """The first and last year of the official span (library, file, kept years)."""
        lo, hi = self.library_years
        official = {*self.overrides, *self.kept}
        years = [lo, hi, *official]
        while hi + 1 in official:  # contiguous only where the years extend it one by one
            hi += 1
        return min(years), hi

    def year_basis(self, year: int) -> YearBasis:
        """Which calendar decides ``year``."""
        if year in self.kept:
            return YearBasis(year, OFFICIAL, self.kept[year].source)
        if year in self.overrides:
            return YearBasis(year, OFFICIAL, self.override_sources.get(year, "holidays_file"))
        lo, hi = self.library_years
        if lo <= year <= hi:
            return YearBasis(year, OFFICIAL, self.library_source)
        return YearBasis(year, PROVISIONAL, provisional_year(year).source)

    def is_working_day(self, day: dt.date) -> bool:
        if day.year in self.kept:
            return self.kept[day.year].is_working_day(day)
        if day.year in self.overrides:
            days_off, make_up = self.overrides[day.year]
            if day in make_up:
                return True
            return day.weekday() < 5 and day not in days_off
        lo, hi = self.library_years
        if lo <= day.year <= hi:
            return bool(is_workday(day))
        return provisional_year(day.year).is_working_day(day)

    def schedule_of(self, year: int) -> YearSchedule:
        """The whole of ``year`` as a :class:`YearSchedule` (days off are the weekdays off and
        the holidays' weekend days as the source lists them; make-up days the weekend days
        worked)."""
        if year in self.kept:
            return self.kept[year]
        basis = self.year_basis(year)
        if basis.status == PROVISIONAL:
            return provisional_year(year)
        if year in self.overrides:
            off, on = self.overrides[year]
            return YearSchedule(year, off, on, basis.source)
        return YearSchedule(
            year,
            frozenset(d for d in announced.holidays if d.year == year),
            frozenset(d for d in announced.workdays if d.year == year and d.weekday() >= 5),
            basis.source,
        )


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
                f"{source}: [{key}] is not a year; write one table per year, e.g. [2027]",
                code="holidays_not_year",
                file=source,
                key=str(key),
            ) from None
        if not isinstance(table, Mapping):
            raise CalendarConfigError(
                f"{source}: [{key}] must be a table with holidays, workdays",
                code="holidays_not_table",
                file=source,
                key=str(key),
                keys=["holidays", "workdays"],
            )
        unknown = set(table) - {"holidays", "workdays", "source", "note"}
        if unknown:
            raise CalendarConfigError(
                f"{source}: [{key}] has unknown keys {sorted(unknown)}; "
                "use holidays, workdays, source, note",
                code="holidays_unknown_keys",
                file=source,
                key=str(key),
                unknown=sorted(unknown),
                keys=["holidays", "workdays", "source", "note"],
            )
        days_off = frozenset(_dates(table.get("holidays", []), year, source))
        make_up = frozenset(_dates(table.get("workdays", []), year, source))
        both = days_off & make_up
        if both:
            raise CalendarConfigError(
                f"{source}: [{key}] lists {min(both)} both as a holiday and as a working day",
                code="holidays_day_both",
                file=source,
                key=str(key),
                day=str(min(both)),
            )
        out[year] = (days_off, make_up)
    return out


def _dates(values: Iterable[dt.date | str], year: int, source: str) -> Iterator[dt.date]:
    """The dates of ``values`` (dates or ranges), each checked to lie in ``year``."""
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
                "or YYYY-MM-DD..YYYY-MM-DD",
                code="holidays_not_date",
                file=source,
                value=str(text),
                year=year,
            ) from None
        if last < first:
            raise CalendarConfigError(
                f"{source}: range {text!r} ends before it starts",
                code="holidays_range_reversed",
                file=source,
                value=str(text),
            )
        if first.year != year or last.year != year:
            raise CalendarConfigError(
                f"{source}: {text!r} is not in {year}",
                code="holidays_not_in_year",
                file=source,
                value=str(text),
                year=year,
            )
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

    def basis(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> CalendarBasis:
        """Which calendars decided the working days from ``start`` to ``end`` (every year the
        span touches): a deadline counted across them is as sure as the least sure year."""
        first = _local(start).date() if isinstance(start, dt.datetime) else start
        last = _local(end).date() if isinstance(end, dt.datetime) else end
        if last < first:
            first, last = last, first
        return CalendarBasis(
            {y: self.holidays.year_basis(y) for y in range(first.year, last.year + 1)}
        )

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
                raise CalendarConfigError(
                    "the calendar has no working days in three years",
                    code="calendar_no_working_days",
                )
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
        raise CalendarConfigError(
            "the calendar has no working days in three years", code="calendar_no_working_days"
        )


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
    "10-01", "to": "04-30", "hours": "08:30-12:00,13:30-17:30"}], "holidays_file": PATH,
    "years": {"2027": {"days_off": [...], "workdays": [...], "source": "国办发明电…"}}}``
    (``years``: the utility's own entries, which win over the file and the library)."""
    hours = OfficeHours.parse(config["hours"]) if config.get("hours") else OfficeHours()
    seasons = []
    for entry in config.get("seasons", []):
        try:
            start = tuple(int(x) for x in str(entry["from"]).split("-"))
            end = tuple(int(x) for x in str(entry["to"]).split("-"))
            season_hours = OfficeHours.parse(entry["hours"])
        except (KeyError, ValueError):
            raise CalendarConfigError(
                f"season {entry!r}: write from = 'MM-DD', to = 'MM-DD', hours = 'HH:MM-HH:MM,...'",
                code="season_invalid",
                season=repr(entry),
                keys=["from", "to", "hours"],
            ) from None
        if len(start) != 2 or len(end) != 2:
            raise CalendarConfigError(
                f"season {entry!r}: from and to are MM-DD", code="season_bounds", season=repr(entry)
            )
        seasons.append(Season((start[0], start[1]), (end[0], end[1]), season_hours))
    holidays = HolidaySchedule.load(config.get("holidays_file"))
    kept = {
        int(year): year_schedule(
            int(year),
            days_off=entry.get("days_off", []),
            workdays=entry.get("workdays", []),
            source=str(entry.get("source", "")),
        )
        for year, entry in dict(config.get("years", {})).items()
    }
    if kept:
        holidays = holidays.with_kept(kept)
    return WorkCalendar(hours, tuple(seasons), holidays)


def kept_year_config(schedule: YearSchedule) -> dict[str, Any]:
    """A kept year as the ``years`` entry of :func:`calendar_from_config` (JSON-ready)."""
    return {
        "days_off": sorted(d.isoformat() for d in schedule.days_off),
        "workdays": sorted(d.isoformat() for d in schedule.workdays),
        "source": schedule.source,
    }
