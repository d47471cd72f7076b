"""A notice's revisions and a valve's status history are sent with the key and params of the
notes ops writes (``words``, as a job's history entries are: issue 18 point 5), so the console
words "extended to …" and "exercise: stuck" in its language; a dispatcher's or an engineer's
own note has none. Real SQLite, through the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.schemas import OutageOut
from tests.api.conftest import START, Service, make_service, planned_outage, publish


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", Path(tmp_path_factory.mktemp("notice-words")))


def test_a_notices_revisions_carry_their_words(svc: Service) -> None:
    svc.clock.now = START
    start = (START + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    r = planned_outage(svc, start, "P000590")
    assert r.status_code == 201, r.text
    path = f"/api/outages/{r.json()['id']}"
    r = publish(svc, f"{path}/publish", r.headers["etag"])
    assert r.status_code == 200, r.text
    end = start + dt.timedelta(hours=8)
    r = svc.post(
        f"{path}/update", json={"end": end.isoformat()}, headers={"If-Match": r.headers["etag"]}
    )
    assert r.status_code == 200, r.text
    r = svc.post(
        f"{path}/update",
        json={"note": "the contractor needs longer"},
        headers={"If-Match": r.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    body = svc.get(path).json()
    OutageOut.model_validate(body)
    assert [(v["note"], v["words"]) for v in body["revisions"]] == [
        ("created", {"key": "notice_created", "params": {}}),
        ("published", {"key": "notice_published", "params": {}}),
        (
            f"extended to {end:%Y-%m-%d %H:%M}",
            {"key": "notice_extended", "params": {"end": f"{end:%Y-%m-%d %H:%M}"}},
        ),
        ("the contractor needs longer", None),
    ]


def test_a_valves_history_carries_the_words_of_the_services_notes(svc: Service) -> None:
    first = svc.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    valve = first["valves_to_close"][0]["id"]
    r = svc.post(f"/api/networks/1/valves/{valve}/exercise", json={"result": "stuck"})
    assert r.status_code == 200, r.text
    r = svc.put(
        f"/api/networks/1/valves/{valve}/status",
        "engineer",
        json={"operable": True, "note": "repaired: new spindle"},
    )
    assert r.status_code == 200, r.text
    history = svc.get(f"/api/networks/1/valves/{valve}").json()["history"]
    assert [(h["note"], h["words"]) for h in history] == [
        ("exercise: stuck", {"key": "exercise", "params": {"result": "stuck"}}),
        ("repaired: new spindle", None),
    ]
