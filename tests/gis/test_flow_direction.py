"""Water flows one way through pumps, check valves and PRVs (issue 14).

The oracle works on the *directed* element graph with networkx, independently of
:mod:`gis.segments` and :mod:`gis.isolation`: vertices ``("N", node)`` and ``("P", link)``; an
open two-way link joins each end node to itself both ways, a one-way link takes water in at its
start node and gives it out at its end node, a closed link joins nothing; a pipe end with a
closed valve is cut. It reads public EPANET networks with WNTR and applies the EPANET rules of
``docs/decisions.md`` itself, so it also checks how :func:`gis.io.layers_from_wntr` reads them.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gis.criticality import valve_criticality
from gis.io import read_layers, read_network
from gis.isolation import IsolationPlan, Isolator, combined_shutdown, surroundings
from gis.network import CUSTOMER_CATEGORIES, LINK_FLOW, Network, build_network
from gis.validate import validate_layers
from tests.conftest import make_layers
from tests.gis.test_isolation import Oracle, Spec, check_plan, networks

wntr = pytest.importorskip("wntr")

DATA = Path(__file__).parent / "data" / "public"
Vertex = tuple[str, str]  # ("N", node id) or ("P", link id)
End = tuple[str, str]  # (link id, node id)
ValveRow = tuple[str, str, str, bool, bool]  # id, link, node, operable, normally_closed


# -- the oracle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A network as the oracle sees it: links with the way water passes them."""

    nodes: tuple[str, ...]
    sources: frozenset[str]
    links: dict[str, tuple[str, str, str]]  # id -> (from node, to node, flow in LINK_FLOW)
    valves: tuple[ValveRow, ...]
    customers: dict[str, Vertex] = field(default_factory=dict)  # id -> where it draws water


@dataclass(frozen=True)
class Answer:
    isolated: frozenset[Vertex]
    unintended: frozenset[Vertex]
    close: frozenset[End]
    not_needed: frozenset[End]
    bypassed: frozenset[str]
    closed_on_boundary: frozenset[End]
    customers: frozenset[str]


