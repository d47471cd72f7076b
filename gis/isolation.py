"""Isolating a break: which valves to close, and who loses water (docs/design.md §3).

The search works on the segment graph computed once per network (:mod:`gis.segments`):

1. Start from the broken pipe's segment. Every valve on the boundary of the growing area is a
   candidate to close; a boundary valve that cannot be closed (inoperable in the data, or reported
   failed in the field) is bypassed: the segment across it joins the area and the search goes on
   outward. Normally-closed valves are already shut.
2. With the area shut, the segments next to it are searched outward at the same pace, merging
   when they meet. A search that runs out without finding a source is a part of the network left
   dry: *unintended isolation* (Jun & Loganathan 2007). Closing the valve into such a part is not
   needed to stop the flow into the break, so it is not in ``valves_to_close`` (Giswater's
   "mincut" makes the same distinction). The last search still going in a connected part of the
   network is decided by counting that part's sources, so the search stays local: its cost
   depends on the size of the dry parts, not of the network.
3. Water passes a pump, a check valve or a PRV only from its start to its end node (issue 14).
   In a network with such links, what is dry is worked out on the directed graph of supply
   units (:class:`gis.segments.SupplyUnits`: the parts of segments that are fed together),
   upstream from each part the shut area fed (:meth:`Isolator._dry_units`); a boundary valve
   that water cannot pass into the area need not close, nor be bypassed when it will not.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, depth_first_order

from gis.area import affected_area, area_geojson, corridor
from gis.errors import OutsideNetwork
from gis.network import CUSTOMER_CATEGORIES, NODE_KINDS, Network
from gis.segments import Segmentation, SupplyUnits, segment_network, segment_units, supply_units

IntArray = npt.NDArray[np.int64]
AREA_BUFFER_M = 25.0  # corridor half-width of the affected area (properties along the pipe)
AREA_CACHE = 200_000  # segment corridors kept per network


@dataclass(frozen=True)
class ValveRef:
    """A valve as a field crew needs it: id, the pipe and node it sits at, where it is."""

    id: str
    pipe_id: str
    node_id: str
    x: float
    y: float
    lon: float | None = None
    lat: float | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "pipe": self.pipe_id, "node": self.node_id}
        if self.lon is not None and self.lat is not None:
            out["location"] = [round(self.lon, 7), round(self.lat, 7)]
        else:  # local coordinates; none for a valve at a node without coordinates
            out["location"] = [self.x, self.y] if np.isfinite([self.x, self.y]).all() else None
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class CriticalCustomer:
    id: str
    name: str | None
    kind: str | None
    pipe_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "pipe": self.pipe_id}


@dataclass(frozen=True)
class CustomerImpact:
    """Customers who lose water."""

    total: int
    accounts: int
    by_category: dict[str, int]
    critical: tuple[CriticalCustomer, ...]
    isolated: int = 0
    unintended: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "accounts": self.accounts,
            "by_category": dict(self.by_category),
            "critical": [c.to_dict() for c in self.critical],
            "in_isolated_area": self.isolated,
            "in_unintended_area": self.unintended,
        }


# The English of the plan's warnings, by key; the console holds the same keys in Chinese
# (``"msg:<key>"`` in api/web/static/js/i18n.js).
WARNINGS: dict[str, str] = {
    "source_inside": (
        "the isolated area contains {sources} ({kinds}): no valve separates the break from it; "
        "shut its outlet or pumps"
    ),
    "break_closed": "a broken pipe is closed (status closed): it carries no water",
}


@dataclass(frozen=True)
class IsolationPlan:
    """What to close for a break, and its consequences (the keys of ``isolate --json``)."""

    breaks: tuple[str, ...]
    valves_to_close: tuple[ValveRef, ...]
    bypassed_valves: tuple[ValveRef, ...]
    valves_not_needed: tuple[ValveRef, ...]
    closed_on_boundary: tuple[ValveRef, ...]
    isolated_pipes: tuple[str, ...]
    isolated_nodes: tuple[str, ...]
    unintended_pipes: tuple[str, ...]
    unintended_nodes: tuple[str, ...]
    customers: CustomerImpact
    length_m: float
    isolated_length_m: float
    unintended_length_m: float
    streets: tuple[str, ...]
    area: dict[str, Any] | None
    warnings: tuple[str, ...] = ()  # the English of warning_keys
    isolated_from_sources: bool = True
    warning_keys: tuple[tuple[str, dict[str, str]], ...] = ()
    isolated_segments: frozenset[int] = field(default=frozenset(), repr=False, compare=False)
    # supply units (gis.segments.SupplyUnits) of the isolated area and of the unintended one
    isolated_units: frozenset[int] = field(default=frozenset(), repr=False, compare=False)
    unintended_units: frozenset[int] = field(default=frozenset(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "breaks": list(self.breaks),
            "valves_to_close": [v.to_dict() for v in self.valves_to_close],
            "bypassed_valves": [v.to_dict() for v in self.bypassed_valves],
            "valves_not_needed": [v.to_dict() for v in self.valves_not_needed],
            "closed_on_boundary": [v.to_dict() for v in self.closed_on_boundary],
            "isolated_pipes": list(self.isolated_pipes),
            "isolated_nodes": list(self.isolated_nodes),
            "unintended_pipes": list(self.unintended_pipes),
            "unintended_nodes": list(self.unintended_nodes),
            "customers": self.customers.to_dict(),
            "length_m": round(self.length_m, 1),
            "isolated_length_m": round(self.isolated_length_m, 1),
            "unintended_length_m": round(self.unintended_length_m, 1),
            "streets": list(self.streets),
            "area": self.area,
            "isolated_from_sources": self.isolated_from_sources,
            "warnings": list(self.warnings),
            "warning_keys": [{"key": k, "params": p} for k, p in self.warning_keys],
        }


# Why a boundary valve of a shut area need not be closed (``ValveRef.reason`` of
# ``IsolationPlan.valves_not_needed``): the part beyond it has no water to send in (no source
# left there), or water cannot pass it into the area (the link it sits on is one-way out of it:
# a pump, a check valve, a PRV).
NOT_NEEDED_REASONS: tuple[str, str] = (
    "no source beyond it",
    "one-way: water cannot pass it into the shut area",
)


@dataclass(frozen=True)
class Cut:
    """The outcome of the segment-level search, before it is turned into ids.

    Segments are shut whole; what loses water besides is counted in supply units
    (:class:`gis.segments.SupplyUnits`), which are the segments themselves where every open link
    is two-way.
    """

    isolated: frozenset[int]  # segments shut by the valves
    unintended: frozenset[int]  # supply units left with no source
    close: tuple[int, ...]  # valves to close
    not_needed: tuple[int, ...]  # boundary valves into dry parts (or that water cannot pass in)
    bypassed: tuple[int, ...]  # boundary valves that could not be closed
    closed_on_boundary: tuple[int, ...]  # normally-closed valves on the boundary
    sources_inside: tuple[int, ...]  # segments of the isolated area holding a source
    # why each of not_needed need not close (NOT_NEEDED_REASONS), in the same order
    not_needed_reasons: tuple[str, ...] = ()
    isolated_units: frozenset[int] = frozenset()  # the supply units of ``isolated``


class Isolator:
    """Answers isolation queries on one network.

    Builds the hydraulic segmentation once (closed pipes count as shut); each query then touches
    only the segments it needs.

    Parameters
    ----------
    network
        The network.
    segmentation
        Its segmentation, if already computed (the hydraulic one is computed when pipes are
        closed and this one is not).
    directed
        Follow the direction water can flow (pumps, check valves, PRVs pass it one way only):
        None, the default, does so when the network has an open one-way link; False treats every
        open link as two-way (the answer before issue 14); True always runs the directed search
        (on a network without one-way links it gives the two-way answer).
    """

    def __init__(
        self,
        network: Network,
        segmentation: Segmentation | None = None,
        *,
        directed: bool | None = None,
    ) -> None:
        self.network = network
        if segmentation is None or not segmentation.hydraulic:
            if segmentation is not None and not network.pipes.is_open.all():
                segmentation = None
            segmentation = segmentation or segment_network(
                network, hydraulic=not network.pipes.is_open.all()
            )
        self.segmentation = segmentation
        seg = segmentation
        # Python lists: the search below indexes them element by element, which is much
        # faster on lists than on numpy arrays.
        self._adj_ptr: list[int] = seg.adj_ptr.tolist()
        self._adj_segment: list[int] = seg.adj_segment.tolist()
        self._adj_cut: list[int] = seg.adj_cut.tolist()
        self._cut_nc: list[bool] = seg.cut_normally_closed.tolist()
        self._cut_closable: list[bool] = seg.cut_closable.tolist()
        ptr = seg.cut_valves_ptr.tolist()
        valves = seg.cut_valves.tolist()
        self._cut_valves: list[list[int]] = [
            valves[ptr[c] : ptr[c + 1]] for c in range(len(ptr) - 1)
        ]
        self._operable: list[bool] = network.valves.operable.tolist()
        self._seg_sources: list[int] = seg.seg_sources.tolist()
        self._component: list[int] = seg.base_component.tolist()
        self._component_sources: list[int] = seg.component_sources.tolist()
        if directed is None:
            directed = bool((network.pipes.one_way & network.pipes.is_open).any())
        self.directed = directed
        self.units = supply_units(network, seg) if directed else segment_units(seg)
        units = self.units
        # Per entry of the segment graph (from segment s across cut c to t): can water pass c
        # from t's side into s's, and which supply unit is just across.
        origin = np.repeat(np.arange(seg.n_segments), np.diff(seg.adj_ptr))
        pipe_across = seg.cut_side_pipe[seg.adj_cut] != origin
        self._adj_inward: list[bool] = np.where(
            pipe_across, units.cut_into_node[seg.adj_cut], units.cut_into_pipe[seg.adj_cut]
        ).tolist()
        self._adj_across_unit: list[int] = np.where(
            pipe_across,
            units.pipe_unit[seg.cut_pipe[seg.adj_cut]],
            units.node_unit[seg.cut_node[seg.adj_cut]],
        ).tolist()
        self._seg_units: list[list[int]] = []
        if directed:
            self._index_flow(units)
        else:
            self._tree_start, self._tree_end = _source_tree(seg)
        self._corridors: dict[int, Any] = {}  # supply unit -> metric corridor polygon
        self._single_areas: dict[int, dict[str, Any] | None] = {}  # supply unit -> GeoJSON
        self._cache_lock = threading.Lock()
        self._valve_lonlat = network.to_wgs84(network.valves.xy) if network.has_map else None

    def _index_flow(self, units: SupplyUnits) -> None:
        """The directed search's structures: the unit graph both ways (CSR) and the pre-order
        ranges of a shortest-hop tree of it rooted at the sources."""
        assert units.edge_from is not None and units.edge_to is not None
        n = units.n_units
        order = np.argsort(units.edge_from, kind="stable")
        out_ptr = _ptr(np.bincount(units.edge_from, minlength=n))
        out_to = units.edge_to[order]
        order = np.argsort(units.edge_to, kind="stable")
        in_ptr = _ptr(np.bincount(units.edge_to, minlength=n))
        in_from = units.edge_from[order]
        fed = np.flatnonzero(units.unit_sources > 0)
        rows = np.concatenate([units.edge_from, np.full(len(fed), n)])
        cols = np.concatenate([units.edge_to, fed])
        start, end = _tree_ranges(n, rows, cols, directed=True)
        self._out_ptr: list[int] = out_ptr.tolist()
        self._out_to: list[int] = out_to.tolist()
        self._in_ptr: list[int] = in_ptr.tolist()
        self._in_from: list[int] = in_from.tolist()
        self._flow_start: list[int] = start.tolist()
        self._flow_end: list[int] = end.tolist()
        self._seg_units = [units.units_of(s).tolist() for s in range(self.segmentation.n_segments)]

    # -- segment-level search -------------------------------------------------------------

    def cut(self, start_segments: Iterable[int], failed: frozenset[int] = frozenset()) -> Cut:
        """Isolate a set of segments; ``failed`` are valve indices that will not close."""
        adj_ptr, adj_segment, adj_cut = self._adj_ptr, self._adj_segment, self._adj_cut
        cut_nc, cut_valves = self._cut_nc, self._cut_valves

        inward = self._adj_inward
        area: set[int] = set(start_segments)
        stack = list(area)
        candidates: list[tuple[int, int, int]] = []  # (cut, segment across, graph entry)
        bypassed: list[int] = []
        closed_boundary: list[tuple[int, int]] = []
        while stack:
            s = stack.pop()
            for k in range(adj_ptr[s], adj_ptr[s + 1]):
                t = adj_segment[k]
                if t in area:
                    continue
                c = adj_cut[k]
                if cut_nc[c]:
                    closed_boundary.append((c, t))
                elif self._closable(c, failed):
                    candidates.append((c, t, k))
                elif inward[k]:
                    bypassed.extend(cut_valves[c])
                    area.add(t)
                    stack.append(t)
                # else: a one-way link out of the area: no water comes back in across it

        across: dict[int, list[tuple[int, int]]] = {}
        for c, t, k in candidates:
            if t not in area:
                across.setdefault(t, []).append((c, k))
        close: list[int] = []
        not_needed: list[int] = []
        why: list[str] = []
        no_source, one_way = NOT_NEEDED_REASONS
        if self.directed:
            area_units = {u for s in area for u in self._seg_units[s]}
            dry = self._dry_units(area_units)
            tree, across_unit = self._flow_start, self._adj_across_unit
            for entries in across.values():
                for c, k in dict.fromkeys(entries):
                    x = across_unit[k]
                    if inward[k] and tree[x] >= 0 and x not in dry:
                        close.append(self._valve_to_close(c, failed))
                    else:
                        not_needed.append(self._valve_to_close(c, failed))
                        why.append(one_way if not inward[k] else no_source)
        else:
            area_units = area
            fed, dry = self._search_outward(area, list(across))
            for t, entries in across.items():
                for c in dict.fromkeys(c for c, _ in entries):
                    if t in fed:
                        close.append(self._valve_to_close(c, failed))
                    else:
                        not_needed.append(self._valve_to_close(c, failed))
                        why.append(no_source)
        nc_cuts = dict.fromkeys(c for c, t in closed_boundary if t not in area)
        nc_valves = [v for c in nc_cuts for v in cut_valves[c]]
        return Cut(
            isolated=frozenset(area),
            unintended=frozenset(dry),
            close=tuple(close),
            not_needed=tuple(not_needed),
            not_needed_reasons=tuple(why),
            bypassed=tuple(dict.fromkeys(bypassed)),
            closed_on_boundary=tuple(dict.fromkeys(nc_valves)),
            sources_inside=tuple(s for s in area if self._seg_sources[s]),
            isolated_units=frozenset(area_units),
        )

    def _closable(self, c: int, failed: frozenset[int]) -> bool:
        if not failed:
            return self._cut_closable[c]
        return any(self._operable[v] and v not in failed for v in self._cut_valves[c])

    def _valve_to_close(self, c: int, failed: frozenset[int]) -> int:
        for v in self._cut_valves[c]:
            if self._operable[v] and v not in failed:
                return v
        raise AssertionError("a closable cut has an operable valve")  # pragma: no cover

    def _search_outward(self, area: set[int], starts: list[int]) -> tuple[set[int], set[int]]:
        """Which segments next to the shut area still reach a source.

        Returns the start segments that are fed, and every segment left dry. One breadth-first
        search per start, run in turns; a search stops as soon as it finds a source or meets a
        search that did (fed), or when it runs out of segments (dry); two running searches that
        meet merge (union-find). In a connected part of the network where every other search ran
        dry, the last one running is fed exactly when the part has a source outside the area: it
        is decided by counting, so a break whose neighbours merge quickly costs little however
        far the sources are.
        """
        adj_ptr, adj_segment, adj_cut, cut_nc = (
            self._adj_ptr,
            self._adj_segment,
            self._adj_cut,
            self._cut_nc,
        )
        seg_sources, component = self._seg_sources, self._component

        parent: list[int] = list(range(len(starts)))

        def find(g: int) -> int:
            while parent[g] != g:
                parent[g] = parent[parent[g]]
                g = parent[g]
            return g

        fed_outside = self._fed_outside(area)
        owner: dict[int, int] = {}
        queues: list[deque[int]] = []
        members: list[list[int]] = []
        fed_roots: set[int] = set()
        dry_roots: set[int] = set()
        running: dict[int, set[int]] = {}  # component -> running search roots
        fed_in: dict[int, int] = {}  # component -> searches found fed
        for g, t in enumerate(starts):
            owner[t] = g
            queues.append(deque([t]))
            members.append([t])
            comp = component[t]
            if seg_sources[t] or fed_outside(t):
                fed_roots.add(g)
                fed_in[comp] = fed_in.get(comp, 0) + 1
            else:
                running.setdefault(comp, set()).add(g)
        area_sources: dict[int, int] = {}
        for s in area:
            if seg_sources[s]:
                area_sources[component[s]] = area_sources.get(component[s], 0) + seg_sources[s]

        comps = [c for c, roots in running.items() if roots]
        while comps:
            still: list[int] = []
            for comp in comps:
                roots = running[comp]
                # every other search here ran dry: count the part's sources
                if (
                    len(roots) == 1
                    and not fed_in.get(comp)
                    and self._component_sources[comp] > area_sources.get(comp, 0)
                ):
                    fed_roots.add(roots.pop())
                    continue
                for g in list(roots):
                    if find(g) != g or g not in roots:
                        continue
                    queue = queues[g]
                    if not queue:
                        roots.discard(g)
                        dry_roots.add(g)
                        continue
                    s = queue.popleft()
                    for k in range(adj_ptr[s], adj_ptr[s + 1]):
                        if cut_nc[adj_cut[k]]:
                            continue
                        t = adj_segment[k]
                        if t in area:
                            continue
                        o = owner.get(t)
                        if o is None:
                            owner[t] = g
                            if seg_sources[t] or fed_outside(t):
                                break
                            queue.append(t)
                            members[g].append(t)
                            continue
                        h = find(o)
                        if h == g:
                            continue
                        if h in fed_roots:
                            parent[g] = h
                            break
                        # two running searches met: merge the smaller into the larger
                        big, small = (g, h) if len(members[g]) >= len(members[h]) else (h, g)
                        parent[small] = big
                        queues[big].extend(queues[small])
                        queues[small] = deque()
                        members[big].extend(members[small])
                        members[small] = []
                        roots.discard(small)
                        g = big  # go on expanding s for the merged search
                        queue = queues[big]
                    else:
                        continue
                    # the search found a source, or met a fed one
                    roots.discard(g)
                    if find(g) == g:
                        fed_roots.add(g)
                    fed_in[comp] = fed_in.get(comp, 0) + 1
                if roots:
                    still.append(comp)
            comps = still

        fed = {t for t in starts if find(owner[t]) in fed_roots}
        dry: set[int] = set()
        for g in dry_roots:
            if self._component_sources[component[members[g][0]]] > 0:
                dry.update(members[g])  # parts that were dry before the break are not counted
        return fed, dry

    def _fed_outside(self, area: set[int]) -> Callable[[int], bool]:
        """A fast proof that a segment still reaches a source with ``area`` shut.

        The source tree is a spanning tree of the segment graph rooted at all sources at once.
        If no segment of the area is an ancestor of ``t`` in it, the tree path from ``t`` to a
        source is intact. Descendants of a segment are a contiguous range of the tree's
        pre-order, so the test is a bisection over the area's ranges.
        """
        start, end = self._tree_start, self._tree_end
        ranges = sorted((start[s], end[s]) for s in area if start[s] >= 0)
        lows: list[int] = []
        highs: list[int] = []
        for lo, hi in ranges:
            if highs and lo < highs[-1]:
                continue  # nested in the previous range
            lows.append(lo)
            highs.append(hi)

        def fed(t: int) -> bool:
            pos = start[t]
            if pos < 0:
                return False  # a part of the network with no source at all
            i = bisect_right(lows, pos) - 1
            return i < 0 or pos >= highs[i]

        return fed

    def _dry_units(self, area: set[int]) -> set[int]:
        """The supply units that lose their water when the units ``area`` are shut.

        A unit can only lose it if water reached it through the area: the candidates are the
        units the area feeds, and then the units fed by those found dry. Each candidate is
        searched upstream (against the flow) until the search proves it fed — it meets a unit
        whose path in the source tree (a shortest-hop tree of the directed unit graph rooted
        at the sources) avoids the area, or one already found fed — or runs out: then every
        unit it met is dry. The cost depends on the size of the dry parts and on how far the
        search must go round the area, not on the size of the network. Units that no source
        reached before are not counted.
        """
        start, end = self._flow_start, self._flow_end
        lows: list[int] = []
        highs: list[int] = []
        for lo, hi in sorted((start[a], end[a]) for a in area if start[a] >= 0):
            if highs and lo < highs[-1]:
                continue  # nested in the previous range
            lows.append(lo)
            highs.append(hi)

        def tree_fed(u: int) -> bool:
            pos = start[u]
            if pos < 0:
                return False  # no source reached it before
            i = bisect_right(lows, pos) - 1
            return i < 0 or pos >= highs[i]

        in_ptr, in_from, out_ptr, out_to = self._in_ptr, self._in_from, self._out_ptr, self._out_to
        fed: set[int] = set()
        dry: set[int] = set()
        candidates = [w for a in area for w in out_to[out_ptr[a] : out_ptr[a + 1]]]
        while candidates:
            t = candidates.pop()
            if t in area or t in fed or t in dry:
                continue
            if tree_fed(t):
                fed.add(t)
                continue
            came_from = {t: t}
            queue = deque([t])
            found = False
            while queue and not found:
                u = queue.popleft()
                for w in in_from[in_ptr[u] : in_ptr[u + 1]]:
                    if w in came_from or w in area or w in dry:
                        continue
                    if w in fed or tree_fed(w):
                        found = True
                        break
                    came_from[w] = u
                    queue.append(w)
            if found:  # u and every unit on the way from it to t are fed
                while True:
                    fed.add(u)
                    if u == t:
                        break
                    u = came_from[u]
            else:
                dry.update(came_from)
                candidates.extend(w for u in came_from for w in out_to[out_ptr[u] : out_ptr[u + 1]])
        return {u for u in dry if start[u] >= 0}

    # -- queries by id --------------------------------------------------------------------

    def isolate(
        self,
        pipes: str | Sequence[str],
        failed_valves: Iterable[str] = (),
        *,
        with_area: bool = True,
        area_buffer_m: float = 25.0,
    ) -> IsolationPlan:
        """Plan the isolation of one or more broken pipes.

        Parameters
        ----------
        pipes
            Id of the broken pipe, or several ids (planned works shut together).
        failed_valves
            Valve ids that crews found will not close (added to the inoperable ones).
        with_area
            Compute the affected-area polygon (WGS84 GeoJSON); skip it for speed.
        """
        pipe_ids = [pipes] if isinstance(pipes, str) else list(pipes)
        network = self.network
        idx = [network.pipe_index(p) for p in pipe_ids]
        failed = frozenset(network.valve_index(v) for v in failed_valves)
        cut = self.cut({int(self.segmentation.pipe_segment[i]) for i in idx}, failed)
        return self.plan(pipe_ids, cut, with_area=with_area, area_buffer_m=area_buffer_m)

    def isolate_at(
        self,
        lon: float,
        lat: float,
        failed_valves: Iterable[str] = (),
        *,
        max_distance_m: float = 100.0,
        with_area: bool = True,
    ) -> IsolationPlan:
        """Plan the isolation of the pipe nearest to a WGS84 map point."""
        pipe = self.nearest_pipe(lon, lat, max_distance_m=max_distance_m)
        return self.isolate(pipe, failed_valves, with_area=with_area)

    @cached_property
    def _pipe_tree(self) -> Any:
        if self.network.pipes.geometry is None:
            raise OutsideNetwork(
                "this network has no map geometry: give the pipe id instead", code="no_map"
            )
        return shapely.STRtree(self.network.pipes.geometry)

    def nearest_pipe(self, lon: float, lat: float, *, max_distance_m: float = 100.0) -> str:
        """Id of the pipe nearest to a WGS84 point; :class:`OutsideNetwork` when none is near."""
        if not self.network.has_map:
            raise OutsideNetwork(
                "this network has no CRS: give the pipe id instead of a point", code="no_map"
            )
        x, y = self.network.from_wgs84(lon, lat)
        hit = self._pipe_tree.query_nearest(shapely.Point(x, y), max_distance=max_distance_m)
        if len(hit) == 0:
            raise OutsideNetwork(
                f"no pipe within {max_distance_m:g} m of {lon:.6f},{lat:.6f}: "
                "check the point (longitude first) or give the pipe id",
                code="no_pipe_near",
                distance=round(max_distance_m),
                point=f"{lon:.6f},{lat:.6f}",
            )
        return str(self.network.pipes.ids[int(np.min(hit))])

    def plan(
        self,
        breaks: Sequence[str],
        cut: Cut,
        *,
        with_area: bool = True,
        area_buffer_m: float = 25.0,
    ) -> IsolationPlan:
        """Turn a segment-level :class:`Cut` into an :class:`IsolationPlan` with ids."""
        network, seg, units = self.network, self.segmentation, self.units
        iso_segments = np.fromiter(sorted(cut.isolated), dtype=np.int64)
        iso_units = np.fromiter(sorted(cut.isolated_units), dtype=np.int64)
        dry_units = np.fromiter(sorted(cut.unintended), dtype=np.int64)
        iso_pipes = _members(seg.seg_pipes_ptr, seg.seg_pipes, iso_segments)
        dry_pipes = _members(units.unit_pipes_ptr, units.unit_pipes, dry_units)
        iso_nodes = _members(seg.seg_nodes_ptr, seg.seg_nodes, iso_segments)
        dry_nodes = _members(units.unit_nodes_ptr, units.unit_nodes, dry_units)
        all_pipes = np.concatenate([iso_pipes, dry_pipes])

        customers = self.customer_impact(iso_units, dry_units)
        iso_len = float(seg.seg_length_m[iso_segments].sum())
        dry_len = float(units.unit_length_m[dry_units].sum())

        notes: list[tuple[str, dict[str, str]]] = []
        for s in cut.sources_inside:
            src = [
                str(network.nodes.ids[n])
                for n in seg.nodes_of(s).tolist()
                if network.nodes.kind[n] > 0
            ]
            kinds = {NODE_KINDS[int(network.nodes.kind[network.node_index(n)])] for n in src}
            notes.append(
                ("source_inside", {"sources": ", ".join(src), "kinds": "/".join(sorted(kinds))})
            )
        if any(not network.pipes.is_open[i] for i in (network.pipe_index(b) for b in breaks)):
            notes.append(("break_closed", {}))

        area = None
        if with_area and network.has_map and len(all_pipes):
            if area_buffer_m == AREA_BUFFER_M:
                area = self._area(np.concatenate([iso_units, dry_units]))
            else:
                area = affected_area(network, all_pipes, buffer_m=area_buffer_m)

        return IsolationPlan(
            breaks=tuple(breaks),
            valves_to_close=self._valve_refs(cut.close),
            bypassed_valves=self._valve_refs(
                cut.bypassed,
                reasons=[
                    "inoperable" if not self._operable[v] else "reported failed"
                    for v in cut.bypassed
                ],
            ),
            valves_not_needed=self._valve_refs(cut.not_needed, reasons=cut.not_needed_reasons),
            closed_on_boundary=self._valve_refs(cut.closed_on_boundary),
            isolated_pipes=tuple(network.pipes.ids[iso_pipes].tolist()),
            isolated_nodes=tuple(network.nodes.ids[iso_nodes].tolist()),
            unintended_pipes=tuple(network.pipes.ids[dry_pipes].tolist()),
            unintended_nodes=tuple(network.nodes.ids[dry_nodes].tolist()),
            customers=customers,
            length_m=iso_len + dry_len,
            isolated_length_m=iso_len,
            unintended_length_m=dry_len,
            streets=streets_of(network, all_pipes),
            area=area,
            warnings=tuple(WARNINGS[key].format(**params) for key, params in notes),
            warning_keys=tuple(notes),
            isolated_from_sources=not cut.sources_inside,
            isolated_segments=cut.isolated,
            isolated_units=cut.isolated_units,
            unintended_units=cut.unintended,
        )

    def area_of(self, plan: IsolationPlan) -> dict[str, Any] | None:
        """The affected-area polygon of a plan made with ``with_area=False`` (GEOS does the
        work and releases the interpreter lock: callers may run it in a thread)."""
        if not self.network.has_map:
            return None
        units = np.fromiter(sorted(plan.isolated_units | plan.unintended_units), dtype=np.int64)
        return self._area(units)

    def _area(self, segments: npt.NDArray[np.int64]) -> dict[str, Any] | None:
        """The affected area from per-unit corridors, computed once per supply unit (a segment,
        where every link is two-way): the union of the corridors of the pipes is the union of
        the corridors of their units."""
        seg = self.units

        def segment_corridor(s: int) -> Any:
            found = self._corridors.get(s)
            if found is None:
                found = corridor(self.network, seg.pipes_of(s), AREA_BUFFER_M)
                with self._cache_lock:  # areas may be computed in several threads
                    if len(self._corridors) >= AREA_CACHE:
                        self._corridors.pop(next(iter(self._corridors)))
                    self._corridors[s] = found
            return found

        parts = [segment_corridor(int(s)) for s in segments if len(seg.pipes_of(int(s)))]
        if not parts:
            return None
        if len(parts) == 1:
            s = int(segments[0])
            single = self._single_areas.get(s)
            if single is None:
                single = area_geojson(self.network, parts[0])
                with self._cache_lock:
                    if len(self._single_areas) >= AREA_CACHE:
                        self._single_areas.pop(next(iter(self._single_areas)))
                    self._single_areas[s] = single
            return single
        return area_geojson(self.network, shapely.union_all(parts))

    def customer_impact(
        self, isolated: npt.NDArray[np.int64], unintended: npt.NDArray[np.int64]
    ) -> CustomerImpact:
        """Customers of the given supply units, by category, with the critical ones named."""
        units, network = self.units, self.network
        both = np.concatenate([isolated, unintended])
        counts = units.unit_customers[both].sum(axis=0) if len(both) else np.zeros(5, np.int64)
        critical = _members(units.unit_critical_ptr, units.unit_critical, both)
        return CustomerImpact(
            total=int(counts.sum()),
            accounts=int(units.unit_accounts[both].sum()),
            by_category={c: int(n) for c, n in zip(CUSTOMER_CATEGORIES, counts, strict=True)},
            critical=_critical_customers(network, critical),
            isolated=int(units.unit_customers[isolated].sum()),
            unintended=int(units.unit_customers[unintended].sum()),
        )

    def _valve_refs(
        self, valves: Sequence[int], reasons: Sequence[str | None] | None = None
    ) -> tuple[ValveRef, ...]:
        if not valves:
            return ()
        network = self.network
        v = np.asarray(valves, dtype=np.int64)
        xy = network.valves.xy[v]
        lonlat = self._valve_lonlat[v] if self._valve_lonlat is not None else None
        # a valve at an EPANET node without coordinates has no place (NaN): no lon, lat
        placed = [lonlat is not None and bool(np.isfinite(lonlat[k]).all()) for k in range(len(v))]
        out = []
        for k, i in enumerate(v.tolist()):
            out.append(
                ValveRef(
                    id=str(network.valves.ids[i]),
                    pipe_id=str(network.pipes.ids[network.valves.pipe[i]]),
                    node_id=str(network.nodes.ids[network.valves.node[i]]),
                    x=float(xy[k, 0]),
                    y=float(xy[k, 1]),
                    lon=float(lonlat[k, 0]) if lonlat is not None and placed[k] else None,
                    lat=float(lonlat[k, 1]) if lonlat is not None and placed[k] else None,
                    reason=reasons[k] if reasons is not None else None,
                )
            )
        return tuple(out)


def _source_tree(seg: Segmentation) -> tuple[list[int], list[int]]:
    """Pre-order ranges of a shortest-hop spanning tree of the segment graph, rooted at the
    sources (see :func:`_tree_ranges`)."""
    n = seg.n_segments
    open_cut = np.flatnonzero(seg.cut_active & ~seg.cut_normally_closed)
    fed = np.flatnonzero(seg.seg_sources > 0)
    rows = np.concatenate([seg.cut_side_pipe[open_cut], np.full(len(fed), n)])
    cols = np.concatenate([seg.cut_side_node[open_cut], fed])
    start, end = _tree_ranges(n, rows, cols, directed=False)
    return start.tolist(), end.tolist()


def _tree_ranges(
    n: int, rows: IntArray, cols: IntArray, *, directed: bool
) -> tuple[IntArray, IntArray]:
    """Pre-order ranges of a shortest-hop spanning tree of a graph on ``n`` vertices whose
    vertex ``n`` is a virtual root joined to the sources.

    The tree is the breadth-first tree from the root (shallow: a vertex's subtree is the part of
    the network fed through it), and its pre-order comes from a depth-first walk of that tree;
    both walks are scipy's compiled ones. Returns, per vertex, the start and end of its
    subtree's range in pre-order (-1 for vertices no source reaches).
    """
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n + 1, n + 1))
    reached, parent = breadth_first_order(
        graph.tocsr(), n, directed=directed, return_predecessors=True
    )
    children = reached[1:]
    tree = coo_matrix(
        (np.ones(len(children), dtype=np.int8), (parent[children], children)),
        shape=(n + 1, n + 1),
    )
    order = depth_first_order(tree.tocsr(), n, directed=True, return_predecessors=False)
    pred = parent.tolist()
    sizes = [1] * (n + 1)
    for v in reversed(order[1:].tolist()):
        sizes[pred[v]] += sizes[v]
    start = np.full(n + 1, -1, dtype=np.int64)
    start[order] = np.arange(len(order))
    end = start + np.asarray(sizes, dtype=np.int64)
    end[start < 0] = -1
    return start[:n], end[:n]


def _ptr(counts: npt.NDArray[Any]) -> IntArray:
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def _members(ptr: IntArray, values: IntArray, groups: IntArray) -> IntArray:
    """Concatenated CSR rows ``groups`` (vectorised)."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(groups) == 1:
        g = int(groups[0])
        return values[ptr[g] : ptr[g + 1]]
    starts = ptr[groups]
    counts = ptr[groups + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    members: IntArray = values[np.repeat(starts, counts) + offsets]
    return members


def customer_summary(network: Network, customers: IntArray) -> CustomerImpact:
    """The customers of the given indices (into ``network.customers``), summarised as those an
    isolation cuts off are: their total, accounts, count by category and the critical ones
    named (the hydraulic impact's customers below the service pressure, issue 17)."""
    cust = network.customers
    counts = np.bincount(cust.category[customers], minlength=len(CUSTOMER_CATEGORIES))
    critical = customers[cust.category[customers] == CUSTOMER_CATEGORIES.index("critical")]
    return CustomerImpact(
        total=len(customers),
        accounts=int(cust.accounts[customers].sum()),
        by_category={c: int(n) for c, n in zip(CUSTOMER_CATEGORIES, counts, strict=True)},
        critical=_critical_customers(network, critical),
    )


def _critical_customers(network: Network, critical: IntArray) -> tuple[CriticalCustomer, ...]:
    cust = network.customers
    return tuple(
        CriticalCustomer(
            id=str(cust.ids[i]),
            name=None if cust.name[i] is None else str(cust.name[i]),
            kind=None if cust.critical_kind[i] is None else str(cust.critical_kind[i]),
            pipe_id=str(network.pipes.ids[cust.pipe[i]]),
        )
        for i in critical.tolist()
    )


def streets_of(network: Network, pipes: IntArray) -> tuple[str, ...]:
    """Streets of the pipes, longest affected length first."""
    if len(pipes) == 0:
        return ()
    lengths: dict[str, float] = {}
    for name, length in zip(
        network.pipes.street[pipes].tolist(), network.pipes.length_m[pipes].tolist(), strict=True
    ):
        if name is None or name == "":
            continue
        lengths[str(name)] = lengths.get(str(name), 0.0) + float(length)
    return tuple(sorted(lengths, key=lambda s: (-lengths[s], s)))


@dataclass(frozen=True)
class Surroundings:
    """What an outage notice says beyond the dry area: neighbourhoods and low-pressure streets."""

    neighbourhoods: tuple[str, ...]  # DMA names of the pipes that lose water, most length first
    reduced_pressure_streets: tuple[str, ...]  # streets of the segments next to the shut area
    reduced_pressure_pipes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "neighbourhoods": list(self.neighbourhoods),
            "reduced_pressure_streets": list(self.reduced_pressure_streets),
            "reduced_pressure_pipes": self.reduced_pressure_pipes,
        }


