"""Isolation of a break (docs/design.md §3): hand-built cases and properties against an oracle.

The oracle is independent of :mod:`gis.segments` and :mod:`gis.isolation`: it works on the plain
tuples a network is built from and on the *element graph* (vertices ``("N", node)`` and
``("P", pipe)``; an edge joins a pipe to each of its end nodes unless that pipe end is shut).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from gis.errors import OutsideNetwork, UnknownPipe, UnknownValve
from gis.isolation import IsolationPlan, Isolator, combined_shutdown
from gis.network import CUSTOMER_CATEGORIES, Network
from tests.conftest import ORIGIN, TEST_CRS, make_network

NodeRow = tuple[str, str, float, float]
PipeRow = tuple[str, str, str]
ValveRow = tuple[str, str, str, bool, bool]  # id, pipe, node, operable, normally_closed
CustomerRow = tuple[str, str, str, str | None]  # id, pipe, category, name
Vertex = tuple[str, str]  # ("N", node id) or ("P", pipe id)
End = tuple[str, str]  # (pipe id, node id): one end of a pipe

SOURCE_KINDS = ("source", "tank")
TO_WGS84 = Transformer.from_crs(TEST_CRS, "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Spec:
    """A network as plain tuples (the input of ``make_network``), kept for the oracle."""

    nodes: tuple[NodeRow, ...]
    pipes: tuple[PipeRow, ...]
    valves: tuple[ValveRow, ...] = ()
    customers: tuple[CustomerRow, ...] = ()
    closed: frozenset[str] = frozenset()

    def build(self) -> Network:
        return make_network(
            self.nodes,
            self.pipes,
            self.valves,
            self.customers,
            status={p: "closed" for p in self.closed},
        )


class Oracle:
    """Isolation worked out on the element graph with networkx, straight from docs/design.md §3."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.ends: dict[End, list[ValveRow]] = {}
        for v in spec.valves:
            self.ends.setdefault((v[1], v[2]), []).append(v)
        self.valve = {v[0]: v for v in spec.valves}
        self.sources = {n[0] for n in spec.nodes if n[1] in SOURCE_KINDS}
        self.xy = {n[0]: (n[2], n[3]) for n in spec.nodes}
        self.pipe_nodes = {p[0]: (p[1], p[2]) for p in spec.pipes}
        self.vertices: list[Vertex] = [("N", n[0]) for n in spec.nodes] + [
            ("P", p[0]) for p in spec.pipes
        ]
        # shut in normal operation: normally-closed valves
        self.nc_ends = frozenset(e for e, vs in self.ends.items() if any(v[4] for v in vs))

    def graph(self, shut: Iterable[End] = (), removed: Iterable[Vertex] = ()) -> nx.Graph:
        """The element graph with the given pipe ends shut (closed pipes are always shut)."""
        shut_ends, gone = set(shut), set(removed)
        g = nx.Graph()
        g.add_nodes_from(v for v in self.vertices if v not in gone)
        for pid, a, b in self.spec.pipes:
            if pid in self.spec.closed:
                continue
            for n in (a, b):
                u, w = ("P", pid), ("N", n)
                if (pid, n) in shut_ends or u in gone or w in gone:
                    continue
                g.add_edge(u, w)
        return g

    def fed(self, g: nx.Graph) -> set[Vertex]:
        """Vertices with a path to a source or tank."""
        out: set[Vertex] = set()
        for s in self.sources:
            v = ("N", s)
            if v in g and v not in out:
                out |= nx.node_connected_component(g, v)
        return out

    @staticmethod
    def closable(v: ValveRow, failed: Iterable[str]) -> bool:
        return v[3] and v[0] not in set(failed)

    def area(self, broken: Sequence[str], failed: Iterable[str]) -> set[Vertex]:
        """What is shut off when every closable valve is closed and the others stay open."""
        failed = set(failed)
        shut = [
            e for e, vs in self.ends.items() if any(v[4] or self.closable(v, failed) for v in vs)
        ]
        g = self.graph(shut)
        out: set[Vertex] = set()
        for p in broken:
            out |= nx.node_connected_component(g, ("P", p))
        return out

    def segment(self, vertex: Vertex) -> set[Vertex]:
        """The valve segment of a pipe or node (every valved end cut)."""
        return nx.node_connected_component(self.graph(self.ends), vertex)

    def customers_on(self, pipes: Iterable[str]) -> list[CustomerRow]:
        on = set(pipes)
        return [c for c in self.spec.customers if c[1] in on]

    def length(self, pipe: str) -> float:
        (ax, ay), (bx, by) = (self.xy[n] for n in self.pipe_nodes[pipe])
        return float(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5)


def _pipes(vs: Iterable[Vertex]) -> set[str]:
    return {x for k, x in vs if k == "P"}


def _nodes(vs: Iterable[Vertex]) -> set[str]:
    return {x for k, x in vs if k == "N"}


