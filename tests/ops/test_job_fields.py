"""A job's typed fields go out with it and come back (issue 15: nothing is read from an id or
a free dict): a leak survey's DMA, the parts of a job left for an emergency, and a connection
job's application, water-on time and the calendars its deadline was counted on."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.calendar import CalendarBasis, WorkCalendar
from ops.connections import ConnectionApplication, follow_up_visit, open_connection
from ops.emergency import Interruption, rest_of
from ops.jobs import FieldJob, field_job_from_dict, leak_survey

START = dt.datetime(2026, 12, 2, 8, 0)


def survey() -> FieldJob:
    return leak_survey(
        "LS-000001", (114.35, 34.785), dt.timedelta(hours=3), START, area="Gulou", dma="DMA-03"
    )


def test_a_rest_of_a_rest_names_the_first_part_and_the_one_it_continues() -> None:
    rule = Interruption(safe=dt.timedelta(minutes=5), restart=dt.timedelta(minutes=10))
    first = survey()
    second = rest_of(first, START + dt.timedelta(hours=1), START + dt.timedelta(hours=3), rule)
    third = rest_of(second, START + dt.timedelta(hours=4), START + dt.timedelta(hours=5), rule)
    assert (first.rest_of, first.part, first.suspended) == (None, 1, None)
    assert (second.id, second.rest_of, second.part, second.suspended) == (
        "LS-000001-part2",
        "LS-000001",
        2,
        "LS-000001",
    )
    assert (third.id, third.rest_of, third.part, third.suspended) == (
        "LS-000001-part3",
        "LS-000001",
        3,
        "LS-000001-part2",
    )
    assert third.dma == "DMA-03" and third.meta == {}
    for job in (first, second, third):
        assert field_job_from_dict(job.to_dict()) == job


def test_a_job_written_before_the_fields_finds_them_in_meta() -> None:
    rule = Interruption(safe=dt.timedelta(minutes=5), restart=dt.timedelta(minutes=10))
    rest = rest_of(survey(), START + dt.timedelta(hours=1), START + dt.timedelta(hours=3), rule)
    old = rest.to_dict()
    old["meta"] = {"area": "x"} | {k: old.pop(k) for k in ("rest_of", "part", "suspended")}
    del old["dma"]
    back = field_job_from_dict(old)
    assert (back.rest_of, back.part, back.suspended) == ("LS-000001", 2, "LS-000001")
    assert back.meta == {"area": "x"} and back.dma is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"part": 0}, "part must be 1 or more"),
        ({"part": 2}, "needs rest_of and suspended"),
        ({"rest_of": "LS-000001"}, "needs rest_of and suspended"),
        ({"part": 2, "rest_of": "LS-000001"}, "needs rest_of and suspended"),
    ],
)
def test_a_part_without_its_links_is_refused(fields: dict[str, object], message: str) -> None:
    spec = survey().to_dict() | fields
    with pytest.raises(ValueError, match=message):
        field_job_from_dict(spec)


def test_a_connection_job_carries_its_application_calendar_and_water_on() -> None:
    """The steps of a connection and its follow-up visit name their application and the
    calendars their deadline was counted on as fields, the visit its water-on time; they go out
    with the job and come back, and nothing of them is left in ``meta``."""
    cal = WorkCalendar()
    app = ConnectionApplication("APP-0031", "pre_other", START, (114.35, 34.8), "Sun")
    case = open_connection(app, cal)
    done = dt.datetime(2026, 12, 28, 10, 0, 30)
    visit = follow_up_visit(app, done, cal)
    for job in (*case.jobs, visit):
        assert job.application == "APP-0031"
        assert isinstance(job.calendar, CalendarBasis)
        assert "application" not in job.meta and "calendar" not in job.meta
        assert "water_on" not in job.meta
        assert field_job_from_dict(job.to_dict()) == job
    assert case.jobs[0].calendar == case.deadline.calendar and case.jobs[0].water_on is None
    assert visit.water_on == done and visit.calendar is not None
    assert visit.calendar.status == "provisional" and visit.calendar.counts_on(2027)
    out = visit.to_dict()
    assert out["water_on"] == done.isoformat() and out["application"] == "APP-0031"
    assert out["calendar"] == visit.calendar.to_dict()


def test_a_connection_job_written_before_the_fields_finds_them_in_meta() -> None:
    """A job stored with ``application``, ``water_on`` and ``calendar`` as keys of its ``meta``
    (before migration 0017) reads them as its fields; the other keys stay in ``meta``."""
    app = ConnectionApplication("APP-0032", "pre_other", START, (114.35, 34.8), "Sun")
    visit = follow_up_visit(app, dt.datetime(2026, 12, 28, 10, 0), WorkCalendar())
    old = visit.to_dict()
    old["meta"] = {"connection_type": "pre_other"} | {
        k: old.pop(k) for k in ("application", "water_on", "calendar")
    }
    back = field_job_from_dict(old)
    assert back == visit and back.meta == {"connection_type": "pre_other"}
    assert (back.application, back.water_on, back.calendar) == (
        visit.application,
        visit.water_on,
        visit.calendar,
    )
