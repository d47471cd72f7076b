"""What the service says about a network without a CRS, and about stored files that no longer
read (issue 14): in the API's own terms (the upload's form field, not the command line's
``--crs``), and without a server path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.db.tables import NetworkVersion
from tests.api.conftest import Service, make_service
from tests.gis.bad_corpus import SMALL_INP, SMALL_VALVES

pytest.importorskip("wntr")


def _upload(svc: Service, name: str, **form: Any) -> int:
    files = {"file": ("network.inp", SMALL_INP.encode()), "valves": ("valves.csv", SMALL_VALVES)}
    r = svc.post("/api/networks", "engineer", files=files, data={"name": name, **form})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture(scope="module")
def sqlite_service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-crs"))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("isolation", {"pipe": "P2", "format": "geojson"}),
        ("map/pipes", {}),
        ("map/valves", {}),
    ],
)
def test_no_crs_says_what_to_do_in_the_api(
    sqlite_service: Service, path: str, params: dict[str, str]
) -> None:
    network_id = _upload(sqlite_service, f"no-crs-{path.replace('/', '-')}")
    r = sqlite_service.get(f"/api/networks/{network_id}/{path}", params=params)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "--crs" not in detail  # an API user has no command line
    assert "crs" in detail and "POST /api/networks" in detail, detail


def test_the_upload_report_says_an_epanet_file_has_no_crs(sqlite_service: Service) -> None:
    files = {"file": ("network.inp", SMALL_INP.encode()), "valves": ("valves.csv", SMALL_VALVES)}
    for form, warned in (({}, True), ({"crs": "EPSG:32650"}, False)):
        name = f"report-crs-{bool(form)}"
        r = sqlite_service.post(
            "/api/networks", "engineer", files=files, data={"name": name, **form}
        )
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        no_crs = [p for p in report["problems"] if "no CRS" in p["message"]]
        assert bool(no_crs) is warned, report
        if warned:
            (problem,) = no_crs
            assert problem["severity"] == "warning" and problem["id"] == "network.inp"
            stored = sqlite_service.get(f"/api/networks/{r.json()['id']}/report")
            assert any("no CRS" in p["message"] for p in stored.json()["problems"])


def test_a_stored_valve_csv_that_no_longer_reads_names_no_server_path(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for svc in make_service("sqlite", data):
        network_id = _upload(svc, "valves-go-bad")
        app: Any = svc.client.app
        with app.state.sessions() as session:
            valves = data / session.get(NetworkVersion, network_id).valves_path
    valves.write_text("pipe;where\nP2;J1\n")  # no longer link,node
    for svc in make_service("sqlite", data):
        r = svc.get(f"/api/networks/{network_id}/isolation", params={"pipe": "P1"})
        assert r.status_code == 409, r.text
        detail = r.json()["detail"]
        assert str(data) not in detail and "/networks/" not in detail, detail
        assert "valves.csv" in detail