def cut_off(plan: IsolationPlan) -> set[str]:
    """Pipes that lose water under a plan."""
    return set(plan.isolated_pipes) | set(plan.unintended_pipes)


def check_plan(
    oracle: Oracle, plan: IsolationPlan, broken: Sequence[str], failed: Sequence[str]
) -> None:
    """Every property of docs/design.md §3 that a plan must have, checked against the oracle."""
    valve = oracle.valve
    failed_set = set(failed)
    close = [v.id for v in plan.valves_to_close]
    not_needed = [v.id for v in plan.valves_not_needed]
    bypassed = {v.id: v.reason for v in plan.bypassed_valves}
    assert len(set(close)) == len(close), "a valve is listed twice in valves_to_close"
    assert not set(close) & set(not_needed)
    close_ends = {(valve[v][1], valve[v][2]) for v in close}
    assert len(close_ends) == len(close), "two valves closed at the same pipe end"
    shut = oracle.nc_ends | close_ends

    # 5. the isolated area is the oracle's
    area = oracle.area(broken, failed)
    area_pipes, area_nodes = _pipes(area), _nodes(area)
    assert set(plan.isolated_pipes) == area_pipes
    assert set(plan.isolated_nodes) == area_nodes
    assert set(broken) <= set(plan.isolated_pipes)

    # 3. only closable valves are closed; bypassed ones could not be
    for v in close + not_needed:
        assert valve[v][3], f"{v} is inoperable but listed to close"
        assert v not in failed_set, f"{v} was reported failed but is listed to close"
    for v, reason in bypassed.items():
        assert not oracle.closable(valve[v], failed_set), f"{v} is bypassed but closable"
        assert reason == ("inoperable" if not valve[v][3] else "reported failed")
        assert {("P", valve[v][1]), ("N", valve[v][2])} <= area
    # something was bypassed exactly when the area is more than the broken pipes' segments
    start_segments = {frozenset(oracle.segment(("P", p))) for p in broken}
    area_segments = {frozenset(oracle.segment(x)) for x in area}
    assert bool(bypassed) == bool(area_segments - start_segments)

    # 1. after closing, no open path from the break to a source outside the area
    inside_sources = oracle.sources & area_nodes
    assert plan.isolated_from_sources == (not inside_sources)
    g = oracle.graph(shut)
    reach = set().union(*(nx.node_connected_component(g, ("P", p)) for p in broken))
    assert not (_nodes(reach) & oracle.sources) - area_nodes, "the break is still fed"

    # 2. every valve closed is needed: reopening it feeds the break again
    for v in close:
        g = oracle.graph(shut - {(valve[v][1], valve[v][2])})
        reach = set().union(*(nx.node_connected_component(g, ("P", p)) for p in broken))
        assert (_nodes(reach) & oracle.sources) - area_nodes, f"closing {v} is not needed"

    # the boundary: every closable boundary valve is either closed or not needed
    before = oracle.fed(oracle.graph(oracle.nc_ends))
    after = oracle.fed(oracle.graph(shut, removed=area))
    boundary_nc: set[End] = set()
    for (pid, nid), vs in oracle.ends.items():
        inside = (("P", pid) in area, ("N", nid) in area)
        if inside[0] == inside[1] or pid in oracle.spec.closed:
            continue
        if any(v[4] for v in vs):
            boundary_nc.add((pid, nid))
            continue
        across = ("N", nid) if inside[0] else ("P", pid)
        listed_close = [v[0] for v in vs if v[0] in close]
        listed_spare = [v[0] for v in vs if v[0] in not_needed]
        if across in after:
            assert len(listed_close) == 1 and not listed_spare, (pid, nid)
        else:
            assert len(listed_spare) == 1 and not listed_close, (pid, nid)
    nc_listed = {(valve[v.id][1], valve[v.id][2]) for v in plan.closed_on_boundary}
    assert nc_listed == boundary_nc

    # 4. unintended isolation: fed before, not after, not isolated
    lost = (before - after) - area
    assert set(plan.unintended_pipes) == _pipes(lost)
    assert set(plan.unintended_nodes) == _nodes(lost)
    assert not set(plan.isolated_pipes) & set(plan.unintended_pipes)
    assert len(set(plan.isolated_pipes)) == len(plan.isolated_pipes)
    assert len(set(plan.unintended_pipes)) == len(plan.unintended_pipes)

    hit = oracle.customers_on(area_pipes | _pipes(lost))
    cust = plan.customers
    assert cust.total == len(hit)
    assert cust.accounts == len(hit)
    assert cust.isolated == len(oracle.customers_on(area_pipes))
    assert cust.unintended == len(oracle.customers_on(_pipes(lost)))
    assert cust.by_category == {c: sum(1 for h in hit if h[2] == c) for c in CUSTOMER_CATEGORIES}
    assert {(c.id, c.name, c.pipe_id) for c in cust.critical} == {
        (h[0], h[3], h[1]) for h in hit if h[2] == "critical"
    }
    assert plan.isolated_length_m == pytest.approx(sum(oracle.length(p) for p in area_pipes))
    assert plan.unintended_length_m == pytest.approx(sum(oracle.length(p) for p in _pipes(lost)))


