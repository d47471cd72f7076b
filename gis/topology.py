"""Topology from geometry: the links a GIS export leaves out, built from where things are drawn.

A utility's export rarely carries the contract's links: pipes without ``from_node``/``to_node``
(and often no nodes layer), valves without the pipe and the pipe end they sit at, customers
without their pipe. :func:`build_topology` fills them in:

- **nodes** are the pipe ends: an end within ``node_tolerance_m`` of a node of the nodes layer
  is that node; ends within the tolerance of each other are one new junction;
- a **valve** goes on its nearest pipe (within ``valve_max_m``), at that pipe's nearer end
  (along the pipe): the end it cuts;
- a **customer** goes on its nearest pipe (within ``customer_max_m``).

Distances are metres: the caller passes the layers' metric CRS (``NetworkLayers.metric_crs``).
What was joined or moved how far, and what could not be placed, comes back as a
:class:`TopologyReport` whose :meth:`~TopologyReport.problems` go into the validation report.
The searches are shapely STRtree (GEOS) queries over all points at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.ops import substring

from gis.validate import MAX_PER_KIND, Problem

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TopologyOptions:
    """How far things may be from where they connect (metres, whatever the CRS's unit).

    Parameters
    ----------
    node_tolerance_m
        Pipe ends this close to each other (or to a node of the nodes layer) are one node.
        Digitising slivers are millimetres to centimetres; a gap of a metre is a real gap.
    valve_max_m
        A valve farther than this from every pipe is not placed (an error): it is drawn
        somewhere else than on the network.
    customer_max_m
        The same for customers, whose points are drawn on the building, tens of metres from
        the main.
    report_over_m
        Valves moved farther than this onto their pipe are listed one by one (warnings): a
        valve drawn beside its pipe may be put on the wrong one.
    """

    node_tolerance_m: float = 0.5
    valve_max_m: float = 5.0
    customer_max_m: float = 100.0
    report_over_m: float = 1.0

    def __post_init__(self) -> None:
        for name, value in self.to_dict().items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a distance in metres, not {value!r}")
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a distance in metres (0 or more), not {value}")

    def to_dict(self) -> dict[str, float]:
        return {
            "node_tolerance_m": self.node_tolerance_m,
            "valve_max_m": self.valve_max_m,
            "customer_max_m": self.customer_max_m,
            "report_over_m": self.report_over_m,
        }


@dataclass(frozen=True)
class Snaps:
    """The rows of one layer placed from their geometry: on which pipe, and how far away.

    ``pipe_ids[i]`` is None when row ``i`` could not be placed: ``distance_m[i]`` is then NaN
    when it has no point, else the distance to the nearest pipe (inf: there is none).
    """

    layer: str
    ids: tuple[str, ...]
    pipe_ids: tuple[str | None, ...]
    node_ids: tuple[str | None, ...]  # valves: the pipe end they cut; customers: None
    distance_m: tuple[float, ...]
    given_pipe: tuple[bool, ...] = ()  # valves whose pipe_id was given (only the end is found)

    @property
    def placed(self) -> BoolArray:
        return np.array([p is not None for p in self.pipe_ids], dtype=bool)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "layer": self.layer,
                "id": list(self.ids),
                "pipe_id": list(self.pipe_ids),
                "node_id": list(self.node_ids),
                "distance_m": np.round(np.asarray(self.distance_m, dtype=float), 3),
            }
        )


@dataclass(frozen=True)
class TeeSplit:
    """A pipe split where other pipes end on its middle (a tee the export did not split).

    ``parts`` are the pieces in the order of the pipe's geometry (from its ``from`` end): the
    first keeps the pipe's id, the next are ``<id>.2``, ``<id>.3`` ...; ``at_nodes[k]`` is the
    node between ``parts[k]`` and ``parts[k + 1]``, ``gaps_m[k]`` how far that node is from
    the pipe."""

    pipe: str
    parts: tuple[str, ...]
    at_nodes: tuple[str, ...]
    gaps_m: tuple[float, ...]


@dataclass(frozen=True)
class NodeBuild:
    """How the pipe ends became nodes."""

    ends: int  # pipe ends with a geometry
    on_layer_nodes: int  # ends joined to a node of the nodes layer
    layer_nodes: int  # nodes of the layer that pipe ends reached
    new_nodes: int  # junctions made of ends that met no node of the layer
    moved: int  # ends that were not exactly at their node
    largest_move_m: float
    unconnected_sources: tuple[tuple[str, float], ...]  # (node id, distance to the nearest end)
    unconnected_nodes: int  # other nodes of the layer that no pipe end reached
    loose_ends: tuple[tuple[str, str, str, float], ...]  # (pipe, its end node, other pipe, m)
    splits: tuple[TeeSplit, ...] = ()  # pipes split where another pipe ends on their middle


@dataclass(frozen=True)
class NamedEnds:
    """The nodes made from the pipes' own ``from_node``/``to_node`` when there is no nodes
    layer: one per name, drawn where the first pipe (by id) ends at it."""

    ends: int  # pipe ends with a name and a geometry
    nodes: int
    largest_gap_m: float  # the farthest an end is from its node (within the tolerance)
    # a name at two places farther apart than the tolerance: (node, pipe, other pipe, m)
    conflicts: tuple[tuple[str, str, str, float], ...]


@dataclass(frozen=True)
class TopologyReport:
    """What :func:`build_topology` built, for the validation report."""

    options: TopologyOptions
    nodes: NodeBuild | None = None  # None: the pipes had their from_node/to_node
    valves: Snaps | None = None  # None: every valve had its pipe_id and node_id
    customers: Snaps | None = None
    ambiguous_valves: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (valve, equally near pipes)
    metric: bool = True  # False: the layers have no CRS, distances are in their own units
    # valves and customers whose given pipe_id is a pipe split at a tee: (layer, id, pipe, part)
    onto_parts: tuple[tuple[str, str, str, str], ...] = ()
    named_ends: NamedEnds | None = None  # no nodes layer: nodes from the pipes' node ids

    @property
    def built(self) -> bool:
        return (
            self.nodes is not None
            or self.named_ends is not None
            or self.valves is not None
            or self.customers is not None
        )

    def snaps(self) -> pd.DataFrame:
        """Every valve and customer placed from its geometry (or not placed), one row each:
        ``layer, id, pipe_id, node_id, distance_m`` (for a CSV the GIS can join back)."""
        frames = [s.to_frame() for s in (self.valves, self.customers) if s is not None]
        listed = {
            (s.layer, i) for s in (self.valves, self.customers) if s is not None for i in s.ids
        }
        moved = [
            (layer, i, part) for layer, i, _, part in self.onto_parts if (layer, i) not in listed
        ]
        if moved:
            rows = pd.DataFrame(moved, columns=["layer", "id", "pipe_id"])
            frames.append(rows.assign(node_id=None, distance_m=np.nan))
        if not frames:
            return pd.DataFrame(columns=["layer", "id", "pipe_id", "node_id", "distance_m"])
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"options": self.options.to_dict(), "metric": self.metric}
        if self.nodes is not None:
            n = self.nodes
            out["nodes"] = {
                "ends": n.ends,
                "on_layer_nodes": n.on_layer_nodes,
                "layer_nodes": n.layer_nodes,
                "new_nodes": n.new_nodes,
                "moved": n.moved,
                "largest_move_m": round(n.largest_move_m, 3),
                "unconnected_sources": [s[0] for s in n.unconnected_sources],
                "unconnected_nodes": n.unconnected_nodes,
                "loose_ends": len(n.loose_ends),
                "splits": [
                    {"pipe": t.pipe, "parts": list(t.parts), "at_nodes": list(t.at_nodes)}
                    for t in n.splits
                ],
            }
        if self.named_ends is not None:
            e = self.named_ends
            out["named_nodes"] = {
                "ends": e.ends,
                "nodes": e.nodes,
                "largest_gap_m": round(e.largest_gap_m, 3),
                "conflicts": [list(c[:3]) for c in e.conflicts],
            }
        for snaps in (self.valves, self.customers):
            if snaps is None:
                continue
            d = np.asarray(snaps.distance_m, dtype=float)
            placed = snaps.placed
            out[snaps.layer] = {
                "snapped": int(placed.sum()),
                "not_placed": [i for i, ok in zip(snaps.ids, placed, strict=True) if not ok],
                "median_m": round(float(np.median(d[placed])), 3) if placed.any() else None,
                "largest_m": round(float(d[placed].max()), 3) if placed.any() else None,
            }
        return out

    def problems(self) -> list[Problem]:
        """The report as validation problems: one summary line per layer built (a warning: the
        user should know links were made, and check them), the valves moved far or placed
        where pipes meet (warnings, one per valve), and what could not be placed (errors)."""
        out: list[Problem] = []
        if self.nodes is not None:
            out.extend(self._node_problems())
        if self.named_ends is not None:
            out.extend(self._named_problems())
        if self.onto_parts:
            layers = [n for n in ("valves", "customers") if any(r[0] == n for r in self.onto_parts)]
            out.append(
                Problem(
                    "warning",
                    layers[0] if len(layers) == 1 else "file",
                    None,
                    f"{len(self.onto_parts)} {' and '.join(layers)} given on a pipe split at a "
                    "tee were put on its part nearest them (on the part at their node_id, for "
                    "valves)",
                    "check them (waterops validate --snaps FILE lists them); give the part's id "
                    "as pipe_id to set your own",
                )
            )
        for snaps in (self.valves, self.customers):
            if snaps is not None:
                out.extend(self._snap_problems(snaps))
        rows = [
            Problem(
                "warning",
                "valves",
                valve,
                f"is as near to pipes {', '.join(pipes)} (it sits where they meet): placed on "
                f"{pipes[0]}",
                "draw the valve a little along the pipe it shuts, or give its pipe_id",
            )
            for valve, pipes in self.ambiguous_valves
        ]
        out.extend(_capped(rows, "valves sit where pipes meet"))
        return out

    @property
    def _unit(self) -> str:
        return " m" if self.metric else " (file units: no CRS)"

    def _named_problems(self) -> list[Problem]:
        e, tol, u = self.named_ends, self.options.node_tolerance_m, self._unit
        assert e is not None
        out = [
            Problem(
                "warning",
                "nodes",
                None,
                f"there is no nodes layer: {e.nodes} nodes made from the pipes' from_node and "
                f"to_node, each drawn at a pipe end ({e.ends} ends, the farthest "
                f"{e.largest_gap_m:.2f}{u} from its node); all are junctions",
                "add the nodes layer to give sources, tanks and elevations",
            )
        ]
        rows = [
            Problem(
                "error",
                "pipes",
                pipe,
                f"ends at node {node} {gap:.2f}{u} from where pipe {other} ends at node {node} "
                f"(more than the tolerance, {tol:g}{u}): one node cannot be at two places",
                f"correct from_node/to_node of pipe {pipe} or pipe {other}, or add the nodes layer",
            )
            for node, pipe, other, gap in e.conflicts
        ]
        out.extend(_capped(rows, "node ids at two places"))
        return out

    def _node_problems(self) -> list[Problem]:
        n, tol, u = self.nodes, self.options.node_tolerance_m, self._unit
        assert n is not None
        out = [
            Problem(
                "warning",
                "pipes",
                None,
                f"from_node/to_node built from the geometry: {n.ends} pipe ends meet at "
                f"{n.layer_nodes + n.new_nodes} nodes ({n.layer_nodes} of the nodes layer, "
                f"{n.new_nodes} new junctions); {n.moved} ends were apart from their node, the "
                f"farthest {n.largest_move_m:.2f}{u} (tolerance {tol:g}{u})"
                + (
                    f"; {len(n.splits)} pipes split where another pipe ends on their middle"
                    if n.splits
                    else ""
                ),
                "check the joins on the map; give from_node and to_node to use your own, or "
                "change node_tolerance_m ([topology] in the mapping)",
            )
        ]
        for node, gap in n.unconnected_sources:
            out.append(
                Problem(
                    "warning",
                    "nodes",
                    node,
                    f"is a source or tank that no pipe end reaches (the nearest end is "
                    f"{gap:.2f}{u} away; tolerance {tol:g}{u}): it feeds nothing",
                    "move the node onto the end of its main, or raise node_tolerance_m",
                )
            )
        if n.unconnected_nodes:
            out.append(
                Problem(
                    "warning",
                    "nodes",
                    None,
                    f"{n.unconnected_nodes} nodes of the nodes layer are at no pipe end (within "
                    f"{tol:g}{u}): they stay unconnected",
                    "nothing if they are not network nodes; otherwise move them onto the pipe ends",
                )
            )
        rows = [
            Problem(
                "warning",
                "pipes",
                split.pipe,
                f"split where {'other pipes end' if len(split.at_nodes) > 1 else 'a pipe ends'} "
                f"on its middle (a tee), at node{'s' if len(split.at_nodes) > 1 else ''} "
                f"{', '.join(split.at_nodes)}: its parts are {', '.join(split.parts)}",
                "check the tee on the map; split the pipe in the GIS to name the parts yourself",
            )
            for split in n.splits
        ]
        out.extend(_capped(rows, "pipes split at tees"))
        rows = [
            Problem(
                "warning",
                "pipes",
                pipe,
                f"ends (node {node}) {gap:.2f}{u} from pipe {other}, not at an end of it: the "
                "two are not joined",
                f"split pipe {other} where {pipe} meets it, if they are connected",
            )
            for pipe, node, other, gap in n.loose_ends
        ]
        out.extend(_capped(rows, "pipes end beside another pipe's middle, not joined"))
        return out

    def _snap_problems(self, snaps: Snaps) -> list[Problem]:
        u, layer = self._unit, snaps.layer
        is_valve = layer == "valves"
        reach = self.options.valve_max_m if is_valve else self.options.customer_max_m
        d = np.asarray(snaps.distance_m, dtype=float)
        placed = snaps.placed
        out: list[Problem] = []
        if placed.any():
            out.append(
                Problem(
                    "warning",
                    layer,
                    None,
                    f"{int(placed.sum())} {layer} joined to their nearest pipe"
                    f"{' (at its nearer end)' if is_valve else ''} from the geometry: median "
                    f"{np.median(d[placed]):.2f}{u}, farthest {d[placed].max():.2f}{u}",
                    f"check them (waterops validate --snaps FILE lists every one); give pipe_id"
                    f"{' and node_id' if is_valve else ''} to set your own",
                )
            )
        if is_valve:
            rows = [
                Problem(
                    "warning",
                    layer,
                    snaps.ids[i],
                    f"was {d[i]:.2f}{u} from the nearest pipe: placed on pipe "
                    f"{snaps.pipe_ids[i]} at node {snaps.node_ids[i]}",
                    "check that it is that pipe's valve; move it onto its pipe, or give its "
                    "pipe_id and node_id",
                )
                for i in np.flatnonzero(placed & (d > self.options.report_over_m))
            ]
            out.extend(_capped(rows, "valves were placed far from their pipe"))
        setting = "valve_max_m" if is_valve else "customer_max_m"
        rows = []
        given = snaps.given_pipe or (False,) * len(snaps.ids)
        for i in np.flatnonzero(~placed):
            if given[i]:
                rows.append(
                    Problem(
                        "error",
                        layer,
                        snaps.ids[i],
                        "has a pipe_id but no node_id, and no point to tell which end of the "
                        "pipe it is at",
                        "give its node_id (the pipe end it is next to), or draw it",
                    )
                )
                continue
            if np.isnan(d[i]):
                message = "cannot be placed: it has no pipe_id and no point"
            elif np.isinf(d[i]):
                message = "cannot be placed: there is no pipe to join it to"
            else:
                message = (
                    f"cannot be placed: the nearest pipe is {d[i]:.1f}{u} away (at most "
                    f"{reach:g}{u})"
                )
            rows.append(
                Problem(
                    "error",
                    layer,
                    snaps.ids[i],
                    message,
                    f"draw it on its pipe, give its pipe_id, or raise {setting} ([topology] in "
                    "the mapping)",
                )
            )
        out.extend(_capped(rows, f"{layer} cannot be placed"))
        return out


def _capped(rows: list[Problem], what: str) -> list[Problem]:
    """At most :data:`gis.validate.MAX_PER_KIND` rows, then one line counting the rest."""
    if len(rows) <= MAX_PER_KIND:
        return rows
    last = rows[MAX_PER_KIND]
    more = Problem(
        last.severity, last.layer, None, f"{len(rows) - MAX_PER_KIND} more {what}", last.fix
    )
    return [*rows[:MAX_PER_KIND], more]


@dataclass(frozen=True)
class Topology:
    """The layers with their links filled in, and the report of how."""

    nodes: gpd.GeoDataFrame
    pipes: gpd.GeoDataFrame
    valves: pd.DataFrame
    customers: gpd.GeoDataFrame | None
    report: TopologyReport


def missing_links(
    nodes: gpd.GeoDataFrame | None,
    pipes: gpd.GeoDataFrame,
    valves: pd.DataFrame | None,
    customers: gpd.GeoDataFrame | None,
) -> dict[str, bool]:
    """Which links the layers lack that their geometry can give: ``nodes`` (the pipes have
    neither from_node nor to_node, or there is no nodes layer), ``valves`` (a valve without
    pipe_id or node_id), ``customers`` (a customer without pipe_id)."""
    lines = isinstance(pipes, gpd.GeoDataFrame) and len(pipes) > 0
    # both ends missing: an export without topology; one of them missing is a broken contract
    # layer, which validation reports
    ends = nodes is None or not {"from_node", "to_node"} & set(pipes.columns)
    return {
        "nodes": bool(ends and lines),
        "valves": valves is not None and len(valves) > 0 and bool(_unlinked(valves, True).any()),
        "customers": customers is not None
        and len(customers) > 0
        and bool(_unlinked(customers, False).any()),
    }


def _unlinked(df: pd.DataFrame, with_node: bool) -> BoolArray:
    """Rows without their link: the column is missing, or the value is empty."""
    missing = np.zeros(len(df), dtype=bool)
    for column in ("pipe_id", "node_id") if with_node else ("pipe_id",):
        if column not in df.columns:
            return np.ones(len(df), dtype=bool)
        values = df[column]
        missing |= (values.isna() | values.astype(str).str.strip().eq("")).to_numpy()
    return missing


def build_topology(
    nodes: gpd.GeoDataFrame | None,
    pipes: gpd.GeoDataFrame,
    valves: pd.DataFrame,
    customers: gpd.GeoDataFrame | None,
    metric_crs: CRS | str | None,
    options: TopologyOptions | None = None,
) -> Topology:
    """Fill in the links the layers lack from their geometry (see the module's docstring).

    Only what is missing is built: pipes with ``from_node``/``to_node`` keep them, a valve or a
    customer with its ``pipe_id`` keeps it. Layers keep their own CRS; distances are measured
    in ``metric_crs`` (None: in the coordinates' own units). A new junction is named after the
    smallest pipe id among the pipes that end there, and that pipe's end (``P12-from``,
    ``P12-to``): the name does not depend on the order of the rows, and it survives the next
    export as long as that pipe does.
    """
    options = options or TopologyOptions()
    needs = missing_links(nodes, pipes, valves, customers)
    metric = metric_crs is not None
    if "id" not in pipes.columns:  # nothing can refer to a pipe: validation says so
        return Topology(
            nodes if nodes is not None else _no_nodes(pipes),
            pipes,
            valves,
            customers,
            TopologyReport(options, metric=metric),
        )
    lines = _geoms(pipes, metric_crs)
    pipe_ids = pipes["id"].astype(str).to_numpy(dtype=object)
    node_build = named = None
    onto_parts: tuple[tuple[str, str, str, str], ...] = ()
    if nodes is None and {"from_node", "to_node"} <= set(pipes.columns):
        # the pipes name their nodes and there is no nodes layer: the names are the topology
        nodes, named = _nodes_from_names(pipes, lines, pipe_ids, metric_crs, options)
    elif needs["nodes"]:
        nodes, pipes, lines, node_build = _build_nodes(
            nodes, pipes, lines, pipe_ids, metric_crs, options
        )
        if node_build.splits:
            pipe_ids = pipes["id"].astype(str).to_numpy(dtype=object)
            valves, customers, onto_parts = _onto_parts(
                valves, customers, node_build.splits, pipes, lines, metric_crs
            )
    assert nodes is not None or not needs["nodes"]
    if nodes is None:
        nodes = _no_nodes(pipes)
    valve_snaps = customer_snaps = None
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()
    usable = np.asarray(shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING)
    tree = shapely.STRtree(_only(lines, usable))
    ends_known = {"from_node", "to_node"} <= set(pipes.columns)
    if needs["valves"] and ends_known:
        valves, valve_snaps, ambiguous = _snap_valves(
            valves, pipes, lines, tree, pipe_ids, metric_crs, options
        )
    if needs["customers"] and customers is not None:
        customers, customer_snaps = _snap_customers(customers, tree, pipe_ids, metric_crs, options)
    report = TopologyReport(
        options,
        node_build,
        valve_snaps,
        customer_snaps,
        ambiguous_valves=ambiguous,
        metric=metric,
        onto_parts=onto_parts,
        named_ends=named,
    )
    return Topology(nodes, pipes, valves, customers, report)


def _nodes_from_names(
    pipes: gpd.GeoDataFrame,
    lines: ObjArray,
    pipe_ids: ObjArray,
    metric_crs: CRS | str | None,
    options: TopologyOptions,
) -> tuple[gpd.GeoDataFrame, NamedEnds]:
    """One junction per node id the pipes name, drawn where the smallest pipe id ends at it
    (in the pipes' CRS); ends of one name farther apart than the tolerance are conflicts.
    Ends without a name make no node (validation reports the pipe)."""
    p = len(pipes)
    usable = ~_absent(lines) & np.asarray(
        shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING
    )
    drawn = np.asarray(pipes.geometry.to_numpy(), dtype=object)
    names = np.concatenate([_column(pipes, "from_node"), _column(pipes, "to_node")])
    named = np.array([n is not None and str(n).strip() != "" for n in names], dtype=bool)
    names = np.array([str(n).strip() if ok else "" for n, ok in zip(names, named, strict=True)])
    pipe = np.concatenate([np.arange(p), np.arange(p)])
    side = np.repeat(np.array([0, -1]), p)
    ends = np.full(2 * p, None, dtype=object)
    at = np.concatenate([usable, usable])
    ends[:p][usable] = shapely.get_point(lines[usable], 0)
    ends[p:][usable] = shapely.get_point(lines[usable], -1)
    keep = np.flatnonzero(named)
    # per name, its ends by pipe id: the first is where the node is drawn
    order = keep[np.lexsort((side[keep], pipe_ids[pipe[keep]].astype(str), names[keep]))]
    unique = np.unique(names[order])
    placed = order[at[order]]  # ends with a point, by name and pipe
    p_label = np.searchsorted(unique, names[placed])
    # the reference of a name: its first end with a point
    ref = np.full(len(unique), -1, dtype=np.int64)
    seen = np.unique(p_label, return_index=True)
    ref[seen[0]] = placed[seen[1]]
    gap = shapely.distance(ends[placed], ends[ref[p_label]])
    far = np.flatnonzero(gap > options.node_tolerance_m)
    conflicts: dict[str, tuple[str, str, str, float]] = {}
    for k in far:  # the first pipe at each conflicting name (few)
        node = str(unique[p_label[k]])
        if node not in conflicts:
            conflicts[node] = (
                node,
                str(pipe_ids[pipe[placed[k]]]),
                str(pipe_ids[pipe[ref[p_label[k]]]]),
                float(gap[k]),
            )
    points = np.full(len(unique), None, dtype=object)
    has = ref >= 0
    geoms = drawn[pipe[ref[has]]]
    points[has] = np.where(
        side[ref[has]] == 0, shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)
    )
    nodes = gpd.GeoDataFrame(
        {"id": unique.astype(object), "kind": ["junction"] * len(unique)},
        geometry=list(points),
        crs=pipes.crs,
    )
    within = gap[gap <= options.node_tolerance_m]
    report = NamedEnds(
        ends=len(placed),
        nodes=len(unique),
        largest_gap_m=float(within.max()) if len(within) else 0.0,
        conflicts=tuple(sorted(conflicts.values())),
    )
    return nodes, report


def _no_nodes(pipes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": pd.Series([], dtype=object), "kind": pd.Series([], dtype=object)},
        geometry=[],
        crs=getattr(pipes, "crs", None),
    )


def _geoms(df: Any, metric_crs: CRS | str | None) -> ObjArray:
    """A layer's geometries in the metric CRS (as they are when there is none)."""
    if not isinstance(df, gpd.GeoDataFrame) or "geometry" not in df.columns:
        return np.full(len(df), None, dtype=object)
    geo = df.geometry
    if metric_crs is not None and geo.crs is not None and geo.crs != metric_crs:
        geo = geo.to_crs(metric_crs)
    return np.asarray(geo.to_numpy(), dtype=object)


def _absent(geoms: ObjArray) -> BoolArray:
    return np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms), dtype=bool)


def _only(geoms: ObjArray, keep: BoolArray) -> ObjArray:
    """``geoms`` with None where ``keep`` is false."""
    out = np.full(len(geoms), None, dtype=object)
    out[keep] = geoms[keep]
    return out


def _build_nodes(
    nodes: gpd.GeoDataFrame | None,
    pipes: gpd.GeoDataFrame,
    lines: ObjArray,
    pipe_ids: ObjArray,
    metric_crs: CRS | str | None,
    options: TopologyOptions,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, ObjArray, NodeBuild]:
    """Nodes from pipe ends, and each pipe's from_node/to_node; pipes split at the tees the
    export did not split. Returns the nodes, the pipes, their lines in the metric CRS (the
    parts of the split pipes), and how the nodes were built."""
    tol = options.node_tolerance_m
    p = len(pipes)
    usable = ~_absent(lines) & np.asarray(
        shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING
    )
    ends = np.full(2 * p, None, dtype=object)
    ends[:p][usable] = shapely.get_point(lines[usable], 0)
    ends[p:][usable] = shapely.get_point(lines[usable], -1)
    has_end = np.concatenate([usable, usable])
    end_pipe = np.concatenate([np.arange(p), np.arange(p)])
    end_side = np.repeat(np.array([0, 1], dtype=np.int64), p)
    node_of_end = np.full(2 * p, -1, dtype=np.int64)  # index into layer nodes + new nodes
    gap = np.zeros(2 * p)

    # 1. an end within the tolerance of a node of the layer is that node (nearest; ties: the
    # first row)
    layer_ids: list[str] = []
    layer_points = np.zeros(0, dtype=object)
    if nodes is not None and len(nodes) and "id" in nodes.columns:
        layer_ids = nodes["id"].astype(str).tolist()
        layer_points = _geoms(nodes, metric_crs)
        tree = shapely.STRtree(_only(layer_points, ~_absent(layer_points)))
        at = np.flatnonzero(has_end)
        e, n = tree.query(ends[at], predicate="dwithin", distance=tol)
        dist = shapely.distance(ends[at][e], layer_points[n])
        order = np.lexsort((n, dist, e))
        e, n, dist = e[order], n[order], dist[order]
        first = np.unique(e, return_index=True)[1]
        node_of_end[at[e[first]]] = n[first]
        gap[at[e[first]]] = dist[first]
    n_layer = len(layer_ids)

    # 2. the other ends: those within the tolerance of each other are one new junction
    rest = np.flatnonzero(has_end & (node_of_end < 0))
    new_ids: list[str] = []
    new_points: ObjArray = np.zeros(0, dtype=object)
    new_metric: ObjArray = np.zeros(0, dtype=object)  # the same, in the metric CRS
    if len(rest):
        a, b = shapely.STRtree(ends[rest]).query(ends[rest], predicate="dwithin", distance=tol)
        m = len(rest)
        _, label = connected_components(
            coo_matrix((np.ones(len(a)), (a, b)), shape=(m, m)), directed=False
        )
        names = pipe_ids[end_pipe[rest]].astype(str)
        order = np.lexsort((end_side[rest], names, label))
        first = order[np.unique(label[order], return_index=True)[1]]  # by label
        taken = set(layer_ids)
        for k in first:
            base = f"{names[k]}-{'from' if end_side[rest[k]] == 0 else 'to'}"
            ident, i = base, 1
            while ident in taken:  # a node of the layer has that name already
                i += 1
                ident = f"{base}~{i}"
            taken.add(ident)
            new_ids.append(ident)
        rep = rest[first]
        node_of_end[rest] = n_layer + label
        gap[rest] = shapely.distance(ends[rest], ends[rep[label]])
        new_metric = ends[rep]
        geoms = np.asarray(pipes.geometry.to_numpy(), dtype=object)[end_pipe[rep]]
        new_points = np.where(
            end_side[rep] == 0, shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)
        )

    node_ids = np.array([*layer_ids, *new_ids], dtype=object)
    found = node_of_end >= 0
    named = np.full(2 * p, None, dtype=object)
    named[found] = node_ids[node_of_end[found]]
    pipes = pipes.copy()
    pipes["from_node"] = named[:p]
    pipes["to_node"] = named[p:]
    nodes = _with_new_nodes(nodes, pipes, new_ids, new_points)

    # what the layer has that no end reached: sources cut off, and how many others
    reached = np.zeros(n_layer, dtype=bool)
    reached[node_of_end[found & (node_of_end < n_layer)]] = True
    unconnected_sources: list[tuple[str, float]] = []
    unconnected = 0
    if n_layer:
        kinds = (
            nodes["kind"].astype(str).str.strip().str.lower().to_numpy()[:n_layer]
            if "kind" in nodes.columns
            else np.full(n_layer, "junction")
        )
        lonely = np.flatnonzero(~reached)
        is_source = np.isin(kinds[lonely], ("source", "tank"))
        unconnected = int((~is_source).sum())
        sources = lonely[is_source]
        dist = np.full(len(sources), np.inf)
        pts = layer_points[sources]
        ok = np.flatnonzero(~_absent(pts))
        if len(ok) and has_end.any():
            (k, _), d = shapely.STRtree(ends[has_end]).query_nearest(pts[ok], return_distance=True)
            dist[ok[k]] = d
        unconnected_sources = [(layer_ids[i], float(g)) for i, g in zip(sources, dist, strict=True)]

    loose = _loose_ends(lines, pipe_ids, node_of_end, node_ids, ends, tol)
    node_points = np.concatenate([layer_points, new_metric]) if n_layer else new_metric
    pipes, lines, splits = _split_at_tees(
        pipes, lines, node_points, node_ids, node_of_end, metric_crs, tol
    )
    joined = {node for split in splits for node in split.at_nodes}
    build = NodeBuild(
        ends=int(has_end.sum()),
        on_layer_nodes=int((found & (node_of_end < n_layer)).sum()),
        layer_nodes=int(reached.sum()),
        new_nodes=len(new_ids),
        moved=int((gap > 1e-9).sum()),
        largest_move_m=float(gap.max()) if len(gap) else 0.0,
        unconnected_sources=tuple(unconnected_sources),
        unconnected_nodes=unconnected,
        loose_ends=tuple(row for row in loose if row[1] not in joined),
        splits=splits,
    )
    return nodes, pipes, lines, build


