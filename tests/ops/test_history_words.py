"""A job's history entry written by ops or the store in English ("created", "plan 1, start …",
"ticket cancelled: …") reads back as a key and params (ops.history.history_text), so that the
console and the field app word it in their language (issue 18 point 5: the Chinese job detail
read "created" and "plan 1, start 2026-…"). Stored entries read back too: no migration."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import TZ
from ops.field import FieldReport, ReportKind, refusal_entry
from ops.history import history_text
from ops.workflow import JobState, JobStatus, TicketStatus, cancel_ticket

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("note", "key", "params"),
    [
        ("created", "created", {}),
        (
            "plan 1, start 2026-11-26T08:30:00+08:00",
            "plan_start",
            {"plan": "1", "start": "2026-11-26T08:30:00+08:00"},
        ),
        (
            "plan 12, start 2026-11-26T08:30:00+08:00, with C02",
            "plan_start_with",
            {"plan": "12", "start": "2026-11-26T08:30:00+08:00", "crew": "C02"},
        ),
        (
            "plan 3: left at 2026-11-26T11:15 for T7, T8; the rest is J1-rest1",
            "plan_left",
            {"plan": "3", "leave": "2026-11-26T11:15", "why": "T7, T8", "rest": "J1-rest1"},
        ),
        (
            "rescheduled: from any time to 2026-11-27 09:00 — customer away",
            "rescheduled",
            {"from": "", "to": "2026-11-27 09:00", "reason": "customer away"},
        ),
        ("water on", "water_on", {}),
        ("exercise: stuck", "exercise", {"result": "stuck"}),
        ("valve V7 inoperable: isolation widened", "valve_widened", {"valve": "V7"}),
        (
            "the 2027 calendar was entered (国务院办公厅): deadline recomputed",
            "calendar_recomputed",
            {"year": "2027", "source": "国务院办公厅"},
        ),
    ],
)
def test_the_fixed_notes_read_back_as_key_and_params(
    note: str, key: str, params: dict[str, str]
) -> None:
    said = history_text(note)
    assert said is not None and (said.key, said.params) == (key, params)


def test_a_cancelled_tickets_note_reads_back_with_its_reason() -> None:
    (change,) = cancel_ticket(
        "T1", TicketStatus.OPEN, [JobState("J1", JobStatus.OPEN)], reason="duplicate", by="d",
        at=NOW,
    )  # fmt: skip
    said = history_text(change.event.note)
    assert said is not None and (said.key, said.params) == (
        "ticket_cancelled",
        {"reason": "duplicate"},
    )


def test_a_refused_report_reads_back_as_its_kind_crew_and_time() -> None:
    from ops.errors import Conflict

    report = FieldReport("r1", "J1", "C01", ReportKind.ARRIVED, NOW)
    event = refusal_entry(
        report, JobState("J1", JobStatus.DONE, "C01"), Conflict("job J1 is done"), by="crew-c01",
        received_at=NOW,
    )  # fmt: skip
    said = history_text(event.note)
    assert said is not None and said.key == "field_refused"
    assert said.params == {
        "report": "arrived",
        "crew": "C01",
        "made": "10:00",
        "reason": "job J1 is done",
    }


@pytest.mark.parametrize(
    "note", ["a dispatcher's own words", "plan x, start soon", "field: arrived", "created twice"]
)
def test_other_notes_have_no_key(note: str) -> None:
    assert history_text(note) is None
