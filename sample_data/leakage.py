"""Synthetic DMA meter data for the sample city, with leaks and bursts of known start and size.

**Synthetic**: flows, pressures, bills and events are invented, from the sample city's customers
(``demand_m3d``) and DMAs. The truth (every injected event) is written beside the data so that
detection can be scored (``score_alarms``, used by ``benchmarks/leak_detection.py`` and the tests).

Files written to ``--out`` (default ``sample_data/leakage``):

| file | columns |
|---|---|
| ``meters.csv`` | ``meter, pipe, dma, from_dma`` — the DMA fed, and from where (empty: trunk) |
| ``flows.csv`` | ``time, meter, flow_m3h`` — 15-minute means, Kaifeng time |
| ``pressure.csv`` | ``time, dma, pressure_m`` — zone average pressure (AZP), 15-minute means |
| ``billing.csv`` | ``dma, start, end`` and the authorised volumes (see ``ops/leakage.py``) |
| ``usage.csv`` | ``customer, month, volume_m3, night_m3h`` — non-household monthly reads |
| ``plant_output.csv`` | ``date, plant, volume_m3`` — the plants' outlet meters, a day's volume |
| ``truth.json`` | injected bursts, leaks, pressure changes and enterprise anomalies |

The model: consumption = legitimate night use (1.7 l/h per household account, 8 l/h per other
account) + the rest of each customer's daily demand on a diurnal curve, with noise; background
leakage per DMA at an infrastructure leakage index of 2–6, scaled by pressure with the FAVAD
exponent N1 (0.9–1.3 per DMA); pressure = the DMA's night pressure minus a demand-driven
head loss; bursts are steps, leaks ramp up over days, a pressure-reducing-valve change raises a
DMA's pressure by a few metres (leakage follows; it is not a burst). Meter readings carry
0.5 % noise (electromagnetic meters); a second inlet carries 15 % of a DMA's inflow. The
plants' output is what the trunk mains deliver plus 1.5–3 % lost on the way.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ops.leakage import BurstAlarm

HERE = Path(__file__).resolve().parent
CITY = HERE / "kaifeng.gpkg"
STEP = dt.timedelta(minutes=15)
PER_DAY = 96
HOUSEHOLD_NIGHT_LH = 1.7
OTHER_NIGHT_LH = 8.0

# share of a day's consumption (after night use) in each hour; from 01:00 to 05:00 only the
# legitimate night use flows (what the analysis assumes), so night flow above it is leakage
_RES = [0.2, 0.0, 0.0, 0.0, 0.0, 0.8, 2.0, 2.6, 2.0, 1.4, 1.2, 1.3,
        1.5, 1.2, 1.0, 1.0, 1.1, 1.4, 1.9, 2.2, 1.9, 1.4, 0.9, 0.5]  # fmt: skip
_NON = [0.1, 0.0, 0.0, 0.0, 0.0, 0.3, 0.8, 1.5, 2.0, 2.2, 2.2, 2.0,
        1.6, 1.9, 2.1, 2.0, 1.8, 1.4, 0.9, 0.6, 0.4, 0.3, 0.2, 0.15]  # fmt: skip


@dataclass(frozen=True)
class Inlet:
    meter: str
    pipe: str
    dma: str
    from_dma: str | None


def dma_inlets(network: Any) -> list[Inlet]:
    """The open pipes that carry water into each DMA, and where from (None: a trunk main).

    A pipe of DMA ``d`` (or a trunk main) whose end node touches only pipes of another DMA, and
    that no normally-closed valve shuts, is an inlet of that other DMA."""
    dma = [None if d is None or d != d else str(d) for d in network.pipes.dma]
    incident: dict[int, list[int]] = defaultdict(list)
    for i, (a, b) in enumerate(zip(network.pipes.start, network.pipes.end, strict=True)):
        incident[int(a)].append(i)
        incident[int(b)].append(i)
    shut = set(network.valves.pipe[network.valves.normally_closed].tolist())
    found: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for p in range(len(network.pipes)):
        if p in shut:
            continue
        for node in (int(network.pipes.start[p]), int(network.pipes.end[p])):
            others = [dma[q] for q in incident[node] if q != p]
            if not others or any(o == dma[p] for o in others):
                continue
            into = Counter(o for o in others if o is not None).most_common(1)
            mine = dma[p]
            if mine is None and into:  # the end of a trunk main feeding a DMA
                found[str(into[0][0])].append((str(network.pipes.ids[p]), None))
            elif mine is not None:
                upstream = Counter(others).most_common(1)[0][0]
                found[mine].append((str(network.pipes.ids[p]), upstream))
    out = []
    for d in sorted(found):
        for k, (pipe, source) in enumerate(sorted(found[d])):
            out.append(Inlet(f"M-{d}-{k + 1}", pipe, d, source))
    return out


def _hourly(pattern: Sequence[float]) -> np.ndarray:
    per_step = np.repeat(np.asarray(pattern, dtype=float), 4)
    return per_step / per_step.sum()


def generate(
    out: Path,
    *,
    days: int = 56,
    start: dt.date = dt.date(2026, 9, 1),
    seed: int = 2022,
    bursts: int = 6,
    leaks: int = 3,
    pressure_changes: int = 2,
    city: Path = CITY,
) -> dict[str, Any]:
    """Write the files (see the module doc) and return the truth."""
    import geopandas as gpd

    from gis.io import read_network

    rng = np.random.default_rng(seed)
    network = read_network(city)
    customers = gpd.read_file(
        city, layer="customers", columns=["id", "pipe_id", "category", "accounts", "demand_m3d"]
    )
    pipe_dma = dict(zip(network.pipes.ids.tolist(), network.pipes.dma.tolist(), strict=True))
    customers["dma"] = customers["pipe_id"].map(pipe_dma)
    customers = customers[customers["dma"].notna()]
    dmas = sorted(network.dma_names)
    inlets = dma_inlets(network)
    n = days * PER_DAY
    times = [dt.datetime.combine(start, dt.time(0)) + k * STEP for k in range(n)]
    hour = (np.arange(n) % PER_DAY) / 4.0
    day_of = np.arange(n) // PER_DAY

    # consumption per DMA (m3/h), its night part, the customers' bills
    consumption: dict[str, np.ndarray] = {}
    residential: dict[str, float] = {}  # m3 used by households over the period
    households: dict[str, int] = {}
    for d in dmas:
        c = customers[customers["dma"] == d]
        res = c["category"] == "residential"
        hh = int(c.loc[res, "accounts"].sum())
        other = int(c.loc[~res, "accounts"].sum())
        households[d] = hh
        night = (hh * HOUSEHOLD_NIGHT_LH + other * OTHER_NIGHT_LH) / 1000.0  # m3/h
        daily_res = float(c.loc[res, "demand_m3d"].sum())
        daily_non = float(c.loc[~res, "demand_m3d"].sum())
        weekday = np.array([(start + dt.timedelta(days=int(k))).weekday() for k in day_of])
        non_factor = np.where(weekday >= 5, 0.55, 1.0)
        res_share = max(daily_res - night * 24 * hh / max(hh + other, 1), 0.0)
        non_share = max(daily_non - night * 24 * other / max(hh + other, 1), 0.0)
        flow = (
            night
            + res_share * 4 * np.tile(_hourly(_RES), days)
            + non_share * 4 * np.tile(_hourly(_NON), days) * non_factor
        )
        noise = 1.0 + 0.04 * rng.standard_normal(n)  # people are not a curve
        flow *= noise
        consumption[d] = np.maximum(flow, 0.0)
        res_flow = night * hh / max(hh + other, 1) + res_share * 4 * np.tile(_hourly(_RES), days)
        residential[d] = float((res_flow * noise).sum()) / 4.0

    # pressure and background leakage
    night_pressure = {d: float(rng.uniform(32.0, 48.0)) for d in dmas}
    n1 = {d: float(rng.uniform(0.9, 1.3)) for d in dmas}
    pressure: dict[str, np.ndarray] = {}
    peak = {d: float(np.percentile(consumption[d], 99)) for d in dmas}
    for d in dmas:
        headloss = 9.0 * (consumption[d] / peak[d]) ** 1.85
        pressure[d] = night_pressure[d] - headloss + 0.3 * rng.standard_normal(n)
    truth: dict[str, Any] = {"events": [], "pressure_changes": [], "enterprises": [], "seed": seed}
    for _ in range(pressure_changes):
        d = str(rng.choice(dmas))
        k = int(rng.integers(10, days - 5)) * PER_DAY + int(rng.integers(36, 64))  # daytime
        delta = float(rng.choice([-1, 1]) * rng.uniform(5.0, 9.0))
        pressure[d][k:] += delta
        truth["pressure_changes"].append(
            {"dma": d, "at": times[k].isoformat(timespec="minutes"), "delta_m": round(delta, 1)}
        )
    leakage: dict[str, np.ndarray] = {}
    for d in dmas:
        length_km = float(network.pipes.length_m[np.asarray(network.pipes.dma == d)].sum()) / 1000
        n_conn = int((customers["dma"] == d).sum())
        uarl_m3h = (
            (18 * length_km + 0.8 * n_conn + 25 * n_conn * 0.01) * night_pressure[d] / 1000 / 24
        )
        ili = float(rng.uniform(2.0, 6.0))
        leakage[d] = ili * uarl_m3h * (np.maximum(pressure[d], 1.0) / night_pressure[d]) ** n1[d]

    # bursts (steps) and leaks (ramps), in different DMAs and weeks where possible
    taken: list[tuple[str, int]] = []
    for kind, count in (("burst", bursts), ("leak", leaks)):
        for _ in range(count):
            for _attempt in range(100):  # one event per DMA in any 10 days: each can be scored
                d = str(rng.choice(dmas))
                k = int(rng.integers(8 * PER_DAY, (days - 6) * PER_DAY))
                if all(d != d2 or abs(k - k2) > 10 * PER_DAY for d2, k2 in taken):
                    break
            taken.append((d, k))
            base_night = float(np.median(consumption[d][: PER_DAY * 7][hour[: PER_DAY * 7] == 3.0]))
            size = float(rng.uniform(0.15, 0.6) * (base_night + float(leakage[d][k])))
            size = round(max(size, 1.0), 2)
            ramp_days = int(rng.integers(3, 8)) if kind == "leak" else 0
            end = None
            if kind == "burst" and rng.random() < 0.5:  # found and repaired a week or two later
                end = min(k + int(rng.integers(7, 15)) * PER_DAY, n)
            shape = np.zeros(n)
            if ramp_days:
                ramp = np.linspace(0.0, 1.0, ramp_days * PER_DAY)
                shape[k : k + len(ramp)] = ramp[: n - k]
                shape[k + len(ramp) :] = 1.0
            else:
                shape[k:] = 1.0
            if end is not None:
                shape[end:] = 0.0
            leakage[d] = (
                leakage[d]
                + size * shape * (np.maximum(pressure[d], 1.0) / night_pressure[d]) ** n1[d]
            )
            truth["events"].append(
                {
                    "dma": d,
                    "kind": kind,
                    "start": times[k].isoformat(timespec="minutes"),
                    "end": times[end].isoformat(timespec="minutes")
                    if end is not None and end < n
                    else None,
                    "size_m3h": size,
                    "ramp_days": ramp_days,
                }
            )
    truth["events"].sort(key=lambda e: e["start"])

    # DMA inflows → meter flows (second inlets carry a fixed share; loops solved linearly)
    own = {d: consumption[d] + leakage[d] for d in dmas}
    index = {d: i for i, d in enumerate(dmas)}
    feeds: dict[str, list[Inlet]] = defaultdict(list)
    for inlet in sorted(inlets, key=lambda i: (i.from_dma is not None, i.meter)):
        feeds[inlet.dma].append(inlet)  # a trunk main, where there is one, is the main inlet
    share = {}
    for lst in feeds.values():
        weights = (
            np.array([0.85] + [0.15 / (len(lst) - 1)] * (len(lst) - 1))
            if len(lst) > 1
            else np.ones(1)
        )
        for inlet, w in zip(lst, weights, strict=True):
            share[inlet.meter] = float(w)
    m = np.zeros((len(dmas), len(dmas)))
    for inlet in inlets:
        if inlet.from_dma is not None:
            m[index[inlet.from_dma], index[inlet.dma]] += share[inlet.meter]
    own_matrix = np.vstack([own[d] for d in dmas])
    total = np.linalg.solve(np.eye(len(dmas)) - m, own_matrix)  # inflow of every DMA
    flows = {
        inlet.meter: total[index[inlet.dma]]
        * share[inlet.meter]
        * (1 + 0.005 * rng.standard_normal(n))
        for inlet in inlets
    }

    out.mkdir(parents=True, exist_ok=True)
    with (out / "meters.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["meter", "pipe", "dma", "from_dma"])
        for inlet in inlets:
            w.writerow([inlet.meter, inlet.pipe, inlet.dma, inlet.from_dma or ""])
    stamps = [t.isoformat(timespec="minutes") for t in times]
    with (out / "flows.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "meter", "flow_m3h"])
        for k, stamp in enumerate(stamps):
            for inlet in inlets:
                w.writerow([stamp, inlet.meter, f"{flows[inlet.meter][k]:.3f}"])
    with (out / "pressure.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "dma", "pressure_m"])
        for k, stamp in enumerate(stamps):
            for d in dmas:
                w.writerow([stamp, d, f"{pressure[d][k]:.2f}"])

    # bills: metered customers under-register by 2-4 %; a little unbilled use (flushing, fire)
    end_date = start + dt.timedelta(days=days)
    with (out / "billing.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["dma", "start", "end", "billed_metered_m3", "billed_unmetered_m3",
             "unbilled_metered_m3", "unbilled_unmetered_m3", "residential_metered_m3"]
        )  # fmt: skip
        truth["under_registration"] = {}
        for d in dmas:
            used = float(consumption[d].sum()) / 4.0
            under = float(rng.uniform(0.02, 0.04))
            truth["under_registration"][d] = round(under, 5)
            billed = round(used * 0.99 * (1 - under))
            w.writerow([d, start.isoformat(), end_date.isoformat(), billed, 0, round(used * 0.004),
                        round(used * 0.006), round(residential[d] * (1 - under))])  # fmt: skip
    truth["meter_under_registration"] = "2-4 % of metered use"

    # non-household customers: 12 monthly reads; a few jump or start using water at night
    others = customers[customers["category"] != "residential"].reset_index(drop=True)
    anomalous = set(rng.choice(len(others), size=12, replace=False).tolist())
    months = [
        (end_date.replace(day=1) - dt.timedelta(days=31 * k)).replace(day=1)
        for k in range(11, -1, -1)
    ]
    with (out / "usage.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer", "month", "volume_m3", "night_m3h"])
        for i, row in others.iterrows():
            base = float(row["demand_m3d"]) * 30
            night = float(row["accounts"]) * OTHER_NIGHT_LH / 1000
            anomaly = ""
            if i in anomalous:
                anomaly = "jump" if len(truth["enterprises"]) % 2 == 0 else "night_use"
                truth["enterprises"].append({"customer": str(row["id"]), "kind": anomaly})
            for k, month in enumerate(months):
                volume = base * (1 + 0.08 * rng.standard_normal())
                night_use = night * (1 + 0.1 * rng.standard_normal())
                if anomaly == "jump" and k >= 10:
                    volume *= 1.8
                if anomaly == "night_use" and k >= 10:
                    night_use += max(0.3, 0.05 * base / 30 / 24 * 10)
                w.writerow([row["id"], month.isoformat()[:7], round(max(volume, 0.0), 1),
                            round(max(night_use, 0.0), 3)])  # fmt: skip
    # the plants' outlet meters (CJJ 92's total supply): what the trunk mains deliver to the DMA
    # inlets plus the trunk mains' own losses, a day's volume per plant (own random stream, so
    # that everything above stays as it was for a seed)
    plant_rng = np.random.default_rng([seed, 17])
    delivered = sum(
        (total[index[i.dma]] * share[i.meter] for i in inlets if i.from_dma is None),
        start=np.zeros(n),
    )
    trunk_share = float(plant_rng.uniform(0.015, 0.03))
    supplied = delivered * (1.0 + trunk_share)
    daily = supplied.reshape(days, PER_DAY).sum(axis=1) / 4.0  # m3 a day
    with (out / "plant_output.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "plant", "volume_m3"])
        for k, volume in enumerate(daily):
            day = (start + dt.timedelta(days=k)).isoformat()
            for plant, part in (("Plant 1 (west)", 0.6), ("Plant 2 (south)", 0.4)):
                read = volume * part * (1 + 0.005 * plant_rng.standard_normal())
                w.writerow([day, plant, f"{read:.1f}"])
    truth["plant_output_m3"] = round(float(daily.sum()), 1)
    truth["trunk_losses_m3"] = round(float((supplied - delivered).sum()) / 4.0, 1)
    truth["period"] = {"start": start.isoformat(), "days": days}
    truth["consumption_m3"] = {d: round(float(consumption[d].sum()) / 4.0, 1) for d in dmas}
    truth["real_losses_m3"] = {d: round(float(leakage[d].sum()) / 4.0, 1) for d in dmas}
    truth["n1"] = {d: round(v, 3) for d, v in n1.items()}
    truth["households"] = households
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


def score_alarms(
    alarms: Sequence[BurstAlarm], truth: Mapping[str, Any], *, within_days: int = 7
) -> dict[str, Any]:
    """Recall, false alarms and delay of ``alarms`` against the generator's truth: an event is
    found when an alarm in its DMA started within a day of it and came within ``within_days``."""
    events = list(truth["events"])
    used: set[int] = set()
    found, delays, size_errors = 0, [], []
    for e in events:
        start = dt.datetime.fromisoformat(e["start"])
        for i, a in enumerate(alarms):
            if i in used or a.dma != e["dma"]:
                continue
            lag = a.detected - start
            if dt.timedelta(0) <= lag <= dt.timedelta(days=within_days) and abs(
                (a.started - start.date()).days
            ) <= 2 + int(e.get("ramp_days", 0)):
                used.add(i)
                found += 1
                delays.append(lag.total_seconds() / 3600.0)
                size_errors.append(abs(a.size_m3h - e["size_m3h"]) / e["size_m3h"])
                break
    false = len(alarms) - len(used)
    return {
        "events": len(events),
        "found": found,
        "recall": found / len(events) if events else 1.0,
        "false_alarms": false,
        "median_delay_h": float(np.median(delays)) if delays else None,
        "max_delay_h": float(max(delays)) if delays else None,
        "median_size_error": float(np.median(size_errors)) if size_errors else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE / "leakage")
    p.add_argument("--days", type=int, default=56)
    p.add_argument("--seed", type=int, default=2022)
    args = p.parse_args(argv)
    truth = generate(args.out, days=args.days, seed=args.seed)
    events, changes = len(truth["events"]), len(truth["pressure_changes"])
    print(f"{args.out}: {events} events, {changes} pressure changes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
