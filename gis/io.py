"""Reading network data: GeoPackage, GeoJSON or Shapefile layers, EPANET ``.inp`` + valve CSV.

Reading never raises a traceback at the user: a file that cannot be read becomes a problem in a
:class:`gis.validate.ValidationReport`, raised as :class:`gis.errors.ValidationError`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gis.errors import NoMap, ValidationError
from gis.network import Network, build_network
from gis.validate import Problem, ValidationReport, validate_layers

log = logging.getLogger(__name__)

REQUIRED_LAYERS = ("nodes", "pipes")
OPTIONAL_LAYERS = ("valves", "customers", "dmas", "roads", "depots")
LAYER_FILE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")


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
    _metric_crs: Any = field(default=None, init=False, repr=False)

    def metric_crs(self) -> Any:
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


def _measures_metres(crs: Any, layer: gpd.GeoDataFrame) -> bool:
    """Whether distances in ``crs`` are metres: its axes are in metres (not feet, not degrees)
    and its scale where ``layer`` lies is true to within :data:`METRE_SCALE_TOLERANCE`."""
    if crs.is_geographic:
        return False
    if any(abs(axis.unit_conversion_factor - 1.0) > 1e-12 for axis in crs.axis_info):
        return False
    import numpy as np
    from pyproj import Proj, Transformer

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
        The CRS of an EPANET file's coordinates (they have none of their own).

    Raises
    ------
    gis.errors.ValidationError
        With the whole report, when the data has errors.
    """
    layers = read_layers(path, valves=valves, crs=crs)
    report = validate_layers(layers)
    if not report.ok:
        raise ValidationError(report)
    layers.warnings.extend(str(p) for p in report.warnings)
    return build_network(layers)


def read_layers(
    path: str | Path,
    valves: str | Path | None = None,
    crs: str | None = None,
) -> NetworkLayers:
    """Read the layers of a network without validating them.

    Raises :class:`gis.errors.ValidationError` (with a ``file`` problem) when a file cannot be
    read or a required layer is missing.
    """
    path = Path(path)
    if not path.exists():
        _fail("file", str(path), "does not exist", "check the path")
    if path.suffix.lower() == ".inp":
        layers = _read_inp(path, crs)
    elif path.is_dir():
        layers = _read_folder(path)
    elif path.suffix.lower() in LAYER_FILE_SUFFIXES:
        layers = _read_gpkg(path)
    else:
        _fail(
            "file",
            str(path),
            f"is not a format we read ({path.suffix or 'no extension'})",
            "give a GeoPackage (.gpkg), a folder of .geojson/.shp layers, or an EPANET .inp",
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
    import csv
    import io

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
    import csv

    first = next((line for line in text.splitlines() if line.strip()), "")
    for separator in CSV_SEPARATORS:
        fields = {f.strip().lower() for f in first.split(separator)}
        if {"link", "node"} <= fields:
            return separator
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters="".join(CSV_SEPARATORS)).delimiter
    except csv.Error:
        return ","


def _fail(layer: str, ident: str, message: str, fix: str) -> Any:
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


def _read_gpkg(path: Path) -> NetworkLayers:
    import pyogrio

    is_gpkg = path.suffix.lower() == ".gpkg"
    if is_gpkg:
        _check_geopackage(path)
    try:
        available = {str(name) for name in pyogrio.list_layers(path)[:, 0]}
    except Exception as exc:
        log.info("%s: cannot be opened: %s", path, exc)
        _fail(
            "file",
            str(path),
            "cannot be opened: it is damaged, or not a file of layers",
            GPKG_FIX if is_gpkg else "give a valid GeoPackage, GeoJSON or Shapefile",
        )
    frames: dict[str, Any] = {}
    for name in (*REQUIRED_LAYERS, *OPTIONAL_LAYERS):
        if name in available:
            frames[name] = _read_layer(path, name, layer=name)
    return _assemble(frames, source=path.name)


def _read_folder(path: Path) -> NetworkLayers:
    frames: dict[str, Any] = {}
    for name in (*REQUIRED_LAYERS, *OPTIONAL_LAYERS):
        for suffix in (".gpkg", ".geojson", ".json", ".shp"):
            candidate = path / f"{name}{suffix}"
            if candidate.exists():
                frames[name] = _read_layer(candidate, name)
                break
    return _assemble(frames, source=path.name)


def _read_layer(path: Path, name: str, layer: str | None = None) -> gpd.GeoDataFrame:
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
    return _normalise_ids(_restore_column_names(gdf, name))


# Shapefile field names are cut to 10 characters: map them back to the contract's names.
_CONTRACT_COLUMNS = {
    "nodes": ("id", "kind", "elevation_m", "name"),
    "pipes": (
        "id",
        "from_node",
        "to_node",
        "diameter_mm",
        "material",
        "install_year",
        "street",
        "dma",
        "status",
        "length_m",
    ),
    "valves": (
        "id",
        "pipe_id",
        "node_id",
        "kind",
        "diameter_mm",
        "normally_closed",
        "operable",
        "last_exercised",
    ),
    "customers": (
        "id",
        "pipe_id",
        "category",
        "accounts",
        "address",
        "critical_kind",
        "name",
        "demand_m3d",
    ),
}


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


