"""Reading network data: GeoPackage, GeoJSON or Shapefile layers, EPANET ``.inp`` + valve CSV.

Reading never raises a traceback at the user: a file that cannot be read becomes a problem in a
:class:`gis.validate.ValidationReport`, raised as :class:`gis.errors.ValidationError`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import charset_normalizer
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Proj, Transformer

from gis.errors import NoMap, OutsideNetwork, ValidationError
from gis.isolation import IsolationPlan
from gis.mapping import (
    CONTRACT_COLUMNS,
    ColumnMapping,
    Frame,
    LayerRule,
    MappingError,
    apply_rules,
    choose_layers,
    guess_mapping,
    mapping_from_dict,
    read_mapping,
)
from gis.mapview import NO_COORDINATES, line_geometry
from gis.network import Network, build_network
from gis.topology import TopologyReport, build_topology, missing_links
from gis.validate import Problem, ValidationReport, validate_layers

if TYPE_CHECKING:  # WNTR is optional (the inp extra): imported where an EPANET file is read
    from wntr.network import WaterNetworkModel

log = logging.getLogger(__name__)

# What a column mapping may be given as: one, its dict (JSON) form, or a TOML/JSON mapping file.
MappingSource = ColumnMapping | dict[str, Any] | str | Path

REQUIRED_LAYERS = ("nodes", "pipes")
OPTIONAL_LAYERS = ("valves", "customers", "dmas", "roads", "depots")
LAYER_FILE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".gdb")


@dataclass
class NetworkLayers:
    """The raw layers of a network, as read, before validation.

    ``valves`` may be a plain DataFrame (from a valve-layer CSV) without geometry.
    ``local_coordinates`` marks data whose coordinates have no CRS by nature (EPANET files).
    ``problems`` are what reading found (sections skipped, an encoding guessed, the EPANET
    reader's warnings), reported with the validation's own.
    """

    nodes: gpd.GeoDataFrame
    pipes: gpd.GeoDataFrame
    valves: pd.DataFrame
    customers: gpd.GeoDataFrame | None = None
    dmas: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None  # validated here, used by routing (crew travel)
    source: str = "network"
    local_coordinates: bool = False
    warnings: list[str] = field(default_factory=list)
    # what the reader skipped, guessed or was warned of: the validation report starts with them
    problems: list[Problem] = field(default_factory=list)
    # EPANET nodes without coordinates: in the model, at NaN, left off maps (flagged)
    unplaced: frozenset[str] = frozenset()
    # GIS layers: the column mapping they were read with (gis.mapping.ColumnMapping), and how
    # their missing links were built from the geometry (gis.topology.TopologyReport, or None)
    mapping: ColumnMapping | None = None
    topology: TopologyReport | None = None
    _metric_crs: CRS | None = field(default=None, init=False, repr=False)

    def metric_crs(self) -> CRS | None:
        """The CRS lengths are measured in: the nodes' CRS if it measures true metres, else
        their UTM zone (geographic input, feet, Web Mercator)."""
        if self._metric_crs is None and not self.local_coordinates:
            crs = self.nodes.crs
            if crs is not None and not _measures_metres(crs, self.nodes):
                # no UTM zone when the coordinates are out of range: validation reports them
                with contextlib.suppress(RuntimeError, ValueError):
                    crs = self.nodes.estimate_utm_crs()
            self._metric_crs = crs
        return self._metric_crs


# A projected CRS is used as is when a unit of it is a metre on the ground, within this much
# at the network: UTM zones (0.04 %) and Gauss-Krüger zones pass, Web Mercator (25 % at 37°)
# does not.
METRE_SCALE_TOLERANCE = 0.005


def _measures_metres(crs: CRS, layer: gpd.GeoDataFrame) -> bool:
    """Whether distances in ``crs`` are metres: its axes are in metres (not feet, not degrees)
    and its scale where ``layer`` lies is true to within :data:`METRE_SCALE_TOLERANCE`."""
    if crs.is_geographic:
        return False
    if any(abs(axis.unit_conversion_factor - 1.0) > 1e-12 for axis in crs.axis_info):
        return False
    try:
        x0, y0, x1, y1 = layer.total_bounds
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
            (x0 + x1) / 2, (y0 + y1) / 2
        )
        factors = Proj(crs).get_factors(lon, lat)
        scale = np.array([factors.meridional_scale, factors.parallel_scale], dtype=float)
    except Exception:  # a CRS pyproj cannot take factors of (engineering, compound)
        return True
    return bool(np.all(np.abs(scale - 1.0) <= METRE_SCALE_TOLERANCE))


def read_network(
    path: str | Path,
    valves: str | Path | None = None,
    crs: str | None = None,
    mapping: MappingSource | None = None,
) -> Network:
    """Read, validate and build a network.

    Parameters
    ----------
    path
        A GeoPackage, a folder of GeoJSON or Shapefile layers (``nodes.geojson``, ``pipes.shp``,
        ...), or an EPANET ``.inp`` file.
    valves
        A valve-layer CSV (``link,node`` as WNTR writes it, optional ``id, operable,
        normally_closed``) that replaces the valves layer.
    crs
        The CRS of coordinates that have none: an EPANET file's, and GIS layers without one
        (a Shapefile without .prj, a GeoPackage layer or a DXF without a CRS).
    mapping
        The export's names for the contract's layers and columns: a
        :class:`gis.mapping.ColumnMapping`, its dict form, or a TOML/JSON mapping file.
        Without one, common names are recognised and reported as guesses.

    Raises
    ------
    gis.errors.ValidationError
        With the whole report, when the data has errors.
    """
    layers = read_layers(path, valves=valves, crs=crs, mapping=mapping)
    report = validate_layers(layers)
    if not report.ok:
        raise ValidationError(report)
    layers.warnings.extend(str(p) for p in report.warnings)
    return build_network(layers)


def read_layers(
    path: str | Path,
    valves: str | Path | None = None,
    crs: str | None = None,
    mapping: MappingSource | None = None,
) -> NetworkLayers:
    """Read the layers of a network without validating them (parameters as
    :func:`read_network`).

    GIS layers are read with the mapping (and guesses for what it leaves out), and the links
    they lack (pipe ends, valves and customers on pipes) are built from their geometry; the
    mapping used is ``layers.mapping``, the topology report ``layers.topology``, and both are
    in ``layers.problems``. Raises :class:`gis.errors.ValidationError` (with a ``file``
    problem) when a file cannot be read or a required layer is missing.
    """
    path = Path(path)
    if not path.exists():
        _fail("file", str(path), "does not exist", "check the path")
    suffix = path.suffix.lower()
    column_mapping = _mapping_of(mapping)
    if suffix == ".inp":
        layers = _read_inp(path, crs)
    elif suffix == ".dxf":
        layers = _read_dxf(path, crs, column_mapping)
    elif path.is_dir() and suffix != ".gdb":
        layers = _read_folder(path, crs, column_mapping)
    elif suffix in LAYER_FILE_SUFFIXES:
        layers = _read_gpkg(path, crs, column_mapping)
    else:
        _fail(
            "file",
            str(path),
            f"is not a format we read ({path.suffix or 'no extension'})",
            "give a GeoPackage (.gpkg), a File Geodatabase (.gdb), a DXF drawing, a folder of "
            ".geojson/.shp layers, or an EPANET .inp",
        )
    if valves is not None:
        layers.valves, notes = _valve_csv(Path(valves))
        layers.problems.extend(notes)
    return layers


def read_valve_csv(path: str | Path) -> pd.DataFrame:
    """Read a valve-layer CSV: columns ``link,node`` and optional ``id, operable,
    normally_closed``; a valve without ``id`` is named by its 0-based row number.

    The text may be in another encoding than UTF-8 (see :func:`read_text`), the separator a
    semicolon, a tab or a bar, and the column names in capitals or with spaces around."""
    return _valve_csv(Path(path))[0]


VALVE_COLUMNS = ("link", "node", "id", "operable", "normally_closed")
CSV_SEPARATORS = (",", ";", "\t", "|")


def _valve_csv(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The valve CSV and what reading it guessed (its encoding)."""
    text, encoding = read_text(path, "valves")
    notes = [] if encoding in ("utf-8", "utf-8-sig") else [_encoding_note("valves", path, encoding)]
    separator = _separator(text)
    first = next((line for line in text.splitlines() if line.strip()), "")
    header = next(csv.reader([first], delimiter=separator), [])
    names = {h: h.strip().lower() for h in header if h.strip().lower() in VALVE_COLUMNS}
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype={h: str for h, name in names.items() if name in ("link", "node", "id")},
        )
    except Exception as exc:
        log.info("%s: not a CSV: %s", path, exc)
        _fail(
            "valves",
            str(path),
            "cannot be read as CSV (it is empty, or its rows do not have the same columns)",
            "give a CSV file with a header line link,node (and optional id, operable, "
            "normally_closed)",
        )
    df = df.rename(columns=names)
    missing = [c for c in ("link", "node") if c not in df.columns]
    if missing:
        _fail(
            "valves",
            str(path),
            f"the valve CSV lacks the column(s) {', '.join(missing)}",
            "give columns link,node (the pipe and the pipe end each valve sits at)",
        )
    if "id" not in df.columns:
        df["id"] = [str(i) for i in range(len(df))]
    if "Unnamed: 0" in df.columns:
        df = df.drop(columns="Unnamed: 0")
    return df.rename(columns={"link": "pipe_id", "node": "node_id"}), notes


