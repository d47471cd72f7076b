"""Two revisions side by side: the dispatch day, the isolation queries and the service's load.

    .venv/bin/python benchmarks/revisions.py --base REV [--rounds 2] [--only dispatch,isolation]

A change that should not change behaviour (issue 15: the seam between ``ops/`` and ``api/``) is
checked by running the same benchmarks on the revision before it and on this working tree, in
turns (base, this, base, this, …) so that the shared machine's load weighs on both alike. Each
benchmark runs in its own process from its own tree (``git archive REV``; ``PYTHONPATH`` puts that
tree's packages first, and the service the load benchmark starts inherits it), with this tree's
virtualenv. Printed: each figure's median over the rounds for both, and the ratio this / base.

- ``dispatch``: ``benchmarks/dispatch.py`` (600 jobs, 40 crews, ``--seconds``): jobs planned,
  late, travel hours, wall time.
- ``isolation``: ``benchmarks/isolation.py --quick``: Net6 segmentation time, isolation query p50
  and p99 on Net6 and on the 100 k-pipe city, with three failed valves, with the area polygon.
- ``api_load``: ``benchmarks/api_load.py`` (needs ``wrk``): isolation requests per second and p99
  with and without the answer cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from peer import peer_tree

ROOT = Path(__file__).resolve().parent.parent

# (benchmark, its options, the figures to report: name -> path into its JSON document)
FIGURES: dict[str, tuple[list[str], dict[str, tuple[Any, ...]]]] = {
    "dispatch": (
        ["--json"],
        {
            "jobs planned": ("scheduler", "planned"),
            "late": ("scheduler", "late"),
            "travel h": ("scheduler", "travel_h"),
            "travel / greedy": ("travel_ratio",),
            "wall s": ("scheduler", "wall_s"),
        },
    ),
    "isolation": (
        ["--quick", "--json", "--wntr-repeat", "1"],
        {
            "Net6 segmentation ms": ("net6_segmentation", "waterops_s"),
            "Net6 query p50 ms": ("queries_Net6", "p50_ms"),
            "Net6 query p99 ms": ("queries_Net6", "p99_ms"),
            "Net6 3 failed p99 ms": ("queries_Net6", "failed3_p99_ms"),
            "Net6 with area p99 ms": ("queries_Net6", "with_area_p99_ms"),
            "100k query p50 ms": ("queries_city_100k", "p50_ms"),
            "100k query p99 ms": ("queries_city_100k", "p99_ms"),
            "100k 3 failed p99 ms": ("queries_city_100k", "failed3_p99_ms"),
        },
    ),
    "api_load": (
        ["--json", "--repeat", "1", "--seconds", "15"],
        {
            "cached requests/s": (0, "rps"),
            "cached p99 ms": (0, "p99_ms"),
            "uncached requests/s": (1, "rps"),
            "uncached p99 ms": (1, "p99_ms"),
        },
    ),
}


def _json_document(stdout: str) -> Any:
    """The JSON document a benchmark prints after its human-readable lines."""
    lines = stdout.splitlines()
    for k, line in enumerate(lines):
        if line in ("{", "["):
            return json.loads("\n".join(lines[k:]))
    raise ValueError("the benchmark printed no JSON document")


def _figure(document: Any, label: str, path: tuple[Any, ...]) -> float:
    value = document
    for step in path:
        value = value[step]
    # the isolation benchmark gives seconds where this table shows milliseconds
    return float(value) * (1000.0 if label.endswith(" ms") and path[-1].endswith("_s") else 1.0)


def run_once(name: str, tree: Path, extra: list[str]) -> dict[str, float]:
    options, figures = FIGURES[name]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / f"{name}.py"), *options, *extra],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed in {tree}:\n{done.stderr[-2000:]}")
    document = _json_document(done.stdout)
    return {label: _figure(document, label, path) for label, path in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision before the change")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each benchmark per tree")
    parser.add_argument("--only", default="dispatch,isolation,api_load")
    parser.add_argument("--seconds", type=float, default=30.0, help="the dispatch solve's limit")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    if "api_load" in names and shutil.which("wrk") is None:
        raise SystemExit("api_load needs wrk: apt-get install wrk (or --only dispatch,isolation)")
    base = peer_tree(args.base)
    trees = {"base": base, "this": ROOT}
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    try:
        for name in names:
            extra = ["--seconds", str(args.seconds)] if name == "dispatch" else []
            per_tree: dict[str, dict[str, list[float]]] = {"base": {}, "this": {}}
            for _ in range(args.rounds):
                for side, tree in trees.items():
                    for label, value in run_once(name, tree, extra).items():
                        per_tree[side].setdefault(label, []).append(value)
            results[name] = per_tree
            print(f"== {name} ({args.rounds} rounds each, in turns)", flush=True)
            print(f"{'':>24} {'base ' + args.base[:10]:>16} {'this tree':>12} {'this/base':>10}")
            for label in FIGURES[name][1]:
                b = statistics.median(per_tree["base"][label])
                t = statistics.median(per_tree["this"][label])
                ratio = f"{t / b:.2f}" if b else "—"
                print(f"{label:>24} {b:>16.3f} {t:>12.3f} {ratio:>10}", flush=True)
    finally:
        shutil.rmtree(base.parent, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