def surroundings(isolator: Isolator, plan: IsolationPlan) -> Surroundings:
    """Neighbourhoods that lose water, and the streets where pressure drops.

    The segments next to the shut area (across the valves closed and the inoperable ones
    bypassed) stay in supply, but they lose a feed and their water now comes the long way
    round: the notice warns them of reduced pressure. Streets already in the dry area are not
    repeated. A segment only partly dry (its part behind a pump or a PRV) is next to it too.
    """
    network, seg, units = isolator.network, isolator.segmentation, isolator.units
    shut_units = plan.isolated_units | plan.unintended_units
    touched = {int(units.unit_segment[u]) for u in shut_units}
    shut = {s for s in touched if set(units.units_of(s).tolist()) <= shut_units}
    ptr, adj = seg.adj_ptr, seg.adj_segment
    near: set[int] = touched - shut
    for s in touched:
        near.update(adj[ptr[s] : ptr[s + 1]].tolist())
    near -= shut
    near_segments = np.fromiter(sorted(near), dtype=np.int64)
    near_pipes = _members(seg.seg_pipes_ptr, seg.seg_pipes, near_segments)
    if len(touched) > len(shut):  # leave out the dry pipes of the partly dry segments
        dry_unit = np.zeros(units.n_units, dtype=bool)
        dry_unit[np.fromiter(shut_units, dtype=np.int64)] = True
        near_pipes = near_pipes[~dry_unit[units.pipe_unit[near_pipes]]]
    dry = set(plan.streets)
    streets = tuple(s for s in streets_of(network, near_pipes) if s not in dry)
    pipe_idx = np.array(
        [network.pipe_index(p) for p in (*plan.isolated_pipes, *plan.unintended_pipes)],
        dtype=np.int64,
    )
    return Surroundings(neighbourhoods_of(network, pipe_idx), streets, len(near_pipes))


