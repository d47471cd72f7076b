"""A dispatcher steers a plan (ops.steering): the edits and their rules, and a real solve
(ops.dispatch.plan_day, OR-Tools, straight-line travel) that honours pins, moves, locked routes
and jobs taken out."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import WorkCalendar
from ops.dispatch import CrewShift, DayPlan, plan_day, plan_diff
from ops.errors import Conflict, InvalidRequest
from ops.jobs import FieldJob, JobKind, JobLink, Skill
from ops.steering import Edit, Steering, apply_edit, check_version

CAL = WorkCalendar()
DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 25, 16, 0)
WEST, EAST = (114.30, 34.80), (114.40, 34.80)
ROSTER = [
    CrewShift("west", frozenset({"valve"}), WEST),
    CrewShift("east", frozenset({"valve"}), EAST),
]


def _job(job_id: str, where: tuple[float, float]) -> FieldJob:
    return FieldJob(
        job_id,
        JobKind.VALVE_EXERCISE,
        where,
        dt.timedelta(minutes=45),
        frozenset({Skill.VALVE}),
        "P",
    )


# two jobs next to each depot, and a chain of two next to the west one
JOBS = [
    _job("w1", (114.301, 34.801)),
    _job("w2", (114.302, 34.799)),
    _job("e1", (114.399, 34.801)),
    _job("e2", (114.398, 34.799)),
    _job("c1", (114.303, 34.802)),
    _job("c2", (114.304, 34.802)),
]
LINKS = [JobLink("c1", "c2", required=True)]


def _plan(steering: Steering | None = None) -> DayPlan:
    return plan_day(DAY, JOBS, LINKS, ROSTER, CAL, seconds=1.5, steering=steering)


@pytest.fixture(scope="module")
def first() -> DayPlan:
    return _plan()


def _edit(steering: Steering, plan: DayPlan, edit: Edit, version: int = 2) -> Steering:
    new, change = apply_edit(
        steering,
        edit,
        plan=1,
        status="ready",
        result=plan.to_dict(),
        jobs={j.id: j.crews_required for j in JOBS},
        links=[(lk.before, lk.after) for lk in LINKS],
        days=[DAY],
        version=version,
        by="li",
        at=AT,
    )
    assert change.by == "li" and change.version == version
    return new


def test_without_edits_each_crew_does_the_jobs_by_its_depot(first: DayPlan) -> None:
    assert first.plan.assignments["w1"] == "west"
    assert first.plan.assignments["e1"] == "east"


def test_a_job_moved_to_the_far_crew_goes_there_on_the_next_solve(first: DayPlan) -> None:
    steering = _edit(Steering(), first, Edit("move", "w1", "east", why="east has the key"))
    again = _plan(steering)
    assert again.plan.assignments["w1"] == "east"
    assert steering.history[-1].why == "east has the key"


def test_a_pin_with_a_start_holds_the_crew_and_the_time(first: DayPlan) -> None:
    start = dt.datetime(2026, 11, 26, 14, 30)
    steering = _edit(Steering(), first, Edit("pin", "e2", "west", start))
    again = _plan(steering)
    assert again.plan.assignments["e2"] == "west"
    assert again.stop_times("e2")[0] == start  # type: ignore[index]


def test_a_locked_route_keeps_its_jobs_in_their_order_and_takes_no_other(first: DayPlan) -> None:
    east = next(r for r in first.plan.routes if r.crew_id == "east")
    order = [s.job_id for s in east.stops]
    steering = _edit(Steering(), first, Edit("lock", crew="east"))
    # the west crew is sent home by taking its whole day out: nothing may go east
    for job in ("w1", "w2", "c1"):
        steering = _edit(steering, first, Edit("unassign", job, why="no access"))
    again = _plan(steering)
    east = next(r for r in again.plan.routes if r.crew_id == "east")
    assert [s.job_id for s in east.stops] == order
    left = {u.job_id: u for u in again.plan.unassigned}
    assert set(left) == {"w1", "w2", "c1", "c2"}
    assert left["w1"].key == "left_out_by_dispatcher"
    assert left["w1"].params == {"by": "li", "why": "no access"}


def test_taking_a_job_of_a_chain_out_takes_the_whole_chain(first: DayPlan) -> None:
    steering = _edit(Steering(), first, Edit("unassign", "c2", why="road closed"))
    assert set(steering.out) == {"c1", "c2"}
    assert steering.history[-1].jobs == ("c2", "c1")
    restored = _edit(steering, first, Edit("restore", "c1"))
    assert restored.out == {}


def test_the_rules_of_the_edits(first: DayPlan) -> None:
    locked = _edit(Steering(), first, Edit("lock", crew="east"))
    with pytest.raises(Conflict, match="locked"):
        _edit(locked, first, Edit("move", "w1", "east"))
    with pytest.raises(Conflict, match="locked route"):
        _edit(locked, first, Edit("unassign", "e1", why="x"))
    with pytest.raises(InvalidRequest, match="say why"):
        _edit(Steering(), first, Edit("unassign", "w1"))
    with pytest.raises(InvalidRequest, match="not in the plan"):
        _edit(Steering(), first, Edit("move", "w1", "north"))
    with pytest.raises(InvalidRequest, match="plan's days"):
        _edit(Steering(), first, Edit("pin", "w1", "west", dt.datetime(2026, 11, 27, 9, 0)))
    with pytest.raises(Conflict, match="only a ready plan"):
        apply_edit(
            Steering(),
            Edit("lock", crew="east"),
            plan=1,
            status="published",
            result=first.to_dict(),
            jobs={},
            links=[],
            days=[DAY],
            version=2,
            by="li",
            at=AT,
        )


def test_a_stale_version_names_who_changed_the_plan_and_when(first: DayPlan) -> None:
    steering = _edit(Steering(), first, Edit("move", "w1", "east", why="key"), version=5)
    check_version(1, 5, 5, steering)
    with pytest.raises(Conflict) as refused:
        check_version(1, 5, 4, steering)
    assert "li" in str(refused.value) and "2026-11-25T16:00:00" in str(refused.value)
    assert "move w1 → east" in str(refused.value)


def test_the_steering_is_kept_as_json(first: DayPlan) -> None:
    steering = _edit(
        Steering(), first, Edit("pin", "e2", "west", dt.datetime(2026, 11, 26, 14, 30))
    )
    steering = _edit(steering, first, Edit("lock", crew="east"))
    steering = _edit(steering, first, Edit("unassign", "c1", why="x"))
    assert Steering.from_dict(steering.to_dict()) == steering


def test_the_diff_of_two_plans_lists_each_job_whose_crew_or_time_changed(first: DayPlan) -> None:
    steering = _edit(Steering(), first, Edit("move", "w1", "east", why="key"))
    steering = _edit(steering, first, Edit("unassign", "e1", why="no access"))
    again = _plan(steering)
    diff = plan_diff(first.plan, again.plan, DAY).to_dict()
    changed = {c["job"]: c for c in diff["changed"]}
    assert changed["w1"]["from"]["crew"] == "west" and changed["w1"]["to"]["crew"] == "east"
    before, after = first.stop_times("w1"), again.stop_times("w1")
    assert changed["w1"]["from"]["end"] == before[1].isoformat(timespec="minutes")  # type: ignore[index]
    assert changed["w1"]["to"]["start"] == after[0].isoformat(timespec="minutes")  # type: ignore[index]
    assert [r["job"] for r in diff["removed"]] == ["e1"]
    assert diff["added"] == []
    # every job whose stop moved at all is listed, and only those
    for job in ("w2", "e2", "c1", "c2"):
        assert (job in changed) == (first.stop_times(job) != again.stop_times(job)), job
    back = plan_diff(again.plan, first.plan, DAY).to_dict()
    assert [a["job"] for a in back["added"]] == ["e1"]
    assert back["added"][0]["to"]["crew"] == "east"