class FlowOracle:
    """Isolation with one-way links, straight from the definitions in ``docs/decisions.md``."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.ends: dict[End, list[ValveRow]] = {}
        for v in model.valves:
            self.ends.setdefault((v[1], v[2]), []).append(v)
        self.nc = frozenset(e for e, vs in self.ends.items() if any(v[4] for v in vs))
        self.vertices = [("N", n) for n in model.nodes] + [("P", p) for p in model.links]
        # segments: every valved end cut, closed links carry nothing
        g = nx.Graph()
        g.add_nodes_from(self.vertices)
        for pid, (a, b, flow) in model.links.items():
            for n in (a, b):
                if flow != "closed" and (pid, n) not in self.ends:
                    g.add_edge(("P", pid), ("N", n))
        self.segment: dict[Vertex, int] = {}
        for k, comp in enumerate(nx.connected_components(g)):
            for x in comp:
                self.segment[x] = k
        self.fed_before = self.fed(self.graph(self.nc))

    def passes(self, pid: str, node: str, into_pipe: bool) -> bool:
        """Whether water can pass the end (pid, node) into the pipe (or out of it)."""
        a, b, flow = self.model.links[pid]
        if flow == "closed":
            return False
        if flow == "two-way":
            return True
        return node == a if into_pipe else node == b

    def graph(self, shut: Iterable[End], removed: Iterable[Vertex] = ()) -> nx.DiGraph:
        shut_ends, gone = set(shut), set(removed)
        g = nx.DiGraph()
        g.add_nodes_from(x for x in self.vertices if x not in gone)
        for pid, (a, b, _) in self.model.links.items():
            p = ("P", pid)
            for n in dict.fromkeys((a, b)):
                x = ("N", n)
                if (pid, n) in shut_ends or p in gone or x in gone:
                    continue
                if self.passes(pid, n, into_pipe=True):
                    g.add_edge(x, p)
                if self.passes(pid, n, into_pipe=False):
                    g.add_edge(p, x)
        return g

    def fed(self, g: nx.DiGraph) -> set[Vertex]:
        out: set[Vertex] = set()
        for s in self.model.sources:
            if ("N", s) in g and ("N", s) not in out:
                out |= {("N", s)} | nx.descendants(g, ("N", s))
        return out

    def isolate(self, broken: Sequence[str], failed: Iterable[str] = ()) -> Answer:
        failed_set = set(failed)
        area_segments = {self.segment[("P", p)] for p in broken}
        bypassed: set[str] = set()
        grown = True
        while grown:  # bypass every valve that cannot close and that water can pass inwards
            grown = False
            for (pid, n), vs in self.ends.items():
                p_in = self.segment[("P", pid)] in area_segments
                n_in = self.segment[("N", n)] in area_segments
                if p_in == n_in or self.model.links[pid][2] == "closed" or (pid, n) in self.nc:
                    continue
                if any(v[3] and v[0] not in failed_set for v in vs):
                    continue
                if self.passes(pid, n, into_pipe=p_in):
                    area_segments.add(self.segment[("N", n) if p_in else ("P", pid)])
                    bypassed.update(v[0] for v in vs)
                    grown = True
        area = {x for x in self.vertices if self.segment[x] in area_segments}
        after = self.fed(self.graph(self.nc, removed=area))
        close: set[End] = set()
        not_needed: set[End] = set()
        nc_boundary: set[End] = set()
        for (pid, n), vs in self.ends.items():
            p_in, n_in = ("P", pid) in area, ("N", n) in area
            if p_in == n_in or self.model.links[pid][2] == "closed":
                continue
            if (pid, n) in self.nc:
                nc_boundary.add((pid, n))
            elif any(v[3] and v[0] not in failed_set for v in vs):
                outside = ("N", n) if p_in else ("P", pid)
                needed = outside in after and self.passes(pid, n, into_pipe=p_in)
                (close if needed else not_needed).add((pid, n))
        lost = area | (self.fed_before - after)
        return Answer(
            isolated=frozenset(area),
            unintended=frozenset((self.fed_before - after) - area),
            close=frozenset(close),
            not_needed=frozenset(not_needed),
            bypassed=frozenset(bypassed),
            closed_on_boundary=frozenset(nc_boundary),
            customers=frozenset(c for c, x in self.model.customers.items() if x in lost),
        )


def _vertices(kind: str, ids: Iterable[str]) -> set[Vertex]:
    return {(kind, i) for i in ids}


def compare(network: Network, plan: IsolationPlan, answer: Answer) -> None:
    """The production plan must be the oracle's, element by element."""
    assert _vertices("P", plan.isolated_pipes) | _vertices("N", plan.isolated_nodes) == set(
        answer.isolated
    )
    assert _vertices("P", plan.unintended_pipes) | _vertices("N", plan.unintended_nodes) == set(
        answer.unintended
    )
    assert len(set(plan.unintended_pipes)) == len(plan.unintended_pipes)
    close = {(v.pipe_id, v.node_id) for v in plan.valves_to_close}
    assert len(close) == len(plan.valves_to_close)
    assert close == answer.close
    assert {(v.pipe_id, v.node_id) for v in plan.valves_not_needed} == answer.not_needed
    # which valves were bypassed depends on the order of the search; both answers must be
    # valves that cannot close, inside the area, and there must be some if the area grew
    for v in plan.bypassed_valves:
        assert {("P", v.pipe_id), ("N", v.node_id)} <= answer.isolated
        assert v.reason in ("inoperable", "reported failed")
    assert bool(plan.bypassed_valves) == bool(answer.bypassed)
    assert {(v.pipe_id, v.node_id) for v in plan.closed_on_boundary} == answer.closed_on_boundary
    assert plan.customers.total == len(answer.customers)
    valves = network.valves
    for v in (*plan.valves_to_close, *plan.valves_not_needed):
        assert valves.operable[network.valve_index(v.id)]


# -- public EPANET networks ---------------------------------------------------------------------


def epanet_flow(link: Any) -> str:
    """The way water passes an EPANET link at the file's initial status (our rules)."""
    status = link.initial_status.name
    if link.link_type == "Pipe":
        return "closed" if status == "Closed" else "one-way" if link.check_valve else "two-way"
    if link.link_type == "Pump":
        speed = link.initial_setting
        return "closed" if status == "Closed" or (speed is not None and speed == 0) else "one-way"
    if status == "Closed":
        return "closed"
    if status == "Open":
        return "two-way"
    return "one-way" if link.valve_type in ("PRV", "PSV", "FCV") else "two-way"


@functools.cache
def _wn(name: str) -> Any:
    return wntr.network.WaterNetworkModel(str(DATA / f"{name}.inp"))


def valve_layer(name: str, seed: int) -> list[ValveRow]:
    """A random valve layer (WNTR's generator) with some inoperable and normally-closed valves."""
    wn = _wn(name)
    rng = random.Random(seed)
    n = max(1, int(wn.num_pipes * rng.choice((0.6, 1.0, 1.4))))  # WNTR valves pipes only
    layer = wntr.network.generate_valve_layer(wn, "random", n, seed=seed)
    return [
        (f"V{i}", str(row.link), str(row.node), rng.random() > 0.1, rng.random() < 0.04)
        for i, row in enumerate(layer.itertuples())
    ]


