"""Reading network files (GeoPackage, GeoJSON and Shapefile folders, EPANET) and the validation
report: every bad-data case is written to a real file and must come back as a report line naming
the layer, the row id and what to fix."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.errors import NoMap, ValidationError
from gis.io import read_layers, read_network
from gis.network import Network
from gis.validate import Problem, ValidationReport, validate_layers

Layers = dict[str, gpd.GeoDataFrame]

FORMATS = ("gpkg", "geojson", "shp")
LON0, LAT0 = 114.35, 34.80  # Kaifeng
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(LAT0))
UTM_50N = "EPSG:32650"


# -- building and writing layers ---------------------------------------------------------------


def _lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """A point ``x_m`` metres east and ``y_m`` metres north of (LON0, LAT0)."""
    return (LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT)


NODE_XY = {
    "S": (0.0, 0.0),
    "N1": (100.0, 0.0),
    "N2": (200.0, 0.0),
    "N3": (300.0, 0.0),
    "N4": (200.0, 100.0),
}
PIPES = [("P1", "S", "N1"), ("P2", "N1", "N2"), ("P3", "N2", "N3"), ("P4", "N2", "N4")]


def _clean_layers() -> Layers:
    """A small clean network in EPSG:4326, every pipe ~100 m, with every contract column whose
    name is longer than a Shapefile field name."""
    pt = {n: _lonlat(*xy) for n, xy in NODE_XY.items()}
    nodes = gpd.GeoDataFrame(
        {
            "id": list(pt),
            "kind": ["source", "junction", "junction", "junction", "junction"],
            "elevation_m": [80.0, 79.5, 79.0, 78.5, 78.0],
            "name": ["Plant", "", "", "", ""],
        },
        geometry=[shapely.Point(p) for p in pt.values()],
        crs="EPSG:4326",
    )
    pipes = gpd.GeoDataFrame(
        {
            "id": [p[0] for p in PIPES],
            "from_node": [p[1] for p in PIPES],
            "to_node": [p[2] for p in PIPES],
            "diameter_mm": [300.0, 200.0, 150.0, 100.0],
            "material": ["DI", "DI", "PE", "PE"],
            "install_year": [1995, 2001, 2010, 2015],
            "street": ["Gulou Street", "Gulou Street", "Sihou Street", "Shudian Street"],
            "dma": ["D1"] * 4,
            "status": ["open"] * 4,
        },
        geometry=[shapely.LineString([pt[a], pt[b]]) for _, a, b in PIPES],
        crs="EPSG:4326",
    )
    valves = gpd.GeoDataFrame(
        {
            "id": ["V1", "V2", "V3"],
            "pipe_id": ["P2", "P3", "P4"],
            "node_id": ["N1", "N2", "N2"],
            "kind": ["gate"] * 3,
            "diameter_mm": [200.0, 150.0, 100.0],
            "normally_closed": [False, False, True],
            "operable": [True, False, True],
            "last_exercised": ["2023-05-01", "2019-03-12", "2024-01-20"],
        },
        geometry=[shapely.Point(pt[n]) for n in ("N1", "N2", "N2")],
        crs="EPSG:4326",
    )
    customers = gpd.GeoDataFrame(
        {
            "id": ["C1", "C2"],
            "pipe_id": ["P3", "P4"],
            "category": ["residential", "critical"],
            "accounts": [12, 1],
            "address": ["3 Sihou Street", "1 Shudian Street"],
            "critical_kind": ["", "hospital"],
            "name": ["Block 3", "People's Hospital"],
            "demand_m3d": [4.5, 60.0],
        },
        geometry=[shapely.Point(_lonlat(300, 20)), shapely.Point(_lonlat(220, 100))],
        crs="EPSG:4326",
    )
    return {"nodes": nodes, "pipes": pipes, "valves": valves, "customers": customers}


def _add_row(gdf: gpd.GeoDataFrame, geometry: Any = None, **values: Any) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` with one more row: the last row with ``values`` changed."""
    row = gdf.iloc[[-1]].copy()
    for column, value in values.items():
        row[column] = value
    if geometry is not None:
        row = row.set_geometry([geometry], crs=gdf.crs)
    return gpd.GeoDataFrame(pd.concat([gdf, row], ignore_index=True), crs=gdf.crs)