def _split_at_tees(
    pipes: gpd.GeoDataFrame,
    lines: ObjArray,
    node_points: ObjArray,
    node_ids: ObjArray,
    node_of_end: IntArray,
    metric_crs: CRS | str | None,
    tol: float,
) -> tuple[gpd.GeoDataFrame, ObjArray, tuple[TeeSplit, ...]]:
    """Split every pipe at the nodes that lie within ``tol`` of its middle (farther than
    ``tol`` along it from both its ends) and that it does not end at: a pipe ends there, on
    the main the export did not split. The parts keep the pipe's row (its attributes), the
    first its id, the next ``<id>.2``, ``<id>.3`` ... in the order of the geometry; a
    ``length_m`` the file gave is shared in proportion to the parts' lengths. Nodes that
    are near a pipe's end but not joined to it stay as they are (:func:`_loose_ends`)."""
    p = len(lines)
    none: tuple[TeeSplit, ...] = ()
    used = np.unique(node_of_end[node_of_end >= 0])
    points = node_points[used]
    keep = ~_absent(points)
    used, points = used[keep], points[keep]
    usable = ~_absent(lines) & np.asarray(
        shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING
    )
    if not len(used) or not usable.any():
        return pipes, lines, none
    k, q = shapely.STRtree(_only(lines, usable)).query(points, predicate="dwithin", distance=tol)
    node = used[k]
    keep = (node_of_end[q] != node) & (node_of_end[q + p] != node)
    k, q, node = k[keep], q[keep], node[keep]
    along = shapely.line_locate_point(lines[q], points[k])
    inside = (along > tol) & (along < shapely.length(lines[q]) - tol)
    k, q, node, along = k[inside], q[inside], node[inside], along[inside]
    if not len(q):
        return pipes, lines, none
    gap = shapely.distance(points[k], lines[q])
    order = np.lexsort((along, q))
    q, node, along, gap = q[order], node[order], along[order], gap[order]
    # the cut points on the pipe as drawn, in the layer's own CRS
    cuts = shapely.line_interpolate_point(lines[q], along)
    layer_lines = np.asarray(pipes.geometry.to_numpy(), dtype=object)
    if metric_crs is not None and pipes.crs is not None and pipes.crs != metric_crs:
        cuts = np.asarray(
            gpd.GeoSeries(cuts, crs=metric_crs).to_crs(pipes.crs).to_numpy(), dtype=object
        )
    along_layer = shapely.line_locate_point(layer_lines[q], cuts)

    split, starts, counts = np.unique(q, return_index=True, return_counts=True)
    parts_of = np.ones(p, dtype=np.int64)
    parts_of[split] = counts + 1
    rows = np.repeat(np.arange(p), parts_of)
    first = np.cumsum(parts_of) - parts_of  # the row of each pipe's first part
    out = pipes.iloc[rows].reset_index(drop=True)
    ids = out["id"].astype(str).to_numpy(dtype=object)
    from_node = out["from_node"].to_numpy(dtype=object).copy()
    to_node = out["to_node"].to_numpy(dtype=object).copy()
    geoms = np.asarray(out.geometry.to_numpy(), dtype=object).copy()
    metric = lines[rows].copy()
    given_length = (
        pd.to_numeric(out["length_m"], errors="coerce").to_numpy(dtype=float).copy()
        if "length_m" in out.columns
        else None
    )
    taken = set(pipes["id"].astype(str))
    splits = []
    for pipe, s, c in zip(split.tolist(), starts.tolist(), counts.tolist(), strict=True):
        at = slice(s, s + c)
        whole = float(shapely.length(lines[pipe]))
        marks = [0.0, *along[at].tolist(), whole]
        layer_whole = float(shapely.length(layer_lines[pipe]))
        # monotone along the drawn line too (a projection keeps the order, rounding may not)
        layer_marks = [0.0, *np.maximum.accumulate(along_layer[at]).tolist(), layer_whole]
        chain = [from_node[first[pipe]], *node_ids[node[at]].tolist(), to_node[first[pipe]]]
        names = [str(ids[first[pipe]])]
        for j in range(2, c + 2):
            ident, n = f"{names[0]}.{j}", 1
            while ident in taken:
                n += 1
                ident = f"{names[0]}.{j}~{n}"
            taken.add(ident)
            names.append(ident)
        for j in range(c + 1):
            row = first[pipe] + j
            ids[row] = names[j]
            from_node[row], to_node[row] = chain[j], chain[j + 1]
            metric[row] = substring(lines[pipe], marks[j], marks[j + 1])
            geoms[row] = substring(layer_lines[pipe], layer_marks[j], layer_marks[j + 1])
            if given_length is not None and np.isfinite(given_length[row]) and whole > 0:
                given_length[row] *= (marks[j + 1] - marks[j]) / whole
        splits.append(
            TeeSplit(
                str(pipes["id"].iloc[pipe]),
                tuple(names),
                tuple(str(n) for n in node_ids[node[at]]),
                tuple(float(g) for g in gap[at]),
            )
        )
    out["id"], out["from_node"], out["to_node"] = ids, from_node, to_node
    if given_length is not None:
        out["length_m"] = given_length
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=pipes.crs)
    return out, metric, tuple(sorted(splits, key=lambda t: t.pipe))


