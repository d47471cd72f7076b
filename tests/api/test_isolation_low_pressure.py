"""The hydraulic isolation answer names who falls below the service pressure (issue 17, new-user
trial item 4): ``GET /api/networks/{id}/isolation?hydraulic=true`` on the sample city, the DN900
trunk main P003500 at 19:00, gives the customers below it by category, the critical ones by name,
the streets and the DMAs, as the library's summary of them (and as the plan does those cut off)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gis.hydraulic_model import gis_isolation_impact
from gis.hydraulics import PressureSettings
from gis.io import read_network
from gis.isolation import Isolator
from tests.api.conftest import Service, make_service
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
TRUNK = "P003500"
URL = "/api/networks/1/isolation"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-low-pressure"))


def test_the_customers_below_service_are_named_in_the_answer(service: Service) -> None:
    params = {"pipe": TRUNK, "hydraulic": "true", "hour": "19", "customers": "below"}
    r = service.get(URL, "engineer", params=params)
    assert r.status_code == 200, r.text
    hydraulic = r.json()["hydraulic"]
    network = read_network(SAMPLE)
    plan = Isolator(network).isolate([TRUNK], [])
    expected = gis_isolation_impact(SAMPLE, network, plan, 19, PressureSettings())
    assert expected.low_pressure is not None
    low = hydraulic["low_pressure"]
    assert low == expected.low_pressure.to_dict()
    assert low["total"] == len(hydraulic["customers_below_service"]) > 1000
    assert low["total"] == hydraulic["reduced_pressure"]["customers"]
    assert sum(low["by_category"].values()) == low["total"]
    kinds = {c["kind"] for c in low["critical"]}
    assert "hospital" in kinds and all(c["name"] for c in low["critical"])
    assert low["streets"] and low["neighbourhoods"]
    # the plan's own summary of those cut off keeps its shape beside it
    assert set(r.json()["customers"]["by_category"]) == set(low["by_category"])
