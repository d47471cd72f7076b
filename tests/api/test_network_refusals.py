"""The network routes refuse bad input as domain errors with a stable code and params (issue 15,
the seam; issue 18: the console says them in the reader's language): the status and the English
``detail`` are as before, word for word; api.responses.refusal decides both once. Their words in
both languages: tests/web/test_refusals.py."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from api.routes.networks import MAX_BREAK_PIPES
from tests.api.conftest import Service
from tests.api.test_bad_uploads import _layer_files, _zip

pytestmark = pytest.mark.usefixtures("clock_at_start")

ISOLATION = "/api/networks/1/isolation"


def _refused(r: Any, status: int, code: str, params: dict[str, Any], detail: str) -> None:
    assert r.status_code == status, r.text
    assert r.json() == {"detail": detail, "code": code, "params": params}


def _upload(service: Service, data: bytes, name: str = "bad.zip", **form: str) -> Any:
    return service.post("/api/networks", "engineer", files={"file": (name, data)}, data=form)


def test_isolation_queries_refuse_with_codes(service: Service) -> None:
    _refused(
        service.get(ISOLATION),
        422,
        "isolation_pipe_or_point",
        {},
        "give either pipe=ID (repeatable) or at=LON,LAT",
    )
    _refused(
        service.get(ISOLATION, params={"pipe": "P000153", "at": "114.35,34.80"}),
        422,
        "isolation_pipe_or_point",
        {},
        "give either pipe=ID (repeatable) or at=LON,LAT",
    )
    pipes = [f"P{n:06d}" for n in range(1, MAX_BREAK_PIPES + 2)]
    limit = MAX_BREAK_PIPES
    _refused(
        service.get(ISOLATION, params={"pipe": pipes}),
        422,
        "isolation_too_many_pipes",
        {"limit": limit, "count": len(pipes)},
        f"pipe: at most {limit} pipes in one query (this one has {len(pipes)}): "
        "name the broken pipes of one break",
    )
    _refused(
        service.get(ISOLATION, params={"pipe": "P000153", "end": 12, "hours": 3}),
        422,
        "window_end_or_hours",
        {},
        "give either end or hours of the window",
    )


def test_an_upload_s_form_fields_refuse_with_codes(service: Service, tmp_path: Path) -> None:
    data = _zip(_layer_files(tmp_path))
    _refused(
        _upload(service, data, mapping="{not json"),
        422,
        "mapping_not_json",
        {"line": 1, "column": 2},
        "mapping: not JSON (unexpected character, expected a string key: line 1 column 2 "
        '(char 1)): send the mapping as JSON, e.g. {"pipes": {"layer": "WaterMains", '
        '"diameter_mm": {"column": "DIAMETER", "unit": "inch"}}}',
    )
    _refused(
        _upload(service, data, crs="EPSG:nowhere"),
        422,
        "crs_unknown",
        {"crs": "EPSG:nowhere", "example": "EPSG:32650"},
        "crs 'EPSG:nowhere' is not a coordinate reference system: write e.g. EPSG:32650",
    )


def test_zips_that_cannot_be_a_network_refuse_with_codes(service: Service, tmp_path: Path) -> None:
    _refused(
        _upload(service, b"not a zip at all"),
        422,
        "zip_unreadable",
        {},
        "the .zip file cannot be read (damaged, encrypted or an unknown compression): zip the "
        "layer files (.shp/.shx/.dbf/.prj or .geojson) of nodes, pipes, valves, customers ... "
        "without a password and upload again",
    )
    files = _layer_files(tmp_path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            if name != "nodes.geojson":
                z.writestr(name, content)
        link = zipfile.ZipInfo("nodes.geojson")
        link.create_system = 3  # unix
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    _refused(
        _upload(service, out.getvalue()),
        422,
        "zip_link",
        {"file": "nodes.geojson"},
        "nodes.geojson in the zip is a symbolic link, not a file: zip the layer files "
        "themselves (without links) and upload again",
    )
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as z:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the case
        for name, content in files.items():
            z.writestr(name, content)
        z.writestr("old/NODES.GEOJSON", files["nodes.geojson"])
    _refused(
        _upload(service, out.getvalue()),
        422,
        "zip_two_files",
        {"layer": "nodes.geojson", "first": "nodes.geojson", "second": "old/NODES.GEOJSON"},
        "the zip holds two files for nodes.geojson: nodes.geojson and old/NODES.GEOJSON "
        "(layers are read side by side, one file each): keep one and upload again",
    )
    two = _zip({"a.gdb/a00000001.gdbtable": b"x", "B.gdb/a00000001.gdbtable": b"x"})
    _refused(
        _upload(service, two),
        422,
        "zip_two_databases",
        {"count": 2, "databases": "a.gdb, b.gdb"},
        "the zip holds 2 File Geodatabases (a.gdb, b.gdb): upload one network at a time",
    )
    _refused(
        _upload(service, _zip({"readme.txt": b"hi", "city.gpkg": b"x"})),
        422,
        "zip_no_layers",
        {
            "found": "readme.txt, city.gpkg",
            "layers": "nodes, pipes, valves, customers, dmas, roads, depots",
        },
        "the zip holds no layer files (it has: readme.txt, city.gpkg): name them after their "
        "layer — nodes, pipes, valves, customers, dmas, roads, depots — or as your mapping "
        "names them, as .geojson, .gpkg or .shp with its .shx, .dbf and .prj (or zip a .gdb "
        "folder or a .dxf drawing)",
    )


def test_an_upload_of_the_wrong_kind_or_size_refuses_with_codes(
    service: Service, tmp_path: Path
) -> None:
    _refused(
        _upload(service, b"a,b\n1,2\n", name="pipes.csv"),
        415,
        "upload_file_type",
        {"file": "pipes.csv", "types": ".gpkg, .zip, .inp, .dxf"},
        "'pipes.csv': upload a GeoPackage (.gpkg), a zip of Shapefile or GeoJSON layers or of a "
        "File Geodatabase (.zip), a DXF drawing (.dxf), or an EPANET file (.inp) with a valve CSV",
    )
    files = _layer_files(tmp_path)
    files["nodes.geojson"] = files["nodes.geojson"] + b" " * 3_000_000  # 3 MB, zips to 3 kB
    settings = service.client.app.state.settings  # type: ignore[attr-defined]
    old = settings.max_upload_mb
    settings.max_upload_mb = 1
    try:
        r = _upload(service, _zip(files), name="big.zip")
    finally:
        settings.max_upload_mb = old
    _refused(
        r,
        413,
        "zip_too_big",
        {"mb": 1},
        "the zip's layer files unpack to more than the upload limit of 1 MB (setting "
        "WATEROPS_MAX_UPLOAD_MB): upload fewer or smaller layers",
    )
