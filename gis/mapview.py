"""The network as map layers: compact WGS84 GeoJSON for a web map.

Each layer is a FeatureCollection whose features carry an ``id`` and only the properties a map
draws or a click shows; coordinates are rounded to 6 decimals (about 0.1 m). Pipes are simplified
by 0.5 m, below what a screen shows at any zoom.

A feature that has no place on a map keeps its id and properties, with a ``null`` geometry
(valid GeoJSON: an unlocated feature; web maps skip it) and ``unmapped`` saying why:
``"no_coordinates"`` (an EPANET node that its file gives no coordinates, and what sits at it)
or ``"zero_length"`` (a link whose two ends are at one spot, as pumps and valves are often
drawn: a LineString needs two distinct positions).

>>> from gis.mapview import map_layer
>>> map_layer(network, "valves")["features"][0]["properties"]  # doctest: +SKIP
{'pipe': 'P000001', 'node': 'J000001', 'operable': True, 'normally_closed': False, ...}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyogrio
import shapely

from gis.errors import NoMap
from gis.network import CUSTOMER_CATEGORIES, NODE_KINDS, FloatArray, Network

LAYERS: tuple[str, ...] = ("pipes", "valves", "dmas", "customers", "sources")
DIGITS = 6


def map_layer(network: Network, layer: str) -> dict[str, Any]:
    """One layer of :data:`LAYERS` as a FeatureCollection.

    Raises
    ------
    gis.errors.NoMap
        The network has no CRS (EPANET coordinates): nothing can be placed on a map.
    KeyError
        ``layer`` is not one of :data:`LAYERS`.
    """
    if not network.has_map:
        raise NoMap("this network has no CRS: it cannot be drawn on a map")
    build = {
        "pipes": _pipes,
        "valves": _valves,
        "dmas": _dmas,
        "customers": _customers,
        "sources": _sources,
    }[layer]
    return {"type": "FeatureCollection", "features": build(network)}


NO_COORDINATES = "no_coordinates"
ZERO_LENGTH = "zero_length"


def _points(network: Network, xy: FloatArray) -> list[dict[str, Any] | str]:
    """GeoJSON Points of metric coordinates; :data:`NO_COORDINATES` where there is none."""
    if len(xy) == 0:
        return []
    lonlat = np.round(network.to_wgs84(np.asarray(xy, dtype=np.float64)), DIGITS)
    return [
        {"type": "Point", "coordinates": p.tolist()} if np.isfinite(p).all() else NO_COORDINATES
        for p in lonlat
    ]


def line_geometry(coords: npt.ArrayLike) -> dict[str, Any] | str:
    """A GeoJSON LineString of WGS84 positions, or why there is none: :data:`NO_COORDINATES`
    (no line, or a position that is not finite) or :data:`ZERO_LENGTH` (fewer than two
    distinct positions: a LineString of two identical points is not a valid geometry)."""
    positions = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    if not len(positions) or not np.isfinite(positions).all():
        return NO_COORDINATES
    if len(np.unique(positions, axis=0)) < 2:
        return ZERO_LENGTH
    return {"type": "LineString", "coordinates": positions.tolist()}


def _feature(fid: str, geometry: dict[str, Any] | str | None, **properties: Any) -> dict[str, Any]:
    """A Feature; a geometry given as a reason (:data:`NO_COORDINATES` ...) is ``null``, the
    reason in ``unmapped``."""
    if isinstance(geometry, str):
        properties["unmapped"] = geometry
        geometry = None
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def _text(value: Any) -> str | None:
    return None if value is None or value != value else str(value)  # NaN → None


def _pipes(network: Network) -> list[dict[str, Any]]:
    pipes = network.pipes
    geometry = pipes.geometry
    assert geometry is not None  # has_map
    lines = shapely.transform(shapely.simplify(geometry, 0.5), network.to_wgs84)
    out = []
    for i, line in enumerate(lines):
        coords = np.round(shapely.get_coordinates(line), DIGITS)
        diameter = float(pipes.diameter_mm[i])
        out.append(
            _feature(
                str(pipes.ids[i]),
                line_geometry(coords),
                dn=None if diameter != diameter else round(diameter),
                street=_text(pipes.street[i]),
                dma=_text(pipes.dma[i]),
                length_m=round(float(pipes.length_m[i]), 1),
                open=bool(pipes.is_open[i]),
            )
        )
    return out


def _valves(network: Network) -> list[dict[str, Any]]:
    valves = network.valves
    points = _points(network, valves.xy)
    return [
        _feature(
            str(valves.ids[i]),
            points[i],
            pipe=str(network.pipes.ids[valves.pipe[i]]),
            node=str(network.nodes.ids[valves.node[i]]),
            operable=bool(valves.operable[i]),
            normally_closed=bool(valves.normally_closed[i]),
            last_exercised=_text(valves.last_exercised[i]),
        )
        for i in range(len(valves))
    ]


def _dmas(network: Network) -> list[dict[str, Any]]:
    """DMA boundaries: the layer's polygons, else the convex hull of each DMA's pipes."""
    areas = dict(network.dma_areas)
    pipes = network.pipes
    if pipes.geometry is not None:
        dma = np.asarray([_text(d) for d in pipes.dma], dtype=object)
        for name in sorted({d for d in dma if d is not None} - set(areas)):
            areas[name] = shapely.convex_hull(shapely.union_all(pipes.geometry[dma == name]))
    out = []
    for dma_id in sorted(areas):
        polygon = shapely.transform(areas[dma_id], network.to_wgs84)
        polygon = shapely.set_precision(polygon, 10**-DIGITS)
        out.append(
            _feature(
                dma_id,
                NO_COORDINATES if polygon.is_empty else shapely.geometry.mapping(polygon),
                name=network.dma_names.get(dma_id, dma_id),
            )
        )
    return out


def _customers(network: Network) -> list[dict[str, Any]]:
    customers = network.customers
    points = _points(network, customers.xy)
    categories = np.asarray(CUSTOMER_CATEGORIES, dtype=object)[customers.category]
    return [
        _feature(
            str(customers.ids[i]),
            points[i],
            category=str(categories[i]),
            accounts=int(customers.accounts[i]),
            name=_text(customers.name[i]),
            critical=_text(customers.critical_kind[i]),
            address=_text(customers.address[i]),
            pipe=str(network.pipes.ids[customers.pipe[i]]),
        )
        for i in range(len(customers))
    ]


def _sources(network: Network) -> list[dict[str, Any]]:
    nodes = network.nodes
    which = np.flatnonzero(nodes.is_source)
    points = _points(network, nodes.xy[which])
    return [
        _feature(
            str(nodes.ids[n]),
            points[k],
            kind=NODE_KINDS[int(nodes.kind[n])],
            name=_text(nodes.name[n]),
        )
        for k, n in enumerate(which.tolist())
    ]


def roads_layer(path: str | Path) -> dict[str, Any]:
    """The street centrelines of a network file (its ``roads`` layer) as WGS84 GeoJSON, for
    the public map: streets to read a notice against, without the pipes. Empty when the file
    has no roads layer (EPANET files, uploads without one)."""
    path = Path(path)
    empty: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if path.suffix.lower() != ".gpkg" or "roads" not in {
        str(name) for name, _ in pyogrio.list_layers(path)
    }:
        return empty
    roads = pyogrio.read_dataframe(path, layer="roads", columns=["name"])
    if roads.crs is None:
        return empty
    roads = roads.to_crs("EPSG:4326")
    out = []
    for i, (name, line) in enumerate(zip(roads["name"], roads.geometry, strict=True)):
        if line is None:
            continue
        coords = np.round(shapely.get_coordinates(line), DIGITS).tolist()
        out.append(
            _feature(str(i), {"type": "LineString", "coordinates": coords}, name=_text(name))
        )
    return {"type": "FeatureCollection", "features": out}
