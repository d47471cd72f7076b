"""Tests of the synthetic Kaifeng sample city (``sample_data/generate.py``, ``kaifeng.gpkg``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from sample_data.generate import (
    DEFAULT_OUT,
    LAYER_NAMES,
    WORK_CRS,
    Layers,
    generate_city,
    main,
    write_gpkg,
)

GEOMETRY_LAYERS = ("nodes", "pipes", "valves", "customers", "dmas", "roads", "depots")
COLUMNS = {
    "nodes": [
        "id",
        "kind",
        "elevation_m",
        "name",
        "head_m",
        "level_m",
        "min_level_m",
        "max_level_m",
        "tank_diameter_m",
    ],
    "pipes": [
        "id",
        "from_node",
        "to_node",
        "diameter_mm",
        "material",
        "install_year",
        "street",
        "dma",
        "status",
        "street_zh",
    ],
    "valves": [
        "id",
        "pipe_id",
        "node_id",
        "kind",
        "diameter_mm",
        "normally_closed",
        "operable",
        "last_exercised",
    ],
    "customers": [
        "id",
        "pipe_id",
        "category",
        "accounts",
        "address",
        "critical_kind",
        "name",
        "demand_m3d",
        "name_zh",
        "estate",
        "estate_zh",
        "address_zh",
    ],
    "dmas": ["id", "name", "inlet_meters", "name_zh"],
    "roads": ["id", "speed_kmh", "name", "oneway", "name_zh"],
    "depots": ["id", "name"],
    "about": ["key", "value"],
}
CATEGORIES = {"residential", "commercial", "industrial", "institution", "critical"}
CRITICAL_KINDS = {
    "hospital",
    "school",
    "dialysis centre",
    "nursing home",
    "fire station",
    "kindergarten",
}


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed() -> Layers:
    """All layers of the committed ``sample_data/kaifeng.gpkg``."""
    assert DEFAULT_OUT.exists(), "run `python -m sample_data.generate` to create the sample"
    layers: Layers = {}
    for name in LAYER_NAMES:
        layers[name] = gpd.read_file(DEFAULT_OUT, layer=name)
    return layers


@pytest.fixture(scope="module")
def fresh_default() -> Layers:
    """A freshly generated default city (EPSG:4326)."""
    return generate_city()


@pytest.fixture(scope="module")
def small_utm() -> Layers:
    """A small city in metres (for metric checks)."""
    return generate_city(pipes=1500, seed=11, crs=WORK_CRS)


def _closed_pipes(layers: Layers) -> set[str]:
    valves = layers["valves"]
    return set(valves.loc[valves["normally_closed"].astype(bool), "pipe_id"])


def _node_dma(layers: Layers) -> pd.Series:
    """DMA polygon each node lies in (NaN outside all DMAs)."""
    nodes, dmas = layers["nodes"], layers["dmas"]
    joined = gpd.sjoin(nodes[["id", "geometry"]], dmas[["id", "geometry"]], predicate="within")
    assert not joined.index.duplicated().any(), "DMA polygons overlap"
    return joined.set_index("id_left")["id_right"].reindex(nodes["id"])


# ---------------------------------------------------------------------------------------------
# the committed file
# ---------------------------------------------------------------------------------------------


def test_committed_file_layers_and_crs(committed: Layers) -> None:
    assert DEFAULT_OUT.stat().st_size < 5_500_000
    listed = {str(name) for name, _ in pyogrio.list_layers(DEFAULT_OUT)}
    assert listed == set(LAYER_NAMES)
    for name in LAYER_NAMES:
        assert list(committed[name].columns.drop("geometry", errors="ignore")) == COLUMNS[name]
    for name in GEOMETRY_LAYERS:
        gdf = committed[name]
        assert isinstance(gdf, gpd.GeoDataFrame)
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
        minx, miny, maxx, maxy = gdf.total_bounds
        assert 114.15 < minx < maxx < 114.55, name
        assert 34.70 < miny < maxy < 34.90, name
    assert set(committed["nodes"].geom_type) == {"Point"}
    assert set(committed["pipes"].geom_type) == {"LineString"}
    assert set(committed["roads"].geom_type) == {"LineString"}
    assert set(committed["dmas"].geom_type) == {"Polygon"}
    about = dict(zip(committed["about"]["key"], committed["about"]["value"], strict=True))
    assert "SYNTHETIC" in about["notice"]
    assert about["generator"] == "sample_data.generate"
    assert about["seed"] == "2022"


def test_committed_file_counts(committed: Layers) -> None:
    nodes, pipes, customers = committed["nodes"], committed["pipes"], committed["customers"]
    assert len(pipes) >= 3000
    assert len(customers) >= 10000
    assert set(customers["category"]) == CATEGORIES
    critical = customers[customers["category"] == "critical"]
    assert critical["name"].notna().sum() >= 20
    assert critical["name"].str.contains("(synthetic)", regex=False).all()
    assert set(critical["critical_kind"]) <= CRITICAL_KINDS
    assert customers.loc[customers["category"] != "critical", "critical_kind"].isna().all()
    named = customers["category"].isin(["critical", "institution"])
    assert customers.loc[named, "name"].notna().all()
    assert customers.loc[~named, "name"].isna().all()
    assert (customers["accounts"] >= 1).all() and customers["accounts"].max() > 20
    assert (customers["demand_m3d"] > 0).all()
    assert len(committed["dmas"]) >= 6
    assert (nodes["kind"] == "source").sum() == 2
    assert (nodes["kind"] == "tank").sum() == 1
    assert set(nodes["kind"]) == {"junction", "source", "tank"}
    assert nodes.loc[nodes["kind"] != "junction", "name"].notna().all()
    assert len(committed["depots"]) == 3
    valves = committed["valves"]
    inoperable = 1.0 - valves["operable"].astype(bool).mean()
    assert 0.01 <= inoperable <= 0.04
    assert valves["normally_closed"].astype(bool).sum() > 0
    exercised = valves["last_exercised"]
    assert 0.08 < exercised.isna().mean() < 0.25
    years = pd.to_datetime(exercised.dropna()).dt.year
    assert years.min() == 2019 and years.max() == 2026
    roads = committed["roads"]
    assert set(roads["speed_kmh"]) == {50.0, 30.0, 15.0}
    assert 0 < roads["oneway"].astype(bool).sum() < 0.2 * len(roads)


def test_committed_file_matches_generator(committed: Layers, fresh_default: Layers) -> None:
    for name in LAYER_NAMES:
        got, want = committed[name], fresh_default[name]
        assert len(got) == len(want), name
        key = "key" if name == "about" else "id"
        assert got[key].tolist() == want[key].tolist(), name
        if name in GEOMETRY_LAYERS:
            np.testing.assert_allclose(
                shapely.get_coordinates(got.geometry.values),
                shapely.get_coordinates(want.geometry.values),
                rtol=0,
                atol=1e-7,
            )
    for name, cols in {
        "pipes": ["from_node", "to_node", "diameter_mm", "material", "dma", "street", "street_zh"],
        "valves": ["pipe_id", "node_id", "normally_closed", "operable", "last_exercised"],
        "customers": [
            "pipe_id",
            "category",
            "accounts",
            "name",
            "demand_m3d",
            "name_zh",
            "estate",
            "estate_zh",
        ],
        "dmas": ["name", "inlet_meters", "name_zh"],
        "roads": ["name", "name_zh"],
        "nodes": ["kind", "elevation_m"],
    }.items():
        for col in cols:
            if pd.api.types.is_float_dtype(fresh_default[name][col]):
                np.testing.assert_allclose(committed[name][col], fresh_default[name][col])
                continue
            got_col = [None if pd.isna(x) else x for x in committed[name][col]]
            want_col = [None if pd.isna(x) else x for x in fresh_default[name][col]]
            assert got_col == want_col, (name, col)


def test_chinese_names_beside_the_pinyin(committed: Layers) -> None:
    """Every street, DMA and named unit has a Chinese name, one per pinyin name and no two
    streets sharing one; estates (小区) are whole blocks of residential customers."""
    han = r"^[\u3400-\u9fff0-9（）]+$"
    for layer, name, zh in (
        ("pipes", "street", "street_zh"),
        ("roads", "name", "name_zh"),
        ("dmas", "name", "name_zh"),
    ):
        df = committed[layer]
        assert df[zh].notna().all(), layer
        assert df[zh].str.match(han).all(), layer
        pairs = df[[name, zh]].drop_duplicates()
        assert pairs[name].is_unique and pairs[zh].is_unique, layer
    streets = dict(committed["pipes"][["street", "street_zh"]].drop_duplicates().values)
    assert streets["Zhongshan Lu"] == "中山路"
    assert streets["Wei 3 Lu"] == "纬三路"
    assert streets["Jing 12 Lu"] == "经十二路"
    assert set(committed["dmas"]["name_zh"].str[-3:]) == {"一片区", "二片区"}
    customers = committed["customers"]
    named = customers["name"].notna()
    assert (customers["name_zh"].notna() == named).all()
    assert customers.loc[named, "name_zh"].str.endswith("（虚构）").all()
    estate = customers["estate"].notna()
    assert (customers["estate_zh"].notna() == estate).all()
    assert set(customers.loc[estate, "category"]) == {"residential"}
    assert 0.15 < estate.mean() < 0.5
    pairs = customers.loc[estate, ["estate", "estate_zh"]].drop_duplicates()
    assert pairs["estate"].is_unique and pairs["estate_zh"].is_unique
    assert len(pairs) > 300
    assert customers.loc[estate, "estate_zh"].str.match(r"^[\u3400-\u9fff]+$").all()


def test_every_address_in_chinese_beside_the_pinyin(committed: Layers) -> None:
    """Each customer's address in Chinese as it is written there (street, house number, 号:
    No. 49 Nanhuan Lu is 南环路49号), the street as the pipe's street_zh."""
    customers = committed["customers"]
    assert customers["address_zh"].notna().all()
    parts = customers["address"].str.extract(r"^No\. (\d+) (.+)$")
    assert parts.notna().all().all()
    street_zh = dict(committed["pipes"][["street", "street_zh"]].drop_duplicates().values)
    expected = parts[1].map(street_zh) + parts[0] + "号"
    assert (customers["address_zh"] == expected).all()
    first = customers.set_index("id").loc["C000001"]
    assert (first["address"], first["address_zh"]) == ("No. 49 Nanhuan Lu", "南环路49号")


