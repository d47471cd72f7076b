"""What a dispatcher must know about a plan before trusting it (issue 18, the new-user trial).

- :func:`plan_start`: a plan for today made after its first shift began starts at now (the
  solver's crews leave their depots then), unless the caller asks for another moment; a plan
  for another day, or made before its shifts, starts at its shifts.
- :func:`start_warnings`: a day plan made after the day's first shift says so
  (``planned_from_now``), and one made once every shift of the day is over says that only
  emergency work (the crews on call) could be placed (``shifts_over``).
- :func:`roster_warnings`: the roster changed under a plan (Crews tab: a shift moved, a crew
  away or off) and a crew's route no longer fits its shift of that day as it is now
  (``roster_absent``, ``roster_shift``): re-plan.

Each warning has a code and params, the console's words (``js/i18n.js`` ``planwarn:CODE``),
and its English here (:data:`WARNINGS`), as the other explained outcomes (``docs/console.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ops.calendar import local_time
from ops.crews import gaps_on, shift_on
from ops.dispatch import CrewShift

WARNINGS = {
    "planned_from_now": "planned at {at}, after the day's first shift: nothing is placed before",
    "shifts_over": "planned at {at}, after every shift of the day: only emergency work by the "
    "crews on call is placed; plan the rest on the next working day",
    "roster_absent": "{crew} is now off on {day}, the plan has it working {start}–{end}: re-plan",
    "roster_shift": "{crew} now works {shift} on {day}, the plan has it working {start}–{end}: "
    "re-plan",
}


@dataclass(frozen=True)
class PlanWarning:
    code: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return WARNINGS[self.code].format(**self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params, "text": self.text}


def _naive(moment: dt.datetime) -> dt.datetime:
    return local_time(moment).replace(tzinfo=None) if moment.tzinfo else moment


def plan_start(
    day: dt.date, asked: dt.datetime | None, now: dt.datetime, crews: Sequence[CrewShift]
) -> dt.datetime | None:
    """When a plan of ``day`` asked at ``now`` by the ``crews`` starts: the moment ``asked``;
    else, for a plan of today once its first shift has begun, now (nothing placed in the past);
    else None (its shifts, as before they begin)."""
    if asked is not None:
        return asked
    at = _naive(now)
    if at.date() != day:
        return None
    shifts = [s for s in (shift_on(c, day) for c in crews) if s is not None]
    first = min((dt.datetime.combine(day, s.start) for s in shifts), default=None)
    return now if first is not None and at > first else None


def _clock(moment: dt.datetime) -> str:
    return f"{moment:%H:%M}"


def start_warnings(
    day: dt.date, start: dt.datetime | None, crews: Sequence[CrewShift]
) -> list[PlanWarning]:
    """A day plan of ``day`` started at ``start`` by the ``crews`` it was made with."""
    if start is None:
        return []
    at = _naive(start)
    if at.date() != day:
        return []
    shifts = [s for s in (shift_on(c, day) for c in crews) if s is not None]
    if not shifts:
        return []
    first = min(dt.datetime.combine(day, s.start) for s in shifts)
    last = max(dt.datetime.combine(day, s.end) for s in shifts)
    if at >= last:
        return [PlanWarning("shifts_over", {"at": _clock(at)})]
    if at > first:
        return [PlanWarning("planned_from_now", {"at": _clock(at)})]
    return []


def _same_day(
    a: CrewShift | None,
    b: CrewShift | None,
    crew_a: CrewShift,
    crew_b: CrewShift | None,
    day: dt.date,
) -> bool:
    if a is None or b is None:
        return a is b
    gaps_b = () if crew_b is None else gaps_on(crew_b, day)
    return (a.start, a.end) == (b.start, b.end) and gaps_on(crew_a, day) == gaps_b


def roster_warnings(
    day: dt.date,
    planned: Sequence[CrewShift],
    routes: Sequence[Mapping[str, Any]],
    current: Sequence[CrewShift],
) -> list[PlanWarning]:
    """The crews whose route in a plan (``routes`` as stored: ISO times) no longer fits their
    shift as the roster now has it (``current``, with its absences and shift changes), when it
    changed from the one the plan was made with (``planned``): a crew working past its shift on
    an emergency, by the overtime it was allowed, is no news while its shift stays the same."""
    was = {c.id: c for c in planned}
    now = {c.id: c for c in current}
    out = []
    for route in routes:
        if not route.get("stops") or route["crew"] not in was:
            continue
        on = dt.date.fromisoformat(route["day"]) if route.get("day") else day
        crew_was, crew_now = was[route["crew"]], now.get(route["crew"])
        before = shift_on(crew_was, on)
        after = None if crew_now is None else shift_on(crew_now, on)
        if _same_day(before, after, crew_was, crew_now, on):
            continue
        depart = dt.datetime.fromisoformat(route["depart"])
        arrive = dt.datetime.fromisoformat(route["arrive"])
        params = {
            "crew": route["crew"],
            "day": on.isoformat(),
            "start": _clock(depart),
            "end": _clock(arrive),
        }
        if after is None or crew_now is None:
            out.append(PlanWarning("roster_absent", params))
            continue
        begin, end = dt.datetime.combine(on, after.start), dt.datetime.combine(on, after.end)
        away = [
            (dt.datetime.combine(on, a), dt.datetime.combine(on, b))
            for a, b in gaps_on(crew_now, on)
        ]
        busy = [
            (dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"]))
            for s in route["stops"]
        ]
        clash = any(s < b and a < e for s, e in busy for a, b in away)
        if depart < begin or arrive > end or clash:
            shift = f"{after.start:%H:%M}–{after.end:%H:%M}"
            out.append(PlanWarning("roster_shift", {**params, "shift": shift}))
    return out
