"""Loading a network from a GIS export without topology against the GeoPackage with it
(issue 14).

    .venv/bin/python benchmarks/gis_load.py             # the sample city and city_100k
    .venv/bin/python benchmarks/gis_load.py --quick     # the sample city only

For each city: the GeoPackage with the contract's names and links (``read_network``), and the
same city as a utility exports it (``sample_data/utility_export.py``: Shapefiles, no
from_node/to_node/pipe_id/node_id, the utility's names, inch diameters, Chinese values) read
with its mapping file and with the built-in guess — each the median of ``--repeat`` runs
(``--city-repeat`` for city_100k) of the whole read, validation and build. Then the share of
building the topology (``gis.topology.build_topology`` on layers already read) and the ratio to
the GeoPackage. The peer is the GeoPackage with topology: the files a utility would otherwise
have to prepare. The cities are written to a temporary folder first (not timed); the reads
check that the export gave the same valve segments.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
SEED = 2022


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _partition(network: Any) -> set[frozenset[str]]:
    from gis.segments import segment_network

    seg = segment_network(network)
    ids = network.pipes.ids
    return {frozenset(str(p) for p in ids[seg.pipes_of(s)]) for s in range(seg.n_segments)}


def _write(layers: dict[str, Any], folder: Path, gpkg: Path | None) -> Path:
    from sample_data.utility_export import mapping_toml, write_utility_export

    if gpkg is not None:
        from sample_data.generate import write_gpkg

        write_gpkg(layers, gpkg)
    export = write_utility_export(layers, folder / "export")
    (folder / "mapping.toml").write_text(mapping_toml(), encoding="utf-8")
    return export


def bench(name: str, gpkg: Path, export: Path, mapping: Path, repeat: int) -> dict[str, Any]:
    from gis.io import read_layers, read_network
    from gis.topology import build_topology

    with_topology, original = _median(lambda: read_network(gpkg), repeat)
    mapped, network = _median(lambda: read_network(export, mapping=mapping), repeat)
    guessed, guessed_network = _median(lambda: read_network(export), repeat)
    layers = read_layers(gpkg)
    pipes = layers.pipes.drop(columns=["from_node", "to_node"])
    valves = layers.valves.drop(columns=["pipe_id", "node_id"])
    customers = layers.customers.drop(columns=["pipe_id"]) if layers.customers is not None else None
    crs = layers.metric_crs()
    topology, _ = _median(
        lambda: build_topology(layers.nodes, pipes, valves, customers, crs), repeat
    )
    same = _partition(original) == _partition(network) == _partition(guessed_network)
    return {
        "city": name,
        "pipes": len(original.pipes),
        "valves": len(original.valves),
        "customers": len(original.customers),
        "gpkg_s": with_topology,
        "export_mapped_s": mapped,
        "export_guessed_s": guessed,
        "topology_s": topology,
        "ratio_mapped": mapped / with_topology,
        "ratio_guessed": guessed / with_topology,
        "same_segments": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the sample city only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--city-pipes", type=int, default=100_000)
    parser.add_argument("--city-repeat", type=int, default=2)
    args = parser.parse_args()
    import geopandas as gpd

    from sample_data.utility_export import EXPORT_NAMES

    rows = []
    with tempfile.TemporaryDirectory(prefix="waterops-gis-load-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = Path(tmp) / "kaifeng"
        layers = {n: gpd.read_file(SAMPLE, layer=n, engine="pyogrio") for n in EXPORT_NAMES}
        export = _write(layers, folder, None)
        print("== sample city (sample_data/kaifeng.gpkg)", flush=True)
        rows.append(bench("kaifeng", SAMPLE, export, folder / "mapping.toml", args.repeat))
        if not args.quick:
            from sample_data.generate import generate_city

            print(f"== city_100k (generate_city(pipes={args.city_pipes:,}))", flush=True)
            folder = Path(tmp) / "city_100k"
            city = generate_city(pipes=args.city_pipes, seed=SEED)
            export = _write(city, folder, folder / "city.gpkg")
            rows.append(
                bench(
                    "city_100k",
                    folder / "city.gpkg",
                    export,
                    folder / "mapping.toml",
                    args.city_repeat,
                )
            )
    print()
    print(
        f"{'city':<10} {'pipes':>8} {'valves':>8} {'customers':>9} | {'GeoPackage':>10} "
        f"{'export+map':>10} {'ratio':>6} {'export+guess':>12} {'ratio':>6} | "
        f"{'topology':>8} | same segments"
    )
    for r in rows:
        print(
            f"{r['city']:<10} {r['pipes']:>8,} {r['valves']:>8,} {r['customers']:>9,} | "
            f"{r['gpkg_s']:>9.2f}s {r['export_mapped_s']:>9.2f}s {r['ratio_mapped']:>5.2f}x "
            f"{r['export_guessed_s']:>11.2f}s {r['ratio_guessed']:>5.2f}x | "
            f"{r['topology_s']:>7.2f}s | {r['same_segments']}"
        )


if __name__ == "__main__":
    main()