# ---------------------------------------------------------------------------------------------
# integrity
# ---------------------------------------------------------------------------------------------


def test_unique_ids_and_references(committed: Layers) -> None:
    for name in GEOMETRY_LAYERS:
        assert committed[name]["id"].is_unique, name
    nodes, pipes, valves = committed["nodes"], committed["pipes"], committed["valves"]
    node_ids = set(nodes["id"])
    assert set(pipes["from_node"]) <= node_ids
    assert set(pipes["to_node"]) <= node_ids
    assert (pipes["from_node"] != pipes["to_node"]).all()
    assert set(committed["customers"]["pipe_id"]) <= set(pipes["id"])
    assert set(pipes["dma"].dropna()) <= set(committed["dmas"]["id"])
    assert set(pipes["status"]) == {"open"}
    ends = pipes.set_index("id").loc[valves["pipe_id"], ["from_node", "to_node", "diameter_mm"]]
    at_end = (ends["from_node"].to_numpy() == valves["node_id"].to_numpy()) | (
        ends["to_node"].to_numpy() == valves["node_id"].to_numpy()
    )
    assert at_end.all()
    assert (ends["diameter_mm"].to_numpy() == valves["diameter_mm"].to_numpy()).all()
    assert not valves.duplicated(["pipe_id", "node_id"]).any()
    assert (valves["kind"] == np.where(valves["diameter_mm"] >= 300, "butterfly", "gate")).all()


