"""The engine: EPANET kept open on the snapshot of one hour (or an outage window), only link
statuses changed between solves."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse
import scipy.sparse.csgraph
import wntr

from gis.hydraulics.errors import HydraulicError
from gis.hydraulics.model import HydraulicModel, window_hours
from gis.hydraulics.toolkit import EN_CLOSED, EN_CVPIPE, EN_INITSTATUS, EN_PIPE, Toolkit
from gis.hydraulics.values import BoolArray, FloatArray, HydraulicState, PressureSettings
from gis.network import Network


def _is_closed(link: Any) -> bool:
    return getattr(link.initial_status, "name", str(link.initial_status)) == "Closed"


class HydraulicEngine:
    """EPANET kept open on the snapshot of one hour: each :meth:`solve` sets link statuses,
    solves once and puts them back. Not thread safe (one engine per thread).

    With ``end``, on the extended-period model of the outage window ``[hour, end)``
    (:meth:`HydraulicModel.snapshot`): :meth:`solve_window` steps it hydraulically through
    the window's hours with the links closed throughout; :meth:`solve` solves its first hour.
    """

    def __init__(
        self,
        model: HydraulicModel,
        hour: float = 0.0,
        settings: PressureSettings = PressureSettings(),
        *,
        always_closed: Iterable[str] = (),
        end: float | None = None,
    ) -> None:
        self.model = model
        self.hour = float(hour)
        self.end = None if end is None else float(end)
        self.hours = window_hours(self.hour, self.end) if self.end is not None else (self.hour,)
        self.settings = settings
        self.snapshot = model.snapshot(hour, settings, self.end)
        self.always_closed = frozenset(always_closed)
        for name in self.always_closed:
            link = self.snapshot.get_link(name)
            if getattr(link, "check_valve", False):
                link.check_valve = False  # WNTR writes a check-valve pipe CV, never Closed
            link.initial_status = wntr.network.LinkStatus.Closed
        # links a control or rule has set otherwise by the hour than the file starts them: the
        # network (and so the isolation plan's topology) has the file's initial statuses
        self.changed_links = tuple(
            name
            for name, link in self.snapshot.links()
            if name not in self.always_closed
            and _is_closed(link) != _is_closed(model.wn.get_link(name))
        )
        self._tk = Toolkit(self.snapshot, model.source)
        tk = self._tk
        tk.open_hydraulics()
        self.node_ids = tk.node_ids
        self.link_ids = tk.link_ids
        self._link_index = {name: i + 1 for i, name in enumerate(self.link_ids)}
        self._initial = tk.link_values(EN_INITSTATUS)
        position = {name: i for i, name in enumerate(self.node_ids)}
        links = [self.snapshot.get_link(name) for name in self.link_ids]
        self._link_start = np.array([position[k.start_node_name] for k in links], dtype=np.int64)
        self._link_end = np.array([position[k.end_node_name] for k in links], dtype=np.int64)
        self._link_open = self._initial != EN_CLOSED
        self._check_valve = np.array(
            [tk.en.ENgetlinktype(i) == EN_CVPIPE for i in range(1, len(self.link_ids) + 1)]
        )
        self._source = ~tk.junction
        self.node_position = {name: i for i, name in enumerate(self.node_ids)}
        self._expected: FloatArray | None = None  # the junctions' demands at the hour
        self._expected_steps: list[FloatArray] = []  # … at each hour of the window
        self._customers: tuple[Network, npt.NDArray[np.int64]] | None = None

    def node_positions(self, names: Iterable[str]) -> npt.NDArray[np.int64]:
        """The positions in :attr:`node_ids` of the nodes named (those the model has)."""
        where = self.node_position
        return np.fromiter((where[n] for n in names if n in where), dtype=np.int64)

    def customer_positions(self, network: Network) -> npt.NDArray[np.int64]:
        """Per customer of ``network``, the position of the node it draws from in
        :attr:`node_ids` (-1: not in the model). Kept for the last network asked: every impact
        of a criticality table asks it again."""
        if self._customers is not None and self._customers[0] is network:
            return self._customers[1]
        customers = network.customers
        by_model = self.model.customer_nodes
        if by_model is None:  # the file's model: a customer draws at its EPANET node
            names = [str(network.nodes.ids[k]) if k >= 0 else "" for k in customers.node.tolist()]
        else:  # a model built from GIS layers places each customer (gis.hydraulic_model)
            names = [by_model.get(str(c), "") for c in customers.ids]
        where = self.node_position
        positions = np.fromiter((where.get(n, -1) for n in names), dtype=np.int64)
        self._customers = (network, positions)
        return positions

    def __enter__(self) -> HydraulicEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._tk.close()

    def fed(self, closed_links: Collection[str] = ()) -> BoolArray:
        """Per node: has it a path of open links to a reservoir or tank at the hour, with
        ``closed_links`` closed (either way through a link: a pump or check valve that would
        carry no water is the hydraulic run's to find)."""
        open_ = self._link_open.copy()
        open_[[self.link_index(name) - 1 for name in closed_links]] = False
        n = len(self.node_ids)
        graph = scipy.sparse.coo_matrix(
            (np.ones(int(open_.sum())), (self._link_start[open_], self._link_end[open_])),
            shape=(n, n),
        )
        _, label = scipy.sparse.csgraph.connected_components(graph, directed=False)
        fed_labels = np.unique(label[self._source])
        return np.isin(label, fed_labels)

    def check_valve_links(self) -> tuple[str, ...]:
        """The pipes with a check valve, as EPANET has them now."""
        en = self._tk.en
        return tuple(
            name
            for i, name in enumerate(self.link_ids, start=1)
            if en.ENgetlinktype(i) == EN_CVPIPE
        )

    def link_index(self, name: str) -> int:
        try:
            return self._link_index[name]
        except KeyError:
            raise HydraulicError(
                f"link {name!r} is not in the hydraulic model {self.model.source}: the valve "
                "layer names a pipe the EPANET file does not have",
                code="hydraulic_link_unknown",
                link=name,
                model=self.model.source,
            ) from None

    def solve(self, closed_links: Collection[str] = (), *, flows: bool = True) -> HydraulicState:
        """Solve the hour with ``closed_links`` closed (and the engine's always-closed ones).

        ``flows=False`` leaves the link flows out (``link_ids`` and ``flow_m3s`` empty): an
        impact needs only the nodes' pressures and demands, and the criticality tables ask
        for thousands."""
        with self._closed(closed_links):
            tk = self._tk
            tk.en.ENinitH(10)  # flows re-initialised: every solve starts as a fresh run would
            shown = ", ".join(sorted(closed_links)) or "none"
            tk.run(f"hour {self.hour:g} with links {shown} closed")
            # what the junctions ask for is the same in every scenario of the snapshot: a
            # solve without flows (the tables') takes it from the last full one
            state = tk.solved(frozenset(closed_links), None if flows else self._expected, flows)
            self._expected = state.expected_m3s
            return state

    def solve_window(
        self, closed_links: Collection[str] = (), *, flows: bool = True
    ) -> tuple[HydraulicState, ...]:
        """Step the window's extended-period run with ``closed_links`` closed throughout: the
        state at each of :attr:`hours` (EPANET's intermediate steps, at a control or a tank
        filling, are solved but not answered). Without ``end``, the one hour's solve."""
        if self.end is None:
            return (self.solve(closed_links, flows=flows),)
        closed = frozenset(closed_links)
        shown = ", ".join(sorted(closed_links)) or "none"
        out: list[HydraulicState] = []
        warnings: dict[str, None] = {}
        with self._closed(closed_links):
            tk = self._tk
            tk.en.ENinitH(10)
            last = round((len(self.hours) - 1) * 3600)
            while True:
                t = tk.run(f"hour {self.hour + len(out):g} of the window, links {shown} closed")
                if t % 3600 == 0 and len(out) < len(self.hours):
                    k = len(out)
                    known = self._expected_steps[k] if k < len(self._expected_steps) else None
                    state = tk.solved(closed, None if flows else known, flows)
                    if k >= len(self._expected_steps):
                        self._expected_steps.append(state.expected_m3s)
                    warnings.update(dict.fromkeys(state.warnings))
                    out.append(state)
                if t >= last or tk.next_step() == 0:
                    break
        if len(out) != len(self.hours):
            raise HydraulicError(
                f"{self.model.source}: the window's run has {len(out)} of its "
                f"{len(self.hours)} hours: check the model's time steps",
                code="hydraulic_window_hours",
                model=self.model.source,
                got=len(out),
                hours=len(self.hours),
            )
        return tuple(replace(s, warnings=tuple(warnings)) for s in out)

    @contextlib.contextmanager
    def _closed(self, closed_links: Collection[str]) -> Iterator[None]:
        """``closed_links`` closed from the run's start (their initial status), put back after."""
        indices = [self.link_index(name) for name in closed_links]
        tk = self._tk
        check_valves = [i for i in indices if self._check_valve[i - 1]]
        # EPANET refuses a status for a pipe with a check valve: it is a plain pipe while
        # closed (the type changes in place, its index kept; only with the solver closed)
        if check_valves:
            tk.retype(check_valves, EN_PIPE)
        try:
            for i in indices:
                tk.en.ENsetlinkvalue(i, EN_INITSTATUS, EN_CLOSED)
            yield
        finally:
            for i in indices:  # check-valve pipes too, while still plain pipes
                tk.en.ENsetlinkvalue(i, EN_INITSTATUS, float(self._initial[i - 1]))
            if check_valves:
                tk.retype(check_valves, EN_CVPIPE)


def engine_for(
    model: HydraulicModel,
    network: Network,
    hour: float = 0.0,
    settings: PressureSettings = PressureSettings(),
    end: float | None = None,
) -> HydraulicEngine:
    """An engine for the isolation plans of ``network``: its normally-closed valves shut in
    every run (as the isolation's topology has them); with ``end``, over the outage window
    ``[hour, end)``."""
    valves = network.valves
    shut = np.flatnonzero(valves.normally_closed)
    links = [
        model.link_of(
            str(network.pipes.ids[valves.pipe[v]]), str(network.nodes.ids[valves.node[v]])
        )
        for v in shut
    ]
    return HydraulicEngine(model, hour, settings, always_closed=links, end=end)