def public_case(name: str, seed: int, tmp_path: Path) -> tuple[Network, FlowOracle]:
    wn = _wn(name)
    valves = valve_layer(name, seed)
    csv = tmp_path / f"{name}-{seed}.csv"
    lines = ["id,link,node,operable,normally_closed"]
    lines += [
        f"{v[0]},{v[1]},{v[2]},{'yes' if v[3] else 'no'},{'yes' if v[4] else 'no'}" for v in valves
    ]
    csv.write_text("\n".join(lines) + "\n")
    network = read_network(DATA / f"{name}.inp", valves=csv)
    customers: dict[str, Vertex] = {}
    for jid, j in wn.junctions():
        if sum(d.base_value for d in j.demand_timeseries_list) > 0:
            customers[jid] = ("N", jid)
    model = Model(
        nodes=tuple(wn.node_name_list),
        sources=frozenset(wn.reservoir_name_list) | frozenset(wn.tank_name_list),
        links={
            lid: (link.start_node_name, link.end_node_name, epanet_flow(link))
            for lid, link in wn.links()
        },
        valves=tuple(valves),
        customers=customers,
    )
    return network, FlowOracle(model)


SMALL = [
    "Net3",
    "Anytown",
    "io",
    "prv_closed_no_upstream_sources",
    "psv_open_no_downstream_sources",
    "fcv_open_no_downstream_sources",
]


@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_pipe_of_small_public_networks_matches_the_oracle(
    name: str, seed: int, tmp_path: Path
) -> None:
    network, oracle = public_case(name, seed, tmp_path)
    isolator = Isolator(network)
    assert isolator.directed  # every one of them has a pump, a check valve or a PRV/PSV/FCV
    rng = random.Random(seed)
    valve_ids = network.valves.ids.tolist()
    for pipe in network.pipes.ids.tolist():
        failed = rng.sample(valve_ids, k=min(len(valve_ids), rng.choice((0, 0, 1, 3))))
        plan = isolator.isolate(pipe, failed, with_area=False)
        compare(network, plan, oracle.isolate([pipe], failed))


def test_a_sample_of_ky10_matches_the_oracle(tmp_path: Path) -> None:
    network, oracle = public_case("ky10", 5, tmp_path)
    isolator = Isolator(network)
    rng = random.Random(10)
    pipes = rng.sample(network.pipes.ids.tolist(), 120)
    valve_ids = network.valves.ids.tolist()
    for pipe in pipes:
        failed = rng.sample(valve_ids, k=rng.choice((0, 0, 2)))
        compare(
            network, isolator.isolate(pipe, failed, with_area=False), oracle.isolate([pipe], failed)
        )
    for _ in range(10):  # planned works on several pipes at once
        works = rng.sample(network.pipes.ids.tolist(), 3)
        compare(network, isolator.isolate(works, with_area=False), oracle.isolate(works))


def test_one_way_flow_changes_the_answer_on_ky10(tmp_path: Path) -> None:
    """The reason for all this: on ky10 (five PRVs, a check valve and pumps) the two-way model
    reports some nodes fed that can only be reached against the flow."""
    network, _ = public_case("ky10", 5, tmp_path)
    one_way, two_way = Isolator(network), Isolator(network, directed=False)
    more = 0
    for pipe in network.pipes.ids.tolist()[::3]:
        a = one_way.isolate(pipe, with_area=False)
        b = two_way.isolate(pipe, with_area=False)
        more += len(a.unintended_nodes) > len(b.unintended_nodes)
    assert more > 0


# -- random networks with one-way links ------------------------------------------------------


@dataclass(frozen=True)
class FlowSpec:
    """A random network (:func:`tests.gis.test_isolation.networks`) with some links one-way."""

    spec: Spec
    one_way: frozenset[str]

    def build(self) -> Network:
        layers = make_layers(
            self.spec.nodes,
            self.spec.pipes,
            self.spec.valves,
            self.spec.customers,
            status={p: "closed" for p in self.spec.closed},
        )
        layers.pipes["direction"] = [
            "one-way" if p in self.one_way else "both" for p in layers.pipes["id"]
        ]
        report = validate_layers(layers)
        assert report.ok, str(report)
        return build_network(layers)

    def oracle(self) -> FlowOracle:
        def flow(pid: str) -> str:
            if pid in self.spec.closed:
                return "closed"
            return "one-way" if pid in self.one_way else "two-way"

        return FlowOracle(
            Model(
                nodes=tuple(n[0] for n in self.spec.nodes),
                sources=frozenset(n[0] for n in self.spec.nodes if n[1] in ("source", "tank")),
                links={p[0]: (p[1], p[2], flow(p[0])) for p in self.spec.pipes},
                valves=self.spec.valves,
                customers={c[0]: ("P", c[1]) for c in self.spec.customers},
            )
        )


