"""Crew scheduler against VROOM on six Solomon VRPTW instances (issue: routing quality).

Run from the repository root::

    .venv/bin/python benchmarks/routing.py                       # all six, 30 s each
    .venv/bin/python benchmarks/routing.py --seconds 10 --instances C101,R101 --json

For each instance, in one run: our solver (:func:`routing.bench.solve_solomon_portfolio`, the
set-ups of ``routing.bench.PORTFOLIO`` in parallel processes, one per core, for ``--seconds`` each;
``--single`` runs the default ``SolverOptions`` in one process instead) and VROOM (``pyvroom``,
exploration level 5, both cores, the same time limit). VROOM works in integers: its matrix holds
the Euclidean distances times 100, rounded up as durations (so its schedules stay feasible under
exact times) and rounded as costs. Both distances are recomputed in double precision from the
routes, and both solutions are checked with :func:`routing.bench.check_solution`; the gap is to
``distmin_distance`` of ``bks.csv`` (best known distance when only distance counts).

Targets: all six feasible, mean gap <= 1.0 %, none above 2.5 %, and a smaller mean gap than
VROOM's.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routing.bench import (  # noqa: E402
    SolomonInstance,
    check_solution,
    read_solomon,
    route_distance,
    solve_solomon,
    solve_solomon_portfolio,
)

INSTANCES = ("C101", "C201", "R101", "R201", "RC101", "RC201")
DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "solomon"
VROOM_SCALE = 100  # VROOM's integer matrix: hundredths of a distance unit
TARGET_MEAN = 1.0
TARGET_MAX = 2.5


def read_bks(data: Path) -> dict[str, float]:
    """``distmin_distance`` per instance."""
    with (data / "bks.csv").open(newline="") as f:
        return {row["instance"]: float(row["distmin_distance"]) for row in csv.DictReader(f)}


def solve_vroom(
    instance: SolomonInstance, seconds: float, threads: int = 2, level: int = 5
) -> dict[str, Any]:
    """Solve with VROOM on a custom integer matrix; distance recomputed exactly."""
    import numpy as np
    import vroom

    xy = np.array([instance.depot, *((c[1], c[2]) for c in instance.customers)])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * VROOM_SCALE
    problem = vroom.Input()
    problem.set_durations_matrix("car", np.ceil(d - 1e-9).astype(np.int64).tolist())
    problem.set_costs_matrix("car", np.rint(d).astype(np.int64).tolist())
    for k in range(instance.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=[instance.capacity],
                time_window=vroom.TimeWindow(0, instance.depot_due * VROOM_SCALE),
            )
        )
    for index, (no, _, _, q, a, b, s) in enumerate(instance.customers, start=1):
        problem.add_job(
            vroom.Job(
                no,
                location=index,
                default_service=s * VROOM_SCALE,
                delivery=[q],
                time_windows=[vroom.TimeWindow(a * VROOM_SCALE, b * VROOM_SCALE)],
            )
        )
    started = time.perf_counter()
    solution = problem.solve(
        exploration_level=level, nb_threads=threads, timeout=timedelta(seconds=seconds)
    )
    elapsed = time.perf_counter() - started
    steps = solution.routes
    jobs = steps[steps["type"] == "job"]
    routes = [[int(j) for j in group["id"]] for _, group in jobs.groupby("vehicle_id", sort=True)]
    routes = [r for r in routes if r]
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": round(sum(route_distance(instance, r) for r in routes), 2),
        "routes": routes,
        "feasible": not check_solution(instance, routes),
        "seconds": round(elapsed, 2),
    }


def gap(distance: float, best: float) -> float:
    return 100.0 * (distance / best - 1.0)


def run(data: Path, names: list[str], seconds: float, single: bool) -> dict[str, Any]:
    bks = read_bks(data)
    rows: list[dict[str, Any]] = []
    for name in names:
        path = data / f"{name}.txt"
        ours = solve_solomon(path, seconds) if single else solve_solomon_portfolio(path, seconds)
        theirs = solve_vroom(read_solomon(path), seconds)
        rows.append(
            {
                "instance": name,
                "bks": bks[name],
                "ours": {
                    "vehicles": ours["vehicles"],
                    "distance": ours["distance"],
                    "gap": round(gap(ours["distance"], bks[name]), 2),
                    "feasible": ours["feasible"],
                    "seconds": ours["seconds"],
                    "runs": ours.get("runs", []),
                },
                "vroom": {
                    "vehicles": theirs["vehicles"],
                    "distance": theirs["distance"],
                    "gap": round(gap(theirs["distance"], bks[name]), 2),
                    "feasible": theirs["feasible"],
                    "seconds": theirs["seconds"],
                },
            }
        )
    summary: dict[str, Any] = {}
    for who in ("ours", "vroom"):
        gaps = [r[who]["gap"] for r in rows]
        summary[who] = {
            "mean_gap": round(sum(gaps) / len(gaps), 2) if gaps else math.nan,
            "max_gap": max(gaps) if gaps else math.nan,
            "all_feasible": all(r[who]["feasible"] for r in rows),
        }
    ours, vroom_ = summary["ours"], summary["vroom"]
    targets = {
        "all_feasible": ours["all_feasible"],
        f"mean_gap_le_{TARGET_MEAN}": ours["mean_gap"] <= TARGET_MEAN,
        f"max_gap_le_{TARGET_MAX}": ours["max_gap"] <= TARGET_MAX,
        "mean_gap_below_vroom": ours["mean_gap"] < vroom_["mean_gap"],
    }
    return {
        "seconds": seconds,
        "mode": "single" if single else "portfolio",
        "instances": rows,
        "summary": summary,
        "targets": targets,
        "targets_met": all(targets.values()),
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"Solomon VRPTW, {result['seconds']:g} s per instance, ours: {result['mode']}; "
        "gap to distmin_distance"
    )
    head = (
        f"{'instance':9}{'best':>9} | {'veh':>4}{'distance':>10}{'gap %':>7}{'ok':>4}{'s':>6}"
        f" | {'veh':>4}{'distance':>10}{'gap %':>7}{'ok':>4}{'s':>6}"
    )
    print(f"{'':18} | {'ours':^31} | {'VROOM':^31}")
    print(head)
    print("-" * len(head))
    for r in result["instances"]:
        cells = [f"{r['instance']:9}{r['bks']:9.2f}"]
        for who in ("ours", "vroom"):
            x = r[who]
            cells.append(
                f"{x['vehicles']:4d}{x['distance']:10.2f}{x['gap']:7.2f}"
                f"{'yes' if x['feasible'] else 'NO':>4}{x['seconds']:6.1f}"
            )
        print(" | ".join(cells))
    print("-" * len(head))
    s = result["summary"]
    for who, label in (("ours", "ours"), ("vroom", "VROOM")):
        print(
            f"{label:6} mean gap {s[who]['mean_gap']:.2f} %, max {s[who]['max_gap']:.2f} %, "
            f"all feasible: {'yes' if s[who]['all_feasible'] else 'NO'}"
        )
    t = result["targets"]
    print(
        "targets: "
        + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in t.items())
        + f" -> {'ALL MET' if result['targets_met'] else 'not all met'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per instance and solver")
    parser.add_argument("--instances", default=",".join(INSTANCES), help="comma-separated")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the Solomon files")
    parser.add_argument("--single", action="store_true", help="one process, default options")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    unknown = [n for n in names if not (args.data / f"{n}.txt").exists()]
    if unknown:
        parser.error(f"no instance file for {', '.join(unknown)} in {args.data}")
    result = run(args.data, names, args.seconds, args.single)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
