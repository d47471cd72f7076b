"""The service's outage answers carry the places a notice names (ops.places via
ops.outages.NoticeContent): the estates and units cut off, the streets' sections, the roads
bounding the area and the Chinese names. The response model (api.schemas.NoticeOut) declares
them, so ``/docs`` shows them and a client reading the answer by the schema keeps them
(issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.schemas import OutageOut
from gis.isolation import Isolator
from ops.outages import repair_outage
from tests.api.conftest import START, Service

PIPE = "P000100"  # a burst that cuts off named estates
PLACES = ("estates", "units", "sections", "bounds", "names_zh")


@pytest.mark.slow
@pytest.mark.usefixtures("clock_at_start")
def test_an_outage_from_a_repair_answers_with_its_places(service: Service, city: Isolator) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    body = {"severity": "burst", "pipe_id": PIPE, "reported_at": "2026-11-26T09:10:00"}
    r = service.post("/api/repairs", json=body)
    assert r.status_code == 201, r.text
    r = service.post(f"/api/outages/from-repair/{r.json()['ticket']}", json={})
    assert r.status_code == 201, r.text
    made = r.json()
    got = service.get(f"/api/outages/{made['id']}", "viewer")
    listed = service.get("/api/outages", "viewer")
    assert got.status_code == listed.status_code == 200
    (in_list,) = [o for o in listed.json() if o["id"] == made["id"]]
    # the places the library finds for the same break (they do not depend on the window)
    hour = dt.timedelta(hours=1)
    library = repair_outage("OUT-X", "burst", PIPE, START, START + hour, city, START, hotline="1")
    expected = {k: v for k, v in library.content.to_dict().items() if k in PLACES}
    assert expected["estates"] and expected["sections"] and expected["bounds"]
    for content in (
        made["content"],
        got.json()["content"],
        got.json()["revisions"][-1]["content"],
        in_list["content"],
    ):
        assert {k: content.get(k) for k in PLACES} == expected
    # read by the declared model, nothing of them is lost
    declared = OutageOut.model_validate(got.json()).content.model_dump(by_alias=True)
    assert {k: declared.get(k) for k in PLACES} == expected
    schema = service.get("/openapi.json", "viewer").json()["components"]["schemas"]
    assert set(PLACES) <= set(schema["NoticeOut"]["properties"])
