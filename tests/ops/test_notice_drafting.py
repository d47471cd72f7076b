"""When a notice is drafted and for which window (``ops.notices.drafting``; the user trial's
night burst, /tmp report item 1): an emergency's draft starts now or when its ticket expects the
water off, not the planned notice's next-day 09:00; a re-plan moves a draft's window until it is
published; an emergency published to start a day later is asked about."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.isolation import Isolator
from ops.calendar import local_time
from ops.dispatch import DayPlan, plan_day, replan_emergency
from ops.notices.drafting import (
    LATE_START,
    LateStartNotAcknowledged,
    check_start,
    default_window,
    drafts_at_once,
    follow_plan,
)
from ops.outages import (
    NoticeState,
    Outage,
    OutageKind,
    create_outage,
    publish,
    repair_notice_content,
    repair_outage,
)
from ops.plans import plan_outcome, publish_plan
from ops.repairs import RepairCase, RepairReport, Severity, open_repair
from ops.workflow import PlanStatus
from tests.ops.test_plans import AT, CAL, DAY, NOW, ROSTER, SURVEY

NIGHT = local_time(dt.datetime(2026, 12, 8, 3, 12))
HOUR = dt.timedelta(hours=1)


def _burst(city: Isolator, start: dt.datetime, end: dt.datetime) -> Outage:
    return repair_outage(
        "OUT-000001", "burst", "P000590", start, end, city, NIGHT, hotline="0371-12345"
    )


def test_only_an_emergency_ticket_drafts_its_notice_at_once() -> None:
    assert drafts_at_once("burst") and drafts_at_once("major_leak")
    assert not drafts_at_once("minor_leak")  # planned: approval and its lead first


def test_an_emergency_is_offered_from_now_or_its_ticket_a_planned_one_after_its_lead() -> None:
    start, end = default_window(OutageKind.EMERGENCY, NIGHT)
    assert start == local_time(dt.datetime(2026, 12, 8, 3, 15))  # now, rounded up
    assert end - start == 6 * HOUR
    expected = (NIGHT + 46 * dt.timedelta(minutes=1), NIGHT + 5 * HOUR)
    assert default_window("emergency", NIGHT, expected=expected) == expected
    # planned: the first 09:00 the 24 h lead allows; at 10:00 it is the day after next
    assert default_window("planned", NIGHT)[0] == local_time(dt.datetime(2026, 12, 9, 9))
    late = local_time(dt.datetime(2026, 12, 8, 10))
    assert default_window("planned", late)[0] == local_time(dt.datetime(2026, 12, 10, 9))
    assert default_window("planned", late, lead=48 * HOUR)[0] == local_time(
        dt.datetime(2026, 12, 11, 9)
    )


def test_a_draft_follows_the_plans_window_a_published_notice_does_not(
    city_isolator: Isolator,
) -> None:
    draft = _burst(city_isolator, NIGHT + 46 * dt.timedelta(minutes=1), NIGHT + 5 * HOUR)
    assert draft.state.value == "draft"
    start = local_time(dt.datetime(2026, 12, 8, 3, 58))
    end = local_time(dt.datetime(2026, 12, 8, 8, 55))
    moved = follow_plan(draft, start, end, NIGHT, plan=2)
    assert moved is not None and moved.state.value == "draft"
    assert (moved.content.start, moved.content.end) == (start, end)
    assert moved.latest.note == "window of plan 2: 03:58–08:55"
    assert follow_plan(moved, start, end, NIGHT, plan=3) is None  # the same window
    published = publish(moved, NIGHT)
    assert follow_plan(published, start, end + HOUR, NIGHT, plan=4) is None


def test_an_emergency_a_day_later_is_asked_about_before_it_is_published(
    city_isolator: Isolator,
) -> None:
    # the trial's notice: the planned form's 9 December 09:00, switched to emergency
    tomorrow = local_time(dt.datetime(2026, 12, 9, 9))
    wrong = _burst(city_isolator, tomorrow, tomorrow + 6 * HOUR)
    with pytest.raises(LateStartNotAcknowledged) as refused:
        check_start(wrong, NIGHT, acknowledged=False)
    assert refused.value.code == "emergency_starts_late"
    assert refused.value.params["start"] == "2026-12-09T09:00"
    assert refused.value.params["hours"] == "30" and refused.value.params["limit"] == "6"
    check_start(wrong, NIGHT, acknowledged=True)
    # the water off within LATE_START: nothing to ask
    soon = _burst(city_isolator, NIGHT + LATE_START, NIGHT + LATE_START + HOUR)
    check_start(soon, NIGHT, acknowledged=False)


@pytest.fixture(scope="module")
def replan(city_isolator: Isolator) -> tuple[DayPlan, RepairCase]:
    """The burst T-1 reported at 09:00 and the re-plan of the morning for it (as
    tests/ops/test_plans.py's)."""
    morning = plan_day(DAY, [SURVEY], [], ROSTER, CAL, seconds=2)
    case = open_repair(RepairReport("T-1", NOW, Severity.BURST, pipe_id="P000100"), city_isolator)
    after = replan_emergency(
        morning, NOW, case.jobs, case.links, new_repairs=[case], calendar=CAL, seconds=3
    )
    return after, case


def test_publishing_a_replan_moves_the_tickets_draft_to_its_window(
    replan: tuple[DayPlan, RepairCase], city_isolator: Isolator
) -> None:
    """A re-plan published from the plan tab moves the burst's draft too (not only a live
    notice): the draft takes the plan's window, and stays a draft."""
    after, case = replan
    content = repair_notice_content(case, *case.expected_window(), city_isolator, hotline="1")
    draft = create_outage("OUT-9", "emergency", content, AT, source="T-1")
    done = publish_plan(
        9, PlanStatus.READY, after.to_dict(), published=[], jobs={}, outages=[draft], by="d", at=AT
    )
    (window,) = plan_outcome(after.to_dict()).windows
    (moved,) = done.notices
    assert moved.outage.state is NoticeState.DRAFT and moved.first_new == 2
    assert (moved.outage.content.start, moved.outage.content.end) == (window.start, window.end)
    assert (window.start, window.end) != (content.start, content.end)


def test_the_defaults_are_never_sooner_than_their_rule() -> None:
    """Rounded up, never down (a second past counts); a planned default leaves its lead and an
    hour for the approval: drafted at 08:30 it is not 09:00 the next day."""
    just_past = local_time(dt.datetime(2026, 12, 8, 3, 15, 30))
    assert default_window("emergency", just_past)[0] == local_time(dt.datetime(2026, 12, 8, 3, 20))
    morning = local_time(dt.datetime(2026, 12, 8, 8, 30))
    assert default_window("planned", morning)[0] == local_time(dt.datetime(2026, 12, 10, 9))
    for minute in range(0, 24 * 60, 7):
        now = NIGHT + dt.timedelta(minutes=minute, seconds=30)
        start, end = default_window("planned", now)
        assert start - now >= dt.timedelta(hours=25) and start.hour == 9 and end > start
        assert start - now < dt.timedelta(hours=49)


def test_a_planned_default_at_the_hour_an_isolation_was_studied() -> None:
    """An isolation studied by EPANET at 07:00 for 6 h drafts from the first 07:00 the lead
    allows (not the first 09:00's day), for its hours."""
    late = local_time(dt.datetime(2026, 12, 8, 10))
    start, end = default_window("planned", late, hour=7, hours=6)
    assert (start, end) == (
        local_time(dt.datetime(2026, 12, 10, 7)),
        local_time(dt.datetime(2026, 12, 10, 13)),
    )
    start, _ = default_window("planned", NIGHT, hour=7)  # 03:12 + 25 h: 04:12 on the 9th
    assert start == local_time(dt.datetime(2026, 12, 9, 7))
