"""A repair ticket's expected outage starts when a crew with the skill can be there by the
roster (the public is told this window): a burst at 03:10 with crews on call is closed after
the call-out delay, one with nobody on call waits for the 08:00 shift; with no roster the
nominal estimate stays and says so (``basis``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.emergency import DEFAULT_CALL_OUT, first_arrival
from ops.io import read_roster
from ops.jobs import Skill
from ops.repairs import RepairReport, RepairRules, Severity, open_repair
from routing import StraightLine

CAL = WorkCalendar()
DAY = dt.date(2026, 12, 8)  # a Tuesday
ROSTER = read_roster(Path(__file__).resolve().parents[2] / "sample_data" / "roster.csv")
NIGHT = dt.datetime.combine(DAY, dt.time(3, 10))
DRIVE = RepairRules().travel_estimate


def _burst(isolator: Isolator, at: dt.datetime, roster: object = ROSTER) -> dict[str, object]:
    case = open_repair(
        RepairReport("T-9", at, Severity.BURST, pipe_id="P000590"),
        isolator,
        roster=roster,  # type: ignore[arg-type]
        calendar=CAL,
    )
    return case.to_dict()


def test_a_night_burst_with_crews_on_call_is_expected_after_the_call_out(
    city_isolator: Isolator,
) -> None:
    assert any(c.on_call and Skill.VALVE in c.skills for c in ROSTER)
    data = _burst(city_isolator, NIGHT)
    start = dt.datetime.fromisoformat(str(data["expected_window"][0]))  # type: ignore[index]
    leave = NIGHT + DEFAULT_CALL_OUT.delay(NIGHT)  # 03:55: the crew is called at home
    assert leave <= start.replace(tzinfo=None) <= leave + DRIVE  # 04:05, not 03:40
    assert data["expected_basis"] == "roster"


def test_a_night_burst_with_nobody_on_call_is_expected_at_the_first_shift(
    city_isolator: Isolator,
) -> None:
    nobody = [dataclasses.replace(c, on_call=False) for c in ROSTER]
    data = _burst(city_isolator, NIGHT, nobody)
    start = dt.datetime.fromisoformat(str(data["expected_window"][0]))  # type: ignore[index]
    shift = dt.datetime.combine(DAY, dt.time(8))
    valves = [tuple(j["location"]) for j in data["jobs"] if j["step"] == "close"]  # type: ignore[attr-defined,index]
    arrival = first_arrival(nobody, frozenset({Skill.VALVE}), NIGHT, CAL, sites=valves)  # type: ignore[arg-type]
    # the 08:00 shift and the drive from the depot (08:06 on the straight line), not 03:40
    assert arrival is not None and start.replace(tzinfo=None) == arrival.at.replace(second=0)
    assert shift < arrival.at < shift + RepairRules().first_arrival
    assert data["expected_basis"] == "roster"
    nominal = _burst(city_isolator, NIGHT, None)
    # the whole window moves with its start: the same length of work
    assert data["expected_outage_h"] == nominal["expected_outage_h"]


def test_without_a_roster_the_estimate_is_nominal_and_says_so(city_isolator: Isolator) -> None:
    data = _burst(city_isolator, NIGHT, None)
    start = dt.datetime.fromisoformat(str(data["expected_window"][0]))  # type: ignore[index]
    assert start.replace(tzinfo=None) == NIGHT + RepairRules().first_arrival  # 03:40
    assert data["expected_basis"] == "nominal"


def test_the_first_arrival_by_the_roster() -> None:
    valve = frozenset({Skill.VALVE})
    # by day a crew at work comes at once (the nominal first arrival: it leaves its job)
    noon = dt.datetime.combine(DAY, dt.time(10))
    got = first_arrival(ROSTER, valve, noon, CAL)
    assert got is not None and got.at == noon + RepairRules().first_arrival
    assert got.how == "on_shift"
    # at night an on-call crew with the skill, after the call-out delay and a drive
    got = first_arrival(ROSTER, valve, NIGHT, CAL)
    assert got is not None and got.how == "call_out" and got.crew in {"valve-03", "repair-01"}
    assert got.at == NIGHT + dt.timedelta(minutes=45) + DRIVE
    # a crew on call without the skill does not count: tanker-01 is on call, not a valve crew
    only_tanker = [dataclasses.replace(c, on_call=c.id == "tanker-01") for c in ROSTER]
    got = first_arrival(only_tanker, valve, NIGHT, CAL)
    assert got is not None and got.how == "shift" and got.at == dt.datetime(2026, 12, 8, 8, 10)
    # Friday evening, nobody on call: Monday's shift (the weekend is off)
    friday = dt.datetime(2026, 12, 11, 18, 0)
    nobody = [dataclasses.replace(c, on_call=False) for c in ROSTER]
    got = first_arrival(nobody, valve, friday, CAL)
    assert got is not None and got.at == dt.datetime(2026, 12, 14, 8, 10)
    # nobody with the skill at all: no answer (the caller keeps the nominal estimate)
    assert first_arrival(ROSTER, frozenset({"diving"}), NIGHT, CAL) is None
    # a planned repair is not emergency work: nobody is called out for it
    got = first_arrival(ROSTER, valve, NIGHT, CAL, emergency=False)
    assert got is not None and got.at == dt.datetime(2026, 12, 8, 8, 10)


# -- the drive: the planner's travel model from where the crew is (task G, item 2) ----------

SITE = (114.340678, 34.798333)  # the middle of P000590
STRAIGHT = StraightLine()


def _drive(place: tuple[float, float], site: tuple[float, float] = SITE) -> dt.timedelta:
    """The travel model's time from ``place`` to ``site``, as the planner reads it."""
    return dt.timedelta(seconds=int(STRAIGHT.matrix([place, site]).seconds[0, 1]))


