"""A kept isolation answer is given without FastAPI parsing the query again (issue 15).

The isolation route declares twelve query parameters (the hydraulic ones came with issue 17);
FastAPI re-inspects every declared parameter's annotation on every request, about sixty Python
calls each, which made a kept answer cost a third more than at 49d786d (benchmarks/README.md,
api_load). A query asked again with the same path and query string is answered from the kept
answers of the network's state before that; the sign-in is checked all the same. What is
counted here is which functions run, not time."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from fastapi.dependencies import utils as fastapi_utils

from tests.api.conftest import Service, make_service

QUERY = {"pipe": "P000590"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("kept-answers"))


def _calls_while(service: Service, ask: Any) -> tuple[Any, int]:
    """``ask()``'s result and how often FastAPI solved a request's parameters meanwhile, in the
    thread the app runs in (the test client's event loop)."""
    solved = {
        fastapi_utils.solve_dependencies.__code__,
        fastapi_utils.request_params_to_args.__code__,
    }
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call" and frame.f_code in solved:
            count += 1

    portal = service.client.portal
    assert portal is not None
    portal.call(sys.setprofile, profile)
    try:
        result = ask()
    finally:
        portal.call(sys.setprofile, None)
    return result, count


def test_a_query_asked_again_is_answered_without_parsing_its_parameters(
    service: Service,
) -> None:
    first, parsed = _calls_while(
        service, lambda: service.get("/api/networks/1/isolation", params=QUERY)
    )
    assert first.status_code == 200 and parsed > 0  # the first time: the full route
    again, parsed = _calls_while(
        service, lambda: service.get("/api/networks/1/isolation", params=QUERY)
    )
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert parsed == 0
    # the same question written otherwise is the same kept answer, through the full route once
    other = service.get("/api/networks/1/isolation", params={**QUERY, "area": "true"})
    assert other.content == first.content


def test_a_kept_answer_still_needs_a_sign_in(service: Service) -> None:
    assert service.get("/api/networks/1/isolation", params=QUERY).status_code == 200
    path = "/api/networks/1/isolation?pipe=P000590"
    nobody = service.client.get(path)
    assert nobody.status_code == 401
    assert nobody.headers["www-authenticate"] == "Bearer"
    forged = service.client.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401
    assert "not valid" in forged.json()["detail"]


def test_a_kept_answer_follows_a_valve_report(service: Service, tmp_path: Path) -> None:
    first = service.get("/api/networks/1/isolation", params=QUERY).json()
    valve = first["valves_to_close"][0]["id"]
    assert service.get("/api/networks/1/isolation", params=QUERY).json() == first
    r = service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": False})
    assert r.status_code == 200
    worse = service.get("/api/networks/1/isolation", params=QUERY).json()
    assert valve in [v["id"] for v in worse["bypassed_valves"]]
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": True})
    assert service.get("/api/networks/1/isolation", params=QUERY).json() == first


def test_a_service_without_jobs_runs_no_job_threads(service: Service) -> None:
    """The background hydraulic jobs (api/jobs.py) start their threads with the first job:
    a service answering isolation queries runs neither the worker nor the heartbeat."""
    for pipe in ("P000590", "P000591", "P000590"):
        r = service.get("/api/networks/1/isolation", params={"pipe": pipe})
        assert r.status_code == 200
    names = {thread.name for thread in threading.enumerate()}
    assert not names & {"hydraulic-jobs", "job-beat"}


def test_a_kept_answer_is_refused_to_a_crews_account(service: Service) -> None:
    """A crew's account uses the field app only (api.deps.current_user): a query another user
    had answered is refused to it too."""
    body = {"username": "crew.kept", "password": "field-pass-1", "role": "crew", "crew": "valve-02"}
    assert service.post("/api/users", "admin", json=body).status_code == 201
    token = service.client.post(
        "/api/auth/token", data={"username": body["username"], "password": body["password"]}
    ).json()["access_token"]
    assert service.get("/api/networks/1/isolation", params=QUERY).status_code == 200
    for _ in range(2):
        r = service.client.get(
            "/api/networks/1/isolation?pipe=P000590", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 403 and "field app" in r.json()["detail"]
