"""The user trial's night burst (item 1): at 03:12 on 8 December 2026 a burst on P000590,
reported at 03:10, cut off 4 customers and the plan shut the water 03:58–08:55, but no notice was
drafted; the one drafted by hand offered the planned notice's 9 December 09:00 and was published
as an emergency a day late without a word. Now the ticket drafts its emergency notice over its
expected window, a solved plan moves the draft's window, the draft form's window comes from ops
by kind and clock, and an emergency that starts hours away is published only when acknowledged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ops.calendar import TZ
from tests.api.conftest import Service, wait_for_plan

DAY = "2026-12-08"
NIGHT = dt.datetime(2026, 12, 8, 3, 12, tzinfo=TZ)
BURST = {"severity": "burst", "pipe_id": "P000590", "reported_at": f"{DAY}T03:10:00+08:00"}


def _minutes(at: str) -> str:
    return at[:16]


def _burst(service: Service) -> dict[str, Any]:
    service.clock.now = NIGHT
    r = service.post("/api/repairs", json={**BURST, "second_break": True})
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_a_burst_ticket_drafts_its_emergency_notice_over_its_expected_window(
    service: Service,
) -> None:
    ticket = _burst(service)
    notice = ticket["notice"]
    assert notice is not None, "no notice drafted with the ticket"
    assert (notice["kind"], notice["state"]) == ("emergency", "draft")
    # the ticket's window: ops.emergency.first_arrival's start (on-call crews, at night), not
    # the planned notice's next-day 09:00
    assert [_minutes(notice["start"]), _minutes(notice["end"])] == [
        _minutes(x) for x in ticket["expected_window"]
    ]
    assert notice["start"].startswith(f"{DAY}T0")
    outage = service.get(f"/api/outages/{notice['id']}").json()
    assert outage["source"] == ticket["ticket"] and outage["state"] == "draft"
    content = outage["content"]
    assert content["breaks"] == ["P000590"]
    assert content["customers"]["total"] == ticket["customers_cut_off"] > 0
    zh = service.get(f"/api/outages/{notice['id']}/notice?format=zh").text
    assert "紧急停水" in zh and "2026年12月8日" in zh and "12月9日" not in zh
    # a draft: the public sees it once the dispatcher publishes it
    assert notice["id"] not in [n["id"] for n in service.get("/public/notices").json()]


def test_a_planned_repair_drafts_no_notice_with_its_ticket(service: Service) -> None:
    service.clock.now = NIGHT
    body = {**BURST, "severity": "minor_leak", "pipe_id": "P000300", "second_break": True}
    r = service.post("/api/repairs", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["notice"] is None
    drafts = [o for o in service.get("/api/outages").json() if o["source"] == r.json()["ticket"]]
    assert drafts == []


def test_the_draft_forms_window_is_by_kind_and_clock(service: Service) -> None:
    service.clock.now = NIGHT
    emergency = service.get("/api/outages/default-window?kind=emergency").json()
    assert (_minutes(emergency["start"]), _minutes(emergency["end"])) == (
        f"{DAY}T03:15",
        f"{DAY}T09:15",
    )
    planned = service.get("/api/outages/default-window?kind=planned").json()
    assert _minutes(planned["start"]) == "2026-12-09T09:00" and planned["basis"] == "lead"
    # an isolation studied at 07:00 for 4 h: the first 07:00 its lead allows
    at_seven = service.get("/api/outages/default-window?kind=planned&hour=7&hours=4").json()
    assert (_minutes(at_seven["start"]), _minutes(at_seven["end"])) == (
        "2026-12-09T07:00",
        "2026-12-09T11:00",
    )
    ticket = _burst(service)
    got = service.get(f"/api/outages/default-window?kind=emergency&ticket={ticket['ticket']}")
    assert got.status_code == 200, got.text
    window = got.json()
    assert window["basis"] == "ticket"
    assert [_minutes(window["start"]), _minutes(window["end"])] == [
        _minutes(x) for x in ticket["expected_window"]
    ]


def test_an_emergency_published_a_day_late_is_asked_about(service: Service) -> None:
    service.clock.now = NIGHT
    body = {
        "kind": "emergency",
        "start": "2026-12-09T09:00:00+08:00",  # the planned form's default, kind switched
        "end": "2026-12-09T15:00:00+08:00",
        "reason_zh": "供水管道爆管抢修",
        "pipes": ["P000590"],
        "hydraulic": False,
    }
    made = service.post("/api/outages", json=body)
    assert made.status_code == 201, made.text
    path = f"/api/outages/{made.json()['id']}/publish"
    etag = made.headers["etag"]
    refused = service.post(path, json={}, headers={"If-Match": etag})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "emergency_starts_late"
    assert refused.json()["params"]["start"] == "2026-12-09T09:00"
    assert service.get(path.removesuffix("/publish")).json()["state"] == "draft"
    done = service.post(path, json={"acknowledge_late_start": True}, headers={"If-Match": etag})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "published"


def test_the_draft_takes_the_window_of_the_solved_plan(service: Service) -> None:
    ticket = _burst(service)
    notice = ticket["notice"]
    made = service.post("/api/plans", json={"day": DAY, "now": f"{DAY}T03:10:00", "seconds": 3})
    assert made.status_code == 202, made.text
    plan = wait_for_plan(service, made.json()["id"])
    assert plan["status"] == "ready", plan
    window = plan["result"]["outage_windows"][ticket["ticket"]]
    assert window["scheduled"], window
    outage = service.get(f"/api/outages/{notice['id']}")
    moved = service.post(
        f"/api/outages/{notice['id']}/follow-plan",
        json={"plan_id": plan["id"]},
        headers={"If-Match": outage.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    content = moved.json()["content"]
    assert (content["start"][:16], content["end"][:16]) == (
        window["start"][:16],
        window["end"][:16],
    )
    assert moved.json()["state"] == "draft"
    print("ticket", ticket["expected_window"], "plan", window["start"], window["end"])


def test_a_cancelled_ticket_takes_its_draft_notice_with_it(service: Service) -> None:
    """A false alarm: the ticket is cancelled and its draft, which told nobody, goes with it;
    a published notice of a ticket is left for the dispatcher to call off publicly."""
    ticket = _burst(service)
    draft = ticket["notice"]["id"]
    kept = _burst(service)
    published = kept["notice"]["id"]
    etag = service.get(f"/api/outages/{published}").headers["etag"]
    done = service.post(f"/api/outages/{published}/publish", json={}, headers={"If-Match": etag})
    assert done.status_code == 200, done.text
    for made, notice in ((ticket, draft), (kept, published)):
        r = service.post(f"/api/repairs/{made['ticket']}/cancel", json={"reason": "false alarm"})
        assert r.status_code == 200, r.text
        assert r.json()["cancelled_notices"] == ([draft] if notice == draft else [])
    gone = service.get(f"/api/outages/{draft}").json()
    assert gone["state"] == "cancelled"
    note = gone["revisions"][-1]["note"]
    assert note == f"repair ticket {ticket['ticket']} cancelled: false alarm"
    assert service.get(f"/api/outages/{published}").json()["state"] == "published"