def _with_new_nodes(
    nodes: gpd.GeoDataFrame | None,
    pipes: gpd.GeoDataFrame,
    new_ids: list[str],
    new_points: ObjArray,
) -> gpd.GeoDataFrame:
    """The nodes layer and the new junctions (drawn at their pipe end, in the layer's CRS)."""
    made = gpd.GeoDataFrame(
        {"id": new_ids, "kind": ["junction"] * len(new_ids)},
        geometry=list(new_points),
        crs=pipes.crs,
    )
    if nodes is None or not len(nodes):
        return made if len(made) or nodes is None else nodes
    if not len(made):
        return nodes
    if nodes.crs is not None and made.crs is not None:
        made = made.to_crs(nodes.crs)
    both = pd.concat([nodes, made], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry=nodes.geometry.name, crs=nodes.crs)


def _loose_ends(
    lines: ObjArray,
    pipe_ids: ObjArray,
    node_of_end: IntArray,
    node_ids: ObjArray,
    ends: ObjArray,
    tol: float,
) -> tuple[tuple[str, str, str, float], ...]:
    """Dead ends within the tolerance of another pipe that does not end there. Those on the
    pipe's middle are tees the GIS did not split the main at (:func:`_split_at_tees` joins
    them); those near its end but not joined to it stay apart, reported."""
    p = len(lines)
    found = node_of_end >= 0
    degree = np.bincount(node_of_end[found], minlength=len(node_ids))
    dead = np.flatnonzero(found & (degree[np.maximum(node_of_end, 0)] == 1))
    if not len(dead):
        return ()
    e, q = shapely.STRtree(lines).query(ends[dead], predicate="dwithin", distance=tol)
    node = node_of_end[dead[e]]
    keep = (q != dead[e] % p) & (node_of_end[q] != node) & (node_of_end[q + p] != node)
    e, q = e[keep], q[keep]
    if not len(e):
        return ()
    dist = shapely.distance(ends[dead[e]], lines[q])
    order = np.lexsort((pipe_ids[q].astype(str), dist, dead[e]))
    e, q, dist = e[order], q[order], dist[order]
    first = np.unique(e, return_index=True)[1]
    rows = [
        (
            str(pipe_ids[dead[e[k]] % p]),
            str(node_ids[node_of_end[dead[e[k]]]]),
            str(pipe_ids[q[k]]),
            float(dist[k]),
        )
        for k in first
    ]
    return tuple(sorted(rows))


