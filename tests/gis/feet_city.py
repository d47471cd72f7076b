"""A small network in Kentucky drawn in a CRS whose unit is the US survey foot (EPSG:3089,
Kentucky Single Zone), west of Greenwich: negative longitudes, and distances that are not
metres in the file. Built in code, written to a GeoPackage.

::

    S -P1- A -P2- B -P3- C        V1 on P2 at A, V2 on P3 at B, V3 on P4 at B
                  |               every pipe 100 m (328.1 ft) long
                  P4
                  |
                  D
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

FEET_CRS = "EPSG:3089"  # NAD83 / Kentucky Single Zone (ftUS)
LON0, LAT0 = -86.23, 37.12
M_PER_DEG_LAT = 110_990.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(LAT0))
NODES = {"S": (0.0, 0.0), "A": (100.0, 0.0), "B": (200.0, 0.0), "C": (300.0, 0.0)}
NODES["D"] = (200.0, 100.0)
PIPES = [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "B", "C"), ("P4", "B", "D")]
VALVES = [("V1", "P2", "A"), ("V2", "P3", "B"), ("V3", "P4", "B")]

_TO_FEET = Transformer.from_crs("EPSG:4326", FEET_CRS, always_xy=True)


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """About ``x_m`` metres east and ``y_m`` metres north of (LON0, LAT0), in degrees."""
    return (LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT)


def feet(x_m: float, y_m: float) -> tuple[float, float]:
    """The same point in EPSG:3089 (feet)."""
    x, y = _TO_FEET.transform(*lonlat(x_m, y_m))
    return float(x), float(y)


def write_feet_city(path: Path) -> Path:
    """The network as a GeoPackage in EPSG:3089; every layer in feet."""
    pt = {n: feet(*xy) for n, xy in NODES.items()}
    nodes = gpd.GeoDataFrame(
        {"id": list(pt), "kind": ["source", "junction", "junction", "junction", "junction"]},
        geometry=[shapely.Point(p) for p in pt.values()],
        crs=FEET_CRS,
    )
    pipes = gpd.GeoDataFrame(
        {
            "id": [p[0] for p in PIPES],
            "from_node": [p[1] for p in PIPES],
            "to_node": [p[2] for p in PIPES],
            "diameter_mm": [150.0] * len(PIPES),
            "street": ["Main Street"] * len(PIPES),
        },
        geometry=[shapely.LineString([pt[a], pt[b]]) for _, a, b in PIPES],
        crs=FEET_CRS,
    )
    valves = gpd.GeoDataFrame(
        {
            "id": [v[0] for v in VALVES],
            "pipe_id": [v[1] for v in VALVES],
            "node_id": [v[2] for v in VALVES],
        },
        geometry=[shapely.Point(pt[v[2]]) for v in VALVES],
        crs=FEET_CRS,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, gdf in (("nodes", nodes), ("pipes", pipes), ("valves", valves)):
            gdf.to_file(path, layer=name, engine="pyogrio")
    return path
