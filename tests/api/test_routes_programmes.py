"""Programmes (api/routes/programmes.py): the valve exercise programme and
leakage analyses, end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sample_data.leakage import generate
from tests.api.conftest import START, Service

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


def test_valve_exercises_are_not_doubled(service: Service) -> None:
    first = service.post("/api/valve-exercises", json={"count": 3}).json()
    job = service.get(f"/api/jobs/{first[0]['id']}")
    service.post(
        f"/api/jobs/{first[0]['id']}/status",
        json={"status": "assigned", "crew": "valve-01"},
        headers={"If-Match": job.headers["etag"]},
    )
    service.clock.now = START + dt.timedelta(days=1)
    try:
        second = service.post("/api/valve-exercises", json={"count": 3}).json()
    finally:
        service.clock.now = START
    assert not {j["valve"] for j in first} & {j["valve"] for j in second}


def test_leakage_analysis_and_survey_jobs(service: Service, tmp_path: Any) -> None:
    truth = generate(tmp_path, seed=3)
    names = ("meters", "flows", "billing", "pressure", "usage")
    files = {n: (f"{n}.csv", (tmp_path / f"{n}.csv").read_bytes(), "text/csv") for n in names}
    r = service.post("/api/leakage/analyses", "engineer", files=files)
    assert r.status_code == 201, r.text
    analysis = r.json()
    assert len(analysis["dmas"]) == 8 and analysis["cjj92"]["grade"]
    assert len(analysis["bursts"]) >= len(truth["events"]) - 2
    listed = service.get("/api/leakage/analyses", "viewer").json()
    assert listed[0]["id"] == analysis["id"] and listed[0]["bursts"] == len(analysis["bursts"])
    whole = service.get(f"/api/leakage/analyses/{analysis['id']}", "viewer").json()
    assert whole["ranking"] == analysis["ranking"]

    url = f"/api/leakage/analyses/{analysis['id']}/survey-jobs"
    assert service.post(url, "engineer", json={"top": 1}).status_code == 403
    jobs = service.post(url, json={"top": 1, "km_per_crew_day": 8}).json()
    worst = analysis["ranking"][0]
    assert len(jobs) == -(-worst["mains_km"] // 8)
    assert all(j["kind"] == "leak survey" and worst["dma"] in j["id"] for j in jobs)
    assert service.post(url, json={"top": 1, "km_per_crew_day": 8}).json() == []  # once

    bad = dict(files)
    bad["flows"] = ("flows.csv", b"time,meter,flow_m3h\nyesterday,M-DMA-01-1,3\n", "text/csv")
    kept = sorted((service.data_dir / "leakage").iterdir())
    r = service.post("/api/leakage/analyses", "engineer", files=bad)
    assert r.status_code == 422 and "line 2: time 'yesterday'" in r.json()["detail"]
    bad["meters"] = ("meters.csv", b"", "text/csv")
    r = service.post("/api/leakage/analyses", "engineer", files=bad)
    assert r.status_code == 422 and "meters.csv: the file is empty" in r.json()["detail"]
    assert sorted((service.data_dir / "leakage").iterdir()) == kept  # nothing left of them


def test_a_leakage_upload_with_impossible_numbers_is_refused_and_nothing_kept(
    service: Service, tmp_path: Any
) -> None:
    """Files that parse but hold what no meter or bill gives (a negative flow, an infinite
    one, a meter on a DMA the network lacks): 422 naming the file, line and column, from the
    readers' LeakageDataError (issue 15); no folder, no analysis row."""
    generate(tmp_path, seed=2022, days=28)
    names = ("meters", "flows", "billing", "pressure", "usage")
    good = {n: (tmp_path / f"{n}.csv").read_text() for n in names}
    (service.data_dir / "leakage").mkdir(parents=True, exist_ok=True)
    kept = sorted((service.data_dir / "leakage").iterdir())
    stored = len(service.get("/api/leakage/analyses", "viewer", params={"limit": 500}).json())

    def corrupted(name: str, line: int, column: str, value: str) -> dict[str, Any]:
        lines = good[name].splitlines()
        cells = lines[line - 1].split(",")
        cells[lines[0].split(",").index(column)] = value
        lines[line - 1] = ",".join(cells)
        texts = {**good, name: "\n".join(lines) + "\n"}
        return {n: (f"{n}.csv", texts[n].encode(), "text/csv") for n in names}

    for name, line, column, value in [
        ("flows", 100, "flow_m3h", "-3"),
        ("flows", 100, "flow_m3h", "1e308"),
        ("billing", 3, "billed_metered_m3", "inf"),
        ("usage", 5, "volume_m3", "NaN"),
        ("meters", 2, "dma", "DMA-99"),
    ]:
        r = service.post(
            "/api/leakage/analyses", "engineer", files=corrupted(name, line, column, value)
        )
        assert r.status_code == 422, (value, r.text)
        detail = r.json()["detail"]
        assert detail.startswith(f"{name}.csv line {line}: {column} "), detail
        assert "Error" not in detail  # the readers' message, not an exception's name
    assert sorted((service.data_dir / "leakage").iterdir()) == kept
    listed = service.get("/api/leakage/analyses", "viewer", params={"limit": 500}).json()
    assert len(listed) == stored


def test_valve_programme_exercise_results_and_report(service: Service) -> None:
    programme = service.get("/api/networks/1/valve-programme", "viewer", params={"top": 5})
    assert programme.status_code == 200
    assert programme.json()["due"][0]["critical"]
    jobs = service.post("/api/valve-exercises", json={"count": 5}).json()
    areas = [j["description"].rsplit("[", 1)[1] for j in jobs]
    assert areas == sorted(areas)  # grouped by area
    valve = jobs[0]["valve"]
    every = {"top": 10_000}
    before = service.get("/api/networks/1/valve-programme/report", "viewer", params=every)
    assert valve in before.json()["unverified_before"]
    url = f"/api/networks/1/valves/{valve}/exercise"
    assert service.post(url, "viewer", json={"result": "stuck"}).status_code == 403
    r = service.post(url, json={"result": "stuck", "note": "spindle seized"})
    assert r.status_code == 200 and r.json()["operable"] is False
    assert len(r.json()["jobs_closed"]) == 1
    repair = r.json()["repair_job"]  # and a pipe crew is sent to free or replace it
    assert repair["kind"] == "repair" and set(repair["skills"]) == {"pipe", "valve"}
    assert service.get(f"/api/jobs/{repair['id']}").json()["status"] == "open"
    # at once: the isolation plans bypass it, the programme waits for its repair
    assert service.get(f"/api/networks/1/valves/{valve}").json()["found_inoperable"]
    again = service.get("/api/networks/1/valve-programme", "viewer", params={"top": 100000})
    assert valve not in {d["valve"] for d in again.json()["due"]}
    after = service.get("/api/networks/1/valve-programme/report", "viewer", params=every)
    assert valve in after.json()["unverified_after"]
    # repaired and exercised: verified, and off the list for a year
    r = service.post(url, "engineer", json={"result": "operable"})
    assert r.status_code == 200 and r.json()["operable"] and r.json()["repair_job"] is None
    assert not service.get(f"/api/networks/1/valves/{valve}").json()["found_inoperable"]
    final = service.get("/api/networks/1/valve-programme/report", "viewer", params=every).json()
    assert valve not in final["unverified_before"] and valve not in final["unverified_after"]
    assert service.post(url, json={"result": "broken"}).status_code == 422
    nope = "/api/networks/1/valves/V-NOPE/exercise"
    assert service.post(nope, json={"result": "stuck"}).status_code == 404
