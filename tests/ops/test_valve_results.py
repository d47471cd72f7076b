"""The valve programme's workflow (ops.valves.next_exercises, record_exercise) on the sample
city: which exercises are added next, and what an exercise's result records."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.criticality import valve_criticality
from gis.errors import UnknownValve
from gis.isolation import Isolator
from gis.network import Network
from ops.calendar import TZ
from ops.errors import InvalidRequest
from ops.jobs import JobKind, Skill
from ops.valves import (
    ExerciseResult,
    ProgrammeSettings,
    critical_valves,
    exercise_programme,
    next_exercises,
    record_exercise,
)
from ops.workflow import JobState, JobStatus

TODAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 15, 40, 27, tzinfo=TZ)


@pytest.fixture(scope="module")
def criticality(sample_city: Network) -> dict[str, int]:
    return {r.valve_id: r.extra_customers for r in valve_criticality(Isolator(sample_city))}


def test_the_next_exercises_skip_valves_with_one_open(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    first = next_exercises(sample_city, criticality, TODAY, count=5)
    programme = exercise_programme(sample_city, criticality, TODAY)
    top = {i.valve_id for i in programme[:5]}
    assert {j.valve for j in first} == top
    assert all(j.kind == JobKind.VALVE_EXERCISE for j in first)
    # those five open now: the next five of the programme instead
    then = next_exercises(
        sample_city, criticality, TODAY, count=5, open_valves={str(j.valve) for j in first}
    )
    assert {j.valve for j in then} == {i.valve_id for i in programme[5:10]}
    # failed valves wait for their repair
    broken = next_exercises(sample_city, criticality, TODAY, count=5, failed=sorted(top))
    assert not top & {j.valve for j in broken}


def test_a_stuck_valve_closes_its_open_exercise_and_makes_a_repair(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    critical = sorted(ProgrammeSettings().critical(criticality))
    valve = critical[0]
    jobs = [
        JobState(f"EX-{valve}-20261126", JobStatus.ASSIGNED, "valve-1"),
        JobState(f"EX-{valve}-20251120", JobStatus.DONE, "valve-2"),  # last year's: closed
    ]
    done = record_exercise(
        sample_city, valve, "stuck", jobs, criticality, by="field", at=AT, note="spindle seized"
    )
    assert done.result is ExerciseResult.STUCK and not done.result.operable
    assert done.on == TODAY and done.note == "spindle seized"
    (closed,) = done.closed
    assert closed.job == JobState(f"EX-{valve}-20261126", JobStatus.DONE, "valve-1")
    assert (closed.event.note, closed.event.by, closed.event.at) == ("spindle seized", "field", AT)
    repair = done.repair
    assert repair is not None and repair.kind == JobKind.REPAIR and repair.valve == valve
    assert repair.skills == {Skill.PIPE, Skill.VALVE}
    assert repair.earliest == dt.datetime(2026, 11, 26, 15, 40)  # local, to the minute
    assert repair.due == dt.datetime(2026, 11, 29, 15, 40)  # a critical valve: 3 days
    assert done.to_dict()["jobs_closed"] == [closed.job.id]
    assert done.to_dict()["repair_job"] == repair.to_dict()


def test_an_ordinary_valve_gets_14_days_and_a_good_one_no_repair(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    critical = critical_valves(sample_city, criticality)
    ordinary = next(str(v) for v in sample_city.valves.ids if str(v) not in critical)
    lost = record_exercise(sample_city, ordinary, "not_found", [], criticality, by="f", at=AT)
    assert lost.repair is not None
    assert lost.repair.due == dt.datetime(2026, 11, 26, 15, 40) + dt.timedelta(days=14)
    assert lost.note == "exercise: not_found" and lost.closed == ()
    fine = record_exercise(
        sample_city, ordinary, ExerciseResult.OPERABLE, [], criticality, by="f", at=AT
    )
    assert fine.repair is None and fine.result.operable


def test_a_result_for_a_later_day_or_an_unknown_valve_is_refused(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    valve = str(sample_city.valves.ids[0])
    yesterday = TODAY - dt.timedelta(days=1)
    earlier = record_exercise(
        sample_city, valve, "operable", [], criticality, by="f", at=AT, on=yesterday
    )
    assert earlier.on == yesterday
    with pytest.raises(InvalidRequest, match="a date in the future"):
        record_exercise(
            sample_city,
            valve,
            "operable",
            [],
            criticality,
            by="f",
            at=AT,
            on=TODAY + dt.timedelta(days=1),
        )
    with pytest.raises(UnknownValve):
        record_exercise(sample_city, "V-NOPE", "stuck", [], criticality, by="f", at=AT)
    with pytest.raises(ValueError):
        record_exercise(sample_city, valve, "broken", [], criticality, by="f", at=AT)


def test_a_failed_exercise_of_any_critical_valve_gets_3_days(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    """The repair's urgency follows the programme's rule (ops.valves.critical_valves): a valve
    on a trunk main, or one whose failure cuts off a critical customer, is critical even outside
    the top 10 % by extra customers."""
    rows = valve_criticality(Isolator(sample_city))
    extra_critical = {r.valve_id: r.extra_critical for r in rows}
    top = ProgrammeSettings().critical(criticality)
    trunk = sorted(critical_valves(sample_city, criticality) - top)
    by_customer = sorted(
        critical_valves(sample_city, criticality, critical_customers=extra_critical)
        - critical_valves(sample_city, criticality)
    )
    assert trunk and by_customer
    start = dt.datetime(2026, 11, 26, 15, 40)
    main = record_exercise(sample_city, trunk[0], "stuck", [], criticality, by="f", at=AT)
    assert main.repair is not None and main.repair.due == start + dt.timedelta(days=3)
    assert main.repair.priority == 1
    valve = by_customer[0]
    hospital = record_exercise(
        sample_city,
        valve,
        "leaking",
        [],
        criticality,
        by="f",
        at=AT,
        critical_customers=extra_critical,
    )
    assert hospital.repair is not None and hospital.repair.due == start + dt.timedelta(days=3)
    # without the critical customers it is an ordinary valve
    plain = record_exercise(sample_city, valve, "leaking", [], criticality, by="f", at=AT)
    assert plain.repair is not None and plain.repair.due == start + dt.timedelta(days=14)