def _write(layers: Layers, fmt: str, dest: Path) -> Path:
    """Write layers as one GeoPackage or as a folder of GeoJSON or Shapefile layers."""
    dest.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Shapefile field names are cut to 10 characters; a layer without CRS is intended here
        warnings.simplefilter("ignore")
        if fmt == "gpkg":
            path = dest / "network.gpkg"
            for name, gdf in layers.items():
                gdf.to_file(path, layer=name, engine="pyogrio")
            return path
        folder = dest / f"network_{fmt}"
        folder.mkdir()
        for name, gdf in layers.items():
            gdf.to_file(folder / f"{name}.{fmt}", engine="pyogrio")
        return folder


def _report_of(path: Path, **kwargs: Any) -> ValidationReport:
    with pytest.raises(ValidationError) as info:
        read_network(path, **kwargs)
    report = info.value.report
    assert isinstance(report, ValidationReport)
    assert not report.ok
    assert str(report) in str(info.value)
    return report


def _find(
    report: ValidationReport,
    layer: str,
    ident: str | None,
    severity: str = "error",
    contains: str = "",
) -> Problem:
    matches = [
        p
        for p in report
        if p.layer == layer and p.id == ident and p.severity == severity and contains in p.message
    ]
    assert matches, f"no {severity} on {layer} {ident!r} ({contains!r}) in:\n{report}"
    problem = matches[0]
    assert problem.fix.strip()
    assert problem.to_dict() == {
        "severity": severity,
        "layer": layer,
        "id": ident,
        "message": problem.message,
        "fix": problem.fix,
    }
    return problem


def _geojson_layers_without_crs(layers: Layers) -> Layers:
    return {k: v.set_crs(None, allow_override=True) for k, v in layers.items()}


# -- a clean network in every format -----------------------------------------------------------