def _separator(text: str) -> str:
    """The separator of a CSV: the one that splits the header into ``link`` and ``node``,
    else what :class:`csv.Sniffer` finds, else a comma."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    for separator in CSV_SEPARATORS:
        fields = {f.strip().lower() for f in first.split(separator)}
        if {"link", "node"} <= fields:
            return separator
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters="".join(CSV_SEPARATORS)).delimiter
    except csv.Error:
        return ","


def _fail(layer: str, ident: str, message: str, fix: str) -> NoReturn:
    raise ValidationError(ValidationReport([Problem("error", layer, ident, message, fix)]))


SQLITE_HEADER = b"SQLite format 3\x00"
GPKG_FIX = (
    "export the GeoPackage again from the GIS (and check the copy is complete: its size must "
    "match the original)"
)


def _check_geopackage(path: Path) -> None:
    """Say what is wrong with a file that is not a whole GeoPackage, in words: GDAL's and
    SQLite's own messages name internal paths and queries."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(100)
    if size == 0:
        _fail("file", str(path), "is empty (0 bytes): the file did not arrive whole", GPKG_FIX)
    if not head.startswith(SQLITE_HEADER):
        looks = "text" if _is_text(head) else "something else"
        _fail(
            "file",
            str(path),
            f"is not a GeoPackage: it holds {looks}, not an SQLite database",
            "give a real GeoPackage (.gpkg); CSV, GeoJSON and Shapefiles go in a .zip of layers",
        )
    if len(head) == 100:
        page = int.from_bytes(head[16:18], "big")
        page = 65536 if page == 1 else page
        pages = int.from_bytes(head[28:32], "big")
        counter_valid = head[24:28] == head[92:96]  # the page count is trustworthy then
        if counter_valid and pages and size < page * pages:
            _fail(
                "file",
                str(path),
                f"is damaged: truncated ({size:,} of {page * pages:,} bytes)",
                GPKG_FIX,
            )


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_gpkg(
    path: Path, crs: str | None = None, mapping: ColumnMapping | None = None
) -> NetworkLayers:
    """A file of layers: a GeoPackage, an ESRI File Geodatabase (``.gdb`` folder), a GeoJSON
    or Shapefile (one layer each); its layers chosen by name (the mapping's, the contract's,
    or recognised: :func:`gis.mapping.choose_layers`)."""
    suffix = path.suffix.lower()
    is_gpkg = suffix == ".gpkg"
    if is_gpkg:
        _check_geopackage(path)
    if suffix == ".gdb":
        _need_driver(path, "OpenFileGDB", "an ESRI File Geodatabase")
    try:
        available = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:
        log.info("%s: cannot be opened: %s", path, exc)
        _fail(
            "file",
            str(path),
            "cannot be opened: it is damaged, or not a file of layers",
            GPKG_FIX
            if is_gpkg
            else "give a valid GeoPackage, File Geodatabase, GeoJSON or Shapefile",
        )
    chosen, guessed, notes = choose_layers(available, mapping)
    frames = {name: _read_layer(path, name, layer=found, crs=crs) for name, found in chosen.items()}
    return _assemble(frames, path.name, crs, mapping, chosen, guessed, notes)


# Files of a folder that hold layers, in the order one is taken when a layer has several.
FOLDER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
# Files and folders that hold a whole network (several layers) when a folder has one of them.
DATASET_SUFFIXES = (".gdb", ".dxf", ".gpkg")


