"""The hydraulic impact of an isolation: the PDD run with its valves closed, at an hour or through
an outage window; the customers below the service pressure and the demand not served."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from gis.hydraulics.engine import HydraulicEngine, engine_for
from gis.hydraulics.errors import HydraulicError
from gis.hydraulics.model import HydraulicModel
from gis.hydraulics.values import BoolArray, HydraulicState, PressureSettings
from gis.isolation import (
    CustomerImpact,
    IsolationPlan,
    customer_summary,
    neighbourhoods_of,
    streets_of,
)
from gis.network import Network


@dataclass(frozen=True)
class NodeService:
    """A junction with a demand at the hour: its pressure and demand, normally and with the
    valves closed (m, m³/h)."""

    node_id: str
    pressure_before_m: float
    pressure_m: float
    expected_m3h: float
    served_before_m3h: float
    served_m3h: float
    cut_off: bool  # topologically: no path of open links to a source, the valves closed
    below_service: bool
    # over an outage window: the hour of the lowest pressure (pressure_m, and pressure_before_m
    # at that hour) and of the lowest share served (the demands are that hour's); None: one hour
    pressure_hour: float | None = None
    share_hour: float | None = None

    @property
    def share_served(self) -> float:
        """Served over asked, at most 1 (EPANET 2.2's PDD serves a hair more than asked above
        the full-service pressure, about 1e-8 m³/s per metre: its regularisation)."""
        if self.expected_m3h <= 0:
            return 1.0
        return min(1.0, max(0.0, self.served_m3h / self.expected_m3h))

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node_id,
            "pressure_before_m": round(self.pressure_before_m, 3),
            "pressure_m": round(self.pressure_m, 3),
            "expected_m3h": round(self.expected_m3h, 4),
            "served_m3h": round(self.served_m3h, 4),
            "share_served": round(self.share_served, 4),
            "cut_off": self.cut_off,
            "below_service": self.below_service,
            **(
                {"pressure_hour": self.pressure_hour, "share_hour": self.share_hour}
                if self.pressure_hour is not None
                else {}
            ),
        }


@dataclass(frozen=True)
class LowPressure:
    """Who is below the service pressure with the valves closed, beyond those cut off: the
    customers summarised as an isolation plan's cut-off ones are (by category, the critical
    ones named), the streets and the DMAs (neighbourhoods) of the pipes serving them, longest
    first (issue 17: the reduced-pressure area named, not only counted)."""

    customers: CustomerImpact
    streets: tuple[str, ...]
    neighbourhoods: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.customers.total,
            "accounts": self.customers.accounts,
            "by_category": dict(self.customers.by_category),
            "critical": [c.to_dict() for c in self.customers.critical],
            "streets": list(self.streets),
            "neighbourhoods": list(self.neighbourhoods),
        }


def low_pressure_of(network: Network, customers: npt.NDArray[np.int64]) -> LowPressure:
    """The summary of the customers of the given indices (into ``network.customers``)."""
    pipes = np.unique(network.customers.pipe[customers])
    pipes = pipes[pipes >= 0]
    return LowPressure(
        customers=customer_summary(network, customers),
        streets=streets_of(network, pipes),
        neighbourhoods=neighbourhoods_of(network, pipes),
    )


@dataclass(frozen=True)
class HydraulicImpact:
    """What closing an isolation plan's valves does hydraulically at one hour, or through an
    outage window (``end_hour`` not None: the run of its ``hours``, :func:`window_impact`).

    ``below_service`` are the junctions with a demand that are not cut off topologically and
    whose pressure with the valves closed is below the service pressure (at any hour of the
    window); ``newly_below_service`` those of them that were at or above it normally (at such
    an hour). Demands in m³/h at the hour (over a window: the mean rate over its hours).
    """

    hour: float
    service_pressure_m: float
    closed_links: tuple[str, ...]
    left_open: tuple[str, ...]  # pipes of bypassed valves and of valves that need not close
    nodes: tuple[NodeService, ...]  # empty when asked without them
    cut_off_nodes: tuple[str, ...]  # no open path to a source at the hour, valves closed
    below_service: tuple[str, ...]
    newly_below_service: tuple[str, ...]
    customers_below_service: tuple[str, ...]  # customer ids at those nodes
    expected_m3h: float
    served_before_m3h: float
    served_m3h: float
    not_served_cut_off_m3h: float  # of the demand served normally, at the cut-off nodes
    not_served_low_pressure_m3h: float  # … and at the others (low pressure)
    warnings: tuple[str, ...] = ()
    customer_nodes: tuple[tuple[str, str], ...] = ()  # (customer id, node id) drawing there
    end_hour: float | None = None  # the window's end (exclusive); None: the snapshot of hour
    hours: tuple[float, ...] = ()  # the window's hours solved
    low_pressure: LowPressure | None = None  # customers_below_service summarised; with nodes

    @property
    def not_served_m3h(self) -> float:
        return self.served_before_m3h - self.served_m3h

    @property
    def not_served_m3(self) -> float:
        """The volume not served: over the window's hours, else in the hour."""
        return self.not_served_m3h * max(1, len(self.hours))

    def customers(self) -> list[tuple[str, NodeService]]:
        """Per customer drawing from a node with a demand at the hour: its node's service (for
        an EPANET file, a customer is such a junction)."""
        by_node = {n.node_id: n for n in self.nodes}
        return [(c, by_node[n]) for c, n in self.customer_nodes if n in by_node]

    def to_dict(self, listed: str = "all") -> dict[str, Any]:
        """The impact as JSON. ``listed`` ``below``: the per-node and per-customer rows of the
        nodes cut off or below the service pressure only (the totals and id lists whole): the
        compact answer, a few kB where every row of the sample city is 2.7 MB. ``only``: the
        customers only, every one with its pressure and share served (no node rows, no other
        column; the totals and id lists whole): a quarter of the full answer's bytes."""
        if listed not in ("all", "below", "only"):
            raise HydraulicError(f"listed {listed!r}: use all, below or only")

        def shown(n: NodeService) -> bool:
            return listed == "all" or n.cut_off or n.below_service

        window = (
            {
                "end_hour": self.end_hour,
                "hours": list(self.hours),
                "not_served_m3": round(self.not_served_m3, 3),
            }
            if self.end_hour is not None
            else {}
        )
        return {
            "hour": self.hour,
            **window,
            "listed": listed,
            "service_pressure_m": round(self.service_pressure_m, 3),
            "closed_links": list(self.closed_links),
            "left_open": list(self.left_open),
            "cut_off_nodes": list(self.cut_off_nodes),
            "below_service": list(self.below_service),
            "newly_below_service": list(self.newly_below_service),
            "customers_below_service": list(self.customers_below_service),
            "expected_m3h": round(self.expected_m3h, 3),
            "served_before_m3h": round(self.served_before_m3h, 3),
            "served_m3h": round(self.served_m3h, 3),
            "not_served_m3h": round(self.not_served_m3h, 3),
            "not_served_cut_off_m3h": round(self.not_served_cut_off_m3h, 3),
            "not_served_low_pressure_m3h": round(self.not_served_low_pressure_m3h, 3),
            **({"low_pressure": self.low_pressure.to_dict()} if self.low_pressure else {}),
            **(
                {"customers": [_customer_service(c, n) for c, n in self.customers()]}
                if listed == "only"
                else {
                    "nodes": [n.to_dict() for n in self.nodes if shown(n)],
                    "customers": [
                        {"customer": c, **n.to_dict()} for c, n in self.customers() if shown(n)
                    ],
                }
            ),
            "warnings": list(self.warnings),
        }


