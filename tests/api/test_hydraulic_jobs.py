"""Long hydraulic work as background jobs kept in the database (issue 17; api/jobs.py):

- the whole network's hydraulic valve table: POST .../valve-programme/hydraulic-table starts it
  (202, Location), a second POST of the same inputs answers the same job, GET polls it (valves
  done of the total), the programme with ``hydraulic=true`` uses the finished table (409 before)
  and names the valves the library names (Net3 with WNTR's strategic valve layer: a second);
- a job is stopped by DELETE between its scenarios (the sample city: ~6 min in all, stopped in
  its first seconds) and a POST resumes it: the valves done are kept (their rows stored with
  the progress) and not run again;
- a restart: a finished job's result is still there (a new app on the same database) and a job
  running when the server was killed reads ``interrupted`` (a real server killed, SIGKILL), and
  a POST resumes it where it was cut off; a Net3 table cut off half-way and resumed is the
  library's table from scratch; pressure management's job is stopped by DELETE between DMAs.

Real EPANET, real files, SQLite (the migration runs on PostgreSQL in tests/api/test_migrations)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.db import tables as t
from api.jobs import inputs_key
from gis.hydraulics import HydraulicModel, PressureSettings, engine_for
from gis.hydraulics import hydraulic_valve_criticality as library_table
from gis.io import read_network
from gis.isolation import Isolator
from ops.valves import ProgrammeSettings
from sample_data.leakage import generate
from tests.api.conftest import LiveServer, Service, make_service

pytestmark = pytest.mark.slow  # 45 s: a real server killed and started again, the city's table
wntr = pytest.importorskip("wntr")

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"
CITY_TABLE = "/api/networks/1/valve-programme/hydraulic-table"  # the sample city


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("svc-jobs")


@pytest.fixture(scope="module")
def service(data_dir: Path) -> Iterator[Service]:
    yield from make_service("sqlite", data_dir, service_pressure_mpa=0.2)


@pytest.fixture(scope="module")
def valves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wn = wntr.network.WaterNetworkModel(str(NET3))
    csv = tmp_path_factory.mktemp("net3") / "valves.csv"
    wntr.network.generate_valve_layer(wn, "strategic", 2, seed=20240611).to_csv(csv)
    return csv


@pytest.fixture(scope="module")
def net3(service: Service, valves: Path) -> int:
    with NET3.open("rb") as inp, valves.open("rb") as csv:
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("Net3.inp", inp), "valves": ("valves.csv", csv)},
        )
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def wait(service: Service, url: str, until: Any, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: list[Any] = []
    while time.monotonic() < deadline:
        r = service.get(url, "viewer")
        assert r.status_code == 200, r.text
        body = dict(r.json())
        seen.append((body["state"], body["progress"]))
        if until(body):
            return body
        time.sleep(0.2)
    raise AssertionError(f"not reached in {timeout} s: {seen[-5:]}")


def ended(body: dict[str, Any]) -> bool:
    return body["state"] not in ("queued", "running")


def kept_rows(service: Service, job: str) -> int:
    """The rows of valves done a job holds in the database."""
    with service.client.app.state.reader_sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).where(t.HydraulicJobRow.job_id == job)) or 0)


def test_the_valve_table_is_a_background_job_the_programme_uses(
    service: Service, net3: int, valves: Path
) -> None:
    url = f"/api/networks/{net3}/valve-programme/hydraulic-table"
    programme = f"/api/networks/{net3}/valve-programme"
    params = {"top": 100000, "hydraulic": "true", "hour": 10}
    assert service.get(url, "viewer").json()["state"] == "none"
    before = service.get(programme, "viewer", params=params)
    assert before.status_code == 409 and f"POST {url}" in before.json()["detail"]
    assert service.post(url, "viewer", json={"hour": 10}).status_code == 403

    started = service.post(url, json={"hour": 10})
    assert started.status_code == 202, started.text
    assert started.headers["location"] == url
    job = started.json()
    again = service.post(url, json={"hour": 10})
    assert again.json()["job"] == job["job"]  # the same job, not two

    done = wait(service, url, ended)
    assert done["state"] == "done", done["error"]
    assert done["job"] == job["job"] and done["hour"] == 10
    assert done["progress"]["done"] == done["progress"]["total"] == done["valves"] == 60
    assert done["worst"][0]["extra_not_served_m3h"] > 0

    network = read_network(NET3, valves=valves)
    strict = PressureSettings(service_pressure_mpa=0.2)
    with engine_for(HydraulicModel.from_inp(NET3), network, 10, strict) as engine:
        rows = library_table(engine, Isolator(network))
    expected = sorted(
        ProgrammeSettings().hydraulically_critical(
            {r.valve_id: r.extra_not_served_m3h for r in rows}
        )
    )
    assert expected
    answer = service.get(programme, "viewer", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.json()["hydraulic"]["critical_by_hydraulics"] == expected
    assert {i["valve"] for i in answer.json()["due"] if i["critical"]} >= set(expected)

    finished = service.post(url, json={"hour": 10})  # done: answered, not run again
    assert finished.status_code == 200 and finished.json()["job"] == job["job"]


def test_a_finished_job_is_there_after_a_restart(
    service: Service, net3: int, data_dir: Path
) -> None:
    url = f"/api/networks/{net3}/valve-programme/hydraulic-table"
    assert wait(service, url, ended)["state"] == "done"  # the test before's job
    for restarted in make_service("sqlite", data_dir, service_pressure_mpa=0.2):
        body = restarted.get(url, "viewer").json()
        assert body["state"] == "done" and body["valves"] == 60
        params = {"top": 5, "hydraulic": "true", "hour": 10}
        r = restarted.get(f"/api/networks/{net3}/valve-programme", "viewer", params=params)
        assert r.status_code == 200 and r.json()["hydraulic"]["hour"] == 10


def test_a_job_is_stopped_between_scenarios_and_started_again(service: Service) -> None:
    started = service.post(CITY_TABLE, json={})
    assert started.status_code == 202, started.text
    running = wait(service, CITY_TABLE, lambda b: b["progress"]["done"] > 0, timeout=90)
    total = running["progress"]["total"]
    assert running["state"] == "running" and total > 1000  # the sample city's valves
    r = service.client.delete(CITY_TABLE, headers=service.auth("dispatcher"))
    assert r.status_code == 200 and r.json()["stop_requested"] is True
    stopped = wait(service, CITY_TABLE, ended, timeout=30)
    done = stopped["progress"]["done"]
    assert stopped["state"] == "stopped" and 0 < done < total
    assert kept_rows(service, stopped["job"]) == done  # each valve counted has its row
    again = service.post(CITY_TABLE, json={})
    assert again.status_code == 202 and again.json()["job"] != started.json()["job"]
    # resumed: the valves done are taken over, the new job starts at them
    assert again.json()["resumed"] == {"from": stopped["job"], "done": done}
    assert again.json()["progress"] == {"done": done, "total": total, "current": None}
    assert kept_rows(service, again.json()["job"]) == done
    assert kept_rows(service, stopped["job"]) == 0
    going = wait(service, CITY_TABLE, lambda b: b["progress"]["done"] > done, timeout=90)
    assert going["state"] == "running" and going["progress"]["total"] == total
    service.client.delete(CITY_TABLE, headers=service.auth("dispatcher"))
    second = wait(service, CITY_TABLE, ended, timeout=30)
    assert second["state"] == "stopped" and second["progress"]["done"] > done
    assert kept_rows(service, second["job"]) == second["progress"]["done"]


def test_a_table_cut_off_half_way_is_resumed_to_the_table_from_scratch(
    service: Service, net3: int, valves: Path
) -> None:
    """Net3's table (a second: too quick to kill by hand) left as a killed server leaves it:
    its job running, owned by a process that is gone, with the rows of the valves it had done
    (every other valve of the library's table, kept as the worker keeps them). A POST resumes
    it: the new job starts at those valves, runs the others, and its table is the library's
    from scratch to the last bit."""
    network = read_network(NET3, valves=valves)
    strict = PressureSettings(service_pressure_mpa=0.2)
    with engine_for(HydraulicModel.from_inp(NET3), network, 11, strict) as engine:
        rows = library_table(engine, Isolator(network))
    done = rows[::2]  # the worst valve among them
    inputs = {"hour": 11.0, "service_pressure_mpa": 0.2, "failed": []}
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    with service.client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        session.add(
            t.HydraulicJob(
                id="cut-off-net3",
                kind="valve_table",
                subject=net3,
                inputs_key=inputs_key(inputs),
                inputs=inputs,
                state="running",
                done=len(done),
                total=len(rows),
                stop_requested=False,
                owner="a-host-gone:4242:0000",
                created_by="dispatcher",
                queued_at=long_ago,
                started_at=long_ago,
                heartbeat_at=long_ago,
            )
        )
        session.flush()
        session.add_all(
            t.HydraulicJobRow(job_id="cut-off-net3", key=r.valve_id, row=asdict(r)) for r in done
        )
    url = f"/api/networks/{net3}/valve-programme/hydraulic-table"
    cut = service.get(url, "viewer", params={"hour": 11}).json()
    assert cut["state"] == "interrupted" and cut["progress"]["done"] == len(done) == 30

    r = service.post(url, json={"hour": 11})
    assert r.status_code == 202, r.text
    assert r.json()["resumed"] == {"from": "cut-off-net3", "done": 30}
    assert r.json()["progress"]["done"] == 30
    seen: list[int] = []

    def noted_until_ended(body: dict[str, Any]) -> bool:
        seen.append(body["progress"]["done"])
        return ended(body)

    finished = wait(service, url + "?hour=11", noted_until_ended)
    assert finished["state"] == "done", finished["error"]
    assert min(seen) >= 30  # never back to the first valve
    assert finished["valves"] == 60 and finished["worst"] == [x.to_dict() for x in rows[:50]]
    with service.client.app.state.reader_sessions() as session:  # type: ignore[attr-defined]
        result = session.get(t.HydraulicJob, finished["job"]).result
    assert result["table"] == {x.valve_id: x.extra_not_served_m3h for x in rows}
    assert kept_rows(service, finished["job"]) == 0  # done: the result holds the table


def test_pressure_management_is_stopped_between_dmas(
    service: Service, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("leak")
    generate(folder, seed=2022, days=28)
    names = ("meters", "flows", "billing", "pressure")
    files = {n: (f"{n}.csv", (folder / f"{n}.csv").read_bytes(), "text/csv") for n in names}
    # the sample city's data against the sample city (network 1), not the latest network
    # (Net3, loaded by an earlier test), which the readers now refuse: its DMAs are not Net3's
    r = service.post("/api/leakage/analyses", "engineer", files=files, data={"network_id": "1"})
    assert r.status_code == 201, r.text
    url = f"/api/leakage/analyses/{r.json()['id']}/pressure-management"
    started = service.post(url, json={"service_pressure_mpa": 0.5})  # every DMA
    assert started.status_code == 202, started.text
    # the stop is asked as soon as the job runs (not when a first DMA shows: on a loaded
    # machine the last DMAs, 0.4 s each, were done before the stop reached it)
    running = wait(service, url, lambda b: b["state"] != "queued", timeout=90)
    assert running["state"] == "running"
    r = service.client.delete(url, headers=service.auth("dispatcher"))
    assert r.status_code == 200, r.text
    stopped = wait(service, url, ended, timeout=120)
    assert stopped["state"] == "stopped"
    assert stopped["progress"]["done"] < stopped["progress"]["total"]


def test_a_job_running_when_the_server_is_killed_is_interrupted(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data")
    server.start()
    try:
        token = server.token("dispatcher")
        code, job, _ = server.call("POST", CITY_TABLE, token, {})
        assert code == 202, job
        deadline = time.monotonic() + 90
        while server.call("GET", CITY_TABLE, token)[1]["progress"]["done"] == 0:
            assert time.monotonic() < deadline, "the table did not start"
            time.sleep(0.3)
        server.kill()
        server.start()
        token = server.token("dispatcher")
        code, body, _ = server.call("GET", CITY_TABLE, token)
        assert code == 200 and body["job"] == job["job"]
        assert body["state"] == "interrupted" and "POST" in body["error"]
        done = body["progress"]["done"]
        assert done > 0  # what it had done is still shown
        code, again, _ = server.call("POST", CITY_TABLE, token, {})
        assert code == 202 and again["job"] != job["job"] and again["state"] == "queued"
        # resumed where the kill cut it off: only the valves left are to run
        assert again["resumed"] == {"from": job["job"], "done": done}
        left = again["progress"]["total"] - again["progress"]["done"]
        assert again["progress"]["total"] == body["progress"]["total"] and left == (
            body["progress"]["total"] - done
        )
        while (now := server.call("GET", CITY_TABLE, token)[1])["progress"]["done"] <= done:
            assert now["progress"]["done"] == done, now  # never back to the first valve
            assert time.monotonic() < deadline + 90, "the resumed table did not go on"
            time.sleep(0.3)
        code, stopping, _ = server.call("DELETE", CITY_TABLE, token)
        assert code == 200 and stopping["stop_requested"] is True
    finally:
        server.stop()


def test_the_job_on_postgresql(tmp_path: Path, valves: Path) -> None:
    """The same job's row on PostgreSQL (JSON result, flags, aware times): done, its result
    read back, a stop of a finished job changes nothing."""
    for pg in make_service("postgres", tmp_path, service_pressure_mpa=0.2):
        with NET3.open("rb") as inp, valves.open("rb") as csv:
            r = pg.post(
                "/api/networks",
                "engineer",
                files={"file": ("Net3.inp", inp), "valves": ("valves.csv", csv)},
            )
        assert r.status_code in (200, 201), r.text
        url = f"/api/networks/{r.json()['id']}/valve-programme/hydraulic-table"
        assert pg.post(url, json={"hour": 10}).status_code == 202
        done = wait(pg, url, ended)
        assert done["state"] == "done" and done["valves"] == 60, done["error"]
        assert done["finished_at"] >= done["started_at"] >= done["queued_at"]
        r = pg.client.delete(url, headers=pg.auth("dispatcher"))
        assert r.status_code == 200 and r.json()["state"] == "done"
        assert r.json()["stop_requested"] is False
