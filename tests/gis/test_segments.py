"""Valve segments: the partition must be WNTR's, and small hand-built networks give known ones."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gis.io import read_layers, read_valve_csv
from gis.network import Network, build_network
from gis.segments import Segmentation, segment_network, segments_summary, segments_table
from gis.validate import validate_layers
from tests.conftest import make_network

wntr = pytest.importorskip("wntr")

NETWORKS_DIR = Path(wntr.__file__).parent / "library" / "networks"
SEED = 20240611

Label = tuple[str, str]
Partition = set[frozenset[Label]]


# -- helpers ----------------------------------------------------------------------------------


@functools.cache
def _wn(name: str) -> Any:
    return wntr.network.WaterNetworkModel(str(NETWORKS_DIR / f"{name}.inp"))


def _load(inp: Path, valves_csv: Path) -> Network:
    """The project's own path: read, validate (must be clean of errors), build."""
    layers = read_layers(inp, valves=valves_csv)
    report = validate_layers(layers)
    assert report.ok, str(report)
    return build_network(layers)


def _our_partition(network: Network, seg: Segmentation) -> Partition:
    groups: dict[int, set[Label]] = {}
    for i, s in enumerate(seg.node_segment.tolist()):
        groups.setdefault(s, set()).add(("N", str(network.nodes.ids[i])))
    for i, s in enumerate(seg.pipe_segment.tolist()):
        groups.setdefault(s, set()).add(("L", str(network.pipes.ids[i])))
    return {frozenset(g) for g in groups.values()}


def _wntr_partition(node_segments: pd.Series, link_segments: pd.Series) -> Partition:
    groups: dict[int, set[Label]] = {}
    for node, s in node_segments.items():
        groups.setdefault(int(s), set()).add(("N", str(node)))
    for link, s in link_segments.items():
        groups.setdefault(int(s), set()).add(("L", str(link)))
    return {frozenset(g) for g in groups.values()}


def _wntr_reference(name: str, valve_layer: pd.DataFrame) -> Partition:
    # valve_segments drops duplicate rows in place: give it a copy
    node_seg, link_seg, _ = wntr.metrics.valve_segments(_wn(name).to_graph(), valve_layer.copy())
    return _wntr_partition(node_seg, link_seg)


def _labels(nodes: str = "", pipes: str = "") -> frozenset[Label]:
    return frozenset([("N", n) for n in nodes.split()] + [("L", p) for p in pipes.split()])


def _valve_layer(name: str, placement: str, n: float) -> pd.DataFrame:
    wn = _wn(name)
    count = int(n) if placement == "strategic" else round(n * 2 * wn.num_pipes)
    layer = wntr.network.generate_valve_layer(wn, placement, count, seed=SEED)
    assert len(layer) > 0
    return layer


# -- the partition is WNTR's -------------------------------------------------------------------

