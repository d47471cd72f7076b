"""Hydraulic impact benchmarks (issue 17): the engine kept open against the usual WNTR workflow.

Run from the repository root::

    .venv/bin/python benchmarks/hydraulics.py                 # Net6 impact, Net3 and Net6 tables
    .venv/bin/python benchmarks/hydraulics.py --sample 20     # the peer on 20 Net6 segments
    .venv/bin/python benchmarks/hydraulics.py --sample-city-only   # the sample city only
    .venv/bin/python benchmarks/hydraulics.py --quick         # without the sample city's table
    .venv/bin/python benchmarks/hydraulics.py --window-only   # the sample city's 6-hour window
    .venv/bin/python benchmarks/hydraulics.py --first-query   # the first query, cold and warmed

Prints, in one run:

0. One isolation impact on the sample city (``sample_data/kaifeng.gpkg``, the model built from
   its layers by :mod:`gis.hydraulic_model`) at its peak hour 7, both ways as below.
0w. One isolation impact over a 6-hour outage window on the sample city (06:00-12:00, through
   the 07:00 peak): the extended-period run with the plan's valves closed through the window
   (:func:`gis.hydraulics.window_impact`, the engine kept open and stepped hourly, tanks
   draining) against the usual workflow (a new EPANET run per hour of the window from its
   start, ``run_window_separately``); the engine's set-up and its normal window timed apart.
   Target (issue 17's window slice): <= 3 s. ``--window-only`` runs this part alone.
0a. The service's hydraulic isolation answer on the sample city (``GET
   /api/networks/1/isolation?hydraulic=true``, through the app in process, its answer cache
   off): the first query (the engine opened, the model run to the hour) and further breaks,
   the full answer (every node's and customer's row) against ``customers=below`` (the rows of
   those cut off or below the service pressure only, the console's default): time and bytes.
   ``--api-only`` runs this part alone.
0f. The first hydraulic query after the service starts (the same query: the 600 mm main at
   hour 7, ``customers=below``), cold (``hydraulic_warm_up`` off: the query builds the model
   and opens the engine) against warmed (``api.hydraulics.warm_up`` opened it in the
   background at start; asked once that is done), with the ratio, and ``/healthz`` timed while
   the warm-up runs. Median of ``--starts`` service starts each. ``--first-query`` runs this
   part alone.
0b. The hydraulic criticality of every segment of the sample city with the engine in
   ``--workers`` processes (each its own engine), against the usual workflow on
   ``--city-sample`` segments spread over the city (one process), scaled to all of them.
1. One isolation impact on Net6 (WNTR's library, strategic N-2 valve layer, seed 20240611) at
   hour 8, pressure-driven: the normal run and the run with the plan's valves closed, by
   :class:`gis.hydraulics.HydraulicEngine` (EPANET 2.2 opened once, link statuses changed
   between solves) and by the usual WNTR workflow (a new ``EpanetSimulator`` per scenario: copy
   the model, close the links, write a file, run, read the binary results). Both solve the same
   snapshot model of the hour; the engine's set-up (the normal run to the hour, the snapshot, one
   ``ENopen``) is timed apart. Median over the plans of ``--plans`` segments.
2. The hydraulic criticality of every segment of Net3 both ways (and the two tables compared),
   then of every segment of Net6 with the engine; the usual workflow on Net6 is timed on
   ``--sample`` segments and scaled to all of them.
3. The valves whose failure hurts most hydraulically (every valve failing when needed), Net3 and
   Net6, with the engine.

Targets (issue 17): >= 10x faster than a simulation per scenario; one impact on the sample
city <= 1 s; the sample city's whole criticality table <= 5 min on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import wntr  # noqa: E402

from gis.hydraulic_model import build_model  # noqa: E402
from gis.hydraulics import (  # noqa: E402
    HydraulicEngine,
    HydraulicModel,
    HydraulicState,
    NotSolved,
    engine_for,
    hydraulic_criticality,
    hydraulic_valve_criticality,
    isolation_impact,
    run_separately,
    run_window_separately,
    window_impact,
)
from gis.io import read_layers  # noqa: E402
from gis.isolation import IsolationPlan, Isolator  # noqa: E402
from gis.network import Network, build_network  # noqa: E402

NETWORKS = Path(wntr.__file__).parent / "library" / "networks"
SAMPLE_CITY = ROOT / "sample_data" / "kaifeng.gpkg"
SAMPLE_HOUR = 7.0  # the sample city's peak hour
SEED = 20240611
HOUR = 8.0


def load(name: str, tmp: Path) -> tuple[Network, HydraulicModel]:
    inp = NETWORKS / f"{name}.inp"
    wn = wntr.network.WaterNetworkModel(str(inp))
    layer = wntr.network.generate_valve_layer(wn, "strategic", 2, seed=SEED)
    csv = tmp / f"{name}-valves.csv"
    layer.to_csv(csv)
    return build_network(read_layers(inp, valves=csv)), HydraulicModel(wn, inp.name)


def peer(engine: HydraulicEngine) -> Any:
    """The usual workflow on the engine's snapshot model: a new simulation per call."""

    def solve(closed: Any = ()) -> HydraulicState:
        return run_separately(engine.snapshot, closed, engine.model.source)

    return solve


