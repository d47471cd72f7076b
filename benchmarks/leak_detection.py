"""Leak and burst detection on generated DMA meter data with known truth (issue 7).

For each seed, ``sample_data/leakage.py`` writes 56 days of 15-minute flows and pressures for the
sample city's 8 DMAs with bursts, growing leaks and pressure changes of known start and size;
``ops.leakage.analyse`` finds them. Printed: recall, false alarms per DMA-month, delay from the
start of the event to the alarm, the error of the estimated size, and the same for the baseline —
a fixed threshold on the raw minimum night flow (an alarm when a night is 20 % above the median
of the 7 before; no pressure correction, no cumulative sum), the rule many utilities start with.

    .venv/bin/python benchmarks/leak_detection.py [--seeds 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis.io import read_network  # noqa: E402  (after the path: run as a script)
from ops.leakage import BurstAlarm, LeakageReport, analyse  # noqa: E402
from sample_data.leakage import generate, score_alarms  # noqa: E402


def baseline_alarms(report: LeakageReport, rise: float = 0.2) -> list[BurstAlarm]:
    alarms = []
    for dma, frame in report.nightly.items():
        mnf = frame["mnf_m3h"].to_numpy()
        days = list(frame.index)
        quiet_until = -1
        for k in range(7, len(mnf)):
            base = float(np.median(mnf[k - 7 : k]))
            if k > quiet_until and mnf[k] > (1 + rise) * base:
                alarms.append(
                    BurstAlarm(
                        dma, dt.datetime.combine(days[k], dt.time(4)), days[k], mnf[k] - base, base
                    )
                )
                quiet_until = k + 7  # one alarm a week per DMA at most
    return alarms


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    args = p.parse_args()

    network = read_network(ROOT / "sample_data" / "kaifeng.gpkg")
    totals: dict[str, list[dict[str, Any]]] = {"ours": [], "baseline": []}
    elapsed = []
    dma_months = 0.0
    for seed in range(1, args.seeds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            generate(folder, seed=seed)
            truth = json.loads((folder / "truth.json").read_text())
            t0 = time.perf_counter()
            report = analyse(folder, network)
            elapsed.append(time.perf_counter() - t0)
            dma_months += len(report.nightly) * truth["period"]["days"] / 30.0
            ours = score_alarms(report.alarms, truth)
            base = score_alarms(baseline_alarms(report), truth)
            totals["ours"].append(ours)
            totals["baseline"].append(base)
            print(
                f"seed {seed:2d}: events {ours['events']:2d} | ours found {ours['found']:2d}, "
                f"false {ours['false_alarms']:2d} | baseline found {base['found']:2d}, "
                f"false {base['false_alarms']:2d}"
            )

    def summary(rows: list[dict]) -> dict[str, float]:
        events = sum(r["events"] for r in rows)
        found = sum(r["found"] for r in rows)
        false = sum(r["false_alarms"] for r in rows)
        delays = [r["median_delay_h"] for r in rows if r["median_delay_h"] is not None]
        sizes = [r["median_size_error"] for r in rows if r["median_size_error"] is not None]
        return {
            "recall": found / events,
            "false_per_dma_month": false / dma_months,
            "delay_h": float(np.median(delays)) if delays else float("nan"),
            "size_error": float(np.median(sizes)) if sizes else float("nan"),
            "events": events,
            "found": found,
            "false": false,
        }

    ours, base = summary(totals["ours"]), summary(totals["baseline"])
    print(f"== {args.seeds} seeds, {ours['events']} events, {dma_months:.0f} DMA-months")
    for name, s in (("ours (CUSUM, FAVAD-corrected)", ours), ("baseline (MNF +20 %)", base)):
        print(
            f"{name:31s} recall {s['recall']:.1%} ({s['found']}/{s['events']}) | false alarms "
            f"{s['false_per_dma_month']:.2f} per DMA-month ({s['false']}) | median delay "
            f"{s['delay_h']:.0f} h | median size error {s['size_error']:.0%}"
        )
    fa_ratio = (
        base["false_per_dma_month"] / ours["false_per_dma_month"] if ours["false"] else float("inf")
    )
    print(
        f"ratio vs baseline: recall x{ours['recall'] / base['recall']:.2f}, "
        f"false alarms /{fa_ratio:.1f} | analysis of 56 days x 8 DMAs: "
        f"{np.median(elapsed):.2f} s (median)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
