"""``waterops leakage report`` prints each warning's code beside its English (issue 17): the
command line has no language option, so a reader looks the code up (its words in both
languages: js/i18n.js ``cjj92w:CODE``, ``pm:CODE``; docs/decisions.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from api.cli import main
from api.cli.programmes import print_pressure_management
from gis.hydraulic_model import build_model
from gis.io import read_layers, read_network
from ops.leakage import analyse
from ops.leakage.pressure import PrvSettings
from sample_data.leakage import generate
from tests.conftest import SAMPLE_CITY


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_grade_warnings_print_with_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # one DMA, two days, no plant output, bills without the households' volume: both warnings
    dma = "DMA-01"
    (tmp_path / "meters.csv").write_text(f"meter,dma,from_dma\nM-1,{dma},\n")
    times = pd.date_range("2026-09-01", periods=2 * 96, freq="15min")
    rows = "".join(f"{t:%Y-%m-%dT%H:%M},M-1,100\n" for t in times)
    (tmp_path / "flows.csv").write_text("time,meter,flow_m3h\n" + rows)
    (tmp_path / "billing.csv").write_text(
        "dma,start,end,billed_metered_m3,billed_unmetered_m3,unbilled_metered_m3,"
        f"unbilled_unmetered_m3\n{dma},2026-09-01,2026-09-03,3000,0,0,0\n"
    )
    capsys.readouterr()
    assert main(["leakage", "report", str(tmp_path), "--json"]) == 0
    c = json.loads(capsys.readouterr().out)["cjj92"]
    assert [w["code"] for w in c["warning_codes"]] == ["residential_estimated", "supply_from_dma"]
    assert main(["leakage", "report", str(tmp_path)]) == 0
    printed = _flat(capsys.readouterr().out)
    for text, w in zip(c["warnings"], c["warning_codes"], strict=True):
        assert f"! {_flat(text)} (cjj92w:{w['code']})" in printed, printed


def test_the_pressure_warnings_print_with_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real study of the sample city (at 0.5 MPa: no PRV search, seconds), printed as the
    report prints it: each DMA's and the run's warnings with their codes."""
    network = read_network(SAMPLE_CITY)
    model = build_model(read_layers(SAMPLE_CITY), network)
    generate(tmp_path, seed=7)
    data = analyse(
        tmp_path, network, hydraulic_model=model, prv=PrvSettings(service_pressure_mpa=0.5)
    ).to_dict()
    rows = data["pressure_management"]
    run = data["pressure_management_warning_codes"]
    assert run, "the sample city has a boundary meter its model contradicts"
    assert any(r["warning_codes"] for r in rows)
    capsys.readouterr()
    print_pressure_management(rows, data["pressure_management_warnings"], run)
    printed = _flat(capsys.readouterr().out)
    for r in rows:
        for text, w in zip(r["warnings"], r["warning_codes"], strict=True):
            assert f"{r['dma']}: {_flat(text)} (pm:{w['code']})" in printed, (w, printed)
    for text, w in zip(data["pressure_management_warnings"], run, strict=True):
        assert f"! {_flat(text)} (pm:{w['code']})" in printed, (w, printed)
    # a code the console words (i18n.js), not an English phrase
    assert all(re.fullmatch(r"[a-z_0-9]+", w["code"]) for w in run)
