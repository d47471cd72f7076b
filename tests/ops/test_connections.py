"""Table 1 deadlines, the field jobs of an application, papers and follow-up visits."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import HolidaySchedule, WorkCalendar, year_schedule
from ops.connections import (
    RULES,
    ConnectionApplication,
    ConnectionRules,
    ConnectionType,
    acceptance_due,
    connection_deadline,
    connection_type,
    follow_up_visit,
    intake_status,
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


# -- issue 11: provisional years, the rules as settings, the civil-code reading, intake --------


def test_a_deadline_into_an_unannounced_year_is_made_and_says_it_is_provisional() -> None:
    deadline = connection_deadline("pre_other", dt.datetime(2026, 12, 24, 9, 0), CAL)
    assert deadline.due.year == 2027
    assert deadline.calendar is not None and deadline.calendar.status == "provisional"
    data = deadline.to_dict()
    assert data["calendar"]["status"] == "provisional"
    assert data["calendar"]["provisional_years"] == [2027]
    october = connection_deadline("pre_other", ACCEPTED, CAL).to_dict()
    assert october["calendar"]["status"] == "official"
    assert october["calendar"]["years"]["2026"]["source"].startswith("chinesecalendar")


def test_the_size_tables_are_settings_a_deployment_can_replace() -> None:
    rules = ConnectionRules.from_config(
        {
            "appointment_limits": [
                {"max_dn_mm": 100, "max_length_m": 50, "days": 1},
                {"days": 3},
            ],
            "fast_limits": [{"days": 2}],
        }
    )
    small = connection_deadline(
        "general_construction", ACCEPTED, CAL, dn_mm=80, length_m=20, rules=rules
    )
    assert small.days == 1
    big = connection_deadline("meter_retrofit", ACCEPTED, CAL, dn_mm=300, length_m=20, rules=rules)
    assert big.days == 3
    fast = connection_deadline("fast_connection", ACCEPTED, CAL, dn_mm=80, length_m=20, rules=rules)
    assert fast.days == 2
    # the built-in table still gives the defaults
    assert connection_deadline("meter_retrofit", ACCEPTED, CAL, dn_mm=300, length_m=20).days == 4


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"appointment_limits": [{"max_dn_mm": 100, "max_length_m": 50, "days": 1}]}, "last row"),
        ({"appointment_limits": [{"days": 0}]}, "positive"),
        ({"appointment_limits": [{"days": "six"}]}, "number"),
        ({"fast_limits": "1-5"}, "list of rows"),
        ({"day_reading": "lunar"}, "calendar or civil_code"),
        ({"appointment_limits": [{"max_dn": 100, "days": 1}, {"days": 6}]}, "unknown"),
    ],
)
def test_bad_rule_settings_say_what_to_fix(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        ConnectionRules.from_config(config)


def test_the_civil_code_reading_of_days() -> None:
    friday = dt.datetime(2026, 11, 27, 10, 0)
    natural = connection_deadline("fast_connection", friday, CAL, dn_mm=100, length_m=50)
    assert natural.due == dt.datetime(2026, 11, 28, 10, 0)  # calendar days: 24 h later
    civil = ConnectionRules(day_reading="civil_code")
    due = connection_deadline(
        "fast_connection", friday, CAL, dn_mm=100, length_m=50, rules=civil
    ).due
    # 《民法典》 arts. 201, 203: counted from the next day (Sat 11-28 is the first and last);
    # a last day on a rest day moves to the next working day, ending when the office closes
    assert due == dt.datetime(2026, 11, 30, 18, 0)
    wednesday = dt.datetime(2026, 11, 25, 10, 0)
    assert connection_deadline(
        "fast_connection", wednesday, CAL, dn_mm=100, length_m=50, rules=civil
    ).due == dt.datetime(2026, 11, 26, 18, 0)
    papers = open_connection(
        ConnectionApplication("APP-20", "pre_other", friday, HERE, "Zhao", papers_missing=True),
        CAL,
        rules=civil,
    ).papers
    assert papers is not None and papers.due == dt.datetime(2026, 12, 2, 18, 0)  # Wed


def test_acceptance_of_remote_applications_within_a_quarter_working_day() -> None:
    received = dt.datetime(2026, 11, 27, 17, 30)  # Friday evening, through WeChat
    due = acceptance_due(received, "wechat", CAL)
    assert due == CAL.add_working_days(received, 0.25)
    assert due == dt.datetime(2026, 11, 30, 9, 52, 30)
    assert acceptance_due(received, "counter", CAL) == received  # accepted at once (即办)
    assert (
        intake_status(received, "wechat", None, dt.datetime(2026, 11, 30, 9, 0), CAL) == "waiting"
    )
    assert intake_status(received, "wechat", None, dt.datetime(2026, 11, 30, 10, 0), CAL) == "late"
    accepted = dt.datetime(2026, 11, 30, 9, 30)
    assert intake_status(received, "wechat", accepted, accepted, CAL) == "accepted"
    late = dt.datetime(2026, 11, 30, 11, 0)
    assert intake_status(received, "wechat", late, late, CAL) == "accepted_late"
    with pytest.raises(InvalidRequest, match="channel"):
        acceptance_due(received, "fax", CAL)


def test_a_follow_up_visit_remembers_when_the_water_came_on() -> None:
    app = ConnectionApplication("APP-21", "no_external_works", ACCEPTED, HERE, "Sun")
    done = dt.datetime(2026, 12, 28, 10, 0)
    visit = follow_up_visit(app, done, CAL)
    assert visit.water_on == done and visit.to_dict()["water_on"] == done.isoformat()
    assert visit.calendar is not None and visit.calendar.status == "provisional"


def test_a_deadline_over_the_2027_spring_festival_provisional_then_official() -> None:
    accepted = dt.datetime(2027, 2, 4, 9, 0)  # Thursday before 除夕
    provisional = connection_deadline("pre_standard_factory", accepted, CAL)
    # 02-05 除夕 to 02-08 初三, Sat/Sun made up on 02-09 and 02-10: Thu, Fri, Mon, Tue after
    assert provisional.due == dt.datetime(2027, 2, 16, 9, 0)
    assert provisional.calendar is not None and provisional.calendar.status == "provisional"
    kept = year_schedule(
        2027,
        days_off=["2027-01-01", "2027-02-05..2027-02-13"],
        workdays=["2027-02-20"],
        source="国办发明电〔2026〕99号 (test)",
    )
    official = WorkCalendar(holidays=HolidaySchedule(kept={2027: kept}))
    due = connection_deadline("pre_standard_factory", accepted, official)
    assert due.due == dt.datetime(2027, 2, 18, 9, 0)
    assert due.calendar is not None and due.calendar.status == "official"
