"""``waterops isolate … --hydraulic`` (issue 17): the isolation plan and what closing its valves
does in EPANET, on EPANET's Net3 as WNTR ships it (US EPA, public domain) with WNTR's strategic
valve layer (seeded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wntr

from api.cli import main
from gis.io import read_layers
from tests.conftest import ROOT

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"


@pytest.fixture(scope="module")
def valves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wn = wntr.network.WaterNetworkModel(str(NET3))
    path = tmp_path_factory.mktemp("net3") / "valves.csv"
    wntr.network.generate_valve_layer(wn, "strategic", 2, seed=20240611).to_csv(path)
    return path


def test_isolate_hydraulic_json(valves: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["isolate", str(NET3), "--valves", str(valves), "--pipe", "145", "--hour", "10"]
    assert main([*args, "--hydraulic", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    impact = data["hydraulic"]
    assert impact["hour"] == 10 and impact["service_pressure_m"] == pytest.approx(14.28, abs=0.01)
    nodes = {n["node"]: n for n in impact["nodes"]}
    cut = set(impact["cut_off_nodes"])
    # every node the plan shuts is cut off hydraulically too, and gets no water
    assert set(data["isolated_nodes"]) <= cut
    assert all(nodes[n]["served_m3h"] == 0 for n in cut if n in nodes)
    # what is not served at the cut-off nodes is what they ask (they were served in full before)
    asked = sum(n["expected_m3h"] for n in nodes.values() if n["cut_off"])
    assert all(
        n["pressure_before_m"] > impact["service_pressure_m"]
        for n in nodes.values()
        if n["cut_off"]
    )
    assert impact["not_served_cut_off_m3h"] == pytest.approx(asked, abs=0.01)
    assert impact["not_served_cut_off_m3h"] > 50  # Net3's pipe 145 shut-down: about 78 m³/h
    # the table form says the same in words
    assert main([*args, "--hydraulic"]) == 0
    text = capsys.readouterr().out
    assert f"cut off (no path to a source): {len(cut)} nodes" in text


def test_isolate_hydraulic_on_the_sample_city(capsys: pytest.CaptureFixture[str]) -> None:
    """For GIS layers the model is built from them (gis.hydraulic_model): the plan's shut area
    gets no water, the rest of the city keeps its pressure."""
    sample = ROOT / "sample_data" / "kaifeng.gpkg"
    args = ["isolate", str(sample), "--pipe", "P000590", "--hour", "7", "--hydraulic", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    impact = data["hydraulic"]
    assert impact["hour"] == 7 and impact["closed_links"]
    rows = impact["customers"]
    cut = {r["customer"] for r in rows if r["cut_off"]}
    shut = set(data["isolated_pipes"]) | set(data["unintended_pipes"])
    assert cut and impact["not_served_cut_off_m3h"] > 0
    assert all(r["served_m3h"] == 0 and r["pressure_m"] == 0 for r in rows if r["cut_off"])
    assert all(r["pressure_m"] >= 0 for r in rows if not r["cut_off"])
    # the customers cut off are those on the pipes the plan shuts
    assert cut <= {str(c) for c in _customers_on(shut)}


def _customers_on(pipes: set[str]) -> list[str]:
    layers = read_layers(ROOT / "sample_data" / "kaifeng.gpkg")
    assert layers.customers is not None
    on = layers.customers["pipe_id"].astype(str).isin(pipes)
    return layers.customers.loc[on, "id"].astype(str).tolist()