def _read_folder(
    path: Path, crs: str | None = None, mapping: ColumnMapping | None = None
) -> NetworkLayers:
    """A folder of layer files (``pipes.shp``, ``WaterMains.shp``, ``管线.geojson`` ...): each
    file is a layer, named by its stem; or a folder that holds one File Geodatabase, DXF or
    GeoPackage of the whole network (an unzipped upload)."""
    files: dict[str, Path] = {}
    for suffix in FOLDER_SUFFIXES:
        for candidate in sorted(path.iterdir()):
            if candidate.is_file() and candidate.suffix.lower() == suffix:
                files.setdefault(candidate.stem, candidate)
    chosen, guessed, notes = choose_layers(files, mapping)
    if not chosen:
        datasets = [p for p in sorted(path.iterdir()) if p.suffix.lower() in DATASET_SUFFIXES]
        if len(datasets) == 1:
            return _read_dataset(datasets[0], crs, mapping)
    frames = {name: _read_layer(files[found], name, crs=crs) for name, found in chosen.items()}
    return _assemble(frames, path.name, crs, mapping, chosen, guessed, notes)


def _read_dataset(path: Path, crs: str | None, mapping: ColumnMapping | None) -> NetworkLayers:
    if path.suffix.lower() == ".dxf":
        return _read_dxf(path, crs, mapping)
    return _read_gpkg(path, crs, mapping)


def _need_driver(path: Path, driver: str, what: str) -> None:
    """Refuse a format this machine's GDAL cannot read, naming the driver it lacks."""
    if driver not in pyogrio.list_drivers(read=True):
        _fail(
            "file",
            str(path),
            f"is {what}, and this machine's GDAL ({pyogrio.__gdal_version_string__}) has no "
            f"{driver} driver to read it",
            "export the layers as a GeoPackage or Shapefiles, or install a GDAL built with "
            f"the {driver} driver",
        )


# What a DXF drawing holds besides the CAD layer: GDAL's own fields of every entity.
DXF_FIELDS = ("Layer", "PaperSpace", "SubClasses", "Linetype", "EntityHandle", "Text")


def _read_dxf(path: Path, crs: str | None, mapping: ColumnMapping | None) -> NetworkLayers:
    """A CAD drawing (DXF): GDAL reads every entity into one table with its CAD ``Layer``;
    each CAD layer is a layer of the network, by its name (``PIPES``, ``给水管线``,
    ``VALVES`` ...). Pipes are its lines, the other layers its points (text is left out); ids
    are the entity handles. A DXF has no CRS: give ``crs``."""
    _need_driver(path, "DXF", "a DXF drawing")
    drawing = _read_layer(path, "file", crs=crs)
    if "Layer" not in drawing.columns:
        _fail("file", str(path), "has no CAD layers", "save the drawing again as DXF")
    drawing["Layer"] = drawing["Layer"].map(_utf8_as_latin1)
    cad_layers = [str(v) for v in pd.unique(drawing["Layer"].dropna())]
    chosen, guessed, notes = choose_layers(cad_layers, mapping)
    text = drawing["SubClasses"].astype(str).str.contains("Text", na=False)
    kinds = drawing.geom_type
    frames: dict[str, Any] = {}
    for name, found in chosen.items():
        rows = drawing["Layer"].astype(str).eq(found) & ~text
        rows &= (
            kinds.isin(("LineString",))
            if name in ("pipes", "roads")
            else ~kinds.isin(("LineString", "MultiLineString"))
        )
        frame = drawing.loc[rows].reset_index(drop=True)
        if "id" not in frame.columns and "EntityHandle" in frame.columns:
            frame = frame.rename(columns={"EntityHandle": "id"})
        frames[name] = frame.drop(columns=[c for c in DXF_FIELDS if c in frame.columns])
    # a drawing has geometry, not attributes: what the contract requires is left empty or
    # its default, and the report says so
    filled = []
    if "pipes" in frames and "diameter_mm" not in frames["pipes"].columns:
        frames["pipes"]["diameter_mm"] = np.nan
        filled.append("pipes have no diameter")
    if "nodes" in frames and "kind" not in frames["nodes"].columns:
        frames["nodes"]["kind"] = "junction"
        filled.append("its nodes are junctions")
    told: list[str | Problem] = list(notes)
    if filled:
        told.append(
            Problem(
                "warning",
                "file",
                path.name,
                f"is a drawing without attributes: {' and '.join(filled)}",
                "give the pipes' diameters and the sources (kind = source) in GIS layers, or "
                "use the drawing for segments only",
            )
        )
    return _assemble(frames, path.name, crs, mapping, chosen, guessed, told)


def _utf8_as_latin1(text: object) -> object:
    """UTF-8 text that GDAL decoded byte by byte (a DXF saved as UTF-8 whose header declares
    ANSI_1252: 给水管线 comes back as ç»\x99æ°´...), decoded again; anything else as it is."""
    if not isinstance(text, str) or text.isascii() or max(map(ord, text)) > 255:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return text


def _read_layer(
    path: Path, name: str, layer: str | None = None, crs: str | None = None
) -> gpd.GeoDataFrame:
    """One layer as read, with ``crs`` where it has none (a Shapefile without .prj, a
    GeoPackage layer or a DXF without a CRS) and single-part multi-geometries as the one part
    they are (a File Geodatabase stores every line as a MultiLineString)."""
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        log.info("%s (layer %s): cannot be read: %s", path, name, exc)
        what = "GeoPackage" if path.suffix.lower() == ".gpkg" else f"{path.suffix} layer"
        _fail(
            name,
            str(path),
            f"cannot be read: the file is damaged, empty or not a valid {what}",
            "export the layer again (GeoPackage, GeoJSON, or a Shapefile with its .shx and .dbf)",
        )
    if crs is not None and gdf.crs is None and "geometry" in gdf.columns:
        gdf = gdf.set_crs(crs)
    elif crs is not None and gdf.crs is not None:
        gdf.attrs["crs_ignored"] = crs  # the layer's own CRS wins: reported by _assemble
    return _single_parts(_restore_column_names(gdf, name))


