"""The lower bound of benchmarks/emergency.py is a bound: neither the baseline dispatcher nor
our solver gets below it, on real bursts of the sample city."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import pytest

from gis.io import read_network
from gis.isolation import isolator_for
from ops.calendar import WorkCalendar
from ops.dispatch import plan_day
from ops.io import read_roster
from ops.repairs import RepairReport, Severity, open_repair
from routing.travel import RoadNetwork
from sample_data.busy_day import ORDINARY, ROSTER, busy_day

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
DAY = dt.date(2026, 12, 3)  # a working day
PIPES = ("P000326", "P001640", "P000945", "P000229")  # DN >= 100, from the benchmark's bursts


def _emergency() -> ModuleType:
    spec = importlib.util.spec_from_file_location("emergency", ROOT / "benchmarks/emergency.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["emergency"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    network = read_network(SAMPLE)
    isolator = isolator_for(network)
    ctx = argparse.Namespace(
        travel=RoadNetwork(gpd.read_file(SAMPLE, layer="roads")),
        roster=read_roster(ROSTER),
        calendar=WorkCalendar(),
    )
    jobs, links, repairs = busy_day(isolator, 2022, DAY, **ORDINARY)
    plan = plan_day(
        DAY, jobs, links, ctx.roster, ctx.calendar, repairs=repairs, travel=ctx.travel, seconds=4
    )
    scenario = {"kind": "working day", "load": "ordinary", "jobs": jobs, "links": links,
                "repairs": repairs, "plan": plan}  # fmt: skip
    return {"bench": _emergency(), "isolator": isolator, "ctx": ctx, "scenario": scenario}


def _burst(world: dict[str, Any], k: int, at: dt.time) -> tuple[Any, dt.datetime]:
    reported = dt.datetime.combine(DAY, at)
    report = RepairReport(f"T-B{k}", reported, Severity.BURST, PIPES[k])
    return open_repair(report, world["isolator"]), reported


@pytest.mark.slow
@pytest.mark.parametrize(
    ("k", "at"),
    [(0, dt.time(4, 32)), (1, dt.time(8, 24)), (2, dt.time(16, 28)), (3, dt.time(21, 4))],
)
def test_baseline_never_below_the_bound(world: dict[str, Any], k: int, at: dt.time) -> None:
    bench, ctx, scenario = world["bench"], world["ctx"], world["scenario"]
    case, reported = _burst(world, k, at)
    baseline = bench.Baseline(ctx)
    bound = bench.lower_bound(baseline.crews_at(scenario, reported), case, reported, ctx)
    theirs = baseline.run(scenario, case, reported)
    assert bound.planned and theirs.planned
    assert bound.first <= theirs.first + 1e-9
    assert bound.isolated <= theirs.isolated + 1e-9
    assert bound.isolated > 0  # closing a valve takes time
    if theirs.whole:
        assert bound.whole
        assert bound.back <= theirs.back + 1e-9
        assert bound.customer_hours <= theirs.customer_hours + 1e-9
        # the repair itself is in the bound: water back no sooner than isolation + repair
        repair = next(j for j in case.jobs if j.kind.name == "REPAIR")
        assert bound.back >= bound.isolated + repair.duration.total_seconds() / 3600 - 1e-9


@pytest.mark.slow
@pytest.mark.parametrize(("k", "at"), [(1, dt.time(8, 24)), (3, dt.time(21, 4))])
def test_our_plan_never_below_the_bound(world: dict[str, Any], k: int, at: dt.time) -> None:
    bench, ctx, scenario = world["bench"], world["ctx"], world["scenario"]
    case, reported = _burst(world, k, at)
    bound = bench.lower_bound(bench.Baseline(ctx).crews_at(scenario, reported), case, reported, ctx)
    mine = bench.ours(scenario, case, reported, 3.0, ctx)
    assert mine.planned
    assert bound.isolated <= mine.isolated + 1e-9
    if mine.whole:
        assert bound.back <= mine.back + 1e-9


@pytest.mark.slow
def test_the_console_path_calls_out_the_on_call_crews_at_night(world: dict[str, Any]) -> None:
    """``--path replan``: the published plan (stored and read back) re-planned at the burst's
    report, as the console's Emergency does. Before f926e81 that path left a night burst to the
    08:00 shift (isolated 3.9 h after this 04:32 report); it is shut by on-call crews at night."""
    bench, ctx, scenario = world["bench"], world["ctx"], world["scenario"]
    case, reported = _burst(world, 0, dt.time(4, 32))
    bound = bench.lower_bound(bench.Baseline(ctx).crews_at(scenario, reported), case, reported, ctx)
    mine = bench.console(scenario, case, reported, 3.0, ctx)
    assert mine.planned
    assert bound.isolated <= mine.isolated + 1e-9
    assert mine.isolated <= 2.0  # hours: at night, not after the 08:00 shift