def neighbourhoods_of(network: Network, pipes: IntArray) -> tuple[str, ...]:
    """The DMA names (neighbourhoods) of the pipes, longest length first."""
    lengths: dict[str, float] = {}
    for dma, length in zip(
        network.pipes.dma[pipes].tolist(), network.pipes.length_m[pipes].tolist(), strict=True
    ):
        if dma is None or dma == "" or dma != dma:
            continue
        name = network.dma_names.get(str(dma), str(dma))
        lengths[name] = lengths.get(name, 0.0) + float(length)
    return tuple(sorted(lengths, key=lambda n: (-lengths[n], n)))


@dataclass(frozen=True)
class ShutdownOverlap:
    """Several planned shutdowns at once, against each alone (Giswater's overlap check)."""

    combined: IsolationPlan
    separate: tuple[IsolationPlan, ...]
    extra_customers: CustomerImpact  # cut off by the combination, by none of them alone
    extra_pipes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "combined": self.combined.to_dict(),
            "separate": [p.to_dict() for p in self.separate],
            "extra_customers": self.extra_customers.to_dict(),
            "extra_pipes": list(self.extra_pipes),
        }


def combined_shutdown(
    isolator: Isolator,
    shutdowns: Sequence[Sequence[str]],
    failed_valves: Iterable[str] = (),
    *,
    with_area: bool = True,
) -> ShutdownOverlap:
    """Isolate several planned works together and report what the overlap adds.

    Two shutdowns that are harmless alone can together cut a street off from every source; the
    customers in ``extra_customers`` are the ones neither shutdown alone would affect.
    """
    failed = list(failed_valves)
    separate = tuple(isolator.isolate(list(s), failed, with_area=False) for s in shutdowns)
    every = [p for s in shutdowns for p in s]
    combined = isolator.isolate(every, failed, with_area=with_area)
    alone: frozenset[int] = frozenset().union(
        *(p.isolated_units | p.unintended_units for p in separate)
    )
    extra = (combined.isolated_units | combined.unintended_units) - alone
    extra_units = np.fromiter(sorted(extra), dtype=np.int64)
    units = isolator.units
    extra_pipes = _members(units.unit_pipes_ptr, units.unit_pipes, extra_units)
    return ShutdownOverlap(
        combined=combined,
        separate=separate,
        extra_customers=isolator.customer_impact(extra_units, np.zeros(0, dtype=np.int64)),
        extra_pipes=tuple(isolator.network.pipes.ids[extra_pipes].tolist()),
    )


_CACHE: weakref.WeakKeyDictionary[Network, Isolator] = weakref.WeakKeyDictionary()


def isolator_for(network: Network) -> Isolator:
    """The (cached) :class:`Isolator` of a network: segments are computed once per network."""
    isolator = _CACHE.get(network)
    if isolator is None:
        isolator = Isolator(network)
        _CACHE[network] = isolator
    return isolator


def isolate(
    network: Network,
    pipes: str | Sequence[str],
    failed_valves: Iterable[str] = (),
    *,
    with_area: bool = True,
) -> IsolationPlan:
    """Plan the isolation of a break on ``pipes`` (see :meth:`Isolator.isolate`)."""
    return isolator_for(network).isolate(pipes, failed_valves, with_area=with_area)
