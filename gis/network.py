"""The pipe-network model: nodes, pipes, valves and customers as typed arrays.

The model is built once from validated layers (:func:`build_network`) and never changes; every
analysis (segments, isolation, criticality, areas) computes on it. Arrays rather than one Python
object per pipe keep a million-pipe city in memory and let the analyses run vectorised.
Coordinates are metric (a projected CRS, or the local units of an EPANET file); outputs are turned
into WGS84 by :meth:`Network.to_wgs84`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from gis.errors import NoMap, UnknownPipe, UnknownValve

if TYPE_CHECKING:
    import networkx as nx

    from gis.io import NetworkLayers  # for the annotation only: gis.io imports this module

NODE_KINDS: tuple[str, ...] = ("junction", "source", "tank")
CUSTOMER_CATEGORIES: tuple[str, ...] = (
    "residential",
    "commercial",
    "industrial",
    "institution",
    "critical",
)
SOURCE_KINDS = frozenset({"source", "tank"})
# The optional ``direction`` of a link: water passes both ways (an ordinary pipe), or only from
# ``from_node`` to ``to_node`` (a pump, a check valve, a pressure-reducing valve).
LINK_DIRECTIONS: tuple[str, ...] = ("both", "one-way")
# The optional ``kind`` of a link (EPANET's pipes, pumps and control valves; GIS pipes may say
# pump too). A pump whose ``direction`` is empty is one-way (see :func:`link_one_way`).
LINK_KINDS: tuple[str, ...] = ("pipe", "pump", "valve")
# How water can pass a link, as :attr:`Pipes.flow` codes it.
LINK_FLOW: tuple[str, ...] = ("two-way", "one-way", "closed")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class Nodes:
    """Junctions, sources (reservoirs, plants) and tanks."""

    ids: ObjArray
    kind: npt.NDArray[np.int8]  # index into NODE_KINDS
    xy: FloatArray  # (n, 2), metric
    name: ObjArray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def is_source(self) -> BoolArray:
        """Sources and tanks: the nodes that feed water into the network."""
        return self.kind > 0


@dataclass(frozen=True, eq=False)
class Pipes:
    """Links between two nodes: pipes, and from EPANET files also pumps and control valves."""

    ids: ObjArray
    start: IntArray  # node index of from_node
    end: IntArray  # node index of to_node
    length_m: FloatArray
    diameter_mm: FloatArray
    street: ObjArray
    dma: ObjArray
    is_open: BoolArray
    geometry: ObjArray | None  # shapely LineStrings in the metric CRS, None for local data
    one_way: BoolArray  # water passes only from start to end (pumps, check valves, PRVs)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def flow(self) -> npt.NDArray[np.int8]:
        """How water can pass each link, as an index into :data:`LINK_FLOW`: 0 both ways, 1 only
        from start to end, 2 not at all (closed)."""
        return np.where(self.is_open, self.one_way.astype(np.int8), np.int8(2)).astype(np.int8)


@dataclass(frozen=True, eq=False)
class Valves:
    """Isolation valves. A valve on pipe ``pipe`` at node ``node`` cuts the pipe from the node."""

    ids: ObjArray
    pipe: IntArray
    node: IntArray
    operable: BoolArray
    normally_closed: BoolArray
    xy: FloatArray  # (n, 2), metric
    last_exercised: ObjArray  # ISO date strings or None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Customers:
    """Service connections, each fed from one pipe (or, from an EPANET file, at one node)."""

    ids: ObjArray
    pipe: IntArray
    category: npt.NDArray[np.int8]  # index into CUSTOMER_CATEGORIES
    accounts: IntArray
    name: ObjArray
    critical_kind: ObjArray
    xy: FloatArray  # (n, 2), metric; the middle of their pipe when the layer has no points
    address: ObjArray
    # The node a customer draws from (an EPANET demand node), or -1: their water then follows
    # that node rather than the pipe (a valve may sit between the two).
    node: IntArray
    estate: ObjArray | None = None  # the estate (小区) a customer belongs to, where the data says
    address_zh: ObjArray | None = None  # the address in Chinese (南环路49号), where the data has it

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Network:
    """A validated pipe network.

    Parameters
    ----------
    nodes, pipes, valves, customers
        The layers as arrays; indices in one refer to positions in another.
    crs
        The metric CRS of all coordinates, or None when they are local (an EPANET file without a
        CRS): lengths still hold, but nothing can be placed on a map.
    name
        Where the network came from, for reports.
    """

    nodes: Nodes
    pipes: Pipes
    valves: Valves
    customers: Customers
    crs: CRS | None
    name: str = "network"
    warnings: tuple[str, ...] = field(default=())
    dma_names: dict[str, str] = field(default_factory=dict)  # DMA id -> name (neighbourhood)
    # DMA id -> its boundary (a shapely polygon in the metric CRS), when the layer has them
    dma_areas: dict[str, shapely.Geometry] = field(default_factory=dict)
    # a place's name as the data writes it (street, estate, unit, DMA) -> its Chinese name, from
    # the *_zh columns (docs/design.md §2): what a Chinese notice calls it
    names_zh: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _pipe_index(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.pipes.ids.tolist())}

    @cached_property
    def _valve_index(self) -> dict[str, int]:
        return {vid: i for i, vid in enumerate(self.valves.ids.tolist())}

    @cached_property
    def _node_index(self) -> dict[str, int]:
        return {nid: i for i, nid in enumerate(self.nodes.ids.tolist())}

    def pipe_index(self, pipe_id: str) -> int:
        """Position of a pipe by id; raises :class:`gis.errors.UnknownPipe`."""
        try:
            return self._pipe_index[str(pipe_id)]
        except KeyError:
            raise UnknownPipe(str(pipe_id)) from None

    def valve_index(self, valve_id: str) -> int:
        """Position of a valve by id; raises :class:`gis.errors.UnknownValve`."""
        try:
            return self._valve_index[str(valve_id)]
        except KeyError:
            raise UnknownValve(str(valve_id)) from None

    def node_index(self, node_id: str) -> int:
        """Position of a node by id; raises KeyError."""
        return self._node_index[str(node_id)]

    @cached_property
    def _customer_index(self) -> dict[str, int]:
        return {cid: i for i, cid in enumerate(self.customers.ids.tolist())}

    def customer_index(self, customer_id: str) -> int:
        """Position of a customer by id; raises KeyError."""
        return self._customer_index[str(customer_id)]

    @cached_property
    def _to_wgs84(self) -> Transformer | None:
        if self.crs is None:
            return None
        return Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    @cached_property
    def _from_wgs84(self) -> Transformer | None:
        if self.crs is None:
            return None
        return Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    @property
    def has_map(self) -> bool:
        """Whether coordinates can be turned into WGS84 (the network has a CRS)."""
        return self.crs is not None

    def to_wgs84(self, xy: FloatArray) -> FloatArray:
        """Metric coordinates ``(n, 2)`` as longitude, latitude ``(n, 2)``."""
        tr = self._to_wgs84
        if tr is None:
            raise NoMap("this network has no CRS: its coordinates cannot be put on a map")
        lon, lat = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    def from_wgs84(self, lon: float, lat: float) -> tuple[float, float]:
        """A WGS84 point in the network's metric CRS."""
        tr = self._from_wgs84
        if tr is None:
            raise NoMap(
                "this network has no CRS: a map point cannot be placed on it (give the pipe id)"
            )
        x, y = tr.transform(lon, lat)
        return float(x), float(y)

    def to_networkx(self) -> nx.MultiGraph:
        """The network as a networkx multigraph: nodes by id, one edge per pipe keyed by pipe id.

        Node attributes: ``kind``; edge attributes: ``length_m``, ``diameter_mm``, ``is_open``,
        ``one_way`` (water passes only from the pipe's ``from_node``, edge attribute ``start``,
        to its other end). Valves are listed on the edges as ``valves`` (ids of the valves on
        that pipe).
        """
        # kept here: networkx is heavy (0.3 s to import) and only this export for notebooks uses it
        import networkx as nx

        g = nx.MultiGraph()
        kinds = np.asarray(NODE_KINDS, dtype=object)[self.nodes.kind]
        g.add_nodes_from((nid, {"kind": k}) for nid, k in zip(self.nodes.ids, kinds, strict=True))
        on_pipe: dict[int, list[str]] = {}
        for v, p in enumerate(self.valves.pipe.tolist()):
            on_pipe.setdefault(p, []).append(str(self.valves.ids[v]))
        nid = self.nodes.ids
        for i in range(len(self.pipes)):
            g.add_edge(
                nid[self.pipes.start[i]],
                nid[self.pipes.end[i]],
                key=self.pipes.ids[i],
                length_m=float(self.pipes.length_m[i]),
                diameter_mm=float(self.pipes.diameter_mm[i]),
                is_open=bool(self.pipes.is_open[i]),
                one_way=bool(self.pipes.one_way[i]),
                start=nid[self.pipes.start[i]],
                valves=on_pipe.get(i, []),
            )
        return g

    def summary(self) -> dict[str, Any]:
        """Counts of the network's parts, for reports."""
        return {
            "name": self.name,
            "nodes": len(self.nodes),
            "sources": int(np.count_nonzero(self.nodes.is_source)),
            "pipes": len(self.pipes),
            "length_km": round(float(self.pipes.length_m.sum()) / 1000.0, 3),
            "valves": len(self.valves),
            "inoperable_valves": int(np.count_nonzero(~self.valves.operable)),
            "normally_closed_valves": int(np.count_nonzero(self.valves.normally_closed)),
            "customers": len(self.customers),
            "crs": self.crs.to_string() if self.crs is not None else None,
        }


