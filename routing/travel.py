"""Travel times between places: over the road network, or straight line with a detour factor.

The road model turns a ``roads`` layer into a directed graph (one-way streets respected) and
computes all the times it needs at once with scipy's compiled Dijkstra
(``scipy.sparse.csgraph.dijkstra`` from every needed road node), never a Python loop per pair.
Matrices are cached per road network and set of places.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Proj, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from routing.errors import InvalidProblem
from routing.model import Location

if TYPE_CHECKING:  # not imported at run time: ``import routing`` loads no geopandas (seconds)
    import geopandas as gpd

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel between places ``i`` and ``j``: ``seconds[i, j]`` (int) and ``meters[i, j]``."""

    seconds: npt.NDArray[np.int64]
    meters: npt.NDArray[np.float64]


class TravelModel(Protocol):
    """Anything that gives travel times between places and the path a crew drives."""

    def matrix(self, places: Sequence[Location]) -> TravelMatrix: ...

    def path(self, a: Location, b: Location) -> list[Location]: ...


def haversine_m(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Great-circle distance in metres between lon/lat arrays ``a (n,2)`` and ``b (m,2)``."""
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    distance: npt.NDArray[np.float64] = (
        2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    )
    return distance


@dataclass(frozen=True)
class StraightLine:
    """Straight-line distance times a detour factor, at an average speed.

    The defaults (1.35 detour, 25 km/h) suit a Chinese city centre by service van.
    """

    speed_kmh: float = 25.0
    detour: float = 1.35

    def matrix(self, places: Sequence[Location]) -> TravelMatrix:
        xy = np.asarray(places, dtype=np.float64).reshape(-1, 2)
        meters = haversine_m(xy, xy) * self.detour
        seconds = np.ceil(meters / (self.speed_kmh / 3.6)).astype(np.int64)
        return TravelMatrix(seconds=seconds, meters=meters)

    def path(self, a: Location, b: Location) -> list[Location]:
        return [a, b]


@dataclass(frozen=True)
class Euclidean:
    """Plane coordinates, time = distance × ``scale`` (the Solomon benchmark convention)."""

    scale: int = 1000

    def matrix(self, places: Sequence[Location]) -> TravelMatrix:
        xy = np.asarray(places, dtype=np.float64).reshape(-1, 2)
        d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
        # rounding up keeps every schedule feasible under the exact (real-valued) times
        return TravelMatrix(seconds=np.ceil(d * self.scale - 1e-9).astype(np.int64), meters=d)

    def path(self, a: Location, b: Location) -> list[Location]:
        return [a, b]


# A projected CRS is used as is when a unit of it is a metre on the ground, within this much
# where the roads lie: UTM zones (0.04 %) and Gauss-Krüger zones pass, Web Mercator (25 % at
# 37°) does not. The same rule as gis's (``gis.io.NetworkLayers.metric_crs``): routing may not
# import gis (docs/design.md §1), so it is kept here too, and tests/routing/test_travel.py
# checks that both choose the same CRS.
METRE_SCALE_TOLERANCE = 0.005


def measures_metres(crs: CRS, layer: gpd.GeoDataFrame) -> bool:
    """Whether distances in ``crs`` are metres: its axes are in metres (not feet, not degrees)
    and its scale where ``layer`` (a GeoDataFrame) lies is true to within
    :data:`METRE_SCALE_TOLERANCE`."""
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        return False
    if any(abs(axis.unit_conversion_factor - 1.0) > 1e-12 for axis in crs.axis_info):
        return False
    try:
        x0, y0, x1, y1 = layer.total_bounds
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
            (x0 + x1) / 2, (y0 + y1) / 2
        )
        factors = Proj(crs).get_factors(lon, lat)
        scale = np.array([factors.meridional_scale, factors.parallel_scale], dtype=float)
    except Exception:  # a CRS pyproj cannot take factors of (engineering, compound)
        return True
    return bool(np.all(np.abs(scale - 1.0) <= METRE_SCALE_TOLERANCE))


def metric_crs(layer: gpd.GeoDataFrame) -> CRS | None:
    """The CRS ``layer``'s lengths are true metres in: its own when it :func:`measures_metres`,
    else its UTM zone (its own when it has none: coordinates out of range, or no rows)."""
    crs: CRS | None = layer.crs
    if crs is not None and len(layer) and not measures_metres(crs, layer):
        with contextlib.suppress(RuntimeError, ValueError):
            crs = layer.estimate_utm_crs()
    return crs


TRUE_TEXT = frozenset({"1", "true", "t", "yes", "y", "是", "单向"})


def one_way_flags(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """The ``oneway`` column as booleans: true, 1 or yes (是) is one-way; false, 0, no, empty
    is two-way. Text is read as text: ``astype(bool)`` took every non-empty text ("no"
    included) for one-way."""
    out = np.zeros(len(values), dtype=bool)
    for k, v in enumerate(values):
        if isinstance(v, str):
            out[k] = v.strip().lower() in TRUE_TEXT
        elif v is not None and v == v:  # not None, not NaN
            out[k] = bool(v)
    return out


class RoadNetwork:
    """Travel over a road layer.

    Parameters
    ----------
    roads
        A GeoDataFrame of LineStrings with ``speed_kmh`` and optional ``oneway`` (the
        ``roads`` layer of docs/design.md §2), in any CRS.
    access_speed_kmh
        Speed from a place to the nearest road node (parking, walking to the valve).
    cache_size
        How many matrices to keep (per set of places).
    """

    def __init__(
        self, roads: gpd.GeoDataFrame, access_speed_kmh: float = 10.0, cache_size: int = 16
    ) -> None:
        if roads.crs is None:
            raise InvalidProblem(
                "the roads layer has no CRS: give the file the CRS of its coordinates",
                code="roads_no_crs",
            )
        # lengths in true metres: a CRS in feet, degrees or Web Mercator goes to its UTM zone
        metric = metric_crs(roads)
        projected = roads.to_crs(metric)
        self._to_metric = Transformer.from_crs("EPSG:4326", metric, always_xy=True)
        self._to_wgs84 = Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
        lines = projected.geometry.to_numpy()
        coords, line_index = shapely.get_coordinates(lines, return_index=True)
        # Road nodes: every vertex, merged when within 0.5 m (digitised joins rarely coincide).
        keys = np.round(coords / 0.5).astype(np.int64)
        _, node_of_vertex = np.unique(keys, axis=0, return_inverse=True)
        node_of_vertex = node_of_vertex.ravel()
        n_nodes = int(node_of_vertex.max()) + 1
        node_xy = np.zeros((n_nodes, 2))
        node_xy[node_of_vertex] = coords
        same_line = line_index[1:] == line_index[:-1]
        a = node_of_vertex[:-1][same_line]
        b = node_of_vertex[1:][same_line]
        seg_len = np.hypot(*(coords[1:][same_line] - coords[:-1][same_line]).T)
        speed = projected["speed_kmh"].to_numpy(dtype=np.float64)[line_index[:-1][same_line]]
        seconds = seg_len / (np.maximum(speed, 1.0) / 3.6)
        oneway = (
            one_way_flags(projected["oneway"].to_numpy())
            if "oneway" in projected.columns
            else np.zeros(len(projected), dtype=bool)
        )[line_index[:-1][same_line]]
        keep = a != b
        a, b, seconds, seg_len, oneway = (
            a[keep],
            b[keep],
            seconds[keep],
            seg_len[keep],
            oneway[keep],
        )
        rows = np.concatenate([a, b[~oneway]])
        cols = np.concatenate([b, a[~oneway]])
        # csr_matrix sums duplicates; keep the faster of parallel edges instead
        weight = np.concatenate([seconds, seconds[~oneway]])
        length = np.concatenate([seg_len, seg_len[~oneway]])
        order = np.lexsort((weight, cols, rows))
        rows, cols, weight, length = rows[order], cols[order], weight[order], length[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, weight, length = rows[first], cols[first], weight[first], length[first]
        self._time_graph = csr_matrix((weight, (rows, cols)), shape=(n_nodes, n_nodes))
        self._length_graph = csr_matrix((length, (rows, cols)), shape=(n_nodes, n_nodes))
        self._node_xy = node_xy
        self._tree = cKDTree(node_xy)
        self._access_speed = access_speed_kmh / 3.6
        self._cache: OrderedDict[tuple[Location, ...], TravelMatrix] = OrderedDict()
        self._cache_size = cache_size
        self.n_nodes = n_nodes

    def _snap(
        self, places: Sequence[Location]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        lon, lat = np.asarray(places, dtype=np.float64).reshape(-1, 2).T
        x, y = self._to_metric.transform(lon, lat)
        dist, node = self._tree.query(np.column_stack([x, y]))
        return node.astype(np.int64), dist

    def matrix(self, places: Sequence[Location]) -> TravelMatrix:
        key = tuple((round(p[0], 7), round(p[1], 7)) for p in places)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        node, access = self._snap(places)
        unique, inverse = np.unique(node, return_inverse=True)
        times = dijkstra(self._time_graph, indices=unique)
        sub = times[:, unique][inverse][:, inverse]
        access_s = access / self._access_speed
        seconds = sub + access_s[:, None] + access_s[None, :]
        np.fill_diagonal(seconds, 0.0)
        unreachable = ~np.isfinite(seconds)
        seconds[unreachable] = 1e9  # no road path: effectively forbidden
        meters = self._path_lengths(unique, inverse) + access[:, None] + access[None, :]
        np.fill_diagonal(meters, 0.0)
        result = TravelMatrix(seconds=np.ceil(seconds).astype(np.int64), meters=meters)
        self._cache[key] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    def _path_lengths(
        self, unique: npt.NDArray[np.int64], inverse: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Road distance between places: the shortest road length, a close and cheap proxy
        for the length of the fastest path (a second compiled pass, no per-pair loop)."""
        lengths = dijkstra(self._length_graph, indices=unique)
        sub = lengths[:, unique][inverse][:, inverse]
        sub[~np.isfinite(sub)] = 0.0
        return np.asarray(sub, dtype=np.float64)

    def path(self, a: Location, b: Location) -> list[Location]:
        """The fastest road path from ``a`` to ``b`` as lon/lat points (for route geometry)."""
        (na, nb), _ = self._snap([a, b])
        if na == nb:
            return [a, b]
        _, pred = dijkstra(self._time_graph, indices=[int(na)], return_predecessors=True)
        chain = [int(nb)]
        while chain[-1] != na and chain[-1] >= 0:
            chain.append(int(pred[0, chain[-1]]))
        if chain[-1] != na:
            return [a, b]
        chain.reverse()
        xy = self._node_xy[chain]
        lon, lat = self._to_wgs84.transform(xy[:, 0], xy[:, 1])
        return [a, *zip(lon.tolist(), lat.tolist(), strict=True), b]
