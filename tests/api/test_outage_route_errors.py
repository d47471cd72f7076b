"""The outage routes raise domain errors (ops.errors) and api/app.py maps them to HTTP once:
the statuses and messages stay what they were (issue 15)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from tests.api.conftest import START, Service, make_service, planned_outage
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("outage-errors"))


def test_the_outage_routes_map_no_error_themselves() -> None:
    tree = ast.parse((ROOT / "api" / "routes" / "outages.py").read_text(encoding="utf-8"))
    raised = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "HTTPException"
    ]
    assert raised == [], f"api/routes/outages.py uses HTTPException at lines {raised}"


def test_a_shutdown_needs_pipes_or_a_point_not_both(svc: Service) -> None:
    svc.clock.now = START
    both = {"kind": "planned", "start": "2026-11-28T09:00", "end": "2026-11-28T15:00"}
    both |= {"reason_zh": "阀门更换", "pipes": ["P000100"], "lon": 114.36, "lat": 34.80}
    r = svc.post("/api/outages", json=both)
    assert r.status_code == 422
    assert r.json() == {
        "detail": "give pipes (ids), or lon and lat of a point",
        "code": "outage_where",
        "params": {},
    }


def test_a_draft_has_no_cap_message(svc: Service) -> None:
    svc.clock.now = START
    made = planned_outage(svc, START.replace(day=28), "P000100")
    assert made.status_code == 201, made.text
    r = svc.get(f"/api/outages/{made.json()['id']}/notice", params={"format": "cap"})
    assert r.status_code == 409  # ops.notices.cap's own refusal (NoticeStateError), no copy of it
    outage = made.json()["id"]
    assert r.json() == {
        "detail": f"outage {outage} is a draft: only published notices have CAP messages",
        "code": "notice_draft_no_cap",
        "params": {"outage": outage},
    }


def test_a_repair_outage_from_a_plan_that_is_not_there(svc: Service) -> None:
    repair = svc.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000300", "reported_at": "2026-11-26T08:00:00"},
    )
    assert repair.status_code == 201, repair.text
    ticket = repair.json()["ticket"]
    r = svc.post(f"/api/outages/from-repair/{ticket}", json={"plan_id": 99999})
    assert r.status_code == 409
    assert r.json() == {
        "detail": "plan 99999 does not exist or is not solved",
        "code": "plan_not_solved",
        "params": {"plan": 99999},
    }


def test_a_lookup_too_short_says_what_to_give(svc: Service) -> None:
    r = svc.client.get("/public/lookup", params={"q": "a"})
    assert r.status_code == 422  # ops.notices.lookup's InvalidRequest, mapped by api/app.py
    assert r.json() == {
        "detail": "give at least two letters or one character of the place",
        "code": "place_query_too_short",
        "params": {},
    }
