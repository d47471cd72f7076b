"""A job's history entry of a field report is read back as the report's kind and the rest of
its note, so clients word it in their language (user trial: the Chinese field app's history
read "field: on the way / arrived / work started / done")."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import TZ
from ops.field import FieldReport, ReportKind, apply_report, history_words
from ops.workflow import JobState, JobStatus

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


def reported(kind: ReportKind, status: JobStatus, **fields: str) -> str:
    r = FieldReport("r1", "J1", "C01", kind, NOW, **fields)
    job = JobState("J1", status, "C01")
    return apply_report(r, job, by="crew-c01", received_at=NOW, job_valve="V7").change.event.note


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (ReportKind.EN_ROUTE, JobStatus.ASSIGNED),
        (ReportKind.ARRIVED, JobStatus.EN_ROUTE),
        (ReportKind.STARTED, JobStatus.ON_SITE),
        (ReportKind.DONE, JobStatus.ON_SITE),
        (ReportKind.NOTE, JobStatus.ON_SITE),
    ],
)
def test_each_report_reads_back_as_its_kind(kind: ReportKind, status: JobStatus) -> None:
    assert history_words(reported(kind, status)) == (str(kind), "")


def test_the_rest_of_the_note_is_kept_as_written() -> None:
    note = reported(ReportKind.COULD_NOT_DO, JobStatus.ON_SITE, reason="car on the valve")
    assert history_words(note) == ("could_not_do", "— car on the valve")
    note = reported(ReportKind.VALVE_INOPERABLE, JobStatus.ON_SITE, note="seized")
    assert history_words(note) == ("valve_inoperable", "V7 (seized)")


def test_other_entries_are_not_reports() -> None:
    assert history_words("cancelled: customer withdrew") is None
    assert history_words("field: refused arrived from crew C01, made 09:00: …") is None
    assert history_words("field: arrivedx") is None
