"""Uploading a utility's own GIS export (issue 14): ``POST /api/networks/inspect`` shows its
layers, columns and values with the mapping it would be read with; the upload takes a
``mapping`` (JSON) and keeps it with the network; the next version of the same network is read
with it without being given it again."""

from __future__ import annotations

import io
import itertools
import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from gis.mapping import MappingError, mapping_from_dict
from tests.api.conftest import Service
from tests.conftest import ORIGIN, TEST_CRS

OX, OY = ORIGIN


def _export(tmp_path: Path, extra_pipe: bool = False) -> bytes:
    """A zip of Shapefiles as a Chinese utility exports them: 管线, 管点, 阀门, 用户 with Chinese
    columns, diameters in metres, no topology; one customer category the guess does not know
    (别墅)."""
    ends = [(0, 0), (100, 0), (200, 0), (300, 0)] if extra_pipe else [(0, 0), (100, 0), (200, 0)]
    pipes = gpd.GeoDataFrame(
        {"编号": [f"G{i}" for i in range(1, len(ends))], "管径": [0.3] * (len(ends) - 1)},
        geometry=[
            shapely.LineString([(OX + a[0], OY), (OX + b[0], OY)])
            for a, b in itertools.pairwise(ends)
        ],
        crs=TEST_CRS,
    )
    layers = {
        "管线": pipes,
        "管点": gpd.GeoDataFrame(
            {"编号": ["S"], "类型": ["水厂"]}, geometry=[shapely.Point(OX, OY)], crs=TEST_CRS
        ),
        "阀门": gpd.GeoDataFrame(
            {"编号": ["F1"]}, geometry=[shapely.Point(OX + 103, OY)], crs=TEST_CRS
        ),
        "用户": gpd.GeoDataFrame(
            {"户号": ["U1", "U2"], "类别": ["居民", "别墅"]},
            geometry=[shapely.Point(OX + 150, OY + 15), shapely.Point(OX + 50, OY - 12)],
            crs=TEST_CRS,
        ),
    }
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, frame in layers.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame.to_file(folder / f"{name}.shp", engine="pyogrio", encoding="UTF-8")
            for part in folder.glob(f"{name}.*"):
                z.write(part, f"导出/{part.name}")
    return out.getvalue()


def _post(svc: Service, path: str, data: bytes, **form: Any) -> Any:
    return svc.post(path, "engineer", files={"file": ("export.zip", data)}, data=form)


def test_inspect_shows_the_export_and_the_guessed_mapping(service: Service, tmp_path: Path) -> None:
    before = service.get("/api/networks").json()
    r = _post(service, "/api/networks/inspect", _export(tmp_path), name="inspected")
    assert r.status_code == 200, r.text
    body = r.json()
    assert service.get("/api/networks").json() == before  # nothing stored
    assert set(body["layers"]) == {"管线", "管点", "阀门", "用户"}
    assert body["layers"]["用户"]["columns"]["类别"]["values"] == ["居民", "别墅"]
    assert body["layers"]["管线"]["geometry"] == ["LineString"]
    assert body["mapping_from"] == "guessed"
    pipes = body["mapping"]["pipes"]
    assert pipes["layer"] == "管线" and pipes["layer_guessed"] is True
    assert pipes["diameter_mm"]["unit"] == "m" and pipes["diameter_mm"]["guessed"] is True
    assert body["mapping"]["customers"]["category"]["values"] == {"居民": "residential"}
    # the report it would get: 别墅 is not a category
    assert not body["report"]["ok"]
    (problem,) = [p for p in body["report"]["problems"] if p["severity"] == "error"]
    assert (problem["layer"], problem["id"]) == ("customers", "U2")
    assert body["topology"]["nodes"]["new_nodes"] == 2
    assert body["topology"]["valves"]["snapped"] == 1


def test_an_upload_with_a_mapping_keeps_it_for_the_next_version(
    service: Service, tmp_path: Path
) -> None:
    inspected = _post(service, "/api/networks/inspect", _export(tmp_path), name="city").json()
    mapping = inspected["mapping"]
    mapping["customers"]["category"]["values"]["别墅"] = "residential"  # the user's correction
    r = _post(service, "/api/networks", _export(tmp_path), name="city", mapping=json.dumps(mapping))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["mapping_from"] == "given" and first["version"] == 1
    assert first["mapping"]["customers"]["category"]["values"]["别墅"] == "residential"
    assert service.get(f"/api/networks/{first['id']}").json()["mapping"] == first["mapping"]
    iso = service.get(f"/api/networks/{first['id']}/isolation", params={"pipe": "G2"})
    assert iso.status_code == 200, iso.text
    assert [v["id"] for v in iso.json()["valves_to_close"]] == ["F1"]
    assert iso.json()["customers"]["total"] == 1  # U1, beside G2 (U2 is on G1, fed)

    # the next version: one step, no mapping given
    r = _post(service, "/api/networks", _export(tmp_path, extra_pipe=True), name="city")
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["version"] == 2
    assert second["mapping_from"] == {"network": first["id"], "version": 1}
    assert second["mapping"] == first["mapping"]
    assert second["summary"]["pipes"] == 3
    # inspect says so too
    again = _post(service, "/api/networks/inspect", _export(tmp_path), name="city").json()
    assert again["mapping_from"] == {"network": second["id"], "version": 2}
    assert again["report"]["ok"]

    # another network's name does not get it: the guess fails on 别墅
    other = _post(service, "/api/networks", _export(tmp_path), name="elsewhere")
    assert other.status_code == 422
    assert other.json()["mapping_from"] == "guessed"