def plans_of(network: Network, isolator: Isolator, count: int) -> list[IsolationPlan]:
    seg = isolator.segmentation
    out = []
    for s in range(seg.n_segments):
        pipes = seg.pipes_of(s)
        if len(pipes):
            plan = isolator.isolate(str(network.pipes.ids[pipes[0]]), with_area=False)
            if plan.valves_to_close:
                out.append(plan)
        if len(out) == count:
            break
    return out


def timed_impacts(
    engine: HydraulicEngine, network: Network, plans: list[IsolationPlan]
) -> tuple[float, float]:
    """Median seconds of one impact with the open engine and with a new simulation per
    scenario, over the plans (the two must agree)."""
    with engine:
        ours, theirs = [], []
        for plan in plans:
            t0 = time.perf_counter()
            a = isolation_impact(engine, network, plan)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            b = isolation_impact(engine, network, plan, solve=peer(engine))
            theirs.append(time.perf_counter() - t0)
            assert a.cut_off_nodes == b.cut_off_nodes
            assert abs(a.not_served_m3h - b.not_served_m3h) < 1e-2
    return statistics.median(ours), statistics.median(theirs)


def one_impact(tmp: Path, count: int) -> None:
    print(f"== one isolation impact, Net6 at hour {HOUR:g} (PDD), median of {count} plans")
    network, model = load("Net6", tmp)
    isolator = Isolator(network)
    t0 = time.perf_counter()
    engine = engine_for(model, network, HOUR)
    setup = time.perf_counter() - t0
    plans = plans_of(network, isolator, count)
    o, t = timed_impacts(engine, network, plans)
    print(
        f"open engine {o * 1000:.1f} ms | new simulation per scenario {t * 1000:.0f} ms | "
        f"ratio {t / o:.0f}x | engine set-up {setup:.2f} s (once per hour) | "
        f"{len(network.pipes):,} links, {len(network.valves):,} valves"
    )


def sample_city_impact(count: int) -> None:
    """One isolation impact on the sample city, with the model built from its layers
    (gis.hydraulic_model), the engine against a new simulation per scenario."""
    print(
        f"== one isolation impact, the sample city at hour {SAMPLE_HOUR:g} (PDD), "
        f"median of {count} plans"
    )
    t0 = time.perf_counter()
    layers = read_layers(SAMPLE_CITY)
    network = build_network(layers)
    model = build_model(layers, network)
    built = time.perf_counter() - t0
    isolator = Isolator(network)
    t0 = time.perf_counter()
    engine = engine_for(model, network, SAMPLE_HOUR)
    setup = time.perf_counter() - t0
    plans = plans_of(network, isolator, count)
    o, t = timed_impacts(engine, network, plans)
    print(
        f"open engine {o * 1000:.1f} ms | new simulation per scenario {t * 1000:.0f} ms | "
        f"ratio {t / o:.0f}x | model built from the layers {built:.2f} s, engine set-up "
        f"{setup:.2f} s (once per hour) | {model.wn.num_links:,} links in the model"
    )


WINDOW = (6.0, 12.0)  # an outage 06:00-12:00 on the sample city: through the 07:00 peak


