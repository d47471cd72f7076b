"""Shared fixtures: small networks built in code, and the sample city."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis.io import NetworkLayers
from gis.network import Network, build_network
from gis.validate import validate_layers

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CITY = ROOT / "sample_data" / "kaifeng.gpkg"
# A metric CRS in Kaifeng (UTM 50N), so small test networks can also be put on a map.
TEST_CRS = "EPSG:32650"
ORIGIN = (258_000.0, 3_853_000.0)


def make_layers(
    nodes: Sequence[tuple[str, str, float, float]],
    pipes: Sequence[tuple[str, str, str]],
    valves: Sequence[tuple[str, str, str] | tuple[str, str, str, bool, bool]] = (),
    customers: Sequence[tuple[str, str, str] | tuple[str, str, str, str]] = (),
    crs: str | None = TEST_CRS,
    status: dict[str, str] | None = None,
) -> NetworkLayers:
    """Layers from plain tuples.

    nodes: ``(id, kind, x, y)`` with x, y in metres from a point in Kaifeng;
    pipes: ``(id, from_node, to_node)``; valves: ``(id, pipe_id, node_id[, operable,
    normally_closed])``; customers: ``(id, pipe_id, category[, name])``.
    """
    ox, oy = ORIGIN
    xy = {n[0]: (ox + n[2], oy + n[3]) for n in nodes}
    node_df = gpd.GeoDataFrame(
        {"id": [n[0] for n in nodes], "kind": [n[1] for n in nodes]},
        geometry=[shapely.Point(xy[n[0]]) for n in nodes],
        crs=crs,
    )
    pipe_df = gpd.GeoDataFrame(
        {
            "id": [p[0] for p in pipes],
            "from_node": [p[1] for p in pipes],
            "to_node": [p[2] for p in pipes],
            "diameter_mm": [150] * len(pipes),
            "street": [f"Street {p[0]}" for p in pipes],
            "status": [(status or {}).get(p[0], "open") for p in pipes],
        },
        geometry=[shapely.LineString([xy[p[1]], xy[p[2]]]) for p in pipes],
        crs=crs,
    )
    rows: list[dict[str, Any]] = []
    for v in valves:
        rows.append(
            {
                "id": v[0],
                "pipe_id": v[1],
                "node_id": v[2],
                "operable": v[3] if len(v) > 3 else True,
                "normally_closed": v[4] if len(v) > 4 else False,
            }
        )
    valve_df = pd.DataFrame(
        rows, columns=["id", "pipe_id", "node_id", "operable", "normally_closed"]
    )
    cust_df = gpd.GeoDataFrame(
        {
            "id": [c[0] for c in customers],
            "pipe_id": [c[1] for c in customers],
            "category": [c[2] for c in customers],
            "name": [c[3] if len(c) > 3 else None for c in customers],
            "critical_kind": ["hospital" if c[2] == "critical" else None for c in customers],
        },
        geometry=[shapely.Point(ox, oy)] * len(customers),
        crs=crs,
    )
    return NetworkLayers(
        nodes=node_df,
        pipes=pipe_df,
        valves=valve_df,
        customers=cust_df,
        source="test",
        local_coordinates=crs is None,
    )


def make_network(*args: Any, **kwargs: Any) -> Network:
    """A validated :class:`Network` from plain tuples (see :func:`make_layers`)."""
    layers = make_layers(*args, **kwargs)
    report = validate_layers(layers)
    assert report.ok, str(report)
    return build_network(layers)


@pytest.fixture(scope="session")
def sample_city_path() -> Path:
    return SAMPLE_CITY


@pytest.fixture(scope="session")
def sample_city() -> Network:
    from gis.io import read_network

    return read_network(SAMPLE_CITY)
