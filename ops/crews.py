"""A crew's days: absences (leave, sickness, vehicle out of service) and shift changes.

The roster (:class:`ops.dispatch.CrewShift`) says how a crew works every day; this module says
how it works on one date. An absence covers a date or a range of dates and takes the crew out of
every plan of those dates (a crew without its vehicle cannot go out either); an absence of some
hours of one date (the doctor from 08:00 to 12:00) takes only those hours out of its shift. A
shift change
gives one date other hours and/or another on-call duty (应急值班) than the roster's. Both are
kept as :class:`CrewDay` values on the crew (``CrewShift.days``), so a plan stored with its
crews is re-planned with the same days.

The rules (docs/crews.md):

- an absence wins over a shift change of the same date; hours away cut the day's shift (the
  changed one if there is one): away at its start or end, the shift starts later or ends sooner;
  away in its middle, the solver's crew has a fixed break for those hours; away for all of it,
  the crew is off that day;
- the lunch window keeps its longest part outside the hours away; too short, no lunch;
- two absences of a crew may not overlap (whole dates, or the hours of the same date);
- a shift change sets only what it names (hours, on-call); the rest is the roster's;
- the lunch window moves with the start of a changed shift (the same time after the start),
  cut at the shift's end; a shift too short for it has no lunch;
- on a day off only on-call crews work, and a shift change can put a crew on call that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ops.errors import Conflict, InvalidRequest

if TYPE_CHECKING:  # a cycle: ops.dispatch's CrewShift keeps its days (annotations only here)
    from ops.calendar import WorkCalendar
    from ops.dispatch import CrewShift


class AbsenceReason(StrEnum):
    LEAVE = "leave"  # 休假
    SICKNESS = "sickness"  # 病假
    VEHICLE = "vehicle"  # 车辆停用 (vehicle out of service)


MAX_ABSENCE_DAYS = 366  # one absence covers at most a year


Hours = tuple[dt.time, dt.time]  # from, to on one date


@dataclass(frozen=True)
class Absence:
    """A crew away from ``start`` to ``end`` (both included); with ``start_time`` and
    ``end_time``, only those hours of its one date."""

    crew_id: str
    start: dt.date
    end: dt.date
    reason: AbsenceReason
    note: str = ""
    start_time: dt.time | None = None
    end_time: dt.time | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidRequest(
                "an absence must not end before it starts", code="absence_reversed"
            )
        if (self.end - self.start).days >= MAX_ABSENCE_DAYS:
            raise InvalidRequest(
                f"an absence covers at most {MAX_ABSENCE_DAYS} days",
                code="absence_too_long",
                days=MAX_ABSENCE_DAYS,
            )
        if (self.start_time is None) != (self.end_time is None):
            raise InvalidRequest(
                "give both start_time and end_time of the hours away, or neither",
                code="absence_hours_half",
            )
        if self.start_time is not None and self.end_time is not None:
            if self.end != self.start:
                raise InvalidRequest(
                    "hours away are of one date: give start_time on one date",
                    code="absence_hours_days",
                )
            if self.end_time <= self.start_time:
                raise InvalidRequest(
                    "the hours away must end after they start", code="absence_hours_reversed"
                )

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def hours(self) -> Hours | None:
        """The hours away of a part-day absence; None: the whole dates."""
        if self.start_time is None or self.end_time is None:
            return None
        return self.start_time, self.end_time

    def overlaps(self, other: Absence) -> bool:
        """Both take the same crew out at some moment (a whole date overlaps any hours of it)."""
        if self.crew_id != other.crew_id or self.end < other.start or other.end < self.start:
            return False
        mine, theirs = self.hours, other.hours
        if mine is None or theirs is None:
            return True
        return mine[0] < theirs[1] and theirs[0] < mine[1]

    def when(self) -> str:
        if self.hours is not None:
            return f"on {self.start} from {_hhmm(self.hours[0])} to {_hhmm(self.hours[1])}"
        return f"from {self.start} to {self.end}"


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


def refuse_overlap(new: Absence, existing: Iterable[tuple[int, Absence]]) -> None:
    """:class:`Conflict` naming the first of the crew's ``existing`` absences (id, absence)
    that ``new`` overlaps: a crew is away once at a time."""
    for absence_id, absence in existing:
        if new.overlaps(absence):
            raise Conflict(
                f"crew {new.crew_id} is already away {absence.when()} "
                f"({absence.reason}, absence {absence_id}): change or remove that one",
                code="absence_overlap",
                crew=new.crew_id,
                start=str(absence.start),
                end=str(absence.end),
                reason=str(absence.reason),
            )


@dataclass(frozen=True)
class ShiftChange:
    """Another shift for one date: hours (``start`` and ``end`` together) and/or on-call duty;
    None keeps the roster's."""

    crew_id: str
    day: dt.date
    start: dt.time | None = None
    end: dt.time | None = None
    on_call: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise InvalidRequest(
                "give both start and end of the changed shift, or neither", code="shift_change_half"
            )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InvalidRequest(
                "the changed shift must end after it starts", code="shift_change_reversed"
            )
        if self.start is None and self.on_call is None:
            raise InvalidRequest(
                "a shift change changes the hours, the on-call duty or both",
                code="shift_change_empty",
            )