@st.composite
def flow_networks(draw: st.DrawFn, max_nodes: int = 40) -> FlowSpec:
    spec = draw(networks(max_nodes))
    share = draw(st.sampled_from((0.1, 0.3, 0.7)))
    one_way = frozenset(p[0] for p in spec.pipes if draw(st.floats(0, 1)) < share)
    return FlowSpec(spec, one_way)


Query = tuple[list[str], list[str]]  # broken pipes, valves reported failed


@st.composite
def flow_cases(draw: st.DrawFn) -> tuple[FlowSpec, list[Query]]:
    case = draw(flow_networks())
    pipe_ids = [p[0] for p in case.spec.pipes]
    valve_ids = [v[0] for v in case.spec.valves]
    failed: st.SearchStrategy[list[str]] = st.just([])
    if valve_ids:
        failed = st.lists(st.sampled_from(valve_ids), max_size=3, unique=True)
    broken = st.lists(st.sampled_from(pipe_ids), min_size=1, max_size=2, unique=True)
    return case, [(draw(broken), draw(failed)) for _ in range(4)]


def pump_suction_spec() -> FlowSpec:
    """R –P1– s –PU– d –P2– e –P3– T, and the suction branch s –P4– x; PU is a pump (s to d).

    Valves at both ends of P1 (V1 at R, V2 at s) and on P2 at d (V3).
    """
    spec = Spec(
        nodes=(
            ("R", "source", 0.0, 0.0),
            ("s", "junction", 100.0, 0.0),
            ("d", "junction", 200.0, 0.0),
            ("e", "junction", 300.0, 0.0),
            ("T", "tank", 400.0, 0.0),
            ("x", "junction", 100.0, 100.0),
        ),
        pipes=(
            ("P1", "R", "s"),
            ("PU", "s", "d"),
            ("P2", "d", "e"),
            ("P3", "e", "T"),
            ("P4", "s", "x"),
        ),
        valves=(
            ("V1", "P1", "R", True, False),
            ("V2", "P1", "s", True, False),
            ("V3", "P2", "d", True, False),
        ),
        customers=(
            ("C1", "P4", "residential", None),
            ("C2", "P2", "residential", None),
        ),
    )
    return FlowSpec(spec, frozenset({"PU"}))


def prv_zone_spec() -> FlowSpec:
    """S –P1– a –PRV1– b –P2– c –PRV2– d –P3– T: two PRVs (a to b, c to d) and a tank below
    the second. Valves at both ends of P1 (V1 at S, V2 at a)."""
    spec = Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("c", "junction", 300.0, 0.0),
            ("d", "junction", 400.0, 0.0),
            ("T", "tank", 500.0, 0.0),
        ),
        pipes=(
            ("P1", "S", "a"),
            ("PRV1", "a", "b"),
            ("P2", "b", "c"),
            ("PRV2", "c", "d"),
            ("P3", "d", "T"),
        ),
        valves=(("V1", "P1", "S", True, False), ("V2", "P1", "a", True, False)),
        customers=(("C1", "P2", "residential", None), ("C2", "P3", "residential", None)),
    )
    return FlowSpec(spec, frozenset({"PRV1", "PRV2"}))


def pump_outlet_spec(operable: bool = True) -> FlowSpec:
    """:func:`pump_suction_spec` with a valve VP on the pump at its outlet d."""
    flow = pump_suction_spec()
    valves = (*flow.spec.valves, ("VP", "PU", "d", operable, False))
    return FlowSpec(
        Spec(flow.spec.nodes, flow.spec.pipes, valves, flow.spec.customers), flow.one_way
    )


FLOW_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FLOW_SETTINGS
@given(case=flow_cases())
@example(case=(pump_suction_spec(), [(["P1"], []), (["P2"], ["V3"])]))
@example(case=(prv_zone_spec(), [(["P1"], []), (["P2"], [])]))
@example(case=(pump_outlet_spec(), [(["PU"], []), (["P2"], []), (["P4"], ["V2"])]))
@example(case=(pump_outlet_spec(operable=False), [(["PU"], []), (["P1"], [])]))
def test_one_way_isolation_matches_the_oracle(case: tuple[FlowSpec, list[Query]]) -> None:
    flow, queries = case
    network = flow.build()
    isolator = Isolator(network)
    assert isolator.directed == bool(flow.one_way - flow.spec.closed)
    oracle = flow.oracle()
    for broken, failed in queries:
        compare(
            network,
            isolator.isolate(broken, failed, with_area=False),
            oracle.isolate(broken, failed),
        )


@settings(
    max_examples=80,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=flow_cases())