# -- hand-built networks -------------------------------------------------------------------------


def line_spec() -> Spec:
    """S –P1– a –P2– b –P3– c –P4– d, valves V1 (P2 at a), V2 (P2 at b), V3 (P3 at c).

    Segments: {S, P1, a}, {P2}, {b, P3}, {c, P4, d}.
    """
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("c", "junction", 300.0, 0.0),
            ("d", "junction", 400.0, 0.0),
        ),
        pipes=(("P1", "S", "a"), ("P2", "a", "b"), ("P3", "b", "c"), ("P4", "c", "d")),
        valves=(
            ("V1", "P2", "a", True, False),
            ("V2", "P2", "b", True, False),
            ("V3", "P3", "c", True, False),
        ),
        customers=(
            ("C1", "P2", "residential", None),
            ("C2", "P2", "residential", None),
            ("C3", "P3", "commercial", None),
            ("C4", "P4", "critical", "Kaifeng Hospital"),
            ("C5", "P4", "residential", None),
        ),
    )


def test_line_break_in_the_middle_leaves_the_dead_end_dry() -> None:
    spec = line_spec()
    plan = Isolator(spec.build()).isolate("P2")

    assert [v.id for v in plan.valves_to_close] == ["V1"]
    assert [v.id for v in plan.valves_not_needed] == ["V2"]
    assert plan.bypassed_valves == ()
    assert plan.closed_on_boundary == ()
    assert plan.isolated_pipes == ("P2",)
    assert plan.isolated_nodes == ()
    assert sorted(plan.unintended_pipes) == ["P3", "P4"]
    assert sorted(plan.unintended_nodes) == ["b", "c", "d"]
    assert plan.isolated_from_sources
    assert plan.warnings == ()

    cust = plan.customers
    assert (cust.total, cust.isolated, cust.unintended, cust.accounts) == (5, 2, 3, 5)
    assert cust.by_category == {
        "residential": 3,
        "commercial": 1,
        "industrial": 0,
        "institution": 0,
        "critical": 1,
    }
    assert [(c.id, c.name, c.kind, c.pipe_id) for c in cust.critical] == [
        ("C4", "Kaifeng Hospital", "hospital", "P4")
    ]
    assert plan.isolated_length_m == pytest.approx(100.0)
    assert plan.unintended_length_m == pytest.approx(200.0)
    assert plan.length_m == pytest.approx(300.0)
    assert plan.valves_to_close[0].pipe_id == "P2"
    assert plan.valves_to_close[0].node_id == "a"
    check_plan(Oracle(spec), plan, ["P2"], [])


def test_line_break_at_the_far_end_needs_one_valve() -> None:
    spec = line_spec()
    plan = Isolator(spec.build()).isolate("P4")

    assert [v.id for v in plan.valves_to_close] == ["V3"]
    assert plan.valves_not_needed == ()
    assert sorted(plan.isolated_pipes) == ["P4"]
    assert sorted(plan.isolated_nodes) == ["c", "d"]
    assert plan.unintended_pipes == ()
    assert plan.customers.total == 2
    assert [c.name for c in plan.customers.critical] == ["Kaifeng Hospital"]


def ring_spec() -> Spec:
    """S –P0– r0, ring R_i: r_i -> r_(i+1 mod 6); valves V_i on R_i at r_i for i = 0..4 (N-1).

    Segments: {R_i, r_(i+1)} for i = 0..3, and {R4, r5, R5, r0, P0, S}.
    """
    corners = [(0, 0), (100, 0), (200, 0), (200, 100), (100, 100), (0, 100)]
    nodes: list[NodeRow] = [("S", "source", -100.0, 0.0)]
    nodes += [(f"r{i}", "junction", float(x), float(y)) for i, (x, y) in enumerate(corners)]
    pipes: list[PipeRow] = [("P0", "S", "r0")]
    pipes += [(f"R{i}", f"r{i}", f"r{(i + 1) % 6}") for i in range(6)]
    valves = tuple((f"V{i}", f"R{i}", f"r{i}", True, False) for i in range(5))
    customers = tuple(
        (f"C{i}_{k}", f"R{i}", "residential", None) for i in range(6) for k in range(i + 1)
    )
    return Spec(tuple(nodes), tuple(pipes), valves, customers)


