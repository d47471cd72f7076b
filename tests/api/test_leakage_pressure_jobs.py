"""Pressure management of a stored leakage analysis through the service (api/routes/leakage.py):
POST starts a background job (202), GET polls its progress, the result is stored by inputs and
a repeated POST answers it (200) without a second run. Real files, real EPANET, SQLite.

Kept short: one DMA, and a service pressure above what the sample city's critical points have
(no PRV search: one EPANET day of the city); the PRV search itself is tested in
tests/ops/test_pressure_management.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from sample_data.leakage import generate
from tests.api.conftest import Service, make_service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-pressure"))


@pytest.fixture(scope="module")
def analysis(service: Service, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("leak")
    generate(folder, seed=2022, days=28)
    names = ("meters", "flows", "billing", "pressure")
    files = {n: (f"{n}.csv", (folder / f"{n}.csv").read_bytes(), "text/csv") for n in names}
    r = service.post("/api/leakage/analyses", "engineer", files=files)
    assert r.status_code == 201, r.text
    return dict(r.json())


def wait(service: Service, url: str, timeout: float = 120.0) -> dict[str, Any]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = service.get(url, "viewer")
        assert r.status_code == 200, r.text
        body = dict(r.json())
        seen.append(body["state"])
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"the job did not finish in {timeout} s: {seen[-5:]}")


def test_pressure_management_runs_in_the_background_and_is_stored(
    service: Service, analysis: dict[str, Any]
) -> None:
    url = f"/api/leakage/analyses/{analysis['id']}/pressure-management"
    never = service.get(url, "viewer").json()  # not run yet: says POST starts it
    assert never["state"] == "none" and "POST" in never["hint"]
    body = {"service_pressure_mpa": 0.5, "dmas": ["DMA-08"]}
    assert service.post(url, "viewer", json=body).status_code == 403
    bad = service.post(url, json={"dmas": ["DMA-99"]})
    assert bad.status_code == 422 and "DMA-08" in bad.json()["detail"]

    started = service.post(url, json=body)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] in ("queued", "running", "done") and started.headers["location"] == url
    assert service.post(url, json=body).json()["job"] == job["job"]  # the same run, not two

    done = wait(service, url)
    assert done["state"] == "done", done["error"]
    assert done["progress"] == {"done": 1, "total": 1, "dma": "DMA-08"}
    (row,) = done["pressure_management"]
    assert row["dma"] == "DMA-08" and row["inlet_setting_m"] is None
    assert any("already at the service pressure" in w for w in row["warnings"])
    assert row["n1_source"] in ("default", "night-flow step")

    again = service.post(url, json=body)  # stored: answered at once, no second run
    assert again.status_code == 200 and again.json()["cached"] is True
    assert again.json()["pressure_management"] == done["pressure_management"]
    # not the default inputs: the analysis's own pressure management stays as it was
    whole = service.get(f"/api/leakage/analyses/{analysis['id']}", "viewer").json()
    assert whole["pressure_management"] is None
    assert len(whole["pressure_runs"]) == 1
    assert service.get(url, "viewer").json()["pressure_management"] == done["pressure_management"]


def test_a_run_for_an_unknown_analysis_is_404(service: Service) -> None:
    r = service.post("/api/leakage/analyses/999/pressure-management", json={})
    assert r.status_code == 404
    assert service.get("/api/leakage/analyses/999/pressure-management").status_code == 404