def _assemble(frames: dict[str, Any], source: str) -> NetworkLayers:
    missing = [name for name in REQUIRED_LAYERS if name not in frames]
    if missing:
        _fail(
            "file",
            source,
            f"has no {' or '.join(missing)} layer",
            "add the layers named in the data contract (nodes, pipes, valves, customers, ...)",
        )
    valves = frames.get("valves")
    if valves is None:
        valves = pd.DataFrame({"id": [], "pipe_id": [], "node_id": []}, dtype=str)
    return NetworkLayers(
        nodes=frames["nodes"],
        pipes=frames["pipes"],
        valves=valves,
        customers=frames.get("customers"),
        dmas=frames.get("dmas"),
        roads=frames.get("roads"),
        source=source,
    )


def _read_inp(path: Path, crs: str | None) -> NetworkLayers:
    try:
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
    import tempfile

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
    if encoding not in ("utf-8", "utf-8-sig"):
        layers.problems.append(_encoding_note("file", path, encoding))
    layers.problems.extend(
        Problem("warning", "file", str(path), message, fix) for message, fix in notes
    )
    return layers


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


def _read_epanet(path: Path, shown: Path) -> tuple[Any, list[tuple[str, str]]]:
    """A WNTR model of an EPANET file, with the sections it could not parse skipped, and what
    was skipped and what WNTR warned of, as (message, fix) pairs in our words.

    ``path`` is the file WNTR reads (perhaps a UTF-8 copy), ``shown`` the user's name of it."""
    import warnings

    from wntr.epanet.io import InpFile
    from wntr.network import WaterNetworkModel

    skipped: list[tuple[str, Exception, list[tuple[int, str]]]] = []

    def lenient(method: str, section: str) -> Any:
        def read(self: Any) -> None:
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
    import charset_normalizer

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


def layers_from_wntr(wn: Any, source: str = "epanet", crs: str | None = None) -> NetworkLayers:
    """Layers from a WNTR ``WaterNetworkModel``.

    Reservoirs and tanks are sources; pipes, pumps and control valves are links (``kind`` pipe,
    pump or valve) with the way water passes them: ``direction`` one-way for pumps, check-valve
    pipes and active PRV, PSV and FCV (start to end node), both for the others; ``status``
    closed for links closed in the file (initial status, or a pump at speed 0). A TCV between two
    junctions is an isolation valve: it is a valve of the valves layer, at its start node,
    normally closed when the file closes it. Every junction with a base demand above 0 is a
    customer at that node (see ``docs/decisions.md``).
    """
    import shapely

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
    warnings = []
    if crs is None:
        warnings.append(
            f"{source}: EPANET coordinates have no CRS; lengths come from the file, but map "
            "points and affected-area polygons need one (pass --crs EPSG:XXXX)"
        )
    return NetworkLayers(
        nodes=nodes,
        pipes=pipes,
        valves=valves,
        customers=_demand_customers(wn, link_rows, xy, crs),
        source=source,
        local_coordinates=crs is None,
        warnings=warnings,
    )


def _demand_customers(
    wn: Any, link_rows: list[tuple[Any, ...]], xy: dict[str, tuple[float, float]], crs: Any
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


def plan_to_geojson(network: Network, plan: Any) -> dict[str, Any]:
    """An :class:`gis.isolation.IsolationPlan` as a WGS84 GeoJSON FeatureCollection.

    Features: the affected area (``role`` area, with the plan's summary), the valves to close,
    bypassed and not needed, and the isolated and unintended pipes.
    """
    import shapely

    if not network.has_map:
        raise NoMap(
            "this network has no CRS: its plan cannot be drawn on a map (pass --crs EPSG:XXXX)"
        )
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
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [ref.lon, ref.lat]},
                    "properties": {"role": f"valve_{role}", **ref.to_dict()},
                }
            )
    geometry = network.pipes.geometry
    assert geometry is not None
    for role, ids in (("isolated", plan.isolated_pipes), ("unintended", plan.unintended_pipes)):
        if not ids:
            continue
        idx = [network.pipe_index(p) for p in ids]
        lines = shapely.transform(geometry[idx], network.to_wgs84)
        for pid, line in zip(ids, lines, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(line),
                    "properties": {"role": f"pipe_{role}", "id": pid},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def parse_lonlat(text: str) -> tuple[float, float]:
    """``"114.35,34.80"`` → (lon, lat); :class:`gis.errors.OutsideNetwork` when it is not a
    longitude,latitude pair in degrees (the command line and the service share this)."""
    from gis.errors import OutsideNetwork

    try:
        lon_s, lat_s = str(text).split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise OutsideNetwork(
            f"{text!r} is not a point: write LON,LAT in degrees, e.g. 114.35,34.80"
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise OutsideNetwork(f"{text!r} is not a longitude,latitude pair (LON,LAT in degrees)")
    return lon, lat
