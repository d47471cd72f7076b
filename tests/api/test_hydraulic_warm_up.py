"""The service warms its EPANET engines at start-up (issue 17 leftovers): the sample city's
model built and its engine opened at the console's first hour in the background, so the first
hydraulic query after start finds it open; ``/healthz`` answers while it warms; a network
without a hydraulic model is a log line, not a service that does not start."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import geopandas as gpd
import pytest

from tests.api.conftest import make_service
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
MAIN = "P002617"  # a 600 mm main
URL = "/api/networks/1/isolation"


def test_the_first_query_after_start_finds_the_engine_warm(tmp_path: Path) -> None:
    service = make_service("sqlite", tmp_path, hydraulic_warm_up=True)
    s = next(service)
    try:
        engines = s.client.app.state.hydraulic_engines  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        r = s.client.get("/healthz")
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert time.perf_counter() - t0 < 2.0  # not held up by the warming (seconds of EPANET)
        assert engines.warming is not None
        engines.warming.join(120)
        assert not engines.warming.is_alive()
        # the sample city's peak hour (07:00, the console's default) at the service pressure
        warm = (1, 7.0, 0.14, None)
        assert engines.open_keys() == (warm,)
        r = s.get(URL, params={"pipe": MAIN, "hydraulic": "true", "hour": "7"})
        assert r.status_code == 200, r.text
        assert r.json()["hydraulic"]["hour"] == 7.0
        assert engines.open_keys() == (warm,)  # answered on the warm engine, none opened
    finally:
        next(service, None)


def test_a_network_without_a_hydraulic_model_starts_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "no-elevations.gpkg"
    shutil.copy(SAMPLE, bad)
    nodes = gpd.read_file(bad, layer="nodes")
    nodes.loc[nodes["id"].isin(["J000070", "J000071"]), "elevation_m"] = None
    nodes.to_file(bad, layer="nodes", driver="GPKG")
    caplog.set_level(logging.INFO, logger="waterops.api")
    service = make_service("sqlite", tmp_path / "data", hydraulic_warm_up=True, sample_network=bad)
    s = next(service)
    try:
        assert s.client.get("/healthz").status_code == 200
        engines = s.client.app.state.hydraulic_engines  # type: ignore[attr-defined]
        engines.warming.join(120)
        assert engines.open_keys() == ()
        said = [r.getMessage() for r in caplog.records if "not warmed" in r.getMessage()]
        assert len(said) == 1 and "elevation_m" in said[0], said
        # the network is there; its isolation answers, its hydraulics is the 422 as before
        assert s.get(URL, params={"pipe": MAIN}).status_code == 200
        r = s.get(URL, params={"pipe": MAIN, "hydraulic": "true", "hour": "7"})
        assert r.status_code == 422 and "elevation_m" in r.json()["detail"]
    finally:
        next(service, None)


def test_the_service_does_not_warm_when_told_not_to(tmp_path: Path) -> None:
    service = make_service("sqlite", tmp_path, hydraulic_warm_up=False)
    s = next(service)
    try:
        engines = s.client.app.state.hydraulic_engines  # type: ignore[attr-defined]
        assert engines.warming is None and engines.open_keys() == ()
    finally:
        next(service, None)
