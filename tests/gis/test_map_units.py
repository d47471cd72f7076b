"""Distances are metres whatever the unit of the data's CRS (issue 14): a network drawn in US
survey feet (EPSG:3089) has 100 m pipes, a 25 m affected-area corridor and a 100 m snap, not
100 ft ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from gis.errors import OutsideNetwork
from gis.io import read_network
from gis.isolation import Isolator
from gis.network import Network
from tests.gis.feet_city import FEET_CRS, lonlat, write_feet_city


@pytest.fixture(scope="module")
def feet_city(tmp_path_factory: pytest.TempPathFactory) -> Network:
    return read_network(write_feet_city(tmp_path_factory.mktemp("feet") / "kentucky.gpkg"))


def _square_metres(geometry: dict[str, Any]) -> float:
    """The area of a WGS84 polygon, in m² (UTM 16N)."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)
    polygon = shapely.geometry.shape(geometry)
    return float(
        shapely.transform(polygon, lambda xy: np.column_stack(to_utm.transform(*xy.T))).area
    )


def test_a_feet_crs_is_measured_in_metres(feet_city: Network) -> None:
    assert feet_city.crs is not None
    assert all(a.unit_name == "metre" for a in feet_city.crs.axis_info)
    assert feet_city.pipes.length_m == pytest.approx([100.0] * 4, rel=2e-3)
    s, a = feet_city.nodes.xy[0], feet_city.nodes.xy[1]
    assert np.hypot(*(a - s)) == pytest.approx(100.0, rel=2e-3)
    # and the points are still where they were
    back = feet_city.to_wgs84(feet_city.nodes.xy[:1])[0]
    assert back == pytest.approx(lonlat(0, 0), abs=1e-7)
    assert CRS(FEET_CRS).axis_info[0].unit_name == "US survey foot"


def test_the_affected_area_corridor_is_25_metres_wide(feet_city: Network) -> None:
    plan = Isolator(feet_city).isolate(["P4"])  # P4 alone: valved at B, dead end at D
    assert plan.isolated_pipes == ("P4",)
    area = _square_metres(plan.area)
    # 100 m x 50 m plus the round ends (radius 25 m); 25 ft would give about 1,700 m²
    assert 6_000 < area < 7_200, area


def test_a_map_point_snaps_within_100_metres(feet_city: Network) -> None:
    isolator = Isolator(feet_city)
    assert isolator.nearest_pipe(*lonlat(100, 60)) in {"P1", "P2"}  # 60 m: more than 100 ft
    with pytest.raises(OutsideNetwork, match="100 m"):
        isolator.nearest_pipe(*lonlat(-150, 0))


def test_web_mercator_lengths_are_true_metres(tmp_path: Path) -> None:
    # EPSG:3857 is in metres, but its metres are 1/cos(latitude) too long (25 % at 37° N)
    import geopandas as gpd
    import pyogrio

    path = write_feet_city(tmp_path / "kentucky.gpkg")
    mercator = tmp_path / "mercator.gpkg"
    for layer in ("nodes", "pipes", "valves"):
        gdf = gpd.read_file(path, layer=layer).to_crs("EPSG:3857")
        pyogrio.write_dataframe(gdf, mercator, layer=layer)
    network = read_network(mercator)
    assert network.pipes.length_m == pytest.approx([100.0] * 4, rel=2e-3)
