"""ops.field_refusals.check_report refuses exactly what ops.field.apply_report refuses, with the
same class and message, and a code (issue 18: a refused report said in the crew's language)."""

from __future__ import annotations

import datetime as dt
import itertools

from ops.calendar import TZ
from ops.errors import OpsError
from ops.field import FieldReport, ReportKind, apply_report
from ops.field_refusals import check_report, refusal_entry
from ops.workflow import JobState, JobStatus

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)


def outcome(fn: object, *args: object, **kw: object) -> tuple[type | None, str, str | None]:
    try:
        fn(*args, **kw)  # type: ignore[operator]
    except OpsError as e:
        return type(e), str(e), e.code
    return None, "", None


def test_the_check_refuses_what_apply_report_refuses_with_a_code() -> None:
    cases = itertools.product(
        ReportKind,
        JobStatus,
        ("valve-01", "valve-02", None),  # the job's crew; the report is valve-01's
        (dt.timedelta(0), dt.timedelta(hours=1), -dt.timedelta(days=4)),  # made_at - now
        ("", "blocked by a parked lorry"),
        (None, "V00012"),  # the job's valve
    )
    refused = 0
    for kind, status, crew, skew, reason, valve in cases:
        report = FieldReport("r-1", "J1", "valve-01", kind, NOW + skew, reason=reason)
        job = JobState("J1", status, crew)
        kw = {"received_at": NOW, "job_valve": valve}
        got = outcome(check_report, report, job, **kw)
        want = outcome(apply_report, report, job, by="crew-valve-01", **kw)
        assert got[:2] == want[:2], (kind, status, crew, skew, reason, valve)
        if got[0] is not None:
            refused += 1
            assert got[2], (kind, status, crew, skew, reason, valve)
    assert refused > 100


def test_a_refusal_leaves_the_job_where_it_is_with_an_entry() -> None:
    report = FieldReport("r-2", "J1", "valve-01", ReportKind.ARRIVED, NOW - dt.timedelta(minutes=9))
    job = JobState("J1", JobStatus.DONE, "valve-01")
    try:
        check_report(report, job, received_at=NOW)
    except OpsError as refusal:
        entry = refusal_entry(report, job, refusal, by="crew-valve-01", received_at=NOW)
    else:
        raise AssertionError("arrived on a job done is refused")
    assert entry.status is JobStatus.DONE and entry.crew == "valve-01" and entry.at == NOW
    assert entry.note.startswith("field: refused arrived from crew valve-01, made 08:51: ")
    assert "is done already" in entry.note
