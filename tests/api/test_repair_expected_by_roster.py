"""POST /api/repairs answers the expected outage the roster allows: a 03:10 burst is closed
after the on-call crews' call-out, or at the first shift when the day has nobody on call
(``expected_basis``: roster; ops.emergency.first_arrival)."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import Service

DAY = "2026-12-08"  # a Tuesday


def _start(answer: dict[str, object]) -> dt.datetime:
    window = answer["expected_window"]
    assert isinstance(window, list)
    return dt.datetime.fromisoformat(window[0]).replace(tzinfo=None)


def test_the_repair_ticket_window_follows_the_roster(service: Service) -> None:
    night = {"severity": "burst", "pipe_id": "P000590", "reported_at": f"{DAY}T03:10:00+08:00"}
    called = service.post("/api/repairs", json=night)
    assert called.status_code == 201, called.text
    answer = called.json()
    assert answer["expected_basis"] == "roster"
    # valve-03 and repair-01 are on call: called at home (45 min), then the planner's drive
    # from the depot to the nearest valve (the sample city's roads); not 03:40, nor a flat
    # 10 minutes (04:05)
    assert dt.datetime(2026, 12, 8, 3, 55) < _start(answer) < dt.datetime(2026, 12, 8, 4, 5)
    assert "min drive from its depot" in " ".join(answer["notes"])
    assert service.get(f"/api/repairs/{answer['ticket']}").json()["expected_basis"] == "roster"
    # the day with nobody on call: the first shift, 08:00 and the drive
    for crew in ("valve-03", "repair-01", "tanker-01"):
        off = service.put(f"/api/crews/{crew}/shifts/{DAY}", json={"on_call": False})
        assert off.status_code in (200, 201), off.text
    try:
        later = service.post("/api/repairs", json={**night, "second_break": True})
        assert later.status_code == 201, later.text
        assert later.json()["expected_basis"] == "roster"
        # the 08:00 shift and the drive from the depot
        assert dt.datetime(2026, 12, 8, 8) < _start(later.json()) < dt.datetime(2026, 12, 8, 8, 10)
    finally:
        for crew in ("valve-03", "repair-01", "tanker-01"):
            service.client.delete(
                f"/api/crews/{crew}/shifts/{DAY}", headers=service.auth("dispatcher")
            )


def test_a_crew_at_work_comes_from_where_its_phone_last_was(service: Service) -> None:
    """By day the crews at work leave their jobs: with no position known the window starts
    30 min after the report (an estimate, ``roster_estimated_drive``); once a valve crew's
    phone shared its position near the burst, its drive from there (``roster``)."""
    ten = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    body = {"severity": "burst", "pipe_id": "P000300", "reported_at": ten.isoformat()}
    blind = service.post("/api/repairs", json={**body, "second_break": True})
    assert blind.status_code == 201, blind.text
    assert blind.json()["expected_basis"] == "roster_estimated_drive"
    assert _start(blind.json()) == dt.datetime(2026, 12, 8, 10, 30)
    before = service.clock.now
    service.clock.now = ten - dt.timedelta(minutes=5)
    try:
        token = service.client.post(
            "/api/auth/token", data={"username": "crew-valve-02", "password": "waterops-demo"}
        ).json()["access_token"]
        valve = next(j for j in blind.json()["jobs"] if j["step"] == "close")
        near = {"lon": valve["location"][0] + 0.002, "lat": valve["location"][1]}  # ~180 m
        shared = service.client.post(
            "/api/field/position", json=near, headers={"Authorization": f"Bearer {token}"}
        )
        assert shared.status_code == 204, shared.text
        seen = service.post("/api/repairs", json={**body, "second_break": True})
    finally:
        service.clock.now = before
    assert seen.status_code == 201, seen.text
    assert seen.json()["expected_basis"] == "roster"
    # it leaves its job safe (10 min), then the short drive: before the 30 min estimate
    start = _start(seen.json())
    assert dt.datetime(2026, 12, 8, 10, 10) <= start < dt.datetime(2026, 12, 8, 10, 20)
    assert "valve-02, at work" in " ".join(seen.json()["notes"])
