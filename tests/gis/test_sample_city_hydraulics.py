"""The sample city runs hydraulically through a whole day in its normal state (issue 17).

The normal state is every normally-closed DMA boundary valve shut, as the isolation engine
has it (``engine_for``). The day is the extended-period run of 00:00-24:00 from the tank's
starting level (``solve_window``), tanks filling and draining, on the model built from
``sample_data/kaifeng.gpkg`` as read. A plausible model keeps the water tower from draining
to its minimum level, every customer's node at the service pressure (0.14 MPa) or more at
every hour, and the peak hour's pressures within 20-40 m (issue 17: "a plausible model,
pressures 20-40 m at peak, no negative pressures").
"""

from __future__ import annotations

import functools

import numpy as np

from gis.hydraulic_model import ModelSettings, RoughnessTable, build_model, peak_hour
from gis.hydraulics import HydraulicState, PressureSettings, engine_for
from gis.io import read_layers
from gis.network import build_network
from tests.conftest import SAMPLE_CITY

TANK = "TANK-1"


@functools.cache
def _day() -> tuple[int, tuple[HydraulicState, ...], float]:
    """The peak hour, the 24 hourly states of the normal day and the tank's minimum level."""
    layers = read_layers(SAMPLE_CITY)
    network = build_network(layers)
    # the roughness of the pipes as of 2026 (C declines with age): the test holds in later years
    model = build_model(
        layers, network, ModelSettings(roughness=RoughnessTable(reference_year=2026))
    )
    with engine_for(model, network, 0.0, PressureSettings(), end=24.0) as engine:
        states = engine.solve_window()
    return peak_hour(model), states, float(model.wn.get_node(TANK).min_level)


def test_the_day_has_24_hourly_states_with_the_boundary_valves_shut() -> None:
    _, states, _ = _day()
    assert len(states) == 24
    # the normally-closed valves are shut in every hour's run (the isolation engine's state)
    assert all(s.closed_links == states[0].closed_links for s in states)
    assert not states[0].closed_links  # none closed beyond the always-closed ones


def test_the_water_tower_never_drains_to_its_minimum_level() -> None:
    _, states, min_level = _day()
    levels = np.array([s.pressure(TANK) for s in states])
    assert levels.min() > min_level + 0.5, levels.round(2).tolist()
    # the plants refill it: it rises through the night (00:00-06:00) and again by 23:00
    assert levels[6] > levels[0] + 1.0
    assert levels[-1] > levels.min() + 0.1


def test_every_customer_at_the_service_pressure_at_every_hour() -> None:
    _, states, _ = _day()
    service = PressureSettings().service_head_m
    low = {
        h: round(float(s.pressure_m[s.expected_m3s > 0].min()), 1)
        for h, s in enumerate(states)
        if s.pressure_m[s.expected_m3s > 0].min() < service
    }
    assert not low, f"hours with a customer's node below {service:.2f} m: {low}"
    for s in states:
        asked = s.expected_m3s > 0
        # all that is asked is served (PDD serves in full from the service pressure)
        assert s.demand_m3s[asked].sum() >= 0.999 * s.expected_m3s[asked].sum()


def test_peak_hour_pressures_in_a_plausible_band() -> None:
    hour, states, _ = _day()
    assert hour == 7
    state = states[hour]
    pressure = state.pressure_m[state.expected_m3s > 0]
    assert pressure.min() >= 20.0
    assert np.quantile(pressure, 0.99) <= 40.0
    # no node above the highest plant's outlet pressure over its ground (46 m) at any hour
    assert max(float(s.pressure_m[s.expected_m3s > 0].max()) for s in states) <= 46.0
