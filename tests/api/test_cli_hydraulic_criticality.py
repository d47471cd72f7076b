"""``waterops criticality NET --hydraulic`` (issue 17 item 3): the segments ranked by the
demand not served when shut, the same table as :func:`gis.hydraulics.hydraulic_criticality`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main
from gis.hydraulics import HydraulicModel, engine_for, hydraulic_criticality
from gis.io import read_network
from gis.isolation import Isolator

wntr = pytest.importorskip("wntr")

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"


def test_hydraulic_criticality_json_on_net3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wn = wntr.network.WaterNetworkModel(str(NET3))
    csv = tmp_path / "valves.csv"
    wntr.network.generate_valve_layer(wn, "strategic", 1, seed=11).to_csv(csv)
    argv = ["criticality", str(NET3), "--valves", str(csv), "--hydraulic", "--hour", "10"]
    code = main([*argv, "--json", "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    network = read_network(NET3, valves=csv)
    with engine_for(HydraulicModel.from_inp(NET3), network, 10) as engine:
        direct = hydraulic_criticality(engine, Isolator(network))
    assert [r["segment"] for r in data["segments"]] == [r.segment for r in direct]
    assert data["segments"][0]["not_served_m3h"] == pytest.approx(
        round(direct[0].not_served_m3h, 3)
    )
    assert direct[0].not_served_m3h > 0
    assert main([*argv, "--top", "3"]) == 0  # the table
    assert "demand not served" in capsys.readouterr().out
