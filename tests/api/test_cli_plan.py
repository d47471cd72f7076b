"""`waterops plan`: planning crews' routes from CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main

ROOT = Path(__file__).resolve().parents[2]
JOBS = ROOT / "sample_data" / "jobs.csv"
CREWS = ROOT / "sample_data" / "crews.csv"
CITY = ROOT / "sample_data" / "kaifeng.gpkg"


def test_plan_sample_day_on_the_roads(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "plan",
            str(JOBS),
            str(CREWS),
            "--roads",
            str(CITY),
            "--date",
            "2026-11-26",
            "--seconds",
            "3",
            "--json",
        ]
    )
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    job_ids = {line.split(",")[0] for line in JOBS.read_text().splitlines()[1:]}
    planned = {s["job"] for r in data["routes"] for s in r["stops"]}
    unassigned = {u["job"] for u in data["unassigned"]}
    assert planned | unassigned == job_ids and not planned & unassigned
    assert data["summary"]["mandatory_unassigned"] == 0
    for route in data["routes"]:
        if not route["stops"]:
            continue
        # the route follows the roads: many more points than stops, all in Kaifeng
        coords = route["geometry"]["coordinates"]
        assert len(coords) > len(route["stops"]) + 2
        assert all(114.2 < lon < 114.5 and 34.7 < lat < 34.9 for lon, lat in coords)
        assert len(route["breaks"]) == 1
        starts = [s["start"] for s in route["stops"]]
        assert starts == sorted(starts)
        assert route["depart"] >= 8 * 3600 and route["arrive"] <= 17 * 3600


def test_plan_reports_why_a_job_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        "id,lon,lat,duration_min,skills,window_start,window_end,deadline,mandatory,after\n"
        "close,114.34,34.795,20,valve,08:00,12:00,,true,\n"
        "repair,114.345,34.797,90,pipe,,,16:00,true,close\n"
        "weld,114.35,34.79,45,welding,,,,,\n"
        "dawn,114.35,34.79,30,,05:00,06:00,,,\n"
        "later,114.35,34.79,30,pipe,,,+2 17:00,,\n"
    )
    crews = tmp_path / "crews.csv"
    crews.write_text(
        "id,skills,depot_lon,depot_lat,shift_start,shift_end,lunch_start,lunch_end,lunch_min\n"
        "north,pipe;valve,114.33,34.82,08:00,17:00,11:30,13:00,45\n"
    )
    assert main(["plan", str(jobs), str(crews), "--seconds", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    reasons = {u["job"]: u["reason"] for u in data["unassigned"]}
    assert reasons["weld"] == "no_skill"
    assert reasons["dawn"] == "window_outside_shifts"
    stops = {s["job"]: s for r in data["routes"] for s in r["stops"]}
    assert stops["repair"]["start"] >= stops["close"]["end"]
    assert stops["repair"]["end"] <= 16 * 3600


def test_plan_bad_csv_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("id,lon,lat,duration_min,window_start\nj1,114.3,34.8,30,8 o'clock\n")
    assert main(["plan", str(jobs), str(CREWS), "--seconds", "1"]) == 1
    err = capsys.readouterr().err
    assert "row 2" in err and "j1" in err and "HH:MM" in err
    missing = tmp_path / "crews.csv"
    missing.write_text("id,skills\nc1,pipe\n")
    assert main(["plan", str(JOBS), str(missing), "--seconds", "1"]) == 1
    assert "depot_lon" in capsys.readouterr().err


def test_plan_gives_each_crew_of_a_two_crew_job_its_slot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The two crews of a job are one job id with slots 1 and 2 (issue 15: no ``main#2``); a job
    whose own id ends in ``#2`` is just that job. The table says which stop is the second crew."""
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        "id,lon,lat,duration_min,skills,mandatory,crews_required\n"
        "main,114.34,34.795,120,pipe,true,2\n"
        "main#2,114.35,34.79,30,pipe,true,1\n"
    )
    crews = tmp_path / "crews.csv"
    crews.write_text(
        "id,skills,depot_lon,depot_lat,shift_start,shift_end\n"
        "north,pipe,114.33,34.82,08:00,17:00\n"
        "south,pipe,114.35,34.78,08:00,17:00\n"
    )
    assert main(["plan", str(jobs), str(crews), "--seconds", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    stops = sorted((s["job"], s["slot"], r["crew"]) for r in data["routes"] for s in r["stops"])
    assert [(job, slot) for job, slot, _ in stops] == [("main", 1), ("main", 2), ("main#2", 1)]
    assert stops[0][2] != stops[1][2]
    assert data["summary"]["jobs_planned"] == 2
    assert main(["plan", str(jobs), str(crews), "--seconds", "1"]) == 0
    table = capsys.readouterr().out
    assert table.count("main (crew 2)") == 1
