"""The sample city as a utility's GIS exports it (issue 14): Shapefiles without topology
(no from_node/to_node, pipe_id, node_id), with the utility's names, units and values
(``sample_data/utility_export.py``). Read back through the mapping — the one written for it,
and the built-in guess alone — and the topology built from the geometry, it has the same valve
segments as the GeoPackage and the same isolation answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest

from gis.io import read_layers, read_network
from gis.isolation import Isolator
from gis.network import Network
from gis.segments import segment_network
from gis.validate import validate_layers
from sample_data.utility_export import (
    EXPORT_MAPPING,
    EXPORT_NAMES,
    mapping_toml,
    write_utility_export,
)
from tests.conftest import SAMPLE_CITY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    layers = {n: gpd.read_file(SAMPLE_CITY, layer=n, engine="pyogrio") for n in EXPORT_NAMES}
    folder = write_utility_export(layers, tmp_path_factory.mktemp("export") / "gis")
    (folder.parent / "mapping.toml").write_text(mapping_toml(), encoding="utf-8")
    yield folder


@pytest.fixture(scope="module")
def original() -> Network:
    return read_network(SAMPLE_CITY)


def _partition(network: Network) -> set[frozenset[str]]:
    """The valve segments as sets of pipe and node ids (``n:`` before a node id)."""
    seg = segment_network(network)
    pipes, nodes = network.pipes.ids, network.nodes.ids
    return {
        frozenset(
            [str(p) for p in pipes[seg.pipes_of(s)]] + [f"n:{v}" for v in nodes[seg.nodes_of(s)]]
        )
        for s in range(seg.n_segments)
    }


def _answer(plan: Any) -> dict[str, Any]:
    return {
        "valves_to_close": sorted(v.id for v in plan.valves_to_close),
        "valves_not_needed": sorted(v.id for v in plan.valves_not_needed),
        "closed_on_boundary": sorted(v.id for v in plan.closed_on_boundary),
        "isolated_pipes": sorted(plan.isolated_pipes),
        "isolated_nodes": sorted(plan.isolated_nodes),
        "unintended_pipes": sorted(plan.unintended_pipes),
        "unintended_nodes": sorted(plan.unintended_nodes),
        "length_m": round(plan.length_m, 3),
        "streets": sorted(plan.streets),
    }


@pytest.fixture(scope="module")
def mapped(export: Path) -> Network:
    return read_network(export, mapping=export.parent / "mapping.toml")


def test_the_export_has_no_topology_and_other_names(export: Path) -> None:
    pipes = gpd.read_file(export / "WaterMains.shp")
    assert {"from_node", "to_node", "id", "diameter_mm"}.isdisjoint(pipes.columns)
    assert {"FACILITYID", "DIAMETER"} <= set(pipes.columns)
    valves = gpd.read_file(export / "SystemValves.shp")
    assert {"pipe_id", "node_id"}.isdisjoint(valves.columns)
    customers = gpd.read_file(export / "用户.shp")
    assert "pipe_id" not in customers.columns
    assert set(customers["CUSTCLASS"]) <= {"居民", "商业", "工业", "机关", "重要"}


def test_it_round_trips_to_the_same_segments(original: Network, mapped: Network) -> None:
    assert mapped.summary()["pipes"] == original.summary()["pipes"]
    assert len(mapped.nodes) == len(original.nodes)  # every end met its node: none made
    assert _partition(mapped) == _partition(original)


def test_attributes_come_back_through_units_and_value_maps(
    original: Network, mapped: Network
) -> None:
    # DIAMETER was written in inches: back in millimetres
    np.testing.assert_allclose(mapped.pipes.diameter_mm, original.pipes.diameter_mm)
    assert list(mapped.nodes.kind) == list(original.nodes.kind)  # 节点/水厂/水塔
    assert list(mapped.valves.normally_closed) == list(original.valves.normally_closed)
    assert list(mapped.valves.operable) == list(original.valves.operable)
    assert list(mapped.pipes.is_open) == list(original.pipes.is_open)
    assert list(mapped.customers.category) == list(original.customers.category)  # 居民 ...
    assert list(mapped.valves.node) == list(original.valves.node)  # the nearer end


def test_the_same_isolation_answers_on_a_sample_of_pipes(
    original: Network, mapped: Network
) -> None:
    before, after = Isolator(original), Isolator(mapped)
    rng = np.random.default_rng(14)
    pipes = [str(p) for p in rng.choice(original.pipes.ids, size=60, replace=False)]
    for pipe in [*pipes, "P000590", "P000100"]:
        a = before.isolate(pipe, with_area=False)
        b = after.isolate(pipe, with_area=False)
        assert _answer(b) == _answer(a), pipe


def test_customers_go_to_their_nearest_pipe(original: Network, mapped: Network) -> None:
    # The sample's customers stand 8-25 m beside their own pipe; near a junction another pipe
    # can be nearer. The GIS has no service-line link, so the nearest pipe is the rule (a
    # utility with one maps it as pipe_id); 90 % land on the pipe the generator gave them.
    same = original.customers.pipe == mapped.customers.pipe
    assert 0.88 <= same.mean() <= 0.93
    xy = mapped.customers.xy[~same][:50]
    geoms = mapped.pipes.geometry
    assert geoms is not None
    import shapely

    points = shapely.points(xy)
    theirs = shapely.distance(points, geoms[mapped.customers.pipe[~same][:50]])
    generator = shapely.distance(points, geoms[original.customers.pipe[~same][:50]])
    assert (theirs <= generator + 1e-6).all()


def test_the_report_says_what_was_built(export: Path) -> None:
    layers = read_layers(export, mapping=export.parent / "mapping.toml")
    report = validate_layers(layers)
    assert report.ok, str(report)
    text = [p.message for p in report.warnings]
    assert any("from_node/to_node built from the geometry" in t for t in text)
    assert any(t.startswith("4075 valves joined to their nearest pipe") for t in text)
    assert any(t.startswith("11868 customers joined to their nearest pipe") for t in text)
    assert not any("guessed" in t for t in text)  # the mapping was given
    assert layers.topology is not None and layers.topology.nodes.new_nodes == 0
    assert layers.mapping.to_dict() == EXPORT_MAPPING


def test_the_built_in_guess_reads_it_too(export: Path, original: Network) -> None:
    layers = read_layers(export)
    report = validate_layers(layers)
    assert report.ok, str(report)
    guessed = {p.layer: p.message for p in report.warnings if "guessed mapping" in p.message}
    assert set(guessed) == {"nodes", "pipes", "valves", "customers", "dmas"}
    assert "diameter_mm ← DIAMETER (inch" in guessed["pipes"]
    assert "居民 → residential" in guessed["customers"]
    assert "水厂 → source" in guessed["nodes"]
    assert layers.mapping.guessed
    # confirmed as it is, the guess is the mapping the export was written with (but units and
    # values it could not see: elevations in metres, a status value no pipe has)
    confirmed = layers.mapping.confirmed().to_dict()
    assert confirmed["pipes"]["diameter_mm"] == {"column": "DIAMETER", "unit": "inch"}
    assert confirmed["customers"]["category"] == EXPORT_MAPPING["customers"]["category"]
    network = read_network(export)
    assert _partition(network) == _partition(original)


def test_without_a_nodes_layer_the_nodes_are_the_pipe_ends(
    export: Path, original: Network, tmp_path: Path
) -> None:
    folder = tmp_path / "no-nodes"
    folder.mkdir()
    for f in export.iterdir():
        if not f.name.startswith("管点"):
            (folder / f.name).write_bytes(f.read_bytes())
    mapping = {k: v for k, v in EXPORT_MAPPING.items() if k != "nodes"}
    layers = read_layers(folder, mapping=mapping)
    report = validate_layers(layers)
    # no sources without a nodes layer: the network is valid but dry (one warning says so)
    assert report.ok, str(report)
    assert any("no source or tank at all" in p.message for p in report.warnings)
    assert layers.topology is not None and layers.topology.nodes.new_nodes == len(original.nodes)
    ids = set(layers.nodes["id"])
    assert "P000001-from" in ids and all(i.endswith(("-from", "-to")) for i in ids)