def test_pipe_geometry(committed: Layers, small_utm: Layers) -> None:
    pipes = committed["pipes"]
    assert (shapely.length(pipes.geometry.values) > 0).all()
    # geometry runs from from_node to to_node
    xy = committed["nodes"].set_index("id").geometry
    start = shapely.get_point(pipes.geometry.values, 0)
    end = shapely.get_point(pipes.geometry.values, -1)
    assert shapely.equals_exact(start, xy.loc[pipes["from_node"]].values, 1e-9).all()
    assert shapely.equals_exact(end, xy.loc[pipes["to_node"]].values, 1e-9).all()
    # metric checks on a small city in UTM
    pipes_m = small_utm["pipes"]
    assert shapely.length(pipes_m.geometry.values).min() > 5.0
    valves_m = small_utm["valves"]
    nodes_m = small_utm["nodes"].set_index("id").geometry
    d_node = shapely.distance(valves_m.geometry.values, nodes_m.loc[valves_m["node_id"]].values)
    assert (np.isclose(d_node, 3.0, atol=1e-6) | (d_node < 3.0)).all()
    assert np.isclose(d_node, 3.0, atol=1e-6).mean() > 0.99
    on_pipe = pipes_m.set_index("id").geometry.loc[valves_m["pipe_id"]].values
    assert (shapely.distance(valves_m.geometry.values, on_pipe) < 1e-6).all()


