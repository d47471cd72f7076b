"""Where an outage is, in the words of a notice: the customers it cuts off, the estates (小区) and
units among them, the road sections of its streets (``X路（A路—B路）``), the roads that bound
its area on each side (东至/西至/南至/北至) and the Chinese names of all of them.

Computed from the network as :mod:`gis` models it (pipes with their streets and end points,
customers with their estates, ``Network.names_zh``), for :func:`ops.outages.notice_content`.
Streets are told apart by the way they run: a street runs east-west when its pipes' east-west
extent is the larger (the dead-end branches that carry its name into the blocks do not change
that), and only a street running north-south can bound an area on the east or the west.
The rules are written in ``docs/notices.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gis.isolation import IsolationPlan, Isolator
from gis.network import CUSTOMER_CATEGORIES, Network

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

SIDES = ("east", "west", "south", "north")
# a cross street counts at an end of a stretch when it lies this close to it, or beyond it
# (pipes are drawn a few metres off the road's centre line, intersections are not exact)
END_TOLERANCE_M = 30.0
# a road bounds a side when it passes the area's extent on the other axis, give or take this
PASS_TOLERANCE_M = 10.0


@dataclass(frozen=True)
class RoadSection:
    """A stretch of a street between two cross streets: ``street（start—end）``, west to east
    or north to south."""

    street: str
    start: str
    end: str

    def to_dict(self) -> dict[str, str]:
        return {"street": self.street, "from": self.start, "to": self.end}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoadSection:
        return cls(str(data["street"]), str(data["from"]), str(data["to"]))


@dataclass(frozen=True)
class Places:
    """The named places of an outage (pinyin or as the data writes them) and their Chinese."""

    estates: tuple[str, ...]  # 小区 cut off, most accounts first
    units: tuple[str, ...]  # named customers cut off that are not critical (单位), most first
    sections: tuple[RoadSection, ...]
    bounds: dict[str, str]  # side (east, west, south, north) -> road, the sides found
    names_zh: dict[str, str]  # every name above, and the streets and areas, -> Chinese


def cut_off(isolator: Isolator, plan: IsolationPlan) -> IntArray:
    """Positions of the customers ``plan`` cuts off: those of the supply units it shuts
    (isolated and unintended), as :meth:`gis.isolation.Isolator.customer_impact` counts them;
    a customer drawing from a node (EPANET demand) follows that node, else its pipe."""
    shut = np.fromiter(sorted(plan.isolated_units | plan.unintended_units), dtype=np.int64)
    cust, units = isolator.network.customers, isolator.units
    by_node = cust.node >= 0
    unit = np.where(
        by_node,
        units.node_unit[np.where(by_node, cust.node, 0)],
        units.pipe_unit[np.where(by_node, 0, cust.pipe)],
    )
    return np.flatnonzero(np.isin(unit, shut)).astype(np.int64)


def places(isolator: Isolator, plan: IsolationPlan, also_named: Iterable[str] = ()) -> Places:
    """The places of ``plan``'s outage; ``also_named`` (neighbourhoods, streets of reduced
    pressure, critical customers) get their Chinese names too."""
    network = isolator.network
    customers = cut_off(isolator, plan)
    estates, units = _estates_and_units(network, customers)
    shut = np.array(
        [network.pipe_index(p) for p in (*plan.isolated_pipes, *plan.unintended_pipes)],
        dtype=np.int64,
    )
    geometry = _Streets.of(network)
    sections = geometry.sections(shut, plan.streets) if geometry else ()
    # the four roads around it describe one area; shut areas apart get their sections only
    bounds = geometry.bounds(shut) if geometry and _one_piece(network, shut) else {}
    named = {
        *plan.streets,
        *estates,
        *units,
        *bounds.values(),
        *(n for s in sections for n in (s.start, s.end)),
        *also_named,
    }
    zh = network.names_zh
    return Places(
        estates=estates,
        units=units,
        sections=sections,
        bounds=bounds,
        names_zh={n: zh[n] for n in sorted(named) if n in zh},
    )


def _one_piece(network: Network, pipes: IntArray) -> bool:
    """The pipes are connected to each other (through their nodes)."""
    if len(pipes) <= 1:
        return True
    a, b = network.pipes.start[pipes], network.pipes.end[pipes]
    nodes, index = np.unique(np.r_[a, b], return_inverse=True)
    n = len(pipes)
    graph = coo_matrix((np.ones(n), (index[:n], index[n:])), shape=(len(nodes), len(nodes)))
    count, _ = connected_components(graph, directed=False)
    return int(count) == 1


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN is no text


def _estates_and_units(
    network: Network, picked: IntArray
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    cust = network.customers
    critical = CUSTOMER_CATEGORIES.index("critical")
    estates: dict[str, int] = {}
    units: dict[str, int] = {}
    for i in picked.tolist():
        accounts = int(cust.accounts[i])
        estate = _text(cust.estate[i]) if cust.estate is not None else ""
        if estate:
            estates[estate] = estates.get(estate, 0) + accounts
        name = _text(cust.name[i])
        if name and int(cust.category[i]) != critical and name != estate:
            units[name] = units.get(name, 0) + accounts
    return _by_size(estates), _by_size(units)


def _by_size(counts: dict[str, int]) -> tuple[str, ...]:
    return tuple(sorted(counts, key=lambda n: (-counts[n], n)))


@dataclass(frozen=True)
class _Streets:
    """The pipes of the named streets as straight pieces, and the way each street runs."""

    street: NDArray[np.object_]  # street of each named pipe
    pipe: IntArray  # position in the network of each named pipe
    x0: FloatArray
    y0: FloatArray
    x1: FloatArray
    y1: FloatArray
    east_west: NDArray[np.bool_]  # the pipe runs east-west
    street_east_west: dict[str, bool]  # the street runs east-west
    on_east_west: NDArray[np.bool_]  # the pipe's street runs east-west

    @classmethod
    def of(cls, network: Network) -> _Streets | None:
        """The named pipes of ``network``, or None when it has no places on a plane."""
        names = np.array([_text(s) for s in network.pipes.street.tolist()], dtype=object)
        pipe = np.flatnonzero(names != "").astype(np.int64)
        xy = network.nodes.xy
        a, b = xy[network.pipes.start[pipe]], xy[network.pipes.end[pipe]]
        ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
        pipe, a, b = pipe[ok], a[ok], b[ok]
        if not len(pipe):
            return None
        street = names[pipe]
        dx, dy = np.abs(b[:, 0] - a[:, 0]), np.abs(b[:, 1] - a[:, 1])
        unique, inverse = np.unique(street.astype(str), return_inverse=True)
        ew_len = np.bincount(inverse, weights=dx, minlength=len(unique))
        ns_len = np.bincount(inverse, weights=dy, minlength=len(unique))
        street_ew = ew_len >= ns_len
        return cls(
            street=street,
            pipe=pipe,
            x0=np.minimum(a[:, 0], b[:, 0]),
            y0=np.minimum(a[:, 1], b[:, 1]),
            x1=np.maximum(a[:, 0], b[:, 0]),
            y1=np.maximum(a[:, 1], b[:, 1]),
            east_west=dx >= dy,
            street_east_west={
                str(n): bool(e) for n, e in zip(unique.tolist(), street_ew.tolist(), strict=True)
            },
            on_east_west=street_ew[inverse],
        )

    def _runs(self, east_west: bool) -> NDArray[np.bool_]:
        """The pipes that run the way their street runs, for streets running ``east_west``."""
        runs: NDArray[np.bool_] = (self.on_east_west == east_west) & (self.east_west == east_west)
        return runs

    def sections(self, shut: IntArray, streets: Iterable[str]) -> tuple[RoadSection, ...]:
        """Each street of the area as the stretch between the cross streets at its ends."""
        in_shut = np.isin(self.pipe, shut)
        out = []
        runs = {True: self._runs(True), False: self._runs(False)}
        for name in streets:
            if name not in self.street_east_west:
                continue
            ew = self.street_east_west[name]
            mine = in_shut & (self.street == name) & runs[ew]
            if not mine.any():
                continue
            # along: x for a street running east-west, y (north to south) for the others
            lo, hi, across_lo, across_hi = (
                (self.x0, self.x1, self.y0, self.y1) if ew else (self.y0, self.y1, self.x0, self.x1)
            )
            start, end = float(lo[mine].min()), float(hi[mine].max())
            line = float(np.median((across_lo[mine] + across_hi[mine]) / 2.0))
            cross = (
                runs[not ew]
                & (self.street != name)
                & (across_lo <= line + PASS_TOLERANCE_M)
                & (across_hi >= line - PASS_TOLERANCE_M)
            )
            # the cross pipes' place along this street (their x, or their y)
            at = ((lo + hi) / 2.0)[cross]
            names = self.street[cross]
            before = at <= start + END_TOLERANCE_M
            after = at >= end - END_TOLERANCE_M
            if not before.any() or not after.any():
                continue
            first = str(names[before][np.argmax(at[before])])
            last = str(names[after][np.argmin(at[after])])
            if first == last:
                continue
            if not ew:  # north to south: the larger y first
                first, last = last, first
            out.append(RoadSection(name, first, last))
        return tuple(out)

    def bounds(self, shut: IntArray) -> dict[str, str]:
        """The nearest road beyond the area on each side that passes it: on the east and the
        west a street running north-south, on the south and the north one running east-west,
        neither of them a street the area runs along."""
        in_shut = np.isin(self.pipe, shut)
        if not in_shut.any():
            return {}
        x0, x1 = float(self.x0[in_shut].min()), float(self.x1[in_shut].max())
        y0, y1 = float(self.y0[in_shut].min()), float(self.y1[in_shut].max())
        edge = {"east": x1, "west": x0, "south": y0, "north": y1}
        out: dict[str, str] = {}
        for side in SIDES:
            ew = side in ("south", "north")  # the bounding road runs east-west
            runs = self._runs(ew)
            along_area = np.array(sorted(set(self.street[in_shut & runs].tolist())), dtype=object)
            lo, hi = (self.y0, self.y1) if ew else (self.x0, self.x1)
            plo, phi, a0, a1 = (self.x0, self.x1, x0, x1) if ew else (self.y0, self.y1, y0, y1)
            passes = (plo <= a1 + PASS_TOLERANCE_M) & (phi >= a0 - PASS_TOLERANCE_M)
            at = (lo + hi) / 2.0
            outward = side in ("east", "north")
            beyond = (
                at >= edge[side] - END_TOLERANCE_M
                if outward
                else at <= edge[side] + END_TOLERANCE_M
            )
            pick = runs & ~in_shut & passes & beyond & ~np.isin(self.street, along_area)
            if not pick.any():
                continue
            where = at[pick]
            out[side] = str(self.street[pick][np.argmin(where) if outward else np.argmax(where)])
        return out
