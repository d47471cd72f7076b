"""The usual WNTR workflow, a new EPANET simulation per scenario: the reference the engine is
checked against and the benchmark's peer."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import wntr

from gis.hydraulics.errors import NotSolved
from gis.hydraulics.values import HydraulicState


def _run_epanet(wn: Any, source: str, what: str) -> Any:
    with tempfile.TemporaryDirectory(prefix="waterops-epanet-") as tmp:
        sim = wntr.sim.EpanetSimulator(wn)
        try:
            results = sim.run_sim(file_prefix=str(Path(tmp) / "run"), convergence_error=True)
        except Exception as exc:
            raise NotSolved(
                f"{source}: EPANET cannot solve {what} ({exc}): check the closed links, pump "
                "curves and valve settings in EPANET, or raise TRIALS in [OPTIONS]",
                code="hydraulic_not_solved",
                model=source,
                solving=what,
                error=str(exc),
            ) from exc
    return results


def run_separately(
    snapshot: Any, closed_links: Iterable[str] = (), source: str = "model"
) -> HydraulicState:
    """The usual WNTR workflow, one new simulation per scenario: copy the snapshot model, close
    the links, write a file and run EPANET on it (the reference and the benchmark's peer).
    A model of several periods (a window's, or one cut short to an hour of it) answers its
    last period."""
    wn = copy.deepcopy(snapshot)
    closed = frozenset(closed_links)
    for name in closed:
        link = wn.get_link(name)
        if getattr(link, "check_valve", False):
            link.check_valve = False  # WNTR writes a check-valve pipe CV, never Closed
        link.initial_status = wntr.network.LinkStatus.Closed
    results = _run_epanet(wn, source, f"the scenario closing {len(closed)} links")
    pressure = results.node["pressure"].iloc[-1]
    demand = results.node["demand"].iloc[-1]
    flow = results.link["flowrate"].iloc[-1]
    nodes = tuple(str(n) for n in pressure.index)
    expected = np.array([_expected_demand(wn, n) for n in nodes])
    return HydraulicState(
        node_ids=nodes,
        pressure_m=pressure.to_numpy(dtype=np.float64),
        demand_m3s=demand.to_numpy(dtype=np.float64),
        expected_m3s=expected,
        link_ids=tuple(str(n) for n in flow.index),
        flow_m3s=flow.to_numpy(dtype=np.float64),
        closed_links=closed,
    )


def run_window_separately(
    window: Any, closed_links: Iterable[str] = (), source: str = "model"
) -> tuple[HydraulicState, ...]:
    """The usual workflow through a window's model (:meth:`HydraulicModel.snapshot` with an
    ``end``): for each of its hours a new EPANET run from the window's start to that hour, the
    links closed throughout, answering that hour (the reference of
    :meth:`HydraulicEngine.solve_window`)."""
    out = []
    for k in range(int(window.options.time.duration) // 3600 + 1):
        upto = copy.deepcopy(window)
        upto.options.time.duration = k * 3600
        out.append(run_separately(upto, closed_links, source))
    return tuple(out)


def _expected_demand(wn: Any, name: str) -> float:
    node = wn.get_node(name)
    if node.node_type != "Junction":
        return 0.0
    t = int(wn.options.time.pattern_start) + int(wn.options.time.duration)
    default = wn.options.hydraulic.pattern
    fallback = wn.get_pattern(default) if default and default in wn.pattern_name_list else None
    total = 0.0
    for demand in node.demand_timeseries_list:
        pattern = demand.pattern or fallback
        total += float(demand.base_value) * (float(pattern.at(t)) if pattern else 1.0)
    return float(wn.options.hydraulic.demand_multiplier) * total
