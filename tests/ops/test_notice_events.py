"""The events a notice sends (issue 16; ``ops.notices.events``, docs/webhooks.md): one per
revision that went out to the public, saying what the public saw then, on the sample city."""

from __future__ import annotations

import datetime as dt

from gis.isolation import Isolator
from ops.notices import Issuer, render_text
from ops.notices.events import NoticeEventType, notice_events
from ops.outages import cancel, edit_draft, restore, update
from tests.ops.test_notice_golden import NOW, planned

ISSUER = Issuer()


def test_each_public_revision_sends_one_event_with_what_it_said(city_isolator: Isolator) -> None:
    published = planned(city_isolator)  # draft (1), published (2)
    (first,) = notice_events(published, 1, ISSUER)
    assert (first.type, first.outage_id, first.revision) == (
        NoticeEventType.PUBLISHED,
        "OUT-000001",
        2,
    )
    assert first.data["state"] == "published" and first.data["kind"] == "planned"
    assert first.data["text"]["zh"] == render_text(published, "zh", ISSUER)
    assert first.data["page"]["zh"] == ISSUER.url("OUT-000001")
    assert "breaks" not in first.data and "failed_valves" not in first.data
    assert first.data["customers"]["accounts"] > 0 and first.data["estates"]

    later = published.content.end + dt.timedelta(hours=2)
    updated = update(published, NOW + dt.timedelta(hours=1), end=later, note_zh="延长两小时")
    restored = restore(updated, published.content.start + dt.timedelta(hours=3))
    events = notice_events(restored, 3, ISSUER)
    assert [(e.type, e.revision) for e in events] == [
        (NoticeEventType.UPDATED, 3),
        (NoticeEventType.RESTORED, 4),
    ]
    # each says what the notice said at its revision, not what it says now
    assert events[0].data["end"] == later.isoformat(timespec="minutes")
    assert events[0].data["text"]["zh"] == render_text(updated, "zh", ISSUER)
    assert events[0].data["note_zh"] == "延长两小时"
    assert events[1].data["text"]["zh"] == render_text(restored, "zh", ISSUER)
    assert events[0].data["text"]["zh"] != events[1].data["text"]["zh"]
    # all of them from the start: the draft is not among them
    assert [e.revision for e in notice_events(restored, 1, ISSUER)] == [2, 3, 4]


def test_a_draft_and_its_cancellation_send_nothing(city_isolator: Isolator) -> None:
    published = planned(city_isolator)
    draft = published.revisions[0]
    never = type(published)(published.id, published.kind, (draft,))
    edited = edit_draft(never, draft.content, NOW + dt.timedelta(minutes=5))
    called_off = cancel(edited, NOW + dt.timedelta(minutes=10), "not needed", "无需停水")
    assert notice_events(called_off, 1, ISSUER) == []
    # a published one called off sends its cancellation
    cancelled = cancel(published, NOW + dt.timedelta(hours=1), "works moved", "施工改期")
    (event,) = notice_events(cancelled, len(published.revisions) + 1, ISSUER)
    assert event.type == NoticeEventType.CANCELLED and "施工改期" in event.data["text"]["zh"]
