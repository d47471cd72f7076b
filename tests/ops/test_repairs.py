"""Repair tickets: isolation plan, job chain, tankers, and the outage window of a real plan."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.errors import UnknownPipe
from gis.isolation import Isolator
from ops.calendar import WorkCalendar
from ops.dispatch import CrewShift, plan_day
from ops.errors import InvalidRequest
from ops.jobs import JobKind
from ops.repairs import RepairReport, RepairRules, open_repair, outage_window
from tests.ops.conftest import two_source_street

REPORTED = dt.datetime(2026, 11, 26, 8, 0)


def test_burst_becomes_close_repair_reopen_flush_with_precedences(street: Isolator) -> None:
    case = open_repair(RepairReport("T1", REPORTED, "burst", pipe_id="P2"), street)
    assert [v.id for v in case.isolation.valves_to_close] == ["V1", "V2"]
    by_kind: dict[JobKind, list[str]] = {}
    for job in case.jobs:
        by_kind.setdefault(job.kind, []).append(job.id)
    assert by_kind[JobKind.VALVE_CLOSURE] == ["T1-close-V1", "T1-close-V2"]
    assert by_kind[JobKind.REPAIR] == ["T1-repair"]
    assert sorted(by_kind[JobKind.VALVE_REOPENING]) == ["T1-reopen-V1", "T1-reopen-V2"]
    assert by_kind[JobKind.FLUSHING] == ["T1-flush"]
    links = {(link.before, link.after) for link in case.links}
    for v in ("V1", "V2"):
        assert (f"T1-close-{v}", "T1-repair") in links
        assert ("T1-repair", f"T1-reopen-{v}") in links
        assert (f"T1-reopen-{v}", "T1-flush") in links
    # a burst is shut at once: the closures are neither tied to the dig's start nor left out
    # with it (on a night or a day off the repair may wait for a crew); the reopenings follow
    # the repair at once
    assert all(
        link.max_gap is None and not link.required
        for link in case.links
        if link.after == "T1-repair"
    )
    assert all(
        link.max_gap is not None and link.max_gap <= dt.timedelta(hours=2) and link.required
        for link in case.links
        if link.before == "T1-repair"
    )
    assert all(j.mandatory and j.emergency for j in case.jobs)
    skills = {j.id: {str(s) for s in j.skills} for j in case.jobs}
    assert skills["T1-close-V1"] == {"valve"}
    assert skills["T1-repair"] == {"pipe"}
    # a critical customer is cut off: a tanker goes to the hospital
    tankers = [j for j in case.jobs if j.kind == JobKind.WATER_TANKER]
    assert [t.description for t in tankers] == ["water tanker to Test Hospital"]
    assert {str(s) for s in tankers[0].skills} == {"tanker"}
    assert case.tankers[0].critical
    assert case.expected_outage >= dt.timedelta(hours=3)


def test_minor_leak_is_a_planned_outage_after_the_notice_lead(street: Isolator) -> None:
    case = open_repair(RepairReport("T2", REPORTED, "minor_leak", pipe_id="P3"), street)
    assert case.target.planned
    assert all(j.earliest == REPORTED + dt.timedelta(hours=24) for j in case.jobs)
    assert not any(j.mandatory or j.emergency for j in case.jobs)
    assert case.expected_start >= REPORTED + dt.timedelta(hours=24)
    # no critical customer, a short outage: no tanker
    assert case.tankers == ()
    # a planned outage is kept short: valves shut just before the dig, all or nothing
    into_repair = [lk for lk in case.links if lk.after == "T2-repair"]
    assert into_repair and all(lk.max_gap is not None and lk.required for lk in into_repair)


def test_large_mains_need_two_crews() -> None:
    isolator = Isolator(two_source_street(diameter_mm=500))
    case = open_repair(RepairReport("T3", REPORTED, "major_leak", pipe_id="P3"), isolator)
    repair = next(j for j in case.jobs if j.kind == JobKind.REPAIR)
    assert repair.crews_required == 2
    assert repair.duration == dt.timedelta(hours=6)
    closure = next(j for j in case.jobs if j.kind == JobKind.VALVE_CLOSURE)
    assert closure.duration == RepairRules().close_large


def test_long_outages_bring_tanker_points_for_residents(street: Isolator) -> None:
    rules = RepairRules(tanker_after=dt.timedelta(hours=1), residents_per_tanker_point=1)
    case = open_repair(
        RepairReport("T4", REPORTED, "major_leak", pipe_id="P3"), street, rules=rules
    )
    residents = [t for t in case.tankers if not t.critical]
    assert residents and residents[0].customer_id == "R5"


def test_report_by_map_point_snaps_to_the_pipe(street: Isolator) -> None:
    x, y = street.network.pipes.geometry[street.network.pipe_index("P3")].centroid.coords[0]
    lonlat = street.network.to_wgs84(__import__("numpy").array([[x, y + 5]]))
    where = (float(lonlat[0, 0]), float(lonlat[0, 1]))
    case = open_repair(RepairReport("T5", REPORTED, "burst", location=where), street)
    assert case.pipe_id == "P3"
    assert next(j for j in case.jobs if j.kind == JobKind.REPAIR).location == where


def test_bad_reports_say_what_is_wrong(street: Isolator) -> None:
    with pytest.raises(InvalidRequest, match="pipe id or a map point"):
        RepairReport("T6", REPORTED, "burst")
    with pytest.raises(InvalidRequest, match="unknown severity"):
        RepairReport("T6", REPORTED, "catastrophe", pipe_id="P2")  # type: ignore[arg-type]
    with pytest.raises(UnknownPipe):
        open_repair(RepairReport("T6", REPORTED, "burst", pipe_id="P99"), street)


def test_outage_window_is_first_closure_to_last_reopening(street: Isolator) -> None:
    case = open_repair(RepairReport("T7", REPORTED, "burst", pipe_id="P2"), street)
    net = street.network
    depot = tuple(net.to_wgs84(net.nodes.xy[[0]])[0])
    roster = [
        CrewShift("valve-1", frozenset({"valve"}), depot),
        CrewShift("valve-2", frozenset({"valve"}), depot),
        CrewShift("pipe-1", frozenset({"pipe"}), depot),
        CrewShift("tanker-1", frozenset({"tanker"}), depot),
    ]
    day = REPORTED.date()
    dp = plan_day(
        day, list(case.jobs), list(case.links), roster, WorkCalendar(), repairs=[case], seconds=3
    )
    assert dp.plan.status == "ok", dp.plan.unassigned
    window = outage_window(case, dp.plan, day)
    assert window.scheduled
    starts = [dp.stop_times(j.id) for j in case.closures]
    ends = [dp.stop_times(j.id) for j in case.reopenings]
    assert all(s is not None for s in starts + ends)
    assert window.start == min(s[0] for s in starts if s)
    assert window.end == max(e[1] for e in ends if e)
    repair = dp.stop_times("T7-repair")
    assert repair is not None
    for s in starts:
        assert s is not None and s[1] <= repair[0]  # every valve shut before digging
    for e in ends:
        assert e is not None and e[0] >= repair[1]
    assert dp.outage_windows["T7"] == window


def test_a_second_report_of_the_same_burst_is_the_same_ticket(street: Isolator) -> None:
    """Issue 13: two reports of one burst made two tickets and two chains; the same valve was
    closed twice by two crews."""
    from ops.repairs import OpenBreak, locate, same_break

    first = open_repair(RepairReport("T1", REPORTED, "burst", pipe_id="P2"), street)
    pipe, site = locate(first.report, street)
    opened = [OpenBreak("T1", pipe, site, frozenset(first.isolation.isolated_pipes))]
    # on a pipe inside the first's isolated area, or a few metres away: the same break
    for report in (
        RepairReport("T2", REPORTED, "burst", pipe_id=first.isolation.isolated_pipes[-1]),
        RepairReport("T3", REPORTED, "burst", location=(site[0] + 0.0003, site[1])),
    ):
        found = same_break(*locate(report, street), opened)
        assert found is not None and found[0].ticket == "T1"
    # far away and outside the area: another break
    far = next(p for p in street.network.pipes.ids if p not in first.isolation.isolated_pipes)
    there = locate(RepairReport("T4", REPORTED, "burst", pipe_id=far), street)
    assert same_break(*there, opened, within_m=1.0) is None


def test_which_reports_repeat_an_open_break(street: Isolator) -> None:
    """Issue 15 point 2: the rule the repairs route kept for itself (a minor leak is never
    linked to an open ticket's break) is the core's, with the pipe and site it located."""
    from ops.repairs import OpenBreak, locate, repeated_break

    first = open_repair(RepairReport("T1", REPORTED, "burst", pipe_id="P2"), street)
    pipe, site = locate(first.report, street)
    opened = [OpenBreak("T1", pipe, site, frozenset(first.isolation.isolated_pipes))]
    near = (site[0] + 0.0003, site[1])
    for severity in ("burst", "major_leak"):
        report = RepairReport("T2", REPORTED, severity, location=near)
        found = repeated_break(report, street, opened)
        assert found is not None and found.open_break.ticket == "T1"
        assert found.site == near and found.pipe_id == street.nearest_pipe(*near)
        assert 0 < found.metres < 150
    minor = RepairReport("T3", REPORTED, "minor_leak", location=near)
    assert repeated_break(minor, street, opened) is None  # its own planned repair