# Points are first matched to the pipes within this many metres of them (a bounded search,
# vectorised); the few with none go to GEOS's nearest-neighbour search up to their reach.
NEAR_M = 30.0


def _nearest_pipe(
    tree: shapely.STRtree, points: ObjArray, pipe_ids: ObjArray, reach: float
) -> tuple[IntArray, FloatArray, list[tuple[int, tuple[int, ...]]]]:
    """Each point's nearest pipe within ``reach`` (-1: none) and its distance (NaN: no point;
    beyond reach: the distance to the nearest pipe, inf when there is none). Ties go to the
    smallest pipe id; the points with ties come back with their tied pipes."""
    n = len(points)
    pipe = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    ok = np.flatnonzero(~_absent(points))
    ties: list[tuple[int, tuple[int, ...]]] = []
    if not len(ok):
        return pipe, dist, ties
    names = pipe_ids.astype(str)
    # a pipe nearer than one found within NEAR_M is within NEAR_M too: the nearest of the
    # candidates is the nearest of all
    near = min(reach, NEAR_M)
    i, j = tree.query(points[ok], predicate="dwithin", distance=near)
    d = shapely.distance(points[ok][i], tree.geometries[j])
    found = np.zeros(len(ok), dtype=bool)
    found[i] = True
    rest = np.flatnonzero(~found)
    if reach > near and len(rest):
        (ri, rj), rd = tree.query_nearest(
            points[ok[rest]], max_distance=reach, return_distance=True, all_matches=True
        )
        i, j, d = np.concatenate([i, rest[ri]]), np.concatenate([j, rj]), np.concatenate([d, rd])
    order = np.lexsort((names[j], d, i))
    i, j, d = i[order], j[order], d[order]
    _, starts, counts = np.unique(i, return_index=True, return_counts=True)
    pipe[ok[i[starts]]] = j[starts]
    dist[ok[i[starts]]] = d[starts]
    # a tie: the second candidate of a point is as near as its first (rare: a point where
    # pipes meet)
    second = np.minimum(starts + 1, len(d) - 1)
    tied = (counts > 1) & (d[second] == d[starts])
    for s, c in zip(starts[tied], counts[tied], strict=True):
        same = j[s : s + c][d[s : s + c] == d[s]]
        ties.append((int(ok[i[s]]), tuple(int(x) for x in same)))
    far = ok[pipe[ok] < 0]
    dist[far] = np.inf
    if len(far):  # how far the nearest pipe is, for the report
        (k, _), fd = tree.query_nearest(points[far], return_distance=True)
        dist[far[k]] = fd
    return pipe, dist, ties