PLACEMENTS = [
    ("strategic", 1, "N-1"),
    ("strategic", 2, "N-2"),
    ("strategic", 0, "N"),
    ("random", 0.30, "random30"),
    ("random", 0.05, "random5"),
]
CASES = [
    pytest.param(name, placement, n, id=f"{name}-{label}")
    for name in ("Net3", "ky10")
    for placement, n, label in PLACEMENTS
] + [
    # WNTR's own segmentation of Net6 takes ~10 s per valve layer: two cases only
    pytest.param("Net6", "strategic", 2, id="Net6-N-2", marks=pytest.mark.slow),
    pytest.param("Net6", "random", 0.05, id="Net6-random5", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("name", "placement", "n"), CASES)
def test_segments_equal_wntr_partition(name: str, placement: str, n: float, tmp_path: Path) -> None:
    valve_layer = _valve_layer(name, placement, n)
    csv = tmp_path / "valves.csv"
    valve_layer.to_csv(csv)  # pandas writes its index as an unnamed first column

    network = _load(NETWORKS_DIR / f"{name}.inp", csv)
    assert len(network.valves) == len(valve_layer)
    assert len(network.pipes) == len(_wn(name).link_name_list)
    assert len(network.nodes) == len(_wn(name).node_name_list)
    seg = segment_network(network)

    ours = _our_partition(network, seg)
    reference = _wntr_reference(name, valve_layer)
    assert len(reference) > 1  # the valve layer really splits the network
    assert seg.n_segments == len(ours)
    assert ours == reference


def test_valve_csv_with_and_without_index_column(tmp_path: Path) -> None:
    valve_layer = _valve_layer("Net3", "strategic", 1)
    with_index = tmp_path / "with_index.csv"
    without_index = tmp_path / "without_index.csv"
    valve_layer.to_csv(with_index)
    valve_layer.to_csv(without_index, index=False)
    assert with_index.read_text().splitlines()[0] == ",link,node"
    assert without_index.read_text().splitlines()[0] == "link,node"

    expected_pairs = list(zip(valve_layer["link"], valve_layer["node"], strict=True))
    for path in (with_index, without_index):
        df = read_valve_csv(path)
        assert "Unnamed: 0" not in df.columns
        assert list(zip(df["pipe_id"], df["node_id"], strict=True)) == expected_pairs
        assert df["id"].tolist() == [str(i) for i in range(len(valve_layer))]

    inp = NETWORKS_DIR / "Net3.inp"
    a = _load(inp, with_index)
    b = _load(inp, without_index)
    assert a.valves.ids.tolist() == b.valves.ids.tolist()
    assert np.array_equal(a.valves.pipe, b.valves.pipe)
    assert np.array_equal(a.valves.node, b.valves.node)
    assert _our_partition(a, segment_network(a)) == _our_partition(b, segment_network(b))
    assert _our_partition(a, segment_network(a)) == _wntr_reference("Net3", valve_layer)


def test_valve_csv_optional_columns(tmp_path: Path) -> None:
    csv = tmp_path / "valves.csv"
    csv.write_text(
        "id,link,node,operable,normally_closed\n"
        "VA,10,10,true,false\n"
        "VB,101,101,false,false\n"
        "VC,103,101,yes,true\n"
    )
    network = _load(NETWORKS_DIR / "Net3.inp", csv)
    assert network.valves.ids.tolist() == ["VA", "VB", "VC"]
    assert network.valves.operable.tolist() == [True, False, True]
    assert network.valves.normally_closed.tolist() == [False, False, True]
    assert network.summary()["inoperable_valves"] == 1
    assert network.summary()["normally_closed_valves"] == 1


def test_segments_table_covers_net3(tmp_path: Path) -> None:
    valve_layer = _valve_layer("Net3", "random", 0.30)
    csv = tmp_path / "valves.csv"
    valve_layer.to_csv(csv)
    network = _load(NETWORKS_DIR / "Net3.inp", csv)
    seg = segment_network(network)
    table = segments_table(network, seg)

    assert [row["id"] for row in table] == list(range(seg.n_segments))
    pipes = Counter(p for row in table for p in row["pipes"])
    nodes = Counter(n for row in table for n in row["nodes"])
    assert pipes == Counter(network.pipes.ids.tolist())
    assert nodes == Counter(network.nodes.ids.tolist())
    # every valve that separates two segments is on the boundary of exactly those two
    listed = Counter(v for row in table for v in row["valves"])
    for v, vid in enumerate(network.valves.ids.tolist()):
        c = seg.valve_cut[v]
        sides = {int(seg.cut_side_pipe[c]), int(seg.cut_side_node[c])}
        assert listed[vid] == (2 if len(sides) == 2 else 0), vid
        for s in sides if len(sides) == 2 else ():
            assert vid in table[s]["valves"]


# -- hand-built networks with known segments ---------------------------------------------------


def _line(**kwargs: Any) -> Network:
    """S -P1- A -P2- B -P3- C, 100 m apart."""
    return make_network(
        [
            ("S", "source", 0, 0),
            ("A", "junction", 100, 0),
            ("B", "junction", 200, 0),
            ("C", "junction", 300, 0),
        ],
        [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "B", "C")],
        **kwargs,
    )


def test_pipe_valved_at_both_ends_is_a_segment_alone() -> None:
    network = _line(valves=[("V1", "P2", "A"), ("V2", "P2", "B")])
    seg = segment_network(network)
    assert _our_partition(network, seg) == {
        _labels("S A", "P1"),
        _labels("", "P2"),
        _labels("B C", "P3"),
    }
    p2 = int(seg.pipe_segment[network.pipe_index("P2")])
    assert seg.nodes_of(p2).size == 0
    assert seg.seg_length_m[p2] == pytest.approx(100.0)
    assert seg.seg_sources[seg.node_segment[network.node_index("S")]] == 1
    assert seg.seg_sources[p2] == 0
    assert segments_summary(seg)["valves_inside_loops"] == 0