def _single_parts(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Multi-geometries of one part as that part; multi-part ones stay (validation refuses
    them: a two-part pipe is two pipes)."""
    if "geometry" not in gdf.columns or not len(gdf):
        return gdf
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    multi = np.isin(
        shapely.get_type_id(geoms),
        (shapely.GeometryType.MULTIPOINT, shapely.GeometryType.MULTILINESTRING),
    ) & (shapely.get_num_geometries(geoms) == 1)
    if multi.any():
        geoms = geoms.copy()
        geoms[multi] = shapely.get_geometry(geoms[multi], 0)
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    return gdf


# Shapefile field names are cut to 10 characters: map them back to the contract's names.
_CONTRACT_COLUMNS = CONTRACT_COLUMNS


_ID_COLUMNS = ("id", "from_node", "to_node", "pipe_id", "node_id")


def _normalise_ids(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Ids as text. Integer ids come back as floats when a column has a null (1 -> 1.0): turn
    them back into "1" so that references still match."""
    for column in _ID_COLUMNS:
        if column not in df.columns:
            continue
        values = df[column]
        if pd.api.types.is_float_dtype(values):
            whole = values.dropna()
            if (whole == whole.round()).all():
                df[column] = values.map(lambda v: None if pd.isna(v) else str(int(v)))
                continue
        if not pd.api.types.is_object_dtype(values) and not pd.api.types.is_string_dtype(values):
            df[column] = values.map(lambda v: None if pd.isna(v) else str(v))
    return df


def _restore_column_names(gdf: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    renames = {}
    for column in _CONTRACT_COLUMNS.get(layer, ()):
        if column not in gdf.columns and len(column) > 10 and column[:10] in gdf.columns:
            renames[column[:10]] = column
    return gdf.rename(columns=renames) if renames else gdf


_LAYER_ORDER = (*REQUIRED_LAYERS, *OPTIONAL_LAYERS)
# Ids made for the rows of a layer without an id column: P1, P2 ... in the order of the file.
ID_PREFIXES = {"nodes": "N", "pipes": "P", "valves": "V", "customers": "C", "dmas": "DMA"}


def _assemble(
    frames: dict[str, Any],
    source: str,
    crs: str | None = None,
    mapping: ColumnMapping | None = None,
    chosen: dict[str, str] | None = None,
    guessed: dict[str, bool] | None = None,
    notes: Sequence[str | Problem] = (),
) -> NetworkLayers:
    """The layers of a network from the frames read: the mapping applied (the given one, and
    guesses for what it leaves out), ids made where a layer has none, and the links the layers
    lack built from their geometry (:mod:`gis.topology`). What was guessed and built is in
    ``problems``, at the head of the validation report."""
    problems = [
        note
        if isinstance(note, Problem)
        else Problem("warning", "file", source, note, "name the layer in a mapping file")
        for note in notes
    ]
    if "pipes" not in frames:
        _fail(
            "file",
            source,
            f"has no {'pipes' if 'nodes' in frames else 'nodes or pipes'} layer"
            + "".join(f"; {note}" for note in notes if isinstance(note, str)),
            "add the layers named in the data contract (nodes, pipes, valves, customers, ...), "
            "or name yours in a mapping file (--mapping)",
        )
    given = mapping if isinstance(mapping, ColumnMapping) else None
    pipes_crs = getattr(frames["pipes"], "crs", None)
    used = guess_mapping(frames, given, crs=pipes_crs)
    chosen, guessed = chosen or {}, guessed or {}
    layers_used = {}
    for name in sorted(frames, key=_LAYER_ORDER.index):
        rule = used.rule(name)
        found = chosen.get(name, name)
        layers_used[name] = LayerRule(
            found if found != name or rule.layer else None, rule.columns, guessed.get(name, False)
        )
    used = ColumnMapping(layers_used, used.topology)
    for name, frame in list(frames.items()):
        frame, errors = apply_rules(frame, name, used.rule(name))
        problems.extend(
            Problem("error", name, None, e, "correct the column name in the mapping")
            for e in errors
        )
        frame, made = _ids_for(frame, name)
        if made:
            problems.append(made)
        ignored = frame.attrs.pop("crs_ignored", None) if hasattr(frame, "attrs") else None
        if ignored is not None and getattr(frame, "crs", None) is not None:
            problems.append(
                Problem(
                    "warning",
                    name,
                    None,
                    f"has its own CRS ({frame.crs.to_string()}): the CRS given ({ignored}) is "
                    "used only for layers without one",
                    "nothing if the layer's CRS is right; otherwise correct it in the export",
                )
            )
        frames[name] = _normalise_ids(frame)
    problems.extend(_guess_notes(used, source))

    nodes, pipes = frames.get("nodes"), frames["pipes"]
    valves = frames.get("valves")
    if valves is None:
        valves = pd.DataFrame({"id": [], "pipe_id": [], "node_id": []}, dtype=str)
    customers = frames.get("customers")
    report = None
    metric = None
    if any(missing_links(nodes, pipes, valves, customers).values()):
        metric = _metric_crs_of(pipes)
        built = build_topology(nodes, pipes, valves, customers, metric, used.topology)
        nodes, pipes, valves, customers = built.nodes, built.pipes, built.valves, built.customers
        report = built.report
        problems.extend(report.problems())
    layers = NetworkLayers(
        nodes=nodes,
        pipes=pipes,
        valves=valves,
        customers=customers,
        dmas=frames.get("dmas"),
        roads=frames.get("roads"),
        source=source,
        problems=problems,
    )
    layers.mapping = used
    layers.topology = report
    if metric is not None and getattr(nodes, "crs", None) == pipes.crs:
        layers._metric_crs = metric  # the same layers' zone: estimating it takes 0.2 s
    return layers


def _ids_for(frame: Frame, layer: str) -> tuple[Frame, Problem | None]:
    """A layer without an id column gets ids in the order of its rows (``P1``, ``P2`` ...),
    with a warning: they change when the rows do."""
    prefix = ID_PREFIXES.get(layer)
    if prefix is None or "id" in frame.columns or not len(frame):
        return frame, None
    frame = frame.copy()
    frame["id"] = [f"{prefix}{i}" for i in range(1, len(frame) + 1)]
    return frame, Problem(
        "warning",
        layer,
        None,
        f"has no id column: its rows are named {prefix}1 … {prefix}{len(frame)} in the order of "
        "the file (these names change when the export's order does)",
        "give the layer an id column (or name the export's in the mapping), so that tickets "
        "and reports keep their ids from one version to the next",
    )


def _guess_notes(mapping: ColumnMapping, source: str) -> list[Problem]:
    """One warning per layer read by guesses: what was taken for what, to confirm."""
    out = []
    for name, rule in mapping.layers.items():
        parts = [c.describe(t) for t, c in rule.columns.items() if c.guessed]
        if rule.guessed_layer and rule.layer:
            parts.insert(0, f"layer {rule.layer!r}")
        if parts:
            out.append(
                Problem(
                    "warning",
                    name,
                    None,
                    "read by a guessed mapping: " + "; ".join(parts),
                    "check it; confirm or correct it in a mapping file (--mapping) or on the "
                    "console's upload screen",
                )
            )
    return out


CHOICE_VALUES = 30  # a column with at most this many distinct values is shown whole


def describe_export(path: str | Path, samples: int = 5) -> dict[str, dict[str, Any]]:
    """The layers of a GIS export as they are, before any mapping: for each layer (file,
    GeoPackage or File Geodatabase layer, CAD layer) its geometry types, rows, and columns with
    their values (all of them up to :data:`CHOICE_VALUES` distinct ones, else ``samples``) —
    what a user picks from when writing the mapping."""
    path = Path(path)
    suffix = path.suffix.lower()
    frames: dict[str, Any] = {}
    if suffix == ".dxf":
        _need_driver(path, "DXF", "a DXF drawing")
        drawing = _read_layer(path, "file")
        if "Layer" in drawing.columns:
            drawing["Layer"] = drawing["Layer"].map(_utf8_as_latin1)
            for name, part in drawing.groupby("Layer", sort=True):
                frames[str(name)] = part.drop(columns=[c for c in DXF_FIELDS if c in part])
    elif path.is_dir() and suffix != ".gdb":
        files: dict[str, Path] = {}
        for ending in FOLDER_SUFFIXES:
            for candidate in sorted(path.iterdir()):
                if candidate.is_file() and candidate.suffix.lower() == ending:
                    files.setdefault(candidate.stem, candidate)
        if not files:
            datasets = [p for p in sorted(path.iterdir()) if p.suffix.lower() in DATASET_SUFFIXES]
            return describe_export(datasets[0], samples) if len(datasets) == 1 else {}
        frames = {name: _read_layer(file, "file") for name, file in files.items()}
    else:
        if suffix == ".gdb":
            _need_driver(path, "OpenFileGDB", "an ESRI File Geodatabase")
        try:
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        except Exception:
            return {}
        frames = {name: _read_layer(path, "file", layer=name) for name in names}
    out: dict[str, dict[str, Any]] = {}
    for name, frame in frames.items():
        columns = {}
        geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
        for column in frame.columns:
            if column == geometry:
                continue
            distinct = pd.unique(frame[column].dropna().astype(str).str.strip())
            # every value of a column of few (categories, kinds: for a value map), else a few
            shown = distinct if len(distinct) <= CHOICE_VALUES else distinct[:samples]
            columns[str(column)] = {
                "values": [str(v) for v in shown],
                "distinct": len(distinct),
            }
        kinds = sorted(set(frame.geom_type.dropna())) if geometry is not None else []
        out[name] = {"rows": len(frame), "geometry": kinds, "columns": columns}
    return out


def _mapping_of(mapping: MappingSource | None) -> ColumnMapping | None:
    """A :class:`gis.mapping.ColumnMapping` from what the caller gave: one, its dict form, or
    the path of a mapping file (a bad one is a ``mapping`` problem of the report)."""
    if mapping is None or isinstance(mapping, ColumnMapping):
        return mapping
    try:
        if isinstance(mapping, dict):
            return mapping_from_dict(mapping)
        return read_mapping(mapping)
    except MappingError as exc:
        where = "mapping" if isinstance(mapping, dict) else Path(mapping).name
        _fail("mapping", where, str(exc), "correct the mapping (see docs/decisions.md)")


def _metric_crs_of(layer: gpd.GeoDataFrame) -> CRS | None:
    """The CRS a layer's distances are metres in (see :meth:`NetworkLayers.metric_crs`)."""
    crs = getattr(layer, "crs", None)
    if crs is not None and len(layer) and not _measures_metres(crs, layer):
        with contextlib.suppress(RuntimeError, ValueError):
            crs = layer.estimate_utm_crs()
    return crs


def _read_inp(path: Path, crs: str | None) -> NetworkLayers:
    try:
        # kept here: WNTR is optional (the inp extra) and heavy, needed for EPANET files only
        import wntr  # noqa: F401  (the reader is WNTR's: say so before reading)
    except ImportError:
        _fail(
            "file",
            str(path),
            "is an EPANET file, and reading one needs WNTR",
            "install the extra: pip install 'waterops[inp]'",
        )
    text, encoding = read_text(path, "file")
    sections = {m.upper() for m in re.findall(r"^\s*\[([A-Za-z_]+)\]", text, re.MULTILINE)}
    if "OPTIONS" not in sections:
        _fail(
            "file",
            str(path),
            "has no [OPTIONS] section: without it the units of lengths and diameters are unknown",
            "add an [OPTIONS] section with a UNITS line (e.g. UNITS LPS for metric), or save the "
            "file again from EPANET",
        )
    if "PIPES" not in sections:
        _fail(
            "file",
            str(path),
            "has no pipes: the [PIPES] section is missing",
            "export the network with its [PIPES] section (a network needs pipes)",
        )
    try:
        if encoding == "utf-8":
            wn, notes = _read_epanet(path, path)
        else:  # WNTR reads UTF-8 without a byte-order mark only: give it such a copy
            with tempfile.TemporaryDirectory(prefix="waterops-inp-") as tmp:
                copy = Path(tmp) / path.name
                copy.write_text(text, encoding="utf-8")
                wn, notes = _read_epanet(copy, path)
    except Exception as exc:
        log.info("%s: WNTR cannot read it: %r", path, exc)
        _fail(
            "file",
            str(path),
            f"cannot be read as EPANET input: {_epanet_problem(exc, path.name)}",
            "open the file in EPANET, correct what it reports, and save it again",
        )
    if wn.num_links == 0:
        _fail(
            "file",
            str(path),
            "has no pipes: the [PIPES] section is empty",
            "export the network with its pipes (a network needs pipes)",
        )
    layers = layers_from_wntr(wn, source=path.name, crs=crs)
    _leave_off_maps(layers, set(wn.node_name_list) - _listed_in_coordinates(text))
    if encoding not in ("utf-8", "utf-8-sig"):
        layers.problems.append(_encoding_note("file", path, encoding))
    layers.problems.extend(
        Problem("warning", "file", str(path), message, fix) for message, fix in notes
    )
    return layers


def _listed_in_coordinates(text: str) -> set[str]:
    """The node ids an EPANET file gives coordinates to (its ``[COORDINATES]`` lines)."""
    listed: set[str] = set()
    inside = False
    for line in text.splitlines():
        line = line.split(";", 1)[0].strip()
        if line.startswith("["):
            inside = line.upper().startswith("[COORDINATE")
        elif inside and line:
            listed.add(line.split()[0])
    return listed


def _leave_off_maps(layers: NetworkLayers, unplaced: set[str]) -> None:
    """Nodes an EPANET file gives no coordinates (WNTR puts them at 0,0) have no position: a
    NaN point; the links and customers at them no geometry. Validation flags them."""
    if not unplaced:
        return
    nodes, pipes = layers.nodes, layers.pipes
    nowhere = nodes["id"].astype(str).isin(unplaced).to_numpy()
    geometry = nodes.geometry.to_numpy().copy()
    geometry[nowhere] = shapely.Point(float("nan"), float("nan"))
    layers.nodes = nodes.set_geometry(gpd.GeoSeries(geometry, index=nodes.index, crs=nodes.crs))
    touching = (
        pipes["from_node"].astype(str).isin(unplaced) | pipes["to_node"].astype(str).isin(unplaced)
    ).to_numpy()
    lines = pipes.geometry.to_numpy().copy()
    lines[touching] = None
    layers.pipes = pipes.set_geometry(gpd.GeoSeries(lines, index=pipes.index, crs=pipes.crs))
    customers = layers.customers
    if customers is not None and "node_id" in customers.columns and len(customers):
        at = customers["node_id"].astype(str).isin(unplaced).to_numpy()
        points = customers.geometry.to_numpy().copy()
        points[at] = None
        layers.customers = customers.set_geometry(
            gpd.GeoSeries(points, index=customers.index, crs=customers.crs)
        )
    layers.unplaced = frozenset(unplaced)


def _encoding_note(layer: str, path: Path, encoding: str) -> Problem:
    return Problem(
        "warning",
        layer,
        str(path),
        f"is not UTF-8: read as {encoding.upper()}",
        "check the names with non-ASCII characters, or save the file as UTF-8",
    )


# Sections the network model does not use: times, controls, rules, water quality, energy,
# labels... When the EPANET reader (WNTR) cannot parse one, it is skipped with a warning
# rather than the whole file refused; what the model is built from (options, junctions,
# reservoirs, tanks, pipes, pumps, valves, curves, patterns, demands, status, coordinates)
# must still read. Keyed by WNTR's reader method (``InpFile._read_times`` ...).
SKIPPABLE_SECTIONS: dict[str, str] = {
    "_read_times": "TIMES",
    "_read_controls": "CONTROLS",
    "_read_rules": "RULES",
    "_read_energy": "ENERGY",
    "_read_reactions": "REACTIONS",
    "_read_sources": "SOURCES",
    "_read_quality": "QUALITY",
    "_read_mixing": "MIXING",
    "_read_emitters": "EMITTERS",
    "_read_report": "REPORT",
    "_read_vertices": "VERTICES",
    "_read_labels": "LABELS",
    "_read_backdrop": "BACKDROP",
    "_read_tags": "TAGS",
    "_read_title": "TITLE",
}
SKIPPED_FIX = (
    "nothing, for segments and isolation; to simulate the model, correct the section in EPANET "
    "(your file keeps it)"
)
WNTR_NOTE_FIX = (
    "nothing, for segments and isolation (they use the links, not the hydraulics); check it "
    "in EPANET if you simulate the model"
)
MAX_READER_NOTES = 20
# WNTR's warnings go through the process-wide ``warnings`` filters: one EPANET read at a time,
# so that each file's report gets its own.
_EPANET_READ = threading.Lock()


def _read_epanet(path: Path, shown: Path) -> tuple[WaterNetworkModel, list[tuple[str, str]]]:
    """A WNTR model of an EPANET file, with the sections it could not parse skipped, and what
    was skipped and what WNTR warned of, as (message, fix) pairs in our words.

    ``path`` is the file WNTR reads (perhaps a UTF-8 copy), ``shown`` the user's name of it."""
    # kept here: WNTR is optional (the inp extra) and heavy; _read_inp has checked it is there
    from wntr.epanet.io import InpFile
    from wntr.network import WaterNetworkModel

    skipped: list[tuple[str, Exception, list[tuple[int, str]]]] = []

    def lenient(method: str, section: str) -> Callable[[InpFile], None]:
        def read(self: InpFile) -> None:
            try:
                getattr(InpFile, method)(self)
            except Exception as exc:
                skipped.append((section, exc, list(self.sections.get(f"[{section}]", []))))

        return read

    reader_class = type(
        "LenientInpFile",
        (InpFile,),
        {
            method: lenient(method, section)
            for method, section in SKIPPABLE_SECTIONS.items()
            if hasattr(InpFile, method)  # a WNTR without it: that section stays strict
        },
    )
    said: list[str] = []
    handler = _CollectLog(said, threading.get_ident())
    wntr_log = logging.getLogger("wntr")
    with _EPANET_READ, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wntr_log.addHandler(handler)
        try:
            wn = reader_class().read(str(path), wn=WaterNetworkModel())
        finally:
            wntr_log.removeHandler(handler)
    for w in caught:
        if "wntr" in Path(w.filename).parts:
            said.append(str(w.message))
        else:  # not WNTR's: on to wherever it would have gone
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes = [
        (_skipped_section(section, exc, lines, shown.name), SKIPPED_FIX)
        for section, exc, lines in skipped
    ]
    for text in dict.fromkeys(" ".join(s.replace(str(path), shown.name).split()) for s in said):
        if (note := _wntr_note(text)) is not None:
            notes.append((note, WNTR_NOTE_FIX))
    if len(notes) > MAX_READER_NOTES:
        more = f"{len(notes) - MAX_READER_NOTES} more warnings of the EPANET reader (WNTR)"
        notes = [*notes[:MAX_READER_NOTES], (more, WNTR_NOTE_FIX)]
    return wn, notes


# WNTR's warnings in the report's words; None: a note on WNTR's own state, not on the file
# (it reads every file as H-W first and then switches to the file's formula).
_WNTR_NOTES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^Changing the headloss formula from"), None),
    (re.compile(r"^Not all curves were used"), None),  # each one is named below
    (
        re.compile(r'^Curve was not used: "([^"]*)"'),
        r'[CURVES] curve "\1" is used by no pump, valve or tank (it is kept, and ignored)',
    ),
    (
        re.compile(r"^Unknown report parameter: (.*)"),
        r"[REPORT] has an option the EPANET reader (WNTR) does not know, \1: it is ignored",
    ),
)


def _wntr_note(text: str) -> str | None:
    """A warning of WNTR's as a line of the report (None: not worth one)."""
    if not text:
        return None
    for pattern, words in _WNTR_NOTES:
        if (match := pattern.search(text)) is not None:
            return None if words is None else match.expand(words)
    return f"the EPANET reader (WNTR) warns: {text}"


class _CollectLog(logging.Handler):
    """The warnings WNTR logs while this thread reads a file."""

    def __init__(self, into: list[str], thread: int) -> None:
        super().__init__(logging.WARNING)
        self.into, self.thread = into, thread

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.into.append(record.getMessage())


def _skipped_section(section: str, exc: Exception, lines: list[tuple[int, str]], shown: str) -> str:
    """Why a section was skipped, with the line that stopped the reader when it can be told."""
    reason = _epanet_problem(exc, shown)
    value = re.search(r"could not convert string to float: '([^']*)'|value '([^']*)'", str(exc))
    where = ""
    if value and "at line" not in reason:
        text = value.group(1) or value.group(2)
        for number, line in lines:
            if re.search(rf"(?<![\w.:]){re.escape(text)}(?![\w.:])", line):
                where = f" at line {number} ({' '.join(line.split())!r})"
                break
    return f"[{section}] was not read{where}: {reason}; segments and isolation do not use it"


def _epanet_problem(exc: BaseException, shown: str | None = None) -> str:
    """What an EPANET reader's exception says, without internals: the cause, not WNTR's
    "(Error 200) one or more errors in input file" over it, and no file paths."""
    while exc.__cause__ is not None and re.match(r"\(Error 200\)", str(exc).strip()):
        exc = exc.__cause__
    lines = [" ".join(line.split()) for line in str(exc).strip().splitlines()]
    text = " ".join(line for line in lines if line)
    text = re.sub(r" \['([^']*)'\]", r": \1", text)  # ... value '20' ['Cannot specify ...']
    if shown is not None:  # WNTR names the file by the path it read
        text = re.sub(r"input file '[^']*'", f"input file {shown!r}", text)
    number = re.search(r"could not convert string to float: '([^']*)'", text)
    if number:
        return f"a number was expected where the file has {number.group(1)!r}"
    if re.match(r"(Error \d+|\(Error \d+\))", text) or type(exc).__name__.startswith("EN"):
        return text  # EPANET's own numbered messages say the section and the line
    return "a section or a value is not what EPANET expects"


# Encodings the utilities' tools write, besides UTF-8: GB18030 (a superset of GBK and GB2312,
# mainland Chinese Windows), Big5 (Hong Kong, Taiwan), UTF-16/32 (with a byte-order mark),
# Windows-1252 (EPANET on western Windows). Detection is charset-normalizer's.
TEXT_ENCODINGS = ("gb18030", "big5", "utf_16", "utf_32", "cp1252")


def read_text(path: Path, layer: str) -> tuple[str, str]:
    """A text file's contents and its encoding: UTF-8 (``utf-8-sig`` with a byte-order mark), or
    one that charset-normalizer tells apart from the others without doubt.

    A file it cannot decode, or could decode two ways into different text (a few non-ASCII
    bytes can be GBK or Big5 or Windows-1252 alike), is refused: "save it as UTF-8"."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(raw, cp_isolation=list(TEXT_ENCODINGS)))
    fix = "save the file as UTF-8 (in a text editor: Save as, encoding UTF-8) and give it again"
    if not matches:
        _fail(layer, str(path), "is not text in UTF-8 or an encoding we can tell", fix)
    best = min(matches, key=lambda m: m.chaos)
    text = str(best)
    rivals = {
        m.encoding: str(m) for m in matches if m.chaos <= best.chaos + 1e-9 and str(m) != text
    }
    if rivals:
        readings = {best.encoding: text, **dict(sorted(rivals.items()))}
        _fail(
            layer,
            str(path),
            f"is not UTF-8, and its encoding cannot be told for sure: {_how_each_reads(readings)}",
            fix,
        )
    return text, best.encoding


def _how_each_reads(readings: dict[str, str]) -> str:
    """The first word the readings of a text disagree on, as each reads it: "line 8 reads
    'Jöns' as CP1252, 'J鰊s' as GB18030" (the user sees which is right)."""
    split = {encoding: text.splitlines() for encoding, text in readings.items()}
    for number, lines in enumerate(zip(*split.values(), strict=False), start=1):
        if len(set(lines)) == 1:
            continue
        words = [line.split() for line in lines]
        for column in zip(*words, strict=False):
            if len(set(column)) > 1:
                shown = ", ".join(
                    f"{w[:30]!r} as {e.upper()}" for e, w in zip(split, column, strict=True)
                )
                return f"line {number} reads {shown}"
        break
    return f"it reads differently as {', '.join(e.upper() for e in readings)}"


# EPANET valves that pass water only from their start to their end node while they regulate
# (PRV and PSV close against reverse flow; an FCV is taken as delivering only in its direction).
# TCV, PBV and GPV pass it both ways; so does a valve fixed open in [STATUS] (it no longer
# regulates).
ONE_WAY_VALVES = frozenset({"PRV", "PSV", "FCV"})
# Customer categories of EPANET demand categories ([DEMANDS] names), by the first word found in
# them; any other demand is residential.
DEMAND_CATEGORIES = (
    ("critical", ("hospital", "clinic", "critical", "医院")),
    ("institution", ("school", "institution", "public", "学校")),
    ("industrial", ("industr", "factory", "工业")),
    ("commercial", ("commerc", "business", "shop", "office", "商业")),
)


def layers_from_wntr(
    wn: WaterNetworkModel, source: str = "epanet", crs: str | None = None
) -> NetworkLayers:
    """Layers from a WNTR ``WaterNetworkModel``.

    Reservoirs and tanks are sources; pipes, pumps and control valves are links (``kind`` pipe,
    pump or valve) with the way water passes them: ``direction`` one-way for pumps, check-valve
    pipes and active PRV, PSV and FCV (start to end node), both for the others; ``status``
    closed for links closed in the file (initial status, or a pump at speed 0). A TCV between two
    junctions is an isolation valve: it is a valve of the valves layer, at its start node,
    normally closed when the file closes it. Every junction with a base demand above 0 is a
    customer at that node (see ``docs/decisions.md``).
    """
    node_rows = []
    for name, node in wn.nodes():
        kind = {"Junction": "junction", "Reservoir": "source", "Tank": "tank"}[node.node_type]
        x, y = node.coordinates
        node_rows.append((name, kind, getattr(node, "elevation", None), x, y))
    nodes = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in node_rows],
            "kind": [r[1] for r in node_rows],
            "elevation_m": [r[2] for r in node_rows],
        },
        geometry=gpd.points_from_xy([r[3] for r in node_rows], [r[4] for r in node_rows]),
        crs=crs,
    )
    xy = {r[0]: (r[3], r[4]) for r in node_rows}
    junction = {r[0] for r in node_rows if r[1] == "junction"}
    link_rows = []
    geoms = []
    valve_rows = []
    for name, link in wn.links():
        kind = {"Pipe": "pipe", "Pump": "pump"}.get(link.link_type, "valve")
        start, end = link.start_node_name, link.end_node_name
        closed = getattr(link.initial_status, "name", str(link.initial_status)) == "Closed"
        if kind == "pipe":
            length = float(link.length)
            diameter = float(link.diameter) * 1000.0
            one_way = bool(getattr(link, "check_valve", False))
        elif kind == "pump":
            length, diameter, one_way = 0.0, 0.0, True
            speed = getattr(link, "initial_setting", None)
            closed = closed or (speed is not None and float(speed) == 0.0)
        else:
            length = 0.0
            diameter = float(getattr(link, "diameter", 0.0) or 0.0) * 1000.0
            fixed = getattr(link.initial_status, "name", "") in ("Open", "Closed")
            one_way = link.valve_type in ONE_WAY_VALVES and not fixed
            if link.valve_type == "TCV" and start in junction and end in junction:
                # an isolation valve; closed in the file, its link stays closed too, so that a
                # valve CSV given instead of the file's valves keeps it shut
                valve_rows.append((name, name, start, closed))
        status = "closed" if closed else "open"
        direction = "one-way" if one_way and not closed else "both"
        link_rows.append((name, start, end, diameter, length, kind, status, direction))
        coords = [xy[start], *list(link.vertices), xy[end]]
        geoms.append(shapely.linestrings(coords))
    pipes = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in link_rows],
            "from_node": [r[1] for r in link_rows],
            "to_node": [r[2] for r in link_rows],
            "diameter_mm": [r[3] for r in link_rows],
            "length_m": [r[4] for r in link_rows],
            "kind": [r[5] for r in link_rows],
            "status": [r[6] for r in link_rows],
            "direction": [r[7] for r in link_rows],
        },
        geometry=geoms,
        crs=crs,
    )
    valves = pd.DataFrame(
        {
            "id": [r[0] for r in valve_rows],
            "pipe_id": [r[1] for r in valve_rows],
            "node_id": [r[2] for r in valve_rows],
            "kind": ["TCV"] * len(valve_rows),
            "operable": [True] * len(valve_rows),
            "normally_closed": [r[3] for r in valve_rows],
        }
    ).astype({"id": str, "pipe_id": str, "node_id": str})
    problems = []
    if crs is None:  # a problem of the report, so that every interface shows it
        problems.append(
            Problem(
                "warning",
                "file",
                source,
                "EPANET coordinates have no CRS: lengths come from the file, but the network "
                "cannot be drawn on a map (map points and affected-area polygons need a CRS)",
                "give the CRS of the file's coordinates, e.g. EPSG:32650 (the command line's "
                "--crs, the crs field of an upload)",
            )
        )
    return NetworkLayers(
        nodes=nodes,
        pipes=pipes,
        valves=valves,
        customers=_demand_customers(wn, link_rows, xy, crs),
        source=source,
        local_coordinates=crs is None,
        problems=problems,
    )


