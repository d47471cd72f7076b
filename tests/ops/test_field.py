"""The rules of a crew's reports (ops.field): the job steps they make, and a repair re-isolated
around a valve found inoperable, on the sample city with the real isolation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from gis.isolation import Isolator
from ops.calendar import TZ
from ops.errors import Conflict, InvalidRequest
from ops.field import FieldReport, ReportKind, apply_report, widen_repair
from ops.jobs import JobKind, RepairStep
from ops.repairs import RepairReport, Severity, open_repair
from ops.workflow import JobState, JobStatus

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


def report(kind: ReportKind, **kw: object) -> FieldReport:
    values: dict[str, object] = {
        "id": "r1",
        "job": "J1",
        "crew": "C01",
        "kind": kind,
        "made_at": NOW,
    }
    values.update(kw)
    return FieldReport(**values)  # type: ignore[arg-type]


def test_each_report_makes_its_step_dated_when_it_was_made() -> None:
    job = JobState("J1", JobStatus.ASSIGNED, "C01")
    steps = [
        (ReportKind.EN_ROUTE, JobStatus.EN_ROUTE),
        (ReportKind.ARRIVED, JobStatus.ON_SITE),
        (ReportKind.STARTED, JobStatus.ON_SITE),
        (ReportKind.NOTE, JobStatus.ON_SITE),
        (ReportKind.DONE, JobStatus.DONE),
    ]
    for kind, status in steps:
        outcome = apply_report(report(kind, note="ok"), job, by="crew-c01", received_at=NOW)
        job = outcome.change.job
        assert job.status is status
        assert outcome.change.event.at == NOW
        assert outcome.change.event.by == "crew-c01"
    # a note on a done job is kept; a step is refused, saying where it stands
    late = apply_report(report(ReportKind.PHOTO), job, by="crew-c01", received_at=NOW)
    assert late.change.job.status is JobStatus.DONE
    with pytest.raises(Conflict, match="done already"):
        apply_report(report(ReportKind.ARRIVED), job, by="crew-c01", received_at=NOW)


def test_a_report_sent_late_says_so_and_keeps_its_time() -> None:
    job = JobState("J1", JobStatus.ASSIGNED, "C01")
    made = NOW - dt.timedelta(minutes=40)
    outcome = apply_report(
        report(ReportKind.ARRIVED, made_at=made), job, by="crew-c01", received_at=NOW
    )
    assert outcome.change.event.at == made
    assert "sent offline, received 10:00" in outcome.change.event.note


def test_could_not_do_needs_a_reason_and_sends_the_job_back() -> None:
    job = JobState("J1", JobStatus.ON_SITE, "C01")
    with pytest.raises(InvalidRequest, match="say why"):
        apply_report(report(ReportKind.COULD_NOT_DO), job, by="c", received_at=NOW)
    outcome = apply_report(
        report(ReportKind.COULD_NOT_DO, reason="car parked on the valve"),
        job,
        by="c",
        received_at=NOW,
    )
    assert outcome.change.job.status is JobStatus.ASSIGNED
    assert "car parked on the valve" in outcome.change.event.note


def test_only_the_jobs_own_crew_reports_and_not_from_the_future() -> None:
    other = JobState("J1", JobStatus.ASSIGNED, "C02")
    with pytest.raises(Conflict, match="not crew C01's"):
        apply_report(report(ReportKind.ARRIVED), other, by="c", received_at=NOW)
    mine = JobState("J1", JobStatus.ASSIGNED, "C01")
    with pytest.raises(InvalidRequest, match="phone's clock"):
        apply_report(
            report(ReportKind.ARRIVED, made_at=NOW + dt.timedelta(hours=1)),
            mine,
            by="c",
            received_at=NOW,
        )


def test_valve_inoperable_names_the_jobs_valve_by_default() -> None:
    job = JobState("J1", JobStatus.ON_SITE, "C01")
    outcome = apply_report(
        report(ReportKind.VALVE_INOPERABLE), job, by="c", received_at=NOW, job_valve="V9"
    )
    assert outcome.failed_valve == "V9"
    assert outcome.change.job.status is JobStatus.ON_SITE
    with pytest.raises(InvalidRequest, match="name the valve"):
        apply_report(report(ReportKind.VALVE_INOPERABLE), job, by="c", received_at=NOW)


def test_a_failed_valve_widens_the_repair(city_isolator: Isolator) -> None:
    first = RepairReport("T-000001", NOW, Severity.BURST, pipe_id="P000300")
    case = open_repair(first, city_isolator)
    closures = [j for j in case.jobs if j.kind is JobKind.VALVE_CLOSURE]
    assert len(closures) >= 2
    failed = closures[0].valve
    assert failed is not None
    # the crew is at the failed valve; another closure is done already (that valve is shut)
    states = {j.id: JobState(j.id, JobStatus.ASSIGNED, "C01") for j in case.jobs}
    states[closures[0].id] = JobState(closures[0].id, JobStatus.ON_SITE, "C01")
    states[closures[1].id] = JobState(closures[1].id, JobStatus.DONE, "C02")
    # the reopening of that shut valve was left for an emergency: its rest (part 2) is to do
    reopen = next(
        j for j in case.jobs if j.step is RepairStep.REOPEN and j.valve == closures[1].valve
    )
    rest = replace(reopen, id=f"{reopen.id}-part2", rest_of=reopen.id, part=2, suspended=reopen.id)
    states[reopen.id] = JobState(reopen.id, JobStatus.SUSPENDED, "C02")
    states[rest.id] = JobState(rest.id, JobStatus.ASSIGNED, "C02")
    jobs = [(j, states[j.id]) for j in (*case.jobs, rest)]
    widening = widen_repair(first, city_isolator, failed, jobs, by="crew-c01", at=NOW)

    # the real isolation with that valve failed
    expected = city_isolator.isolate("P000300", [failed])
    assert {v.id for v in widening.case.isolation.valves_to_close} == {
        v.id for v in expected.valves_to_close
    }
    assert failed not in {v.id for v in expected.valves_to_close}
    before = {v.id for v in case.isolation.valves_to_close}
    new_valves = {v.id for v in expected.valves_to_close} - before
    assert new_valves, "the isolation must close other valves instead"
    assert set(widening.added_valves) == new_valves
    added = {j.id for j in widening.jobs}
    for valve in new_valves:
        assert f"T-000001-close-{valve}" in added
        assert f"T-000001-reopen-{valve}" in added
    # the new closures come before the repair, their reopenings after it
    assert any(k.before in added and k.after == "T-000001-repair" for k in widening.links)
    cancelled = {c.job.id: c for c in widening.changes}
    assert cancelled[f"T-000001-close-{failed}"].job.status is JobStatus.CANCELLED
    assert f"T-000001-reopen-{failed}" in cancelled
    # a valve already shut is reopened after the repair, whatever the new isolation needs
    assert f"T-000001-reopen-{closures[1].valve}" not in cancelled
    assert rest.id not in cancelled  # found by its step and valve, whatever its id says
    assert failed in widening.summary()
    # the same valve twice is refused
    with pytest.raises(Conflict, match="already known"):
        widen_repair(widening.case.report, city_isolator, failed, jobs, by="c", at=NOW)


def test_a_replan_starts_from_the_crews_fresh_shared_positions() -> None:
    from ops.field import SharedPosition, replan_positions

    shared = [
        SharedPosition("C01", 114.30, 34.80, NOW - dt.timedelta(minutes=50)),  # too old
        SharedPosition("C01", 114.31, 34.81, NOW - dt.timedelta(minutes=5)),  # the newest
        SharedPosition("C01", 114.32, 34.82, NOW - dt.timedelta(minutes=9)),
        SharedPosition("C02", 114.40, 34.70, NOW - dt.timedelta(minutes=1)),
        SharedPosition("C03", 114.50, 34.60, NOW - dt.timedelta(hours=2)),  # too old
        SharedPosition("C04", 114.60, 34.50, NOW + dt.timedelta(minutes=20)),  # after the re-plan
    ]
    given = {"C02": (114.0, 34.0)}  # the dispatcher's word wins
    assert replan_positions(given, shared, NOW) == {
        "C01": (114.31, 34.81),
        "C02": (114.0, 34.0),
    }
