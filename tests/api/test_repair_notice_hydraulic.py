"""A repair's notice takes the hydraulic 降压区域 over its outage window (issue 17 leftovers), as
the planned outage's does: ``POST /api/outages/from-repair/{ticket}`` with ``hydraulic: true``
and ``waterops repair --roster … --hydraulic`` on the sample city; the notice says its basis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from api.cli import main
from tests.api.conftest import START, Service, make_service
from tests.api.test_cli_ops import ROSTER
from tests.conftest import SAMPLE_CITY

pytestmark = pytest.mark.slow

MAIN = "P000041"  # a 500 mm main: customers beyond the shut area fall below 0.20 MPa from 09:00
REPORTED = "2026-11-26T09:10:00"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(
        "sqlite", tmp_path_factory.mktemp("svc-repair-hydraulic"), service_pressure_mpa=0.2
    )


def _ticket(service: Service) -> str:
    service.clock.now = START.replace(hour=9, minute=10)
    body = {"severity": "burst", "pipe_id": MAIN, "reported_at": REPORTED, "second_break": True}
    r = service.post("/api/repairs", json=body)
    assert r.status_code == 201, r.text
    ticket: str = r.json()["ticket"]
    return ticket


def test_the_repair_notice_by_hydraulics_over_its_window(service: Service) -> None:
    ticket = _ticket(service)
    r = service.post(f"/api/outages/from-repair/{ticket}", json={"hydraulic": True})
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    content = made["content"]
    assert made["kind"] == "emergency" and made["source"] == ticket
    assert content["reduced_pressure_basis"] == "hydraulic"
    low = content["reduced_pressure"]
    # the window of the repair (its expected schedule), each customer at its worst hour
    start = int(content["start"][11:13])
    assert low["hour"] == start and low["end_hour"] is not None and low["end_hour"] > start
    assert low["service_pressure_mpa"] == 0.2 and low["customers"] > 0
    assert content["reduced_pressure_streets"] == low["streets"]
    text = service.get(f"/api/outages/{made['id']}/notice", params={"format": "zh"}).text
    assert f"降压区域：经水力计算（按{start:02d}:00至" in text
    assert "逐时用水量取最不利时段，最低服务压力0.20MPa" in text


def test_the_repair_notice_without_hydraulics_is_topological(service: Service) -> None:
    ticket = _ticket(service)
    # opted out (not given: by hydraulics, the service having the model since the test above)
    r = service.post(f"/api/outages/from-repair/{ticket}", json={"hydraulic": False})
    assert r.status_code == 201, r.text
    content = r.json()["content"]
    assert content["reduced_pressure_basis"] == "topological"
    assert content["reduced_pressure"] is None


def test_the_cli_repair_notice_by_hydraulics(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["repair", str(SAMPLE_CITY), "--pipe", MAIN, "--reported", REPORTED.replace("T", " ")]
    args += ["--roster", str(ROSTER), "--seconds", "2", "--json"]
    assert main([*args, "--hydraulic", "--service-pressure-mpa", "0.2"]) == 0
    content = json.loads(capsys.readouterr().out)["notice"]["content"]
    assert content["reduced_pressure_basis"] == "hydraulic"
    low = content["reduced_pressure"]
    assert low["end_hour"] is not None and low["customers"] > 0
    assert low["service_pressure_mpa"] == 0.2