def test_node_with_all_pipes_valved_at_it_is_a_segment_alone() -> None:
    network = make_network(
        [
            ("S", "source", 0, 0),
            ("A", "junction", 100, 0),
            ("B", "junction", 200, 0),
            ("C", "junction", 100, 100),
        ],
        [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "A", "C")],
        valves=[("V1", "P1", "A"), ("V2", "P2", "A"), ("V3", "P3", "A")],
    )
    seg = segment_network(network)
    assert _our_partition(network, seg) == {
        _labels("S", "P1"),
        _labels("A"),
        _labels("B", "P2"),
        _labels("C", "P3"),
    }
    summary = segments_summary(seg)
    assert summary["segments"] == 4
    assert summary["node_only_segments"] == 1
    assert summary["segments_with_pipes"] == 3
    assert summary["cuts"] == 3
    a = int(seg.node_segment[network.node_index("A")])
    assert sorted(network.valves.ids[seg.boundary_valves_of(a)].tolist()) == ["V1", "V2", "V3"]


def _triangle(valves: list[tuple[str, str, str]]) -> Network:
    return make_network(
        [("S", "source", 0, 0), ("A", "junction", 100, 0), ("B", "junction", 50, 80)],
        [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "B", "S")],
        valves=valves,
    )


def test_valve_inside_a_loop_has_equal_sides() -> None:
    network = _triangle([("V1", "P2", "A")])
    seg = segment_network(network)
    # water goes round the loop: the valve alone separates nothing
    assert _our_partition(network, seg) == {_labels("S A B", "P1 P2 P3")}
    assert seg.cut_side_pipe.tolist() == seg.cut_side_node.tolist()
    summary = segments_summary(seg)
    assert summary["valves_inside_loops"] == 1
    assert summary["cuts"] == 1
    assert seg.boundary_valves_of(0).size == 0
    assert segments_table(network, seg) == [
        {"id": 0, "pipes": ["P1", "P2", "P3"], "nodes": ["S", "A", "B"], "valves": []}
    ]


def test_two_valves_in_a_loop_cut_it() -> None:
    network = _triangle([("V1", "P2", "A"), ("V2", "P2", "B")])
    seg = segment_network(network)
    assert _our_partition(network, seg) == {_labels("S A B", "P1 P3"), _labels("", "P2")}
    assert segments_summary(seg)["valves_inside_loops"] == 0


def test_valves_in_series_form_one_cut() -> None:
    single = _line(valves=[("V1", "P2", "A")])
    series = _line(valves=[("V1", "P2", "A"), ("V1b", "P2", "A")])
    seg1, seg2 = segment_network(single), segment_network(series)
    assert _our_partition(series, seg2) == _our_partition(single, seg1)
    assert _our_partition(series, seg2) == {_labels("S A", "P1"), _labels("B C", "P2 P3")}
    assert segments_summary(seg2)["cuts"] == 1
    assert seg2.valve_cut.tolist() == [0, 0]
    assert sorted(series.valves.ids[seg2.cut_valves].tolist()) == ["V1", "V1b"]
    # one operable valve is enough to close the cut
    assert seg2.cut_closable.tolist() == [True]
    for row in segments_table(series, seg2):
        assert sorted(row["valves"]) == ["V1", "V1b"]


def test_series_cut_is_closable_only_if_one_valve_is_operable() -> None:
    both_stuck = _line(valves=[("V1", "P2", "A", False, False), ("V1b", "P2", "A", False, False)])
    one_works = _line(valves=[("V1", "P2", "A", False, False), ("V1b", "P2", "A", True, False)])
    assert segment_network(both_stuck).cut_closable.tolist() == [False]
    assert segment_network(one_works).cut_closable.tolist() == [True]


