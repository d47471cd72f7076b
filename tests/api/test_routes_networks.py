"""Networks (api/routes/networks.py): isolation, valves, segments, map layers
and uploads, end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from gis.isolation import Isolator
from tests.api.conftest import Service
from tests.conftest import SAMPLE_CITY

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


def test_isolation_is_the_library_answer(service: Service, city: Isolator) -> None:
    r = service.get("/api/networks/1/isolation", "viewer", params={"pipe": "P000100"})
    assert r.status_code == 200, r.text
    data = r.json()
    expected = city.isolate("P000100").to_dict()
    for key in ("valves_to_close", "isolated_pipes", "unintended_pipes", "customers", "streets"):
        assert data[key] == expected[key]
    assert data["area"]["type"] in ("Polygon", "MultiPolygon")
    geo = service.get("/api/networks/1/isolation", params={"pipe": "P000100", "format": "geojson"})
    assert geo.json()["type"] == "FeatureCollection"
    lonlat = expected["valves_to_close"][0]["location"]
    near = service.get(
        "/api/networks/1/isolation", params={"at": f"{lonlat[0]},{lonlat[1]}"}
    ).json()
    assert near["breaks"]
    both = service.get(
        "/api/networks/1/isolation", params=[("pipe", "P000100"), ("pipe", "P000590")]
    )
    assert set(both.json()["breaks"]) == {"P000100", "P000590"}


def test_isolation_errors_say_what_to_fix(service: Service) -> None:
    r = service.get("/api/networks/1/isolation", params={"pipe": "NOPE"})
    assert r.status_code == 404 and "unknown pipe" in r.json()["detail"]
    r = service.get("/api/networks/1/isolation")
    assert r.status_code == 422 and "pipe=ID" in r.json()["detail"]
    r = service.get("/api/networks/1/isolation", params={"at": "north"})
    assert r.status_code == 422 and "LON,LAT" in r.json()["detail"]
    r = service.get("/api/networks/1/isolation", params={"at": "10,10"})
    assert r.status_code == 422 and "no pipe within" in r.json()["detail"]
    assert service.get("/api/networks/99/isolation", params={"pipe": "P1"}).status_code == 404


def test_valve_status_takes_effect_for_the_next_query(service: Service) -> None:
    first = service.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    valve = first["valves_to_close"][0]["id"]
    assert (
        service.put(
            f"/api/networks/1/valves/{valve}/status", "dispatcher", json={"operable": False}
        ).status_code
        == 403
    )
    r = service.put(
        f"/api/networks/1/valves/{valve}/status",
        "engineer",
        json={"operable": False, "note": "spindle broken"},
    )
    assert r.status_code == 200
    worse = service.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    assert valve in [v["id"] for v in worse["bypassed_valves"]]
    assert valve not in [v["id"] for v in worse["valves_to_close"]]
    info = service.get(f"/api/networks/1/valves/{valve}").json()
    assert info["found_inoperable"] and info["history"][-1]["note"] == "spindle broken"
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": True})
    again = service.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    assert again["valves_to_close"] == first["valves_to_close"]
    assert (
        service.put(
            "/api/networks/1/valves/V-NOPE/status", "engineer", json={"operable": False}
        ).status_code
        == 404
    )


def test_segments_and_criticality(service: Service) -> None:
    seg = service.get("/api/networks/1/segments", params={"top": 3}).json()
    assert seg["summary"]["segments"] > 1000 and len(seg["largest"]) == 3
    crit = service.get("/api/networks/1/criticality", params={"top": 5}).json()
    assert len(crit["valves"]) == 5
    scores = [v["extra_customers"] for v in crit["valves"]]
    assert scores == sorted(scores, reverse=True)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_uploads(service: Service) -> None:
    with SAMPLE_CITY.open("rb") as f:
        r = service.post(
            "/api/networks", "engineer", files={"file": ("city.gpkg", f)}, data={"name": "kaifeng"}
        )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 1 and created["status"] == "ready"
    assert created["summary"]["pipes"] > 3000
    new_id = created["id"]
    iso = service.get(f"/api/networks/{new_id}/isolation", params={"pipe": "P000100"})
    assert iso.status_code == 200
    # the same name again is version 2, and version 1 still answers
    with SAMPLE_CITY.open("rb") as f:
        again = service.post(
            "/api/networks", "engineer", files={"file": ("city.gpkg", f)}, data={"name": "kaifeng"}
        ).json()
    assert again["version"] == 2
    assert service.get(f"/api/networks/{new_id}").json()["version"] == 1
    # a zip of layers with problems: 422 with the report, kept for later
    bad = _zip(
        {
            "nodes.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature",'
            b'"properties":{"id":"A","kind":"source"},"geometry":{"type":"Point","coordinates":'
            b"[114.3,34.8]}}]}",
            "pipes.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature",'
            b'"properties":{"id":"P1","from_node":"A","to_node":"B","diameter_mm":100},'
            b'"geometry":{"type":"LineString","coordinates":[[114.3,34.8],[114.31,34.8]]}}]}',
            "../escape.txt": b"never written outside",
        }
    )
    r = service.post(
        "/api/networks", "engineer", files={"file": ("bad.zip", bad)}, data={"name": "bad"}
    )
    assert r.status_code == 422, r.text
    report = r.json()["report"]
    assert not report["ok"]
    assert report["errors"] >= 1
    assert any(p["layer"] == "pipes" and p["fix"] for p in report["problems"]), report
    assert service.get(f"/api/networks/{r.json()['id']}/report").json() == report
    assert not any(p.name == "escape.txt" for p in service.data_dir.rglob("escape.txt"))
    # wrong kind of file, and too large
    r = service.post("/api/networks", "engineer", files={"file": ("notes.txt", b"hello")})
    assert r.status_code == 415 and ".gpkg" in r.json()["detail"]
    settings = service.client.app.state.settings  # type: ignore[attr-defined]
    old = settings.max_upload_mb
    settings.max_upload_mb = 0.01
    try:
        r = service.post("/api/networks", "engineer", files={"file": ("big.gpkg", b"x" * 20_000)})
        assert r.status_code == 413 and "upload limit" in r.json()["detail"]
    finally:
        settings.max_upload_mb = old


def test_upload_epanet_with_valves_and_zipped_shapefiles(service: Service, tmp_path: Any) -> None:
    wntr = pytest.importorskip("wntr")
    net3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"
    wn = wntr.network.WaterNetworkModel(str(net3))
    layer = wntr.network.generate_valve_layer(wn, "strategic", 1, seed=7)
    valves_csv = layer.to_csv(index=False).encode()
    with net3.open("rb") as f:
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("Net3.inp", f), "valves": ("valves.csv", valves_csv)},
            data={"name": "net3"},
        )
    assert r.status_code == 201, r.text
    net3_id = r.json()["id"]
    pipe = next(iter(wn.pipe_name_list))
    iso = service.get(f"/api/networks/{net3_id}/isolation", params={"pipe": pipe, "area": False})
    assert iso.status_code == 200 and iso.json()["valves_to_close"]
    # the sample city as a zip of Shapefiles
    folder = tmp_path / "shp"
    folder.mkdir()
    with warnings.catch_warnings():  # Shapefile names are cut to ten characters: expected
        warnings.simplefilter("ignore")
        for layer_name in ("nodes", "pipes", "valves", "customers"):
            gpd.read_file(SAMPLE_CITY, layer=layer_name).to_file(folder / f"{layer_name}.shp")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"city/{f.name}")
    r = service.post(
        "/api/networks",
        "engineer",
        files={"file": ("city-shp.zip", archive.getvalue())},
        data={"name": "city-shp"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["summary"]["pipes"] > 3000


def test_an_upload_never_touches_another_networks_files(service: Service) -> None:
    before = service.get("/api/networks/1").json()
    for name in ("sample ", "x/sample", "sample"):
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("x.gpkg", b"not a geopackage")},
            data={"name": name},
        )
        assert r.status_code == 422
        assert r.json()["report"]["errors"] >= 1 and r.json()["report"]["problems"][0]["fix"]
        assert str(service.data_dir) not in r.text
    assert service.get("/api/networks/1").json() == before
    assert service.get("/api/networks/1/isolation", params={"pipe": "P000100"}).status_code == 200
    registry = service.client.app.state.registry  # type: ignore[attr-defined]
    assert 1 in registry.loaded_ids
    registry.forget()  # read the files again: they are still there
    assert registry.loaded_ids == ()
    assert service.get("/api/networks/1/isolation", params={"pipe": "P000101"}).status_code == 200
    assert 1 in registry.loaded_ids


def test_map_layers_for_the_console(service: Service) -> None:
    r = service.get("/api/networks/1/map/pipes", "viewer", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"] == "application/geo+json"
    assert len(r.json()["features"]) == 3515
    again = service.get(
        "/api/networks/1/map/pipes", "viewer", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    assert service.get("/api/networks/1/map/roads", "viewer").status_code == 422
    assert service.client.get("/api/networks/1/map/pipes").status_code == 401

    # a valve reported inoperable in the field shows at once on the map
    valve = "V000851"
    before = service.get("/api/networks/1/map/valves", "viewer")
    status_of = {f["id"]: f["properties"] for f in before.json()["features"]}
    assert status_of[valve]["found_inoperable"] is False
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": False})
    after = service.get("/api/networks/1/map/valves", "viewer")
    assert after.headers["etag"] != before.headers["etag"]
    status_of = {f["id"]: f["properties"] for f in after.json()["features"]}
    assert status_of[valve]["found_inoperable"] is True
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": True})
    status_of = {
        f["id"]: f["properties"]
        for f in service.get("/api/networks/1/map/valves", "viewer").json()["features"]
    }
    assert status_of[valve]["found_inoperable"] is False