def test_the_directed_search_on_two_way_links_is_the_two_way_answer(
    case: tuple[FlowSpec, list[Query]],
) -> None:
    """Without one-way links the directed search must give exactly what the two-way search
    gives (and what the two-way oracle of test_isolation checks)."""
    flow, queries = case
    network = FlowSpec(flow.spec, frozenset()).build()
    directed, two_way = Isolator(network, directed=True), Isolator(network, directed=False)
    old = Oracle(flow.spec)
    for broken, failed in queries:
        a = directed.isolate(broken, failed, with_area=False)
        b = two_way.isolate(broken, failed, with_area=False)
        check_plan(old, a, broken, failed)
        assert set(a.unintended_pipes) == set(b.unintended_pipes)
        assert set(a.unintended_nodes) == set(b.unintended_nodes)
        assert [v.id for v in a.valves_to_close] == [v.id for v in b.valves_to_close]
        assert [v.id for v in a.valves_not_needed] == [v.id for v in b.valves_not_needed]
        assert a.customers == b.customers


# -- focused cases --------------------------------------------------------------------------


def test_a_prv_zone_fed_only_from_below_goes_dry() -> None:
    """Breaking P1 shuts the feed of the PRV zone (b, P2, c). The tank below PRV2 cannot feed
    it back up through PRV2: the zone is out of water (two-way, the tank would 'feed' it)."""
    flow = prv_zone_spec()
    network = flow.build()
    plan = Isolator(network).isolate("P1")
    assert [v.id for v in plan.valves_to_close] == ["V1"]
    assert [v.id for v in plan.valves_not_needed] == ["V2"]  # water cannot come back up
    assert set(plan.unintended_pipes) == {"PRV1", "P2", "PRV2"}
    assert set(plan.unintended_nodes) == {"a", "b", "c"}
    assert plan.customers.unintended == 1  # C1 on P2; C2 below PRV2 keeps the tank's water
    before = Isolator(network, directed=False).isolate("P1")
    assert before.unintended_pipes == ()  # what the project said before issue 14
    assert sorted(v.id for v in before.valves_to_close) == ["V1", "V2"]


def test_a_pump_does_not_feed_its_suction_side_backwards() -> None:
    flow = pump_suction_spec()
    plan = Isolator(flow.build()).isolate("P1")
    assert set(plan.unintended_nodes) == {"s", "x"}
    assert set(plan.unintended_pipes) == {"PU", "P4"}  # the pump stops: nothing to pump
    assert plan.customers.unintended == 1  # C1 on the suction branch
    assert [v.id for v in plan.valves_to_close] == ["V1"]
    # the tank still feeds the discharge side
    assert "d" not in plan.unintended_nodes and "e" not in plan.unintended_nodes


def test_an_inoperable_valve_on_a_pump_outlet_does_not_spread_the_shutdown() -> None:
    """Water cannot come back through a pump: a valve on its outlet that will not close need
    not be bypassed (two-way, the discharge side would join the shut area)."""
    network = pump_outlet_spec(operable=False).build()
    plan = Isolator(network).isolate("PU")
    assert plan.bypassed_valves == ()
    assert set(plan.isolated_pipes) == {"P4", "PU"}
    two_way = Isolator(network, directed=False).isolate("PU")
    assert [v.id for v in two_way.bypassed_valves] == ["VP"]


def test_a_valve_on_a_pump_outlet_need_not_close() -> None:
    """Breaking the pump's segment: water cannot come back through the pump, so its outlet
    valve VP is not needed even though the tank feeds the other side."""
    plan = Isolator(pump_outlet_spec().build()).isolate("PU")
    assert [v.id for v in plan.valves_to_close] == ["V2"]
    assert [v.id for v in plan.valves_not_needed] == ["VP"]
    assert plan.unintended_nodes == ()
    # and says why: the valve's link is one-way out of the shut area
    (vp,) = plan.valves_not_needed
    assert vp.reason == "one-way: water cannot pass it into the shut area"
    assert plan.to_dict()["valves_not_needed"][0]["reason"] == vp.reason


def test_a_valve_into_a_dry_part_need_not_close_for_want_of_a_source() -> None:
    """The PRV zone's valve V2 is not needed because nothing beyond it has water, not because
    of its direction (P1 is two-way)."""
    plan = Isolator(prv_zone_spec().build()).isolate("P1")
    (v2,) = plan.valves_not_needed
    assert v2.reason == "no source beyond it"


