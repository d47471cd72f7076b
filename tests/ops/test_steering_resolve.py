"""Re-solving a steered plan changes it as little as the edits need (issue 18 item 1, user
trial: pinning one job to the crew it already had and re-solving moved 21 jobs, the pinned one
two hours). Real solver, the sample city's roads and roster, an ordinary day of its work.

The measure: after a pin to the crew a job has already, nothing changes (the plan steered
still holds, and the re-solve returns it). Before the re-solve started from the plan steered,
the same day had 30 jobs changed, 14 of them to another crew, one start moved by 7 1/2 hours;
before it returned a plan that still holds, a longer search could still reorder routes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ops.calendar import WorkCalendar
from ops.dispatch import DayPlan, plan_day, plan_diff
from ops.io import read_roster
from ops.steering import Edit, Steering, apply_edit
from routing import Route

CAL = WorkCalendar()
DAY = dt.date(2026, 12, 3)
AT = dt.datetime(2026, 12, 2, 16, 0)
SECONDS = 3.0


@pytest.fixture(scope="module")
def day(city_isolator: Any, city_roads: Any) -> dict[str, Any]:
    from sample_data.busy_day import ORDINARY, busy_day
    from sample_data.busy_day import ROSTER as SAMPLE_ROSTER

    jobs, links, repairs = busy_day(city_isolator, 2022, DAY, **ORDINARY)
    work = {
        "jobs": jobs,
        "links": links,
        "roster": read_roster(SAMPLE_ROSTER),
        "repairs": repairs,
        "travel": city_roads,
    }
    work["first"] = _solve(work)
    return work


def _solve(
    work: dict[str, Any], steering: Steering | None = None, previous: DayPlan | None = None
) -> DayPlan:
    return plan_day(
        DAY,
        work["jobs"],
        work["links"],
        work["roster"],
        CAL,
        repairs=work["repairs"],
        travel=work["travel"],
        seconds=SECONDS,
        steering=steering,
        previous=previous.plan if previous is not None else None,
    )


def _edit(work: dict[str, Any], edit: Edit) -> Steering:
    first: DayPlan = work["first"]
    steering, _ = apply_edit(
        Steering(),
        edit,
        plan=1,
        status="ready",
        result=first.to_dict(),
        jobs={j.id: j.crews_required for j in work["jobs"]},
        links=[(lk.before, lk.after) for lk in work["links"]],
        days=[DAY],
        version=2,
        by="li",
        at=AT,
    )
    return steering


def _busiest(plan: DayPlan) -> Route:
    return max(plan.plan.routes, key=lambda r: len(r.stops))


def test_a_pin_to_the_crew_a_job_has_leaves_the_rest_of_the_day_as_it_was(
    day: dict[str, Any],
) -> None:
    first: DayPlan = day["first"]
    route = _busiest(first)
    stop = route.stops[len(route.stops) // 2]  # mid-day: jobs before and after it
    steering = _edit(day, Edit("pin", stop.job_id, route.crew_id))
    again = _solve(day, steering, previous=first)

    # the plan steered still holds: it comes back as it was, to the second, even where a
    # longer search would shorten the day (routing.solver.still_holds)
    diff = plan_diff(first.plan, again.plan, DAY)
    assert (diff.changed, diff.added) == ((), ()), diff
    assert again.plan.routes == first.plan.routes
    assert again.plan.objective == first.plan.objective


def test_a_pin_to_a_start_holds_it_and_the_other_crews_keep_their_jobs(
    day: dict[str, Any],
) -> None:
    """The old routes break at the pinned job: the re-solve starts from them without it."""
    first: DayPlan = day["first"]
    route = _busiest(first)
    stop = route.stops[1]
    start = dt.datetime.combine(DAY, dt.time(0)) + dt.timedelta(seconds=stop.start + 3600)
    start = start.replace(second=0)
    steering = _edit(day, Edit("pin", stop.job_id, route.crew_id, start))
    again = _solve(day, steering, previous=first)

    assert again.plan.assignments[stop.job_id] == route.crew_id
    assert again.stop_times(stop.job_id)[0] == start  # type: ignore[index]
    diff = plan_diff(first.plan, again.plan, DAY)
    elsewhere = [
        m.job
        for m in diff.changed
        if route.crew_id not in (m.from_crew, m.to_crew) and m.to_crew != m.from_crew
    ]
    assert not elsewhere, diff.changed


def test_a_job_moved_to_another_crew_goes_there_and_no_other_job_changes_crew(
    day: dict[str, Any],
) -> None:
    first: DayPlan = day["first"]
    crews = {c.id: c.skills for c in day["roster"]}
    jobs = {j.id: j for j in day["jobs"]}
    route = _busiest(first)
    stop, other = next(
        (s, r.crew_id)
        for s in route.stops
        if jobs[s.job_id].crews_required == 1
        for r in first.plan.routes
        if r.crew_id != route.crew_id and jobs[s.job_id].skills <= crews[r.crew_id]
    )
    steering = _edit(day, Edit("move", stop.job_id, other, why="the crew has the key"))
    again = _solve(day, steering, previous=first)

    assert again.plan.assignments[stop.job_id] == other
    diff = plan_diff(first.plan, again.plan, DAY)
    other_crew = [m.job for m in diff.changed if m.to_crew != m.from_crew]
    assert other_crew == [stop.job_id], diff.changed
