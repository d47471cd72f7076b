"""Affected-area polygons: the area an outage notice shows on a map.

The area is the union of a corridor around every pipe that loses water (shapely 2 array
functions: one ``buffer`` call for all pipes, one ``union_all``), simplified to a few metres,
in WGS84 GeoJSON.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from gis.network import Network


def affected_area(
    network: Network,
    pipes: npt.NDArray[np.int64],
    *,
    buffer_m: float = 25.0,
    tolerance_m: float = 2.0,
) -> dict[str, Any] | None:
    """Polygon around the given pipes as a WGS84 GeoJSON geometry.

    Parameters
    ----------
    network
        A network with a CRS (map geometry).
    pipes
        Pipe indices that lose water.
    buffer_m
        Half-width of the corridor around each pipe: the depth of the properties served from it.
    tolerance_m
        Simplification tolerance, to keep the notice's polygon small.

    Returns
    -------
    dict or None
        A GeoJSON ``Polygon`` or ``MultiPolygon``; None when there is nothing to draw.
    """
    geometry = network.pipes.geometry
    if geometry is None or len(pipes) == 0:
        return None
    return area_geojson(network, corridor(network, pipes, buffer_m), tolerance_m)


def corridor(network: Network, pipes: npt.NDArray[np.int64], buffer_m: float = 25.0) -> Any:
    """The union of the corridors around ``pipes``, in the network's metric CRS."""
    geometry = network.pipes.geometry
    assert geometry is not None
    return shapely.union_all(shapely.buffer(geometry[pipes], buffer_m, quad_segs=4))


def area_geojson(network: Network, area: Any, tolerance_m: float = 2.0) -> dict[str, Any] | None:
    """A metric polygon, simplified, as a WGS84 GeoJSON geometry (None when empty)."""
    area = shapely.simplify(area, tolerance_m)
    if area.is_empty:
        return None

    def to_lonlat(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.round(network.to_wgs84(coords), 7)

    geojson: dict[str, Any] = shapely.geometry.mapping(shapely.transform(area, to_lonlat))
    return geojson
