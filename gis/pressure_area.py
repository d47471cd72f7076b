"""The reduced-pressure area of an isolation: where customers still have a path to a source but
fall below the service pressure once the valves are closed (issue 17, docs/hydraulics.md).

The polygon is drawn as the shut area's is (:mod:`gis.area`): a corridor around every pipe that
serves such customers, one union, simplified, in WGS84 GeoJSON. The pipes are those with a
junction below the service pressure at an end, or whose middle node (the model built from GIS
layers draws a pipe's customers there, ``PIPE~m``) is below it, or that serve a customer below
it; the pipes of the shut area and those cut off unintentionally are left out (they are the
shut-area polygon's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gis.area import affected_area
from gis.hydraulics import HydraulicImpact
from gis.isolation import IsolationPlan
from gis.network import Network

MIDDLE = "~m"  # gis.hydraulic_model's middle junction of a pipe with customers: ``PIPE~m``


@dataclass(frozen=True)
class PressureArea:
    """The reduced-pressure area of one isolation's hydraulic impact."""

    pipes: tuple[str, ...]  # pipes serving customers below the service pressure, not cut off
    nodes: int  # junctions with a demand below the service pressure beyond those cut off
    customers: int  # customers at those junctions
    area: dict[str, Any] | None  # WGS84 GeoJSON Polygon/MultiPolygon; None: nothing or no map

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipes": list(self.pipes),
            "nodes": self.nodes,
            "customers": self.customers,
            "area": self.area,
        }


def customers_newly_below(impact: HydraulicImpact) -> tuple[str, ...]:
    """The customers at the junctions the closure brings below the service pressure (they were
    at or above it normally), in the impact's order: those an outage notice warns. Needs the
    impact with its nodes (``with_nodes``, the default)."""
    newly = set(impact.newly_below_service)
    return tuple(c for c, n in impact.customer_nodes if n in newly)


def reduced_pressure_pipes(
    network: Network, impact: HydraulicImpact, plan: IsolationPlan, *, newly: bool = False
) -> npt.NDArray[np.int64]:
    """Indices of the pipes of the reduced-pressure area (sorted, each once); ``newly``: of
    the junctions and customers the closure brings below the service pressure only."""
    pipes = network.pipes
    below = np.array(impact.newly_below_service if newly else impact.below_service, dtype=object)
    if len(below) == 0:
        return np.zeros(0, dtype=np.int64)
    at_node = np.isin(network.nodes.ids, below)
    selected = at_node[pipes.start] | at_node[pipes.end]
    middles = [b[: -len(MIDDLE)] for b in below.tolist() if str(b).endswith(MIDDLE)]
    if middles:
        selected |= np.isin(pipes.ids, np.array(middles, dtype=object))
    customers = network.customers
    low_ids = customers_newly_below(impact) if newly else impact.customers_below_service
    low = np.isin(customers.ids, np.array(low_ids, dtype=object))
    on_pipe = customers.pipe[low & (customers.pipe >= 0)]
    selected[on_pipe] = True
    shut = np.array([*plan.isolated_pipes, *plan.unintended_pipes], dtype=object)
    if len(shut):
        selected &= ~np.isin(pipes.ids, shut)
    return np.flatnonzero(selected).astype(np.int64)


def reduced_pressure_area(
    network: Network,
    impact: HydraulicImpact,
    plan: IsolationPlan,
    *,
    buffer_m: float = 25.0,
    newly: bool = False,
) -> PressureArea:
    """The reduced-pressure area of ``impact`` (the hydraulic impact of ``plan``).

    Parameters
    ----------
    network
        The network the plan was made on; without a CRS there is no polygon (``area`` None).
    impact
        :func:`gis.hydraulics.isolation_impact` of the plan.
    plan
        The isolation plan: its shut and unintended pipes are not part of the area.
    buffer_m
        Half-width of the corridor around each pipe, as the shut area's (25 m).
    newly
        Only where the closure brings the pressure below the service pressure (the junctions
        and customers at or above it normally): the outage notice's area. Default: every
        junction below it beyond those cut off (the isolation answer's).
    """
    found = reduced_pressure_pipes(network, impact, plan, newly=newly)
    area = affected_area(network, found, buffer_m=buffer_m) if network.has_map else None
    return PressureArea(
        pipes=tuple(str(p) for p in network.pipes.ids[found]),
        nodes=len(impact.newly_below_service if newly else impact.below_service),
        customers=len(customers_newly_below(impact) if newly else impact.customers_below_service),
        area=area,
    )


def pressure_feature(found: PressureArea, impact: HydraulicImpact) -> dict[str, Any] | None:
    """The reduced-pressure area as a GeoJSON Feature (``role`` reduced_pressure, beside the
    shut area's ``area`` of :func:`gis.io.plan_to_geojson`); None when there is no polygon."""
    if found.area is None:
        return None
    return {
        "type": "Feature",
        "geometry": found.area,
        "properties": {
            "role": "reduced_pressure",
            "hour": impact.hour,
            "service_pressure_m": round(impact.service_pressure_m, 3),
            "nodes": found.nodes,
            "customers": found.customers,
            "pipes": len(found.pipes),
            "not_served_low_pressure_m3h": round(impact.not_served_low_pressure_m3h, 3),
        },
    }