@pytest.mark.parametrize("i", [0, 1, 2, 3])
def test_ring_break_closes_two_valves_and_nothing_else(i: int) -> None:
    spec = ring_spec()
    plan = Isolator(spec.build()).isolate(f"R{i}")

    assert sorted(v.id for v in plan.valves_to_close) == [f"V{i}", f"V{i + 1}"]
    assert plan.valves_not_needed == ()
    assert plan.bypassed_valves == ()
    assert plan.isolated_pipes == (f"R{i}",)
    assert plan.isolated_nodes == (f"r{i + 1}",)
    assert plan.unintended_pipes == ()
    assert plan.unintended_nodes == ()
    assert plan.customers.total == i + 1
    assert plan.customers.unintended == 0
    check_plan(Oracle(spec), plan, [f"R{i}"], [])


def two_source_spec(v2_operable: bool = True) -> Spec:
    """S1 –P1– a –P2– b –P3– c –P4– T (tank); V1 (P2 at a), V2 (P2 at b), V3 (P3 at c)."""
    return Spec(
        nodes=(
            ("S1", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("c", "junction", 300.0, 0.0),
            ("T", "tank", 400.0, 0.0),
        ),
        pipes=(("P1", "S1", "a"), ("P2", "a", "b"), ("P3", "b", "c"), ("P4", "c", "T")),
        valves=(
            ("V1", "P2", "a", True, False),
            ("V2", "P2", "b", v2_operable, False),
            ("V3", "P3", "c", True, False),
        ),
        customers=(
            ("C1", "P2", "residential", None),
            ("C2", "P2", "residential", None),
            ("C3", "P2", "residential", None),
            ("C4", "P3", "commercial", None),
            ("C5", "P3", "commercial", None),
        ),
    )


def test_two_sources_all_valves_work() -> None:
    spec = two_source_spec()
    plan = Isolator(spec.build()).isolate("P2")
    assert sorted(v.id for v in plan.valves_to_close) == ["V1", "V2"]
    assert plan.bypassed_valves == ()
    assert plan.isolated_pipes == ("P2",)
    assert plan.customers.total == 3


def test_inoperable_valve_merges_the_segment_across_it() -> None:
    spec = two_source_spec(v2_operable=False)
    plan = Isolator(spec.build()).isolate("P2")

    assert sorted(v.id for v in plan.valves_to_close) == ["V1", "V3"]
    assert [(v.id, v.reason) for v in plan.bypassed_valves] == [("V2", "inoperable")]
    assert plan.to_dict()["bypassed_valves"][0]["reason"] == "inoperable"
    assert sorted(plan.isolated_pipes) == ["P2", "P3"]
    assert plan.isolated_nodes == ("b",)
    assert plan.unintended_pipes == ()
    assert plan.customers.total == 5
    assert plan.customers.by_category["commercial"] == 2
    check_plan(Oracle(spec), plan, ["P2"], [])


def test_valve_reported_failed_at_query_time_merges_too() -> None:
    spec = two_source_spec()
    isolator = Isolator(spec.build())
    plan = isolator.isolate("P2", failed_valves=["V2"])

    assert sorted(v.id for v in plan.valves_to_close) == ["V1", "V3"]
    assert [(v.id, v.reason) for v in plan.bypassed_valves] == [("V2", "reported failed")]
    assert sorted(plan.isolated_pipes) == ["P2", "P3"]
    assert plan.customers.total == 5
    check_plan(Oracle(spec), plan, ["P2"], ["V2"])
    # the failure is for that query only
    assert sorted(v.id for v in isolator.isolate("P2").valves_to_close) == ["V1", "V2"]


def dma_spec() -> Spec:
    """A main S –M1– a –M2– b –M3– c and a DMA d –D1– e –D2– f fed through the inlet I1 (a–d);
    the boundary pipe B1 (f–c) has a normally-closed valve VB at c.

    Segments: {S, M1, a}, {M2, b}, {M3, c}, {I1}, {d, D1, e, D2, f, B1}.
    """
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("c", "junction", 300.0, 0.0),
            ("d", "junction", 100.0, 100.0),
            ("e", "junction", 200.0, 100.0),
            ("f", "junction", 300.0, 100.0),
        ),
        pipes=(
            ("M1", "S", "a"),
            ("M2", "a", "b"),
            ("M3", "b", "c"),
            ("I1", "a", "d"),
            ("D1", "d", "e"),
            ("D2", "e", "f"),
            ("B1", "f", "c"),
        ),
        valves=(
            ("VM2", "M2", "a", True, False),
            ("VM3", "M3", "b", True, False),
            ("VB", "B1", "c", True, True),
            ("VI", "I1", "a", True, False),
            ("VD", "I1", "d", True, False),
        ),
        customers=(
            ("C1", "M3", "residential", None),
            ("C2", "D1", "residential", None),
            ("C3", "D1", "residential", None),
            ("C4", "D2", "institution", None),
        ),
    )