def build_network(layers: NetworkLayers) -> Network:
    """Turn validated layers into a :class:`Network`.

    The layers must have passed :func:`gis.validate.validate_layers` without errors; geographic
    coordinates are projected to the local UTM zone so that lengths and buffers are in metres.
    """
    nodes_df = layers.nodes
    pipes_df = layers.pipes
    valves_df = layers.valves
    customers_df = layers.customers

    crs = None
    if not layers.local_coordinates:
        crs = layers.metric_crs()
        if crs is not None:
            nodes_df = nodes_df.to_crs(crs)
            pipes_df = pipes_df.to_crs(crs)
            if isinstance(valves_df, gpd.GeoDataFrame) and valves_df.crs is not None:
                valves_df = valves_df.to_crs(crs)

    node_ids = nodes_df["id"].astype(str).to_numpy(dtype=object)
    node_pos = pd.Index(node_ids)
    kind_code = {k: i for i, k in enumerate(NODE_KINDS)}
    node_kind = nodes_df["kind"].map(kind_code).to_numpy(dtype=np.int8)
    node_xy = shapely.get_coordinates(nodes_df.geometry.to_numpy()).astype(np.float64)
    node_name = _optional(nodes_df, "name", len(node_ids))

    pipe_ids = pipes_df["id"].astype(str).to_numpy(dtype=object)
    start = _lookup(node_pos, pipes_df["from_node"])
    end = _lookup(node_pos, pipes_df["to_node"])
    geometry = None
    given = number_column(pipes_df["length_m"]) if "length_m" in pipes_df.columns else None
    if given is not None and np.isfinite(given).all():  # complete: the file's lengths
        length = given
    else:
        length = shapely.length(pipes_df.geometry.to_numpy()).astype(np.float64)
    if crs is not None:
        geometry = pipes_df.geometry.to_numpy()
    status = _optional(pipes_df, "status", len(pipe_ids), "open")
    is_open = np.array([str(s).strip().lower() != "closed" for s in status], dtype=bool)
    one_way, _ = link_one_way(pipes_df)
    pipes = Pipes(
        ids=pipe_ids,
        start=start,
        end=end,
        length_m=length,
        diameter_mm=number_column(pipes_df["diameter_mm"]),
        street=_optional(pipes_df, "street", len(pipe_ids)),
        dma=_optional(pipes_df, "dma", len(pipe_ids)),
        is_open=is_open,
        geometry=geometry,
        one_way=one_way,
    )
    pipe_pos = pd.Index(pipe_ids)

    n_valves = len(valves_df)
    valve_pipe = _lookup(pipe_pos, valves_df["pipe_id"]) if n_valves else np.zeros(0, np.int64)
    valve_node = _lookup(node_pos, valves_df["node_id"]) if n_valves else np.zeros(0, np.int64)
    if (
        isinstance(valves_df, gpd.GeoDataFrame)
        and n_valves
        and crs is not None
        and not (valves_df.geometry.isna() | valves_df.geometry.is_empty).any()
    ):
        valve_xy = shapely.get_coordinates(valves_df.geometry.to_numpy()).astype(np.float64)
    else:
        valve_xy = node_xy[valve_node] if n_valves else np.zeros((0, 2))
    valves = Valves(
        ids=valves_df["id"].astype(str).to_numpy(dtype=object),
        pipe=valve_pipe,
        node=valve_node,
        operable=_bool_column(valves_df, "operable", True),
        normally_closed=_bool_column(valves_df, "normally_closed", False),
        xy=valve_xy,
        last_exercised=_optional(valves_df, "last_exercised", n_valves),
    )

    if customers_df is None or len(customers_df) == 0:
        customers = Customers(
            ids=np.zeros(0, dtype=object),
            pipe=np.zeros(0, dtype=np.int64),
            category=np.zeros(0, dtype=np.int8),
            accounts=np.zeros(0, dtype=np.int64),
            name=np.zeros(0, dtype=object),
            critical_kind=np.zeros(0, dtype=object),
            xy=np.zeros((0, 2)),
            address=np.zeros(0, dtype=object),
            node=np.zeros(0, dtype=np.int64),
        )
    else:
        cat_code = {c: i for i, c in enumerate(CUSTOMER_CATEGORIES)}
        n_cust = len(customers_df)
        accounts = (
            np.nan_to_num(number_column(customers_df["accounts"]), nan=1.0).astype(np.int64)
            if "accounts" in customers_df.columns
            else np.ones(n_cust, dtype=np.int64)
        )
        customer_pipe = _lookup(pipe_pos, customers_df["pipe_id"])
        customer_node = np.full(n_cust, -1, dtype=np.int64)
        if "node_id" in customers_df.columns:  # EPANET demand nodes; anything else is ignored
            given_node = customers_df["node_id"].notna().to_numpy()
            found = node_pos.get_indexer(pd.Index(customers_df["node_id"].astype(str)))
            customer_node = np.where(given_node, found, -1).astype(np.int64)
        points = (
            isinstance(customers_df, gpd.GeoDataFrame)
            and not (customers_df.geometry.isna() | customers_df.geometry.is_empty).any()
        )
        if points and crs is not None and customers_df.crs is not None:
            customer_xy = shapely.get_coordinates(
                customers_df.to_crs(crs).geometry.to_numpy()
            ).astype(np.float64)
        else:  # no map points: their node, or the middle of the pipe that feeds them
            customer_xy = (node_xy[start[customer_pipe]] + node_xy[end[customer_pipe]]) / 2.0
            at_node = customer_node >= 0
            customer_xy[at_node] = node_xy[customer_node[at_node]]
        customers = Customers(
            ids=customers_df["id"].astype(str).to_numpy(dtype=object),
            pipe=customer_pipe,
            category=customers_df["category"].map(cat_code).to_numpy(dtype=np.int8),
            accounts=accounts,
            name=_optional(customers_df, "name", n_cust),
            critical_kind=_optional(customers_df, "critical_kind", n_cust),
            xy=customer_xy,
            address=_optional(customers_df, "address", n_cust),
            node=customer_node,
            estate=_optional(customers_df, "estate", n_cust),
            address_zh=_optional(customers_df, "address_zh", n_cust),
        )
    dma_names: dict[str, str] = {}
    dma_areas: dict[str, shapely.Geometry] = {}
    if layers.dmas is not None and "id" in layers.dmas.columns:
        names = layers.dmas["name"] if "name" in layers.dmas.columns else layers.dmas["id"]
        dma_names = {
            str(i): str(n) if n is not None and n == n else str(i)
            for i, n in zip(layers.dmas["id"], names, strict=True)
        }
        if crs is not None and isinstance(layers.dmas, gpd.GeoDataFrame):
            dmas = layers.dmas[layers.dmas.geometry.notna()]
            if len(dmas) and dmas.crs is not None:
                dma_areas = dict(
                    zip(dmas["id"].astype(str), dmas.to_crs(crs).geometry.to_numpy(), strict=True)
                )

    names_zh = _names_zh(
        (pipes_df, "street", "street_zh"),
        (customers_df, "estate", "estate_zh"),
        (customers_df, "name", "name_zh"),
        (layers.dmas, "name", "name_zh"),
        (layers.roads, "name", "name_zh"),
    )
    return Network(
        nodes=Nodes(ids=node_ids, kind=node_kind, xy=node_xy, name=node_name),
        pipes=pipes,
        valves=valves,
        customers=customers,
        crs=crs,
        name=layers.source,
        warnings=tuple(layers.warnings),
        dma_names=dma_names,
        dma_areas=dma_areas,
        names_zh=names_zh,
    )


