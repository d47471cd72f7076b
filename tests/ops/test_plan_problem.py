"""What a plan is made of, stored with it, and the statuses its planner worker gives it
(ops.plans): a real repair of the sample city and a real plan come back from their JSON, and
the worker's claims, results and failures are decided as values."""

from __future__ import annotations

import datetime as dt
import json

from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.dispatch import CrewShift, plan_day
from ops.jobs import field_job_from_dict, leak_survey
from ops.plans import (
    ABANDONED,
    Attempt,
    PlanRequest,
    abandoned,
    attempt_of,
    claim,
    claim_order,
    decode_problem,
    encode_problem,
    failed,
    owns,
    published_day_plan,
    solved,
)
from ops.repairs import RepairReport, Severity, open_repair, repair_chain
from ops.workflow import PlanStatus
from routing.io import plan_to_state

DAY = dt.date(2026, 11, 26)
DEPOT = (114.346548, 34.781987)
CREWS = [
    CrewShift("valve-1", frozenset({"valve", "leak"}), DEPOT),
    CrewShift("pipe-1", frozenset({"pipe"}), DEPOT, end=dt.time(16), on_call=True),
]


def test_a_repair_day_comes_back_from_the_stored_problem(city_isolator: Isolator) -> None:
    now = dt.datetime.combine(DAY, dt.time(9))
    case = open_repair(RepairReport("T-1", now, Severity.BURST, pipe_id="P000100"), city_isolator)
    request = PlanRequest(network_id=3, overtime_hours=2.5, days=2)
    stored = json.loads(
        json.dumps(encode_problem(DAY, case.jobs, case.links, CREWS, [repair_chain(case)], request))
    )
    assert stored["day"] == "2026-11-26" and stored["repairs"][0]["ticket"] == "T-1"
    jobs, links, crews, chains = decode_problem(stored)
    # the jobs as stored (places to 7 decimals, as every stored job)
    assert jobs == [field_job_from_dict(j.to_dict()) for j in case.jobs]
    assert links == list(case.links) and crews == CREWS
    (chain,) = chains
    made = repair_chain(case)
    assert (chain.ticket, chain.expected) == ("T-1", made.expected)
    for got, want in [
        (chain.closures, made.closures),
        (chain.reopenings, made.reopenings),
        (chain.repairs, made.repairs),
    ]:
        assert [j.id for j in got] == [j.id for j in want] and got
    assert PlanRequest.from_dict(stored) == request


def test_a_published_plan_is_the_day_plan_it_was_made_as() -> None:
    survey = leak_survey(
        "LS-1", (114.35, 34.785), dt.timedelta(hours=3), dt.datetime.combine(DAY, dt.time(8))
    )
    made = plan_day(DAY, [survey], [], CREWS, WorkCalendar(), seconds=1)
    problem = encode_problem(DAY, [survey], [], CREWS, [], PlanRequest())
    back = published_day_plan(problem, plan_to_state(made.plan), made.to_dict())
    assert back.day == DAY and back.dates == (DAY,) and back.jobs == (survey,)
    assert back.crews == tuple(CREWS)
    assert [(r.crew_id, [s.job_id for s in r.stops]) for r in back.plan.routes] == [
        (r.crew_id, [s.job_id for s in r.stops]) for r in made.plan.routes
    ]


def test_re_plans_first_then_users_with_nothing_solving_oldest_first() -> None:
    queued = [(4, "ann", None), (5, "bo", None), (6, "ann", 2), (7, "cy", None), (8, "bo", None)]
    assert claim_order(queued, {"bo": 1}) == [6, 4, 7]
    assert claim_order(queued, {}) == [6, 4, 5, 7, 8]
    assert claim_order([(9, "ann", None)], {"ann": 1}) == []


def test_the_worker_claims_reports_and_ends_a_plan_as_values() -> None:
    attempt = Attempt("a1", "host-1", 42)
    change = claim(30.0, attempt)
    assert change.status is PlanStatus.SOLVING
    assert change.progress == {
        "solutions": 0,
        "elapsed": 0.0,
        "seconds": 30.0,
        "attempt": "a1",
        "host": "host-1",
        "pid": 42,
    }
    report = attempt.progress(30.0, {"solutions": 3, "elapsed": 1.5, "cost": 9})
    assert report["solutions"] == 3 and report["attempt"] == "a1" and report["cost"] == 9
    assert attempt_of(report) == attempt and attempt_of({"solutions": 0}) is None
    assert owns("solving", report, "a1") and not owns("solving", report, "a2")
    assert not owns(PlanStatus.FAILED, report, "a1")
    done = solved(report, 12.345, stopped=True)
    assert done.status is PlanStatus.READY and done.error is None
    assert done.progress == {**report, "elapsed": 12.35, "stopped": True, "done": True}
    broken = failed(ValueError("no road"))
    assert broken.status is PlanStatus.FAILED and broken.error == "ValueError: no road"
    assert broken.progress is None  # the progress stays as it was
    assert abandoned().status is PlanStatus.FAILED and abandoned().error == ABANDONED
