"""Emergency duty: which crews are called out outside their shift, how soon they can leave,
and for how long they may work.

The plan asks that a repair shut off the smallest area for the shortest time. A burst at 03:10
cannot wait for the 08:00 shift: the crews on call (``CrewShift.on_call``, 应急值班) are called
out. From the call to leaving the depot takes a *call-out delay* — short by day (the crew is at
the depot or near it), longer at night (the crew is at home). A called-out crew's day runs from
then on, through its ordinary shift if the emergency lasts, but never longer than
``max_duty`` in all (fatigue: the utility sets the limit). Only emergency work
(``FieldJob.emergency``: closures, the repair, reopenings, flushing, tankers) is done before the
crew's ordinary shift; ordinary work waits for it. See ``docs/decisions.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ops.calendar import local_time

if TYPE_CHECKING:
    from ops.dispatch import CrewShift


@dataclass(frozen=True)
class CallOutRules:
    """The utility's call-out rules (documented defaults; a deployment sets its own).

    Parameters
    ----------
    day_delay, night_delay
        From the call to the crew leaving its depot, by day and at night.
    night_from, night_to
        When night duty applies (the crew is at home).
    max_duty
        The longest a called-out crew works in one stretch, call-out and shift together.
    overtime
        How long a crew may stay past its shift on emergency work when the planner is not
        told otherwise (never beyond ``max_duty`` for a called-out crew).
    """

    day_delay: dt.timedelta = dt.timedelta(minutes=20)
    night_delay: dt.timedelta = dt.timedelta(minutes=45)
    night_from: dt.time = dt.time(20, 0)
    night_to: dt.time = dt.time(7, 0)
    max_duty: dt.timedelta = dt.timedelta(hours=16)
    overtime: dt.timedelta = dt.timedelta(hours=4)

    def is_night(self, moment: dt.datetime) -> bool:
        clock = local_time(moment).time()
        return clock >= self.night_from or clock < self.night_to

    def delay(self, moment: dt.datetime) -> dt.timedelta:
        """How long after a call at ``moment`` a crew can leave its depot."""
        return self.night_delay if self.is_night(moment) else self.day_delay

    def call_out(self, crew: CrewShift, now: dt.datetime) -> dt.datetime | None:
        """When ``crew`` can start on an emergency called at ``now``, if that is outside its
        shift of the day; None when it is not on call or its shift has begun (it is at work:
        the ordinary re-plan applies)."""
        if not crew.on_call:
            return None
        start, end = crew.start, crew.end
        local = local_time(now).replace(tzinfo=None)
        if start <= local.time() < end:
            return None
        leave = now + self.delay(now)
        return leave if local_time(leave).time() < start or local.time() >= end else None

    def called_out_shift(
        self, start: int, end: int, leave: int, day_seconds: int = 86_400
    ) -> tuple[int, int]:
        """The working period of a crew called out at ``leave`` whose ordinary shift is
        ``start``–``end`` (seconds on the plan's axis). Before the shift: from ``leave`` on,
        through the shift, at most ``max_duty``. After it (the evening): from ``leave`` through
        the night until the next day's shift begins, at most ``max_duty``."""
        duty = round(self.max_duty.total_seconds())
        if leave < start:
            return leave, min(end, leave + duty)
        return leave, min(leave + duty, start + day_seconds)


DEFAULT_CALL_OUT = CallOutRules()