def _check_clean(network: Network) -> None:
    assert network.crs is not None
    assert network.crs.to_epsg() == 32650  # EPSG:4326 input is projected to the local UTM zone
    assert network.has_map
    assert network.pipes.length_m == pytest.approx([100.0, 100.0, 100.0, 100.0], abs=0.5)
    assert network.pipes.diameter_mm.tolist() == [300.0, 200.0, 150.0, 100.0]
    assert network.valves.operable.tolist() == [True, False, True]
    assert network.valves.normally_closed.tolist() == [False, False, True]
    assert network.nodes.is_source.tolist() == [True, False, False, False, False]
    # metric coordinates really are metres: N1 is 100 m east of S
    s, n1 = network.nodes.xy[0], network.nodes.xy[1]
    assert np.hypot(*(n1 - s)) == pytest.approx(100.0, abs=0.5)
    # and they go back to the input's longitude and latitude
    lonlat = network.to_wgs84(network.nodes.xy)
    expected = np.array([_lonlat(*xy) for xy in NODE_XY.values()])
    assert np.allclose(lonlat, expected, atol=1e-7)
    # valve points come from the valves layer, projected
    assert np.allclose(network.valves.xy[0], network.nodes.xy[1], atol=1e-3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_network_loads_in_every_format(fmt: str, tmp_path: Path) -> None:
    path = _write(_clean_layers(), fmt, tmp_path)
    network = read_network(path)
    _check_clean(network)
    assert network.warnings == ()
    assert network.name == path.name


def test_clean_network_has_the_same_summary_in_every_format(tmp_path: Path) -> None:
    summaries = []
    for fmt in FORMATS:
        network = read_network(_write(_clean_layers(), fmt, tmp_path / fmt))
        summary = network.summary()
        summary.pop("name")
        summaries.append(summary)
    assert summaries[0]["length_km"] == pytest.approx(0.4, abs=0.002)
    assert summaries[0] == {
        "nodes": 5,
        "sources": 1,
        "pipes": 4,
        "length_km": summaries[0]["length_km"],
        "valves": 3,
        "inoperable_valves": 1,
        "normally_closed_valves": 1,
        "customers": 2,
        "crs": "EPSG:32650",
    }
    assert summaries[1] == summaries[0]
    assert summaries[2] == summaries[0]


def test_shapefile_truncated_field_names_are_restored(tmp_path: Path) -> None:
    folder = _write(_clean_layers(), "shp", tmp_path)
    # the files really have the truncated names
    import pyogrio

    assert "diameter_m" in pyogrio.read_info(folder / "pipes.shp")["fields"].tolist()
    layers = read_layers(folder)
    assert {"elevation_m", "name"} <= set(layers.nodes.columns)
    assert {"diameter_mm", "install_year", "from_node", "to_node"} <= set(layers.pipes.columns)
    assert {"normally_closed", "last_exercised", "diameter_mm"} <= set(layers.valves.columns)
    assert layers.customers is not None
    assert {"critical_kind", "demand_m3d"} <= set(layers.customers.columns)
    for layer in (layers.nodes, layers.pipes, layers.valves, layers.customers):
        assert not any(len(c) == 10 and c.startswith(("diameter_", "install_")) for c in layer)
    assert layers.pipes["diameter_mm"].tolist() == [300.0, 200.0, 150.0, 100.0]
    assert layers.pipes["install_year"].tolist() == [1995, 2001, 2010, 2015]
    assert layers.nodes["elevation_m"].tolist() == [80.0, 79.5, 79.0, 78.5, 78.0]
    assert layers.valves["last_exercised"].astype(str).tolist()[0].startswith("2023-05-01")
    assert layers.customers["critical_kind"].tolist()[1] == "hospital"
    network = read_network(folder)
    assert network.customers.critical_kind[1] == "hospital"


def test_layers_in_different_crs_are_reprojected(tmp_path: Path) -> None:
    layers = _clean_layers()
    layers["pipes"] = layers["pipes"].to_crs(UTM_50N)
    layers["valves"] = layers["valves"].to_crs("EPSG:3857")
    path = _write(layers, "gpkg", tmp_path)
    network = read_network(path)
    _check_clean(network)
    assert any("differs" in w for w in network.warnings)


# -- bad data: every case in every format ------------------------------------------------------

Case = Callable[[Layers], None]


def _duplicate_node(layers: Layers) -> None:
    layers["nodes"] = _add_row(layers["nodes"], shapely.Point(_lonlat(400, 0)), id="N3")


def _duplicate_pipe(layers: Layers) -> None:
    geom = shapely.LineString([_lonlat(100, 0), _lonlat(300, 0)])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="P1", from_node="N1", to_node="N3")


def _duplicate_valve(layers: Layers) -> None:
    layers["valves"] = _add_row(
        layers["valves"], shapely.Point(_lonlat(200, 100)), id="V1", pipe_id="P4", node_id="N4"
    )


def _duplicate_customer(layers: Layers) -> None:
    layers["customers"] = _add_row(layers["customers"], id="C1", pipe_id="P2")


def _pipe_from_unknown_node(layers: Layers) -> None:
    geom = shapely.LineString([_lonlat(400, 0), _lonlat(300, 0)])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="P5", from_node="N9", to_node="N3")


def _pipe_to_unknown_node(layers: Layers) -> None:
    geom = shapely.LineString([_lonlat(300, 0), _lonlat(400, 0)])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="P5", from_node="N3", to_node="N9")


def _valve_on_unknown_pipe(layers: Layers) -> None:
    layers["valves"] = _add_row(layers["valves"], id="V4", pipe_id="P9", node_id="N1")


def _valve_at_unknown_node(layers: Layers) -> None:
    layers["valves"] = _add_row(layers["valves"], id="V4", pipe_id="P1", node_id="N9")


def _valve_node_not_an_end(layers: Layers) -> None:
    layers["valves"] = _add_row(layers["valves"], id="V4", pipe_id="P1", node_id="N3")


def _customer_on_unknown_pipe(layers: Layers) -> None:
    layers["customers"] = _add_row(layers["customers"], id="C3", pipe_id="P9")


