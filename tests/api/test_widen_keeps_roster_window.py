"""A repair widened in the field (a valve found inoperable, api/routes/field.py →
ops.field.widen_repair) keeps the expected outage the roster allows: the ticket is rebuilt with
the service's roster and calendar as POST /api/repairs builds it, so a 03:10 burst stays
expected from the on-call crews' arrival (``expected_basis`` roster), not the nominal 03:40."""

from __future__ import annotations

import datetime as dt
import uuid

from ops.calendar import TZ
from tests.api.conftest import Service

NIGHT = dt.datetime(2026, 12, 8, 3, 10, tzinfo=TZ)  # a Tuesday, valve-03 and repair-01 on call
CREW = "valve-03"


def _start(answer: dict[str, object]) -> dt.datetime:
    window = answer["expected_window"]
    assert isinstance(window, list)
    return dt.datetime.fromisoformat(window[0]).replace(tzinfo=None)


def _crew_auth(service: Service) -> dict[str, str]:
    r = service.client.post(
        "/api/auth/token", data={"username": f"crew-{CREW}", "password": "waterops-demo"}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_widened_repair_keeps_the_roster_window(service: Service, clock_at_start: None) -> None:
    service.clock.now = NIGHT
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000590", "reported_at": NIGHT.isoformat()},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["expected_basis"] == "roster"
    by_roster = _start(case)
    # called out (45 min), then the drive from the depot to the nearest valve, by the roads
    assert dt.datetime(2026, 12, 8, 3, 55) < by_roster < dt.datetime(2026, 12, 8, 4, 5)
    job = next(j["id"] for j in case["jobs"] if j["kind"] == "valve closure")
    etag = service.get(f"/api/jobs/{job}").headers["etag"]
    r = service.post(
        f"/api/jobs/{job}/status",
        json={"status": "assigned", "crew": CREW},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text

    service.clock.now = NIGHT + dt.timedelta(minutes=60)
    r = service.client.post(
        "/api/field/reports",
        json={
            "id": str(uuid.uuid4()),
            "job": job,
            "kind": "valve_inoperable",
            "made_at": (NIGHT + dt.timedelta(minutes=58)).isoformat(),
            "note": "spindle seized",
        },
        headers=_crew_auth(service),
    )
    assert r.status_code == 201, r.text
    assert r.json()["widened"]["added_valves"]
    widened = service.get(f"/api/repairs/{case['ticket']}").json()
    assert widened["widened"], "the ticket was rebuilt around the failed valve"
    assert widened["expected_basis"] == "roster"
    assert _start(widened) >= by_roster  # not back to the nominal 03:40
