"""ops.field.apply_report refuses a report with a code and its params (issue 18: a refused
report said in the crew's language), and a refusal leaves the job where it is with an entry."""

from __future__ import annotations

import datetime as dt
import itertools

from ops.calendar import TZ
from ops.errors import Conflict, InvalidRequest, OpsError
from ops.field import STEPS, FieldReport, ReportKind, apply_report, refusal_entry
from ops.workflow import CLOSED, JobState, JobStatus

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)

#: Each code, the class that carries it (its HTTP status: 409 or 422) and its params' names.
CODES: dict[str, tuple[type[OpsError], set[str]]] = {
    "field_not_crews_job": (Conflict, {"job", "crew", "owner"}),
    "field_report_from_future": (InvalidRequest, {"made_at", "now"}),
    "field_report_too_old": (InvalidRequest, {"made_at", "days"}),
    "field_reason_needed": (InvalidRequest, {"job"}),
    "field_no_valve": (InvalidRequest, {"job"}),
    "field_step_refused": (Conflict, {"job", "job_status", "reported"}),
}


def test_every_refusal_of_apply_report_has_its_code_and_params() -> None:
    cases = itertools.product(
        ReportKind,
        JobStatus,
        ("valve-01", "valve-02", None),  # the job's crew; the report is valve-01's
        (dt.timedelta(0), dt.timedelta(hours=1), -dt.timedelta(days=4)),  # made_at - now
        ("", "blocked by a parked lorry"),
        (None, "V00012"),  # the job's valve
    )
    refused: dict[str, int] = {}
    for kind, status, crew, skew, reason, valve in cases:
        case = (kind, status, crew, skew, reason, valve)
        report = FieldReport("r-1", "J1", "valve-01", kind, NOW + skew, reason=reason)
        job = JobState("J1", status, crew)
        # the first rule the report breaks, in the order the service judges them
        want: str | None = None
        if crew != "valve-01":
            want = "field_not_crews_job"
        elif skew > dt.timedelta(0):
            want = "field_report_from_future"
        elif skew < dt.timedelta(0):
            want = "field_report_too_old"
        elif kind is ReportKind.COULD_NOT_DO and not reason:
            want = "field_reason_needed"
        elif kind is ReportKind.VALVE_INOPERABLE and valve is None:
            want = "field_no_valve"
        elif (kind in STEPS or kind is ReportKind.COULD_NOT_DO) and status in CLOSED:
            want = "field_step_refused"
        try:
            apply_report(report, job, by="crew-valve-01", received_at=NOW, job_valve=valve)
        except OpsError as e:
            assert e.code in CODES, case
            if want is not None:
                assert e.code == want, case
            else:  # an open job the step's transitions do not allow (done from en route)
                assert e.code == "field_step_refused", case
            cls, names = CODES[e.code]
            assert type(e) is cls and set(e.params) == names, case
            assert e.params.get("job", "J1") == "J1", case
            if e.code == "field_step_refused":
                assert e.params["job_status"] == str(status), case
                assert e.params["reported"] == str(kind) and "already" in str(e), case
            if e.code == "field_not_crews_job":
                assert e.params["crew"] == "valve-01" and e.params["owner"] == (crew or ""), case
            refused[e.code] = refused.get(e.code, 0) + 1
        else:
            assert want is None, case
    assert set(refused) == set(CODES)
    assert sum(refused.values()) > 100


def test_a_refusal_leaves_the_job_where_it_is_with_an_entry() -> None:
    report = FieldReport("r-2", "J1", "valve-01", ReportKind.ARRIVED, NOW - dt.timedelta(minutes=9))
    job = JobState("J1", JobStatus.DONE, "valve-01")
    try:
        apply_report(report, job, by="crew-valve-01", received_at=NOW)
    except OpsError as refusal:
        entry = refusal_entry(report, job, refusal, by="crew-valve-01", received_at=NOW)
    else:
        raise AssertionError("arrived on a job done is refused")
    assert entry.status is JobStatus.DONE and entry.crew == "valve-01" and entry.at == NOW
    assert entry.note.startswith("field: refused arrived from crew valve-01, made 08:51: ")
    assert "is done already" in entry.note