def _demand_customers(
    wn: WaterNetworkModel,
    link_rows: list[tuple[Any, ...]],
    xy: dict[str, tuple[float, float]],
    crs: str | None,
) -> gpd.GeoDataFrame:
    """One customer per junction with a base demand above 0, at that node: its demand in m³/d,
    its category from the name of its largest demand (:data:`DEMAND_CATEGORIES`), and the
    pipe it is drawn on (an open two-way pipe of the node when it has one)."""
    best: dict[str, tuple[int, int, str]] = {}  # node -> (rank, row, link id)
    for i, (name, start, end, _, _, kind, status, direction) in enumerate(link_rows):
        rank = 0 if kind == "pipe" and status == "open" and direction == "both" else 1
        rank += 0 if kind == "pipe" else 1
        for node in (start, end):
            if node not in best or (rank, i) < best[node][:2]:
                best[node] = (rank, i, name)
    rows = []
    for name, node in wn.junctions():
        demands = list(node.demand_timeseries_list)
        total = sum(float(d.base_value) for d in demands)
        if total <= 0 or name not in best:
            continue
        largest = max(demands, key=lambda d: float(d.base_value))
        words = str(largest.category or "").lower()
        category = next(
            (cat for cat, keys in DEMAND_CATEGORIES if any(k in words for k in keys)),
            "residential",
        )
        rows.append((name, best[name][2], category, total * 86400.0, largest.category))
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "pipe_id": [r[1] for r in rows],
            "node_id": [r[0] for r in rows],
            "category": [r[2] for r in rows],
            "demand_m3d": [r[3] for r in rows],
            "accounts": [1] * len(rows),
            "critical_kind": [r[4] if r[2] == "critical" else None for r in rows],
        },
        geometry=gpd.points_from_xy([xy[r[0]][0] for r in rows], [xy[r[0]][1] for r in rows]),
        crs=crs,
    )