def test_a_closed_pipe_does_not_carry_water() -> None:
    """S –P1– a <–P2– b –Q– T (P2 one-way from b to a): with Q closed the tank feeds nothing,
    so breaking P1 dries a (b had no water to lose); with Q open the tank feeds both."""
    nodes = (
        ("S", "source", 0.0, 0.0),
        ("a", "junction", 100.0, 0.0),
        ("b", "junction", 200.0, 0.0),
        ("T", "tank", 300.0, 0.0),
    )
    pipes = (("P1", "S", "a"), ("P2", "b", "a"), ("Q", "b", "T"))
    valves = (("V1", "P1", "S", True, False), ("V2", "P1", "a", True, False))
    for closed, dry in ((frozenset({"Q"}), {"a"}), (frozenset(), set())):
        spec = Spec(nodes, pipes, valves, closed=closed)
        flow = FlowSpec(spec, frozenset({"P2"}))
        plan = Isolator(flow.build()).isolate("P1")
        assert set(plan.unintended_nodes) == dry


def test_a_check_valve_passes_water_one_way_only() -> None:
    """S –P1– a –CV– b –P2– T, the check valve from a to b: breaking P2 (valved at b and T)
    leaves a fed; breaking P1 leaves a dry (the tank cannot feed it back through the CV)."""
    spec = Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("T", "tank", 300.0, 0.0),
        ),
        pipes=(("P1", "S", "a"), ("CV", "a", "b"), ("P2", "b", "T")),
        valves=(
            ("V1", "P1", "S", True, False),
            ("V2", "P1", "a", True, False),
            ("V3", "P2", "b", True, False),
            ("V4", "P2", "T", True, False),
        ),
    )
    isolator = Isolator(FlowSpec(spec, frozenset({"CV"})).build())
    assert set(isolator.isolate("P1").unintended_nodes) == {"a"}
    assert isolator.isolate("P2").unintended_nodes == ()


def test_direction_column_is_validated() -> None:
    layers = make_layers(
        (("S", "source", 0.0, 0.0), ("a", "junction", 100.0, 0.0)), (("P1", "S", "a"),)
    )
    layers.pipes["direction"] = ["sideways"]
    report = validate_layers(layers)
    assert not report.ok
    (problem,) = [p for p in report.errors if p.layer == "pipes"]
    assert "direction" in problem.message and "one-way" in problem.fix
    layers.pipes["direction"] = ["One-Way "]
    assert validate_layers(layers).ok
    network = build_network(layers)
    assert network.pipes.one_way.tolist() == [True]
    assert [LINK_FLOW[f] for f in network.pipes.flow] == ["one-way"]


def test_a_gis_pump_without_a_direction_is_one_way_and_said_so() -> None:
    """S –P1– a –PU– b –P2– T, PU a pump from a to b in a GIS pipes layer (kind = pump) with
    no direction: breaking P1 dries a (the tank cannot feed it back through the pump)."""
    nodes = (
        ("S", "source", 0.0, 0.0),
        ("a", "junction", 100.0, 0.0),
        ("b", "junction", 200.0, 0.0),
        ("T", "tank", 300.0, 0.0),
    )
    valves = (("V1", "P1", "S", True, False), ("V2", "P1", "a", True, False))
    layers = make_layers(nodes, (("P1", "S", "a"), ("PU", "a", "b"), ("P2", "b", "T")), valves)
    layers.pipes["kind"] = ["pipe", "pump", None]
    layers.pipes["direction"] = [None, None, None]
    report = validate_layers(layers)
    assert report.ok
    (warning,) = [p for p in report.warnings if p.layer == "pipes"]
    assert warning.id == "PU"
    assert warning.message.startswith("is a pump without a direction: water is taken to pass")
    network = build_network(layers)
    assert network.pipes.one_way.tolist() == [False, True, False]
    assert set(Isolator(network).isolate("P1").unintended_nodes) == {"a"}
    # a direction given is the direction: both makes the pump two-way, and nothing is assumed
    for direction, one_way, dry in (("both", False, set()), ("one-way", True, {"a"})):
        layers.pipes["direction"] = [None, direction, None]
        report = validate_layers(layers)
        assert report.ok and not [p for p in report.warnings if p.layer == "pipes"]
        network = build_network(layers)
        assert network.pipes.one_way.tolist() == [False, one_way, False]
        assert set(Isolator(network).isolate("P1").unintended_nodes) == dry
    layers.pipes["kind"] = ["pipe", "turbine", None]
    (error,) = [p for p in validate_layers(layers).errors if p.layer == "pipes"]
    assert error.id == "PU" and "pipe or pump or valve" in error.message


# -- EPANET files: directions, closed links, TCVs as valves, demands as customers -------------