def test_network_shape(committed: Layers) -> None:
    nodes, pipes, valves = committed["nodes"], committed["pipes"], committed["valves"]
    dn = pipes["diameter_mm"]
    transmission = pipes["dma"].isna()
    assert dn[transmission].min() >= 500 and dn[transmission].max() <= 1000
    # the plants and the tank are at the outer ends of transmission mains: PLANT-1 feeds its
    # trunk main and the water tower's fill main (issue 17), TANK-1 is on its own trunk main
    # and that fill main
    mains = {"PLANT-1": 2, "PLANT-2": 1, "TANK-1": 2}
    assert set(nodes.loc[nodes["kind"] != "junction", "id"]) == set(mains)
    for node, count in mains.items():
        touching = pipes[(pipes["from_node"] == node) | (pipes["to_node"] == node)]
        assert len(touching) == count and touching["dma"].isna().all(), node
    # the fill main runs from PLANT-1 to TANK-1 outside the city: steel, no DMA, no customer,
    # crossing no other pipe, a valve at each of its ends and joints
    fill = pipes[pipes["street"] == "Xibei Shuguan Lu"]
    chain = nx.Graph(list(zip(fill["from_node"], fill["to_node"], strict=True)))
    assert nx.has_path(chain, "PLANT-1", "TANK-1") and nx.is_tree(chain)
    assert set(fill["material"]) == {"steel"} and fill["dma"].isna().all()
    assert not committed["customers"]["pipe_id"].isin(fill["id"]).any()
    others = pipes[~pipes["id"].isin(fill["id"])]
    crossing = shapely.STRtree(others.geometry.values).query(fill.geometry.values, "crosses")
    assert crossing.size == 0
    fill_valves = valves[valves["pipe_id"].isin(fill["id"])]
    assert set(fill_valves["node_id"]) == set(chain.nodes)
    assert dn[~transmission].between(50, 600).all()
    assert ((dn >= 300) & (dn <= 600)).sum() > 0.1 * len(pipes)
    assert (dn < 100).sum() > 0.05 * len(pipes)
    assert set(pipes["material"]) >= {"ductile iron", "PE", "cast iron", "steel"}
    degree = pd.concat([pipes["from_node"], pipes["to_node"]]).value_counts()
    junctions = nodes.loc[nodes["kind"] == "junction", "id"]
    deg = degree.reindex(junctions).fillna(0).astype(int)
    assert (deg >= 1).all()
    tips = set(deg.index[deg == 1])
    assert 0.1 < len(tips) / len(deg) < 0.4
    assert not set(valves["node_id"]) & tips, "no valves at dead-end tips"
    # strategic valves: N-1 at most junctions, fewer at some
    per_node = valves["node_id"].value_counts().reindex(junctions).fillna(0).astype(int)
    inner = deg[deg >= 2]
    n_minus_1 = (per_node[inner.index] == inner - 1).mean()
    fewer = (per_node[inner.index] < inner - 1).mean()
    assert n_minus_1 > 0.8
    assert 0.03 < fewer < 0.2


def test_dmas(committed: Layers) -> None:
    pipes, dmas, nodes = committed["pipes"], committed["dmas"], committed["nodes"]
    node_dma = _node_dma(committed)
    junctions = nodes.loc[nodes["kind"] == "junction", "id"]
    assert node_dma[junctions].notna().mean() > 0.99  # only trunk-main junctions lie outside
    a = node_dma[pipes["from_node"]].to_numpy()
    b = node_dma[pipes["to_node"]].to_numpy()
    inside = pd.notna(a) & (a == b)
    assert (pipes["dma"].to_numpy()[inside] == a[inside]).all()
    crossing = pd.notna(a) & pd.notna(b) & (a != b)
    assert crossing.sum() > 20
    # every crossing pipe is closed, except the metered inlets
    closed = pipes["id"].isin(_closed_pipes(committed)).to_numpy()
    assert not closed[~crossing].any()
    open_crossing = int((crossing & ~closed).sum())
    meters = dmas["inlet_meters"].str.split(",")
    assert meters.map(len).between(1, 2).all()
    assert all(
        m.startswith(f"M-{d}-") for d, ms in zip(dmas["id"], meters, strict=True) for m in ms
    )
    # the last pipe of each trunk main (plant 1, plant 2, tank) is the inlet of its DMA
    transmission_inlets = int((pipes["dma"].isna().to_numpy() & (pd.notna(a) ^ pd.notna(b))).sum())
    assert transmission_inlets == 3
    assert open_crossing + transmission_inlets == meters.map(len).sum()
    # every DMA is connected on its own pipes
    graph = nx.Graph()
    graph.add_nodes_from(node_dma.dropna().index)
    graph.add_edges_from(zip(pipes["from_node"][inside], pipes["to_node"][inside], strict=True))
    per_dma = pd.Series(
        [node_dma[next(iter(c))] for c in nx.connected_components(graph)]
    ).value_counts()
    assert (per_dma == 1).all() and len(per_dma) == len(dmas)
    # the polygons cover the streets of their DMA
    union = shapely.union_all(dmas.geometry.values)
    street_pipes = pipes[pipes["dma"].notna()]
    assert shapely.covered_by(street_pipes.geometry.values, union).all()