def _points(df: pd.DataFrame, metric_crs: CRS | str | None) -> ObjArray:
    """A layer's points in the metric CRS; None where a row has no point."""
    geoms = _geoms(df, metric_crs)
    is_point = np.asarray(shapely.get_type_id(geoms) == shapely.GeometryType.POINT)
    return _only(geoms, is_point & ~_absent(geoms))


def _column(df: pd.DataFrame, name: str) -> ObjArray:
    if name not in df.columns:
        return np.full(len(df), None, dtype=object)
    values = df[name].astype(object).to_numpy(dtype=object, copy=True)
    values[df[name].isna().to_numpy()] = None
    return values


def _snap_valves(
    valves: pd.DataFrame,
    pipes: gpd.GeoDataFrame,
    lines: ObjArray,
    tree: shapely.STRtree,
    pipe_ids: ObjArray,
    metric_crs: CRS | str | None,
    options: TopologyOptions,
) -> tuple[pd.DataFrame, Snaps, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Each valve without its link on its nearest pipe, at that pipe's nearer end along it. A
    valve with a pipe_id but no node_id keeps its pipe and gets its nearer end."""
    rows = np.flatnonzero(_unlinked(valves, True))
    points = _points(valves, metric_crs)[rows]
    given = _column(valves, "pipe_id")[rows]
    has_pipe = np.array([g is not None and str(g).strip() != "" for g in given], dtype=bool)
    pipe = np.full(len(rows), -1, dtype=np.int64)
    dist = np.full(len(rows), np.nan)
    ties: list[tuple[int, tuple[int, ...]]] = []
    if has_pipe.any():  # its own pipe
        at = np.flatnonzero(has_pipe)
        pipe[at] = pd.Index(pipe_ids.astype(str)).get_indexer(
            pd.Index([str(g).strip() for g in given[at]])
        )
        hit = at[(pipe[at] >= 0) & ~_absent(points[at])]
        dist[hit] = shapely.distance(points[hit], lines[pipe[hit]])
        pipe[at[_absent(points[at])]] = -1  # no point: its end cannot be told
        # an unknown pipe is validation's to report ("refers to a pipe that does not exist")
        known = ~has_pipe | (pipe >= 0) | _absent(points)
        rows, points, given = rows[known], points[known], given[known]
        has_pipe, pipe, dist = has_pipe[known], pipe[known], dist[known]
    if (~has_pipe).any():
        at = np.flatnonzero(~has_pipe)
        p, d, t = _nearest_pipe(tree, points[at], pipe_ids, options.valve_max_m)
        pipe[at], dist[at] = p, d
        ties = [(int(at[k]), js) for k, js in t]
    placed = pipe >= 0
    node = np.full(len(rows), None, dtype=object)
    if placed.any():
        along = shapely.line_locate_point(lines[pipe[placed]], points[placed], normalized=True)
        ends = pipes[["from_node", "to_node"]].to_numpy(dtype=object)[pipe[placed]]
        node[placed] = np.where(along <= 0.5, ends[:, 0], ends[:, 1])
    out = valves.copy()
    pipe_col, node_col = _column(out, "pipe_id"), _column(out, "node_id")
    pipe_col[rows[placed]] = pipe_ids[pipe[placed]]
    node_col[rows[placed]] = node[placed]
    out["pipe_id"], out["node_id"] = pipe_col, node_col
    ids = _ids(valves, rows)
    snaps = Snaps(
        "valves",
        ids,
        _names(pipe_ids, pipe),
        tuple(None if n is None else str(n) for n in node.tolist()),
        tuple(dist.tolist()),
        tuple(has_pipe.tolist()),
    )
    ambiguous = tuple((ids[k], tuple(str(pipe_ids[j]) for j in js)) for k, js in ties)
    return out, snaps, ambiguous


def _onto_parts(
    valves: pd.DataFrame,
    customers: gpd.GeoDataFrame | None,
    splits: tuple[TeeSplit, ...],
    pipes: gpd.GeoDataFrame,
    lines: ObjArray,
    metric_crs: CRS | str | None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame | None, tuple[tuple[str, str, str, str], ...]]:
    """Valves and customers whose given ``pipe_id`` is a pipe split at a tee, on the part
    nearest their point; a valve with a ``node_id`` on a part that ends at that node. Without
    a point (or a tie), the first of the candidate parts: the one that kept the id."""
    index = pd.Index(pipes["id"].astype(str))
    parts = {t.pipe: index.get_indexer(pd.Index(t.parts)) for t in splits}
    ends = pipes[["from_node", "to_node"]].astype(str).to_numpy(dtype=object)
    moved: list[tuple[str, str, str, str]] = []
    out: list[Any] = []
    for layer, df in (("valves", valves), ("customers", customers)):
        if df is None or not len(df) or "pipe_id" not in df.columns:
            out.append(df)
            continue
        given = _column(df, "pipe_id")
        rows = np.flatnonzero([g is not None and str(g).strip() in parts for g in given])
        if not len(rows):
            out.append(df)
            continue
        points = _points(df, metric_crs)[rows]
        nodes = _column(df, "node_id")[rows] if layer == "valves" else [None] * len(rows)
        ids = _ids(df, rows)
        for r, point, node, ident in zip(rows, points, nodes, ids, strict=True):
            pipe = str(given[r]).strip()
            candidates = parts[pipe]
            if node is not None and str(node).strip():
                at = [c for c in candidates if str(node).strip() in ends[c]]
                candidates = np.asarray(at or candidates)
            if point is not None and len(candidates) > 1:
                nearest = int(np.argmin(shapely.distance(point, lines[candidates])))
                candidates = candidates[[nearest]]
            given[r] = str(pipes["id"].iloc[int(candidates[0])])
            if given[r] != pipe:
                moved.append((layer, ident, pipe, given[r]))
        df = df.copy()
        df["pipe_id"] = given
        out.append(df)
    return out[0], out[1], tuple(moved)


def _snap_customers(
    customers: gpd.GeoDataFrame,
    tree: shapely.STRtree,
    pipe_ids: ObjArray,
    metric_crs: CRS | str | None,
    options: TopologyOptions,
) -> tuple[gpd.GeoDataFrame, Snaps]:
    """Each customer without its pipe on its nearest pipe."""
    rows = np.flatnonzero(_unlinked(customers, False))
    pipe, dist, _ = _nearest_pipe(
        tree, _points(customers, metric_crs)[rows], pipe_ids, options.customer_max_m
    )
    placed = pipe >= 0
    out = customers.copy()
    col = _column(out, "pipe_id")
    col[rows[placed]] = pipe_ids[pipe[placed]]
    out["pipe_id"] = col
    snaps = Snaps(
        "customers",
        _ids(customers, rows),
        _names(pipe_ids, pipe),
        (None,) * len(rows),
        tuple(dist.tolist()),
    )
    return out, snaps


def _ids(df: pd.DataFrame, rows: IntArray) -> tuple[str, ...]:
    if "id" not in df.columns:
        return tuple(f"row {r}" for r in rows.tolist())
    values = df["id"].iloc[rows].reset_index(drop=True)
    named = values.astype(str).where(values.notna(), pd.Series([f"row {r}" for r in rows]))
    return tuple(named.tolist())


def _names(pipe_ids: ObjArray, pipe: IntArray) -> tuple[str | None, ...]:
    """Pipe ids of pipe indices, None for -1 (vectorised: a city has 300,000 customers)."""
    out = np.full(len(pipe), None, dtype=object)
    out[pipe >= 0] = pipe_ids[pipe[pipe >= 0]].astype(str)
    return tuple(out.tolist())