def test_normally_closed_dma_valve_is_already_shut() -> None:
    spec = dma_spec()
    plan = Isolator(spec.build()).isolate("M3")

    assert [v.id for v in plan.valves_to_close] == ["VM3"]
    assert [v.id for v in plan.closed_on_boundary] == ["VB"]
    assert plan.valves_not_needed == ()
    assert sorted(plan.isolated_pipes) == ["M3"]
    assert plan.isolated_nodes == ("c",)
    # the DMA behind VB is still fed through its inlet
    assert plan.unintended_pipes == ()
    assert plan.customers.total == 1
    check_plan(Oracle(spec), plan, ["M3"], [])


def test_dma_with_its_inlet_shut_is_unintended_isolation() -> None:
    spec = dma_spec()
    plan = Isolator(spec.build()).isolate("I1")

    assert [v.id for v in plan.valves_to_close] == ["VI"]
    assert [v.id for v in plan.valves_not_needed] == ["VD"]
    assert plan.closed_on_boundary == ()
    assert plan.isolated_pipes == ("I1",)
    assert sorted(plan.unintended_pipes) == ["B1", "D1", "D2"]
    assert sorted(plan.unintended_nodes) == ["d", "e", "f"]
    assert (plan.customers.total, plan.customers.unintended) == (3, 3)
    assert plan.customers.by_category["institution"] == 1
    check_plan(Oracle(spec), plan, ["I1"], [])


def source_spec(with_tank: bool) -> Spec:
    """S –P1– a –P2– b –P3– T, one valve V on P2 at a; T is a tank or a junction."""
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("T", "tank" if with_tank else "junction", 300.0, 0.0),
        ),
        pipes=(("P1", "S", "a"), ("P2", "a", "b"), ("P3", "b", "T")),
        valves=(("V", "P2", "a", True, False),),
        customers=(("C1", "P1", "residential", None), ("C2", "P3", "residential", None)),
    )


def test_break_in_the_segment_of_a_source_warns() -> None:
    spec = source_spec(with_tank=True)
    plan = Isolator(spec.build()).isolate("P1")

    assert not plan.isolated_from_sources
    assert plan.to_dict()["isolated_from_sources"] is False
    assert len(plan.warnings) == 1
    assert "S" in plan.warnings[0] and "source" in plan.warnings[0]
    assert sorted(plan.isolated_nodes) == ["S", "a"]
    assert [v.id for v in plan.valves_to_close] == ["V"]  # the tank still feeds b's side
    assert plan.unintended_pipes == ()
    assert plan.customers.total == 1
    check_plan(Oracle(spec), plan, ["P1"], [])


def test_break_in_the_segment_of_the_only_source_dries_everything() -> None:
    spec = source_spec(with_tank=False)
    plan = Isolator(spec.build()).isolate("P1")

    assert not plan.isolated_from_sources
    assert plan.valves_to_close == ()
    assert [v.id for v in plan.valves_not_needed] == ["V"]
    assert sorted(plan.unintended_pipes) == ["P2", "P3"]
    assert plan.customers.total == 2
    check_plan(Oracle(spec), plan, ["P1"], [])


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_WGS84.transform(ORIGIN[0] + x, ORIGIN[1] + y)
    return float(lon), float(lat)


def test_isolate_at_snaps_to_the_nearest_pipe() -> None:
    isolator = Isolator(line_spec().build())
    lon, lat = _lonlat(250.0, 0.0)  # the midpoint of P3
    plan = isolator.isolate_at(lon, lat)
    assert plan.breaks == ("P3",)
    assert [v.id for v in plan.valves_to_close] == [
        v.id for v in isolator.isolate("P3").valves_to_close
    ]
    lon, lat = _lonlat(150.0, 8.0)  # 8 m off P2's midpoint
    assert isolator.nearest_pipe(lon, lat) == "P2"
    plan = isolator.isolate_at(lon, lat, failed_valves=["V1"])
    assert plan.breaks == ("P2",)
    assert [v.id for v in plan.bypassed_valves] == ["V1"]


def test_isolate_at_far_from_every_pipe_raises() -> None:
    isolator = Isolator(line_spec().build())
    lon, lat = _lonlat(250.0, 5000.0)
    with pytest.raises(OutsideNetwork):
        isolator.isolate_at(lon, lat)
    lon, lat = _lonlat(5250.0, 0.0)
    with pytest.raises(OutsideNetwork):
        isolator.isolate_at(lon, lat)


def test_unknown_ids_raise() -> None:
    isolator = Isolator(line_spec().build())
    with pytest.raises(UnknownPipe):
        isolator.isolate("P99")
    with pytest.raises(UnknownPipe):
        isolator.isolate(["P2", "P99"])
    with pytest.raises(UnknownValve):
        isolator.isolate("P2", failed_valves=["V99"])


def _points(geometry: object) -> list[tuple[float, float]]:
    coords: list[tuple[float, float]] = []

    def walk(x: object) -> None:
        if (
            isinstance(x, (list, tuple))
            and len(x) == 2
            and all(isinstance(c, float | int) for c in x)
        ):
            coords.append((float(x[0]), float(x[1])))
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)

    walk(geometry)
    return coords


