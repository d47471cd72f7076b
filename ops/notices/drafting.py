"""When a notice is drafted and for which window: the rules the console's draft form and the
repair tickets ask (docs/decisions.md, "An emergency ticket drafts its notice").

* :func:`drafts_at_once`: an emergency repair (a burst, a major leak) drafts its notice with its
  ticket, so that the dispatcher is not left to remember it at night; a planned repair's notice
  waits for its approval and its plan, drafted by the dispatcher.
* :func:`default_window`: the window a draft form offers, by kind and clock: an emergency from
  now (or its ticket's expected start), a planned outage the first 09:00 its notice lead allows.
* :func:`follow_plan`: a repair's draft takes the window a plan schedules, until it is published
  (a published notice follows a published plan: :func:`ops.outages.follow_window`).
* :func:`drop_with_ticket`: a cancelled ticket's draft is cancelled with it (a published
  notice is the dispatcher's to call off).
* :func:`check_start`: an emergency published to start more than :data:`LATE_START` after now
  is, most likely, a wrong day; the dispatcher acknowledges it or corrects the window (a planned
  one inside its lead is refused by :func:`ops.outages.publish`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ops.calendar import local_time
from ops.errors import InvalidRequest
from ops.outages import (
    DEFAULT_LEAD,
    NoticeState,
    Outage,
    OutageKind,
    cancel,
    edit_draft,
    repair_outage_kind,
)

# an emergency notice whose water goes off later than this after it is published: asked
LATE_START = dt.timedelta(hours=6)
# the length a draft form offers when nothing else gives one
DEFAULT_HOURS = 6
# a planned outage's default start: the first working-morning hour its lead allows
PLANNED_START_HOUR = 9
# a planned default leaves at least this beyond its lead for the approval to come in before it
# is published (a 09:00 start drafted at 08:59 could be published a minute later or never)
APPROVAL_MARGIN = dt.timedelta(hours=1)
# an emergency's "now", rounded up to this many minutes
ROUND_MINUTES = 5


def drafts_at_once(severity: str) -> bool:
    """Whether a repair ticket of ``severity`` drafts its outage notice when it is opened: an
    emergency (城市供水条例 §22: the public is told while it is repaired) does; a planned
    repair's notice needs the authority's approval and a window 24 h ahead, drafted by the
    dispatcher from the plan."""
    return repair_outage_kind(severity) is OutageKind.EMERGENCY


def _round_up(moment: dt.datetime, minutes: int = ROUND_MINUTES) -> dt.datetime:
    """``moment`` rounded up to a whole number of ``minutes`` past the hour (never earlier)."""
    whole = moment.replace(second=0, microsecond=0)
    if whole < moment:
        whole += dt.timedelta(minutes=1)
    return whole + dt.timedelta(minutes=-whole.minute % minutes)


def default_window(
    kind: OutageKind | str,
    now: dt.datetime,
    *,
    lead: dt.timedelta = DEFAULT_LEAD,
    expected: tuple[dt.datetime, dt.datetime] | None = None,
    hours: float = DEFAULT_HOURS,
    hour: int = PLANNED_START_HOUR,
) -> tuple[dt.datetime, dt.datetime]:
    """The window a draft of ``kind`` is offered at ``now`` (Kaifeng time).

    An emergency: its ticket's ``expected`` window when given (the first crew's arrival to the
    expected end: :func:`ops.emergency.first_arrival`), else from now rounded up to
    :data:`ROUND_MINUTES` for ``hours``. A planned outage: the first :data:`PLANNED_START_HOUR`
    o'clock at or after ``now + lead`` (the notice lead of 城市供水条例 §22) and
    :data:`APPROVAL_MARGIN` (or the first ``hour`` o'clock: an isolation studied at that
    hour), for ``hours``.
    """
    now = local_time(now)
    length = dt.timedelta(hours=hours)
    if OutageKind(kind) is OutageKind.EMERGENCY:
        if expected is not None:
            return local_time(expected[0]), local_time(expected[1])
        start = _round_up(now)
        return start, start + length
    earliest = now + lead + APPROVAL_MARGIN
    start = earliest.replace(hour=hour, minute=0, second=0, microsecond=0)
    if start < earliest:
        start += dt.timedelta(days=1)
    return start, start + length


def follow_plan(
    outage: Outage, start: dt.datetime, end: dt.datetime, now: dt.datetime, *, plan: int
) -> Outage | None:
    """A repair's draft moved to the window plan ``plan`` schedules (None: nothing to change,
    or the notice is no longer a draft: a published one follows a published plan, and only).

    A draft has told nobody yet, so it takes the plan's window whole, a start already past
    included (the water went off when the plan says it did)."""
    if outage.state is not NoticeState.DRAFT:
        return None
    start, end = local_time(start), local_time(end)
    current = outage.content
    if (current.start, current.end) == (start, end):
        return None
    moment = max(local_time(now), outage.latest.at)
    content = replace(current, start=start, end=end)
    return edit_draft(outage, content, moment, f"window of plan {plan}: {start:%H:%M}–{end:%H:%M}")


class LateStartNotAcknowledged(InvalidRequest):
    """An emergency notice published to start more than :data:`LATE_START` after now, not
    acknowledged."""


def check_start(
    outage: Outage, now: dt.datetime, *, acknowledged: bool, late: dt.timedelta = LATE_START
) -> None:
    """Refuse, unless ``acknowledged``, to publish an emergency notice whose start is more than
    ``late`` after ``now``: an emergency is told while the water is off, so a start a day away
    is most likely the wrong day (the form's planned default, kept when the kind was switched).
    """
    if outage.kind is not OutageKind.EMERGENCY or acknowledged:
        return
    now, start = local_time(now), outage.content.start
    if start - now <= late:
        return
    hours = (start - now).total_seconds() / 3600
    raise LateStartNotAcknowledged(
        f"emergency outage {outage.id} starts {start:%Y-%m-%d %H:%M}, {hours:.1f} h from now: "
        "an emergency notice tells the public while the water is off; correct the window, or "
        "publish acknowledging the late start",
        code="emergency_starts_late",
        outage=outage.id,
        start=f"{start:%Y-%m-%dT%H:%M}",
        hours=f"{hours:.0f}",
        limit=f"{late.total_seconds() / 3600:g}",
    )


def drop_with_ticket(outage: Outage, ticket: str, now: dt.datetime, reason: str) -> Outage | None:
    """A repair's draft called off with its ticket (None: not a draft, nothing to do).

    A draft has told nobody, so it goes with the ticket it was drafted for; a published notice
    is left to the dispatcher: calling it off tells the public, which is theirs to word.
    """
    if outage.state is not NoticeState.DRAFT:
        return None
    moment = max(local_time(now), outage.latest.at)
    return cancel(outage, moment, f"repair ticket {ticket} cancelled: {reason}")
