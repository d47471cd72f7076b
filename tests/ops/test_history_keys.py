"""Every writer of a job's history in ops gives its entry the key and params it is worded by
(issue 18 point 5): stored with the entry, they are read back as they were written, not guessed
from the English note. The note stays, and says the same: an entry stored before keys were
(no key) reads back from its note (ops.history.history_text) as the same key and params, so
old and new entries of one kind are worded alike. A note in someone's own words has no key,
even when it reads like one of ours."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.isolation import Isolator
from gis.network import Network
from ops.calendar import TZ, WorkCalendar
from ops.connections import ConnectionApplication, complete_connection, open_connection
from ops.dispatch import DayPlan
from ops.errors import Conflict
from ops.field import (
    FieldReport,
    ReportKind,
    apply_report,
    history_words,
    refusal_entry,
    widen_repair,
)
from ops.history import FIELD_REPORT, KEYS, history_text
from ops.job_notes import reschedule
from ops.jobs import JobKind
from ops.plans import publish_plan
from ops.repairs import RepairCase, RepairReport, Severity, open_repair
from ops.valves import record_exercise
from ops.workflow import (
    JobEvent,
    JobState,
    JobStatus,
    TicketStatus,
    cancel_ticket,
    change_status,
)
from tests.ops.test_plans import AT as PLAN_AT
from tests.ops.test_plans import day as day
from tests.ops.test_plans import stored
from tests.ops.test_valve_results import criticality as criticality

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


def assert_keyed(event: JobEvent, key: str) -> None:
    """The entry has ``key``, a key the pages have words for with exactly its params, and its
    note reads back (as an entry stored before keys would) as the same key and params."""
    assert event.key == key, event
    if key == FIELD_REPORT:
        assert set(event.params) == {"report", "detail"}
        assert history_words(event.note) == (event.params["report"], event.params["detail"])
        return
    assert key in KEYS and set(event.params) == KEYS[key], event
    said = history_text(event.note)
    assert said is not None and (said.key, said.params) == (event.key, dict(event.params))


def test_a_cancelled_ticket() -> None:
    (change,) = cancel_ticket(
        "T1", TicketStatus.OPEN, [JobState("J1", JobStatus.OPEN)], reason="a duplicate; see T2",
        by="d", at=NOW,
    )  # fmt: skip
    assert_keyed(change.event, "ticket_cancelled")
    assert change.event.params == {"reason": "a duplicate; see T2"}


@pytest.mark.parametrize(
    ("earliest", "latest"), [(None, NOW + dt.timedelta(hours=30)), (NOW, None), (NOW, NOW)]
)
def test_a_rescheduled_job(earliest: dt.datetime | None, latest: dt.datetime | None) -> None:
    done = reschedule(
        JobState("J1", JobStatus.ASSIGNED, "valve-01"),
        earliest=earliest,
        latest_start=latest,
        duration=dt.timedelta(hours=1),
        deadline=None,
        reason="customer away",
        by="d",
        at=NOW,
    )
    assert_keyed(done.change.event, "rescheduled")
    assert done.change.event.params["reason"] == "customer away"


def test_water_on_closes_a_connections_jobs_with_its_key() -> None:
    cal = WorkCalendar()
    app = ConnectionApplication(
        "APP-13", "no_external_works", dt.datetime(2026, 9, 30, 16), (114.35, 34.80), "Wang"
    )
    jobs = [JobState(j.id, JobStatus.ASSIGNED, "meter-01") for j in open_connection(app, cal).jobs]
    done = complete_connection(app, "open", jobs, dt.datetime(2026, 10, 8, 10), cal, by="d", at=NOW)
    assert done.closed
    for change in done.closed:
        assert_keyed(change.event, "water_on")
        assert change.event.params == {}


def test_publishing_a_plan_and_a_replan(day: tuple[DayPlan, DayPlan, RepairCase]) -> None:
    morning, after, case = day
    jobs = {"LS-1": JobState("LS-1", JobStatus.OPEN)}
    done = publish_plan(
        7, "ready", stored(morning), published=[], jobs=jobs, outages=[], by="d", at=PLAN_AT
    )
    (step,) = done.assigned
    assert_keyed(step.event, "plan_start")
    assert step.event.params["plan"] == "7"
    jobs = {"LS-1": JobState("LS-1", JobStatus.ON_SITE, "valve-1")} | {
        j.id: JobState(j.id, JobStatus.OPEN) for j in case.jobs
    }
    replan = publish_plan(
        9, "ready", stored(after), published=[7], jobs=jobs, outages=[], by="d", at=PLAN_AT
    )
    (suspended,) = replan.suspended
    assert_keyed(suspended.change.event, "plan_left")
    assert suspended.change.event.params["why"] == "T-1"
    assert replan.assigned
    for change in replan.assigned:
        assert_keyed(change.event, "plan_start")


def report(kind: ReportKind, **kw: object) -> FieldReport:
    values: dict[str, object] = {"id": "r1", "job": "J1", "crew": "C01", "kind": kind}
    values["made_at"] = NOW
    values.update(kw)
    return FieldReport(**values)


@pytest.mark.parametrize(
    ("kind", "extra", "detail"),
    [
        (ReportKind.ARRIVED, {}, ""),
        (ReportKind.NOTE, {"note": "gate locked"}, "(gate locked)"),
        (ReportKind.COULD_NOT_DO, {"reason": "no access"}, "— no access"),
        (ReportKind.VALVE_INOPERABLE, {"valve": "V7"}, "V7"),
        (
            ReportKind.ARRIVED,
            {"made_at": NOW - dt.timedelta(minutes=40)},
            "[sent offline, received 10:00]",
        ),
    ],
)
def test_a_crews_report(kind: ReportKind, extra: dict[str, object], detail: str) -> None:
    job = JobState("J1", JobStatus.EN_ROUTE, "C01")
    outcome = apply_report(report(kind, **extra), job, by="crew-c01", received_at=NOW)
    assert_keyed(outcome.change.event, FIELD_REPORT)
    assert outcome.change.event.params == {"report": str(kind), "detail": detail}


def test_a_refused_report() -> None:
    event = refusal_entry(
        report(ReportKind.ARRIVED), JobState("J1", JobStatus.DONE, "C01"),
        Conflict("job J1 is done"), by="crew-c01", received_at=NOW,
    )  # fmt: skip
    assert_keyed(event, "field_refused")
    assert event.params == {"report": "arrived", "crew": "C01", "made": "10:00",
                            "reason": "job J1 is done"}  # fmt: skip


def test_a_widened_isolation_cancels_with_its_key(city_isolator: Isolator) -> None:
    first = RepairReport("T-000001", NOW, Severity.BURST, pipe_id="P000300")
    case = open_repair(first, city_isolator)
    closures = [j for j in case.jobs if j.kind is JobKind.VALVE_CLOSURE]
    failed = closures[0].valve
    assert failed is not None
    states = {j.id: JobState(j.id, JobStatus.ASSIGNED, "C01") for j in case.jobs}
    widening = widen_repair(
        first, city_isolator, failed, [(j, states[j.id]) for j in case.jobs], by="c", at=NOW
    )
    assert widening.changes
    for change in widening.changes:
        assert_keyed(change.event, "valve_widened")
        assert change.event.params == {"valve": failed}


def test_an_exercise_result(sample_city: Network, criticality: dict[str, int]) -> None:
    valve = sorted(criticality)[0]
    jobs = [JobState(f"EX-{valve}-20261126", JobStatus.ASSIGNED, "valve-1")]
    done = record_exercise(sample_city, valve, "stuck", jobs, criticality, by="f", at=NOW)
    (closed,) = done.closed
    assert_keyed(closed.event, "exercise")
    assert closed.event.params == {"result": "stuck"}
    # the engineer's own words: shown as written, whatever they read like
    own = record_exercise(
        sample_city, valve, "stuck", jobs, criticality, by="f", at=NOW, note="water on"
    )
    assert own.closed[0].event.key is None and own.closed[0].event.note == "water on"


def test_a_dispatchers_own_note_has_no_key_even_when_it_reads_like_ours() -> None:
    job = JobState("J1", JobStatus.OPEN)
    change = change_status(job, JobStatus.CANCELLED, by="d", at=NOW, note="created")
    assert change.event.key is None and change.event.params == {}
    assert history_text(change.event.note) is not None  # the guess an old entry would get


def test_every_key_names_its_params() -> None:
    assert FIELD_REPORT not in KEYS
    for key, params in KEYS.items():
        assert key and all(p.isidentifier() for p in params), (key, params)
