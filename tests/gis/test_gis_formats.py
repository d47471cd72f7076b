"""GIS inputs of every kind (issue 14): ``--crs`` for layers that have none (a Shapefile
without .prj, a GeoPackage layer without a CRS, a DXF drawing), an ESRI File Geodatabase, a
DXF drawing's CAD layers, and a clear error naming the GDAL driver a machine lacks."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from api.cli import main
from gis.errors import ValidationError
from gis.io import read_layers, read_network
from gis.validate import validate_layers
from tests.conftest import ORIGIN, TEST_CRS

OX, OY = ORIGIN


def _layers(crs: str | None = TEST_CRS) -> dict[str, gpd.GeoDataFrame]:
    """S -G1- A -G2- B, a valve on G2 near A, a customer beside G2; no topology columns."""
    pipes = gpd.GeoDataFrame(
        {"编号": ["G1", "G2"], "管径": [300.0, 200.0]},
        geometry=[
            shapely.LineString([(OX, OY), (OX + 100, OY)]),
            shapely.LineString([(OX + 100, OY), (OX + 200, OY)]),
        ],
        crs=crs,
    )
    nodes = gpd.GeoDataFrame(
        {"编号": ["S"], "类型": ["水厂"]}, geometry=[shapely.Point(OX, OY)], crs=crs
    )
    valves = gpd.GeoDataFrame({"编号": ["F1"]}, geometry=[shapely.Point(OX + 103, OY)], crs=crs)
    users = gpd.GeoDataFrame(
        {"户号": ["U1"], "类别": ["居民"]}, geometry=[shapely.Point(OX + 150, OY + 15)], crs=crs
    )
    return {"管线": pipes, "管点": nodes, "阀门": valves, "用户": users}


def _write(folder: Path, suffix: str, crs: str | None = TEST_CRS) -> Path:
    folder.mkdir(parents=True)
    for name, frame in _layers(crs).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL: "no CRS" / field widths
            frame.to_file(folder / f"{name}{suffix}", engine="pyogrio")
    return folder


def _check(layers: Any) -> None:
    report = validate_layers(layers)
    assert report.ok, str(report)
    assert layers.pipes.crs.to_epsg() == 32650
    assert layers.pipes[["from_node", "to_node"]].values.tolist() == [
        ["S", "G1-to"],
        ["G1-to", "G2-to"],
    ]
    assert layers.valves[["pipe_id", "node_id"]].values.tolist() == [["G2", "G1-to"]]


def test_crs_is_given_to_shapefiles_without_prj(tmp_path: Path) -> None:
    folder = _write(tmp_path / "shp", ".shp", crs=None)
    assert not list(folder.glob("*.prj"))
    without = validate_layers(read_layers(folder))
    assert any(p.message.startswith("has no CRS") for p in without.errors)
    _check(read_layers(folder, crs="EPSG:32650"))


def test_crs_is_given_to_a_geopackage_layer_without_one(tmp_path: Path) -> None:
    path = tmp_path / "city.gpkg"
    for name, frame in _layers(None).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame.to_file(path, layer=name, engine="pyogrio")
    _check(read_layers(path, crs="EPSG:32650"))


def test_a_layer_with_its_own_crs_keeps_it_and_says_so(tmp_path: Path) -> None:
    folder = _write(tmp_path / "shp", ".shp")
    layers = read_layers(folder, crs="EPSG:4547")
    _check(layers)
    (note,) = [p for p in layers.problems if p.layer == "pipes" and "own CRS" in p.message]
    assert "the CRS given (EPSG:4547) is used only for layers without one" in note.message


def test_the_cli_applies_crs_and_mapping_to_a_folder(tmp_path: Path, capsys: Any) -> None:
    folder = _write(tmp_path / "shp", ".shp", crs=None)
    mapping = tmp_path / "mapping.toml"
    assert (
        main(["validate", str(folder), "--crs", "EPSG:32650", "--write-mapping", str(mapping)]) == 0
    )
    text = mapping.read_text(encoding="utf-8")
    assert 'layer = "管线"  # guessed' in text and "diameter_mm" in text
    snaps = tmp_path / "snaps.csv"
    capsys.readouterr()
    code = main(
        [
            "validate",
            str(folder),
            "--crs",
            "EPSG:32650",
            "--mapping",
            str(mapping),
            "--json",
            "--snaps",
            str(snaps),
        ]
    )
    assert code == 0
    assert "guessed" not in capsys.readouterr().out  # the mapping confirmed them
    assert snaps.read_text().splitlines()[:2] == [
        "layer,id,pipe_id,node_id,distance_m",
        "valves,F1,G2,G1-to,0.0",
    ]
    assert main(["validate", str(folder), "--json"]) == 1  # no CRS: refused


def test_an_esri_file_geodatabase(tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    if "OpenFileGDB" not in pyogrio.list_drivers(write=True):
        pytest.skip("this GDAL cannot write File Geodatabases")
    gdb = tmp_path / "city.gdb"
    for name, frame in _layers().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame.to_file(gdb, layer=name, driver="OpenFileGDB", engine="pyogrio")
    raw = gpd.read_file(gdb, layer="管线")
    assert set(raw.geom_type) == {"MultiLineString"}  # as a File Geodatabase stores lines
    layers = read_layers(gdb)
    _check(layers)
    assert set(layers.pipes.geom_type) == {"LineString"}
    network = read_network(gdb)
    assert network.summary()["pipes"] == 2


def test_a_folder_holding_one_geodatabase_reads_it(tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    if "OpenFileGDB" not in pyogrio.list_drivers(write=True):
        pytest.skip("this GDAL cannot write File Geodatabases")
    gdb = tmp_path / "upload" / "city.gdb"
    gdb.parent.mkdir()
    for name, frame in _layers().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame.to_file(gdb, layer=name, driver="OpenFileGDB", engine="pyogrio")
    _check(read_layers(gdb.parent))


def _dxf(path: Path) -> Path:
    """A CAD drawing: pipes as lines on PIPES, the plant and a valve as points."""
    entities = gpd.GeoDataFrame(
        {"Layer": ["给水管线", "给水管线", "NODES", "VALVES"]},
        geometry=[
            shapely.LineString([(OX, OY), (OX + 100, OY)]),
            shapely.LineString([(OX + 100, OY), (OX + 200, OY)]),
            shapely.Point(OX, OY),
            shapely.Point(OX + 103, OY),
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        entities.to_file(path, driver="DXF", engine="pyogrio")
    return path


def test_a_dxf_drawing_needs_a_crs_and_reads_its_cad_layers(tmp_path: Path) -> None:
    path = _dxf(tmp_path / "network.dxf")
    layers = read_layers(path, crs="EPSG:32650")
    report = validate_layers(layers)
    assert report.ok, str(report)  # nodes without kind: junctions (no source: a warning)
    assert len(layers.pipes) == 2 and layers.pipes["id"].str.len().gt(0).all()  # entity handles
    assert layers.valves["node_id"].tolist() == [layers.pipes["to_node"].iloc[0]]
    guesses = [p.message for p in report.warnings if "guessed" in p.message]
    assert any("layer '给水管线'" in m for m in guesses)
    no_crs = validate_layers(read_layers(path))
    assert any("has no CRS" in p.message for p in no_crs.errors)


def test_a_missing_gdal_driver_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyogrio

    path = _dxf(tmp_path / "network.dxf")
    drivers = {k: v for k, v in pyogrio.list_drivers(read=True).items() if k != "DXF"}
    monkeypatch.setattr(pyogrio, "list_drivers", lambda **_: drivers)
    with pytest.raises(ValidationError) as info:
        read_layers(path, crs="EPSG:32650")
    (problem,) = info.value.report.errors
    assert "has no DXF driver to read it" in problem.message
    assert "GeoPackage" in problem.fix
