"""Pressure-reducing valves at a zone's inlets, and the day's pressures they give (EPANET 2.2).

A PRV is put on an inlet pipe at the node where the pipe enters the zone: the pipe's end at that
node moves to a new junction ``NODE~prv`` (same elevation and place) and a PRV joins that junction
to the node, of the pipe's diameter, with a fixed outlet pressure. The day is EPANET's own
extended-period run of the model (demand-driven, its patterns and tanks, hourly), through WNTR's
``EpanetSimulator`` with the run's options (the model itself is not changed).
``ops.leakage.pressure`` chooses the settings (``docs/leakage.md``, pressure management).
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import wntr

from gis.hydraulics import HydraulicError, HydraulicModel, NotSolved

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Inlet:
    """Where water enters a zone: the model's link (pipe) and its node inside the zone."""

    link: str
    node: str


@dataclass(frozen=True)
class DayPressures:
    """Pressures (m) and heads (m) of every node at each hour of the day (rows: hours 0-23),
    and the flow (m³/s) of every link."""

    node_ids: tuple[str, ...]
    hours: tuple[int, ...]
    pressure_m: FloatArray  # hours × nodes
    head_m: FloatArray  # hours × nodes
    link_ids: tuple[str, ...]
    flow_m3s: FloatArray  # hours × links

    def column(self, node: str) -> FloatArray:
        return self.pressure_m[:, self.node_ids.index(node)]


def prv_node(inlet: Inlet) -> str:
    """The junction upstream of the PRV at ``inlet``."""
    return f"{inlet.node}~prv"


def with_prvs(model: HydraulicModel, settings: Mapping[Inlet, float]) -> HydraulicModel:
    """A copy of ``model`` with a PRV at each inlet, its outlet pressure ``settings[inlet]`` (m).

    Raises :class:`gis.hydraulics.HydraulicError` for an inlet the model does not have (a link
    that does not end at its node)."""
    wn = copy.deepcopy(model.wn)
    at_node: dict[str, float] = {}
    for inlet, setting in settings.items():
        if inlet.link not in wn.link_name_list or inlet.node not in wn.node_name_list:
            raise HydraulicError(
                f"{model.source}: no link {inlet.link!r} at node {inlet.node!r} for a PRV: "
                "the inlet must be a pipe of the model ending at the zone's node",
                code="prv_no_inlet",
                model=model.source,
                link=inlet.link,
                node=inlet.node,
            )
        pipe = wn.get_link(inlet.link)
        if inlet.node not in (pipe.start_node_name, pipe.end_node_name):
            raise HydraulicError(
                f"{model.source}: link {inlet.link!r} does not end at node {inlet.node!r}",
                code="prv_link_not_at_node",
                model=model.source,
                link=inlet.link,
                node=inlet.node,
            )
        if not setting >= 0:
            raise HydraulicError(
                f"PRV setting {setting} m at {inlet.link}: give 0 m or more",
                code="prv_setting_negative",
                setting=setting,
                link=inlet.link,
            )
        upstream = prv_node(inlet)
        if inlet.node not in at_node:  # inlets entering at one node share one PRV (EPANET
            node = wn.get_node(inlet.node)  # refuses two valves at a node)
            wn.add_junction(
                upstream,
                base_demand=0.0,
                elevation=float(node.elevation),
                coordinates=node.coordinates,
            )
        at_node[inlet.node] = max(at_node.get(inlet.node, 0.0), float(setting))
        start, end = pipe.start_node_name, pipe.end_node_name
        params = (
            float(pipe.length),
            float(pipe.diameter),
            float(pipe.roughness),
            float(pipe.minor_loss),
            "OPEN" if pipe.initial_status != wntr.network.LinkStatus.Closed else "CLOSED",
            bool(pipe.check_valve),
        )
        wn.remove_link(inlet.link)
        if end == inlet.node:
            wn.add_pipe(inlet.link, start, upstream, *params)
        else:
            wn.add_pipe(inlet.link, upstream, end, *params)
    for node_name, setting in at_node.items():
        diameter = max(float(wn.get_link(i.link).diameter) for i in settings if i.node == node_name)
        wn.add_valve(
            f"PRV~{node_name}", f"{node_name}~prv", node_name, diameter, "PRV", 0.0, setting
        )
    return HydraulicModel(
        wn,
        source=model.source,
        valve_links=model.valve_links,
        customer_nodes=model.customer_nodes,
    )