EPANET = """\
[TITLE]
waterops issue 14: pumps, a PRV, a check valve, closed links and TCV isolation valves
;  R1 -P1- J1 =PU1=> J2 -P2- J3 |TV1| J4 -P3- J5 =P4(CV)=> J6 -P5- J7 |TV2 closed| J8 -P6- T1
;  J4 =PRV1=> J9 -P7- J10 |TV3| J11 -P8- J12;  J3 -P9 (closed)- J12;  R1 =PU2 (closed)=> J12

[JUNCTIONS]
;ID  Elev  Demand
 J1   10    0
 J2   10    1.5
 J3   10    2
 J4   10    1
 J5   10    0.5
 J6   10    1
 J7   10    0.2
 J8   10    1
 J9   10    3
 J10  10    0.5
 J11  10    1
 J12  10    0.8

[RESERVOIRS]
 R1   60

[TANKS]
;ID  Elev  InitLvl  MinLvl  MaxLvl  Diam  MinVol
 T1   40    3        0       6       20    0

[PIPES]
;ID  Node1  Node2  Length  Diam  Rough  MLoss  Status
 P1   R1     J1     100     300   100    0      Open
 P2   J2     J3     100     200   100    0      Open
 P3   J4     J5     100     200   100    0      Open
 P4   J5     J6     100     150   100    0      CV
 P5   J6     J7     100     150   100    0      Open
 P6   J8     T1     100     150   100    0      Open
 P7   J9     J10    100     100   100    0      Open
 P8   J11    J12    100     100   100    0      Open
 P9   J3     J12    100     100   100    0      Closed

[PUMPS]
;ID  Node1  Node2  Parameters
 PU1  J1     J2     HEAD C1
 PU2  R1     J12    HEAD C1

[VALVES]
;ID  Node1  Node2  Diam  Type  Setting  MLoss
 TV1  J3     J4     200   TCV   0        0
 TV2  J7     J8     150   TCV   0        0
 PRV1 J4     J9     100   PRV   30       0
 TV3  J10    J11    100   TCV   0        0

[STATUS]
 PU2  Closed
 TV2  Closed

[DEMANDS]
;Junction  Demand  Pattern  Category
 J9   5.0   1   ;Hospital
 J11  0.4   1   ;School
 J11  0.6   1   ;Residential

[PATTERNS]
 1    1

[CURVES]
 C1   10  40

[OPTIONS]
 UNITS LPS
 HEADLOSS H-W

[COORDINATES]
 R1   0    0
 J1   100  0
 J2   200  0
 J3   300  0
 J4   400  0
 J5   500  0
 J6   600  0
 J7   700  0
 J8   800  0
 T1   900  0
 J9   400  100
 J10  500  100
 J11  600  100
 J12  700  100

[END]
"""


@pytest.fixture
def epanet_file(tmp_path: Path) -> Path:
    path = tmp_path / "oneway.inp"
    path.write_text(EPANET)
    return path


def test_epanet_links_get_their_direction_and_status(epanet_file: Path) -> None:
    network = read_network(epanet_file)
    flow = {
        pid: LINK_FLOW[f]
        for pid, f in zip(network.pipes.ids.tolist(), network.pipes.flow.tolist(), strict=True)
    }
    assert flow["P1"] == "two-way"
    assert flow["P4"] == "one-way"  # CV
    assert flow["P9"] == "closed"
    assert flow["PU1"] == "one-way"
    assert flow["PU2"] == "closed"  # [STATUS] Closed
    assert flow["PRV1"] == "one-way"
    assert flow["TV1"] == "two-way"
    assert flow["TV2"] == "closed"  # closed in the file: its valve is normally closed too


def test_tcvs_between_junctions_are_the_valve_layer(epanet_file: Path, tmp_path: Path) -> None:
    network = read_network(epanet_file)
    valves = network.valves
    assert sorted(valves.ids.tolist()) == ["TV1", "TV2", "TV3"]
    by_id = {v: i for i, v in enumerate(valves.ids.tolist())}
    assert network.pipes.ids[valves.pipe[by_id["TV1"]]] == "TV1"
    assert network.nodes.ids[valves.node[by_id["TV1"]]] == "J3"  # at its start node
    assert valves.normally_closed[by_id["TV2"]]
    assert not valves.normally_closed[by_id["TV1"]]
    assert valves.operable.all()
    # a valve CSV replaces them
    csv = tmp_path / "valves.csv"
    csv.write_text("link,node\nP3,J4\n")
    assert read_network(epanet_file, valves=csv).valves.ids.tolist() == ["0"]


