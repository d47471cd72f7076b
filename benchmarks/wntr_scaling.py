"""Segmentation and isolation against WNTR from 100 to 15,000 links, and whole-command time
(issue 14).

Run from the repository root::

    .venv/bin/python benchmarks/wntr_scaling.py                      # WNTR's networks + cities
    .venv/bin/python benchmarks/wntr_scaling.py --networks DIR       # and every .inp in DIR
    .venv/bin/python benchmarks/wntr_scaling.py --commands           # and the cold commands
    .venv/bin/python benchmarks/wntr_scaling.py --commands-only --only Net3 Net6   # those alone
    .venv/bin/python benchmarks/wntr_scaling.py --quick              # up to 5,000 links

Networks, by number of links: WNTR's own (Net3, ky10, ky4, Net6, from ``wntr/library``) with
WNTR's strategic N-1 valve layer (seed 2022); the project's generated city
(:func:`sample_data.generate.generate_city`, seed 2022) at graded sizes with its own valve layer
(strategic valves, DMA boundary valves normally closed; every valve operable, as WNTR's layer
of positions assumes); and, with ``--networks DIR``, every EPANET file in
``DIR`` with at least ``--min-links`` links (strategic N-1 layer, seed 2022). The public
networks used for ``benchmarks/README.md`` are not committed (their licences are not stated
per file); the README says where to get them.

For each network, in one run:

* **segmentation**: :func:`gis.segments.segment_network` against
  ``wntr.metrics.valve_segments`` on the same valve layer (best of ``--repeat``; WNTR best of
  ``--wntr-repeat``, once above ``--large`` links); the partitions are checked equal.
* **isolation query**: :meth:`gis.isolation.Isolator.isolate` (which way water flows, the
  default, and two-way) against the same question answered the WNTR way, since WNTR has no
  isolation query: the segment of the broken pipe from ``valve_segments`` (computed once, like
  our isolator), the valves between it and its neighbours, and the nodes no reservoir or tank
  can reach once the segment is taken out, a networkx search on ``wn.to_graph()`` without the
  links closed in the file (what a WNTR user writes; two-way, as WNTR's graph is). Per query the
  best of ``--repeat`` runs (a query another process interrupted is not counted slow, as in
  ``benchmarks/flow_direction.py``); the answers (isolated and unintended nodes) of our two-way
  search are checked against the peer's.
* with ``--commands``: the wall time of ``waterops isolate <file> --valves <csv> --pipe X`` in a
  cold process against a cold Python process that imports WNTR, reads the file and the valve
  CSV, runs ``valve_segments`` and looks up the segment and its valves (best of
  ``--command-repeat``, once above ``--large`` links).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.isolation import partition  # noqa: E402
from gis.io import NetworkLayers, layers_from_wntr  # noqa: E402
from gis.isolation import Isolator  # noqa: E402
from gis.network import Network, build_network  # noqa: E402
from gis.segments import segment_network  # noqa: E402

SEED = 2022
WNTR_NETWORKS = ("Net3", "ky10", "ky4", "Net6")
CITY_PIPES = (100, 500, 2000, 5000, 15000)


@dataclass
class Case:
    """One network as both sides see it."""

    name: str
    origin: str
    network: Network
    graph: nx.MultiDiGraph  # WNTR's graph: wn.to_graph(), or the city's pipes
    valve_layer: pd.DataFrame  # WNTR's form: columns link, node
    closed_links: list[str]  # closed in the file, or pipes behind a normally-closed valve
    sources: list[str]
    inp: Path | None = None


def strategic_layer(wn: Any) -> pd.DataFrame:
    import wntr

    layer: pd.DataFrame = wntr.network.generate_valve_layer(wn, "strategic", 1, seed=SEED)
    return layer


def epanet_case(name: str, path: Path, origin: str) -> Case:
    import wntr

    wn = wntr.network.WaterNetworkModel(str(path))
    layer = strategic_layer(wn)
    layers = layers_from_wntr(wn, source=name)
    layers.valves = layer.rename(columns={"link": "pipe_id", "node": "node_id"}).assign(
        id=[str(i) for i in range(len(layer))]
    )
    network = build_network(layers)
    closed = [str(p) for p in network.pipes.ids[~network.pipes.is_open]]
    sources = list(wn.reservoir_name_list) + list(wn.tank_name_list)
    return Case(name, origin, network, wn.to_graph(), layer, closed, sources, path)


def city_case(pipes: int) -> Case:
    from sample_data.generate import generate_city

    layers = generate_city(pipes=pipes, seed=SEED, crs="EPSG:32650")
    # WNTR's valve layer has positions only: every valve closes, as it assumes
    valves = layers["valves"].assign(operable=True)
    network = build_network(
        NetworkLayers(
            nodes=layers["nodes"],
            pipes=layers["pipes"],
            valves=valves,
            customers=layers["customers"],
            dmas=layers["dmas"],
            source=f"city {pipes:,}",
        )
    )
    pipe_rows = layers["pipes"]
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(layers["nodes"]["id"].astype(str))
    graph.add_edges_from(
        zip(
            pipe_rows["from_node"].astype(str),
            pipe_rows["to_node"].astype(str),
            pipe_rows["id"].astype(str),
            strict=True,
        )
    )
    layer = pd.DataFrame(
        {"node": valves["node_id"].astype(str), "link": valves["pipe_id"].astype(str)}
    ).drop_duplicates(ignore_index=True)
    closed = set(pipe_rows["id"][pipe_rows["status"] == "closed"].astype(str))
    closed |= set(valves["pipe_id"][valves["normally_closed"].astype(bool)].astype(str))
    kinds = layers["nodes"]["kind"]
    sources = layers["nodes"]["id"][kinds.isin(["source", "tank"])].astype(str).tolist()
    return Case(
        f"city {len(network.pipes):,}",
        f"generate_city({pipes}, seed {SEED})",
        network,
        graph,
        layer,
        sorted(closed),
        sources,
    )


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000.0, q))


class WntrIsolation:
    """The isolation question answered the WNTR way: ``valve_segments`` once, then per broken
    pipe its segment, the valves around it, and a networkx search from the sources on the
    graph without that segment."""

    def __init__(self, case: Case, node_seg: pd.Series, link_seg: pd.Series) -> None:
        graph = case.graph.to_undirected()
        closed = set(case.closed_links)
        graph.remove_edges_from([e for e in graph.edges(keys=True) if e[2] in closed])
        self.graph = graph
        self.sources = [s for s in case.sources if s in graph]
        self.link_seg = link_seg.to_dict()
        self.seg_nodes: dict[int, list[str]] = defaultdict(list)
        for node, s in node_seg.items():
            self.seg_nodes[int(s)].append(str(node))
        self.seg_edges: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for u, v, k in graph.edges(keys=True):
            self.seg_edges[int(self.link_seg[k])].append((u, v, k))
        self.seg_valves: dict[int, list[int]] = defaultdict(list)
        node_seg_d = node_seg.to_dict()
        for i, (link, node) in enumerate(
            zip(case.valve_layer["link"], case.valve_layer["node"], strict=True)
        ):
            a, b = int(self.link_seg[link]), int(node_seg_d[node])
            if a != b:
                self.seg_valves[a].append(i)
                self.seg_valves[b].append(i)
        self.fed_before = self.fed(graph)

    def fed(self, graph: Any) -> set[str]:
        out: set[str] = set()
        for s in self.sources:
            if s in graph and s not in out:
                out |= nx.node_connected_component(graph, s)
        return out

    def isolate(self, pipe: str) -> tuple[list[int], set[str], set[str]]:
        s = int(self.link_seg[pipe])
        nodes = self.seg_nodes[s]
        view = nx.restricted_view(self.graph, nodes, self.seg_edges[s])
        unintended = self.fed_before - self.fed(view) - set(nodes)
        return self.seg_valves[s], set(nodes), unintended


def timed_queries(answer: Callable[[str], Any], pipes: list[str], repeat: int) -> list[float]:
    for pipe in pipes[:20]:  # warm-up
        answer(pipe)
    times = [float("inf")] * len(pipes)
    gc.disable()
    try:
        for _ in range(repeat):
            for i, pipe in enumerate(pipes):
                t0 = time.perf_counter()
                answer(pipe)
                times[i] = min(times[i], time.perf_counter() - t0)
    finally:
        gc.enable()
    return times


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench(case: Case, args: argparse.Namespace, rng: np.random.Generator) -> dict[str, Any]:
    import wntr

    network = case.network
    links = len(network.pipes)
    large = links > args.large
    wntr_repeat = 1 if large else args.wntr_repeat
    load_before = load_average()

    # segmentation, same valve layer
    ours_s = best_of(lambda: segment_network(network), args.repeat)
    layer = case.valve_layer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        answers: list[Any] = []
        wntr_s = best_of(
            lambda: answers.append(wntr.metrics.valve_segments(case.graph, layer.copy())),
            wntr_repeat,
        )
        node_seg, link_seg, _ = answers[0]
    seg = segment_network(network)
    same = partition(node_seg.to_dict(), link_seg.to_dict()) == partition(
        dict(zip(network.nodes.ids.tolist(), seg.node_segment.tolist(), strict=True)),
        dict(zip(network.pipes.ids.tolist(), seg.pipe_segment.tolist(), strict=True)),
    )

    # isolation queries
    ids = network.pipes.ids
    pick = np.sort(rng.choice(len(ids), size=min(args.queries, len(ids)), replace=False))
    pipes = [str(p) for p in ids[pick]]
    peer_pipes = pipes[:: max(1, len(pipes) // args.peer_queries)][: args.peer_queries]
    t0 = time.perf_counter()
    directed = Isolator(network)
    directed_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    two_way = Isolator(network, directed=False)
    two_way_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    peer = WntrIsolation(case, node_seg, link_seg)
    peer_build = time.perf_counter() - t0 + wntr_s  # valve_segments is part of its index

    t_dir = timed_queries(lambda p: directed.isolate(p, with_area=False), pipes, args.repeat)
    t_two = timed_queries(lambda p: two_way.isolate(p, with_area=False), pipes, args.repeat)
    t_peer = timed_queries(peer.isolate, peer_pipes, args.peer_repeat)

    agree = 0
    for pipe in peer_pipes:
        plan = two_way.isolate(pipe, with_area=False)
        _, isolated, unintended = peer.isolate(pipe)
        agree += set(plan.isolated_nodes) == isolated and set(plan.unintended_nodes) == unintended
    ours_p50, ours_p99 = ms(t_dir, 50), ms(t_dir, 99)
    peer_p50, peer_p99 = ms(t_peer, 50), ms(t_peer, 99)
    return {
        "network": case.name,
        "origin": case.origin,
        "links": links,
        "nodes": len(network.nodes),
        "valves": len(network.valves),
        "one_way_links": int(np.count_nonzero(network.pipes.one_way)),
        "segments": seg.n_segments,
        "same_partition": same,
        "waterops_segmentation_s": ours_s,
        "wntr_segmentation_s": wntr_s,
        "wntr_repeat": wntr_repeat,
        "segmentation_ratio": wntr_s / ours_s,
        "queries": len(pipes),
        "peer_queries": len(peer_pipes),
        "directed": directed.directed,
        "waterops_index_s": directed_build,
        "waterops_two_way_index_s": two_way_build,
        "peer_index_s": peer_build,
        "waterops_p50_ms": ours_p50,
        "waterops_p99_ms": ours_p99,
        "waterops_two_way_p50_ms": ms(t_two, 50),
        "waterops_two_way_p99_ms": ms(t_two, 99),
        "peer_p50_ms": peer_p50,
        "peer_p99_ms": peer_p99,
        "query_ratio_p50": peer_p50 / ours_p50,
        "query_ratio_p99": peer_p99 / ours_p99,
        "answers_agree": agree,
        "load_before": load_before,
        "load_after": load_average(),
    }


PEER_COMMAND = """
import sys
import pandas as pd
import wntr
inp, csv, pipe = sys.argv[1:4]
wn = wntr.network.WaterNetworkModel(inp)
layer = pd.read_csv(csv, dtype=str)[["link", "node"]]
node_seg, link_seg, _ = wntr.metrics.valve_segments(wn.to_graph(), layer)
s = link_seg[pipe]
nodes = node_seg.index[node_seg == s]
valves = layer[(layer["link"].map(link_seg) == s) != (layer["node"].map(node_seg) == s)]
print(f"pipe {pipe}: segment {s}, {len(nodes)} nodes, close valves {list(valves.index)}")
"""


def cold(command: list[str], repeat: int) -> tuple[float, str]:
    best, out = float("inf"), ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr[-500:]}")
        best, out = min(best, wall), done.stdout
    return best, out


def bench_commands(case: Case, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    assert case.inp is not None
    csv = folder / f"{case.name}-valves.csv"
    case.valve_layer.assign(id=[f"V{i}" for i in range(len(case.valve_layer))])[
        ["id", "link", "node"]
    ].to_csv(csv, index=False)
    pipe = str(case.network.pipes.ids[len(case.network.pipes) // 2])
    repeat = 1 if len(case.network.pipes) > args.large else args.command_repeat
    load_before = load_average()
    waterops = ROOT / ".venv" / "bin" / "waterops"
    ours, ours_out = cold(
        [str(waterops), "isolate", str(case.inp), "--valves", str(csv), "--pipe", pipe], repeat
    )
    peer, _ = cold(
        [sys.executable, "-W", "ignore", "-c", PEER_COMMAND, str(case.inp), str(csv), pipe],
        repeat,
    )
    python, _ = cold([sys.executable, "-c", "pass"], repeat)
    return {
        "network": case.name,
        "links": len(case.network.pipes),
        "pipe": pipe,
        "repeat": repeat,
        "waterops_s": ours,
        "wntr_s": peer,
        "python_s": python,
        "ratio": peer / ours,
        "waterops_answered": "close" in ours_out.lower() or "valve" in ours_out.lower(),
        "load_before": load_before,
        "load_after": load_average(),
    }


def cases(args: argparse.Namespace) -> list[Callable[[], Case]]:
    import wntr

    library = Path(wntr.__file__).parent / "library" / "networks"
    makers: list[tuple[int, Callable[[], Case]]] = []

    def size(path: Path) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wn = wntr.network.WaterNetworkModel(str(path))
        return int(wn.num_links)

    for name in WNTR_NETWORKS:
        path = library / f"{name}.inp"
        makers.append((size(path), partial(epanet_case, name, path, "WNTR library")))
    if args.networks:
        for path in sorted(Path(args.networks).glob("*.inp")):
            try:
                n = size(path)
            except Exception as error:  # a file WNTR cannot read is left out, and said so
                print(f"-- {path.name}: WNTR cannot read it ({error}); left out", flush=True)
                continue
            if n >= args.min_links:
                makers.append((n, partial(epanet_case, path.stem, path, str(path.parent))))
    for pipes in args.city_pipes:
        makers.append((pipes, partial(city_case, pipes)))
    makers.sort(key=lambda m: m[0])
    return [m for n, m in makers if not (args.quick and n > 5000)]


def wanted(case: Case, args: argparse.Namespace) -> bool:
    return not args.only or case.name in args.only or case.name.split()[0] in args.only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", help="folder of further EPANET .inp files")
    parser.add_argument("--min-links", type=int, default=100)
    parser.add_argument("--city-pipes", type=int, nargs="*", default=list(CITY_PIPES))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--peer-queries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5, help="best of N (ours)")
    parser.add_argument("--peer-repeat", type=int, default=3, help="best of N (peer queries)")
    parser.add_argument("--wntr-repeat", type=int, default=2, help="best of N (valve_segments)")
    parser.add_argument("--large", type=int, default=5000, help="links above which WNTR runs once")
    parser.add_argument("--commands", action="store_true", help="time the cold commands too")
    parser.add_argument("--command-repeat", type=int, default=3)
    parser.add_argument("--commands-only", action="store_true", help="the cold commands alone")
    parser.add_argument("--only", nargs="*", help="these networks only (names as printed)")
    parser.add_argument("--quick", action="store_true", help="networks up to 5,000 links only")
    parser.add_argument("--json", action="store_true", help="print one JSON document at the end")
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    results: list[dict[str, Any]] = []
    commands: list[dict[str, Any]] = []
    print(f"load average at start: {load_average()}", flush=True)
    print(
        f"{'network':<22}{'links':>7}{'valves':>7}{'segs':>7} same |"
        f" {'ours ms':>8} {'WNTR s':>8} {'ratio':>8} |"
        f" {'ours p50':>8} {'p99':>6} {'2way p99':>8} | {'WNTR p50':>8} {'p99':>7} |"
        f" {'ratio p50':>9} {'p99':>6} | agree    | load",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for make in cases(args):
            case = make()
            if not wanted(case, args):
                continue
            if args.commands_only:
                if case.inp is not None:
                    commands.append(bench_commands(case, args, Path(tmp)))
                continue
            r = bench(case, args, rng)
            results.append(r)
            print(
                f"{r['network']:<22}{r['links']:>7,}{r['valves']:>7,}{r['segments']:>7,}"
                f" {'yes' if r['same_partition'] else 'NO':>4} |"
                f" {r['waterops_segmentation_s'] * 1000:>8.2f}"
                f" {r['wntr_segmentation_s']:>8.2f}{'*' if r['wntr_repeat'] == 1 else ' '}"
                f"{r['segmentation_ratio']:>7,.0f}x |"
                f" {r['waterops_p50_ms']:>8.3f} {r['waterops_p99_ms']:>6.3f}"
                f" {r['waterops_two_way_p99_ms']:>8.3f} |"
                f" {r['peer_p50_ms']:>8.2f} {r['peer_p99_ms']:>7.2f} |"
                f" {r['query_ratio_p50']:>8,.0f}x {r['query_ratio_p99']:>5,.0f}x |"
                f" {r['answers_agree']:>3}/{r['peer_queries']:<4} | {r['load_after']}",
                flush=True,
            )
            if args.commands and case.inp is not None:
                commands.append(bench_commands(case, args, Path(tmp)))
            del case
            gc.collect()
    print("* valve_segments timed once (above --large links)")
    if commands:
        print("== whole command, cold process: waterops isolate vs WNTR script", flush=True)
        for c in commands:
            print(
                f"{c['network']:<22}{c['links']:>7,} links  pipe {c['pipe']:<10}"
                f" waterops {c['waterops_s']:>6.2f} s  WNTR {c['wntr_s']:>7.2f} s"
                f"  ratio {c['ratio']:>6.1f}x  (python -c pass {c['python_s']:.2f} s,"
                f" best of {c['repeat']}) | load {c['load_before']} -> {c['load_after']}",
                flush=True,
            )
    print(f"load average at end: {load_average()}", flush=True)
    if args.json:
        print(json.dumps({"networks": results, "commands": commands}, indent=1))


if __name__ == "__main__":
    main()
