"""Who falls below the service pressure is named (issue 17, new-user trial item 4): the hydraulic
impact summarises its customers below the service pressure as the isolation plan does those cut
off (by category, the critical ones by name, the streets and the DMAs), on the sample city's model
built from its layers, the DN900 trunk main P003500 shut at 19:00 (the evening peak)."""

from __future__ import annotations

import numpy as np
import pytest

from gis.hydraulic_model import ModelSettings, build_model
from gis.hydraulics import HydraulicImpact, PressureSettings, engine_for, isolation_impact
from gis.io import read_layers, read_network
from gis.isolation import IsolationPlan, Isolator
from gis.network import CUSTOMER_CATEGORIES, Network
from tests.conftest import ROOT

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
TRUNK = "P003500"  # DN900: thousands of customers below 0.14 MPa at 19:00 with it shut


@pytest.fixture(scope="module")
def trunk() -> tuple[Network, IsolationPlan, HydraulicImpact]:
    network = read_network(SAMPLE)
    plan = Isolator(network).isolate([TRUNK], [])
    model = build_model(read_layers(SAMPLE), network, ModelSettings())
    with engine_for(model, network, 19, PressureSettings()) as engine:
        impact = isolation_impact(engine, network, plan)
        # the criticality's many runs without rows: the totals alone, no summary to compute
        lean = isolation_impact(engine, network, plan, with_nodes=False)
    assert lean.low_pressure is None
    assert lean.customers_below_service == impact.customers_below_service
    return network, plan, impact


def test_the_customers_below_service_are_counted_by_category_and_named(
    trunk: tuple[Network, IsolationPlan, HydraulicImpact],
) -> None:
    network, _, impact = trunk
    low = impact.low_pressure
    assert len(impact.customers_below_service) > 1000  # the trial's 6,462 on that day's data
    customers = network.customers
    at = np.flatnonzero(np.isin(customers.ids, np.array(impact.customers_below_service)))
    assert low.customers.total == len(at) == len(impact.customers_below_service)
    assert low.customers.accounts == int(customers.accounts[at].sum())
    # every category counted from the customers themselves, and they add up
    for k, category in enumerate(CUSTOMER_CATEGORIES):
        assert low.customers.by_category[category] == int((customers.category[at] == k).sum())
    assert sum(low.customers.by_category.values()) == low.customers.total
    # the critical ones by name: exactly the critical customers below the service pressure
    critical = at[customers.category[at] == CUSTOMER_CATEGORIES.index("critical")]
    assert len(critical) > 0  # the trunk main's area holds hospitals or schools
    assert {c.id for c in low.customers.critical} == set(customers.ids[critical].tolist())
    assert all(c.name for c in low.customers.critical)  # the sample city names them
    named = {c.id: c.name for c in low.customers.critical}
    assert named == {str(customers.ids[i]): str(customers.name[i]) for i in critical}


def test_the_streets_and_dmas_are_those_of_the_customers_below_service(
    trunk: tuple[Network, IsolationPlan, HydraulicImpact],
) -> None:
    network, _, impact = trunk
    low = impact.low_pressure
    customers, pipes = network.customers, network.pipes
    at = np.flatnonzero(np.isin(customers.ids, np.array(impact.customers_below_service)))
    fed_by = np.unique(customers.pipe[at])
    streets = {str(s) for s in pipes.street[fed_by].tolist() if s}
    assert set(low.streets) == streets and len(low.streets) > 1
    assert len(low.streets) == len(set(low.streets))
    dmas = {network.dma_names.get(str(d), str(d)) for d in pipes.dma[fed_by].tolist() if d}
    assert set(low.neighbourhoods) == dmas and low.neighbourhoods
    # the longest served length first, as the plan's streets are ordered
    length = {s: float(pipes.length_m[fed_by][pipes.street[fed_by] == s].sum()) for s in streets}
    assert length[low.streets[0]] == max(length.values())


def test_the_summary_is_in_the_json_answer(
    trunk: tuple[Network, IsolationPlan, HydraulicImpact],
) -> None:
    _, _, impact = trunk
    for listed in ("all", "below", "only"):
        low = impact.to_dict(listed)["low_pressure"]
        assert low["total"] == len(impact.customers_below_service)
        assert sum(low["by_category"].values()) == low["total"]
        assert low["critical"] and all(c["name"] and c["kind"] for c in low["critical"])
        assert low["streets"] == list(impact.low_pressure.streets)
        assert low["neighbourhoods"] == list(impact.low_pressure.neighbourhoods)