def test_a_called_out_crew_drives_from_its_depot_by_the_travel_model() -> None:
    valve = frozenset({Skill.VALVE})
    got = first_arrival(ROSTER, valve, NIGHT, CAL, sites=[SITE], travel=STRAIGHT)
    assert got is not None and got.how == "call_out" and got.drive_from == "depot"
    depots = {c.id: c.depot for c in ROSTER if c.on_call and Skill.VALVE in c.skills}
    leave = NIGHT + DEFAULT_CALL_OUT.delay(NIGHT)
    # the earliest of the on-call valve crews, each from its own depot: not a flat 10 minutes
    assert got.at == min(leave + _drive(place) for place in depots.values())
    assert got.at == leave + _drive(depots[got.crew]) and got.drive == _drive(depots[got.crew])
    assert got.drive != DRIVE
    # a site across the city from that depot takes longer: the promise follows the place
    far = (114.40, 34.76)
    later = first_arrival(ROSTER, valve, NIGHT, CAL, sites=[far], travel=STRAIGHT)
    assert later is not None
    assert later.at == min(leave + _drive(place, far) for place in depots.values())
    assert later.at > got.at


def test_the_next_shift_drives_from_the_depot_and_without_a_site_the_drive_is_nominal() -> None:
    valve = frozenset({Skill.VALVE})
    nobody = [dataclasses.replace(c, on_call=False) for c in ROSTER]
    shift = dt.datetime.combine(DAY, dt.time(8))
    got = first_arrival(nobody, valve, NIGHT, CAL, sites=[SITE], travel=STRAIGHT)
    assert got is not None and got.how == "shift" and got.drive_from == "depot"
    starts = {c.id: dt.datetime.combine(DAY, c.start) for c in nobody if Skill.VALVE in c.skills}
    depots = {c.id: c.depot for c in nobody}
    assert got.at == min(starts[k] + _drive(depots[k]) for k in starts)
    assert got.at.date() == shift.date() and got.at != shift + DRIVE
    # no place known for the job: the nominal drive stays, and the answer says so
    blind = first_arrival(nobody, valve, NIGHT, CAL)
    assert blind is not None and blind.at == shift + DRIVE and blind.drive_from == "estimate"


def test_a_crew_at_work_drives_from_its_position_when_known() -> None:
    valve = frozenset({Skill.VALVE})
    ten = dt.datetime.combine(DAY, dt.time(10))
    # positions unknown: the crew leaves its job somewhere, the nominal 30 min stays
    got = first_arrival(ROSTER, valve, ten, CAL, sites=[SITE], travel=STRAIGHT)
    assert got is not None and got.how == "on_shift" and got.drive_from == "estimate"
    assert got.at == ten + RepairRules().first_arrival
    # valve-02 shared its position 600 m from the burst: it comes from there
    near = (SITE[0] + 0.005, SITE[1] + 0.003)
    got = first_arrival(
        ROSTER, valve, ten, CAL, sites=[SITE], travel=STRAIGHT, positions={"valve-02": near}
    )
    assert got is not None and got.crew == "valve-02" and got.drive_from == "position"
    assert got.at == ten + dt.timedelta(minutes=10) + _drive(near)  # it leaves its job safe
    assert got.at < ten + RepairRules().first_arrival


def test_the_ticket_says_which_drive_its_window_counts(city_isolator: Isolator) -> None:
    # at night the on-call crews are called at home and drive from their depots
    case = open_repair(
        RepairReport("T-9", NIGHT, Severity.BURST, pipe_id="P000590"),
        city_isolator,
        roster=ROSTER,
        calendar=CAL,
        travel=STRAIGHT,
    )
    valves = [j.location for j in case.closures]
    expected = first_arrival(
        ROSTER, frozenset({Skill.VALVE}), NIGHT, CAL, sites=valves, travel=STRAIGHT
    )
    assert expected is not None and case.expected_start == expected.at
    # the first closure: the nearest valve of the nearest crew, not the break itself
    assert len(valves) > 1
    each = [
        first_arrival(ROSTER, frozenset({Skill.VALVE}), NIGHT, CAL, sites=[v], travel=STRAIGHT)
        for v in valves
    ]
    assert expected.at == min(a.at for a in each if a is not None)
    assert case.basis == "roster"
    assert case.expected_start != NIGHT + DEFAULT_CALL_OUT.delay(NIGHT) + DRIVE
    # by day a crew at work whose position nobody knows: by the roster, the drive an estimate
    ten = dt.datetime.combine(DAY, dt.time(10))
    day = open_repair(
        RepairReport("T-10", ten, Severity.BURST, pipe_id="P000590"),
        city_isolator,
        roster=ROSTER,
        calendar=CAL,
    )
    assert day.basis == "roster_estimated_drive"
    assert day.expected_start == ten + RepairRules().first_arrival
    assert day.to_dict()["expected_basis"] == "roster_estimated_drive"