@pytest.mark.parametrize("broken", ["P2", "P4"])
def test_area_polygon_covers_every_pipe_that_loses_water(broken: str) -> None:
    spec = line_spec()
    oracle = Oracle(spec)
    plan = Isolator(spec.build()).isolate(broken)

    area = plan.area
    assert area is not None
    assert area["type"] in ("Polygon", "MultiPolygon")
    points = _points(area["coordinates"])
    assert points
    for lon, lat in points:
        assert abs(lon - 114.3) < 0.2 and abs(lat - 34.8) < 0.2
    shape = shapely.geometry.shape(area)
    assert shape.is_valid
    for pid in cut_off(plan):
        (ax, ay), (bx, by) = (oracle.xy[n] for n in oracle.pipe_nodes[pid])
        assert shape.contains(shapely.Point(_lonlat((ax + bx) / 2, (ay + by) / 2))), pid
    # and not the pipes that keep water
    assert not shape.contains(shapely.Point(_lonlat(50.0, 0.0)))  # P1's midpoint


def test_two_harmless_shutdowns_together_cut_off_a_street() -> None:
    """On the ring, R0 and R2 can each be shut alone; together they leave R1 (2) dry."""
    spec = ring_spec()
    isolator = Isolator(spec.build())
    overlap = combined_shutdown(isolator, [["R0"], ["R2"]])

    assert [p.unintended_pipes for p in overlap.separate] == [(), ()]
    assert overlap.combined.unintended_pipes == ("R1",)
    assert sorted(v.id for v in overlap.combined.valves_to_close) == ["V0", "V3"]
    assert sorted(v.id for v in overlap.combined.valves_not_needed) == ["V1", "V2"]
    assert overlap.extra_pipes == ("R1",)
    assert overlap.extra_customers.total == 2
    assert overlap.combined.customers.total == 1 + 2 + 3
    assert overlap.combined.area is not None
    assert overlap.to_dict()["extra_customers"]["total"] == 2


def test_plan_without_area() -> None:
    plan = Isolator(line_spec().build()).isolate("P2", with_area=False)
    assert plan.area is None
    assert plan.to_dict()["area"] is None


# -- closed pipes and normally-closed valves: regressions found by the oracle ------------------


def conduit_spec() -> Spec:
    """S –P0– h –P1– a –P2– b, and the closed pipe Q (b–h) with valves at both ends.

    The only other way to b is the closed pipe Q: with P1 shut, P2 and b are dry.
    """
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("h", "junction", 100.0, 0.0),
            ("a", "junction", 200.0, 0.0),
            ("b", "junction", 200.0, 100.0),
        ),
        pipes=(("P0", "S", "h"), ("P1", "h", "a"), ("P2", "a", "b"), ("Q", "b", "h")),
        valves=(
            ("V1", "P1", "h", True, False),
            ("V2", "P2", "a", True, False),
            ("VQb", "Q", "b", True, False),
            ("VQh", "Q", "h", True, False),
        ),
        customers=(
            ("C1", "P1", "residential", None),
            ("C2", "P2", "residential", None),
            ("C3", "P2", "critical", "Clinic"),
        ),
        closed=frozenset({"Q"}),
    )


def test_closed_pipe_with_valves_at_both_ends_carries_no_water() -> None:
    spec = conduit_spec()
    plan = Isolator(spec.build()).isolate("P1")

    assert [v.id for v in plan.valves_to_close] == ["V1"]
    assert [v.id for v in plan.valves_not_needed] == ["V2"]
    assert plan.unintended_pipes == ("P2",)
    assert plan.unintended_nodes == ("b",)
    assert plan.customers.total == 3
    assert [c.name for c in plan.customers.critical] == ["Clinic"]
    check_plan(Oracle(spec), plan, ["P1"], [])


def closed_branch_spec() -> Spec:
    """S –P0– h –P1– a –Q– z with Q closed and valved at a (VQ)."""
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("h", "junction", 100.0, 0.0),
            ("a", "junction", 200.0, 0.0),
            ("z", "junction", 300.0, 0.0),
        ),
        pipes=(("P0", "S", "h"), ("P1", "h", "a"), ("Q", "a", "z")),
        valves=(("V1", "P1", "h", True, False), ("VQ", "Q", "a", True, False)),
        customers=(("C1", "P1", "residential", None), ("C2", "Q", "residential", None)),
        closed=frozenset({"Q"}),
    )


def test_closed_pipe_is_not_unintended_isolation() -> None:
    """Q is closed: it had no water before the break, so it does not lose it."""
    spec = closed_branch_spec()
    plan = Isolator(spec.build()).isolate("P1")

    assert [v.id for v in plan.valves_to_close] == ["V1"]
    assert plan.unintended_pipes == ()
    assert plan.customers.total == 1
    check_plan(Oracle(spec), plan, ["P1"], [])


