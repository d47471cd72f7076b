"""A stopped or interrupted pressure-management job is resumed, as the valve table is (issue 17;
api/jobs.py, ``hydraulic_job_rows``): the DMAs done are kept, lossless, with the progress; a
POST of the same inputs takes them over (``resumed``) and runs only the others; the result is
the run in one go to the last digit. Real EPANET on the sample city with generated leakage
data, SQLite."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.db import tables as t
from api.hydraulics import stored_model
from api.jobs import inputs_key
from ops.leakage import analyse
from ops.leakage.pressure import DmaOutcome, PrvSettings, outcome_from_row, outcome_row
from ops.leakage.report import pressure_losses, pressure_of
from sample_data.leakage import generate
from tests.api.conftest import Service, make_service

pytestmark = pytest.mark.slow

KIND = "pressure_management"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-pm-resume"))


@pytest.fixture(scope="module")
def analysis(service: Service, tmp_path_factory: pytest.TempPathFactory) -> int:
    folder = tmp_path_factory.mktemp("leak")
    generate(folder, seed=2022, days=28)
    names = ("meters", "flows", "billing", "pressure")
    files = {n: (f"{n}.csv", (folder / f"{n}.csv").read_bytes(), "text/csv") for n in names}
    r = service.post("/api/leakage/analyses", "engineer", files=files, data={"network_id": "1"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def wait(service: Service, url: str, seen: list[int], timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = dict(service.get(url, "viewer").json())
        seen.append(body["progress"]["done"])
        if body["state"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"not ended in {timeout} s")


def _outcomes(service: Service, analysis: int, mpa: float) -> dict[str, DmaOutcome]:
    """Each DMA's outcome as the worker finds it (the job's runner, in the test)."""
    state = service.client.app.state  # type: ignore[attr-defined]
    with state.reader_sessions() as session:
        row = session.get(t.LeakageAnalysis, analysis)
        loaded = state.registry.get(session, row.network_id)
        folder = state.settings.data_dir.resolve() / row.folder
        outlet = float(row.settings.get("outlet_pressure_mpa", 0.32))
    report = analyse(folder, loaded.network, outlet_pressure_mpa=outlet)
    losses = pressure_losses(report.levels)  # the job's: the ranking's real losses
    found: dict[str, DmaOutcome] = {}
    pressure_of(
        Path(folder),
        loaded.network,
        stored_model(state.registry, state.reader_engine, loaded),
        losses,
        prv=PrvSettings(service_pressure_mpa=mpa),
        nightly=report.nightly,
        on_dma=found.__setitem__,
    )
    assert list(found) == sorted(losses)
    return found


def test_a_dma_outcome_is_kept_lossless(service: Service, analysis: int) -> None:
    for outcome in _outcomes(service, analysis, 0.5).values():
        assert outcome_from_row(outcome_row(outcome)) == outcome


def test_a_run_cut_off_half_way_is_resumed_to_the_run_in_one_go(
    service: Service, analysis: int
) -> None:
    url = f"/api/leakage/analyses/{analysis}/pressure-management"
    r = service.post(url, json={"service_pressure_mpa": 0.5})  # every DMA, in one go
    assert r.status_code == 202, r.text
    whole = wait(service, url, [])
    assert whole["state"] == "done", whole["error"]

    outcomes = _outcomes(service, analysis, 0.5)
    dmas = sorted(outcomes)
    done = {d: outcomes[d] for d in dmas[::2]}
    # the same DMAs named (another job's inputs), left as a killed server leaves it
    inputs = {"service_pressure_mpa": 0.5, "dmas": dmas}
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    state = service.client.app.state  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        session.add(
            t.HydraulicJob(
                id="cut-off-pm",
                kind=KIND,
                subject=analysis,
                inputs_key=inputs_key(inputs),
                inputs=inputs,
                state="running",
                done=len(done),
                total=len(dmas),
                stop_requested=False,
                owner="a-host-gone:4242:0000",
                created_by="operator",
                queued_at=long_ago,
                started_at=long_ago,
                heartbeat_at=long_ago,
            )
        )
        session.flush()
        session.add_all(
            t.HydraulicJobRow(job_id="cut-off-pm", key=d, row=outcome_row(o))
            for d, o in done.items()
        )
    r = service.post(url, json={"service_pressure_mpa": 0.5, "dmas": dmas})
    assert r.status_code == 202, r.text
    assert r.json()["resumed"] == {"from": "cut-off-pm", "done": len(done)}
    seen: list[int] = []
    finished = wait(service, url, seen)
    assert finished["state"] == "done", finished["error"]
    assert finished["resumed"] == {"from": "cut-off-pm", "done": len(done)}
    assert min(seen) >= len(done)  # never back to the first DMA
    assert finished["pressure_management"] == whole["pressure_management"]
    assert finished["pressure_management_warnings"] == whole["pressure_management_warnings"]
    rows = [o for o in outcomes.values() if not isinstance(o, str)]
    assert len(finished["pressure_management"]) == len(rows) > 0
    with state.reader_sessions() as session:
        assert session.get(t.HydraulicJob, "cut-off-pm").state == "interrupted"
        kept = session.query(t.HydraulicJobRow).filter_by(job_id=finished["job"]).count()
    assert kept == 0  # done: the result holds the rows


def test_a_stopped_run_is_resumed_with_the_dmas_it_had_done(
    service: Service, analysis: int
) -> None:
    url = f"/api/leakage/analyses/{analysis}/pressure-management"
    body = {"service_pressure_mpa": 0.45}
    assert service.post(url, json=body).status_code == 202
    deadline = time.monotonic() + 120
    while service.get(url, "viewer").json()["state"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert service.client.delete(url, headers=service.auth("dispatcher")).status_code == 200
    stopped = wait(service, url, [])
    if stopped["state"] == "done":  # the machine outran the stop: nothing to resume
        pytest.skip("every DMA was done before the stop reached the job")
    assert stopped["state"] == "stopped"
    again = service.post(url, json=body)
    assert again.status_code == 202, again.text
    resumed = again.json()["resumed"]
    assert resumed == {"from": stopped["job"], "done": stopped["progress"]["done"]}
    finished = wait(service, url, [])
    assert finished["state"] == "done", finished["error"]