def _customer_service(customer: str, node: NodeService) -> dict[str, Any]:
    """A customer's row of the customers-only answer: its node's pressure and share served
    with the valves closed (cut off: both 0), and over a window the hours they are of."""
    return {
        "customer": customer,
        "pressure_m": round(node.pressure_m, 3),
        "share_served": round(node.share_served, 4),
        **(
            {"pressure_hour": node.pressure_hour, "share_hour": node.share_hour}
            if node.pressure_hour is not None
            else {}
        ),
    }


def plan_closures(
    plan: IsolationPlan, link_of: Callable[[str, str], str] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The links an isolation plan closes (the pipes of its valves to close) and those it leaves
    open (bypassed valves, valves that need not close), each once, in the plan's order.
    ``link_of`` (:meth:`HydraulicModel.link_of`) names the model's link of a valve (pipe, node)
    when the model splits pipes."""

    def link(v: Any) -> str:
        return v.pipe_id if link_of is None else link_of(v.pipe_id, v.node_id)

    closed = tuple(dict.fromkeys(link(v) for v in plan.valves_to_close))
    open_ = tuple(
        p
        for p in dict.fromkeys(link(v) for v in (*plan.bypassed_valves, *plan.valves_not_needed))
        if p not in closed
    )
    return closed, open_


def cut_off_nodes(plan: IsolationPlan) -> set[str]:
    """The nodes an isolation plan leaves with no path to a source: the shut area (unless a
    source is inside it: see :attr:`IsolationPlan.isolated_from_sources`) and the unintended."""
    shut = set(plan.isolated_nodes) if plan.isolated_from_sources else set()
    return shut | set(plan.unintended_nodes)


def isolation_impact(
    engine: HydraulicEngine,
    network: Network,
    plan: IsolationPlan,
    *,
    normal: HydraulicState | None = None,
    solve: Any = None,
    with_nodes: bool = True,
) -> HydraulicImpact:
    """The hydraulic impact of closing ``plan``'s valves at the engine's hour.

    ``normal`` is the run with every valve open (computed when not given: pass it when asking
    about many plans). ``solve`` replaces ``engine.solve`` (the benchmark passes the usual
    workflow, a new simulation per scenario). ``with_nodes=False`` leaves
    :attr:`HydraulicImpact.nodes` empty and :attr:`~HydraulicImpact.low_pressure` None (the
    totals and the lists of ids are kept): a third of the time of an impact on Net6 goes into
    them.
    """
    run = engine.solve if solve is None else solve
    if normal is None:
        normal = run(())
    closed, left_open = plan_closures(plan, engine.model.link_of)
    state = run(closed)
    return _impact(engine, network, plan, normal, state, closed, left_open, with_nodes)


def window_impact(
    engine: HydraulicEngine,
    network: Network,
    plan: IsolationPlan,
    *,
    normal: Sequence[HydraulicState] | None = None,
    solve: Any = None,
    with_nodes: bool = True,
) -> HydraulicImpact:
    """The hydraulic impact of closing ``plan``'s valves through the engine's outage window
    (``engine_for(..., end=)``): its extended-period run with the valves closed from the
    window's start, tank levels evolving, per node the lowest pressure and the lowest share of
    demand served over the window's hours and the hour of each; below the service pressure is
    below it at any hour. ``normal`` (the window with every valve open, computed when not
    given) and ``solve`` (closed links -> the window's states) as :func:`isolation_impact`."""
    run = engine.solve_window if solve is None else solve
    if normal is None:
        normal = run(())
    closed, left_open = plan_closures(plan, engine.model.link_of)
    states = run(closed)
    return _impact(engine, network, plan, normal, states, closed, left_open, with_nodes)


def _impact(
    engine: HydraulicEngine,
    network: Network,
    plan: IsolationPlan,
    normal: HydraulicState | Sequence[HydraulicState],
    state: HydraulicState | Sequence[HydraulicState],
    closed: tuple[str, ...],
    left_open: tuple[str, ...],
    with_nodes: bool = True,
) -> HydraulicImpact:
    """The impact of one hour's solve or of a window's (a state per hour: each node at its
    worst hour, the totals the mean rate over the hours)."""
    normals = (normal,) if isinstance(normal, HydraulicState) else tuple(normal)
    states = (state,) if isinstance(state, HydraulicState) else tuple(state)
    window = engine.end is not None and not isinstance(state, HydraulicState)
    hours = np.array(engine.hours if window else (engine.hour,), dtype=np.float64)
    if len(states) != len(hours) or len(normals) != len(hours):
        raise HydraulicError(f"{len(states)} solves for {len(hours)} hours of the window")
    service = engine.settings.service_head_m
    per_hour = 3600.0
    steps = len(states)
    expected = np.stack([s.expected_m3s for s in states])  # hour x node
    pressure = np.stack([s.pressure_m for s in states])
    before = np.stack([s.pressure_m for s in normals])
    demand_at = expected > 0
    demand = demand_at.any(axis=0)
    ids = np.array(states[0].node_ids, dtype=object)
    cut = ~engine.fed(closed)
    planned = np.zeros(len(ids), dtype=bool)
    planned[engine.node_positions(cut_off_nodes(plan))] = True
    below_at = demand_at & ~cut & (pressure < service)
    below: BoolArray = np.asarray(below_at.any(axis=0))
    newly: BoolArray = np.asarray((below_at & (before >= service)).any(axis=0))
    served_before = np.where(demand_at, np.stack([s.demand_m3s for s in normals]), 0.0)
    # EPANET keeps a closed link's conductance at 1e-8, not 0: a node cut off shows a residue
    # of about 1e-4 of its demand at a pressure of about 1e-7 m, and a part without demand an
    # undefined head between its neighbours'. It gets no water, at no pressure.
    served = np.where(demand_at & ~cut, np.stack([s.demand_m3s for s in states]), 0.0)
    lost = served_before - served
    if with_nodes and steps > 1:
        # each node's worst hour: of the lowest pressure and of the lowest share served, among
        # the hours it asks for water
        low_at = np.argmin(np.where(demand_at, pressure, np.inf), axis=0)
        share = np.where(
            demand_at, np.clip(served / np.where(demand_at, expected, 1.0), 0.0, 1.0), np.inf
        )
        short_at = np.argmin(share, axis=0)
    else:  # one hour (or no rows): every node's worst is it
        low_at = short_at = np.zeros(len(ids), dtype=np.int64)

    def row(i: int) -> NodeService:
        j, k = int(low_at[i]), int(short_at[i])
        return NodeService(
            node_id=str(ids[i]),
            pressure_before_m=float(before[j, i]),
            pressure_m=0.0 if cut[i] else float(pressure[j, i]),
            expected_m3h=float(expected[k, i] * per_hour),
            served_before_m3h=float(served_before[k, i] * per_hour),
            served_m3h=float(served[k, i] * per_hour),
            cut_off=bool(cut[i]),
            below_service=bool(below[i]),
            pressure_hour=float(hours[j]) if window else None,
            share_hour=float(hours[k]) if window else None,
        )

    nodes = tuple(row(int(i)) for i in (np.flatnonzero(demand) if with_nodes else ()))
    asked = expected * demand_at
    customers = network.customers
    at_node = engine.customer_positions(network)  # -1: not placed in the model
    placed = at_node >= 0
    at_low = placed & below[np.maximum(at_node, 0)]
    warnings = list(dict.fromkeys(w for st in states for w in st.warnings))
    if engine.changed_links:
        shown = ", ".join(engine.changed_links[:5])
        warnings.append(
            f"at hour {engine.hour:g} the controls have changed links {shown}"
            f"{' …' if len(engine.changed_links) > 5 else ''} from the file's initial status: "
            "the isolation plan's topology has the initial status, the run the hour's"
        )
    if not plan.isolated_from_sources:
        warnings.append(
            "the shut area holds a source (a tank or reservoir): the run feeds it from there, "
            "as it would be until that source's outlet is shut"
        )
    fed_anyway = ids[planned & ~cut]
    if len(fed_anyway):
        warnings.append(
            f"{len(fed_anyway)} nodes the plan counts as cut off have a path to a source at "
            f"hour {engine.hour:g} (e.g. {fed_anyway[0]}): the run feeds them"
        )
    unknown = {n for n in plan.isolated_nodes if n not in engine.node_position}
    if unknown:
        warnings.append(
            f"{len(unknown)} nodes of the plan are not in the hydraulic model (e.g. "
            f"{sorted(unknown)[0]}): the network and the model differ"
        )
    return HydraulicImpact(
        hour=engine.hour,
        end_hour=engine.end if window else None,
        hours=tuple(float(h) for h in hours) if window else (),
        service_pressure_m=service,
        closed_links=closed,
        left_open=left_open,
        nodes=nodes,
        cut_off_nodes=tuple(str(n) for n in ids[cut]),
        below_service=tuple(str(n) for n in ids[below]),
        newly_below_service=tuple(str(n) for n in ids[newly]),
        customers_below_service=tuple(str(c) for c in customers.ids[at_low]),
        # not for the criticality's many runs without rows: a few ms each on the sample city
        low_pressure=low_pressure_of(network, np.flatnonzero(at_low)) if with_nodes else None,
        expected_m3h=float(asked.sum() * per_hour / steps),
        served_before_m3h=float(served_before.sum() * per_hour / steps),
        served_m3h=float(served.sum() * per_hour / steps),
        not_served_cut_off_m3h=float(lost[:, cut].sum() * per_hour / steps),
        not_served_low_pressure_m3h=float(lost[:, ~cut].sum() * per_hour / steps),
        warnings=tuple(warnings),
        customer_nodes=(
            tuple(
                (str(c), str(ids[n]))
                for c, n, has in zip(customers.ids, at_node, placed, strict=True)
                if has
            )
            if with_nodes
            else ()
        ),
    )


def inp_isolation_impact(
    inp: str | Path,
    network: Network,
    plan: IsolationPlan,
    hour: float = 0.0,
    settings: PressureSettings = PressureSettings(),
) -> HydraulicImpact:
    """The hydraulic impact of an isolation plan of a network read from an EPANET file, with
    that file's model: what ``waterops isolate … --hydraulic`` calls for EPANET input."""
    with engine_for(HydraulicModel.from_inp(inp), network, hour, settings) as engine:
        return isolation_impact(engine, network, plan)