def sample_city_window(count: int) -> None:
    """One isolation impact over a 6-hour window on the sample city, the engine kept open and
    stepped against a new simulation per hour of the window."""
    start, end = WINDOW
    print(
        f"== one isolation impact over the window {start:g}-{end:g} h, the sample city (PDD), "
        f"median of {count} plans"
    )
    layers = read_layers(SAMPLE_CITY)
    network = build_network(layers)
    model = build_model(layers, network)
    isolator = Isolator(network)
    plans = [isolator.isolate(API_BREAKS[0]), *plans_of(network, isolator, count - 1)]
    t0 = time.perf_counter()
    engine = engine_for(model, network, start, end=end)
    setup = time.perf_counter() - t0
    with engine:
        t0 = time.perf_counter()
        normal = engine.solve_window(())
        normal_s = time.perf_counter() - t0

        def peer(closed: Any = ()) -> Any:
            return run_window_separately(engine.snapshot, closed, model.source)

        ours, theirs = [], []
        for k, plan in enumerate(plans):
            t0 = time.perf_counter()
            a = window_impact(engine, network, plan, normal=normal)
            ours.append(time.perf_counter() - t0)
            if k < 2:  # the peer: six EPANET runs per scenario, about 15 s each plan
                t0 = time.perf_counter()
                b = window_impact(engine, network, plan, normal=normal, solve=peer)
                theirs.append(time.perf_counter() - t0)
                assert a.customers_below_service == b.customers_below_service
                assert abs(a.not_served_m3h - b.not_served_m3h) < 1e-2
        first = window_impact(engine, network, plans[0], normal=normal)
    o, t = statistics.median(ours), statistics.median(theirs)
    print(
        f"open engine {o:.2f} s a window impact ({len(engine.hours)} hours) | new simulation "
        f"per hour {t:.1f} s (median of {len(theirs)}) | ratio {t / o:.0f}x | engine set-up "
        f"{setup:.2f} s + the normal window {normal_s:.2f} s (once per window) | first query "
        f"{setup + normal_s + o:.2f} s | target <= 3 s | main {API_BREAKS[0]}: "
        f"{len(first.customers_below_service)} customers below 0.14 MPa at some hour, "
        f"{first.not_served_m3:.0f} m³ not served"
    )


API_BREAKS = (  # sample-city pipes: the 600 mm main first, then breaks spread over the city
    "P002617",
    "P000300",
    "P001493",
    "P000100",
    "P000153",
    "P001000",
    "P001500",
    "P002000",
    "P002500",
    "P003000",
    "P000500",
)


