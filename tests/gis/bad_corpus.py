"""The bad-file corpus of issue 12 (items 4-7), built in code: every case is written to real
files in a folder, never committed as a binary.

Shared by ``tests/gis/test_bad_files.py`` (library and command line),
``tests/api/test_bad_uploads.py`` (the upload route) and ``benchmarks/bad_files.py`` (the table
in ``benchmarks/README.md``). A case says what a careful service must answer: refused, with a
problem naming the layer, the row and the fix; or accepted (with a warning, perhaps).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

Layers = dict[str, gpd.GeoDataFrame]

LON0, LAT0 = 114.35, 34.80  # Kaifeng
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(LAT0))
NODE_XY = {"S": (0.0, 0.0), "N1": (100.0, 0.0), "N2": (200.0, 0.0), "N3": (300.0, 0.0)}
PIPES = [("P1", "S", "N1", 300.0), ("P2", "N1", "N2", 200.0), ("P3", "N2", "N3", 150.0)]

# A small EPANET file: one reservoir, three junctions, three pipes (metric units).
SMALL_INP = """[TITLE]
small test network

[JUNCTIONS]
;ID  Elev  Demand
 J1  10  1
 J2  10  1
 J3  10  1

[RESERVOIRS]
 R1  50

[PIPES]
;ID  Node1  Node2  Length  Diameter  Roughness  MinorLoss  Status
 P1  R1  J1  100  200  100  0  Open
 P2  J1  J2  100  150  100  0  Open
 P3  J2  J3  100  100  100  0  Open

[OPTIONS]
 Units  LPS
 Headloss  H-W

[COORDINATES]
 R1  0  0
 J1  100  0
 J2  200  0
 J3  300  0

[END]
"""
SMALL_VALVES = "link,node\nP2,J1\nP3,J2\n"


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """A point ``x_m`` metres east and ``y_m`` metres north of (LON0, LAT0)."""
    return (LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT)


def clean_layers() -> Layers:
    """A small clean network in WGS84 with every layer the contract names."""
    pt = {n: lonlat(*xy) for n, xy in NODE_XY.items()}
    nodes = gpd.GeoDataFrame(
        {"id": list(pt), "kind": ["source", "junction", "junction", "junction"]},
        geometry=[shapely.Point(p) for p in pt.values()],
        crs="EPSG:4326",
    )
    pipes = gpd.GeoDataFrame(
        {
            "id": [p[0] for p in PIPES],
            "from_node": [p[1] for p in PIPES],
            "to_node": [p[2] for p in PIPES],
            "diameter_mm": [p[3] for p in PIPES],
            "street": ["Gulou Street"] * 3,
            "status": ["open"] * 3,
        },
        geometry=[shapely.LineString([pt[a], pt[b]]) for _, a, b, _ in PIPES],
        crs="EPSG:4326",
    )
    valves = gpd.GeoDataFrame(
        {
            "id": ["V1", "V2"],
            "pipe_id": ["P2", "P3"],
            "node_id": ["N1", "N2"],
            "operable": ["yes", "yes"],
            "normally_closed": ["no", "no"],
        },
        geometry=[shapely.Point(pt["N1"]), shapely.Point(pt["N2"])],
        crs="EPSG:4326",
    )
    customers = gpd.GeoDataFrame(
        {
            "id": ["C1", "C2"],
            "pipe_id": ["P2", "P3"],
            "category": ["residential", "critical"],
            "accounts": [12, 1],
            "name": ["Block 3", "People's Hospital"],
        },
        geometry=[shapely.Point(lonlat(150, 20)), shapely.Point(lonlat(250, 20))],
        crs="EPSG:4326",
    )
    return {"nodes": nodes, "pipes": pipes, "valves": valves, "customers": customers}


def write_gpkg(layers: Layers, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, gdf in layers.items():
            gdf.to_file(path, layer=name, engine="pyogrio")
    return path


def write_folder(layers: Layers, folder: Path, suffix: str = "geojson") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, gdf in layers.items():
            gdf.to_file(folder / f"{name}.{suffix}", engine="pyogrio")
    return folder


@dataclass(frozen=True)
class Built:
    """The files of one case: what to read (a .gpkg, a folder or an .inp) and its valve CSV."""

    path: Path
    valves: Path | None = None
    crs: str | None = None

    def upload_form(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The multipart files and fields a user sends to ``POST /api/networks``: the file
        (a folder zipped, as an export is), the valve CSV, the CRS."""
        files: dict[str, Any] = {}
        if self.path.is_dir():
            files["file"] = (f"{name}.zip", zip_folder(self.path))
        else:
            files["file"] = (self.path.name, self.path.read_bytes())
        if self.valves is not None:
            files["valves"] = (self.valves.name, self.valves.read_bytes())
        data = {"name": name}
        if self.crs is not None:
            data["crs"] = self.crs
        return files, data