def test_epanet_demands_become_customers(epanet_file: Path) -> None:
    network = read_network(epanet_file)
    cust = network.customers
    ids = cust.ids.tolist()
    assert ids == [f"J{i}" for i in range(2, 13)]  # J1 has no demand
    category = {i: CUSTOMER_CATEGORIES[c] for i, c in zip(ids, cust.category.tolist(), strict=True)}
    assert category["J9"] == "critical"  # [DEMANDS] names its demand Hospital
    assert category["J11"] == "residential"  # 0.6 L/s Residential beat 0.4 L/s School
    assert category["J3"] == "residential"  # no name
    j9 = ids.index("J9")
    assert network.nodes.ids[cust.node[j9]] == "J9"
    assert network.pipes.ids[cust.pipe[j9]] == "P7"  # its open two-way pipe, not the PRV
    j12 = ids.index("J12")
    assert network.pipes.ids[cust.pipe[j12]] == "P8"  # not the closed pipe or pump
    layers = read_layers(epanet_file)
    assert layers.customers is not None
    demand = dict(zip(layers.customers["id"], layers.customers["demand_m3d"], strict=True))
    assert demand["J9"] == pytest.approx(5.0 * 86.4)  # L/s to m3/d
    assert demand["J11"] == pytest.approx(1.0 * 86.4)


def test_epanet_only_network_has_customers_cut_off_and_critical_valves(epanet_file: Path) -> None:
    network = read_network(epanet_file)
    isolator = Isolator(network)
    assert isolator.directed
    plan = isolator.isolate("P3")
    # P3's segment runs from TV1 through the CV and the PRV to TV3; TV2 is closed, so the tank
    # does not feed it; past TV3, J11 and J12 had water only through it
    assert [v.id for v in plan.valves_to_close] == ["TV1"]
    assert [v.id for v in plan.valves_not_needed] == ["TV3"]
    assert set(plan.isolated_nodes) == {"J4", "J5", "J6", "J7", "J9", "J10"}
    assert set(plan.unintended_nodes) == {"J11", "J12"}
    assert plan.customers.total == 8
    assert [c.id for c in plan.customers.critical] == ["J9"]
    ranking = {r.valve_id: r for r in valve_criticality(isolator)}
    assert set(ranking) == {"TV1", "TV2", "TV3"}
    assert ranking["TV2"].extra_customers == 0  # normally closed
    assert ranking["TV1"].extra_customers > 0


def test_isolation_plans_agree_with_the_oracle_on_the_epanet_file(epanet_file: Path) -> None:
    wn = wntr.network.WaterNetworkModel(str(epanet_file))
    network = read_network(epanet_file)
    customers = {
        j: ("N", j)
        for j, junction in wn.junctions()
        if sum(d.base_value for d in junction.demand_timeseries_list) > 0
    }
    oracle = FlowOracle(
        Model(
            nodes=tuple(wn.node_name_list),
            sources=frozenset(("R1", "T1")),
            links={
                lid: (link.start_node_name, link.end_node_name, epanet_flow(link))
                for lid, link in wn.links()
            },
            valves=(
                ("TV1", "TV1", "J3", True, False),
                ("TV2", "TV2", "J7", True, True),
                ("TV3", "TV3", "J10", True, False),
            ),
            customers=customers,
        )
    )
    isolator = Isolator(network)
    for pipe in network.pipes.ids.tolist():
        compare(network, isolator.isolate(pipe, with_area=False), oracle.isolate([pipe]))


# -- users of the plan ------------------------------------------------------------------------


def test_combined_shutdown_and_surroundings_count_partly_dry_segments() -> None:
    flow = prv_zone_spec()
    isolator = Isolator(flow.build())
    overlap = combined_shutdown(isolator, [["P1"], ["P3"]], with_area=False)
    combined = overlap.combined
    lost = set(combined.isolated_pipes) | set(combined.unintended_pipes)
    alone = set()
    for p in overlap.separate:
        alone |= set(p.isolated_pipes) | set(p.unintended_pipes)
    assert set(overlap.extra_pipes) == lost - alone
    around = surroundings(isolator, isolator.isolate("P1", with_area=False))
    # the one segment here is partly dry: its fed part (P3 below PRV2) is next to the dry one
    assert around.reduced_pressure_pipes == 1
    assert around.reduced_pressure_streets == ("Street P3",)


def test_affected_area_covers_the_dry_part_of_a_segment() -> None:
    import shapely

    flow = prv_zone_spec()
    network = flow.build()
    isolator = Isolator(network)
    plan = isolator.isolate("P1")
    assert plan.area is not None
    area = shapely.geometry.shape(plan.area)
    assert network.pipes.geometry is not None
    for pid in (*plan.isolated_pipes, *plan.unintended_pipes):
        line = shapely.transform(
            network.pipes.geometry[[network.pipe_index(pid)]], network.to_wgs84
        )[0]
        assert area.buffer(1e-7).covers(line)
    dry_only = isolator.area_of(isolator.isolate("P1", with_area=False))
    assert dry_only == plan.area
