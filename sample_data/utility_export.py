"""The sample city as a utility's GIS would export it: no topology, its own names (issue 14).

The layers of ``kaifeng.gpkg`` (or of any generated city) without the contract's links —
``from_node``/``to_node`` on pipes, ``pipe_id``/``node_id`` on valves, ``pipe_id`` on
customers — and with the names, units and values of a utility's GIS: the ESRI water utility
data model for mains and valves (``WaterMains.shp``: ``FACILITYID``, ``DIAMETER`` in inches,
``INSTALLDATE``, ``STATUS`` Active/Inactive ...), Chinese for the nodes (``管点.shp``:
``编号``, ``类型`` 节点/水厂/水塔, ``高程``) and for the customers' file and categories
(``用户.shp``, ``CUSTCLASS`` 居民/商业/...). :data:`EXPORT_MAPPING` maps it back to the
contract; ``waterops validate EXPORT --mapping MAPPING.toml`` reads it.

Command line::

    python -m sample_data.utility_export OUT_FOLDER [--network sample_data/kaifeng.gpkg]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

INCH = 25.4
# the export's file (layer) name, and the contract's column → the export's
EXPORT_NAMES: dict[str, tuple[str, dict[str, str]]] = {
    "nodes": ("管点", {"id": "编号", "kind": "类型", "elevation_m": "高程", "name": "名称"}),
    "pipes": (
        "WaterMains",
        {
            "id": "FACILITYID",
            "diameter_mm": "DIAMETER",
            "material": "MATERIAL",
            "install_year": "INSTALLDAT",  # a Shapefile field name has 10 characters
            "street": "STREETNAME",
            "dma": "DMA",
            "status": "STATUS",
        },
    ),
    "valves": (
        "SystemValves",
        {
            "id": "FACILITYID",
            "kind": "VALVETYPE",
            "diameter_mm": "DIAMETER",
            "normally_closed": "NORMALPOS",
            "operable": "OPERABLE",
            "last_exercised": "LASTEXER",
        },
    ),
    "customers": (
        "用户",
        {
            "id": "ACCOUNTNO",
            "category": "CUSTCLASS",
            "accounts": "UNITS",
            "address": "ADDRESS",
            "critical_kind": "CRITTYPE",
            "name": "NAME",
            "demand_m3d": "DEMAND",
        },
    ),
    "dmas": ("DMA", {"id": "DMA_ID", "name": "NAME"}),
}
TOPOLOGY_COLUMNS = {
    "pipes": ("from_node", "to_node"),
    "valves": ("pipe_id", "node_id"),
    "customers": ("pipe_id",),
}
NODE_KINDS = {"junction": "节点", "source": "水厂", "tank": "水塔"}
CATEGORIES = {
    "residential": "居民",
    "commercial": "商业",
    "industrial": "工业",
    "institution": "机关",
    "critical": "重要",
}
STATUS = {"open": "Active", "closed": "Inactive"}
NORMAL_POSITION = {False: "Open", True: "Closed"}


def _mapping_for(names: dict[str, tuple[str, dict[str, str]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for layer, (file, columns) in names.items():
        body: dict[str, Any] = {"layer": file}
        for target, column in columns.items():
            body[target] = column
        out[layer] = body
    out["nodes"]["kind"] = {
        "column": "类型",
        "values": {v: k for k, v in NODE_KINDS.items()},
    }
    out["pipes"]["diameter_mm"] = {"column": "DIAMETER", "unit": "inch"}
    out["pipes"]["status"] = {"column": "STATUS", "values": {v: k for k, v in STATUS.items()}}
    out["valves"]["diameter_mm"] = {"column": "DIAMETER", "unit": "inch"}
    out["valves"]["normally_closed"] = {
        "column": "NORMALPOS",
        "values": {"Open": "no", "Closed": "yes"},
    }
    out["customers"]["category"] = {
        "column": "CUSTCLASS",
        "values": {v: k for k, v in CATEGORIES.items()},
    }
    return out


# The mapping that reads the export back into the contract (the JSON / TOML form).
EXPORT_MAPPING: dict[str, Any] = _mapping_for(EXPORT_NAMES)


def utility_export(layers: dict[str, Any]) -> dict[str, gpd.GeoDataFrame]:
    """The export's layers by file name, from the contract's layers (nothing is modified)."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for layer, (file, columns) in EXPORT_NAMES.items():
        frame = layers.get(layer)
        if frame is None:
            continue
        frame = frame.drop(columns=[c for c in TOPOLOGY_COLUMNS.get(layer, ()) if c in frame])
        frame = frame.copy()
        if layer == "nodes":
            frame["kind"] = frame["kind"].map(NODE_KINDS)
        if layer in ("pipes", "valves"):
            frame["diameter_mm"] = pd.to_numeric(frame["diameter_mm"]) / INCH
        if layer == "pipes":
            year = pd.to_numeric(frame["install_year"], errors="coerce")
            frame["install_year"] = [
                f"{int(y)}-01-01" if np.isfinite(y) else None for y in year.to_numpy(float)
            ]
            frame["status"] = frame["status"].map(STATUS)
        if layer == "valves":
            frame["normally_closed"] = frame["normally_closed"].astype(bool).map(NORMAL_POSITION)
            frame["operable"] = frame["operable"].astype(bool).map({True: "Y", False: "N"})
        if layer == "customers":
            frame["category"] = frame["category"].map(CATEGORIES)
        keep = [c for c in columns if c in frame.columns]
        frame = frame[[*keep, frame.geometry.name]].rename(columns=columns)
        out[file] = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=layers[layer].crs)
    return out


def write_utility_export(layers: dict[str, Any], folder: str | Path, fmt: str = "shp") -> Path:
    """Write :func:`utility_export` as Shapefiles (``fmt="shp"``, UTF-8 .dbf with its .cpg)
    or GeoJSON files in ``folder``; the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = {"shp": ".shp", "geojson": ".geojson"}[fmt]
    for file, frame in utility_export(layers).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's notes on field widths
            frame.to_file(folder / f"{file}{suffix}", engine="pyogrio", encoding="UTF-8")
    return folder


def mapping_toml() -> str:
    """:data:`EXPORT_MAPPING` as a TOML file (what a user writes by hand)."""
    from gis.mapping import mapping_from_dict
    from gis.mapping import mapping_toml as as_toml

    return as_toml(mapping_from_dict(EXPORT_MAPPING))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the export and mapping.toml to")
    parser.add_argument("--network", type=Path, default=Path("sample_data/kaifeng.gpkg"))
    parser.add_argument("--format", choices=("shp", "geojson"), default="shp")
    args = parser.parse_args(argv)
    layers = {
        name: gpd.read_file(args.network, layer=name, engine="pyogrio") for name in EXPORT_NAMES
    }
    write_utility_export(layers, args.out, args.format)
    (args.out / "mapping.toml").write_text(mapping_toml(), encoding="utf-8")
    print(f"wrote {args.out} (and {args.out / 'mapping.toml'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