def zip_folder(folder: Path) -> bytes:
    """A folder of layer files as a zip of an ``export/`` folder."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f"export/{f.name}")
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    """One file of the corpus and the answer it must get.

    ``layer``, ``row`` and ``words`` describe the problem the report must contain (an error when
    refused, a warning when accepted with one); ``row`` None means the whole layer or file.
    """

    name: str
    item: str  # the audit's item (4, 5, 7) or "ok" for files that passed already
    description: str
    build: Callable[[Path], Built]
    outcome: Literal["refused", "accepted"]
    layer: str | None = None
    row: str | None = None
    words: str = ""


def _gpkg(change: Callable[[Layers], None]) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        layers = clean_layers()
        change(layers)
        return Built(write_gpkg(layers, folder / "network.gpkg"))

    return build


def _geojson(change: Callable[[Layers], None]) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        layers = clean_layers()
        change(layers)
        return Built(write_folder(layers, folder / "layers"))

    return build


def _set(layer: str, row: int, column: str, value: Any) -> Callable[[Layers], None]:
    def change(layers: Layers) -> None:
        gdf = layers[layer]
        gdf[column] = gdf[column].astype(object)
        gdf.loc[row, column] = value

    return change


def _geometry(layer: str, row: int, geometry: Any, crs: str | None = None) -> Any:
    def change(layers: Layers) -> None:
        if crs is not None:
            for name in layers:
                layers[name] = layers[name].to_crs(crs)
        gdf = layers[layer]
        geoms = list(gdf.geometry)
        geoms[row] = geometry
        layers[layer] = gdf.set_geometry(gpd.GeoSeries(geoms, crs=gdf.crs))

    return change


def _inp(
    text: Callable[[str], str] = lambda t: t,
    encoding: str = "utf-8",
    crs: str | None = None,
    valves: str | None = None,
    valves_encoding: str = "utf-8",
) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        path = folder / "network.inp"
        path.write_bytes(text(SMALL_INP).encode(encoding))
        csv = None
        if valves is not None:
            csv = folder / "valves.csv"
            csv.write_bytes(valves.encode(valves_encoding))
        return Built(path, csv, crs)

    return build


def _raw(name: str, data: Callable[[Path], bytes]) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        path = folder / name
        path.write_bytes(data(folder))
        return Built(path)

    return build


def _truncated_gpkg(folder: Path) -> bytes:
    whole = write_gpkg(clean_layers(), folder / "whole.gpkg").read_bytes()
    (folder / "whole.gpkg").unlink()
    return whole[: len(whole) // 3]


def _empty_layer(layer: str) -> Callable[[Layers], None]:
    def change(layers: Layers) -> None:
        layers[layer] = layers[layer].iloc[0:0]

    return change


def _roads(speed: Any, geometry: Any = None) -> Callable[[Layers], None]:
    """A roads layer (for crew travel) whose first road has ``speed`` and ``geometry``."""

    def change(layers: Layers) -> None:
        first = geometry or shapely.LineString([lonlat(0, -20), lonlat(300, -20)])
        layers["roads"] = gpd.GeoDataFrame(
            {"id": ["R1", "R2"], "speed_kmh": [speed, 30.0], "oneway": ["no", "no"]},
            geometry=[first, shapely.LineString([lonlat(0, -20), lonlat(0, 200)])],
            crs="EPSG:4326",
        )

    return change


def _no_source(layers: Layers) -> None:
    layers["nodes"]["kind"] = "junction"


def _dry_part(layers: Layers) -> None:
    nodes, pipes = layers["nodes"], layers["pipes"]
    a, b = lonlat(0, 500), lonlat(100, 500)
    extra_nodes = gpd.GeoDataFrame(
        {"id": ["X1", "X2"], "kind": ["junction", "junction"]},
        geometry=[shapely.Point(a), shapely.Point(b)],
        crs=nodes.crs,
    )
    extra_pipe = gpd.GeoDataFrame(
        {"id": ["PX"], "from_node": ["X1"], "to_node": ["X2"], "diameter_mm": [100.0]},
        geometry=[shapely.LineString([a, b])],
        crs=pipes.crs,
    )
    layers["nodes"] = gpd.GeoDataFrame(pd.concat([nodes, extra_nodes], ignore_index=True))
    layers["pipes"] = gpd.GeoDataFrame(pd.concat([pipes, extra_pipe], ignore_index=True))


def _duplicate_node(layers: Layers) -> None:
    nodes = layers["nodes"]
    row = nodes.iloc[[-1]].copy()
    layers["nodes"] = gpd.GeoDataFrame(pd.concat([nodes, row], ignore_index=True))


def _no_crs(layers: Layers) -> None:
    for name in layers:
        layers[name] = layers[name].set_crs(None, allow_override=True)


def _dangling_pipe(layers: Layers) -> None:
    layers["pipes"].loc[2, "to_node"] = "N9"


def _without(section: str) -> Callable[[str], str]:
    return lambda text: re.sub(rf"\[{section}\][^\[]*", "", text)


UTM = "EPSG:32650"


def GBK_TEXT(text: str) -> str:  # a Chinese title, comment and node name
    return (
        text.replace("small test network", "开封市供水管网（测试）")
        .replace(";ID  Elev  Demand", ";节点 高程 需水量 —— 开封市自来水公司")
        .replace("J3", "新区三号")
    )


GBK_VALVES = "link,node\nP2,J1\nP3,新区三号\n"

CASES: list[Case] = [
    # -- item 4: values and geometries that used to pass, or to crash ------------------------
    Case(
        "diameter-text",
        "4",
        'pipes.diameter_mm = "DN200"',
        _gpkg(_set("pipes", 1, "diameter_mm", "DN200")),
        "refused",
        "pipes",
        "P2",
        "diameter_mm",
    ),
    Case(
        "accounts-text",
        "4",
        'customers.accounts = "ten"',
        _gpkg(_set("customers", 0, "accounts", "ten")),
        "refused",
        "customers",
        "C1",
        "accounts",
    ),
    Case(
        "accounts-fraction",
        "4",
        "customers.accounts = 2.5",
        _gpkg(_set("customers", 0, "accounts", 2.5)),
        "refused",
        "customers",
        "C1",
        "accounts",
    ),
    Case(
        "length-infinite",
        "4",
        "pipes.length_m = inf",
        _gpkg(lambda ls: ls["pipes"].insert(0, "length_m", [100.0, float("inf"), 100.0])),
        "refused",
        "pipes",
        "P2",
        "length_m",
    ),
    Case(
        "boolean-maybe",
        "4",
        'valves.operable = "maybe"',
        _gpkg(_set("valves", 1, "operable", "maybe")),
        "refused",
        "valves",
        "V2",
        "operable",
    ),
    Case(
        "normally-closed-maybe",
        "4",
        'valves.normally_closed = "maybe"',
        _gpkg(_set("valves", 0, "normally_closed", "maybe")),
        "refused",
        "valves",
        "V1",
        "normally_closed",
    ),
    Case(
        "status-unknown",
        "4",
        'pipes.status = "half"',
        _gpkg(_set("pipes", 0, "status", "half")),
        "refused",
        "pipes",
        "P1",
        "status",
    ),
    Case(
        "node-linestring",
        "4",
        "a node drawn as a LineString",
        _geojson(_geometry("nodes", 2, shapely.LineString([lonlat(200, 0), lonlat(210, 0)]))),
        "refused",
        "nodes",
        "N2",
        "LineString",
    ),
    Case(
        "node-multipoint",
        "4",
        "a node drawn as a MultiPoint",
        _geojson(_geometry("nodes", 2, shapely.MultiPoint([lonlat(200, 0), lonlat(200, 5)]))),
        "refused",
        "nodes",
        "N2",
        "MultiPoint",
    ),
    Case(
        "pipe-point",
        "4",
        "a pipe drawn as a Point",
        _geojson(_geometry("pipes", 1, shapely.Point(lonlat(150, 0)))),
        "refused",
        "pipes",
        "P2",
        "Point",
    ),
    Case(
        "valve-linestring",
        "4",
        "a valve drawn as a LineString",
        _geojson(_geometry("valves", 0, shapely.LineString([lonlat(100, 0), lonlat(110, 0)]))),
        "refused",
        "valves",
        "V1",
        "LineString",
    ),
    Case(
        "pipe-nan-vertex",
        "4",
        "a pipe with a NaN vertex",
        _gpkg(
            _geometry(
                "pipes",
                1,
                shapely.LineString([lonlat(100, 0), (float("nan"), float("nan")), lonlat(200, 0)]),
            )
        ),
        "refused",
        "pipes",
        "P2",
        "not a number",
    ),
    Case(
        "node-infinite",
        "4",
        "a node at (inf, -inf) in WGS84",
        _gpkg(_geometry("nodes", 3, shapely.Point(float("inf"), float("-inf")))),
        "refused",
        "nodes",
        "N3",
        "infinite",
    ),
    Case(
        "node-1e300",
        "4",
        "a node at (1e300, 1e300) in UTM 50N",
        _gpkg(_geometry("nodes", 3, shapely.Point(1e300, 1e300), crs=UTM)),
        "refused",
        "nodes",
        "N3",
        "outside",
    ),
    Case(
        "customer-1e300",
        "4",
        "a customer at (1e300, 0) in UTM 50N",
        _gpkg(_geometry("customers", 0, shapely.Point(1e300, 0.0), crs=UTM)),
        "refused",
        "customers",
        "C1",
        "outside",
    ),
    Case(
        "inp-nan-coordinates",
        "4",
        "EPANET [COORDINATES] nan nan (with --crs)",
        _inp(lambda t: t.replace(" J2  200  0", " J2  nan  nan"), crs=UTM),
        "refused",
        "nodes",
        "J2",
        "not a number",
    ),
    Case(
        "inp-inf-coordinates",
        "4",
        "EPANET [COORDINATES] inf -inf (no CRS)",
        _inp(lambda t: t.replace(" J2  200  0", " J2  inf  -inf")),
        "refused",
        "nodes",
        "J2",
        "infinite",
    ),
    Case(
        "roads-speed-text",
        "4",
        'roads.speed_kmh = "fast" (the service read roads only when loading: every query 500)',
        _gpkg(_roads("fast")),
        "refused",
        "roads",
        "R1",
        "speed_kmh",
    ),
    Case(
        "roads-nan-vertex",
        "4",
        "a road with a NaN vertex",
        _gpkg(_roads(30.0, shapely.LineString([lonlat(0, -20), (float("nan"), float("nan"))]))),
        "refused",
        "roads",
        "R1",
        "not a number",
    ),
    # -- item 5: files that got raw errors ----------------------------------------------------
    Case(
        "inp-no-options",
        "5",
        "EPANET file without [OPTIONS]",
        _inp(_without("OPTIONS")),
        "refused",
        "file",
        "network.inp",
        "[OPTIONS]",
    ),
    Case(
        "inp-no-pipes",
        "5",
        "EPANET file without [PIPES]",
        _inp(_without("PIPES")),
        "refused",
        "file",
        "network.inp",
        "no pipes",
    ),
    Case(
        "empty-pipes-layer",
        "5",
        "GeoPackage whose pipes layer has no features",
        _gpkg(_empty_layer("pipes")),
        "refused",
        "pipes",
        None,
        "no features",
    ),
    Case(
        "empty-nodes-geojson",
        "5",
        "GeoJSON nodes layer with no features",
        _geojson(_empty_layer("nodes")),
        "refused",
        "nodes",
        None,
        "no features",
    ),
    Case(
        "zero-byte-gpkg",
        "5",
        "a .gpkg of 0 bytes",
        _raw("network.gpkg", lambda _: b""),
        "refused",
        "file",
        "network.gpkg",
        "empty",
    ),
    Case(
        "truncated-gpkg",
        "5",
        "the first third of a GeoPackage",
        _raw("network.gpkg", _truncated_gpkg),
        "refused",
        "file",
        "network.gpkg",
        "damaged",
    ),
    Case(
        "text-as-gpkg",
        "5",
        "a text file named .gpkg",
        _raw("network.gpkg", lambda _: b"id,kind\nN1,junction\n" * 20),
        "refused",
        "file",
        "network.gpkg",
        "not a GeoPackage",
    ),
    Case(
        "inp-gbk",
        "5",
        "GBK-encoded EPANET file, Chinese title, comment and node name, GBK valve CSV",
        _inp(GBK_TEXT, encoding="gbk", valves=GBK_VALVES, valves_encoding="gbk"),
        "accepted",
    ),
    Case(
        "inp-gbk-ambiguous",
        "5",
        "non-UTF-8 EPANET file whose only non-ASCII is two bytes (GBK, Big5 or Windows-1252?)",
        _inp(lambda t: t.replace("J3", "新3"), encoding="gbk"),
        "refused",
        "file",
        "network.inp",
        "UTF-8",
    ),
    Case(
        "inp-binary",
        "5",
        "random bytes named .inp",
        _raw("network.inp", lambda _: np.random.default_rng(7).bytes(4000)),
        "refused",
        "file",
        "network.inp",
        "UTF-8",
    ),
    # -- item 7: a network with no source at all ---------------------------------------------
    Case(
        "no-source-at-all",
        "7",
        "every node a junction: nothing feeds the network",
        _gpkg(_no_source),
        "accepted",
        "nodes",
        None,
        "no source or tank at all",
    ),
    # -- files that passed already: they must keep passing ------------------------------------
    Case(
        "clean-gpkg",
        "ok",
        "the small clean network (GeoPackage)",
        _gpkg(lambda _: None),
        "accepted",
    ),
    Case(
        "clean-geojson",
        "ok",
        "the small clean network (GeoJSON folder)",
        _geojson(lambda _: None),
        "accepted",
    ),
    Case("clean-inp", "ok", "EPANET file with a valve CSV", _inp(valves=SMALL_VALVES), "accepted"),
    Case(
        "clean-with-roads",
        "ok",
        "the clean network with a roads layer",
        _gpkg(_roads(40.0)),
        "accepted",
    ),
    Case(
        "dry-part",
        "ok",
        "a part without a source (warning)",
        _gpkg(_dry_part),
        "accepted",
        "nodes",
        "X1",
        "no source",
    ),
    Case(
        "duplicate-node",
        "ok",
        "a node id used twice",
        _gpkg(_duplicate_node),
        "refused",
        "nodes",
        "N3",
        "more than once",
    ),
    Case(
        "dangling-pipe",
        "ok",
        "a pipe to a node that does not exist",
        _gpkg(_dangling_pipe),
        "refused",
        "pipes",
        "P3",
        "to_node",
    ),
    Case(
        "no-crs",
        "ok",
        "layers without a CRS",
        _gpkg(_no_crs),
        "refused",
        "nodes",
        None,
        "CRS",
    ),
    Case(
        "unknown-extension",
        "ok",
        "a .csv as the network",
        _raw("network.csv", lambda _: b"id,kind\nN1,junction\n"),
        "refused",
        "file",
        "network.csv",
        ".csv",
    ),
]


def case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)
