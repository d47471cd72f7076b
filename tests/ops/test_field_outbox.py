"""When a crew's phone's summary of the reports it holds is news for the dispatcher
(ops.field.outbox_news, issue 18)."""

from __future__ import annotations

import datetime as dt

from ops.calendar import TZ
from ops.field import OutboxSummary, ReportKind, outbox_news

MADE = dt.datetime(2026, 11, 26, 9, 12, tzinfo=TZ)


def held(n: int = 2, status: int | None = 503, network: bool = False) -> OutboxSummary:
    error = {"status": status, "detail": "unavailable", "network": network}
    return OutboxSummary("valve-01", n, MADE, "J1", ReportKind.PHOTO, error)


def test_held_reports_are_news_once_and_their_end_too() -> None:
    nothing = OutboxSummary("valve-01", 0)
    assert not outbox_news(None, nothing)  # never held anything
    assert outbox_news(None, held())
    assert not outbox_news(held(), held())  # tried again, same error: told already
    assert not outbox_news(held(), OutboxSummary.from_dict(held().to_dict()))  # as stored
    assert outbox_news(held(), held(3))  # another one held
    assert outbox_news(held(), held(status=None, network=True))  # another error
    assert outbox_news(held(), nothing)  # all went: the console clears the line
    assert not outbox_news(nothing, nothing)
    # the detail's words alone are no news (a proxy's page may differ at each try)
    other = OutboxSummary(
        "valve-01", 2, MADE, "J1", ReportKind.PHOTO, {"status": 503, "detail": "x"}
    )
    assert not outbox_news(held(), other)
