"""Hydraulic impact with EPANET (issue 17) on EPANET's example networks as WNTR ships them.

Net1 and Net3 are EPANET's own examples (US EPA, public domain), Net6 the network of Watson,
Murray and Hart (2009), all from WNTR's ``wntr/library/networks`` (Revised BSD licence,
``docs/hydraulics.md``). The engine kept open must give what EPANET gives run afresh on the same
model, and the snapshot of an hour what the file's own extended-period run gives at that hour.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gis.hydraulics import (
    HydraulicDataError,
    HydraulicEngine,
    HydraulicError,
    HydraulicModel,
    NotSolved,
    PressureSettings,
    cut_off_nodes,
    engine_for,
    hydraulic_criticality,
    hydraulic_valve_criticality,
    inp_isolation_impact,
    isolation_impact,
    plan_closures,
    run_separately,
)
from gis.io import read_layers
from gis.isolation import IsolationPlan, Isolator
from gis.network import Network, build_network
from gis.validate import validate_layers

wntr = pytest.importorskip("wntr")

NETWORKS_DIR = Path(wntr.__file__).parent / "library" / "networks"
SEED = 20240611
PRESSURE_TOL_M = 1e-3
FLOW_TOL_M3S = 1e-6


def _wn(name: str) -> Any:
    return wntr.network.WaterNetworkModel(str(NETWORKS_DIR / f"{name}.inp"))


@functools.cache
def _network(name: str, tmp: str) -> Network:
    layer = wntr.network.generate_valve_layer(_wn(name), "strategic", 2, seed=SEED)
    csv = Path(tmp) / f"{name}-valves.csv"
    layer.to_csv(csv)
    layers = read_layers(NETWORKS_DIR / f"{name}.inp", valves=csv)
    assert validate_layers(layers).ok
    return build_network(layers)


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("hydraulics"))


def _plans(network: Network, isolator: Isolator, count: int) -> list[IsolationPlan]:
    """Plans of segments that shut something, largest first (a real isolation each)."""
    seg = isolator.segmentation
    plans = []
    for s in range(seg.n_segments):
        pipes = seg.pipes_of(s)
        if len(pipes):
            plan = isolator.isolate(str(network.pipes.ids[pipes[0]]), with_area=False)
            if plan.valves_to_close:
                plans.append(plan)
    plans.sort(key=lambda p: (-len(p.isolated_nodes) - len(p.unintended_nodes), p.breaks))
    return plans[:count]


def _assert_same(ours: Any, reference: Any) -> None:
    assert ours.node_ids == reference.node_ids
    assert ours.link_ids == reference.link_ids
    assert np.abs(ours.pressure_m - reference.pressure_m).max() <= PRESSURE_TOL_M
    assert np.abs(ours.flow_m3s - reference.flow_m3s).max() <= FLOW_TOL_M3S
    assert np.abs(ours.demand_m3s - reference.demand_m3s).max() <= FLOW_TOL_M3S


# -- the engine kept open is EPANET run afresh --------------------------------------------------


@pytest.mark.parametrize(("name", "hour"), [("Net1", 5), ("Net3", 10), ("Net6", 8)])
def test_open_engine_equals_a_fresh_epanet_run(name: str, hour: float, tmp_dir: str) -> None:
    network = _network(name, tmp_dir)
    isolator = Isolator(network)
    plans = _plans(network, isolator, 3)
    assert plans
    with engine_for(HydraulicModel(_wn(name), name), network, hour) as engine:
        normal = engine.solve()
        _assert_same(normal, run_separately(engine.snapshot))
        for plan in plans:
            closed, _ = plan_closures(plan)
            ours = engine.solve(closed)
            _assert_same(ours, run_separately(engine.snapshot, closed))
        # nothing of a scenario stays behind in the engine
        again = engine.solve()
        assert np.array_equal(again.pressure_m, normal.pressure_m)
        assert np.array_equal(again.flow_m3s, normal.flow_m3s)


@pytest.mark.parametrize(
    ("name", "hour", "flows"),
    [
        ("Net1", 5, True),
        ("Net3", 10, True),
        ("Net3", 37, True),
        ("Net6", 0, True),
        ("Net6", 8, False),
    ],
)
def test_snapshot_of_an_hour_is_the_file_own_run(name: str, hour: float, flows: bool) -> None:
    # demand-driven as the file runs; ACCURACY tightened in both runs so that the comparison
    # measures the snapshot (tank levels, controlled links, patterns), not EPANET's tolerance
    wn = _wn(name)
    wn.options.hydraulic.accuracy = 1e-9
    model = HydraulicModel(wn, name)
    normal = model.normal_run(hour).state
    with HydraulicEngine(model, hour, PressureSettings(demand_model="DDA")) as engine:
        snapshot = engine.solve()
    assert snapshot.node_ids == normal.node_ids
    assert np.abs(snapshot.pressure_m - normal.pressure_m).max() <= PRESSURE_TOL_M
    if flows:
        assert np.abs(snapshot.flow_m3s - normal.flow_m3s).max() <= FLOW_TOL_M3S
    else:
        # Net6 has a three-pipe loop (LINK-1067/1069/1071) whose circulation, ~1e-4 m³/s at
        # head differences below 1e-9 m, depends on where the solver starts: elsewhere flows
        # agree to 1e-6 m³/s
        loop = np.isin(np.array(normal.link_ids), ["LINK-1067", "LINK-1069", "LINK-1071"])
        assert np.abs(snapshot.flow_m3s - normal.flow_m3s)[~loop].max() <= 5e-6


# -- what closing valves does ------------------------------------------------------------------


# Net3 at hour 0: later its controls open pump 10, which the file starts closed, and the
# topology has the file's initial statuses (the impact warns of that: test below)
@pytest.mark.parametrize(("name", "hour"), [("Net3", 0), ("Net6", 8)])
def test_closed_valves_stop_flow_and_cut_off_nodes_get_no_water(
    name: str, hour: float, tmp_dir: str
) -> None:
    network = _network(name, tmp_dir)
    isolator = Isolator(network)
    plans = _plans(network, isolator, 40 if name == "Net3" else 8)
    with engine_for(HydraulicModel(_wn(name), name), network, hour) as engine:
        normal = engine.solve()
        fed_normally = engine.fed()
        ids = np.array(normal.node_ids, dtype=object)
        checked = 0
        for plan in plans:
            closed, _ = plan_closures(plan)
            state = engine.solve(closed)
            links = np.isin(np.array(state.link_ids, dtype=object), list(closed))
            assert links.sum() == len(closed)
            assert np.all(state.flow_m3s[links] == 0.0)
            impact = isolation_impact(engine, network, plan, normal=normal)
            cut = np.isin(ids, list(impact.cut_off_nodes))
            # the plan's cut-off nodes are cut off, unless a source is in the shut area
            if plan.isolated_from_sources:
                assert cut_off_nodes(plan) <= set(impact.cut_off_nodes)
            demand = cut & (state.expected_m3s > 0)
            # no water gets into the part cut off: what its nodes draw sums to EPANET's residue
            # (a closed link keeps a conductance of 1e-8; inside the part, nodes may trade
            # ~1e-5 m³/s between them at heads that differ by nothing)
            assert abs(state.demand_m3s[cut].sum()) <= FLOW_TOL_M3S
            assert np.all(state.demand_m3s[demand] <= 1e-3 * state.expected_m3s[demand] + 2e-5)
            # no node with a demand gains pressure by a closure that disconnects it (a part
            # without demand and without a source has no defined head: EPANET leaves it
            # between its neighbours'; the impact reports 0 m for every node cut off)
            disconnected = demand & fed_normally
            assert np.all(state.pressure_m[disconnected] <= normal.pressure_m[disconnected] + 1e-6)
            cut_off = [n for n in impact.nodes if n.cut_off]
            assert all(n.served_m3h == 0.0 and n.pressure_m == 0.0 for n in cut_off)
            assert impact.not_served_cut_off_m3h == pytest.approx(
                sum(n.served_before_m3h for n in cut_off)
            )
            checked += int((demand & fed_normally).any())
        assert checked > 0


def test_impact_counts_low_pressure_beyond_the_cut_off(tmp_dir: str) -> None:
    network = _network("Net6", tmp_dir)
    isolator = Isolator(network)
    settings = PressureSettings()
    assert settings.service_head_m == pytest.approx(14.276, abs=1e-3)
    with engine_for(HydraulicModel(_wn("Net6"), "Net6"), network, 8, settings) as engine:
        normal = engine.solve()
        plans = [p for p in _plans(network, isolator, 12) if p.isolated_from_sources][:6]
        impacts = [isolation_impact(engine, network, plan, normal=normal) for plan in plans]
    assert len(impacts) == 6
    seen_low = False
    for impact in impacts:
        by_id = {n.node_id: n for n in impact.nodes}
        assert impact.not_served_m3h == pytest.approx(
            impact.not_served_cut_off_m3h + impact.not_served_low_pressure_m3h
        )
        assert impact.not_served_cut_off_m3h > 0
        for node_id in impact.below_service:
            node = by_id[node_id]
            assert not node.cut_off and node.pressure_m < settings.service_head_m
        assert set(impact.newly_below_service) <= set(impact.below_service)
        # an EPANET file's customers are its junctions with a demand, at that node
        customer_nodes = network.nodes.ids[network.customers.node]
        at_low = network.customers.ids[np.isin(customer_nodes, list(impact.below_service))]
        assert set(impact.customers_below_service) == set(at_low.tolist())
        assert len(at_low) == len(impact.below_service) > 0
        for node in impact.nodes:
            if node.cut_off:
                continue
            # pressure-driven: full service from the service pressure, none at 0 m, and the
            # EPANET 2.2 curve between
            # (EPANET 2.2 serves a hair more than asked above it: its regularisation)
            p = node.pressure_m
            curve = min(1.0, max(0.0, p / settings.service_head_m) ** 0.5)
            assert abs(node.served_m3h - curve * node.expected_m3h) <= FLOW_TOL_M3S * 3600
            assert 0.0 <= node.share_served <= 1.0
            if node.below_service:
                seen_low = True
                assert node.share_served < 1.0
    assert seen_low
    # a higher service pressure never finds fewer nodes below it
    strict = PressureSettings(service_pressure_mpa=0.28)
    with engine_for(HydraulicModel(_wn("Net6"), "Net6"), network, 8, strict) as engine:
        stricter = isolation_impact(engine, network, plans[0])
    assert len(stricter.below_service) >= len(impacts[0].below_service)


def test_inp_isolation_impact_for_the_cli(tmp_dir: str) -> None:
    network = _network("Net3", tmp_dir)
    plan = _plans(network, Isolator(network), 1)[0]
    impact = inp_isolation_impact(NETWORKS_DIR / "Net3.inp", network, plan, hour=10)
    as_dict = impact.to_dict()
    assert as_dict["closed_links"] == [v.pipe_id for v in plan.valves_to_close]
    assert set(as_dict["cut_off_nodes"]) <= set(plan.isolated_nodes) | set(plan.unintended_nodes)
    assert as_dict["not_served_m3h"] > 0
    assert as_dict["hour"] == 10
    # per customer (an EPANET customer is a junction with a demand): its node's service
    customers = {row["customer"]: row for row in as_dict["customers"]}
    # (Net3's junction 15 has a base demand whose pattern is 0 at hour 10: asks for nothing)
    assert set(customers) == {n.node_id for n in impact.nodes}
    assert 0 < len(customers) <= len(network.customers)
    for node in impact.nodes:
        assert customers[node.node_id]["pressure_m"] == round(node.pressure_m, 3)
        assert customers[node.node_id]["share_served"] == round(node.share_served, 4)
    # Net3's controls run pump 10 from 1:00 to 15:00 (the file starts it closed) and switch
    # pipe 330 and pump 335 by the tank levels
    assert any("changed links 330, 10, 335 from" in w for w in impact.warnings)


# -- bad data: an error naming what to fix -----------------------------------------------------


def test_missing_elevation_and_zero_diameter_are_named() -> None:
    wn = _wn("Net3")
    wn.get_node("10").elevation = float("nan")
    wn.get_link("20")._diameter = 0.0  # WNTR's setter refuses 0: as a file or a GIS could give
    with pytest.raises(HydraulicDataError) as err:
        HydraulicModel(wn, "Net3.inp")
    text = str(err.value)
    assert "junction 10 has no elevation" in text
    assert "pipe 20 has diameter 0.0" in text
    assert len(err.value.problems) == 2


def test_unreadable_inp_names_the_rows(tmp_path: Path) -> None:
    bad = tmp_path / "bad.inp"
    bad.write_text(
        "[JUNCTIONS]\n J1\n J2 10 5\n[RESERVOIRS]\n R 50\n[PIPES]\n P1 R J1 100 0 100\n"
        " P2 J1 J2 100 200 100\n[OPTIONS]\n UNITS LPS\n[END]\n"
    )
    with pytest.raises(HydraulicDataError) as err:
        HydraulicModel.from_inp(bad)
    assert [p[0] for p in err.value.problems] == ["junction J1", "pipe P1"]
    assert "bad.inp" in str(err.value)


def test_a_model_that_does_not_solve_is_a_clear_error() -> None:
    wn = _wn("Net3")
    wn.options.hydraulic.trials = 2
    wn.options.hydraulic.unbalanced = "STOP"
    with pytest.raises(NotSolved, match=r"did not converge.*TRIALS"):
        HydraulicEngine(HydraulicModel(wn, "Net3.inp"), 10)


def test_settings_and_links_are_checked(tmp_dir: str) -> None:
    model = HydraulicModel(_wn("Net1"), "Net1")
    with pytest.raises(HydraulicError, match="above the minimum"):
        HydraulicEngine(model, 0, PressureSettings(minimum_pressure_m=20.0))
    with HydraulicEngine(model, 0) as engine, pytest.raises(HydraulicError, match="NOPE"):
        engine.solve(["NOPE"])
    with pytest.raises(HydraulicError, match="hour"):
        HydraulicEngine(model, -1)
    assert model.duration_h == 24.0


def test_a_valve_on_a_check_valve_pipe_closes_it() -> None:
    # EPANET refuses a status for a pipe with a check valve, so the engine makes it a plain
    # pipe while closed, and a check-valve pipe again after. Net1's pipe with the largest
    # forward flow gets a check valve (Net6's only one, LINK-1828, is shut at hour 8)
    with HydraulicEngine(HydraulicModel(_wn("Net1"), "Net1"), 5) as engine:
        plain = engine.solve()
    pipes = [
        i for i, name in enumerate(plain.link_ids) if _wn("Net1").get_link(name).link_type == "Pipe"
    ]
    link = plain.link_ids[max(pipes, key=lambda i: plain.flow_m3s[i])]
    wn = _wn("Net1")
    wn.get_link(link).check_valve = True
    with HydraulicEngine(HydraulicModel(wn, "Net1"), 5) as engine:
        normal = engine.solve()
        assert normal.flow(link) > 1e-3
        closed = engine.solve([link])
        assert closed.flow(link) == 0.0
        _assert_same(closed, run_separately(engine.snapshot, [link]))
        again = engine.solve()
        assert np.array_equal(again.flow_m3s, normal.flow_m3s)
        assert engine.check_valve_links() == (link,)  # a check-valve pipe again
    # closed in every run (a normally-closed valve on it): closed too
    with HydraulicEngine(HydraulicModel(wn, "Net1"), 5, always_closed=[link]) as engine:
        shut = engine.solve()
    assert shut.flow(link) == 0.0
    assert np.abs(shut.pressure_m - closed.pressure_m).max() <= PRESSURE_TOL_M


def test_hydraulic_criticality_of_every_segment(tmp_dir: str) -> None:
    network = _network("Net3", tmp_dir)
    isolator = Isolator(network)
    seg = isolator.segmentation
    with engine_for(HydraulicModel(_wn("Net3"), "Net3"), network, 0) as engine:
        table = hydraulic_criticality(engine, isolator)

        def fresh(closed: Any = ()) -> Any:
            return run_separately(engine.snapshot, closed)

        reference = {r.segment: r for r in hydraulic_criticality(engine, isolator, solve=fresh)}
        worst = table[0]
        plan = isolator.isolate(worst.pipe_id, with_area=False)
        alone = isolation_impact(engine, network, plan)
    assert len(table) == sum(1 for s in range(seg.n_segments) if len(seg.pipes_of(s)))
    assert [r.not_served_m3h for r in table] == sorted(
        (r.not_served_m3h for r in table), reverse=True
    )
    for row in table:  # the open engine ranks as a new simulation per scenario does
        other = reference[row.segment]
        assert (row.cut_off_nodes, row.below_service) == (other.cut_off_nodes, other.below_service)
        assert row.not_served_m3h == pytest.approx(other.not_served_m3h, abs=FLOW_TOL_M3S * 3600)
    assert worst.not_served_m3h == pytest.approx(alone.not_served_m3h)
    assert worst.cut_off_nodes == len(alone.cut_off_nodes) > 0


def test_criticality_in_two_processes_is_the_same_table(tmp_dir: str) -> None:
    network = _network("Net3", tmp_dir)
    isolator = Isolator(network)
    with engine_for(HydraulicModel(_wn("Net3"), "Net3"), network, 10) as engine:
        seen: list[tuple[int, int]] = []
        shared = hydraulic_criticality(
            engine, isolator, workers=2, progress=lambda d, t: seen.append((d, t))
        )
        here = hydraulic_criticality(engine, isolator)
        valves_shared = hydraulic_valve_criticality(engine, isolator, workers=2)
        valves_here = hydraulic_valve_criticality(engine, isolator)
        after = engine.solve()  # the parent's engine is untouched by the workers
        again = engine.solve()
    assert [r.segment for r in shared] == [r.segment for r in here]
    for a, b in zip(shared, here, strict=True):
        # the same engine on the same snapshot; EPANET's answer may differ by its accuracy
        assert (a.cut_off_nodes, a.below_service, a.solved) == (
            b.cut_off_nodes,
            b.below_service,
            b.solved,
        )
        assert a.not_served_m3h == pytest.approx(b.not_served_m3h, abs=FLOW_TOL_M3S * 3600)
    assert seen[-1] == (len(here), len(here))
    assert np.array_equal(after.pressure_m, again.pressure_m)
    by_valve = {r.valve_id: r for r in valves_here}
    assert len(valves_shared) == len(valves_here) == len(network.valves)
    for a in valves_shared:
        b = by_valve[a.valve_id]
        assert a.extra_below_service == b.extra_below_service
        assert a.unsolved_sides == b.unsolved_sides
        assert a.extra_not_served_m3h == pytest.approx(
            b.extra_not_served_m3h, abs=FLOW_TOL_M3S * 3600
        )
    assert valves_shared[0].extra_not_served_m3h > 0


def test_an_inp_in_gb18030_reads_as_in_utf8(tmp_path: Path) -> None:
    # Chinese utilities' EPANET files are often GB18030 (the Chinese of EPANET's own editor)
    text = (NETWORKS_DIR / "Net1.inp").read_text(encoding="utf-8")
    text = text.replace("[TITLE]\n", "[TITLE]\n开封市 示例管网（水力模型）\n", 1)
    text = text.replace("[JUNCTIONS]\n", "[JUNCTIONS]\n;节点 高程 需水量\n", 1)
    gb = tmp_path / "net1-gb18030.inp"
    gb.write_bytes(text.encode("gb18030"))
    utf8 = tmp_path / "net1-utf8.inp"
    utf8.write_text(text, encoding="utf-8")
    with HydraulicEngine(HydraulicModel.from_inp(gb), 5) as engine:
        ours = engine.solve()
    with HydraulicEngine(HydraulicModel.from_inp(utf8), 5) as engine:
        reference = engine.solve()
    assert np.array_equal(ours.pressure_m, reference.pressure_m)
    assert ours.pressure_m.max() > 10


def test_valves_whose_failure_hurts_most_hydraulically(tmp_dir: str) -> None:
    network = _network("Net3", tmp_dir)
    isolator = Isolator(network)
    with engine_for(HydraulicModel(_wn("Net3"), "Net3"), network, 0) as engine:
        table = hydraulic_valve_criticality(engine, isolator)
        worst = table[0]
        assert worst.worst_break_pipe is not None
        normal = engine.solve()
        working = isolator.isolate(worst.worst_break_pipe, with_area=False)
        failed = isolator.isolate(worst.worst_break_pipe, [worst.valve_id], with_area=False)
        a = isolation_impact(engine, network, working, normal=normal)
        b = isolation_impact(engine, network, failed, normal=normal)
    assert len(table) == len(network.valves)
    extras = [r.extra_not_served_m3h for r in table]
    assert extras == sorted(extras, reverse=True)
    assert worst.extra_not_served_m3h > 0
    assert worst.extra_not_served_m3h == pytest.approx(b.not_served_m3h - a.not_served_m3h)
    assert worst.valve_id in {v.id for v in failed.bypassed_valves}
    # a valve whose closing isolates nothing (inside a segment's loop) costs nothing
    seg = isolator.segmentation
    idle = set(network.valves.ids[~seg.cut_active[seg.valve_cut]].tolist())
    assert idle
    assert all(r.extra_not_served_m3h == 0.0 for r in table if r.valve_id in idle)


def test_a_shut_down_epanet_cannot_solve_is_named_and_the_engine_goes_on() -> None:
    # Net6 at hour 8 with these six pipes shut (a segment's isolation with one valve failed)
    # does not converge within the file's 40 trials (UNBALANCED STOP)
    closed = ["LINK-1458", "LINK-1460", "LINK-1467", "LINK-1469", "LINK-1470", "LINK-1522"]
    with HydraulicEngine(HydraulicModel(_wn("Net6"), "Net6.inp"), 8) as engine:
        normal = engine.solve()
        with pytest.raises(NotSolved, match=r"did not converge.*LINK-1458, LINK-1460"):
            engine.solve(closed)
        again = engine.solve()
    assert np.array_equal(again.pressure_m, normal.pressure_m)


def test_a_valve_table_resumed_from_the_rows_done_is_the_table_run_in_one_go(
    tmp_dir: str,
) -> None:
    """A table stopped half-way (the rows ``on_rows`` gave before the stop) and resumed on a
    new engine scores only the valves left and gives the uninterrupted table."""
    network = _network("Net3", tmp_dir)
    isolator = Isolator(network)
    model = HydraulicModel(_wn("Net3"), "Net3")
    with engine_for(model, network, 10) as engine:
        whole = hydraulic_valve_criticality(engine, isolator)
    kept: list[Any] = []

    class Stop(Exception):
        pass

    def stop_at_half(done: int, total: int) -> None:
        if done == total // 2:
            raise Stop

    with engine_for(model, network, 10) as engine, pytest.raises(Stop):
        hydraulic_valve_criticality(engine, isolator, progress=stop_at_half, on_rows=kept.extend)
    half = len(network.valves) // 2
    assert len(kept) == half
    seen: list[tuple[int, int]] = []
    again: list[Any] = []
    with engine_for(model, network, 10) as engine:
        resumed = hydraulic_valve_criticality(
            engine,
            isolator,
            scored=kept,
            on_rows=again.extend,
            progress=lambda d, t: seen.append((d, t)),
        )
    total = len(network.valves)
    assert seen[0] == (half + 1, total) and seen[-1] == (total, total)
    assert len(again) == total - half  # only the valves not done were run
    assert not {r.valve_id for r in again} & {r.valve_id for r in kept}
    assert resumed == whole  # the same rows, the same order, to the last bit
    assert any(r.extra_not_served_m3h > 0 for r in kept)
    assert any(r.extra_not_served_m3h > 0 for r in again)
