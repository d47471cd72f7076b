"""Why a crew's report is refused, with a code the phone says in the crew's language, and the
entry a refusal leaves in the job's history (issue 18, docs/field-app.md "Refused reports").

:func:`check_report` raises the refusals of :func:`ops.field.apply_report` with a ``code`` and
its ``params`` (:class:`ops.errors.OpsError`), the same class and message: the route calls it
first, so a refusal reaches the phone and the dispatcher in words of their language. (Once
``apply_report`` raises them with their codes itself, this check is redundant and goes:
``tests/ops/test_field_refusals.py`` holds the two to the same answers meanwhile.)
:func:`refusal_entry` is the job's history entry of a refused report: the job does not move.
"""

from __future__ import annotations

import datetime as dt

from ops.errors import Conflict, InvalidRequest, OpsError
from ops.field import CLOCK_SKEW, MAX_AGE, STEPS, FieldReport, ReportKind
from ops.workflow import CLOSED, TRANSITIONS, JobEvent, JobState, JobStatus

#: A report's kind in the history's words (as :func:`ops.field.apply_report` writes them).
KIND_WORDS = {
    ReportKind.EN_ROUTE: "on the way",
    ReportKind.ARRIVED: "arrived",
    ReportKind.STARTED: "work started",
    ReportKind.DONE: "done",
    ReportKind.COULD_NOT_DO: "could not do",
    ReportKind.VALVE_INOPERABLE: "valve inoperable",
    ReportKind.NOTE: "note",
    ReportKind.PHOTO: "photo",
}


def check_report(
    report: FieldReport,
    job: JobState,
    *,
    received_at: dt.datetime,
    job_valve: str | None = None,
) -> None:
    """Refuse ``report`` on ``job`` as :func:`ops.field.apply_report` would, with a code.

    Raises
    ------
    Conflict
        ``field_not_crews_job`` (job, crew, owner): the job is another crew's or none's;
        ``field_step_refused`` (job, job_status, reported): where the job stands does not allow it.
    InvalidRequest
        ``field_report_from_future`` / ``field_report_too_old`` (made_at, now / days): the
        phone's clock; ``field_reason_needed`` (job); ``field_no_valve`` (job).
    """
    if job.crew != report.crew:
        raise Conflict(
            f"job {job.id} is not crew {report.crew}'s"
            + (f" (it is {job.crew}'s)" if job.crew else " (it has no crew)")
            + ": ask the dispatcher",
            code="field_not_crews_job",
            job=job.id,
            crew=report.crew,
            owner=job.crew or "",
        )
    if report.made_at > received_at + CLOCK_SKEW:
        raise InvalidRequest(
            f"the report is dated {report.made_at:%Y-%m-%d %H:%M}, later than the service's "
            f"time ({received_at:%H:%M}): check the phone's clock",
            code="field_report_from_future",
            made_at=report.made_at.isoformat(timespec="minutes"),
            now=received_at.isoformat(timespec="minutes"),
        )
    if report.made_at < received_at - MAX_AGE:
        raise InvalidRequest(
            f"the report is dated {report.made_at:%Y-%m-%d %H:%M}, more than "
            f"{MAX_AGE.days} days ago: give it to the dispatcher to enter",
            code="field_report_too_old",
            made_at=report.made_at.isoformat(timespec="minutes"),
            days=MAX_AGE.days,
        )
    kind = report.kind
    to = STEPS.get(kind, job.status)
    if kind is ReportKind.COULD_NOT_DO:
        if not report.reason.strip():
            raise InvalidRequest(
                "could not do: say why (reason)", code="field_reason_needed", job=job.id
            )
        to = job.status if job.status in CLOSED else JobStatus.ASSIGNED
    if kind is ReportKind.VALVE_INOPERABLE and not (report.valve or job_valve):
        raise InvalidRequest(
            f"valve inoperable: job {job.id} is not at a valve; name the valve (valve)",
            code="field_no_valve",
            job=job.id,
        )
    moves = kind in STEPS or kind is ReportKind.COULD_NOT_DO
    if moves and (job.status in CLOSED or (to != job.status and to not in TRANSITIONS[job.status])):
        raise Conflict(
            f"job {job.id} is {job.status} already: '{KIND_WORDS[kind]}' cannot be applied "
            "(the dispatcher may have changed it meanwhile)",
            code="field_step_refused",
            job=job.id,
            job_status=str(job.status),
            reported=str(kind),
        )


def refusal_entry(
    report: FieldReport,
    job: JobState,
    refusal: OpsError,
    *,
    by: str,
    received_at: dt.datetime,
) -> JobEvent:
    """The history entry of a report refused on ``job``: the job stays where it is; the entry,
    dated when the refusal was made, says what the crew reported, when, and why it was refused."""
    note = (
        f"field: refused {KIND_WORDS[report.kind]} from crew {report.crew}, made "
        f"{report.made_at:%H:%M}: {refusal}"
    )
    return JobEvent(job.id, job.status, job.crew, note, by, received_at)
