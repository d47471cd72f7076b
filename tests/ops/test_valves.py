"""The valve-exercise programme on the sample city."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.network import Network
from ops.jobs import JobKind
from ops.valves import exercise_jobs, valves_due


def test_never_exercised_first_then_the_oldest(sample_city: Network) -> None:
    on = dt.date(2026, 11, 26)
    due = valves_due(sample_city, on)
    valves = sample_city.valves
    operable = int(valves.operable.sum())
    assert 0 < len(due) < operable
    never = [v for v in due if v.last_exercised is None]
    assert never and due[: len(never)] == never
    dated = [v for v in due if v.last_exercised is not None]
    assert all(on - v.last_exercised >= dt.timedelta(days=730) for v in dated)  # type: ignore[operator]
    assert [v.days_overdue for v in dated] == sorted((v.days_overdue for v in dated), reverse=True)
    ids = {v.valve_id for v in due}
    for i in range(len(valves)):
        if not valves.operable[i]:
            assert str(valves.ids[i]) not in ids  # inoperable valves are replaced, not exercised


def test_criticality_puts_the_costly_valves_first(sample_city: Network) -> None:
    on = dt.date(2026, 11, 26)
    plain = valves_due(sample_city, on)
    pick = plain[-1].valve_id
    ranked = valves_due(sample_city, on, criticality={pick: 500})
    assert ranked[0].valve_id == pick and ranked[0].extra_customers_if_failed == 500


def test_exercise_jobs_are_optional_valve_work_due_this_month(sample_city: Network) -> None:
    day = dt.date(2026, 11, 26)
    jobs = exercise_jobs(sample_city, valves_due(sample_city, day), day, limit=5)
    assert len(jobs) == 5
    for job in jobs:
        assert job.kind == JobKind.VALVE_EXERCISE
        assert {str(s) for s in job.skills} == {"valve"}
        assert not job.mandatory and job.priority == 2
        assert job.due == dt.datetime(2026, 11, 30, 17, 0)
        lon, lat = job.location
        assert 114.2 < lon < 114.5 and 34.7 < lat < 34.9


@pytest.fixture(scope="module")
def criticality(sample_city: Network) -> dict[str, int]:
    from gis.criticality import valve_criticality
    from gis.isolation import Isolator

    return {r.valve_id: r.extra_customers for r in valve_criticality(Isolator(sample_city))}


def test_programme_exercises_critical_valves_yearly_and_others_on_a_longer_cycle(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    from ops.valves import ProgrammeSettings, critical_valves, exercise_programme

    on = dt.date(2026, 11, 26)
    settings = ProgrammeSettings()
    critical = settings.critical(criticality)
    assert len(critical) == round(0.10 * len(criticality))
    assert min(criticality[v] for v in critical) >= max(
        criticality[v] for v in set(criticality) - critical
    )
    items = exercise_programme(sample_city, criticality, on)
    by_id = {i.valve_id: i for i in items}
    for item in items:
        cycle = 365 if item.critical else 3 * 365
        if item.last_exercised is not None:
            assert (on - item.last_exercised).days >= cycle
    # a critical valve exercised 400 days ago is due, an ordinary one is not
    idx = {str(v): k for k, v in enumerate(sample_city.valves.ids)}
    crit = next(v for v in sorted(critical) if sample_city.valves.operable[idx[v]])
    ordinary = set(criticality) - critical_valves(sample_city, criticality)  # not trunk mains
    other = next(v for v in sorted(ordinary) if sample_city.valves.operable[idx[v]])
    seen = {crit: on - dt.timedelta(days=400), other: on - dt.timedelta(days=400)}
    again = {i.valve_id for i in exercise_programme(sample_city, criticality, on, exercised=seen)}
    assert crit in again and other not in again
    # inoperable valves wait for repair, field failures too; critical ones come first
    assert not any(not sample_city.valves.operable[idx[v]] for v in by_id)
    assert crit not in {
        i.valve_id for i in exercise_programme(sample_city, criticality, on, failed=[crit])
    }
    flags = [i.critical for i in items]
    assert flags == sorted(flags, reverse=True)


def test_programme_jobs_are_grouped_by_area(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    from ops.valves import exercise_programme, programme_jobs

    on = dt.date(2026, 11, 26)
    items = exercise_programme(sample_city, criticality, on)
    jobs = programme_jobs(sample_city, items, on, limit=30)
    assert len(jobs) == 30
    areas = [j.meta["area"] for j in jobs]
    assert areas == sorted(areas)  # one DMA after the other
    assert {j.valve for j in jobs} == {i.valve_id for i in items[:30]}
    assert all(f"[{j.meta['area'] or 'trunk main'}]" in j.description for j in jobs)


def test_programme_shrinks_the_worst_case(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    from ops.valves import ExerciseResult, programme_effect

    on = dt.date(2026, 11, 26)
    effect = programme_effect(sample_city, criticality, on, top=50)
    assert effect.top == 50
    assert effect.before == sum(criticality[v] for v in effect.unverified_before) > 0
    assert effect.after < effect.before
    # a valve found stuck stays a risk after the programme, until it is repaired
    stuck = effect.unverified_before[0]
    found = programme_effect(
        sample_city, criticality, on, top=50, results={stuck: ExerciseResult.STUCK}
    )
    assert stuck in found.unverified_after
    assert found.after == effect.after + criticality[stuck]
    assert ExerciseResult.LEAKING.operable and ExerciseResult.LEAKING.needs_repair
    assert not ExerciseResult.NOT_FOUND.operable


def test_a_failed_exercise_sends_a_repair(sample_city: Network) -> None:
    from ops.valves import ExerciseResult, valve_repair_job

    now = dt.datetime(2026, 11, 26, 10, 0)
    valve = str(sample_city.valves.ids[0])
    assert valve_repair_job(sample_city, valve, ExerciseResult.OPERABLE, now, critical=True) is None
    job = valve_repair_job(sample_city, valve, ExerciseResult.STUCK, now, critical=True)
    assert job is not None and job.kind == JobKind.REPAIR
    assert job.due == now + dt.timedelta(days=3) and job.priority == 1
    lost = valve_repair_job(sample_city, valve, ExerciseResult.NOT_FOUND, now, critical=False)
    assert lost is not None and lost.due == now + dt.timedelta(days=14)
    assert "raise it" in lost.description


def test_programme_after_if_every_exercise_succeeds_and_as_expected(
    sample_city: Network, criticality: dict[str, int]
) -> None:
    """The user trial's "0 (−100 %)": after a year is 0 only if every exercise succeeds; with
    20 results of which 2 found a valve stuck, 10 % of what the year exercises stays at risk."""
    from ops.valves import ExerciseResult, programme_effect

    on = dt.date(2026, 11, 26)
    plain = programme_effect(sample_city, criticality, on, top=50)
    assert plain.fault_share is None and plain.expected_after is None  # no results: no share
    assert plain.to_dict()["after_assumes"] == "every exercise succeeds"
    # 20 results on valves outside the top 50: 2 stuck, 18 operable
    outside = sorted(criticality, key=lambda v: (-criticality[v], v))[50:70]
    results = {v: ExerciseResult.OPERABLE for v in outside}
    results[outside[0]] = results[outside[1]] = ExerciseResult.STUCK
    effect = programme_effect(sample_city, criticality, on, top=50, results=results)
    assert effect.fault_share == pytest.approx(0.1)
    exercised = sum(criticality[v] for v in effect.unverified_before) - effect.after
    assert effect.expected_after == pytest.approx(effect.after + 0.1 * exercised)
    assert effect.after == plain.after and effect.before == plain.before
    assert effect.to_dict()["expected_after"] == round(effect.after + 0.1 * exercised)
