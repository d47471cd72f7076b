"""The hydraulic model built from GIS layers (issue 17 item 1), on the sample city Kaifeng.

The model is built from ``sample_data/kaifeng.gpkg`` as read (elevations, plants' heads, the
water tower's levels, customers' daily use); it must solve with plausible pressures, and the
isolation of a real break must cut off exactly the customers the plan cuts off.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from gis.hydraulic_model import (
    DIURNAL_PATTERNS,
    ModelSettings,
    RoughnessTable,
    build_model,
    peak_hour,
)
from gis.hydraulics import HydraulicDataError, HydraulicModel, engine_for, isolation_impact
from gis.io import NetworkLayers, read_layers
from gis.isolation import Isolator
from gis.network import Network, build_network
from tests.conftest import SAMPLE_CITY

BREAK = "P000590"  # a distribution main of the sample city (the CLI example's)


@functools.cache
def _city() -> tuple[NetworkLayers, Network, HydraulicModel]:
    layers = read_layers(SAMPLE_CITY)
    network = build_network(layers)
    # the roughness of the pipes as of 2026 (C declines with age): the test holds in later years
    settings = ModelSettings(roughness=RoughnessTable(reference_year=2026))
    return layers, network, build_model(layers, network, settings)


def test_patterns_and_roughness_table() -> None:
    for category, pattern in DIURNAL_PATTERNS.items():
        assert len(pattern) == 24, category
        assert np.mean(pattern) == pytest.approx(1.0, abs=1e-3), category
    table = RoughnessTable(reference_year=2025)
    assert table.c("PE", 1990) == 150.0  # plastic keeps its C
    assert table.c("cast iron", 2025) == 130.0
    assert table.c("Cast Iron", 1985) == pytest.approx(110.0)  # 40 years at 0.5 a year
    assert table.c("cast iron", 1900) == 80.0  # the floor
    assert table.c("cast iron", None) == pytest.approx(130.0 - 0.5 * 30)  # default age
    assert table.c("bamboo", 2000) == table.default_c


def test_sample_city_pressures_at_the_peak_hour() -> None:
    _, network, model = _city()
    hour = peak_hour(model)
    assert hour == 7  # residential use peaks in the morning, the city's largest share
    with engine_for(model, network, hour) as engine:
        state = engine.solve()
    demand = state.expected_m3s > 0
    pressure = state.pressure_m[demand]
    # every customer's node of the city solves, at the service pressures of a flat city
    assert demand.sum() > 0.2 * len(network.customers)
    assert pressure.min() >= 20.0
    assert np.quantile(pressure, 0.99) <= 40.0
    # no node is above the highest plant's outlet pressure over its ground (46 m)
    assert pressure.max() <= 46.0
    assert state.pressure_m.min() >= 0.0
    # what the customers ask for at the hour is their day's use shaped by the patterns
    customers = read_layers(SAMPLE_CITY).customers
    assert customers is not None
    daily = float(np.nansum(customers["demand_m3d"]))
    assert 1.2 < state.expected_m3s.sum() * 86400.0 / daily < 1.6


@pytest.mark.parametrize("hour", [3.0, 19.0])
def test_no_negative_pressure_with_every_valve_open(hour: float) -> None:
    _, network, model = _city()
    with engine_for(model, network, hour) as engine:
        state = engine.solve()
    assert state.pressure_m[state.expected_m3s > 0].min() > 0.0


def test_isolating_a_break_cuts_off_its_customers_only() -> None:
    _, network, model = _city()
    isolator = Isolator(network)
    plan = isolator.isolate(BREAK, with_area=False)
    assert plan.valves_to_close
    cut_pipes = set(plan.isolated_pipes) | set(plan.unintended_pipes)
    customers = network.customers
    planned = {
        str(c)
        for c, p in zip(customers.ids, customers.pipe, strict=True)
        if str(network.pipes.ids[p]) in cut_pipes
    }
    assert planned
    with engine_for(model, network, peak_hour(model)) as engine:
        impact = isolation_impact(engine, network, plan)
        state = engine.solve(impact.closed_links)
    rows = impact.customers()
    cut = {c for c, n in rows if n.cut_off}
    asked = {c for c, n in rows}
    # the customers the plan cuts off (those with a demand at the hour) get no water at 0 m;
    # every other customer keeps its supply
    assert planned & asked and cut == planned & asked
    assert all(n.served_m3h == 0.0 and n.pressure_m == 0.0 for c, n in rows if n.cut_off)
    others = [n for c, n in rows if not n.cut_off]
    assert others and all(n.pressure_m >= 0.0 for n in others)
    assert impact.not_served_cut_off_m3h > 0
    # the closed halves carry no flow
    links = np.isin(np.array(state.link_ids, dtype=object), list(impact.closed_links))
    assert links.sum() == len(impact.closed_links)
    assert np.all(state.flow_m3s[links] == 0.0)


def test_missing_elevation_and_zero_diameter_name_the_column_and_rows() -> None:
    layers, network, _ = _city()
    nodes = layers.nodes.copy()
    nodes.loc[nodes["id"].isin(["J000005", "J000007"]), "elevation_m"] = np.nan
    pipes = network.pipes
    diameter = pipes.diameter_mm.copy()
    diameter[network.pipe_index("P000010")] = 0.0
    bad_network = dataclasses.replace(
        network, pipes=dataclasses.replace(pipes, diameter_mm=diameter)
    )
    with pytest.raises(HydraulicDataError) as err:
        build_model(dataclasses.replace(layers, nodes=nodes), bad_network)
    text = str(err.value)
    assert "nodes J000005, J000007 have no elevation_m" in text
    assert "pipes P000010 have diameter_mm empty or not above 0" in text
    assert len(err.value.problems) == 2
