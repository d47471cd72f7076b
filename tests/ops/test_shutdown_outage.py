"""``ops.outages.shutdown_outage``: pipes and a window to a draft outage (the one composition
the CLI and the service share), on the sample city."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.isolation import Isolator, surroundings
from ops.calendar import TZ
from ops.errors import InvalidRequest
from ops.outages import NoticeState, OutageKind, notice_content, shutdown_outage

START = dt.datetime(2026, 11, 28, 9, 0)
END = dt.datetime(2026, 11, 28, 15, 0)
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


def test_a_shutdown_outage_is_the_notice_of_its_isolation(city_isolator: Isolator) -> None:
    outage = shutdown_outage(
        "OUT-9",
        "planned",
        ["P000100"],
        city_isolator,
        START,
        END,
        NOW,
        reason=" valve replacement ",
        reason_zh=" 阀门更换 ",
        failed_valves=["V001781", "V000123", "V001781"],
        hotline="12345",
        source="works-7",
    )
    assert (outage.id, outage.kind, outage.state) == (
        "OUT-9",
        OutageKind.PLANNED,
        NoticeState.DRAFT,
    )
    assert outage.source == "works-7"
    plan = city_isolator.isolate(["P000100"], ["V000123", "V001781"])
    expected = notice_content(
        plan,
        START.replace(tzinfo=TZ),
        END.replace(tzinfo=TZ),
        "valve replacement",
        surroundings=surroundings(city_isolator, plan),
        hotline="12345",
        failed_valves=["V000123", "V001781"],
        reason_zh="阀门更换",
        isolator=city_isolator,
    )
    assert outage.content == expected
    assert outage.content.customers_total == plan.customers.total > 0
    assert outage.content.start.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize("reason, reason_zh", [("", None), ("  ", "  ")])
def test_a_shutdown_outage_needs_a_reason(
    city_isolator: Isolator, reason: str, reason_zh: str | None
) -> None:
    with pytest.raises(InvalidRequest, match="reason_zh"):
        shutdown_outage(
            "OUT-9",
            "emergency",
            ["P000100"],
            city_isolator,
            START,
            END,
            NOW,
            reason=reason,
            reason_zh=reason_zh,
            hotline="12345",
        )