def _customer_bad_category(layers: Layers) -> None:
    layers["customers"] = _add_row(layers["customers"], id="C3", category="villa")


def _zero_length_pipe(layers: Layers) -> None:
    at_n3 = _lonlat(*NODE_XY["N3"])
    layers["nodes"] = _add_row(layers["nodes"], shapely.Point(at_n3), id="N5")
    geom = shapely.LineString([at_n3, at_n3])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="P5", from_node="N3", to_node="N5")


def _pipe_loops_on_itself(layers: Layers) -> None:
    geom = shapely.LineString([_lonlat(300, 0), _lonlat(350, 50), _lonlat(300, 0)])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="P5", from_node="N3", to_node="N3")


def _bad_node_kind(layers: Layers) -> None:
    layers["nodes"] = _add_row(
        layers["nodes"], shapely.Point(_lonlat(400, 0)), id="N5", kind="well"
    )


BAD_CASES: list[tuple[str, Case, str, str, str]] = [
    # (case id, change, layer, row id, text in the message)
    ("duplicate-node", _duplicate_node, "nodes", "N3", "more than once"),
    ("duplicate-pipe", _duplicate_pipe, "pipes", "P1", "more than once"),
    ("duplicate-valve", _duplicate_valve, "valves", "V1", "more than once"),
    ("duplicate-customer", _duplicate_customer, "customers", "C1", "more than once"),
    ("pipe-from-unknown-node", _pipe_from_unknown_node, "pipes", "P5", "from_node"),
    ("pipe-to-unknown-node", _pipe_to_unknown_node, "pipes", "P5", "to_node"),
    ("valve-on-unknown-pipe", _valve_on_unknown_pipe, "valves", "V4", "pipe_id"),
    ("valve-at-unknown-node", _valve_at_unknown_node, "valves", "V4", "node_id"),
    ("valve-node-not-an-end", _valve_node_not_an_end, "valves", "V4", "not an end"),
    ("customer-on-unknown-pipe", _customer_on_unknown_pipe, "customers", "C3", "pipe_id"),
    ("customer-bad-category", _customer_bad_category, "customers", "C3", "category"),
    ("zero-length-pipe", _zero_length_pipe, "pipes", "P5", "zero length"),
    ("pipe-loops-on-itself", _pipe_loops_on_itself, "pipes", "P5", "same node"),
    ("bad-node-kind", _bad_node_kind, "nodes", "N5", "kind"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "layer", "ident", "text"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_CASES],
)
def test_bad_data_is_reported(
    change: Case, layer: str, ident: str, text: str, fmt: str, tmp_path: Path
) -> None:
    layers = _clean_layers()
    change(layers)
    report = _report_of(_write(layers, fmt, tmp_path))
    _find(report, layer, ident, "error", text)
    # only the broken row is blamed for it
    blamed = [p for p in report.errors if text in p.message]
    assert [(p.layer, p.id) for p in blamed] == [(layer, ident)]


def test_report_lists_every_problem_at_once(tmp_path: Path) -> None:
    layers = _clean_layers()
    for change in (_duplicate_node, _valve_on_unknown_pipe, _customer_on_unknown_pipe):
        change(layers)
    report = _report_of(_write(layers, "gpkg", tmp_path))
    _find(report, "nodes", "N3", "error", "more than once")
    _find(report, "valves", "V4", "error", "pipe_id")
    _find(report, "customers", "C3", "error", "pipe_id")
    as_dict = report.to_dict()
    assert as_dict["ok"] is False
    assert as_dict["errors"] == len(report.errors) >= 3
    assert len(as_dict["problems"]) == len(report)


def test_row_without_id_is_reported_by_row_number(tmp_path: Path) -> None:
    layers = _clean_layers()
    layers["valves"] = _add_row(layers["valves"], id=None, pipe_id="P1", node_id="S")
    report = _report_of(_write(layers, "gpkg", tmp_path))
    _find(report, "valves", "row 3", "error", "no id")