def plan_to_geojson(network: Network, plan: IsolationPlan) -> dict[str, Any]:
    """An :class:`gis.isolation.IsolationPlan` as a WGS84 GeoJSON FeatureCollection.

    Features: the affected area (``role`` area, with the plan's summary), the valves to close,
    bypassed and not needed, and the isolated and unintended pipes. A valve or pipe with no
    place on a map has a ``null`` geometry and ``unmapped`` says why (see :mod:`gis.mapview`).
    """
    if not network.has_map:
        raise NoMap("this network has no CRS: its plan cannot be drawn on a map")
    features: list[dict[str, Any]] = []
    if plan.area is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": plan.area,
                "properties": {
                    "role": "area",
                    "breaks": list(plan.breaks),
                    "customers": plan.customers.total,
                    "accounts": plan.customers.accounts,
                    "critical": [c.name or c.id for c in plan.customers.critical],
                    "length_m": round(plan.length_m, 1),
                    "streets": list(plan.streets),
                },
            }
        )
    for role, refs in (
        ("close", plan.valves_to_close),
        ("bypassed", plan.bypassed_valves),
        ("not_needed", plan.valves_not_needed),
    ):
        for ref in refs:
            placed = ref.lon is not None and ref.lat is not None
            point = {"type": "Point", "coordinates": [ref.lon, ref.lat]}
            features.append(
                _feature(point if placed else NO_COORDINATES, role=f"valve_{role}", **ref.to_dict())
            )
    geometry = network.pipes.geometry
    assert geometry is not None
    for role, ids in (("isolated", plan.isolated_pipes), ("unintended", plan.unintended_pipes)):
        if not ids:
            continue
        idx = [network.pipe_index(p) for p in ids]
        lines = shapely.transform(geometry[idx], network.to_wgs84)
        for pid, line in zip(ids, lines, strict=True):
            shape = line_geometry(shapely.get_coordinates(line))
            features.append(_feature(shape, role=f"pipe_{role}", id=pid))
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict[str, Any] | str, **properties: Any) -> dict[str, Any]:
    """A plan's Feature: a geometry given as a reason is ``null``, the reason in ``unmapped``
    (as in the map layers, :mod:`gis.mapview`)."""
    if isinstance(geometry, str):
        return {
            "type": "Feature",
            "geometry": None,
            "properties": {**properties, "unmapped": geometry},
        }
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def parse_lonlat(text: str) -> tuple[float, float]:
    """``"114.35,34.80"`` → (lon, lat); :class:`gis.errors.OutsideNetwork` when it is not a
    longitude,latitude pair in degrees (the command line and the service share this)."""
    try:
        lon_s, lat_s = str(text).split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise OutsideNetwork(
            f"{text!r} is not a point: write LON,LAT in degrees, e.g. 114.35,34.80",
            code="not_a_point",
            point=text,
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise OutsideNetwork(
            f"{text!r} is not a longitude,latitude pair (LON,LAT in degrees)",
            code="not_a_point",
            point=text,
        )
    return lon, lat
