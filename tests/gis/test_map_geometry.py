"""What the maps draw (issue 14): EPANET nodes without coordinates are flagged and left off
maps (WNTR put them at 0,0: lon -127, lat 0 in UTM 10N), and a link whose two ends are at the
same spot is not a LineString of two identical points. Every map layer and plan is strict,
valid GeoJSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from gis.io import plan_to_geojson, read_layers, read_network
from gis.isolation import Isolator
from gis.mapview import LAYERS, map_layer
from gis.network import Network
from gis.validate import validate_layers
from tests.gis.bad_corpus import SMALL_INP

pytest.importorskip("wntr")

UTM = "EPSG:32650"
# SMALL_INP and a pump PU1 from J3 to a fourth junction J4 drawn at the same spot as J3
WITH_PUMP = (
    SMALL_INP.replace(" J3  10  1\n", " J3  10  1\n J4  10  1\n")
    .replace("[OPTIONS]", "[PUMPS]\n PU1  J3  J4  HEAD C1\n\n[CURVES]\n C1  50  40\n\n[OPTIONS]")
    .replace(" J3  300  0\n", " J3  300  0\n J4  300  0\n")
)


def _inp(tmp_path: Path, text: str, valves: str | None = None) -> tuple[Path, Path | None]:
    path = tmp_path / "network.inp"
    path.write_text(text)
    csv = None
    if valves is not None:
        csv = tmp_path / "valves.csv"
        csv.write_text(valves)
    return path, csv


def _strict(data: Any) -> Any:
    """``data`` through strict JSON: NaN and infinity are not JSON."""
    return json.loads(json.dumps(data, allow_nan=False))


def _check_geometry(geometry: dict[str, Any] | None) -> None:
    """A GeoJSON geometry that is valid: finite positions, a LineString of two distinct ones."""
    if geometry is None:
        return
    if geometry["type"] == "Point":
        assert len(geometry["coordinates"]) == 2
    elif geometry["type"] == "LineString":
        assert len({tuple(p) for p in geometry["coordinates"]}) >= 2, geometry


def _features(network: Network) -> dict[str, list[dict[str, Any]]]:
    layers = {layer: _strict(map_layer(network, layer))["features"] for layer in LAYERS}
    for features in layers.values():
        for f in features:
            _check_geometry(f["geometry"])
    return layers


# -- nodes without coordinates -----------------------------------------------------------------

NO_J3 = SMALL_INP.replace(" J3  300  0\n", "")


def test_a_node_without_coordinates_is_flagged(tmp_path: Path) -> None:
    path, _ = _inp(tmp_path, NO_J3)
    report = validate_layers(read_layers(path, crs=UTM))
    assert report.ok, str(report)
    (flag,) = [p for p in report.warnings if p.layer == "nodes"]
    assert flag.id == "J3" and "no coordinates" in flag.message
    assert "[COORDINATES]" in flag.fix
    assert str(report) != "no problems found"


def test_a_node_without_coordinates_is_left_off_the_maps(tmp_path: Path) -> None:
    path, csv = _inp(tmp_path, NO_J3, "link,node\nP2,J1\nP3,J3\n")
    network = read_network(path, valves=csv, crs=UTM)
    layers = _features(network)
    pipes = {f["id"]: f for f in layers["pipes"]}
    assert pipes["P3"]["geometry"] is None  # J2 to J3: one end is nowhere
    assert pipes["P3"]["properties"]["unmapped"] == "no_coordinates"
    assert pipes["P2"]["geometry"]["type"] == "LineString"
    assert "unmapped" not in pipes["P2"]["properties"]
    valves = {f["id"]: f for f in layers["valves"]}
    assert valves["1"]["geometry"] is None and valves["0"]["geometry"] is not None
    drawn = {f["id"] for f in layers["pipes"] if f["geometry"] is not None}
    assert drawn == {"P1", "P2"}

    isolator = Isolator(network)
    plan = isolator.isolate(["P3"])
    data = _strict(plan.to_dict())
    assert {v["id"]: v["location"] for v in data["valves_to_close"]}["0"] is not None
    collection = _strict(plan_to_geojson(network, plan))
    for f in collection["features"]:
        _check_geometry(f["geometry"])
    p3 = next(f for f in collection["features"] if f["properties"].get("id") == "P3")
    assert p3["geometry"] is None and p3["properties"]["unmapped"] == "no_coordinates"


def test_a_network_without_coordinates_is_one_warning_and_draws_nothing(tmp_path: Path) -> None:
    path, _ = _inp(tmp_path, re.sub(r"\[COORDINATES\][^\[]*", "", SMALL_INP))
    report = validate_layers(read_layers(path, crs=UTM))
    assert report.ok
    flags = [p for p in report.warnings if "coordinates" in p.message]
    assert len(flags) == 1, str(report)
    assert "none of its 4 nodes" in flags[0].message
    network = read_network(path, crs=UTM)
    layers = _features(network)
    drawn = [f for features in layers.values() for f in features if f["geometry"] is not None]
    assert drawn == []  # it used to draw at lon -127, lat 0
    assert Isolator(network).isolate(["P2"]).area is None


def test_without_a_crs_the_missing_coordinates_are_flagged_too(tmp_path: Path) -> None:
    path, _ = _inp(tmp_path, NO_J3)
    report = validate_layers(read_layers(path))
    assert [p.id for p in report.warnings if p.layer == "nodes"] == ["J3"]
    plan = Isolator(read_network(path)).isolate(["P3"])
    _strict(plan.to_dict())


def test_validate_on_the_command_line_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import main

    path, _ = _inp(tmp_path, NO_J3)
    assert main(["validate", str(path)]) == 0
    printed = capsys.readouterr()
    assert "no problems found" not in printed.out
    assert "J3" in printed.out and "coordinates" in printed.out


def test_a_coordinate_that_is_not_a_number_is_still_an_error(tmp_path: Path) -> None:
    path, _ = _inp(tmp_path, SMALL_INP.replace(" J2  200  0", " J2  nan  nan"))
    report = validate_layers(read_layers(path, crs=UTM))
    assert ("nodes", "J2") in [(p.layer, p.id) for p in report.errors]
    assert not [p for p in report.warnings if "no coordinates" in p.message]


# -- links whose two ends are at one spot --------------------------------------------------------


def test_a_pump_drawn_at_one_spot_is_not_a_two_point_line(tmp_path: Path) -> None:
    path, csv = _inp(tmp_path, WITH_PUMP, "link,node\nP2,J1\nP3,J2\n")
    network = read_network(path, valves=csv, crs=UTM)
    pipes = {f["id"]: f for f in _features(network)["pipes"]}
    assert pipes["PU1"]["geometry"] is None
    assert pipes["PU1"]["properties"]["unmapped"] == "zero_length"
    plan = Isolator(network).isolate(["P3"])
    assert "PU1" in plan.isolated_pipes
    collection = _strict(plan_to_geojson(network, plan))
    pump = next(f for f in collection["features"] if f["properties"].get("id") == "PU1")
    assert pump["geometry"] is None and pump["properties"]["unmapped"] == "zero_length"
    for f in collection["features"]:
        _check_geometry(f["geometry"])