def closed_bridge_spec() -> Spec:
    """S –P0– h –P1– a –Q– z –P3– T: Q is closed, its valves VQa, VQz inoperable."""
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("h", "junction", 100.0, 0.0),
            ("a", "junction", 200.0, 0.0),
            ("z", "junction", 300.0, 0.0),
            ("T", "tank", 400.0, 0.0),
        ),
        pipes=(("P0", "S", "h"), ("P1", "h", "a"), ("Q", "a", "z"), ("P3", "z", "T")),
        valves=(
            ("V1", "P1", "h", True, False),
            ("VQa", "Q", "a", False, False),
            ("VQz", "Q", "z", False, False),
        ),
        customers=(("C1", "P1", "residential", None), ("C3", "P3", "residential", None)),
        closed=frozenset({"Q"}),
    )


def test_isolation_does_not_spread_across_a_closed_pipe() -> None:
    """The shutdown of P1 must stop at a: no water comes through the closed Q."""
    spec = closed_bridge_spec()
    plan = Isolator(spec.build()).isolate("P1")

    assert plan.isolated_pipes == ("P1",)
    assert plan.isolated_nodes == ("a",)
    assert plan.isolated_from_sources
    assert plan.warnings == ()
    assert plan.customers.total == 1
    check_plan(Oracle(spec), plan, ["P1"], [])


def closed_break_spec() -> Spec:
    """S –P0– a –Q– b –P2– T with Q closed and valved at both ends."""
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("T", "tank", 300.0, 0.0),
        ),
        pipes=(("P0", "S", "a"), ("Q", "a", "b"), ("P2", "b", "T")),
        valves=(("VQa", "Q", "a", True, False), ("VQb", "Q", "b", True, False)),
        closed=frozenset({"Q"}),
    )


def test_break_on_a_closed_pipe_needs_no_valve() -> None:
    """A closed pipe carries no water: no valve has to be closed to stop its flow."""
    spec = closed_break_spec()
    plan = Isolator(spec.build()).isolate("Q")

    assert any("closed" in w for w in plan.warnings)
    assert plan.isolated_pipes == ("Q",)
    assert plan.valves_to_close == ()
    check_plan(Oracle(spec), plan, ["Q"], [])


def nc_inside_spec() -> Spec:
    """S –P0– a, a triangle a–b–c (P1 a–b, P2 a–c, P3 c–b); VN (P1 at b) normally closed,
    VX (P3 at b) inoperable, V0 (P0 at a)."""
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("c", "junction", 200.0, 100.0),
        ),
        pipes=(("P0", "S", "a"), ("P1", "a", "b"), ("P2", "a", "c"), ("P3", "c", "b")),
        valves=(
            ("V0", "P0", "a", True, False),
            ("VN", "P1", "b", True, True),
            ("VX", "P3", "b", False, False),
        ),
    )


def test_normally_closed_valve_inside_the_area_is_not_on_its_boundary() -> None:
    """b joins the area through the inoperable VX, so VN (P1 at b) is inside the area."""
    spec = nc_inside_spec()
    plan = Isolator(spec.build()).isolate("P2")

    assert [v.id for v in plan.valves_to_close] == ["V0"]
    assert [v.id for v in plan.bypassed_valves] == ["VX"]
    assert sorted(plan.isolated_nodes) == ["a", "b", "c"]
    assert plan.closed_on_boundary == ()
    check_plan(Oracle(spec), plan, ["P2"], [])


# -- random networks ---------------------------------------------------------------------------

GRID = 8
SPACING = 100.0


