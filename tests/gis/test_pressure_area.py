"""The reduced-pressure area of an isolation (issue 17, gis.pressure_area) on the sample city's
model built from its layers (gis.hydraulic_model): a trunk main's shut-down at the morning peak
leaves customers with a path to the plants but below the service pressure."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gis.hydraulic_model import ModelSettings, build_model
from gis.hydraulics import HydraulicImpact, PressureSettings, engine_for, isolation_impact
from gis.io import read_layers, read_network
from gis.isolation import IsolationPlan, Isolator
from gis.network import Network
from gis.pressure_area import reduced_pressure_area, reduced_pressure_pipes
from tests.conftest import ROOT

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
MAIN = "P002617"  # a 600 mm main: 12 junctions below 0.20 MPa at 07:00 with it shut


@pytest.fixture(scope="module")
def city() -> tuple[Network, IsolationPlan, tuple[HydraulicImpact, ...]]:
    """The network, the main's shut-down and its impact at 0.14, 0.20 and 0.22 MPa."""
    network = read_network(SAMPLE)
    plan = Isolator(network).isolate([MAIN], [])
    model = build_model(read_layers(SAMPLE), network, ModelSettings())
    impacts = []
    for mpa in (0.14, 0.20, 0.22):
        with engine_for(model, network, 7, PressureSettings(service_pressure_mpa=mpa)) as e:
            impacts.append(isolation_impact(e, network, plan))
    return network, plan, tuple(impacts)


def test_the_area_covers_the_pipes_of_the_customers_below_service(
    city: tuple[Network, IsolationPlan, tuple[HydraulicImpact, ...]],
) -> None:
    network, plan, impacts = city
    impact = impacts[1]
    assert impact.customers_below_service  # the main's shut-down lowers pressures beyond it
    found = reduced_pressure_area(network, impact, plan)
    assert found.customers == len(impact.customers_below_service)
    assert found.nodes == len(impact.below_service) > 0
    # every customer below the service pressure is on a pipe of the area
    customers = network.customers
    low = np.isin(customers.ids, np.array(impact.customers_below_service, dtype=object))
    assert set(network.pipes.ids[customers.pipe[low]].tolist()) <= set(found.pipes)
    # the shut area is not part of it
    assert not set(found.pipes) & {*plan.isolated_pipes, *plan.unintended_pipes}
    # the polygon (WGS84) holds the middle of every pipe of the area
    assert found.area is not None and found.area["type"] in ("Polygon", "MultiPolygon")
    polygon = shapely.geometry.shape(found.area)
    geometry = network.pipes.geometry
    assert geometry is not None
    idx = np.array([network.pipe_index(p) for p in found.pipes])
    middles = network.to_wgs84(
        shapely.get_coordinates(shapely.line_interpolate_point(geometry[idx], 0.5, normalized=True))
    )
    assert shapely.contains_xy(polygon.buffer(1e-6), middles[:, 0], middles[:, 1]).all()
    assert found.to_dict()["area"] == found.area


def test_a_higher_service_pressure_never_draws_a_smaller_area(
    city: tuple[Network, IsolationPlan, tuple[HydraulicImpact, ...]],
) -> None:
    network, plan, impacts = city
    sizes = [set(reduced_pressure_pipes(network, i, plan).tolist()) for i in impacts]
    assert sizes[0] <= sizes[1] <= sizes[2]
    assert len(sizes[2]) > len(sizes[1])


def test_no_customer_below_service_no_polygon(
    city: tuple[Network, IsolationPlan, tuple[HydraulicImpact, ...]],
) -> None:
    network, plan, impacts = city
    impact = impacts[0]
    assert not impact.below_service  # the default 0.14 MPa: the city keeps it round the main
    found = reduced_pressure_area(network, impact, plan)
    assert found.pipes == () and found.area is None and found.customers == 0
