"""The valve-exercise programme on the sample city."""

from __future__ import annotations

import datetime as dt

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