@st.composite
def networks(draw: st.DrawFn, max_nodes: int = 40) -> Spec:
    """Random networks on a grid: a spanning tree plus loops, 1-3 sources, sometimes a piece
    apart; a random valve layer (some inoperable, some normally closed), customers, closed pipes."""
    n = draw(st.integers(5, max_nodes))
    cells = draw(
        st.lists(
            st.tuples(st.integers(0, GRID - 1), st.integers(0, GRID - 1)),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    split = n  # nodes from ``split`` on form a piece apart from the rest
    if draw(st.integers(0, 4)) == 4:
        split = draw(st.integers(max(3, n - 5), n - 2))
    ids = [f"J{i}" for i in range(n)]
    kinds = ["junction"] * n
    for i in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True)):
        kinds[i] = draw(st.sampled_from(SOURCE_KINDS))
    nodes = tuple(
        (ids[i], kinds[i], cells[i][0] * SPACING, cells[i][1] * SPACING) for i in range(n)
    )

    edges: list[tuple[int, int]] = []
    for i in range(1, n):
        if i != split:
            edges.append((draw(st.integers(split if i > split else 0, i - 1)), i))
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n // 2))
    edges += [(i, j) for i, j in extra if i != j and (i < split) == (j < split)]
    pipes: list[PipeRow] = []
    for k, (i, j) in enumerate(edges):
        a, b = (j, i) if draw(st.booleans()) else (i, j)
        pipes.append((f"P{k}", ids[a], ids[b]))

    valves: list[ValveRow] = []
    for pid, a, b in pipes:
        for node in (a, b):
            r = draw(st.integers(0, 19))
            for _ in range(0 if r < 9 else 1 if r < 18 else 2):
                operable = draw(st.integers(0, 5)) != 5
                normally_closed = draw(st.integers(0, 11)) == 11
                valves.append((f"V{len(valves)}", pid, node, operable, normally_closed))

    customers: list[CustomerRow] = []
    for k, (p, c) in enumerate(
        draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(pipes) - 1),
                    st.integers(0, len(CUSTOMER_CATEGORIES) - 1),
                ),
                max_size=10,
            )
        )
    ):
        cat = CUSTOMER_CATEGORIES[c]
        customers.append(
            (f"C{k}", pipes[p][0], cat, f"Hospital {k}" if cat == "critical" else None)
        )

    closed: frozenset[str] = frozenset()
    if draw(st.integers(0, 3)) == 3:
        closed = frozenset(
            pipes[i][0]
            for i in draw(
                st.lists(st.integers(0, len(pipes) - 1), min_size=1, max_size=2, unique=True)
            )
        )
    return Spec(tuple(nodes), tuple(pipes), tuple(valves), tuple(customers), closed)


Query = tuple[str, list[str]]  # broken pipe, valve ids reported failed


@st.composite
def cases(draw: st.DrawFn, max_nodes: int = 40, queries: int = 3) -> tuple[Spec, list[Query]]:
    """A random network and a few breaks on it, each with 0-3 valves reported failed."""
    spec = draw(networks(max_nodes))
    pipe_ids = [p[0] for p in spec.pipes]
    valve_ids = [v[0] for v in spec.valves]
    failed: st.SearchStrategy[list[str]] = st.just([])
    if valve_ids:
        failed = st.lists(st.sampled_from(valve_ids), max_size=3, unique=True)
    return spec, [(draw(st.sampled_from(pipe_ids)), draw(failed)) for _ in range(queries)]


PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# The explicit examples are the bugs the generated cases found (see the regressions above);
# they fail fast and readably instead of leaving hypothesis to shrink a random network.
@PROPERTY_SETTINGS
@given(case=cases())
@example(case=(conduit_spec(), [("P1", [])]))
@example(case=(closed_branch_spec(), [("P1", [])]))
@example(case=(closed_bridge_spec(), [("P1", [])]))
@example(case=(closed_break_spec(), [("Q", [])]))
@example(case=(nc_inside_spec(), [("P2", [])]))
@example(case=(two_source_spec(), [("P2", ["V2"]), ("P3", ["V1", "V3"])]))
def test_isolation_matches_oracle(case: tuple[Spec, list[Query]]) -> None:
    spec, queries = case
    isolator = Isolator(spec.build())
    oracle = Oracle(spec)
    for broken, failed in queries:
        plan = isolator.isolate(broken, failed, with_area=False)
        assert plan.breaks == (broken,)
        check_plan(oracle, plan, [broken], failed)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Spec, str, str]:
    spec = draw(networks(max_nodes=25))
    pipe_ids = [p[0] for p in spec.pipes]
    return spec, draw(st.sampled_from(pipe_ids)), draw(st.sampled_from(pipe_ids))


@settings(
    max_examples=60,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=pairs())
@example(case=(ring_spec(), "R0", "R2"))
@example(case=(dma_spec(), "M3", "I1"))
@example(case=(nc_inside_spec(), "P2", "P2"))
def test_combined_shutdown_contains_each_alone(case: tuple[Spec, str, str]) -> None:
    spec, a, b = case
    isolator = Isolator(spec.build())
    oracle = Oracle(spec)
    overlap = combined_shutdown(isolator, [[a], [b]], with_area=False)
    alone_a = isolator.isolate(a, with_area=False)
    alone_b = isolator.isolate(b, with_area=False)
    combined = overlap.combined

    check_plan(oracle, combined, [a, b], [])
    assert [cut_off(p) for p in overlap.separate] == [cut_off(alone_a), cut_off(alone_b)]
    assert cut_off(alone_a) <= cut_off(combined)
    assert cut_off(alone_b) <= cut_off(combined)
    both_alone = cut_off(alone_a) | cut_off(alone_b)
    assert set(overlap.extra_pipes) == cut_off(combined) - both_alone

    def customers(pipes: set[str]) -> set[str]:
        return {c[0] for c in oracle.customers_on(pipes)}

    extra = customers(cut_off(combined)) - customers(both_alone)
    assert overlap.extra_customers.total == len(customers(cut_off(combined))) - len(
        customers(both_alone)
    )
    assert overlap.extra_customers.total == len(extra)
