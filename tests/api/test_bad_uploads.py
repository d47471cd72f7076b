"""The bad-file corpus (issue 12, items 4-7) through ``POST /api/networks``.

Every file of ``tests/gis/bad_corpus.py`` is uploaded as a user would (a GeoPackage, a zip of
GeoJSON layers, or an EPANET file with its valve CSV): refused with a 4xx whose report names the
layer, the row and the fix and shows no server path, or accepted and then answering isolation
queries and map layers without a 5xx. Then what only an upload has: zips (padding, symbolic
links, duplicate names, no layers), orphan folders of killed uploads, and a network without
any source, which must not become the default network.
"""

from __future__ import annotations

import io
import os
import re
import stat
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from api.db.tables import NetworkVersion
from api.registry import NetworkRegistry
from tests.api.conftest import Service, make_service
from tests.gis.bad_corpus import (
    CASES,
    Built,
    Case,
    case,
    clean_layers,
    write_folder,
)

pytest.importorskip("wntr")

RAW = re.compile(
    r"NoneType|has no attribute|codec can't|sqlite3_|sqlite_master|\(ValueError\)|"
    r"not recognized as being|Traceback|could not convert|invalid literal|networks/",
    re.IGNORECASE,
)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _layer_files(tmp_path: Path) -> dict[str, bytes]:
    folder = write_folder(clean_layers(), tmp_path / "clean")
    return {f.name: f.read_bytes() for f in folder.iterdir()}


def upload(svc: Service, built: Built, name: str) -> Any:
    """POST a case's files the way a user would."""
    files, data = built.upload_form(name)
    return svc.post("/api/networks", "engineer", files=files, data=data)


def _no_internals(svc: Service, text: str) -> None:
    assert str(svc.data_dir) not in text
    assert not RAW.search(text), text


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_bad_file_upload(service: Service, c: Case, tmp_path: Path) -> None:
    built = c.build(tmp_path)
    r = upload(service, built, c.name)
    assert r.status_code < 500, r.text
    _no_internals(service, r.text)
    if c.outcome == "refused":
        assert r.status_code in (415, 422), r.text
        if r.status_code == 415:  # not a kind of file we take: said at once, nothing stored
            assert ".gpkg" in r.json()["detail"]
            return
        report = r.json()["report"]
        assert not report["ok"]
        assert all(p["fix"] for p in report["problems"])
        found = [
            p
            for p in report["problems"]
            if p["severity"] == "error"
            and p["layer"] == c.layer
            and p["id"] == c.row
            and c.words in p["message"]
        ]
        assert found, report
        return
    assert r.status_code == 201, r.text
    network_id = r.json()["id"]
    iso = service.get(f"/api/networks/{network_id}/isolation", params={"pipe": "P1"})
    assert iso.status_code == 200, iso.text
    for layer in ("pipes", "valves", "customers", "sources", "dmas"):
        m = service.get(f"/api/networks/{network_id}/map/{layer}", "viewer")
        assert m.status_code in (200, 422), m.text  # 422: an EPANET file without a CRS
    if built.path.is_dir():  # uploaded as a zip: only its layers are kept
        folder = service.data_dir / Path(_stored(service, network_id)).parent
        assert not list(folder.rglob("*.zip"))


def _stored(svc: Service, network_id: int) -> str:
    app: Any = svc.client.app
    with app.state.sessions() as session:
        row = session.get(NetworkVersion, network_id)
        return str(row.stored_path)


# -- zips -----------------------------------------------------------------------------------------


def test_padding_in_a_zip_is_not_unpacked(service: Service, tmp_path: Path) -> None:
    # A small zip: valid layers and 256 MiB of zeros (deflated to ~250 kB).
    archive = tmp_path / "padded.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _layer_files(tmp_path).items():
            z.writestr(name, data)
        with z.open("padding.bin", "w", force_zip64=True) as pad:
            block = bytes(1 << 20)
            for _ in range(256):
                pad.write(block)
    assert archive.stat().st_size < 2_000_000
    before = _disk(service.data_dir)
    r = service.post(
        "/api/networks",
        "engineer",
        files={"file": ("padded.zip", archive.read_bytes())},
        data={"name": "padded"},
    )
    assert r.status_code == 201, r.text
    assert _disk(service.data_dir) - before < 200_000  # the layers only: a few kB
    assert not list(service.data_dir.rglob("padding.bin"))


def test_layers_that_unpack_past_the_limit_are_refused(service: Service, tmp_path: Path) -> None:
    files = _layer_files(tmp_path)
    files["nodes.geojson"] = files["nodes.geojson"] + b" " * 3_000_000  # 3 MB, zips to 3 kB
    settings = service.client.app.state.settings  # type: ignore[attr-defined]
    old = settings.max_upload_mb
    settings.max_upload_mb = 1
    try:
        before = _folders(service)
        r = service.post(
            "/api/networks", "engineer", files={"file": ("big.zip", _zip(files))}, data={}
        )
    finally:
        settings.max_upload_mb = old
    assert r.status_code == 413, r.text
    assert "unpack" in r.json()["detail"] and "1 MB" in r.json()["detail"]
    assert _folders(service) == before  # nothing left behind