def test_many_problems_of_one_kind_are_capped(tmp_path: Path) -> None:
    layers = _clean_layers()
    for i in range(25):
        layers["customers"] = _add_row(layers["customers"], id=f"X{i}", pipe_id="P9")
    report = _report_of(_write(layers, "gpkg", tmp_path))
    rows = [p for p in report.errors if p.layer == "customers"]
    assert [p.id for p in rows[:20]] == [f"X{i}" for i in range(20)]
    assert rows[20].id is None
    assert "5 more rows" in rows[20].message
    assert len(rows) == 21


# -- missing CRS -------------------------------------------------------------------------------


def test_geopackage_without_crs_is_an_error(tmp_path: Path) -> None:
    layers = {k: v.set_crs(None, allow_override=True) for k, v in _clean_layers().items()}
    path = _write(layers, "gpkg", tmp_path)
    assert read_layers(path).nodes.crs is None
    report = _report_of(path)
    for layer in ("nodes", "pipes", "valves", "customers"):
        _find(report, layer, None, "error", "no CRS")


def test_shapefile_without_prj_is_an_error(tmp_path: Path) -> None:
    folder = _write(_clean_layers(), "shp", tmp_path)
    (folder / "nodes.prj").unlink()
    (folder / "pipes.prj").unlink()
    report = _report_of(folder)
    _find(report, "nodes", None, "error", "no CRS")
    _find(report, "pipes", None, "error", "no CRS")
    assert not [p for p in report if p.layer in ("valves", "customers") and "CRS" in p.message]


def test_geojson_without_crs_is_read_as_wgs84(tmp_path: Path) -> None:
    # pyogrio writes a GeoJSON without a "crs" member, and GDAL reads such a file as EPSG:4326
    # (RFC 7946): longitude/latitude data without a CRS loads correctly.
    folder = _write(_geojson_layers_without_crs(_clean_layers()), "geojson", tmp_path)
    assert '"crs"' not in (folder / "nodes.geojson").read_text()
    assert read_layers(folder).nodes.crs.to_epsg() == 4326
    _check_clean(read_network(folder))


def test_geojson_with_metric_coordinates_and_no_crs_is_reported(tmp_path: Path) -> None:
    # The same file with metric (UTM) coordinates is read as EPSG:4326 too: longitudes of
    # 258 000 degrees. That is bad data to report, not a crash.
    # BUG: gis/validate.py _check_lengths calls pipes.estimate_utm_crs(), which raises
    # RuntimeError("Unable to determine UTM CRS") out of read_network.
    metric = {k: v.to_crs(UTM_50N) for k, v in _clean_layers().items()}
    folder = _write(_geojson_layers_without_crs(metric), "geojson", tmp_path)
    report = _report_of(folder)
    assert any(p.layer in ("nodes", "pipes") for p in report.errors), str(report)


# -- warnings: a part of the network without a source ------------------------------------------


def _add_dry_part(layers: Layers) -> None:
    """Two junctions 1 km north, joined by a pipe, connected to nothing with a source."""
    nodes = _add_row(layers["nodes"], shapely.Point(_lonlat(0, 1000)), id="X1", kind="junction")
    layers["nodes"] = _add_row(nodes, shapely.Point(_lonlat(100, 1000)), id="X2", kind="junction")
    geom = shapely.LineString([_lonlat(0, 1000), _lonlat(100, 1000)])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="PX", from_node="X1", to_node="X2")


@pytest.mark.parametrize("fmt", FORMATS)
def test_part_without_source_is_a_warning(fmt: str, tmp_path: Path) -> None:
    layers = _clean_layers()
    _add_dry_part(layers)
    path = _write(layers, fmt, tmp_path)

    report = validate_layers(read_layers(path))
    assert report.ok
    assert report.errors == []
    problem = _find(report, "nodes", "X1", "warning", "no source")
    assert "2 nodes" in problem.message

    network = read_network(path)  # still loads
    assert len(network.pipes) == 5
    assert any("X1" in w and "no source" in w for w in network.warnings)