def test_segments_table_shape_and_boundary_valves() -> None:
    # S -P1- A -P2- B -P3- C, and B -P4- D; V1 on P2 at A, V2 on P3 at B, V3 on P4 at B
    network = make_network(
        [
            ("S", "source", 0, 0),
            ("A", "junction", 100, 0),
            ("B", "junction", 200, 0),
            ("C", "junction", 300, 0),
            ("D", "junction", 200, 100),
        ],
        [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "B", "C"), ("P4", "B", "D")],
        valves=[("V1", "P2", "A"), ("V2", "P3", "B"), ("V3", "P4", "B")],
    )
    seg = segment_network(network)
    table = segments_table(network, seg)
    for row in table:
        assert set(row) == {"id", "pipes", "nodes", "valves"}
        assert isinstance(row["id"], int)
        assert all(isinstance(x, str) for x in row["pipes"] + row["nodes"] + row["valves"])
    by_pipes = {frozenset(row["pipes"]): row for row in table}
    assert set(by_pipes) == {
        frozenset({"P1"}),
        frozenset({"P2"}),
        frozenset({"P3"}),
        frozenset({"P4"}),
    }
    assert sorted(by_pipes[frozenset({"P1"})]["nodes"]) == ["A", "S"]
    assert by_pipes[frozenset({"P1"})]["valves"] == ["V1"]
    assert by_pipes[frozenset({"P2"})]["nodes"] == ["B"]
    assert sorted(by_pipes[frozenset({"P2"})]["valves"]) == ["V1", "V2", "V3"]
    assert by_pipes[frozenset({"P3"})]["nodes"] == ["C"]
    assert by_pipes[frozenset({"P3"})]["valves"] == ["V2"]
    assert by_pipes[frozenset({"P4"})]["nodes"] == ["D"]
    assert by_pipes[frozenset({"P4"})]["valves"] == ["V3"]
    assert [row["id"] for row in table] == list(range(len(table)))


def test_network_without_valves_is_one_segment_per_component() -> None:
    network = make_network(
        [
            ("S", "source", 0, 0),
            ("A", "junction", 100, 0),
            ("T", "tank", 0, 300),
            ("B", "junction", 100, 300),
        ],
        [("P1", "S", "A"), ("P2", "T", "B")],
    )
    seg = segment_network(network)
    assert _our_partition(network, seg) == {_labels("S A", "P1"), _labels("T B", "P2")}
    table = segments_table(network, seg)
    assert all(row["valves"] == [] for row in table)
    assert segments_summary(seg)["cuts"] == 0


# -- hydraulic segments: closed pipes are shut at both ends --------------------------------------


def test_hydraulic_treats_closed_pipe_as_shut_at_both_ends() -> None:
    network = _line(valves=[("V1", "P3", "C")], status={"P2": "closed"})
    assert network.pipes.is_open.tolist() == [True, False, True]

    topological = segment_network(network)
    assert not topological.hydraulic
    assert _our_partition(network, topological) == {_labels("S A B", "P1 P2 P3"), _labels("C")}

    hydraulic = segment_network(network, hydraulic=True)
    assert hydraulic.hydraulic
    assert _our_partition(network, hydraulic) == {
        _labels("S A", "P1"),
        _labels("", "P2"),
        _labels("B", "P3"),
        _labels("C"),
    }
    # the segment past the closed pipe has no source in normal operation
    b = int(hydraulic.node_segment[network.node_index("B")])
    s = int(hydraulic.node_segment[network.node_index("S")])
    assert hydraulic.base_component[b] != hydraulic.base_component[s]
    assert hydraulic.component_sources[hydraulic.base_component[b]] == 0
    assert hydraulic.component_sources[hydraulic.base_component[s]] == 1


def test_hydraulic_closed_pipe_in_loop_keeps_loop_connected_elsewhere() -> None:
    network = make_network(
        [("S", "source", 0, 0), ("A", "junction", 100, 0), ("B", "junction", 50, 80)],
        [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "B", "S")],
        status={"P2": "closed"},
    )
    seg = segment_network(network, hydraulic=True)
    assert _our_partition(network, seg) == {_labels("S A B", "P1 P3"), _labels("", "P2")}
    assert segment_network(network).n_segments == 1


def test_normally_closed_valve_splits_base_components() -> None:
    network = _line(valves=[("V1", "P2", "A", True, True)])
    seg = segment_network(network)
    assert seg.cut_normally_closed.tolist() == [True]
    a = int(seg.node_segment[network.node_index("A")])
    b = int(seg.node_segment[network.node_index("B")])
    assert a != b
    assert seg.base_component[a] != seg.base_component[b]
    assert seg.component_sources[seg.base_component[b]] == 0
