"""The service's and the CLI's hydraulic answers (issue 17 leftovers), one service for all (the
sample city, the service pressure setting at 0.20 MPa):

- the outage notice's 降压区域 by hydraulics: ``POST /api/outages`` with ``hydraulic: true`` and
  ``waterops notice --hydraulic`` give the notice the library gives
  (``tests/ops/test_notice_reduced_pressure.py``) and say so; without it, the topological basis;
- the isolation answer's compact form: ``customers=below`` lists only the nodes and customers
  below the service pressure or cut off, with the full answer's totals and reduced-pressure
  area, in a fraction of its bytes (the full one is 2.7 MB); the console asks for it;
  ``customers=only`` every customer's pressure and share served without the node rows, the
  same summary, a quarter of the bytes;
- the valve programme with the hydraulic valve table: ``waterops valves programme NET
  --hydraulic`` and ``GET /api/networks/{id}/valve-programme?hydraulic=true`` pass
  ``gis.hydraulics.hydraulic_valve_criticality`` to ``ops.valves.exercise_programme``. On Net3
  (EPANET's example, WNTR's strategic N-2 valve layer) at hour 10: the valves the answer names
  as critical by their hydraulics are the library's top share, each on the critical cycle.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.cli import main
from api.schemas import IsolationOut, OutageOut
from gis.hydraulics import (
    HydraulicModel,
    PressureSettings,
    engine_for,
    hydraulic_valve_criticality,
)
from gis.io import read_network
from gis.isolation import Isolator
from ops.calendar import TZ
from ops.valves import ProgrammeSettings
from tests.api.conftest import Service, make_service
from tests.conftest import ROOT, SAMPLE_CITY

pytestmark = pytest.mark.slow
wntr = pytest.importorskip("wntr")

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"
MAIN = "P002617"  # 6 service points newly below 0.20 MPa at 07:00 (the library's test)
START = dt.datetime(2026, 11, 26, 7, 20, tzinfo=TZ)
URL = "/api/networks/1/isolation"
# the 600 mm main: customers beyond the shut area fall below 0.20 MPa at 07:00
LOW = {"pipe": MAIN, "hydraulic": "true", "hour": "7", "service_pressure_mpa": "0.2"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(
        "sqlite", tmp_path_factory.mktemp("svc-hydraulic-answers"), service_pressure_mpa=0.2
    )


# -- the notice's 降压区域 -----------------------------------------------------------------------


def _create(service: Service, **extra: Any) -> Any:
    service.clock.now = START.replace(hour=8, minute=0)
    body = {
        "kind": "emergency",
        "start": START.isoformat(),
        "end": (START + dt.timedelta(hours=6)).isoformat(),
        "reason_zh": "供水管道爆管抢修",
        "pipes": [MAIN],
        **extra,
    }
    r = service.post("/api/outages", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_service_notice_by_hydraulics(service: Service) -> None:
    made = _create(service, hydraulic=True)
    OutageOut.model_validate(made)
    content = made["content"]
    assert content["reduced_pressure_basis"] == "hydraulic"
    low = content["reduced_pressure"]
    # the outage 07:20-13:20 has an end: the run goes through its window, hours 7 to 13, each
    # customer at its worst hour (6 service points at 07:00 alone, the library's snapshot)
    assert low["hour"] == 7.0 and low["end_hour"] == 14.0 and low["service_pressure_mpa"] == 0.2
    assert low["customers"] >= 6
    assert low["area"]["type"] in ("Polygon", "MultiPolygon")
    assert content["reduced_pressure_streets"] == low["streets"]
    text = service.get(f"/api/outages/{made['id']}/notice", params={"format": "zh"}).text
    basis = "按07:00至14:00逐时用水量取最不利时段，最低服务压力0.20MPa"
    assert f"降压区域：经水力计算（{basis}）" in text
    en = service.get(f"/api/outages/{made['id']}/notice", params={"format": "en"}).text
    assert "by hydraulic calculation (the worst hour of 07:00-14:00" in en
    assert f"约{low['customers']}个供水点（约{low['accounts']}户）" in text
    # kept: read back from the database, the same
    again = service.get(f"/api/outages/{made['id']}").json()
    assert again["content"]["reduced_pressure"] == low


def test_the_service_notice_without_hydraulics(service: Service) -> None:
    # opted out (not given: by hydraulics, the service having the model since the test above)
    content = _create(service, hydraulic=False)["content"]
    assert content["reduced_pressure_basis"] == "topological"
    assert content["reduced_pressure"] is None


def test_the_cli_notice_by_hydraulics(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "notice",
        str(SAMPLE_CITY),
        "--pipe",
        MAIN,
        "--kind",
        "emergency",
        "--start",
        "2026-11-26 07:20",
        "--end",
        "2026-11-26 13:20",
        "--now",
        "2026-11-26 08:00",
        "--reason-zh",
        "供水管道爆管抢修",
        "--draft",
    ]
    assert main([*args, "--hydraulic", "--service-pressure-mpa", "0.2", "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)["content"]
    served = _create(service, hydraulic=True)["content"]
    assert cli["reduced_pressure"] == served["reduced_pressure"]
    assert main([*args, "--format", "en"]) == 0
    assert "not a hydraulic calculation" in capsys.readouterr().out


# -- the compact isolation answer ---------------------------------------------------------------


def test_below_lists_only_the_affected_with_the_same_totals(service: Service) -> None:
    full = service.get(URL, "viewer", params=LOW)
    compact = service.get(URL, "viewer", params={**LOW, "customers": "below"})
    assert full.status_code == 200 and compact.status_code == 200, compact.text
    IsolationOut.model_validate(compact.json())
    f, c = full.json()["hydraulic"], compact.json()["hydraulic"]
    assert f["listed"] == "all" and c["listed"] == "below"
    affected = [n for n in f["nodes"] if n["cut_off"] or n["below_service"]]
    assert c["nodes"] == affected and 0 < len(affected) < len(f["nodes"])
    assert c["customers"] == [x for x in f["customers"] if x["cut_off"] or x["below_service"]]
    assert len(c["customers"]) >= len(c["customers_below_service"]) > 0
    for key in (
        "not_served_m3h",
        "served_before_m3h",
        "customers_below_service",
        "below_service",
        "newly_below_service",
        "reduced_pressure",
        "cut_off_nodes",
    ):
        assert c[key] == f[key], key
    assert len(compact.content) * 10 < len(full.content)
    assert {k: v for k, v in compact.json().items() if k != "hydraulic"} == {
        k: v for k, v in full.json().items() if k != "hydraulic"
    }


def test_only_lists_every_customer_pressure_and_share_without_the_nodes(
    service: Service,
) -> None:
    full = service.get(URL, "viewer", params=LOW)
    only = service.get(URL, "viewer", params={**LOW, "customers": "only"})
    assert full.status_code == 200 and only.status_code == 200, only.text
    IsolationOut.model_validate(only.json())
    f, o = full.json()["hydraulic"], only.json()["hydraulic"]
    assert o["listed"] == "only" and "nodes" not in o and len(f["nodes"]) > 2000
    # every customer of the full answer, in its order, with its pressure and share served
    assert o["customers"] == [
        {
            "customer": x["customer"],
            "pressure_m": x["pressure_m"],
            "share_served": x["share_served"],
        }
        for x in f["customers"]
    ]
    assert len(o["customers"]) > 10000  # the sample city's customers
    low = {x["customer"] for x in o["customers"] if x["pressure_m"] < f["service_pressure_m"]}
    assert set(f["customers_below_service"]) <= low
    assert any(x["share_served"] < 1 for x in o["customers"])
    # the summary whole: every key but the rows is the full answer's
    assert {k: v for k, v in o.items() if k not in ("customers", "listed")} == {
        k: v for k, v in f.items() if k not in ("customers", "nodes", "listed")
    }
    assert {k: v for k, v in only.json().items() if k != "hydraulic"} == {
        k: v for k, v in full.json().items() if k != "hydraulic"
    }
    # the sample city: 2.7 MB in full, 0.7 MB customers only
    assert len(only.content) * 3 < len(full.content) and len(full.content) > 2_000_000


def test_a_bad_listing_is_a_422(service: Service) -> None:
    r = service.get(URL, "viewer", params={**LOW, "customers": "some"})
    assert r.status_code == 422


def test_the_console_asks_for_the_compact_answer() -> None:
    js = (ROOT / "api" / "web" / "static" / "js" / "console" / "isolation.js").read_text()
    assert 'params.set("customers", "below")' in js


# -- the valve programme with the hydraulic valve table ------------------------------------------


@pytest.fixture(scope="module")
def valves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wn = wntr.network.WaterNetworkModel(str(NET3))
    csv = tmp_path_factory.mktemp("net3") / "valves.csv"
    wntr.network.generate_valve_layer(wn, "strategic", 2, seed=20240611).to_csv(csv)
    return csv


@pytest.fixture(scope="module")
def expected(valves: Path) -> list[str]:
    """The valves critical by their hydraulics, from the library directly."""
    network = read_network(NET3, valves=valves)
    strict = PressureSettings(service_pressure_mpa=0.2)  # the service's setting here
    with engine_for(HydraulicModel.from_inp(NET3), network, 10, strict) as engine:
        table = hydraulic_valve_criticality(engine, Isolator(network))
    top = ProgrammeSettings().hydraulically_critical(
        {r.valve_id: r.extra_not_served_m3h for r in table}
    )
    assert top  # Net3 has valves whose failure costs water
    return sorted(top)


def _check(data: dict, expected: list[str]) -> None:
    assert data["hydraulic"]["critical_by_hydraulics"] == expected
    assert data["hydraulic"]["hour"] == 10
    critical = {i["valve"] for i in data["due"] if i["critical"]}
    assert set(expected) <= critical


def test_the_cli_programme_with_hydraulics(
    valves: Path, expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["valves", "programme", str(NET3), "--valves", str(valves), "--on", "2026-12-01"]
    assert main([*argv, "--json"]) == 0
    assert "hydraulic" not in json.loads(capsys.readouterr().out)
    hydraulic = ["--hydraulic", "--hour", "10", "--service-pressure-mpa", "0.2", "--workers", "1"]
    code = main([*argv, "--json", *hydraulic])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    _check(json.loads(captured.out), expected)


def test_the_service_programme_with_hydraulics(
    service: Service, valves: Path, expected: list[str]
) -> None:
    with NET3.open("rb") as inp, valves.open("rb") as csv:
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("Net3.inp", inp), "valves": ("valves.csv", csv)},
        )
    assert r.status_code in (200, 201), r.text
    network_id = r.json()["id"]
    url = f"/api/networks/{network_id}/valve-programme"
    plain = service.get(url, "viewer", params={"top": 100000}).json()
    assert plain["hydraulic"] is None
    params = {"top": 100000, "hydraulic": "true", "hour": 10}
    assert service.get(url, "viewer", params=params).status_code == 409  # no table yet
    _table(service, network_id, {"hour": 10})  # a background job (tests/api/test_hydraulic_jobs)
    r = service.get(url, "viewer", params=params)
    assert r.status_code == 200, r.text
    _check(r.json(), expected)
    assert service.get(url, "viewer", params=params).json() == r.json()  # kept, not redone
    # without an hour, an EPANET file's start
    _table(service, network_id, {})
    r = service.get(url, "viewer", params={"hydraulic": "true"})
    assert r.status_code == 200 and r.json()["hydraulic"]["hour"] == 0.0, r.text


def _table(service: Service, network_id: int, body: dict[str, Any]) -> None:
    """The network's hydraulic valve table computed by its background job."""
    url = f"/api/networks/{network_id}/valve-programme/hydraulic-table"
    job = service.post(url, json=body).json()["job"]
    for _ in range(600):
        done = service.get(url, "viewer").json()
        if done["job"] == job and done["state"] not in ("queued", "running"):
            assert done["state"] == "done", done["error"]
            return
        time.sleep(0.1)
    raise AssertionError("the hydraulic valve table did not finish in a minute")
