"""The isolation's hydraulic impact over an outage window in the API and on the command line
(issue 17): ``GET /api/networks/{id}/isolation?hydraulic=true&hour=H&end=E`` (or ``hours=N``)
and ``waterops isolate … --hydraulic --hour H --end E`` answer the library's window impact
(``gis.hydraulics.window_impact``); a bad window is a 422 naming what to fix."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from api.cli import main
from api.schemas import IsolationOut
from tests.api.conftest import Service, make_service
from tests.conftest import SAMPLE_CITY

pytestmark = pytest.mark.slow

MAIN = "P002617"  # the 600 mm main
URL = "/api/networks/1/isolation"
BASE = {"pipe": MAIN, "hydraulic": "true", "service_pressure_mpa": "0.2", "customers": "below"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-hydraulic-window"))


def test_the_api_answers_the_window(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    r = service.get(URL, "viewer", params={**BASE, "hour": "6", "end": "12"})
    assert r.status_code == 200, r.text
    IsolationOut.model_validate(r.json())
    window = r.json()["hydraulic"]
    assert window["hour"] == 6 and window["end_hour"] == 12
    assert window["hours"] == [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    assert window["not_served_m3"] == pytest.approx(window["not_served_m3h"] * 6, abs=0.01)
    assert all(6 <= row["pressure_hour"] < 12 for row in window["nodes"])
    # at least the customers of the 07:00 snapshot (the default: the one hour)
    peak = service.get(URL, "viewer", params={**BASE, "hour": "7"}).json()["hydraulic"]
    assert "end_hour" not in peak and peak["customers_below_service"]
    assert set(peak["customers_below_service"]) <= set(window["customers_below_service"])
    # start and hours say the same window
    same = service.get(URL, "viewer", params={**BASE, "start": "6", "hours": "6"}).json()
    assert same["hydraulic"] == window
    # the command line answers the same
    args = ["isolate", str(SAMPLE_CITY), "--pipe", MAIN, "--hydraulic", "--json"]
    extra = ["--service-pressure-mpa", "0.2", "--hour", "6", "--end", "12"]
    assert main([*args, *extra]) == 0
    cli = json.loads(capsys.readouterr().out)["hydraulic"]
    assert cli["hours"] == window["hours"]
    assert set(cli["customers_below_service"]) == set(window["customers_below_service"])
    assert cli["not_served_m3h"] == pytest.approx(window["not_served_m3h"], abs=1e-3)


def test_a_bad_window_says_what_to_fix(service: Service) -> None:
    r = service.get(URL, "viewer", params={**BASE, "hour": "7", "end": "7"})
    assert r.status_code == 422 and "end after the start" in r.text
    r = service.get(URL, "viewer", params={**BASE, "hour": "7", "end": "9", "hours": "2"})
    assert r.status_code == 422 and "either end or hours" in r.text
