"""Map layers for the console: what the map draws is the network, in WGS84."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely

from gis.errors import NoMap
from gis.mapview import LAYERS, map_layer, roads_layer
from gis.network import Network
from tests.conftest import SAMPLE_CITY, make_network


def _metric(network: Network, lonlat: list[list[float]]) -> np.ndarray:
    return np.array([network.from_wgs84(lon, lat) for lon, lat in lonlat])


def test_pipes_are_the_network_pipes_within_half_a_metre(sample_city: Network) -> None:
    layer = map_layer(sample_city, "pipes")
    features = layer["features"]
    assert [f["id"] for f in features] == sample_city.pipes.ids.tolist()
    geometry = sample_city.pipes.geometry
    assert geometry is not None
    for i in range(0, len(features), 97):
        f = features[i]
        assert f["properties"]["dn"] == round(float(sample_city.pipes.diameter_mm[i]))
        ends = _metric(
            sample_city, [f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]]
        )
        line = geometry[i]
        assert shapely.distance(shapely.Point(ends[0]), line) < 0.5
        assert shapely.distance(shapely.Point(ends[1]), line) < 0.5


def test_valves_carry_their_status(sample_city: Network) -> None:
    features = map_layer(sample_city, "valves")["features"]
    assert len(features) == len(sample_city.valves)
    inoperable = {f["id"] for f in features if not f["properties"]["operable"]}
    expected = set(sample_city.valves.ids[~sample_city.valves.operable].tolist())
    assert inoperable == expected and len(expected) == 92
    closed = sum(f["properties"]["normally_closed"] for f in features)
    assert closed == int(sample_city.valves.normally_closed.sum())


def test_dmas_are_the_layer_polygons_and_hold_their_pipes(sample_city: Network) -> None:
    features = map_layer(sample_city, "dmas")["features"]
    assert len(features) == 8
    assert all(f["properties"]["name"] for f in features)
    # every pipe of a DMA starts or ends inside that DMA's polygon (boundary pipes cross it)
    polygons = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in features}
    pipes = map_layer(sample_city, "pipes")["features"]
    for f in pipes[::53]:
        dma = f["properties"]["dma"]
        if dma is None:  # transmission mains
            continue
        ends = shapely.points([f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]])
        assert polygons[dma].buffer(1e-5).contains(ends).any(), (f["id"], dma)


def test_customers_and_critical_ones(sample_city: Network) -> None:
    features = map_layer(sample_city, "customers")["features"]
    assert len(features) == len(sample_city.customers)
    kinds = Counter(f["properties"]["critical"] for f in features if f["properties"]["critical"])
    assert sum(kinds.values()) == sum(1 for k in sample_city.customers.critical_kind if k)
    assert kinds["hospital"] >= 1


def test_sources_are_the_plants_and_the_tank(sample_city: Network) -> None:
    features = map_layer(sample_city, "sources")["features"]
    assert sorted(f["properties"]["kind"] for f in features) == ["source", "source", "tank"]


def test_dmas_without_a_layer_are_the_hull_of_their_pipes() -> None:
    network = make_network(
        [("R", "source", 0, 0), ("A", "junction", 100, 0), ("B", "junction", 100, 100)],
        [("P1", "R", "A"), ("P2", "A", "B")],
    )
    from dataclasses import replace

    dma = np.array(["D1", "D1"], dtype=object)
    network = replace(network, pipes=replace(network.pipes, dma=dma))
    features = map_layer(network, "dmas")["features"]
    assert [f["id"] for f in features] == ["D1"]
    assert features[0]["geometry"]["type"] == "Polygon"


def test_a_network_without_a_crs_has_no_map() -> None:
    network = make_network(
        [("R", "source", 0, 0), ("A", "junction", 10, 0)], [("P", "R", "A")], crs=None
    )
    for layer in LAYERS:
        with pytest.raises(NoMap):
            map_layer(network, layer)


def test_roads_for_the_public_map(tmp_path: object) -> None:
    roads = roads_layer(SAMPLE_CITY)["features"]
    assert len(roads) == 1679  # 1678 streets and access roads, the fill main's road
    assert sum(1 for f in roads if f["properties"]["name"]) > 1500
    lon, lat = roads[0]["geometry"]["coordinates"][0]
    assert 114.2 < lon < 114.5 and 34.7 < lat < 34.9
    assert roads_layer("network.inp") == {"type": "FeatureCollection", "features": []}
