"""The outage notice's 降压区域 by hydraulics through the service and the CLI (issue 17):
``POST /api/outages`` with ``hydraulic: true`` and ``waterops notice --hydraulic`` give the
notice the library gives (``tests/ops/test_notice_reduced_pressure.py``), on the sample city
with the service pressure at 0.20 MPa (the setting), and say so; without it, the topological
basis, as before."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from api.cli import main
from api.schemas import OutageOut
from ops.calendar import TZ
from tests.api.conftest import Service, make_service
from tests.conftest import SAMPLE_CITY

pytestmark = pytest.mark.slow

MAIN = "P002617"  # 26 service points newly below 0.20 MPa at 07:00 (the library's test)
START = dt.datetime(2026, 11, 26, 7, 20, tzinfo=TZ)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(
        "sqlite", tmp_path_factory.mktemp("svc-notice-hydraulic"), service_pressure_mpa=0.2
    )


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
    assert low["customers"] == 26 and low["hour"] == 7.0 and low["service_pressure_mpa"] == 0.2
    assert low["area"]["type"] in ("Polygon", "MultiPolygon")
    assert content["reduced_pressure_streets"] == low["streets"]
    text = service.get(f"/api/outages/{made['id']}/notice", params={"format": "zh"}).text
    assert "降压区域：经水力计算（按07:00用水量，最低服务压力0.20MPa）" in text
    assert f"约{low['customers']}个供水点（约{low['accounts']}户）" in text
    # kept: read back from the database, the same
    again = service.get(f"/api/outages/{made['id']}").json()
    assert again["content"]["reduced_pressure"] == low


def test_the_service_notice_without_hydraulics(service: Service) -> None:
    content = _create(service)["content"]
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
    assert main([*args, "--hydraulic", "--service-pressure-mpa", "0.2", "--format", "en"]) == 0
    assert "Reduced pressure: by hydraulic calculation (demand at 07:00" in capsys.readouterr().out
    assert main([*args, "--format", "en"]) == 0
    assert "not a hydraulic calculation" in capsys.readouterr().out
