"""The user trial of the public page (/outages): what "is my address affected?" answers for the
demo's notice on Sihou Jie (P000590), which cuts off four houses there, names the area
龙亭二片区 and lists Madao Jie (马道街) as a street of reduced pressure only.

- a street of reduced pressure only is not cut off: the match says so (``verdict``);
- an area the notice names (龙亭, 龙亭二片区, Longting 2) finds the notice;
- a house number after the street (``sihou jie 440``, 寺后街440) narrows to that house;
- the English notice: the reason lower-case mid-sentence, the authority in English when the
  issuer's settings name it; the calendar's time zone without the DST of 1986–91.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from gis.isolation import Isolator
from ops.calendar import TZ
from ops.notices import Issuer, render_ical, render_text
from ops.notices.lookup import AffectedCustomer, customers_cut_off, find_affected
from ops.outages import Outage, publish, record_authority, shutdown_outage

NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
Notices = list[tuple[Outage, tuple[AffectedCustomer, ...]]]


@pytest.fixture(scope="module")
def notices(city_isolator: Isolator) -> Notices:
    start = NOW + dt.timedelta(days=3)
    outage = shutdown_outage(
        "OUT-P000590",
        "planned",
        ["P000590"],
        city_isolator,
        start,
        start + dt.timedelta(hours=6),
        NOW,
        reason="Valve replacement (tryout)",
        hotline="0371-00000000",
    )
    return [(outage, customers_cut_off(city_isolator, outage))]


def test_the_trial_notice_is_the_one_the_page_showed(notices: Notices) -> None:
    outage, customers = notices[0]
    c = outage.content
    assert c.streets == ("Sihou Jie",)
    assert c.reduced_pressure_streets == ("Madao Jie",)
    assert c.neighbourhoods == ("Longting 2",)
    assert c.zh("Longting 2") == "龙亭二片区"
    assert [cu.address for cu in customers] == [
        "No. 438 Sihou Jie",
        "No. 440 Sihou Jie",
        "No. 443 Sihou Jie",
        "No. 445 Sihou Jie",
    ]


@pytest.mark.parametrize("query", ["马道街", "Madao Jie", "madaojie", "开封市马道街"])
def test_a_street_of_reduced_pressure_only_is_not_cut_off(notices: Notices, query: str) -> None:
    (match,) = find_affected(query, notices)
    assert match.reduced_pressure == ("Madao Jie",)
    assert (match.addresses, match.names, match.streets, match.areas) == ((), (), (), ())
    assert match.verdict == "reduced_pressure"


@pytest.mark.parametrize("query", ["寺后街", "Sihou Jie"])
def test_a_street_cut_off_asks_for_the_house(notices: Notices, query: str) -> None:
    (match,) = find_affected(query, notices)
    assert match.streets == ("Sihou Jie",)
    assert len(match.addresses) == 4  # the street's houses cut off
    assert match.verdict == "cut_off"


@pytest.mark.parametrize(
    "query", ["龙亭", "龙亭二片区", "龙亭二", "Longting 2", "longting", "龙亭区", "开封市龙亭区"]
)
def test_an_area_the_notice_names_finds_it(notices: Notices, query: str) -> None:
    (match,) = find_affected(query, notices)
    assert match.outage.id == "OUT-P000590"
    assert match.areas == ("Longting 2",)
    assert match.verdict == "area"


@pytest.mark.parametrize("query", ["鼓楼二片区", "鼓楼区", "开封市龙亭区纬三路"])
def test_another_area_or_a_street_in_the_district_finds_nothing(
    notices: Notices, query: str
) -> None:
    assert find_affected(query, notices) == []


@pytest.mark.parametrize(
    "query",
    [
        "sihou jie 440",
        "Sihou Jie 440",
        "寺后街440",
        "寺后街440号",
        "No. 440 Sihou Jie",
        "440 sihou jie",
    ],
)
def test_a_house_number_after_the_street_narrows_to_that_house(
    notices: Notices, query: str
) -> None:
    (match,) = find_affected(query, notices)
    assert match.addresses == ("No. 440 Sihou Jie",), query
    assert match.addresses_zh == ("寺后街440号",), query
    assert match.streets == () and match.verdict == "cut_off"


@pytest.mark.parametrize("query", ["sihou jie 441", "寺后街441"])
def test_a_house_not_cut_off_on_that_street_is_not_affected(notices: Notices, query: str) -> None:
    assert find_affected(query, notices) == []


def test_a_street_with_no_house_numbers_in_the_data_still_answers_by_street(
    notices: Notices,
) -> None:
    # the notice's network gone (no customers): its streets still answer a numbered query
    outage = notices[0][0]
    (match,) = find_affected("sihou jie 440", [(outage, ())])
    assert match.streets == ("Sihou Jie",)
    assert match.verdict == "street"


def published(outage: Outage, authority: str = "开封市城市管理局") -> Outage:
    approved = record_authority(
        outage, "approval", authority, NOW, "d", NOW, "汴城管供〔2026〕12号"
    )
    return publish(approved, NOW)


def english_sentence(text: str) -> str:
    return next(line for line in text.splitlines() if "the water will be off" in line)


def test_the_english_notice_writes_the_reason_in_lower_case_mid_sentence(
    notices: Notices,
) -> None:
    text = render_text(published(notices[0][0]), "en")
    line = english_sentence(text)
    assert "because of valve replacement (tryout), the water" in line, line
    assert "Valve replacement" not in text


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("PRV replacement", "of PRV replacement,"),  # an acronym stays
        ("Sihou Jie main renewal", "of Sihou Jie main renewal,"),  # a street's name stays
        ("Replacing the main", "of replacing the main,"),
    ],
)
def test_a_reason_starting_with_a_name_keeps_its_capital(
    notices: Notices, reason: str, said: str
) -> None:
    outage = notices[0][0]
    outage = replace(
        outage, revisions=(replace(outage.latest, content=replace(outage.content, reason=reason)),)
    )
    assert said in english_sentence(render_text(published(outage), "en"))


def test_the_english_notice_names_the_authority_in_english_when_the_issuer_gives_it(
    notices: Notices,
) -> None:
    outage = published(notices[0][0])
    # none given: the Chinese name, as the approval document writes it, after a gloss
    line = english_sentence(render_text(outage, "en"))
    assert "the city's water-supply authority, 开封市城市管理局" in line
    issuer = Issuer(authorities_en=(("开封市城市管理局", "Kaifeng Urban Management Bureau"),))
    line = english_sentence(render_text(outage, "en", issuer))
    assert line.startswith(
        "With the approval of Kaifeng Urban Management Bureau (approval document "
        "汴城管供〔2026〕12号)"
    ), line
    assert "开封市城市管理局" not in line
    # another authority than the one named: its Chinese name still
    other = published(notices[0][0], "开封市水利局")
    assert "the city's water-supply authority, 开封市水利局" in render_text(other, "en", issuer)
    # the Chinese notice of record is unchanged
    assert "经开封市城市管理局批准" in render_text(outage, "zh", issuer)


def test_the_calendar_time_zone_has_no_daylight_saving(notices: Notices) -> None:
    from icalendar import Calendar

    outage = published(notices[0][0])
    for lang in ("zh", "en"):
        body = render_ical(outage, lang=lang)
        cal = Calendar.from_ical(body)
        (tz,) = cal.walk("VTIMEZONE")
        assert str(tz["tzid"]) == "Asia/Shanghai"
        assert tz.walk("DAYLIGHT") == []
        (standard,) = tz.walk("STANDARD")
        assert str(standard["tzoffsetto"].to_ical()) in ("+0800", "b'+0800'")
        assert "1986" not in body and "2038" not in body
        event = next(iter(cal.walk("VEVENT")))
        assert event.decoded("dtstart") == outage.content.start
        assert str(event["dtstart"].params["TZID"]) == "Asia/Shanghai"
        assert standard.decoded("dtstart").date() <= outage.content.start.date()
