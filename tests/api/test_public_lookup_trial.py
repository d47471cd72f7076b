"""The user trial of the public page, through the service on the sample city: the demo's
notice on Sihou Jie (P000590) names the area 龙亭二片区 and lists Madao Jie (马道街) as a street
of reduced pressure only. ``/public/lookup`` says what each match means (``verdict``), finds the
area and narrows ``sihou jie 440`` to that house; the English notice names the authority by the
English name the settings give; the calendar's time zone has no daylight saving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from icalendar import Calendar

from tests.api.conftest import START, Service, make_service, publish

pytestmark = pytest.mark.slow

AUTHORITY_EN = "Kaifeng Urban Management Bureau"


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(
        "sqlite",
        tmp_path_factory.mktemp("public-trial"),
        authority_names_en=f"开封市水利局=Kaifeng Water Bureau; 开封市城市管理局={AUTHORITY_EN}",
    )


@pytest.fixture(scope="module")
def notice(svc: Service) -> dict[str, Any]:
    svc.clock.now = START
    start = START + dt.timedelta(days=3)
    made = svc.post(
        "/api/outages",
        json={
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=6)).isoformat(),
            "reason": "Valve replacement (tryout)",
            "reason_zh": "阀门更换（试运行）",
            "pipes": ["P000590"],
        },
    )
    assert made.status_code == 201, made.text
    done = publish(svc, f"/api/outages/{made.json()['id']}/publish", made.headers["etag"])
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    assert body["content"]["reduced_pressure_streets"] == ["Madao Jie"]
    return body


def lookup(svc: Service, q: str) -> list[dict[str, Any]]:
    r = svc.client.get("/public/lookup", params={"q": q})
    assert r.status_code == 200, r.text
    notices: list[dict[str, Any]] = r.json()["notices"]
    return notices


@pytest.mark.parametrize(
    ("query", "verdict", "field", "found"),
    [
        ("马道街", "reduced_pressure", "reduced_pressure", ["Madao Jie"]),
        ("Madao Jie", "reduced_pressure", "reduced_pressure", ["Madao Jie"]),
        ("寺后街", "cut_off", "streets", ["Sihou Jie"]),
        ("龙亭", "area", "areas", ["Longting 2"]),
        ("龙亭二片区", "area", "areas", ["Longting 2"]),
        ("sihou jie 440", "cut_off", "addresses", ["No. 440 Sihou Jie"]),
        ("寺后街440号", "cut_off", "addresses", ["No. 440 Sihou Jie"]),
    ],
)
def test_the_lookup_says_what_the_notice_means_for_the_place(
    svc: Service, notice: dict[str, Any], query: str, verdict: str, field: str, found: list[str]
) -> None:
    (match,) = lookup(svc, query)
    assert match["id"] == notice["id"]
    assert match["verdict"] == verdict, match
    assert match[field] == found, match
    if verdict == "reduced_pressure":
        assert match["streets"] == match["addresses"] == match["areas"] == []


def test_the_english_notice_names_the_authority_in_english(
    svc: Service, notice: dict[str, Any]
) -> None:
    en = svc.client.get(f"/public/notices/{notice['id']}.txt", params={"lang": "en"})
    assert en.status_code == 200, en.text
    assert (
        f"With the approval of {AUTHORITY_EN} (approval document 汴城管供〔2026〕12号)" in en.text
    )
    assert "because of valve replacement (tryout)" in en.text
    zh = svc.client.get(f"/public/notices/{notice['id']}.txt").text
    assert "经开封市城市管理局批准" in zh  # the notice of record keeps the document's name


def test_the_calendar_parses_and_has_no_daylight_saving(
    svc: Service, notice: dict[str, Any]
) -> None:
    r = svc.client.get(f"/public/notices/{notice['id']}.ics")
    assert r.status_code == 200, r.text
    cal = Calendar.from_ical(r.text)
    (tz,) = cal.walk("VTIMEZONE")
    assert tz.walk("DAYLIGHT") == [] and len(tz.walk("STANDARD")) == 1
    assert "2038" not in r.text
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart").isoformat(timespec="minutes") == notice["content"]["start"]