def test_part_without_source_is_reported_even_with_other_warnings(tmp_path: Path) -> None:
    # BUG: gis/validate.py validate_layers runs _check_sources only when no problem at all is on
    # the nodes or pipes layer, warnings included: one pipe without a diameter (a warning)
    # hides the dry part of the network.
    layers = _clean_layers()
    _add_dry_part(layers)
    layers["pipes"].loc[0, "diameter_mm"] = 0.0
    path = _write(layers, "gpkg", tmp_path)
    report = validate_layers(read_layers(path))
    assert report.ok
    _find(report, "pipes", "P1", "warning", "diameter")
    _find(report, "nodes", "X1", "warning", "no source")


# -- files that cannot be read -----------------------------------------------------------------


def test_unreadable_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    path.write_bytes(b"\x00\x01garbage, not a database\xff" * 50)
    report = _report_of(path)
    problem = _find(report, "file", str(path), "error", "not a GeoPackage")
    assert len(report) == 1
    assert problem.fix


def test_unreadable_layer_in_folder(tmp_path: Path) -> None:
    folder = _write(_clean_layers(), "geojson", tmp_path)
    (folder / "pipes.geojson").write_text("{ this is not json")
    report = _report_of(folder)
    _find(report, "pipes", str(folder / "pipes.geojson"), "error", "cannot be read")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.gpkg"
    report = _report_of(path)
    _find(report, "file", str(path), "error", "does not exist")


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "network.csv"
    path.write_text("id,kind\nN1,junction\n")
    report = _report_of(path)
    _find(report, "file", str(path), "error", ".csv")


def test_unreadable_epanet_file(tmp_path: Path) -> None:
    pytest.importorskip("wntr")
    path = tmp_path / "broken.inp"
    path.write_text(
        "[JUNCTIONS]\nJ1 not-a-number\n[PIPES]\nP1 J1 J9 x y z\n[OPTIONS]\nUnits LPS\n[END]\n"
    )
    report = _report_of(path)
    problem = _find(report, "file", str(path), "error", "EPANET")
    assert "'not-a-number'" in problem.message  # what is wrong, in words


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_required_layer(fmt: str, tmp_path: Path) -> None:
    layers = _clean_layers()
    del layers["pipes"]
    path = _write(layers, fmt, tmp_path)
    report = _report_of(path)
    _find(report, "file", path.name, "error", "pipes")


def test_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    report = _report_of(folder)
    _find(report, "file", "empty", "error", "nodes or pipes")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("layer", "column"),
    # a valve without pipe_id or node_id is placed by its point: tests/gis/test_topology.py
    [("pipes", "diameter_mm"), ("pipes", "to_node"), ("nodes", "kind")],
)
def test_missing_required_column(layer: str, column: str, fmt: str, tmp_path: Path) -> None:
    layers = _clean_layers()
    layers[layer] = layers[layer].drop(columns=column)
    report = _report_of(_write(layers, fmt, tmp_path))
    problem = _find(report, layer, None, "error", column)
    assert column in problem.fix


# -- EPANET ------------------------------------------------------------------------------------


def _net3() -> Path:
    wntr = pytest.importorskip("wntr")
    return Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"


def test_epanet_without_crs_loads_with_local_coordinates() -> None:
    import wntr

    network = read_network(_net3())
    wn = wntr.network.WaterNetworkModel(str(_net3()))
    assert network.crs is None
    assert not network.has_map
    assert network.pipes.geometry is None
    assert any("CRS" in w for w in network.warnings)
    summary = network.summary()
    assert summary["crs"] is None
    assert summary["nodes"] == wn.num_nodes
    assert summary["pipes"] == wn.num_links
    assert summary["sources"] == wn.num_reservoirs + wn.num_tanks
    assert summary["valves"] == 0
    # lengths come from the file (WNTR gives metres)
    i = network.pipe_index("101")
    assert network.pipes.length_m[i] == pytest.approx(wn.get_link("101").length)
    # the closed pipe of the file is closed in the model
    assert not network.pipes.is_open[network.pipe_index("330")]
    with pytest.raises(NoMap, match="CRS"):
        network.to_wgs84(network.nodes.xy[:1])