def api_answer(hour: float = SAMPLE_HOUR) -> None:
    """The isolation API's hydraulic answer: first query and further breaks, full and compact."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    print(f"== the service's hydraulic isolation answer, sample city, hour {hour:g}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), seed_demo_users=True, answer_cache=0)
        with TestClient(create_app(settings)) as client:
            token = client.post(
                "/api/auth/token", data={"username": "viewer", "password": "waterops-demo"}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}

            def ask(pipe: str, listed: str, at: float) -> tuple[float, int]:
                params = {"pipe": pipe, "hydraulic": "true", "hour": str(at)}
                if listed == "below":
                    params["customers"] = "below"
                t0 = time.perf_counter()
                r = client.get("/api/networks/1/isolation", params=params, headers=auth)
                took = time.perf_counter() - t0
                assert r.status_code == 200, r.text
                return took, len(r.content)

            client.get("/api/networks/1/isolation", params={"pipe": "P000300"}, headers=auth)
            for listed, at in (("all", hour), ("below", hour + 1)):
                took, size = ask(API_BREAKS[0], listed, at)
                print(
                    f"first query, customers={listed} (hour {at:g}, the engine opened): "
                    f"{took:.2f} s, {size / 1e6:.3f} MB"
                )
            for listed in ("all", "below"):
                runs = [ask(p, listed, hour) for p in API_BREAKS[1:]]
                times = [r[0] for r in runs]
                sizes = [r[1] for r in runs]
                print(
                    f"further breaks, customers={listed}: median {statistics.median(times):.3f} s "
                    f"(max {max(times):.3f}), median {statistics.median(sizes) / 1e6:.3f} MB "
                    f"(max {max(sizes) / 1e6:.3f}) over {len(runs)} breaks"
                )


def first_query(runs: int, hour: float = SAMPLE_HOUR) -> None:
    """The first hydraulic query after the service starts, cold (``hydraulic_warm_up`` off:
    the query opens the engine) against warmed (the engine opened in the background at start,
    the query asked once the warm-up is done); ``/healthz`` polled every 0.1 s meanwhile (cold:
    for as long)."""
    import logging

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    logging.getLogger("waterops.api").setLevel(logging.WARNING)
    print(f"== the first hydraulic query after start, sample city, hour {hour:g}, {runs} starts")
    params = {"pipe": API_BREAKS[0], "hydraulic": "true", "hour": str(hour), "customers": "below"}
    warm_for: list[float] = []

    def start(warm: bool) -> tuple[float, list[float], float]:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp), seed_demo_users=True, answer_cache=0, hydraulic_warm_up=warm
            )
            with TestClient(create_app(settings)) as client:
                t0 = time.perf_counter()  # the service is up (lifespan done)
                engines = client.app.state.hydraulic_engines  # type: ignore[attr-defined]
                until = t0 + (statistics.median(warm_for) if warm_for else 5.0)
                healthz = []
                while engines.warming.is_alive() if warm else time.perf_counter() < until:
                    t1 = time.perf_counter()
                    assert client.get("/healthz").status_code == 200
                    healthz.append(time.perf_counter() - t1)
                    time.sleep(0.1)
                warming = time.perf_counter() - t0
                token = client.post(
                    "/api/auth/token", data={"username": "viewer", "password": "waterops-demo"}
                ).json()["access_token"]
                t2 = time.perf_counter()
                r = client.get(
                    "/api/networks/1/isolation",
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                )
                took = time.perf_counter() - t2
                assert r.status_code == 200, r.text
        return took, healthz, warming

    warm = [start(True) for _ in range(runs)]
    warm_for.extend(x[2] for x in warm)
    cold = [start(False) for _ in range(runs)]
    for name, starts in (("cold", cold), ("warmed", warm)):
        polls = [h for x in starts for h in x[1]]
        print(
            f"{name}: first query median {statistics.median(x[0] for x in starts):.3f} s "
            f"(max {max(x[0] for x in starts):.3f}) | /healthz over the first "
            f"{statistics.median(x[2] for x in starts):.1f} s after start: median "
            f"{statistics.median(polls) * 1000:.0f} ms, max {max(polls) * 1000:.0f} ms "
            f"({len(polls)} polls)"
        )
    c = statistics.median(x[0] for x in cold)
    w = statistics.median(x[0] for x in warm)
    print(f"first query cold / warmed: {c / w:.0f}x (medians of {runs} starts each)")


def sample_city_criticality(sample: int, workers: int) -> None:
    """The hydraulic criticality of every segment of the sample city with the engine (in
    ``workers`` processes), against the usual workflow on ``sample`` segments spread over the
    city, scaled to all of them."""
    print(
        f"== hydraulic criticality of every segment, the sample city at hour {SAMPLE_HOUR:g} "
        f"(PDD), {workers} processes"
    )
    layers = read_layers(SAMPLE_CITY)
    network = build_network(layers)
    model = build_model(layers, network)
    isolator = Isolator(network)
    with engine_for(model, network, SAMPLE_HOUR) as engine:
        t0 = time.perf_counter()
        table = hydraulic_criticality(engine, isolator, workers=workers)
        ours = time.perf_counter() - t0
        seg = isolator.segmentation
        segments = [s for s in range(seg.n_segments) if len(seg.pipes_of(s))]
        picked = segments[:: max(1, len(segments) // sample)][:sample]
        solve = peer(engine)
        normal = solve(())
        t0 = time.perf_counter()
        for s in picked:
            pipe = str(network.pipes.ids[seg.pipes_of(s)[0]])
            plan = isolator.plan([pipe], isolator.cut([s]), with_area=False)
            with contextlib.suppress(NotSolved):
                isolation_impact(
                    engine, network, plan, normal=normal, solve=solve, with_nodes=False
                )
        per_scenario = (time.perf_counter() - t0) / len(picked)
    theirs = per_scenario * len(table)
    worst = table[0]
    unsolved = sum(1 for r in table if not r.solved)
    print(
        f"sample city: {len(table):,} segments ({unsolved} EPANET cannot solve) | open engine "
        f"{ours:.1f} s ({ours / len(table) * 1000:.1f} ms a segment, {workers} processes) | "
        f"new simulation per scenario {theirs:.0f} s (one process, {per_scenario:.2f} s a "
        f"scenario, scaled from {len(picked)} segments) | ratio {theirs / ours:.0f}x "
        f"({theirs / ours / workers:.0f}x per process) | target <= 300 s | worst: segment "
        f"{worst.segment} (pipe {worst.pipe_id}) {worst.not_served_m3h:.1f} m³/h not served, "
        f"{worst.newly_below_service} nodes newly below 0.14 MPa"
    )


def criticality(name: str, tmp: Path, sample: int | None) -> None:
    network, model = load(name, tmp)
    isolator = Isolator(network)
    with engine_for(model, network, HOUR) as engine:
        t0 = time.perf_counter()
        table = hydraulic_criticality(engine, isolator)
        ours = time.perf_counter() - t0
        n = len(table)
        if sample is None:
            t0 = time.perf_counter()
            reference = hydraulic_criticality(engine, isolator, solve=peer(engine))
            theirs = time.perf_counter() - t0
            theirs_by = {r.segment: r for r in reference}
            same = len(reference) == n and all(
                (r.cut_off_nodes, r.below_service)
                == (theirs_by[r.segment].cut_off_nodes, theirs_by[r.segment].below_service)
                and abs(r.not_served_m3h - theirs_by[r.segment].not_served_m3h) < 1e-2
                for r in table
            )
            scaled = ""
        else:
            sub = Isolator(network)
            solve = peer(engine)
            normal = solve(())
            seg = sub.segmentation
            segments = [s for s in range(seg.n_segments) if len(seg.pipes_of(s))][:sample]
            t0 = time.perf_counter()
            for s in segments:
                pipe = str(network.pipes.ids[seg.pipes_of(s)[0]])
                plan = sub.plan([pipe], sub.cut([s]), with_area=False)
                with contextlib.suppress(NotSolved):  # a row of its own in the table
                    isolation_impact(
                        engine, network, plan, normal=normal, solve=solve, with_nodes=False
                    )
            theirs = (time.perf_counter() - t0) / len(segments) * n
            same = None
            scaled = f" (scaled from {len(segments)} segments)"
    worst = table[0]
    unsolved = sum(1 for r in table if not r.solved)
    print(
        f"{name}: {n:,} segments ({unsolved} EPANET cannot solve) | open engine {ours:.2f} s | "
        "new simulation per scenario "
        f"{theirs:.2f} s{scaled} | ratio {theirs / ours:.0f}x"
        + ("" if same is None else f" | same table: {same}")
        + f" | worst: segment {worst.segment} (pipe {worst.pipe_id}) "
        f"{worst.not_served_m3h:.1f} m³/h not served, {worst.newly_below_service} nodes newly "
        "below 0.14 MPa"
    )


def valves(name: str, tmp: Path) -> None:
    network, model = load(name, tmp)
    isolator = Isolator(network)
    with engine_for(model, network, HOUR) as engine:
        t0 = time.perf_counter()
        table = hydraulic_valve_criticality(engine, isolator)
        took = time.perf_counter() - t0
    worst = table[0]
    hurting = sum(1 for r in table if r.extra_not_served_m3h > 1e-3)
    unsolved = sum(r.unsolved_sides for r in table)
    print(
        f"{name}: {len(table):,} valves | open engine {took:.1f} s | {hurting} valves cost "
        f"demand when they fail | worst: valve {worst.valve_id} (pipe {worst.pipe_id}) "
        f"+{worst.extra_not_served_m3h:.1f} m³/h not served | {unsolved} sides EPANET cannot "
        "solve"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, default=20, help="plans for the one-impact median")
    parser.add_argument("--sample", type=int, default=30, help="Net6 segments for the peer")
    parser.add_argument(
        "--sample-city-only",
        action="store_true",
        help="only the sample city (its one impact and its criticality table)",
    )
    parser.add_argument(
        "--city-sample", type=int, default=20, help="sample-city segments for the peer"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="processes for the sample city's table"
    )
    parser.add_argument("--quick", action="store_true", help="skip the sample city's whole table")
    parser.add_argument("--api-only", action="store_true", help="only the API answer (0a)")
    parser.add_argument(
        "--window-only", action="store_true", help="only the sample city's 6-hour window (0w)"
    )
    parser.add_argument(
        "--first-query",
        action="store_true",
        help="only the first query after start, cold against warmed (0f)",
    )
    parser.add_argument("--starts", type=int, default=3, help="service starts for --first-query")
    args = parser.parse_args()
    if args.first_query:
        first_query(args.starts)
        return
    if args.window_only:
        sample_city_window(min(args.plans, 10))
        return
    api_answer()
    if args.api_only:
        return
    sample_city_impact(args.plans)
    sample_city_window(min(args.plans, 10))
    if not args.quick:
        sample_city_criticality(args.city_sample, args.workers)
    if args.sample_city_only:
        return
    with tempfile.TemporaryDirectory() as tmp:
        one_impact(Path(tmp), args.plans)
        print(f"== hydraulic criticality of every segment at hour {HOUR:g}")
        criticality("Net3", Path(tmp), None)
        criticality("Net6", Path(tmp), args.sample)
        print(f"== the valves whose failure hurts most hydraulically, hour {HOUR:g}")
        valves("Net3", Path(tmp))
        valves("Net6", Path(tmp))


if __name__ == "__main__":
    main()