def test_a_bad_mapping_is_a_422_that_says_what_to_fix(service: Service, tmp_path: Path) -> None:
    data = _export(tmp_path)
    r = _post(service, "/api/networks", data, name="bad", mapping="{not json")
    assert r.status_code == 422 and "mapping: not JSON" in r.json()["detail"]
    r = _post(service, "/api/networks", data, name="bad", mapping='{"pipes": {"diam": "管径"}}')
    assert r.status_code == 422
    assert "'diam' is not a column of the contract's pipes" in r.json()["detail"]
    # the answer is gis.mapping's own refusal, word for word, with its code and params for the
    # console's words (api/app.py maps MappingError once)
    assert r.json() == _refusal({"pipes": {"diam": "管径"}})
    assert r.json()["code"] == "mapping_unknown_column" and r.json()["params"]["column"] == "diam"
    mapping = {"pipes": {"diameter_mm": {"column": "管径", "unit": "yards"}}}
    r = _post(service, "/api/networks", data, name="bad", mapping=json.dumps(mapping))
    assert r.status_code == 422 and "unit 'yards'" in r.json()["detail"]
    assert r.json() == _refusal(mapping)


def _refusal(mapping: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(MappingError) as refused:
        mapping_from_dict(mapping)
    return {
        "detail": str(refused.value),
        "code": refused.value.code,
        "params": refused.value.params,
    }


def test_a_zip_of_a_file_geodatabase(service: Service, tmp_path: Path) -> None:
    gdb = tmp_path / "city.gdb"
    for name, frame in (
        (
            "WaterMains",
            gpd.GeoDataFrame(
                {"FACILITYID": ["P1", "P2"], "DIAMETER": [12.0, 8.0]},
                geometry=[
                    shapely.LineString([(OX, OY), (OX + 100, OY)]),
                    shapely.LineString([(OX + 100, OY), (OX + 200, OY)]),
                ],
                crs=TEST_CRS,
            ),
        ),
        (
            "Junctions",
            gpd.GeoDataFrame(
                {"FACILITYID": ["S"], "TYPE": ["Reservoir"]},
                geometry=[shapely.Point(OX, OY)],
                crs=TEST_CRS,
            ),
        ),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame.to_file(gdb, layer=name, driver="OpenFileGDB", engine="pyogrio")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for part in gdb.iterdir():
            z.write(part, f"city.gdb/{part.name}")
    r = _post(service, "/api/networks", out.getvalue(), name="gdb")
    assert r.status_code == 201, r.text
    assert r.json()["summary"]["pipes"] == 2
    assert r.json()["mapping"]["pipes"]["diameter_mm"]["unit"] == "inch"


def test_a_zip_may_hold_layers_named_as_the_mapping_names_them(
    service: Service, tmp_path: Path
) -> None:
    lines = gpd.GeoDataFrame(
        {"gid": ["A", "B"], "dn": [150, 150]},
        geometry=[
            shapely.LineString([(OX, OY), (OX + 100, OY)]),
            shapely.LineString([(OX + 100, OY), (OX + 200, OY)]),
        ],
        crs=TEST_CRS,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("layer_07.geojson", lines.to_json())
        z.writestr("notes.txt", "not a layer")
    data = out.getvalue()
    r = _post(service, "/api/networks", data, name="layer7")
    assert r.status_code == 422 and "the zip holds no layer files" in r.json()["detail"]
    mapping = {"pipes": {"layer": "layer_07", "id": "gid", "diameter_mm": "dn"}}
    r = _post(service, "/api/networks", data, name="layer7", mapping=json.dumps(mapping))
    assert r.status_code == 201, r.text  # valid, with no source: kept, never the default
    assert r.json()["status"] == "no_source" and r.json()["summary"]["pipes"] == 2
    assert not list(service.data_dir.rglob("notes.txt"))