@dataclass(frozen=True)
class CrewDay:
    """One date on which a crew does not work as its roster says: ``absent`` (why), or a shift
    change (``start``/``end``, ``on_call``; None: the roster's)."""

    date: dt.date
    absent: AbsenceReason | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    on_call: bool | None = None
    away: tuple[Hours, ...] = ()  # hours away (part-day absences), by start

    def to_dict(self) -> dict[str, Any]:
        def clock(value: dt.time | None) -> str | None:
            return None if value is None else value.strftime("%H:%M")

        return {
            "date": self.date.isoformat(),
            "absent": None if self.absent is None else str(self.absent),
            "start": clock(self.start),
            "end": clock(self.end),
            "on_call": self.on_call,
            **({"away": [[_hhmm(a), _hhmm(b)] for a, b in self.away]} if self.away else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrewDay:
        def clock(value: str | None) -> dt.time | None:
            return None if value is None else dt.time.fromisoformat(value)

        absent = data.get("absent")
        on_call = data.get("on_call")
        return cls(
            date=dt.date.fromisoformat(data["date"]),
            absent=None if absent is None else AbsenceReason(absent),
            start=clock(data.get("start")),
            end=clock(data.get("end")),
            on_call=None if on_call is None else bool(on_call),
            away=tuple(
                (dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                for a, b in data.get("away") or ()
            ),
        )


def crew_days(
    crew_id: str,
    absences: Iterable[Absence],
    changes: Iterable[ShiftChange],
    dates: Sequence[dt.date],
) -> tuple[CrewDay, ...]:
    """The days of ``crew_id`` among ``dates`` that differ from its roster (an absence wins
    over a change; of two absences of a date, the first given)."""
    mine = [a for a in absences if a.crew_id == crew_id]
    changed = {c.day: c for c in changes if c.crew_id == crew_id}
    out = []
    for day in sorted(set(dates)):
        today = [a for a in mine if a.covers(day)]
        absence = next((a for a in today if a.hours is None), None)
        hours = tuple(sorted(a.hours for a in today if a.hours is not None))
        change = changed.get(day)
        if absence is not None:
            out.append(CrewDay(day, absent=absence.reason))
        elif change is not None or hours:
            out.append(
                CrewDay(
                    day,
                    start=None if change is None else change.start,
                    end=None if change is None else change.end,
                    on_call=None if change is None else change.on_call,
                    away=hours,
                )
            )
    return tuple(out)


def with_days(
    roster: Sequence[CrewShift],
    absences: Iterable[Absence],
    changes: Iterable[ShiftChange],
    dates: Sequence[dt.date],
) -> list[CrewShift]:
    """The roster with each crew's absences and shift changes among ``dates``."""
    absences, changes = list(absences), list(changes)
    return [replace(c, days=crew_days(c.id, absences, changes, dates)) for c in roster]


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60


def _clock(seconds: int) -> dt.time:
    return dt.time(seconds // 3600, seconds % 3600 // 60)


def shift_on(crew: CrewShift, day: dt.date) -> CrewShift | None:
    """``crew`` as it works on ``day``: its roster, changed by the day's shift change; None
    when it is absent. The result has no days of its own (it is one day's)."""
    today = next((d for d in crew.days if d.date == day), None)
    if today is None:
        return replace(crew, days=())
    if today.absent is not None:
        return None
    shift = replace(crew, days=())
    if today.on_call is not None:
        shift = replace(shift, on_call=today.on_call)
    if today.start is None or today.end is None:
        return _without(shift, today.away)
    lunch_from, lunch_to = crew.lunch_from, crew.lunch_to
    if lunch_from is not None and lunch_to is not None:
        moved = _seconds(today.start) - _seconds(crew.start)
        begin = _seconds(lunch_from) + moved
        end = min(_seconds(lunch_to) + moved, _seconds(today.end))
        if begin < _seconds(today.start) or end - begin < crew.lunch_minutes * 60:
            lunch_from = lunch_to = None  # too short a shift for the lunch
        else:
            lunch_from, lunch_to = _clock(begin), _clock(end)
    changed = replace(
        shift,
        start=today.start,
        end=today.end,
        lunch_from=lunch_from,
        lunch_to=lunch_to,
        lunch_minutes=crew.lunch_minutes if lunch_from is not None else 0,
    )
    return _without(changed, today.away)


def _minus(part: tuple[int, int], away: Iterable[Hours]) -> list[tuple[int, int]]:
    """The pieces of ``part`` (seconds of the day) outside the hours ``away``."""
    pieces = [part]
    for a, b in away:
        cut_from, cut_to = _seconds(a), _seconds(b)
        pieces = [
            piece
            for begin, end in pieces
            for piece in ((begin, min(end, cut_from)), (max(begin, cut_to), end))
            if piece[1] > piece[0]
        ]
    return pieces


def _without(shift: CrewShift, away: Sequence[Hours]) -> CrewShift | None:
    """``shift`` less its hours ``away``: it starts after the hours away at its start, ends
    before those at its end (the ones in its middle are :func:`gaps_on`'s breaks); None when
    nothing is left. The lunch keeps the longest part of its window outside them."""
    if not away:
        return shift
    pieces = _minus((_seconds(shift.start), _seconds(shift.end)), away)
    if not pieces:
        return None
    start, end = pieces[0][0], pieces[-1][1]
    lunch_from, lunch_to = shift.lunch_from, shift.lunch_to
    if lunch_from is not None and lunch_to is not None:
        window = (max(_seconds(lunch_from), start), min(_seconds(lunch_to), end))
        left = _minus(window, away) if window[1] > window[0] else []
        best = max(left, key=lambda p: p[1] - p[0], default=None)
        if best is None or best[1] - best[0] < shift.lunch_minutes * 60:
            lunch_from = lunch_to = None
        else:
            lunch_from, lunch_to = _clock(best[0]), _clock(best[1])
    return replace(
        shift,
        start=_clock(start),
        end=_clock(end),
        lunch_from=lunch_from,
        lunch_to=lunch_to,
        lunch_minutes=shift.lunch_minutes if lunch_from is not None else 0,
    )


def gaps_on(crew: CrewShift, day: dt.date) -> tuple[Hours, ...]:
    """The hours away inside ``crew``'s shift on ``day`` (:func:`shift_on` moved its start and
    end past the others): the solver's crew does no work in them (a fixed break each)."""
    today = next((d for d in crew.days if d.date == day), None)
    shift = shift_on(crew, day)
    if today is None or shift is None:
        return ()
    return tuple((a, b) for a, b in today.away if shift.start < b and a < shift.end)


def who_works(roster: Sequence[CrewShift], day: dt.date, calendar: WorkCalendar) -> list[CrewShift]:
    """Who works on ``day`` and with what hours: every crew not absent on a working day; on a
    day off, the crews on call that day."""
    out = []
    for crew in roster:
        shift = shift_on(crew, day)
        if shift is not None and (shift.on_call or calendar.is_working_day(day)):
            out.append(shift)
    return out
