"""``waterops leakage`` and ``waterops valves`` on generated meter data and the sample city."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from api.cli import main
from ops.leakage import BurstAlarm
from sample_data.leakage import score_alarms
from tests.conftest import SAMPLE_CITY


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("leak")
    assert main(["leakage", "sample", "--out", str(folder), "--seed", "7"]) == 0
    return folder


def test_leakage_report(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["leakage", "report", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"system", "cjj92", "ili", "dmas", "ranking", "bursts", "outreach"} <= set(report)
    assert len(report["dmas"]) == 8
    truth = json.loads((data / "truth.json").read_text())

    alarms = [  # the JSON back into what the scorer reads
        BurstAlarm(
            b["dma"],
            dt.datetime.fromisoformat(b["detected"]),
            dt.date.fromisoformat(b["started"]),
            float(b["size_m3h"]),
            float(b["baseline_m3h"]),
        )
        for b in report["bursts"]
    ]
    score = score_alarms(alarms, truth)
    assert score["found"] >= score["events"] - 1
    assert main(["leakage", "report", str(data)]) == 0
    text = capsys.readouterr().out
    assert "CJJ 92-2016" in text and "ILI" in text and "New leaks and bursts" in text


def test_leakage_survey_jobs(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["leakage", "survey", str(data), "--top", "1", "--json"]) == 0
    jobs = json.loads(capsys.readouterr().out)["jobs"]
    assert jobs and all(j["kind"] == "leak survey" for j in jobs)
    assert len({j["id"].split("-")[2] for j in jobs}) == 1  # one DMA


def test_leakage_bad_folder_says_what(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "meters.csv").write_text("meter\nM-1\n")
    assert main(["leakage", "report", str(tmp_path)]) == 1
    assert "meters.csv: missing column(s) dma" in capsys.readouterr().err


def test_valves_programme_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(SAMPLE_CITY), "--on", "2026-11-26"]
    assert main(["valves", "programme", *args, "--json"]) == 0
    due = json.loads(capsys.readouterr().out)["due"]
    assert due[0]["critical"] and due[0]["last_exercised"] is None
    assert main(["valves", "report", *args, "--json"]) == 0
    effect = json.loads(capsys.readouterr().out)
    assert effect["extra_customers_at_risk_after"] < effect["extra_customers_at_risk_before"]
    stuck = effect["unverified_before"][0]
    results = tmp_path / "results.csv"
    results.write_text(f"valve,result,date\n{stuck},stuck,2026-11-20\n")
    assert main(["valves", "report", *args, "--results", str(results), "--json"]) == 0
    assert stuck in json.loads(capsys.readouterr().out)["unverified_after"]
    results.write_text("valve,result\nV000001,broken\n")
    assert main(["valves", "report", *args, "--results", str(results)]) == 1
    assert "results.csv line 2" in capsys.readouterr().err


def test_leakage_report_prints_pressure_management_and_its_warnings(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed report has the PRV table and the warnings of the whole study (a meter the
    model contradicts), not only each DMA's: what the JSON says, the engineer reads."""
    capsys.readouterr()
    assert main(["leakage", "report", str(data), "--json", "--pressure-management"]) == 0
    report = json.loads(capsys.readouterr().out)
    run_level = report["pressure_management_warnings"]
    assert run_level, "the sample city has a boundary meter its model contradicts"
    assert main(["leakage", "report", str(data), "--pressure-management"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "Pressure management: inlet PRVs by DMA" in printed
    for warning in run_level:
        assert " ".join(warning.split())[:60] in printed, warning
