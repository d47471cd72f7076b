"""Planned outages (api/routes/outages.py): lifecycle, revisions and
overlaps, end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import datetime as dt

import pytest

from api.schemas import OverlapOut
from gis.isolation import Isolator, combined_shutdown
from tests.api.conftest import APPROVAL, START, Service, planned_outage, publish

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


def test_outage_lifecycle(service: Service) -> None:
    service.clock.now = START
    soon = planned_outage(service, START + dt.timedelta(hours=10), "P000300")
    assert soon.status_code == 201
    r = publish(service, f"/api/outages/{soon.json()['id']}/publish", soon.headers["etag"])
    assert r.status_code == 422 and "24 h" in r.json()["detail"]
    # move it two days out (draft edit), then publish twice with one key: one revision
    edit = service.post(
        f"/api/outages/{soon.json()['id']}/update",
        json={
            "start": (START + dt.timedelta(days=2)).isoformat(),
            "end": (START + dt.timedelta(days=2, hours=6)).isoformat(),
        },
        headers={"If-Match": soon.headers["etag"]},
    )
    assert edit.status_code == 200, edit.text
    url = f"/api/outages/{soon.json()['id']}/publish"
    headers = {"If-Match": edit.headers["etag"], "Idempotency-Key": "pub-300"}
    a = service.post(url, json={"approval": APPROVAL}, headers=headers)
    b = service.post(url, json={"approval": APPROVAL}, headers=headers)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()
    assert len(service.get(f"/api/outages/{soon.json()['id']}").json()["revisions"]) == 3
    # a stale write is refused
    stale = service.post(
        f"/api/outages/{soon.json()['id']}/update",
        json={"end": (START + dt.timedelta(days=2, hours=8)).isoformat()},
        headers={"If-Match": edit.headers["etag"]},
    )
    assert stale.status_code == 412
    # extend, then restore
    etag = service.get(f"/api/outages/{soon.json()['id']}").headers["etag"]
    ext = service.post(
        f"/api/outages/{soon.json()['id']}/update",
        json={"end": (START + dt.timedelta(days=2, hours=8)).isoformat()},
        headers={"If-Match": etag},
    )
    assert ext.status_code == 200 and ext.json()["state"] == "updated"
    assert ext.json()["revisions"][-1]["note"].startswith("extended")
    service.clock.now = START + dt.timedelta(days=2, hours=7)
    ahead = service.post(
        f"/api/outages/{soon.json()['id']}/restore",
        json={"at": (service.clock.now + dt.timedelta(hours=3)).isoformat()},
        headers={"If-Match": ext.headers["etag"]},
    )
    assert ahead.status_code == 422 and "still to come" in ahead.json()["detail"]
    rest = service.post(
        f"/api/outages/{soon.json()['id']}/restore",
        json={},
        headers={"If-Match": ext.headers["etag"]},
    )
    assert rest.status_code == 200 and rest.json()["state"] == "restored"
    late = service.post(
        f"/api/outages/{soon.json()['id']}/cancel",
        json={"reason": "x"},
        headers={"If-Match": rest.headers["etag"]},
    )
    assert late.status_code == 409
    cap = service.client.get(f"/public/notices/{soon.json()['id']}.cap").text
    assert "<msgType>Update</msgType>" in cap and "AllClear" in cap
    service.clock.now = START


def test_overlapping_planned_outages_need_acknowledging(service: Service, city: Isolator) -> None:
    service.clock.now = START
    start = START + dt.timedelta(days=3)
    # two neighbouring pipes whose shutdowns interact: the two sides of one valve segment's
    # neighbours; find a pair the library flags
    pair = None
    for a, b in [("P000100", "P000101"), ("P000590", "P000591"), ("P000153", "P000154")]:
        if combined_shutdown(city, [[a], [b]]).extra_customers.total or set(
            city.isolate(a).isolated_pipes
        ) & set(city.isolate(b).isolated_pipes):
            pair = (a, b)
            break
    assert pair is not None
    first = planned_outage(service, start, pair[0])
    assert (
        publish(
            service, f"/api/outages/{first.json()['id']}/publish", first.headers["etag"]
        ).status_code
        == 200
    )
    second = planned_outage(service, start + dt.timedelta(hours=1), pair[1])
    overlaps = service.get(f"/api/outages/{second.json()['id']}/overlaps").json()
    assert [o["other"] for o in overlaps] == [first.json()["id"]]
    for overlap in overlaps:  # the declared answer (api/schemas.py), every field of it
        assert set(OverlapOut.model_validate(overlap).model_fields_set) == set(
            OverlapOut.model_fields
        )
    r = publish(service, f"/api/outages/{second.json()['id']}/publish", second.headers["etag"])
    assert r.status_code == 409 and r.json()["overlaps"][0]["other"] == first.json()["id"]
    r = publish(
        service,
        f"/api/outages/{second.json()['id']}/publish",
        second.headers["etag"],
        acknowledge_overlaps=True,
    )
    assert r.status_code == 200
