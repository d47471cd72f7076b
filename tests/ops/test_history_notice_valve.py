"""The notes ops writes in a notice's revisions and in a valve's status history read back as a
key and params (ops.history.revision_text, valve_note_text), so the console words them in its
language like a job's history (issue 18 point 5: "extended to 2026-11-28 18:00", "window of
plan 7: 09:00–15:00", "found inoperable by crew C01 on job …" were shown in English). The
writers are the real ones; a note in someone's own words has no key."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.isolation import Isolator
from gis.network import Network
from ops.history import KEYS, revision_text, valve_note_text
from ops.outages import NoticeState, edit_draft, follow_window, publish, restore, update
from ops.valves import record_exercise
from ops.workflow import JobState, JobStatus
from tests.ops.test_outages import NOW, planned
from tests.ops.test_valve_results import AT
from tests.ops.test_valve_results import criticality as criticality


def said(state: NoticeState, note: str) -> tuple[str, dict[str, str]] | None:
    text = revision_text(state, note)
    if text is not None:
        assert set(text.params) == KEYS[text.key], text
    return None if text is None else (text.key, text.params)


def test_the_notes_of_a_notices_life(street: Isolator) -> None:
    start = NOW + dt.timedelta(days=2)
    outage = planned(street, "P2", start)
    outage = edit_draft(outage, outage.content, NOW + dt.timedelta(minutes=5))
    outage = publish(outage, NOW + dt.timedelta(minutes=10))
    outage = update(outage, NOW + dt.timedelta(hours=1), end=start + dt.timedelta(hours=9))
    outage = update(outage, NOW + dt.timedelta(hours=2), end=start + dt.timedelta(hours=7))
    outage = update(outage, NOW + dt.timedelta(hours=3))
    moved = follow_window(
        outage, start + dt.timedelta(hours=1), start + dt.timedelta(hours=8),
        NOW + dt.timedelta(hours=4), why="window of plan 7",
    )  # fmt: skip
    assert moved is not None
    outage = restore(moved, start + dt.timedelta(hours=5))
    assert [said(r.state, r.note) for r in outage.revisions] == [
        ("notice_created", {}),
        ("notice_edited", {}),
        ("notice_published", {}),
        ("notice_extended", {"end": "2026-11-28 18:00"}),
        ("notice_moved", {"end": "2026-11-28 16:00"}),
        ("notice_updated", {}),
        ("notice_plan_window", {"plan": "7", "start": "10:00", "end": "17:00"}),
        ("notice_restored", {}),
    ]


@pytest.mark.parametrize(
    ("state", "note"),
    [
        (NoticeState.UPDATED, "the contractor needs two more hours"),
        (NoticeState.CANCELLED, "published"),  # a reason, though it reads like a step
        (NoticeState.RESTORED, "updated"),
        (NoticeState.DRAFT, "checked"),
    ],
)
def test_a_dispatchers_own_note_has_no_key(state: NoticeState, note: str) -> None:
    assert revision_text(state, note) is None


def test_a_valves_status_notes(sample_city: Network, criticality: dict[str, int]) -> None:
    valve = sorted(criticality)[0]
    jobs = [JobState(f"EX-{valve}-20261126", JobStatus.ASSIGNED, "valve-1")]
    done = record_exercise(sample_city, valve, "leaking", jobs, criticality, by="f", at=AT)
    text = valve_note_text(done.note)  # the note the service stores with the valve's status
    assert text is not None and (text.key, text.params) == ("exercise", {"result": "leaking"})
    # api/routes/field.py: a crew found a valve it was to shut inoperable
    text = valve_note_text("found inoperable by crew C01 on job T-000001-close-V000123")
    assert text is not None and (text.key, text.params) == (
        "valve_found_inoperable",
        {"crew": "C01", "job": "T-000001-close-V000123"},
    )
    assert set(text.params) == KEYS[text.key]
    assert valve_note_text("repaired by contractor, new spindle") is None