def _names_zh(*columns: tuple[pd.DataFrame | None, str, str]) -> dict[str, str]:
    """Names and their Chinese names from pairs of columns (``(frame, "street", "street_zh")``),
    the first given for a name kept; a frame without the pair gives none."""
    out: dict[str, str] = {}
    for df, name, zh in columns:
        if df is None or name not in df.columns or zh not in df.columns:
            continue
        pairs = df[[name, zh]].dropna().astype(str).drop_duplicates(name)
        for key, value in zip(pairs[name], pairs[zh], strict=True):
            if key.strip() and value.strip():
                out.setdefault(key, value.strip())
    return out


def _lookup(index: pd.Index, column: pd.Series) -> IntArray:
    positions = index.get_indexer(pd.Index(pd.Series(column).astype(str)))
    if (positions < 0).any():  # validation guarantees this cannot happen
        raise ValueError("a reference to an unknown id slipped past validation")
    return positions.astype(np.int64)


def number_column(column: pd.Series) -> FloatArray:
    """A number column as floats, empty values NaN (text such as " 200" was validated)."""
    values = pd.Series(column)
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    text = values.astype(str).str.strip()
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)


def link_one_way(pipes_df: pd.DataFrame) -> tuple[BoolArray, BoolArray]:
    """Which links water passes only from ``from_node`` to ``to_node``, and which of them are
    pumps taken as one-way because their ``direction`` is empty (for the report).

    ``direction`` says it (``one-way`` or ``both``); where it is empty, a link of ``kind``
    pump is one-way (a pump lifts water one way: from its from_node, where the geometry
    starts when the nodes are built from it) and any other link two-way."""
    n = len(pipes_df)
    direction = _optional(pipes_df, "direction", n, "")
    said = pd.Series(direction, dtype=object).astype(str).str.strip().str.lower().to_numpy()
    kind = pd.Series(_optional(pipes_df, "kind", n, ""), dtype=object).astype(str)
    pump = kind.str.strip().str.lower().eq("pump").to_numpy(dtype=bool)
    assumed = pump & (said == "")
    return (said == "one-way") | assumed, assumed


def _optional(df: pd.DataFrame, column: str, n: int, default: object = None) -> ObjArray:
    if column not in df.columns:
        return np.full(n, default, dtype=object)
    values: ObjArray = df[column].astype(object).to_numpy(dtype=object, copy=True)
    mask = df[column].isna().to_numpy()
    values[mask] = default
    return values


def _bool_column(df: pd.DataFrame, column: str, default: bool) -> BoolArray:
    if column not in df.columns:
        return np.full(len(df), default, dtype=bool)
    return np.array([_as_bool(v, default) for v in df[column].tolist()], dtype=bool)


# yes/no values accepted in the data (validation refuses anything else)
BOOL_TRUE = frozenset({"true", "t", "yes", "y", "1", "是"})
BOOL_FALSE = frozenset({"false", "f", "no", "n", "0", "否"})


def _as_bool(value: object, default: bool) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return default
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in BOOL_TRUE:
        return True
    if text in BOOL_FALSE:
        return False
    return default
