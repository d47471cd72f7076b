"""The isolation's hydraulic impact in the API and on the command line (issue 17 item 2):
``GET /api/networks/{id}/isolation?hydraulic=true`` and ``waterops isolate … --hydraulic``
answer what the library answers on the sample city's model built from its layers, with the
reduced-pressure polygon; a network EPANET cannot model is a 422 naming what to fix."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest

from api.cli import main
from gis.hydraulic_model import gis_isolation_impact
from gis.hydraulics import PressureSettings
from gis.io import read_network
from gis.isolation import Isolator
from gis.pressure_area import reduced_pressure_area
from tests.api.conftest import Service, make_service
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
MAIN = "P002617"  # a 600 mm main: customers beyond the shut area fall below 0.20 MPa at 07:00
URL = "/api/networks/1/isolation"
LOW = {"pipe": MAIN, "hydraulic": "true", "hour": "7", "service_pressure_mpa": "0.2"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-hydraulic"))


def test_the_api_answers_the_library_hydraulic_impact(service: Service) -> None:
    r = service.get(URL, "viewer", params=LOW)
    assert r.status_code == 200, r.text
    data = r.json()
    network = read_network(SAMPLE)
    plan = Isolator(network).isolate([MAIN], [])
    settings = PressureSettings(service_pressure_mpa=0.2)
    expected = gis_isolation_impact(SAMPLE, network, plan, 7, settings)
    area = reduced_pressure_area(network, expected, plan)
    hydraulic = data["hydraulic"]
    assert hydraulic["hour"] == 7
    assert hydraulic["service_pressure_m"] == pytest.approx(20.39, abs=0.01)
    assert set(hydraulic["customers_below_service"]) == set(expected.customers_below_service)
    assert hydraulic["customers_below_service"]  # the main's shut-down lowers pressures beyond
    assert hydraulic["not_served_m3h"] == pytest.approx(expected.not_served_m3h, abs=1e-3)
    rows = {c["customer"]: c for c in hydraulic["customers"]}
    for c in hydraulic["customers_below_service"]:
        assert rows[c]["pressure_m"] < hydraulic["service_pressure_m"] and not rows[c]["cut_off"]
    assert all(0 <= c["share_served"] <= 1 for c in rows.values())
    low = hydraulic["reduced_pressure"]
    assert low["customers"] == len(expected.customers_below_service)
    assert low["pipes"] == list(area.pipes) and low["area"]["type"] in ("Polygon", "MultiPolygon")
    # the same query again is the same answer (the engine kept open, the answer cached)
    assert service.get(URL, "viewer", params=LOW).json()["hydraulic"] == hydraulic
    # the default service pressure is the setting's (0.14 MPa): nothing below it here
    at_default = {k: v for k, v in LOW.items() if k != "service_pressure_mpa"}
    default = service.get(URL, params=at_default).json()["hydraulic"]
    assert default["service_pressure_m"] == pytest.approx(14.28, abs=0.01)
    assert default["reduced_pressure"] == {"pipes": [], "nodes": 0, "customers": 0, "area": None}
    # without hydraulic=true the answer is the plan alone, as before
    assert "hydraulic" not in service.get(URL, params={"pipe": MAIN}).json()


def test_the_geojson_holds_the_reduced_pressure_area(service: Service) -> None:
    geo = service.get(URL, params={**LOW, "format": "geojson"}).json()
    roles = [f["properties"]["role"] for f in geo["features"]]
    assert roles[:2] == ["area", "reduced_pressure"]
    props = geo["features"][1]["properties"]
    assert props["customers"] > 0 and props["hour"] == 7


def test_bad_hydraulic_queries_say_what_to_fix(service: Service) -> None:
    r = service.get(URL, params={**LOW, "hour": "-1"})
    assert r.status_code == 422 and "hour" in r.json()["detail"]
    r = service.get(URL, params={**LOW, "service_pressure_mpa": "5"})
    assert r.status_code == 422 and "service_pressure_mpa" in r.json()["detail"]


def test_a_network_epanet_cannot_model_is_a_422(service: Service, tmp_path: Path) -> None:
    """The sample city with three nodes' elevations erased is a network (the isolation works)
    but no hydraulic model: the answer names the column and the nodes, and the service goes on."""
    bad = tmp_path / "no-elevations.gpkg"
    shutil.copy(SAMPLE, bad)
    nodes = gpd.read_file(bad, layer="nodes")
    nodes.loc[nodes["id"].isin(["J000070", "J000071", "J000913"]), "elevation_m"] = None
    nodes.to_file(bad, layer="nodes", driver="GPKG")
    with bad.open("rb") as f:
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("no-elevations.gpkg", f)},
            data={"name": "no-elevations"},
        )
    assert r.status_code == 201, r.text
    url = f"/api/networks/{r.json()['id']}/isolation"
    assert service.get(url, params={"pipe": MAIN}).status_code == 200
    r = service.get(url, params={"pipe": MAIN, "hydraulic": "true", "hour": "7"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "elevation_m" in detail and "J000070" in detail, detail
    # the plan alone and the sample city's hydraulics still answer
    assert service.get(url, params={"pipe": MAIN}).status_code == 200
    assert service.get(URL, params=LOW).status_code == 200


def test_the_command_line_prints_the_reduced_pressure_area(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["isolate", str(SAMPLE), "--pipe", MAIN, "--hour", "7", "--hydraulic"]
    args += ["--service-pressure-mpa", "0.2"]
    assert main([*args, "--json"]) == 0
    low = json.loads(capsys.readouterr().out)["hydraulic"]["reduced_pressure"]
    assert low["customers"] > 0 and low["area"]["type"] in ("Polygon", "MultiPolygon")
    assert main([*args, "--geojson"]) == 0
    features = json.loads(capsys.readouterr().out)["features"]
    pressure = [f for f in features if f["properties"]["role"] == "reduced_pressure"]
    assert len(pressure) == 1 and pressure[0]["geometry"] == low["area"]
