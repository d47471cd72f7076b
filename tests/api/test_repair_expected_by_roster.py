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
    # valve-03 and repair-01 are on call: called at home (45 min), then the drive; not 03:40
    assert _start(answer) == dt.datetime(2026, 12, 8, 4, 5)
    assert service.get(f"/api/repairs/{answer['ticket']}").json()["expected_basis"] == "roster"
    # the day with nobody on call: the first shift, 08:00 and the drive
    for crew in ("valve-03", "repair-01", "tanker-01"):
        off = service.put(f"/api/crews/{crew}/shifts/{DAY}", json={"on_call": False})
        assert off.status_code in (200, 201), off.text
    try:
        later = service.post("/api/repairs", json={**night, "second_break": True})
        assert later.status_code == 201, later.text
        assert later.json()["expected_basis"] == "roster"
        assert _start(later.json()) == dt.datetime(2026, 12, 8, 8, 10)
    finally:
        for crew in ("valve-03", "repair-01", "tanker-01"):
            service.client.delete(
                f"/api/crews/{crew}/shifts/{DAY}", headers=service.auth("dispatcher")
            )