def set_prv_settings(prv_model: HydraulicModel, settings: Mapping[Inlet, float]) -> None:
    """Change, in place, the outlet pressures (m) of the PRVs :func:`with_prvs` put in
    ``prv_model`` (inlets entering at one node: their highest), so that one copy of the model
    serves every trial setting (copying the city's model is most of a run's time)."""
    at_node: dict[str, float] = {}
    for inlet, setting in settings.items():
        if not setting >= 0:
            raise HydraulicError(
                f"PRV setting {setting} m at {inlet.link}: give 0 m or more",
                code="prv_setting_negative",
                setting=setting,
                link=inlet.link,
            )
        at_node[inlet.node] = max(at_node.get(inlet.node, 0.0), float(setting))
    for node_name, setting in at_node.items():
        name = f"PRV~{node_name}"
        if name not in prv_model.wn.link_name_list:
            raise HydraulicError(
                f"{prv_model.source}: no PRV at node {node_name!r}",
                code="prv_not_at_node",
                model=prv_model.source,
                node=node_name,
            )
        prv_model.wn.get_link(name).initial_setting = setting


def day_pressures(model: HydraulicModel, hours: Sequence[int] = tuple(range(24))) -> DayPressures:
    """EPANET's extended-period run of ``model`` (demand-driven, hourly) over ``hours`` (hours
    from the model's start; the run lasts to the last of them). The model is neither changed
    nor copied (copying the city's model was most of a run's time).

    Raises :class:`gis.hydraulics.NotSolved` when EPANET cannot solve the run."""
    # the run's options on a shallow copy: the model's nodes and links are shared (read only),
    # its options are its own, so the model is not changed and not copied
    wn = copy.copy(model.wn)
    wn._options = copy.deepcopy(model.wn.options)
    opts = wn.options
    last = max(hours)
    opts.time.duration = int(last) * 3600
    opts.time.report_timestep = 3600
    opts.time.hydraulic_timestep = min(3600, int(opts.time.hydraulic_timestep))
    opts.quality.parameter = "NONE"
    opts.hydraulic.demand_model = "DDA"
    with tempfile.TemporaryDirectory(prefix="waterops-prv-") as tmp:
        try:
            results: Any = wntr.sim.EpanetSimulator(wn).run_sim(
                file_prefix=str(Path(tmp) / "day"), version=2.2
            )
        except Exception as exc:  # WNTR raises EpanetException and others on a failed run
            raise NotSolved(
                f"{model.source}: EPANET cannot solve the day with the PRVs ({exc}): check the "
                "settings (a PRV set above what reaches it) and the model in EPANET",
                code="prv_not_solved",
                model=model.source,
                error=str(exc),
            ) from exc
    pressure = results.node["pressure"]
    head = results.node["head"]
    flow = results.link["flowrate"]
    times = [int(h) * 3600 for h in hours]
    missing = [t for t in times if t not in pressure.index]
    if missing:
        raise HydraulicError(
            f"{model.source}: the run has no result at hour {missing[0] / 3600:g}",
            code="hydraulic_hour_missing",
            model=model.source,
            hour=missing[0] / 3600,
        )
    return DayPressures(
        node_ids=tuple(str(n) for n in pressure.columns),
        hours=tuple(int(h) for h in hours),
        pressure_m=pressure.loc[times].to_numpy(dtype=float),
        head_m=head.loc[times].to_numpy(dtype=float),
        link_ids=tuple(str(k) for k in flow.columns),
        flow_m3s=flow.loc[times].to_numpy(dtype=float),
    )