def test_symbolic_link_in_a_zip_is_refused(service: Service, tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in _layer_files(tmp_path).items():
            if name != "nodes.geojson":
                z.writestr(name, data)
        link = zipfile.ZipInfo("nodes.geojson")
        link.create_system = 3  # unix
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    before = _folders(service)
    r = service.post(
        "/api/networks", "engineer", files={"file": ("link.zip", out.getvalue())}, data={}
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "nodes.geojson" in detail and "symbolic link" in detail
    assert _folders(service) == before


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("old/nodes.geojson", "new/nodes.geojson"),
        ("nodes.geojson", "nodes.geojson"),
        ("nodes.geojson", "NODES.GEOJSON"),
    ],
)
def test_two_files_for_one_layer_in_a_zip_are_refused(
    service: Service, tmp_path: Path, first: str, second: str
) -> None:
    files = _layer_files(tmp_path)
    nodes = files.pop("nodes.geojson")
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as z:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the case
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr(first, nodes)
        z.writestr(second, nodes)
    before = _folders(service)
    r = service.post("/api/networks", "engineer", files={"file": ("dup.zip", out.getvalue())})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert first in detail and second in detail and "keep one" in detail, detail
    assert _folders(service) == before


def test_zip_without_layer_files_says_what_it_holds(service: Service) -> None:
    r = service.post(
        "/api/networks",
        "engineer",
        files={"file": ("notes.zip", _zip({"readme.txt": b"hi", "city.gpkg": b"x"}))},
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "readme.txt" in detail and "nodes" in detail


def test_mac_resource_files_in_a_zip_are_ignored(service: Service, tmp_path: Path) -> None:
    files = _layer_files(tmp_path)
    files.update({f"__MACOSX/._{name}": b"\x00\x05\x16\x07junk" for name in list(files)})
    r = service.post("/api/networks", "engineer", files={"file": ("mac.zip", _zip(files))})
    assert r.status_code == 201, r.text


# -- orphans of killed uploads --------------------------------------------------------------------


def test_folders_of_killed_uploads_are_removed(service: Service, tmp_path: Path) -> None:
    networks = service.data_dir / "networks"
    hour_ago = time.time() - 2 * 3600
    orphans = []
    for name in ("killed-0123456789ab", ".incoming/killed-ba9876543210"):
        folder = networks / name
        folder.mkdir(parents=True)
        (folder / "network.gpkg").write_bytes(b"half a file")
        os.utime(folder, (hour_ago, hour_ago))
        orphans.append(folder)
    in_flight = networks / ".incoming" / "uploading-000000000000"  # another upload, now
    in_flight.mkdir(parents=True)
    kept = sorted(p.name for p in networks.iterdir() if not p.name.startswith("."))
    r = upload(service, case("clean-gpkg").build(tmp_path), "after-a-crash")
    assert r.status_code == 201, r.text
    assert not any(o.exists() for o in orphans)
    assert in_flight.exists()
    # every stored network keeps its files
    left = {p.name for p in networks.iterdir() if not p.name.startswith(".")}
    assert set(kept) - {"killed-0123456789ab"} <= left
    assert service.get("/api/networks/1/isolation", params={"pipe": "P000100"}).status_code == 200
    in_flight.rmdir()


def test_a_new_service_clears_killed_uploads(tmp_path: Path) -> None:
    stale = tmp_path / "networks" / ".incoming" / "x-000000000000"
    stale.mkdir(parents=True)
    hour_ago = time.time() - 2 * 3600
    os.utime(stale, (hour_ago, hour_ago))
    NetworkRegistry(tmp_path)
    assert not stale.exists()


# -- a network with no source ---------------------------------------------------------------------


def test_network_without_source_is_kept_but_never_the_default(
    service: Service, tmp_path: Path
) -> None:
    default = service.client.get("/public/config").json()["network"]
    r = upload(service, case("no-source-at-all").build(tmp_path), "dry")
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "no_source"
    assert "default" in created["note"]
    assert any("no source or tank at all" in p["message"] for p in created["report"]["problems"])
    # asked for by its id, it answers
    dry = created["id"]
    iso = service.get(f"/api/networks/{dry}/isolation", params={"pipe": "P1", "area": False})
    assert iso.status_code == 200, iso.text
    # and what every query without a network id uses is still the last network with water
    assert service.client.get("/public/config").json()["network"] == default
    listed = {n["id"]: n["status"] for n in service.get("/api/networks").json()}
    assert listed[dry] == "no_source"


# -- helpers --------------------------------------------------------------------------------------


def _disk(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _folders(svc: Service) -> set[str]:
    return {p.name for p in (svc.data_dir / "networks").iterdir() if not p.name.startswith(".")}


# -- stored files that no longer read ---------------------------------------------------------


def test_a_stored_network_that_no_longer_reads_is_a_409_not_a_500(tmp_path: Path) -> None:
    # Files stored as valid can stop reading: validation got stricter (a yes/no of "maybe"
    # was accepted before issue 12), or the disk lost them. Queries then say so (409), and
    # the service still starts when it is the newest network (it used to fail to start).
    data = tmp_path / "data"
    for svc in make_service("sqlite", data):
        r = upload(svc, case("clean-gpkg").build(tmp_path), "later-broken")
        assert r.status_code == 201, r.text
        network_id = r.json()["id"]
        stored = svc.data_dir / _stored(svc, network_id)
    stored.write_bytes(b"\x00" * 4096)  # the file is gone bad on disk
    for svc in make_service("sqlite", data):
        assert svc.client.get("/healthz").status_code == 200
        r = svc.get(f"/api/networks/{network_id}/isolation", params={"pipe": "P1"})
        assert r.status_code == 409, r.text
        assert "upload" in r.json()["detail"] and str(data) not in r.text
        # the other networks still answer
        assert svc.get("/api/networks/1/isolation", params={"pipe": "P000100"}).status_code == 200