def test_epanet_without_crs_is_a_warning_of_the_validation_report() -> None:
    """The report every interface shows (validate, the API's upload) says it, not only the
    command line's loading."""
    from gis.io import read_layers

    report = validate_layers(read_layers(_net3()))
    assert report.ok
    (warning,) = [p for p in report.warnings if "no CRS" in p.message]
    assert (warning.layer, warning.id) == ("file", _net3().name)
    assert "cannot be drawn on a map" in warning.message
    assert "EPSG" in warning.fix
    assert not any(
        "no CRS" in p.message for p in validate_layers(read_layers(_net3(), crs=UTM_50N))
    )


def test_epanet_with_crs_can_be_put_on_a_map() -> None:
    network = read_network(_net3(), crs=UTM_50N)
    assert network.crs is not None
    assert network.crs.to_epsg() == 32650
    assert network.has_map
    assert network.summary()["crs"] == UTM_50N
    assert not any("CRS" in w for w in network.warnings)
    assert network.pipes.geometry is not None
    lonlat = network.to_wgs84(network.nodes.xy)
    assert np.isfinite(lonlat).all()
    # lengths stay those of the file, not of the straight-line geometry
    local = read_network(_net3())
    assert np.allclose(network.pipes.length_m, local.pipes.length_m)


def test_epanet_valve_csv_without_node_column(tmp_path: Path) -> None:
    csv = tmp_path / "valves.csv"
    csv.write_text("link\n101\n103\n")
    report = _report_of(_net3(), valves=csv)
    problem = _find(report, "valves", str(csv), "error", "node")
    assert "link,node" in problem.fix


def test_epanet_valve_csv_with_bad_rows(tmp_path: Path) -> None:
    csv = tmp_path / "valves.csv"
    csv.write_text("link,node\n101,10\nNOPE,10\n101,105\n")
    report = _report_of(_net3(), valves=csv)
    _find(report, "valves", "1", "error", "pipe_id")  # valves without id are named by row
    _find(report, "valves", "2", "error", "not an end")
    assert len(report.errors) == 2


# -- bugs found while writing these tests ------------------------------------------------------


def test_duplicate_pipe_id_with_a_valve_on_it_is_reported(tmp_path: Path) -> None:
    # BUG: gis/validate.py _check_valves looks the valve's pipe up with ends.loc[...], which
    # returns one row per duplicate: numpy then raises "operands could not be broadcast
    # together" instead of the report naming the duplicate pipe.
    layers = _clean_layers()
    geom = shapely.LineString([_lonlat(100, 0), _lonlat(200, 100)])
    layers["pipes"] = _add_row(layers["pipes"], geom, id="P2", from_node="N1", to_node="N4")
    report = _report_of(_write(layers, "gpkg", tmp_path))
    _find(report, "pipes", "P2", "error", "more than once")


def test_integer_ids_with_a_missing_reference(tmp_path: Path) -> None:
    # Integer id columns are common in GIS exports. A null in an integer column is read back
    # as float (1.0, 2.0, NaN): only the pipe with the null reference is wrong.
    # BUG: gis/validate.py compares ids as strings, so "1.0" != "1" and every pipe of the
    # layer is reported as starting at a node that does not exist.
    pts = {i: _lonlat(100.0 * i, 0.0) for i in (1, 2, 3, 4)}
    nodes = gpd.GeoDataFrame(
        {"id": [1, 2, 3, 4], "kind": ["source", "junction", "junction", "junction"]},
        geometry=[shapely.Point(p) for p in pts.values()],
        crs="EPSG:4326",
    )
    pipes = gpd.GeoDataFrame(
        {
            "id": [10, 11, 12],
            "from_node": [1, 2, None],
            "to_node": [2, 3, 4],
            "diameter_mm": [100.0] * 3,
        },
        geometry=[shapely.LineString([pts[a], pts[b]]) for a, b in ((1, 2), (2, 3), (3, 4))],
        crs="EPSG:4326",
    )
    report = _report_of(_write({"nodes": nodes, "pipes": pipes}, "gpkg", tmp_path))
    blamed = {p.id for p in report.errors if p.layer == "pipes"}
    assert blamed == {"12"}, str(report)
