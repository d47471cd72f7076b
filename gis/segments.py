"""Valve segments (docs/design.md §3).

A valve on pipe *p* at node *n* cuts *p* from *n*. A segment is a maximal set of pipes and nodes
connected without crossing a valve (Walski 1993). We find them all at once as the connected
components of the pipe–node incidence graph with the valved incidences removed, using scipy's
compiled ``connected_components``: no Python loop over pipes. The partition is the one WNTR's
``wntr.metrics.valve_segments`` returns for the same valve layer.

Several valves at the same pipe end (valves in series) form one *cut*: the pipe end is shut if any
of them closes. Cuts are the edges of the segment graph that isolation searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gis.network import CUSTOMER_CATEGORIES, Network

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Segmentation:
    """The segments of a network and the segment graph.

    Attributes
    ----------
    n_segments
        Number of segments; segment ids are ``0 .. n_segments - 1``.
    node_segment, pipe_segment
        The segment of every node and every pipe.
    cut_pipe, cut_node, cut_valves_ptr, cut_valves
        Valved pipe ends: pipe, node, and (CSR) the valves that sit there.
    cut_closable, cut_normally_closed
        Whether a cut has an operable valve; whether it is shut in normal operation.
    cut_side_pipe, cut_side_node
        The segments on the two sides of each cut (equal when the valve is inside a loop).
    cut_active
        Whether a cut joins two segments: sides differ (and, in the hydraulic form, its pipe is
        open). The segment graph's edges.
    adj_ptr, adj_segment, adj_cut
        The segment graph as CSR: for segment ``s``, neighbours ``adj_segment[adj_ptr[s]:
        adj_ptr[s+1]]`` across cuts ``adj_cut[...]`` (only cuts whose sides differ).
    seg_pipes_ptr, seg_pipes, seg_nodes_ptr, seg_nodes
        Members of each segment (CSR).
    seg_sources, seg_length_m, seg_customers, seg_accounts
        Per segment: sources and tanks, pipe length, customers by category, accounts.
    seg_critical_ptr, seg_critical
        Critical customers of each segment (CSR of customer indices).
    base_component, component_sources
        Connected parts of the segment graph in normal operation (normally-closed cuts shut) and
        how many sources each has.
    hydraulic
        True when closed pipes were treated as cuts (the form isolation uses).
    """

    n_segments: int
    node_segment: IntArray
    pipe_segment: IntArray
    valve_cut: IntArray
    cut_pipe: IntArray
    cut_node: IntArray
    cut_valves_ptr: IntArray
    cut_valves: IntArray
    cut_closable: BoolArray
    cut_normally_closed: BoolArray
    cut_side_pipe: IntArray
    cut_side_node: IntArray
    cut_active: BoolArray
    adj_ptr: IntArray
    adj_segment: IntArray
    adj_cut: IntArray
    seg_pipes_ptr: IntArray
    seg_pipes: IntArray
    seg_nodes_ptr: IntArray
    seg_nodes: IntArray
    seg_sources: IntArray
    seg_length_m: FloatArray
    seg_customers: IntArray  # (n_segments, len(CUSTOMER_CATEGORIES))
    seg_accounts: IntArray
    seg_critical_ptr: IntArray
    seg_critical: IntArray
    base_component: IntArray
    component_sources: IntArray
    hydraulic: bool

    def pipes_of(self, segment: int) -> IntArray:
        """Pipe indices of one segment."""
        return self.seg_pipes[self.seg_pipes_ptr[segment] : self.seg_pipes_ptr[segment + 1]]

    def nodes_of(self, segment: int) -> IntArray:
        """Node indices of one segment."""
        return self.seg_nodes[self.seg_nodes_ptr[segment] : self.seg_nodes_ptr[segment + 1]]

    def boundary_valves_of(self, segment: int) -> IntArray:
        """Valve indices on the boundary of one segment."""
        cuts = self.adj_cut[self.adj_ptr[segment] : self.adj_ptr[segment + 1]]
        if len(cuts) == 0:
            return np.zeros(0, dtype=np.int64)
        parts = [
            self.cut_valves[self.cut_valves_ptr[c] : self.cut_valves_ptr[c + 1]]
            for c in np.unique(cuts).tolist()
        ]
        return np.concatenate(parts)

    def boundary_valves(self) -> tuple[IntArray, IntArray]:
        """All (segment, valve) boundary pairs as two arrays, sorted by segment (vectorised)."""
        counts = np.diff(self.cut_valves_ptr)
        seg = np.repeat(np.arange(self.n_segments), np.diff(self.adj_ptr))
        # a segment with two cuts to the same neighbour lists each cut's valves once
        pairs = np.unique(np.column_stack([seg, self.adj_cut]), axis=0)
        seg, cut = pairs[:, 0], pairs[:, 1]
        reps = counts[cut]
        starts = self.cut_valves_ptr[cut]
        offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        return np.repeat(seg, reps), self.cut_valves[np.repeat(starts, reps) + offsets]


def segment_network(network: Network, *, hydraulic: bool = False) -> Segmentation:
    """Compute the valve segments of a network.

    Parameters
    ----------
    network
        The network.
    hydraulic
        Also treat closed pipes (``status`` closed) as shut at both ends, so that no water
        passes them. Off, the partition is WNTR's (topological); isolation switches it on.
    """
    pipes, valves = network.pipes, network.valves
    n_nodes, n_pipes = len(network.nodes), len(pipes)
    start, end = pipes.start, pipes.end

    # Cuts: distinct valved pipe ends, keyed pipe * 2 + (0 at from_node, 1 at to_node).
    at_end = (valves.node != start[valves.pipe]).astype(np.int64)
    keys = valves.pipe * 2 + at_end
    cut_keys, valve_cut = np.unique(keys, return_inverse=True)
    valve_cut = valve_cut.astype(np.int64)
    cut_pipe = cut_keys // 2
    cut_node = np.where(cut_keys % 2 == 0, start[cut_pipe], end[cut_pipe])
    n_cuts = len(cut_keys)
    order = np.argsort(valve_cut, kind="stable")
    cut_valves_ptr = _ptr(np.bincount(valve_cut, minlength=n_cuts))
    cut_valves = order.astype(np.int64)
    cut_closable = np.bincount(valve_cut, weights=valves.operable, minlength=n_cuts) > 0
    cut_normally_closed = (
        np.bincount(valve_cut, weights=valves.normally_closed, minlength=n_cuts) > 0
    )

    valved = np.zeros(2 * n_pipes, dtype=bool)
    valved[cut_keys] = True
    open_start = ~valved[0::2]
    open_end = ~valved[1::2]
    if hydraulic:
        open_start &= pipes.is_open
        open_end &= pipes.is_open
    pipe_vertex = n_nodes + np.arange(n_pipes, dtype=np.int64)
    rows = np.concatenate([pipe_vertex[open_start], pipe_vertex[open_end]])
    cols = np.concatenate([start[open_start], end[open_end]])
    size = n_nodes + n_pipes
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    n_segments, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    node_segment = labels[:n_nodes]
    pipe_segment = labels[n_nodes:]

    side_pipe = pipe_segment[cut_pipe]
    side_node = node_segment[cut_node]
    # A cut joins two segments; in the hydraulic form a valve on a closed pipe joins nothing.
    active = side_pipe != side_node
    if hydraulic:
        active &= pipes.is_open[cut_pipe]
    boundary = np.flatnonzero(active)
    src = np.concatenate([side_pipe[boundary], side_node[boundary]])
    dst = np.concatenate([side_node[boundary], side_pipe[boundary]])
    via = np.concatenate([boundary, boundary])
    adj_order = np.argsort(src, kind="stable")
    adj_ptr = _ptr(np.bincount(src, minlength=n_segments))

    seg_pipes_ptr = _ptr(np.bincount(pipe_segment, minlength=n_segments))
    seg_pipes = np.argsort(pipe_segment, kind="stable").astype(np.int64)
    seg_nodes_ptr = _ptr(np.bincount(node_segment, minlength=n_segments))
    seg_nodes = np.argsort(node_segment, kind="stable").astype(np.int64)

    (
        seg_sources,
        seg_length_m,
        seg_customers,
        seg_accounts,
        seg_critical_ptr,
        seg_critical,
    ) = _group_totals(network, n_segments, node_segment, pipe_segment)

    # Normal operation: normally-closed cuts are shut.
    open_cut = boundary[~cut_normally_closed[boundary]]
    seg_graph = coo_matrix(
        (np.ones(len(open_cut), dtype=np.int8), (side_pipe[open_cut], side_node[open_cut])),
        shape=(n_segments, n_segments),
    )
    _, base_component = connected_components(seg_graph, directed=False)
    base_component = base_component.astype(np.int64)
    component_sources = np.bincount(base_component, weights=seg_sources).astype(np.int64)

    return Segmentation(
        n_segments=int(n_segments),
        node_segment=node_segment,
        pipe_segment=pipe_segment,
        valve_cut=valve_cut,
        cut_pipe=cut_pipe,
        cut_node=cut_node,
        cut_valves_ptr=cut_valves_ptr,
        cut_valves=cut_valves,
        cut_closable=cut_closable,
        cut_normally_closed=cut_normally_closed,
        cut_side_pipe=side_pipe,
        cut_side_node=side_node,
        cut_active=active,
        adj_ptr=adj_ptr,
        adj_segment=dst[adj_order],
        adj_cut=via[adj_order],
        seg_pipes_ptr=seg_pipes_ptr,
        seg_pipes=seg_pipes,
        seg_nodes_ptr=seg_nodes_ptr,
        seg_nodes=seg_nodes,
        seg_sources=seg_sources,
        seg_length_m=seg_length_m,
        seg_customers=seg_customers,
        seg_accounts=seg_accounts,
        seg_critical_ptr=seg_critical_ptr,
        seg_critical=seg_critical,
        base_component=base_component,
        component_sources=component_sources,
        hydraulic=hydraulic,
    )


def _group_totals(
    network: Network, n_groups: int, node_group: IntArray, pipe_group: IntArray
) -> tuple[IntArray, FloatArray, IntArray, IntArray, IntArray, IntArray]:
    """Per group of a partition of the nodes and pipes: sources, pipe length, customers by
    category, accounts, and (CSR) the critical customers. A customer drawing from a node (an
    EPANET demand) belongs to that node's group, any other to its pipe's."""
    nodes, pipes, customers = network.nodes, network.pipes, network.customers
    sources = np.bincount(node_group[nodes.is_source], minlength=n_groups).astype(np.int64)
    length = np.bincount(pipe_group, weights=pipes.length_m, minlength=n_groups).astype(np.float64)
    n_cat = len(CUSTOMER_CATEGORIES)
    at_node = customers.node >= 0
    cust_group = np.where(
        at_node, node_group[np.where(at_node, customers.node, 0)], pipe_group[customers.pipe]
    ).astype(np.int64)
    by_category = (
        np.bincount(cust_group * n_cat + customers.category, minlength=n_groups * n_cat)
        .reshape(n_groups, n_cat)
        .astype(np.int64)
    )
    accounts = np.bincount(cust_group, weights=customers.accounts, minlength=n_groups).astype(
        np.int64
    )
    critical = np.flatnonzero(customers.category == CUSTOMER_CATEGORIES.index("critical"))
    crit_order = np.argsort(cust_group[critical], kind="stable")
    critical_ptr = _ptr(np.bincount(cust_group[critical], minlength=n_groups))
    in_order = critical[crit_order].astype(np.int64)
    return sources, length, by_category, accounts, critical_ptr, in_order


def _ptr(counts: npt.NDArray[Any]) -> IntArray:
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


@dataclass(frozen=True, eq=False)
class SupplyUnits:
    """The parts of the segments that have water or lose it together (issue 14).

    Water passes an open two-way link both ways, a one-way link (a pump, a check valve, a
    pressure-reducing valve) only from its start to its end node, and a closed link not at all.
    Inside a segment the part downstream of a one-way link can then be fed from the part
    upstream, but not the other way round. A *supply unit* is a strongly connected part of a
    segment (in the directed incidence graph of nodes and pipes, with normally-closed valves
    shut): isolation shuts whole segments, so every unit of the others is fed or dry as a whole.
    Where no open link is one-way, the units are the segments themselves (same numbers).

    Attributes
    ----------
    n_units
        Number of units; unit ids are ``0 .. n_units - 1``.
    node_unit, pipe_unit, unit_segment
        The unit of every node and pipe; the segment of every unit.
    seg_units_ptr, seg_units
        The units of each segment (CSR).
    unit_pipes_ptr, unit_pipes, unit_nodes_ptr, unit_nodes
        Members of each unit (CSR).
    unit_sources, unit_length_m, unit_customers, unit_accounts, unit_critical_ptr, unit_critical
        Per unit, as the ``seg_*`` totals of :class:`Segmentation`.
    edge_from, edge_to
        The unit graph: water can pass from unit ``edge_from[k]`` to ``edge_to[k]`` in normal
        operation (each pair once). None when not computed (:func:`segment_units`: the
        two-way search works on the segment graph).
    cut_into_pipe, cut_into_node
        Per cut of the segmentation: whether water can pass it from the node into the pipe, and
        from the pipe into the node (both, on a two-way link).
    one_way
        Whether some open link is one-way and was followed (False: every open link counts as
        two-way, and the units are the segments).
    """

    n_units: int
    node_unit: IntArray
    pipe_unit: IntArray
    unit_segment: IntArray
    seg_units_ptr: IntArray
    seg_units: IntArray
    unit_pipes_ptr: IntArray
    unit_pipes: IntArray
    unit_nodes_ptr: IntArray
    unit_nodes: IntArray
    unit_sources: IntArray
    unit_length_m: FloatArray
    unit_customers: IntArray  # (n_units, len(CUSTOMER_CATEGORIES))
    unit_accounts: IntArray
    unit_critical_ptr: IntArray
    unit_critical: IntArray
    edge_from: IntArray | None
    edge_to: IntArray | None
    cut_into_pipe: BoolArray
    cut_into_node: BoolArray
    one_way: bool

    def pipes_of(self, unit: int) -> IntArray:
        """Pipe indices of one unit."""
        return self.unit_pipes[self.unit_pipes_ptr[unit] : self.unit_pipes_ptr[unit + 1]]

    def nodes_of(self, unit: int) -> IntArray:
        """Node indices of one unit."""
        return self.unit_nodes[self.unit_nodes_ptr[unit] : self.unit_nodes_ptr[unit + 1]]

    def units_of(self, segment: int) -> IntArray:
        """Unit ids of one segment."""
        return self.seg_units[self.seg_units_ptr[segment] : self.seg_units_ptr[segment + 1]]


def segment_units(seg: Segmentation) -> SupplyUnits:
    """The segments as supply units (every open link two-way), without the unit graph."""
    n = seg.n_segments
    ids = np.arange(n, dtype=np.int64)
    every = np.ones(len(seg.cut_pipe), dtype=bool)
    return SupplyUnits(
        n_units=n,
        node_unit=seg.node_segment,
        pipe_unit=seg.pipe_segment,
        unit_segment=ids,
        seg_units_ptr=np.arange(n + 1, dtype=np.int64),
        seg_units=ids,
        unit_pipes_ptr=seg.seg_pipes_ptr,
        unit_pipes=seg.seg_pipes,
        unit_nodes_ptr=seg.seg_nodes_ptr,
        unit_nodes=seg.seg_nodes,
        unit_sources=seg.seg_sources,
        unit_length_m=seg.seg_length_m,
        unit_customers=seg.seg_customers,
        unit_accounts=seg.seg_accounts,
        unit_critical_ptr=seg.seg_critical_ptr,
        unit_critical=seg.seg_critical,
        edge_from=None,
        edge_to=None,
        cut_into_pipe=every,
        cut_into_node=every,
        one_way=False,
    )


def supply_units(network: Network, seg: Segmentation, *, one_way: bool = True) -> SupplyUnits:
    """The supply units of a segmentation and the directed graph between them.

    Parameters
    ----------
    network, seg
        The network and its segmentation (the hydraulic one when some pipes are closed).
    one_way
        Follow one-way links (:attr:`gis.network.Pipes.one_way`); False treats every open link
        as two-way, which makes the units the segments.
    """
    pipes = network.pipes
    n_nodes, n_pipes = len(network.nodes), len(pipes)
    start, end = pipes.start, pipes.end
    one = pipes.one_way & pipes.is_open if one_way else np.zeros(n_pipes, dtype=bool)

    # Every pipe end that passes water in normal operation: open pipes, normally-closed
    # valves shut (valves that are open pass water, inside a segment or between two).
    at_start_cut = seg.cut_node == start[seg.cut_pipe]
    cut_keys = seg.cut_pipe * 2 + (~at_start_cut).astype(np.int64)
    shut = np.zeros(2 * n_pipes, dtype=bool)
    shut[cut_keys[seg.cut_normally_closed]] = True
    pipe_vertex = n_nodes + np.arange(n_pipes, dtype=np.int64)
    at_start = pipes.is_open & ~shut[0::2]
    at_end = pipes.is_open & ~shut[1::2]
    # Vertices 0..n_nodes-1 are nodes, then pipes; a one-way link takes water in at its start
    # and gives it out at its end.
    src = np.concatenate(
        [start[at_start], pipe_vertex[at_start & ~one], pipe_vertex[at_end], end[at_end & ~one]]
    )
    dst = np.concatenate(
        [pipe_vertex[at_start], start[at_start & ~one], end[at_end], pipe_vertex[at_end & ~one]]
    )
    vertex_segment = np.concatenate([seg.node_segment, seg.pipe_segment])
    size = n_nodes + n_pipes
    if one.any():
        inside = vertex_segment[src] == vertex_segment[dst]
        graph = coo_matrix(
            (np.ones(int(inside.sum()), dtype=np.int8), (src[inside], dst[inside])),
            shape=(size, size),
        )
        n_units, labels = connected_components(graph, directed=True, connection="strong")
        labels = labels.astype(np.int64)
        unit_segment = np.zeros(n_units, dtype=np.int64)
        unit_segment[labels] = vertex_segment
    else:
        n_units, labels = seg.n_segments, vertex_segment
        unit_segment = np.arange(n_units, dtype=np.int64)
    node_unit, pipe_unit = labels[:n_nodes], labels[n_nodes:]

    a, b = labels[src], labels[dst]
    between = a != b
    pairs = np.unique(a[between] * n_units + b[between])
    (
        unit_sources,
        unit_length_m,
        unit_customers,
        unit_accounts,
        unit_critical_ptr,
        unit_critical,
    ) = _group_totals(network, int(n_units), node_unit, pipe_unit)
    one_at_cut = one[seg.cut_pipe]
    return SupplyUnits(
        n_units=int(n_units),
        node_unit=node_unit,
        pipe_unit=pipe_unit,
        unit_segment=unit_segment,
        seg_units_ptr=_ptr(np.bincount(unit_segment, minlength=seg.n_segments)),
        seg_units=np.argsort(unit_segment, kind="stable").astype(np.int64),
        unit_pipes_ptr=_ptr(np.bincount(pipe_unit, minlength=n_units)),
        unit_pipes=np.argsort(pipe_unit, kind="stable").astype(np.int64),
        unit_nodes_ptr=_ptr(np.bincount(node_unit, minlength=n_units)),
        unit_nodes=np.argsort(node_unit, kind="stable").astype(np.int64),
        unit_sources=unit_sources,
        unit_length_m=unit_length_m,
        unit_customers=unit_customers,
        unit_accounts=unit_accounts,
        unit_critical_ptr=unit_critical_ptr,
        unit_critical=unit_critical,
        edge_from=(pairs // n_units).astype(np.int64),
        edge_to=(pairs % n_units).astype(np.int64),
        cut_into_pipe=~one_at_cut | at_start_cut,
        cut_into_node=~one_at_cut | ~at_start_cut,
        one_way=bool(one.any()),
    )


def segments_table(network: Network, seg: Segmentation) -> list[dict[str, Any]]:
    """Every segment as ``{"id", "pipes", "nodes", "valves"}`` (ids; valves = boundary valves),
    the form of ``waterops segments --json``."""
    pipe_ids = network.pipes.ids
    node_ids = network.nodes.ids
    valve_ids = network.valves.ids
    bseg, bvalve = seg.boundary_valves()
    bptr = _ptr(np.bincount(bseg, minlength=seg.n_segments))
    out = []
    for s in range(seg.n_segments):
        out.append(
            {
                "id": s,
                "pipes": pipe_ids[
                    seg.seg_pipes[seg.seg_pipes_ptr[s] : seg.seg_pipes_ptr[s + 1]]
                ].tolist(),
                "nodes": node_ids[
                    seg.seg_nodes[seg.seg_nodes_ptr[s] : seg.seg_nodes_ptr[s + 1]]
                ].tolist(),
                "valves": valve_ids[bvalve[bptr[s] : bptr[s + 1]]].tolist(),
            }
        )
    return out


def segments_summary(seg: Segmentation) -> dict[str, Any]:
    """Size statistics of a segmentation, for the human report."""
    pipes_per = np.diff(seg.seg_pipes_ptr)
    customers_per = seg.seg_customers.sum(axis=1)
    with_pipes = pipes_per > 0
    return {
        "segments": seg.n_segments,
        "segments_with_pipes": int(np.count_nonzero(with_pipes)),
        "node_only_segments": int(np.count_nonzero(~with_pipes)),
        "largest_segment_pipes": int(pipes_per.max()) if seg.n_segments else 0,
        "mean_pipes_per_segment": float(pipes_per[with_pipes].mean()) if with_pipes.any() else 0,
        "largest_segment_length_m": float(seg.seg_length_m.max()) if seg.n_segments else 0.0,
        "largest_segment_customers": int(customers_per.max()) if seg.n_segments else 0,
        "cuts": len(seg.cut_pipe),
        "valves_inside_loops": int(np.count_nonzero(seg.cut_side_pipe == seg.cut_side_node)),
    }
