"""Topology from geometry (issue 14): nodes from pipe ends within a tolerance, valves on their
nearest pipe at its nearer end, customers on their nearest pipe, and the report of what was
snapped how far and what could not be placed. Small networks drawn in code, in metres from a
point in Kaifeng (UTM 50N), and one in US survey feet."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.topology import TopologyOptions, build_topology, missing_links
from gis.validate import Problem
from tests.conftest import ORIGIN, TEST_CRS

OX, OY = ORIGIN


def _at(x: float, y: float) -> tuple[float, float]:
    return (OX + x, OY + y)


def _pipes(lines: dict[str, list[tuple[float, float]]], crs: str = TEST_CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": list(lines), "diameter_mm": [150.0] * len(lines)},
        geometry=[shapely.LineString([_at(*p) for p in pts]) for pts in lines.values()],
        crs=crs,
    )


def _points(rows: dict[str, tuple[float, float]], crs: str = TEST_CRS, **cols: Any) -> Any:
    return gpd.GeoDataFrame(
        {"id": list(rows), **cols},
        geometry=[shapely.Point(_at(*p)) for p in rows.values()],
        crs=crs,
    )


# S --P1-- A --P2-- B --P3-- C, and P4 from B north to D; every pipe 100 m
LINES: dict[str, list[tuple[float, float]]] = {
    "P1": [(0, 0), (100, 0)],
    "P2": [(100, 0), (200, 0)],
    "P3": [(200, 0), (300, 0)],
    "P4": [(200, 0), (200, 100)],
}


def _ends(pipes: gpd.GeoDataFrame) -> dict[str, tuple[str, str]]:
    return {
        p: (f, t) for p, f, t in zip(pipes["id"], pipes["from_node"], pipes["to_node"], strict=True)
    }


def _messages(problems: list[Problem], layer: str, ident: str | None = None) -> list[str]:
    return [p.message for p in problems if p.layer == layer and p.id == ident]


def test_pipe_ends_within_the_tolerance_are_one_node() -> None:
    lines = dict(LINES)
    lines["P2"] = [(100.3, 0.2), (200, 0)]  # 0.36 m from P1's end: a digitising sliver
    lines["P3"] = [(200.8, 0), (300, 0)]  # 0.8 m from B: a real gap
    topo = build_topology(None, _pipes(lines), pd.DataFrame(), None, TEST_CRS)
    ends = _ends(topo.pipes)
    assert ends["P1"][1] == ends["P2"][0] == "P1-to"
    assert ends["P2"][1] == ends["P4"][0] == "P2-to"
    assert ends["P3"][0] == "P3-from"  # not joined: 0.8 m > 0.5 m
    assert set(topo.nodes["id"]) == {"P1-from", "P1-to", "P2-to", "P3-from", "P3-to", "P4-to"}
    assert (topo.nodes["kind"] == "junction").all()
    build = topo.report.nodes
    assert build is not None and build.moved == 1
    assert build.largest_move_m == pytest.approx(np.hypot(0.3, 0.2))
    (summary,) = _messages(topo.report.problems(), "pipes")
    assert "8 pipe ends meet at 6 nodes (0 of the nodes layer, 6 new junctions)" in summary
    assert "farthest 0.36 m (tolerance 0.5 m)" in summary


def test_node_ids_do_not_depend_on_the_order_of_the_rows() -> None:
    pipes = _pipes(LINES)
    forward = _ends(build_topology(None, pipes, pd.DataFrame(), None, TEST_CRS).pipes)
    backward = build_topology(None, pipes.iloc[::-1], pd.DataFrame(), None, TEST_CRS).pipes
    assert _ends(backward) == forward
    assert forward == {
        "P1": ("P1-from", "P1-to"),
        "P2": ("P1-to", "P2-to"),
        "P3": ("P2-to", "P3-to"),
        "P4": ("P2-to", "P4-to"),
    }


def test_ends_join_the_nodes_of_the_nodes_layer() -> None:
    nodes = _points(
        {"S": (0, 0), "A": (100.2, 0), "B": (200, 0), "C": (300, 0), "X": (500, 500)},
        kind=["source", "junction", "junction", "junction", "junction"],
    )
    lines = dict(LINES)  # P4's far end has no node: a new junction
    topo = build_topology(nodes, _pipes(lines), pd.DataFrame(), None, TEST_CRS)
    assert _ends(topo.pipes) == {
        "P1": ("S", "A"),
        "P2": ("A", "B"),
        "P3": ("B", "C"),
        "P4": ("B", "P4-to"),
    }
    assert list(topo.nodes["id"]) == ["S", "A", "B", "C", "X", "P4-to"]
    problems = topo.report.problems()
    assert "(4 of the nodes layer, 1 new junctions)" in _messages(problems, "pipes")[0]
    assert any(
        "1 nodes of the nodes layer are at no pipe end" in m for m in _messages(problems, "nodes")
    )


def test_a_source_no_pipe_end_reaches_is_reported() -> None:
    nodes = _points({"PLANT": (-2, 0)}, kind=["source"])  # 2 m before the main's end
    topo = build_topology(nodes, _pipes(LINES), pd.DataFrame(), None, TEST_CRS)
    (message,) = _messages(topo.report.problems(), "nodes", "PLANT")
    assert "no pipe end reaches (the nearest end is 2.00 m away" in message
    assert "P1-from" in set(topo.pipes["from_node"])


def _lengths(pipes: gpd.GeoDataFrame) -> dict[str, float]:
    return dict(zip(pipes["id"], pipes.geometry.length.round(3), strict=True))


def test_a_tee_the_gis_did_not_split_is_split_there() -> None:
    lines = dict(LINES)
    lines["P5"] = [(150, 50), (150, 0.1)]  # ends on P2's middle, 0.1 m off
    pipes = _pipes(lines)
    pipes["material"] = ["PE", "DI", "PE", "PE", "PVC"]
    topo = build_topology(None, pipes, pd.DataFrame(), None, TEST_CRS)
    ends = _ends(topo.pipes)
    # P2 (A to B) becomes P2 (A to the tee) and P2.2 (the tee to B): P5 is joined to both
    assert ends["P2"] == ("P1-to", "P5-to")
    assert ends["P2.2"] == ("P5-to", "P2-to")
    assert ends["P5"] == ("P5-from", "P5-to")
    assert _lengths(topo.pipes)["P2"] == 50.0 and _lengths(topo.pipes)["P2.2"] == 50.0
    parts = topo.pipes.set_index("id")
    assert parts.loc[["P2", "P2.2"], "material"].tolist() == ["DI", "DI"]  # its attributes
    assert parts.loc[["P2", "P2.2"], "diameter_mm"].tolist() == [150.0, 150.0]
    assert topo.pipes.crs == pipes.crs
    build = topo.report.nodes
    assert build is not None and build.loose_ends == ()
    (split,) = build.splits
    assert (split.pipe, split.parts, split.at_nodes) == ("P2", ("P2", "P2.2"), ("P5-to",))
    assert split.gaps_m == pytest.approx((0.1,))
    problems = topo.report.problems()
    (message,) = _messages(problems, "pipes", "P2")
    assert message == (
        "split where a pipe ends on its middle (a tee), at node P5-to: its parts are P2, P2.2"
    )
    assert (
        "1 pipes split where another pipe ends on their middle" in _messages(problems, "pipes")[0]
    )
    assert topo.report.to_dict()["nodes"]["splits"] == [
        {"pipe": "P2", "parts": ["P2", "P2.2"], "at_nodes": ["P5-to"]}
    ]
    # not split without the tee
    plain = build_topology(None, _pipes(LINES), pd.DataFrame(), None, TEST_CRS)
    assert plain.report.nodes is not None and plain.report.nodes.splits == ()
    assert sorted(plain.pipes["id"]) == ["P1", "P2", "P3", "P4"]


def test_two_tees_and_a_cross_on_one_pipe() -> None:
    lines = dict(LINES)
    lines["P5"] = [(130, 40), (130, 0.2)]  # a tee 30 m along P2
    lines["P6"] = [(170, 40), (170, 0)]  # and a cross 70 m along: P6 from the north ...
    lines["P7"] = [(170, -0.3), (170, -40)]  # ... and P7 to the south, 0.3 m apart
    lines["P2.2"] = [(300, 0), (400, 0)]  # a part's name is taken: that part is P2.2~2
    topo = build_topology(None, _pipes(lines), pd.DataFrame(), None, TEST_CRS)
    ends = _ends(topo.pipes)
    assert ends["P2"] == ("P1-to", "P5-to")
    assert ends["P2.2~2"] == ("P5-to", "P6-to")
    assert ends["P2.3"] == ("P6-to", "P2-to")
    assert ends["P2.2"] == ("P2.2-from", "P2.2-to")  # the export's own P2.2: untouched
    assert ends["P3"] == ("P2-to", "P2.2-from")
    assert ends["P7"] == ("P6-to", "P7-to")
    (split,) = [s for s in topo.report.nodes.splits if s.pipe == "P2"]  # type: ignore[union-attr]
    assert split.at_nodes == ("P5-to", "P6-to")
    lengths = _lengths(topo.pipes)
    assert [lengths[p] for p in split.parts] == [30.0, 40.0, 30.0]
    assert sum(lengths[p] for p in split.parts) == pytest.approx(100.0)


def test_a_length_the_file_gives_is_shared_by_the_parts() -> None:
    lines = dict(LINES)
    lines["P5"] = [(150, 50), (150, 0)]
    pipes = _pipes(lines)
    pipes["length_m"] = [100.0, 104.0, 100.0, 100.0, 50.0]  # P2 is longer than drawn
    topo = build_topology(None, pipes, pd.DataFrame(), None, TEST_CRS)
    length = topo.pipes.set_index("id")["length_m"]
    assert length["P2"] == pytest.approx(52.0) and length["P2.2"] == pytest.approx(52.0)
    assert length["P5"] == 50.0


def test_an_end_beside_a_pipe_near_its_end_is_reported_not_split() -> None:
    lines = dict(LINES)
    # 0.3 m beside P2, 0.45 m along it from A (0.54 m from A: not joined to it either)
    lines["P5"] = [(100.45, 50), (100.45, 0.3)]
    topo = build_topology(None, _pipes(lines), pd.DataFrame(), None, TEST_CRS)
    (message,) = _messages(topo.report.problems(), "pipes", "P5")
    assert "ends (node P5-to) 0.30 m from pipe P2, not at an end of it" in message
    assert _ends(topo.pipes)["P5"] == ("P5-from", "P5-to")
    assert sorted(topo.pipes["id"]) == ["P1", "P2", "P3", "P4", "P5"]


def test_valves_and_customers_go_on_the_right_part() -> None:
    lines = dict(LINES)
    lines["P5"] = [(150, 50), (150, 0)]
    valves = _points({"V1": (190, 0), "V2": (160, 1), "V3": (130, 0), "V4": (140, 0)})
    # V1 has no link (nearest pipe); V2 and V3 are given P2 (the part is found); V4 is given
    # P2 at node B (the far end: the second part)
    valves["pipe_id"] = [None, "P2", "P2", "P2"]
    valves["node_id"] = [None, None, None, "B"]
    nodes = _points(
        {"S": (0, 0), "A": (100, 0), "B": (200, 0), "C": (300, 0)},
        kind=["source", "junction", "junction", "junction"],
    )
    customers = _points({"C1": (180, 10), "C2": (120, 10)}, category=["residential"] * 2)
    customers["pipe_id"] = ["P2", "P2"]
    topo = build_topology(nodes, _pipes(lines), valves, customers, TEST_CRS)
    assert _ends(topo.pipes)["P2.2"] == ("P5-to", "B")
    placed = topo.valves.set_index("id")[["pipe_id", "node_id"]].to_dict("index")
    assert placed == {
        "V1": {"pipe_id": "P2.2", "node_id": "B"},
        "V2": {"pipe_id": "P2.2", "node_id": "P5-to"},
        "V3": {"pipe_id": "P2", "node_id": "P5-to"},
        "V4": {"pipe_id": "P2.2", "node_id": "B"},
    }
    assert topo.customers is not None
    assert topo.customers["pipe_id"].tolist() == ["P2.2", "P2"]
    assert sorted(topo.report.onto_parts) == [
        ("customers", "C1", "P2", "P2.2"),
        ("valves", "V2", "P2", "P2.2"),
        ("valves", "V4", "P2", "P2.2"),
    ]
    (moved,) = [m for p in topo.report.problems() for m in [p.message] if "split at a tee" in m]
    assert moved.startswith("3 valves and customers given on a pipe split at a tee")
    snaps = topo.report.snaps().set_index(["layer", "id"])["pipe_id"]
    assert snaps["customers", "C1"] == "P2.2" and snaps["valves", "V4"] == "P2.2"


def test_a_tee_in_a_feet_crs_is_found_and_measured_in_metres() -> None:
    from pyproj import Transformer

    feet = "EPSG:3089"
    x0, y0 = Transformer.from_crs("EPSG:4326", feet, always_xy=True).transform(-86.23, 37.12)
    ft = 1200 / 3937
    pipes = gpd.GeoDataFrame(
        {"id": ["P1", "P2"]},
        geometry=[
            shapely.LineString([(x0, y0), (x0 + 100 / ft, y0)]),
            # ends 0.3 m (1 ft) from P1's middle, 40 m along it: joined within 0.5 m
            shapely.LineString([(x0 + 40 / ft, y0 + 50 / ft), (x0 + 40 / ft, y0 + 0.3 / ft)]),
        ],
        crs=feet,
    )
    utm = pipes.estimate_utm_crs()
    topo = build_topology(None, pipes, pd.DataFrame(), None, utm)
    assert topo.pipes.crs == pipes.crs  # the parts are drawn in the layer's own CRS
    metres = dict(zip(topo.pipes["id"], topo.pipes.to_crs(utm).length, strict=True))
    whole = float(pipes.to_crs(utm).length.iloc[0])
    assert metres["P1"] + metres["P1.2"] == pytest.approx(whole, rel=1e-9)
    assert metres["P1"] / whole == pytest.approx(0.4, abs=1e-4)
    assert _ends(topo.pipes)["P1"][1] == _ends(topo.pipes)["P2"][1]
    (split,) = topo.report.nodes.splits  # type: ignore[union-attr]
    assert split.gaps_m == pytest.approx((0.3,), abs=0.001)  # metres, not 0.3 ft


def _network(**valves: tuple[float, float]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = _points(
        {"S": (0, 0), "A": (100, 0), "B": (200, 0), "C": (300, 0), "D": (200, 100)},
        kind=["source", "junction", "junction", "junction", "junction"],
    )
    return nodes, _points(valves, operable=[True] * len(valves))


def test_a_valve_goes_on_its_nearest_pipe_at_the_nearer_end() -> None:
    nodes, valves = _network(V1=(103, 0), V2=(197, 0), V3=(200, 3), V4=(290, 0))
    topo = build_topology(nodes, _pipes(LINES), valves, None, TEST_CRS)
    placed = topo.valves.set_index("id")[["pipe_id", "node_id"]].to_dict("index")
    assert placed == {
        "V1": {"pipe_id": "P2", "node_id": "A"},
        "V2": {"pipe_id": "P2", "node_id": "B"},
        "V3": {"pipe_id": "P4", "node_id": "B"},
        "V4": {"pipe_id": "P3", "node_id": "C"},
    }
    (summary,) = _messages(topo.report.problems(), "valves")
    assert summary.startswith("4 valves joined to their nearest pipe (at its nearer end)")
    assert "farthest 0.00 m" in summary


def test_a_valve_3_m_off_its_pipe_is_placed_and_named_in_the_report() -> None:
    nodes, valves = _network(V1=(110, 3), V2=(150, 0))
    topo = build_topology(nodes, _pipes(LINES), valves, None, TEST_CRS)
    assert topo.valves.set_index("id").loc["V1", ["pipe_id", "node_id"]].tolist() == ["P2", "A"]
    problems = topo.report.problems()
    (row,) = _messages(problems, "valves", "V1")
    assert row == "was 3.00 m from the nearest pipe: placed on pipe P2 at node A"
    assert [p.severity for p in problems if p.id == "V1"] == ["warning"]
    assert "farthest 3.00 m" in _messages(problems, "valves")[0]
    assert topo.report.valves is not None
    snaps = topo.report.snaps().set_index("id")
    assert snaps.loc["V1", "distance_m"] == pytest.approx(3.0)
    assert snaps.loc["V2", "distance_m"] == pytest.approx(0.0)


def test_a_valve_beyond_the_reach_cannot_be_placed() -> None:
    nodes, valves = _network(V1=(150, 8), V2=(150, 0))
    topo = build_topology(nodes, _pipes(LINES), valves, None, TEST_CRS)
    (problem,) = [p for p in topo.report.problems() if p.id == "V1"]
    assert problem.severity == "error"
    assert problem.message == "cannot be placed: the nearest pipe is 8.0 m away (at most 5 m)"
    assert "valve_max_m" in problem.fix
    assert pd.isna(topo.valves.set_index("id").loc["V1", "pipe_id"])
    # a wider reach places it
    wide = build_topology(
        nodes, _pipes(LINES), valves, None, TEST_CRS, TopologyOptions(valve_max_m=10)
    )
    assert wide.valves.set_index("id").loc["V1", "pipe_id"] == "P2"


def test_a_valve_where_pipes_meet_is_placed_and_flagged() -> None:
    nodes, valves = _network(V1=(200, 0))  # on B itself: P2, P3 and P4 are all 0 m away
    topo = build_topology(nodes, _pipes(LINES), valves, None, TEST_CRS)
    assert topo.valves.iloc[0][["pipe_id", "node_id"]].tolist() == ["P2", "B"]
    (message,) = _messages(topo.report.problems(), "valves", "V1")
    assert message.startswith("is as near to pipes P2, P3, P4")


def test_a_valve_with_its_pipe_gets_only_the_end() -> None:
    nodes, valves = _network(V1=(120, 2), V2=(150, 0))
    valves["pipe_id"] = ["P2", None]
    valves.loc[1, "node_id"] = None
    topo = build_topology(nodes, _pipes(LINES), valves, None, TEST_CRS)
    assert topo.valves["pipe_id"].tolist() == ["P2", "P2"]
    assert topo.valves["node_id"].tolist() == ["A", "A"]
    # without a point its end cannot be told
    no_point = valves.copy()
    no_point.loc[0, "geometry"] = None
    topo = build_topology(nodes, _pipes(LINES), no_point, None, TEST_CRS)
    (problem,) = [p for p in topo.report.problems() if p.id == "V1"]
    assert problem.severity == "error" and "no point to tell which end" in problem.message


def test_customers_go_on_their_nearest_pipe_and_one_too_far_is_an_error() -> None:
    nodes, _ = _network()
    customers = _points(
        {"C1": (150, 20), "C2": (210, 60), "C3": (150, -150)},
        category=["residential"] * 3,
    )
    topo = build_topology(nodes, _pipes(LINES), pd.DataFrame(), customers, TEST_CRS)
    assert topo.customers is not None
    assert topo.customers["pipe_id"].tolist()[:2] == ["P2", "P4"]
    assert pd.isna(topo.customers["pipe_id"].iloc[2])
    problems = topo.report.problems()
    (summary,) = _messages(problems, "customers")
    assert summary.startswith("2 customers joined to their nearest pipe")
    assert "median 15.00 m, farthest 20.00 m" in summary
    (far,) = [p for p in problems if p.id == "C3"]
    assert far.severity == "error"
    assert far.message == "cannot be placed: the nearest pipe is 150.0 m away (at most 100 m)"


def test_only_what_is_missing_is_built() -> None:
    nodes, valves = _network(V1=(103, 0))
    pipes = _pipes(LINES)
    pipes["from_node"] = ["S", "A", "B", "B"]
    pipes["to_node"] = ["A", "B", "C", "D"]
    valves["pipe_id"], valves["node_id"] = ["P1"], ["A"]  # deliberately not the nearest
    assert not any(missing_links(nodes, pipes, valves, None).values())
    topo = build_topology(nodes, pipes, valves, None, TEST_CRS)
    assert topo.report.problems() == []
    assert topo.valves["pipe_id"].tolist() == ["P1"]


def test_distances_are_metres_in_a_feet_crs() -> None:
    from pyproj import Transformer

    feet = "EPSG:3089"  # Kentucky, US survey feet
    to_feet = Transformer.from_crs("EPSG:4326", feet, always_xy=True)
    x0, y0 = to_feet.transform(-86.23, 37.12)
    ft = 1200 / 3937
    pipes = gpd.GeoDataFrame(
        {"id": ["P1", "P2"]},
        geometry=[
            shapely.LineString([(x0, y0), (x0 + 100 / ft, y0)]),
            # 0.4 m (1.3 ft) from P1's end: joined with a 0.5 m tolerance
            shapely.LineString([(x0 + 100.4 / ft, y0), (x0 + 200 / ft, y0)]),
        ],
        crs=feet,
    )
    valves = gpd.GeoDataFrame(
        {"id": ["V1"]}, geometry=[shapely.Point(x0 + 150 / ft, y0 + 3 / ft)], crs=feet
    )
    utm = pipes.estimate_utm_crs()
    topo = build_topology(None, pipes, valves, None, utm)
    assert _ends(topo.pipes)["P2"][0] == "P1-to"
    (row,) = _messages(topo.report.problems(), "valves", "V1")
    assert row.startswith("was 3.00 m from the nearest pipe")
    assert topo.nodes.crs == pipes.crs  # new nodes are drawn in the layer's own CRS


def test_options_are_distances() -> None:
    with pytest.raises(ValueError, match="node_tolerance_m"):
        TopologyOptions(node_tolerance_m=-1)
    with pytest.raises(ValueError, match="valve_max_m"):
        TopologyOptions(valve_max_m="far")  # type: ignore[arg-type]


def test_an_export_with_an_unsplit_tee_reads_as_one_connected_network(tmp_path: Any) -> None:
    from gis.io import read_network
    from gis.isolation import Isolator

    # S --P1-- A --P2-- B --P4-- tank C, and P3 from P2's middle north to D; valves on P2 by A
    # and by B
    lines = {
        "P1": [(0, 0), (100, 0)],
        "P2": [(100, 0), (200, 0)],
        "P3": [(150, 0), (150, 80)],
        "P4": [(200, 0), (300, 0)],
    }
    path = tmp_path / "export.gpkg"
    nodes = _points(
        {"S": (0, 0), "A": (100, 0), "B": (200, 0), "C": (300, 0), "D": (150, 80)},
        kind=["source", "junction", "junction", "tank", "junction"],
    )
    nodes.to_file(path, layer="nodes", engine="pyogrio")
    _pipes(lines).to_file(path, layer="pipes", engine="pyogrio")
    _points({"V1": (103, 0), "V2": (197, 0)}).to_file(path, layer="valves", engine="pyogrio")
    network = read_network(path)
    assert sorted(network.pipes.ids) == ["P1", "P2", "P2.2", "P3", "P4"]
    assert not any("no source" in w for w in network.warnings)
    plan = Isolator(network).isolate("P3", with_area=False)
    assert sorted(v.id for v in plan.valves_to_close) == ["V1", "V2"]
    assert sorted(plan.isolated_pipes) == ["P2", "P2.2", "P3"]
    assert plan.length_m == pytest.approx(180.0)


def _named_pipes(lines: dict[str, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    pipes = _pipes(lines)
    pipes["from_node"] = ["S", "A", "B", "B"][: len(pipes)]
    pipes["to_node"] = ["A", "B", "C", "D"][: len(pipes)]
    return pipes


def test_pipes_that_name_their_nodes_without_a_nodes_layer_make_the_nodes() -> None:
    lines = dict(LINES)
    lines["P3"] = [(200.3, 0), (300, 0)]  # 0.3 m from where P2 ends at B: within 0.5 m
    pipes = _named_pipes(lines)
    topo = build_topology(None, pipes, pd.DataFrame(), None, TEST_CRS)
    assert _ends(topo.pipes) == _ends(pipes)  # the pipes' own names are kept
    nodes = topo.nodes.set_index("id")
    assert sorted(nodes.index) == ["A", "B", "C", "D", "S"]
    assert (nodes["kind"] == "junction").all()
    assert nodes.crs == pipes.crs
    # drawn at the end of the smallest pipe id that ends there: B where P2 ends
    assert (nodes.geometry["B"].x - OX, nodes.geometry["B"].y - OY) == (200.0, 0.0)
    assert (nodes.geometry["D"].x - OX, nodes.geometry["D"].y - OY) == (200.0, 100.0)
    problems = topo.report.problems()
    assert [p.severity for p in problems] == ["warning"]
    assert problems[0].message.startswith(
        "there is no nodes layer: 5 nodes made from the pipes' from_node and to_node"
    )
    assert "the farthest 0.30 m from its node" in problems[0].message
    assert topo.report.nodes is None and topo.report.named_ends is not None


def test_one_node_id_at_two_places_is_an_error_naming_both_pipes() -> None:
    lines = dict(LINES)
    lines["P4"] = [(210, 0), (200, 100)]  # says it starts at B, but 10 m from where P2 ends
    topo = build_topology(None, _named_pipes(lines), pd.DataFrame(), None, TEST_CRS)
    (error,) = [p for p in topo.report.problems() if p.severity == "error"]
    assert (error.layer, error.id) == ("pipes", "P4")
    assert error.message.startswith("ends at node B 10.00 m from where pipe P2 ends at node B")
    assert "pipe P4 or pipe P2" in error.fix
    assert topo.report.to_dict()["named_nodes"]["conflicts"] == [["B", "P4", "P2"]]


def test_a_network_read_without_its_nodes_layer_uses_the_pipes_node_ids(tmp_path: Any) -> None:
    from gis.io import read_layers, read_network
    from gis.validate import validate_layers

    path = tmp_path / "pipes-only.gpkg"
    _named_pipes(LINES).to_file(path, layer="pipes", engine="pyogrio")
    valves = _points({"V1": (103, 0)})
    valves["pipe_id"], valves["node_id"] = ["P2"], ["A"]
    valves.to_file(path, layer="valves", engine="pyogrio")
    network = read_network(path)
    assert sorted(network.nodes.ids) == ["A", "B", "C", "D", "S"]
    assert network.valves.ids.tolist() == ["V1"]
    assert network.nodes.ids[network.valves.node[0]] == "A"
    # a conflict stops the read
    lines = dict(LINES)
    lines["P4"] = [(210, 0), (200, 100)]
    bad = tmp_path / "bad.gpkg"
    _named_pipes(lines).to_file(bad, layer="pipes", engine="pyogrio")
    report = validate_layers(read_layers(bad))
    assert not report.ok
    assert any(p.id == "P4" and "node B" in p.message for p in report.errors)
