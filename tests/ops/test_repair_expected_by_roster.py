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
    assert start.replace(tzinfo=None) == shift + DRIVE  # 08:10, not 03:40
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
