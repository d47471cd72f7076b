"""Table 1 deadlines, the field jobs of an application, papers and follow-up visits."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import WorkCalendar
from ops.connections import (
    RULES,
    ConnectionApplication,
    ConnectionType,
    connection_deadline,
    connection_type,
    follow_up_visit,
    open_connection,
)
from ops.errors import InvalidRequest, UnknownConnectionType
from ops.jobs import JobKind

CAL = WorkCalendar()
ACCEPTED = dt.datetime(2026, 9, 30, 16, 0)  # Wednesday before National Day
HERE = (114.35, 34.80)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("pre_consultation", dt.datetime(2026, 9, 30, 17, 52, 30)),
        ("pre_small_warehouse", dt.datetime(2026, 9, 30, 17, 52, 30)),
        ("pre_standard_factory", dt.datetime(2026, 10, 12, 16, 0)),
        ("pre_other", dt.datetime(2026, 10, 14, 16, 0)),
        ("no_external_works", dt.datetime(2026, 10, 8, 10, 15)),
    ],
)
def test_fixed_limits_of_table_1(kind: str, expected: dt.datetime) -> None:
    deadline = connection_deadline(kind, ACCEPTED, CAL)
    assert deadline.due == expected
    assert deadline.unit == "working days"
    assert "Table 1" in deadline.basis


@pytest.mark.parametrize(
    ("dn", "length", "days", "due"),
    [
        (25, 10, 0.5, dt.datetime(2026, 10, 8, 10, 15)),
        (100, 100, 1, dt.datetime(2026, 10, 8, 16, 0)),
        (150, 80, 2, dt.datetime(2026, 10, 9, 16, 0)),
        (300, 450, 4, dt.datetime(2026, 10, 12, 16, 0)),
        (400, 50, 6, dt.datetime(2026, 10, 14, 16, 0)),  # large pipe: the full six days
        (80, 900, 6, dt.datetime(2026, 10, 14, 16, 0)),  # long line: the full six days
    ],
)
def test_appointment_limits_by_size_and_length(
    dn: float, length: float, days: float, due: dt.datetime
) -> None:
    for kind in (ConnectionType.METER_RETROFIT, ConnectionType.GENERAL_CONSTRUCTION):
        deadline = connection_deadline(kind, ACCEPTED, CAL, dn_mm=dn, length_m=length)
        assert deadline.days == days
        assert deadline.due == due
        assert f"DN{dn:g}" in deadline.basis


def test_fast_connection_counts_calendar_days() -> None:
    # 1-5 日内: calendar days, so the National Day holiday does not stop the clock
    small = connection_deadline("fast_connection", ACCEPTED, CAL, dn_mm=100, length_m=50)
    assert small.unit == "calendar days"
    assert small.due == dt.datetime(2026, 10, 1, 16, 0)
    large = connection_deadline("fast_connection", ACCEPTED, CAL, dn_mm=600, length_m=900)
    assert large.due == dt.datetime(2026, 10, 5, 16, 0)


def test_every_type_has_a_chinese_name_and_a_limit() -> None:
    for kind in ConnectionType:
        rule = RULES[kind]
        assert rule.chinese
        days = (
            [rule.working_days] if rule.working_days is not None else [r.days for r in rule.table]
        )
        assert days
        assert all(d is not None and 0.25 <= d <= 6 for d in days)


def test_size_dependent_types_need_size_and_length() -> None:
    with pytest.raises(InvalidRequest, match="--dn"):
        connection_deadline("meter_retrofit", ACCEPTED, CAL)
    with pytest.raises(InvalidRequest, match="positive"):
        connection_deadline("meter_retrofit", ACCEPTED, CAL, dn_mm=0, length_m=10)
    with pytest.raises(UnknownConnectionType, match="pre_other"):
        connection_type("garden_hose")


def test_appointment_application_becomes_survey_meter_opening() -> None:
    app = ConnectionApplication(
        "APP-7", "general_construction", ACCEPTED, HERE, "Zhang San", dn_mm=80, line_length_m=60
    )
    case = open_connection(app, CAL)
    kinds = [j.kind for j in case.jobs]
    assert kinds == [JobKind.SURVEY, JobKind.METER_INSTALLATION, JobKind.VALVE_OPENING]
    assert [(link.before, link.after) for link in case.links] == [
        ("APP-7-survey", "APP-7-meter"),
        ("APP-7-meter", "APP-7-open"),
    ]
    last = case.jobs[-1]
    assert last.deadline == case.deadline.due == dt.datetime(2026, 10, 8, 16, 0)
    # each earlier step leaves room for the later ones
    for a, b in zip(case.jobs, case.jobs[1:], strict=False):
        assert a.deadline is not None and b.deadline is not None
        assert a.deadline <= b.deadline - b.duration
    assert all(j.earliest == ACCEPTED for j in case.jobs)
    assert {str(s) for j in case.jobs for s in j.skills} == {"meter", "valve"}


def test_pre_service_has_one_field_step() -> None:
    app = ConnectionApplication("APP-8", "pre_other", ACCEPTED, HERE, "Factory")
    case = open_connection(app, CAL)
    assert [j.kind for j in case.jobs] == [JobKind.VALVE_OPENING]
    assert case.links == ()


def test_missing_papers_are_tracked_for_five_days() -> None:
    app = ConnectionApplication(
        "APP-9", "pre_consultation", ACCEPTED, HERE, "Li", papers_missing=True
    )
    case = open_connection(app, CAL)
    assert case.papers is not None
    assert case.papers.due == dt.datetime(2026, 10, 5, 16, 0)
    assert case.papers.status(dt.datetime(2026, 10, 3)) == "pending"
    assert case.papers.status(dt.datetime(2026, 10, 6)) == "overdue"


def test_small_non_residential_connections_are_filed_and_free() -> None:
    shop = ConnectionApplication(
        "APP-10",
        "meter_retrofit",
        ACCEPTED,
        HERE,
        "Shop",
        dn_mm=40,
        line_length_m=10,
        residential=False,
    )
    case = open_connection(shop, CAL)
    assert case.filing_only and case.free_external_connection
    home = ConnectionApplication(
        "APP-11", "meter_retrofit", ACCEPTED, HERE, "Home", dn_mm=40, line_length_m=10
    )
    assert not open_connection(home, CAL).filing_only
    big_shop = ConnectionApplication(
        "APP-12",
        "meter_retrofit",
        ACCEPTED,
        HERE,
        "Mall",
        dn_mm=50,
        line_length_m=10,
        residential=False,
    )
    assert not open_connection(big_shop, CAL).filing_only


def test_completion_creates_a_follow_up_visit() -> None:
    app = ConnectionApplication("APP-13", "no_external_works", ACCEPTED, HERE, "Wang")
    case = open_connection(app, CAL)
    done = dt.datetime(2026, 10, 8, 10, 0)
    visit = follow_up_visit(case, done, CAL)
    assert visit.kind == JobKind.FOLLOW_UP
    assert visit.skills == frozenset()
    assert visit.due == dt.datetime(2026, 10, 10, 10, 0)  # Saturday 10th is a working day
    assert visit.deadline == CAL.add_working_days(done, 5)
    assert visit.source == "APP-13"