def test_hydraulic_sanity(committed: Layers) -> None:
    """With the normally-closed valves shut, every node is still fed from a source or tank."""
    nodes, pipes = committed["nodes"], committed["pipes"]
    closed = _closed_pipes(committed)
    graph = nx.Graph()
    graph.add_nodes_from(nodes["id"])
    is_open = ~pipes["id"].isin(closed)
    graph.add_edges_from(zip(pipes["from_node"][is_open], pipes["to_node"][is_open], strict=True))
    feeds = nodes.loc[nodes["kind"].isin(["source", "tank"]), "id"].tolist()
    graph.add_edges_from(("SUPER", f) for f in feeds)
    reached = nx.node_connected_component(graph, "SUPER")
    assert set(nodes["id"]) <= reached


def test_roads_and_depots(committed: Layers) -> None:
    roads, depots, pipes = committed["roads"], committed["depots"], committed["pipes"]
    assert (shapely.length(roads.geometry.values) > 0).all()
    graph = nx.DiGraph()
    for geom, oneway in zip(roads.geometry.values, roads["oneway"].astype(bool), strict=True):
        a = tuple(np.round(shapely.get_coordinates(geom)[0], 9))
        b = tuple(np.round(shapely.get_coordinates(geom)[-1], 9))
        graph.add_edge(a, b)
        if not oneway:
            graph.add_edge(b, a)
    assert nx.is_strongly_connected(graph)
    for point in depots.geometry.values:
        assert tuple(np.round(shapely.get_coordinates(point)[0], 9)) in graph
    assert set(pipes["street"]) <= set(roads["name"])
    assert set(depots["id"]) == {"DEPOT-1", "DEPOT-2", "DEPOT-3"}


# ---------------------------------------------------------------------------------------------
# determinism, scaling, CLI
# ---------------------------------------------------------------------------------------------


def _assert_layers_equal(a: Layers, b: Layers) -> None:
    assert a.keys() == b.keys()
    for name in a:
        left, right = a[name], b[name]
        if isinstance(left, gpd.GeoDataFrame):
            assert isinstance(right, gpd.GeoDataFrame)
            assert left.crs == right.crs
            pd.testing.assert_series_equal(
                pd.Series(shapely.to_wkb(left.geometry.values)),
                pd.Series(shapely.to_wkb(right.geometry.values)),
            )
            left, right = (
                pd.DataFrame(left.drop(columns="geometry")),
                pd.DataFrame(right.drop(columns="geometry")),
            )
        pd.testing.assert_frame_equal(left, right)


def test_deterministic() -> None:
    first = generate_city(pipes=800, seed=7)
    second = generate_city(pipes=800, seed=7)
    _assert_layers_equal(first, second)
    other = generate_city(pipes=800, seed=8)
    assert (
        not first["pipes"]
        .geometry.geom_equals(other["pipes"].geometry.reindex(first["pipes"].index))
        .all()
    )


def test_scaling(fresh_default: Layers) -> None:
    big = generate_city(pipes=20000, crs=WORK_CRS)
    n = len(big["pipes"])
    assert 18000 <= n <= 22000
    assert big["pipes"].crs.to_epsg() == 32650
    base = len(fresh_default["pipes"])
    for name in ("valves", "customers", "nodes"):
        ratio = (len(big[name]) / n) / (len(fresh_default[name]) / base)
        assert 0.85 < ratio < 1.15, name
    assert len(big["dmas"]) > len(fresh_default["dmas"])
    assert big["pipes"]["id"].is_unique and big["customers"]["id"].is_unique


def test_small_pipe_count_rejected() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_city(pipes=10)


def test_write_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "city.gpkg"
    layers = generate_city(pipes=300, seed=3)
    write_gpkg(layers, out)
    write_gpkg(layers, out)  # overwrites
    back = gpd.read_file(out, layer="valves")
    assert len(back) == len(layers["valves"])
    assert back["normally_closed"].dtype == bool
    cli_out = tmp_path / "cli.gpkg"
    assert main(["--pipes", "300", "--seed", "3", "--out", str(cli_out)]) == 0
    printed = capsys.readouterr().out
    for name in LAYER_NAMES:
        assert name in printed
    assert len(gpd.read_file(cli_out, layer="pipes")) == len(layers["pipes"])
