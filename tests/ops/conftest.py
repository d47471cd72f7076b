"""Fixtures of the ops tests: a small two-source street with a hospital, and the sample city."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis.isolation import Isolator
from gis.network import Network, build_network
from gis.validate import validate_layers
from tests.conftest import SAMPLE_CITY, make_layers

CAP_XSD = Path(__file__).parent / "data" / "CAP-v1.2.xsd"


def two_source_street(diameter_mm: float = 150.0) -> Network:
    """S1 - A - B - C - S2 along a street, a branch B - E, valves around P2 and P3.

    Shutting P2 (valves V1, V2) cuts off a hospital and two homes; P3 (V3, V4) one home; both
    together also leave the branch P5 (two homes) without water.
    """
    layers = make_layers(
        nodes=[
            ("S1", "source", 0, 0),
            ("A", "junction", 100, 0),
            ("B", "junction", 200, 0),
            ("C", "junction", 300, 0),
            ("S2", "source", 400, 0),
            ("E", "junction", 200, 100),
        ],
        pipes=[
            ("P1", "S1", "A"),
            ("P2", "A", "B"),
            ("P3", "B", "C"),
            ("P4", "C", "S2"),
            ("P5", "B", "E"),
        ],
        valves=[("V1", "P2", "A"), ("V2", "P2", "B"), ("V3", "P3", "B"), ("V4", "P3", "C")],
        customers=[
            ("H1", "P2", "critical", "Test Hospital"),
            ("R1", "P2", "residential"),
            ("R2", "P2", "residential"),
            ("R3", "P5", "residential"),
            ("R4", "P5", "residential"),
            ("R5", "P3", "residential"),
        ],
    )
    layers.pipes["diameter_mm"] = diameter_mm
    report = validate_layers(layers)
    assert report.ok, str(report)
    return build_network(layers)


@pytest.fixture()
def street() -> Isolator:
    return Isolator(two_source_street())


@pytest.fixture(scope="session")
def city_isolator(sample_city: Network) -> Isolator:
    from gis.isolation import isolator_for

    return isolator_for(sample_city)


@pytest.fixture(scope="session")
def city_roads() -> object:
    import geopandas as gpd

    from routing.travel import RoadNetwork

    return RoadNetwork(gpd.read_file(SAMPLE_CITY, layer="roads"))
