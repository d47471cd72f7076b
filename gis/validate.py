"""Validation of network layers against the data contract (docs/design.md §2).

Every problem names the layer, the row id and what to fix. Errors stop the network from being
built; warnings are reported and the network is still usable (a component with no source is
simply always dry).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gis.network import (
    BOOL_FALSE,
    BOOL_TRUE,
    CUSTOMER_CATEGORIES,
    LINK_DIRECTIONS,
    LINK_KINDS,
    NODE_KINDS,
    SOURCE_KINDS,
    BoolArray,
    link_one_way,
    number_column,
)

if TYPE_CHECKING:
    from gis.io import NetworkLayers  # for the annotation only: gis.io imports this module

Severity = Literal["error", "warning"]

# The data contract's columns (docs/design.md §2), each named once: the required ones here, the
# optional ones by what they hold (NUMBER_COLUMNS, BOOL_COLUMNS, CHOICE_COLUMNS, TEXT_COLUMNS
# below). gis.mapping.CONTRACT_COLUMNS is made of them. The network layers' required columns
# are checked; the other layers' ids are what their rows are named by.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "nodes": ("id", "kind"),
    "pipes": ("id", "from_node", "to_node", "diameter_mm"),
    "valves": ("id", "pipe_id", "node_id"),
    "customers": ("id", "pipe_id", "category"),
    "dmas": ("id",),
    "roads": ("id",),
    "depots": ("id",),
}
# Optional columns read as text as they are (names, streets, materials, dates). A place's name
# in the data's own script or pinyin beside its Chinese name (``*_zh``), which the Chinese
# outage notice uses: streets (pipes.street_zh, roads.name_zh), estates (小区, customers.estate
# and estate_zh), units (customers.name_zh) and DMAs (dmas.name_zh); a customer's address in
# Chinese (customers.address_zh: 南环路49号).
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "nodes": ("name",),
    "pipes": ("material", "street", "dma", "street_zh"),
    "valves": ("kind", "last_exercised"),
    "customers": (
        "address",
        "critical_kind",
        "name",
        "name_zh",
        "estate",
        "estate_zh",
        "address_zh",
    ),
    "dmas": ("name", "name_zh"),
    "roads": ("name", "name_zh"),
    "depots": ("name",),
}

# Reports on big networks stay readable: past this many problems of one kind, one line says how
# many more there are.
MAX_PER_KIND = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data."""

    severity: Severity
    layer: str
    id: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.layer} {self.id}" if self.id is not None else self.layer
        return f"{self.severity.upper()} {where}: {self.message} — fix: {self.fix}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "layer": self.layer,
            "id": self.id,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class ValidationReport:
    """All problems found in a network's layers."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing stops the network from being built."""
        return not self.errors

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __str__(self) -> str:
        if not self.problems:
            return "no problems found"
        return "\n".join(str(p) for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        severity: Severity,
        layer: str,
        ids: Iterable[Any],
        message: str,
        fix: str,
    ) -> None:
        """Add one problem per id (capped), with ``{id}``-free messages."""
        rows = list(ids)
        self.each(severity, layer, rows, [message] * len(rows), message, fix)

    def one(self, severity: Severity, layer: str, ident: Any, message: str, fix: str) -> None:
        self.problems.append(
            Problem(severity, layer, None if _missing(ident) else str(ident), message, fix)
        )

    def each(
        self,
        severity: Severity,
        layer: str,
        ids: Iterable[Any],
        messages: Iterable[str],
        summary: str,
        fix: str,
    ) -> None:
        """One problem per id with a message of its own (it quotes the row's value), capped
        like :meth:`add`; ``summary`` describes the rows past the cap."""
        rows, texts = list(ids), list(messages)
        for ident, message in zip(rows[:MAX_PER_KIND], texts[:MAX_PER_KIND], strict=True):
            self.one(severity, layer, ident, message, fix)
        if len(rows) > MAX_PER_KIND:
            self.problems.append(
                Problem(
                    severity,
                    layer,
                    None,
                    f"{len(rows) - MAX_PER_KIND} more rows with the same problem: {summary}",
                    fix,
                )
            )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def validate_layers(layers: NetworkLayers) -> ValidationReport:
    """Check a network's layers; return every problem found (those the reader found first)."""
    out = _Collector()
    out.problems.extend(layers.problems)
    frames: dict[str, pd.DataFrame | None] = {
        "nodes": layers.nodes,
        "pipes": layers.pipes,
        "valves": layers.valves,
        "customers": layers.customers,
    }
    usable: dict[str, bool] = {}
    for name, df in frames.items():
        if df is None:
            usable[name] = False
            continue
        if len(df) == 0:
            usable[name] = False
            if name in ("nodes", "pipes"):  # an empty valves or customers layer is no valves
                out.one(
                    "error",
                    name,
                    None,
                    "has no features (the layer is empty)",
                    f"export the {name} layer with its features: a network needs nodes and pipes",
                )
            continue
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in df.columns]
        if missing:
            out.one(
                "error",
                name,
                None,
                f"lacks the required column(s) {', '.join(missing)}",
                f"add {', '.join(missing)} (see the data contract, docs/design.md §2)",
            )
            usable[name] = False
            continue
        usable[name] = True
        _check_ids(out, name, df)
        _check_values(out, name, df)

    for name, df in frames.items():
        if df is not None and usable[name]:
            _check_geometry(out, name, df, layers.unplaced)
    if layers.dmas is not None and len(layers.dmas):
        _check_geometry(out, "dmas", layers.dmas)
    _check_roads(out, layers.roads)
    crs_ok = _check_crs(out, layers)
    _check_unplaced(out, layers)
    if not (usable["nodes"] and usable["pipes"]):
        return ValidationReport(out.problems)

    nodes, pipes = layers.nodes, layers.pipes
    node_ids = set(nodes["id"].astype(str))
    bad_kind = ~nodes["kind"].astype(str).isin(NODE_KINDS)
    out.add(
        "error",
        "nodes",
        nodes.loc[bad_kind, "id"],
        f"kind is not one of {', '.join(NODE_KINDS)}",
        "set kind to junction, source (reservoir or plant) or tank",
    )

    for end in ("from_node", "to_node"):
        dangling = ~pipes[end].astype(str).isin(node_ids)
        out.add(
            "error",
            "pipes",
            pipes.loc[dangling, "id"],
            f"{end} refers to a node that does not exist",
            f"add the node to the nodes layer or correct {end}",
        )
    loops = pipes["from_node"].astype(str) == pipes["to_node"].astype(str)
    out.add(
        "error",
        "pipes",
        pipes.loc[loops, "id"],
        "starts and ends at the same node",
        "split the pipe at a junction or remove it",
    )
    if crs_ok:
        _check_lengths(out, layers)
    diam = pd.to_numeric(pipes["diameter_mm"], errors="coerce")
    is_pipe = pipes["kind"].astype(str).eq("pipe") if "kind" in pipes.columns else True
    out.add(
        "warning",
        "pipes",
        pipes.loc[~(diam > 0) & is_pipe, "id"],
        "has no positive diameter_mm",
        "fill in the nominal diameter in millimetres",
    )

    _check_pump_directions(out, pipes)

    pipe_ids = set(pipes["id"].astype(str))
    if usable["valves"]:
        _check_valves(out, layers.valves, pipes, pipe_ids, node_ids)
    if usable["customers"] and layers.customers is not None:
        customers = layers.customers
        out.add(
            "error",
            "customers",
            customers.loc[~customers["pipe_id"].astype(str).isin(pipe_ids), "id"],
            "pipe_id refers to a pipe that does not exist",
            "attach the customer to an existing pipe (its service connection)",
        )
        out.add(
            "error",
            "customers",
            customers.loc[~customers["category"].astype(str).isin(CUSTOMER_CATEGORIES), "id"],
            f"category is not one of {', '.join(CUSTOMER_CATEGORIES)}",
            "set the category",
        )

    if not any(p.severity == "error" and p.layer in ("nodes", "pipes") for p in out.problems):
        _check_sources(out, nodes, pipes)
    return ValidationReport(out.problems)


# Number columns of the contract: a value must be a finite number or left empty.
NUMBER_COLUMNS: dict[str, dict[str, str]] = {
    "nodes": {
        "elevation_m": "write the elevation in metres as a number, or leave it empty",
        # the hydraulic model (gis.hydraulic_model, docs/hydraulics.md): a source's fixed head,
        # a tank's levels (above its elevation) and diameter; empty: the model's settings
        "head_m": "write the source's water level (head) in metres as a number, or leave it empty",
        "level_m": "write the tank's water level above its bottom in metres, or leave it empty",
        "min_level_m": "write the tank's lowest level in metres, or leave it empty",
        "max_level_m": "write the tank's highest level in metres, or leave it empty",
        "tank_diameter_m": "write the tank's diameter in metres as a number, or leave it empty",
    },
    "pipes": {
        "diameter_mm": "write the nominal diameter in millimetres as a number (DN200 → 200)",
        "length_m": "write the length in metres as a number, or leave it empty (the length of "
        "the drawn line is used)",
        "install_year": "write the year as a number (e.g. 1995), or leave it empty",
    },
    "valves": {"diameter_mm": "write the diameter in millimetres as a number (DN200 → 200)"},
    "customers": {
        "accounts": "write the number of accounts as a whole number (1 for a single customer), "
        "or leave it empty for 1",
        "demand_m3d": "write the demand in m³ per day as a number, or leave it empty",
    },
    "roads": {"speed_kmh": "write the speed in km/h as a number above 0"},
}
# Number columns that must be given, and above 0 (crew travel divides by the speed).
POSITIVE_COLUMNS = frozenset({("roads", "speed_kmh")})
WHOLE_COLUMNS = frozenset({("customers", "accounts")})
# Yes/no columns, and what an empty value means.
BOOL_COLUMNS: dict[str, dict[str, bool]] = {
    "valves": {"operable": True, "normally_closed": False},
    "roads": {"oneway": False},
}
CHOICE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "pipes": {"status": ("open", "closed"), "direction": LINK_DIRECTIONS, "kind": LINK_KINDS}
}


def contract_columns() -> dict[str, tuple[str, ...]]:
    """The contract's columns of each layer: the required ones, then the optional ones (text,
    numbers, choices, yes/no), each once."""
    out: dict[str, tuple[str, ...]] = {}
    for layer, required in REQUIRED_COLUMNS.items():
        columns = [
            *required,
            *TEXT_COLUMNS.get(layer, ()),
            *NUMBER_COLUMNS.get(layer, {}),
            *CHOICE_COLUMNS.get(layer, {}),
            *BOOL_COLUMNS.get(layer, {}),
        ]
        out[layer] = tuple(dict.fromkeys(columns))
    return out


def _show(value: Any) -> str:
    """A cell's value as the report quotes it: text in quotes, numbers as numbers."""
    if isinstance(value, str):
        text = repr(value.strip())
    elif isinstance(value, int | float | np.integer | np.floating):
        text = str(float(value)) if isinstance(value, float | np.floating) else str(int(value))
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _blank(values: pd.Series) -> BoolArray:
    """Null, or text that is only spaces: a value left empty."""
    if pd.api.types.is_numeric_dtype(values):
        return values.isna().to_numpy()
    return (values.isna() | values.astype(str).str.strip().eq("")).to_numpy()


def _check_values(out: _Collector, name: str, df: pd.DataFrame) -> None:
    """Numbers that are numbers, yes/no that is yes or no, status that is open or closed: one
    problem per row, quoting its value (text in a number column used to crash the build, and
    an unknown yes/no was silently taken as the default)."""
    ids = _row_ids(df)
    for column, fix in NUMBER_COLUMNS.get(name, {}).items():
        if column not in df.columns:
            continue
        raw = df[column].reset_index(drop=True)
        given = ~_blank(raw)
        number = number_column(raw)
        bad = given & ~np.isfinite(number)
        what = "is not a number"
        if (name, column) in POSITIVE_COLUMNS:
            given = np.ones(len(raw), dtype=bool)
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(number) | (number <= 0)
            what = "is not a number above 0"
        if (name, column) in WHOLE_COLUMNS:
            with np.errstate(invalid="ignore"):
                bad |= given & np.isfinite(number) & ((number != np.round(number)) | (number < 0))
            what = "is not a whole number (0 or more)"
        rows = np.flatnonzero(bad)
        out.each(
            "error",
            name,
            ids.iloc[rows],
            [
                f"{column} {_show(raw.iloc[i])} " + ("is infinite" if np.isinf(number[i]) else what)
                for i in rows
            ],
            f"{column} {what}",
            fix,
        )
    words = ", ".join(sorted(BOOL_TRUE)) + " / " + ", ".join(sorted(BOOL_FALSE))
    for column, default in BOOL_COLUMNS.get(name, {}).items():
        if column not in df.columns:
            continue
        raw = df[column].reset_index(drop=True)
        known = _yes_no(raw)
        rows = np.flatnonzero(~_blank(raw) & ~known)
        out.each(
            "error",
            name,
            ids.iloc[rows],
            [f"{column} {_show(raw.iloc[i])} is not yes or no" for i in rows],
            f"{column} is not yes or no",
            f"write {column} as yes or no ({words}), or leave it empty for "
            f"{'yes' if default else 'no'}",
        )
    for column, choices in CHOICE_COLUMNS.get(name, {}).items():
        if column not in df.columns:
            continue
        raw = df[column].reset_index(drop=True)
        known = raw.astype(str).str.strip().str.lower().isin(choices).to_numpy()
        rows = np.flatnonzero(~_blank(raw) & ~known)
        out.each(
            "error",
            name,
            ids.iloc[rows],
            [f"{column} {_show(raw.iloc[i])} is not {' or '.join(choices)}" for i in rows],
            f"{column} is not {' or '.join(choices)}",
            f"write {column} as {' or '.join(choices)}, or leave it empty for {choices[0]}",
        )


def _check_pump_directions(out: _Collector, pipes: pd.DataFrame) -> None:
    """Pumps without a direction are taken as one-way, from_node to to_node: say so (a pump
    drawn backwards would feed the wrong side)."""
    _, assumed = link_one_way(pipes)
    out.add(
        "warning",
        "pipes",
        pipes.loc[assumed, "id"],
        "is a pump without a direction: water is taken to pass it only from its from_node to "
        "its to_node (the way it is drawn, when the nodes are built from the geometry)",
        "set direction = one-way to confirm, or both for a link water passes both ways; "
        "redraw a pump drawn backwards",
    )


def _yes_no(values: pd.Series) -> BoolArray:
    """Which values are a yes or a no (vectorised: bool columns pass at once)."""
    if pd.api.types.is_bool_dtype(values):
        return np.ones(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        return values.isin([0, 1]).to_numpy()
    words = values.astype(str).str.strip().str.lower().isin(BOOL_TRUE | BOOL_FALSE)
    flags = values.map(  # True/False and 0/1 as values in a column of text
        lambda v: (
            isinstance(v, bool | np.bool_)
            or (isinstance(v, int | float | np.integer | np.floating) and v in (0, 1))
        )
    )
    return (words | flags.astype(bool)).to_numpy()


def _check_roads(out: _Collector, roads: pd.DataFrame | None) -> None:
    """The roads layer is for crew travel times (routing), not the network: one without
    speeds is ignored (travel is then straight-line), with a warning; bad speeds, yes/no or
    geometries are errors, since the service reads the layer when it loads the network."""
    if roads is None or not len(roads):
        return
    if "speed_kmh" not in roads.columns:
        out.one(
            "warning",
            "roads",
            None,
            "has no speed_kmh column: it is ignored, and crew travel times use straight-line "
            "distances",
            "add speed_kmh (km/h) to every road to plan with road travel times",
        )
        return
    _check_values(out, "roads", roads)
    _check_geometry(out, "roads", roads)


def _check_ids(out: _Collector, name: str, df: pd.DataFrame) -> None:
    ids = df["id"]
    out.add(
        "error",
        name,
        [f"row {i}" for i in np.flatnonzero(ids.isna().to_numpy())],
        "has no id",
        "give every row a unique id",
    )
    dup = ids[ids.notna() & ids.astype(str).duplicated(keep="first")]
    out.add(
        "error",
        name,
        sorted(set(dup.astype(str))),
        "id is used more than once",
        "make ids unique within the layer",
    )


def _check_crs(out: _Collector, layers: NetworkLayers) -> bool:
    """Check every layer has a CRS its coordinates fit; False when lengths cannot be measured.

    Coordinates are checked row by row as well: NaN or infinite values, and points that the
    layer's CRS cannot place on Earth, would otherwise pass and break every map and area later.
    """
    ok = True
    for name in ("nodes", "pipes", "valves", "customers", "dmas", "roads"):
        df = getattr(layers, name)
        if df is None or not hasattr(df, "crs") or "geometry" not in df.columns or not len(df):
            continue
        if name == "nodes" and layers.unplaced and "id" in df.columns:
            df = df[~df["id"].astype(str).isin(layers.unplaced)]  # at NaN: flagged apart
        if layers.local_coordinates:
            _check_coordinates(out, name, df, None)
        elif df.crs is None:
            out.one(
                "error",
                name,
                None,
                "has no CRS (coordinate reference system)",
                "set the layer's CRS when exporting it (e.g. EPSG:4326 or EPSG:4547)",
            )
            _check_coordinates(out, name, df, None)
            ok = False
        elif not _check_coordinates(out, name, df, df.crs):
            ok = False
    if layers.local_coordinates:
        return True
    nodes, pipes = layers.nodes, layers.pipes
    if (
        getattr(nodes, "crs", None) is not None
        and getattr(pipes, "crs", None) is not None
        and nodes.crs != pipes.crs
    ):
        out.one(
            "warning",
            "pipes",
            None,
            f"CRS {pipes.crs.to_string()} differs from the nodes' {nodes.crs.to_string()}",
            "nothing if intended (layers are reprojected); otherwise export all in one CRS",
        )
    return ok


def _check_unplaced(out: _Collector, layers: NetworkLayers) -> None:
    """EPANET nodes without coordinates: in the model, but nowhere on a map (WNTR put them
    at 0,0, and a report said "no problems found"). One line when none has any."""
    if not layers.unplaced:
        return
    ids = layers.nodes["id"].astype(str)
    nowhere = ids[ids.isin(layers.unplaced)]
    if len(nowhere) == len(ids):
        out.one(
            "warning",
            "nodes",
            None,
            f"none of its {len(ids)} nodes has coordinates (the EPANET file has no "
            "[COORDINATES]): segments and isolation work, but nothing can be drawn on a map, "
            "found from a map point or given an affected area",
            "save the network from EPANET with its map (the [COORDINATES] section), or give "
            "breaks by pipe id",
        )
        return
    out.add(
        "warning",
        "nodes",
        nowhere,
        "has no coordinates (the EPANET file's [COORDINATES] does not list it): it is in the "
        "model, but it and its links are left off maps",
        "add the node's x y to [COORDINATES] (in EPANET: place the node on the map and save)",
    )


def _row_ids(df: pd.DataFrame) -> pd.Series:
    """The id of every row, or "row N" where the layer has no id column."""
    if "id" in df.columns:
        return df["id"].reset_index(drop=True)
    return pd.Series([f"row {i}" for i in range(len(df))])


_REDRAW = (
    "correct the feature's coordinates or redraw it (NaN and infinite values often come "
    "from a failed reprojection or a bad export)"
)


def _check_coordinates(out: _Collector, name: str, df: pd.DataFrame, crs: CRS | None) -> bool:
    """Every vertex finite, and where it has a CRS, somewhere that CRS can put on Earth.
    False when the whole layer is not in its CRS (the coordinates are not degrees, say)."""
    geoms = np.asarray(df.geometry.to_numpy(), dtype=object)
    n = len(geoms)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if not len(coords):
        return True
    ids = _row_ids(df)

    def rows(bad: BoolArray) -> BoolArray:
        return np.bincount(index[bad], minlength=n) > 0

    nan = rows(np.isnan(coords).any(axis=1))
    inf = rows(np.isinf(coords).any(axis=1)) & ~nan
    out.add("error", name, ids[nan], "has a coordinate that is not a number (NaN)", _REDRAW)
    out.add("error", name, ids[inf], "has an infinite coordinate", _REDRAW)
    measurable = not (nan.any() or inf.any())
    if crs is None:
        return measurable
    finite = np.isfinite(coords).all(axis=1)
    x, y = coords[:, 0], coords[:, 1]
    if crs.is_geographic:
        lon, lat = x, y
    else:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    with np.errstate(invalid="ignore"):
        off = finite & ~(np.isfinite(lon) & np.isfinite(lat) & (abs(lon) <= 180) & (abs(lat) <= 90))
    outside = rows(off) & ~nan & ~inf
    if not outside.any():
        return measurable
    if crs.is_geographic and outside.sum() > n / 2:
        # the whole layer: metric coordinates under a geographic CRS (GeoJSON without a CRS)
        maxx, maxy = np.abs(coords[finite]).max(axis=0)
        out.one(
            "error",
            name,
            None,
            f"coordinates (x up to {maxx:,.0f}, y up to {maxy:,.0f}) are not degrees, "
            f"but the layer's CRS is geographic ({crs.to_string()}); GeoJSON "
            "without a CRS is read as WGS84",
            "set the layer's real (projected) CRS, or export it in WGS84",
        )
        return False
    first: dict[int, tuple[float, float]] = {}
    for i, row in zip(np.flatnonzero(off), index[off], strict=True):
        first.setdefault(int(row), (x[i], y[i]))
    bad_rows = np.flatnonzero(outside)
    out.each(
        "error",
        name,
        ids.iloc[bad_rows],
        [
            f"lies outside what its CRS ({crs.to_string()}) can place on Earth "
            f"(x {first[int(r)][0]:.6g}, y {first[int(r)][1]:.6g})"
            for r in bad_rows
        ],
        "coordinates outside the CRS's range",
        "correct the coordinates, or set the layer's real CRS",
    )
    return measurable


# The geometry each layer's rows must have (docs/design.md §2), and how to fix another one.
GEOMETRY_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "nodes": (("Point",), "draw each node as one point (split multi-part features)"),
    "pipes": (
        ("LineString",),
        "draw each pipe as one line from its from_node to its to_node (a multi-part line is "
        "several pipes: split it)",
    ),
    "valves": (("Point",), "draw each valve as one point (split multi-part features)"),
    "customers": (("Point",), "draw each customer as one point (split multi-part features)"),
    "dmas": (("Polygon", "MultiPolygon"), "draw each DMA as a polygon"),
    "roads": (("LineString",), "draw each road as one line (split multi-part features)"),
}


def _check_geometry(
    out: _Collector, name: str, df: pd.DataFrame, unplaced: frozenset[str] = frozenset()
) -> None:
    if "geometry" not in df.columns or not hasattr(df, "geom_type"):
        return
    empty = (df.geometry.isna() | df.geometry.is_empty).to_numpy()
    ids = _row_ids(df)
    missing = empty
    if name == "pipes" and unplaced:  # an EPANET link to a node without coordinates
        ends = df["from_node"].astype(str).isin(unplaced) | df["to_node"].astype(str).isin(unplaced)
        missing = empty & ~ends.to_numpy()
    if name in ("nodes", "pipes"):  # valves and customers may go without: placed from pipes
        fix = "draw the feature or remove the row"
        out.add("error", name, ids[missing], "has no geometry", fix)
    allowed, fix = GEOMETRY_TYPES[name]
    kinds = df.geom_type.to_numpy(dtype=object)
    wrong = np.flatnonzero(~empty & ~np.isin(kinds, allowed))
    out.each(
        "error",
        name,
        ids.iloc[wrong],
        [f"is a {kinds[i]}, not a {' or '.join(allowed)}" for i in wrong],
        f"geometry is not a {' or '.join(allowed)}",
        fix,
    )


def _check_lengths(out: _Collector, layers: NetworkLayers) -> None:
    pipes = layers.pipes
    given = number_column(pipes["length_m"]) if "length_m" in pipes.columns else None
    if given is not None and np.isfinite(given).all():  # complete: the file's lengths (as built)
        length = given
    elif "geometry" in pipes.columns and pipes.crs is not None and pipes.crs.is_geographic:
        length = pipes.geometry.to_crs(layers.metric_crs()).length.to_numpy()
    elif "geometry" in pipes.columns:
        length = pipes.geometry.length.to_numpy()
    else:
        return
    is_pipe = (
        pipes["kind"].astype(str).eq("pipe").to_numpy()
        if "kind" in pipes.columns
        else np.ones(len(pipes), dtype=bool)
    )
    zero = (length <= 1e-6) & is_pipe
    out.add(
        "error",
        "pipes",
        pipes.loc[zero, "id"],
        "has zero length",
        "remove the duplicate point or merge the pipe's two nodes",
    )


def _check_valves(
    out: _Collector,
    valves: pd.DataFrame,
    pipes: pd.DataFrame,
    pipe_ids: set[str],
    node_ids: set[str],
) -> None:
    vpipe = valves["pipe_id"].astype(str)
    vnode = valves["node_id"].astype(str)
    unknown_pipe = ~vpipe.isin(pipe_ids)
    out.add(
        "error",
        "valves",
        valves.loc[unknown_pipe, "id"],
        "pipe_id refers to a pipe that does not exist",
        "correct pipe_id to the pipe the valve sits on",
    )
    unknown_node = ~vnode.isin(node_ids)
    out.add(
        "error",
        "valves",
        valves.loc[unknown_node & ~unknown_pipe, "id"],
        "node_id refers to a node that does not exist",
        "set node_id to the pipe end the valve sits next to",
    )
    ends = pipes.set_index(pipes["id"].astype(str))[["from_node", "to_node"]].astype(str)
    ends = ends[~ends.index.duplicated(keep="first")]  # duplicate ids are reported already
    known = ~unknown_pipe & ~unknown_node
    v = valves.loc[known]
    e = ends.loc[pd.Index(vpipe[known])]
    not_end = (v["node_id"].astype(str).to_numpy() != e["from_node"].to_numpy()) & (
        v["node_id"].astype(str).to_numpy() != e["to_node"].to_numpy()
    )
    out.add(
        "error",
        "valves",
        v.loc[not_end, "id"],
        "node_id is not an end of its pipe",
        "set node_id to the pipe's from_node or to_node (the end the valve is next to)",
    )
    # (pipe, node) pairs, never one joined string: a separator can be lost (NUL with pandas 3
    # string columns) and then pipe 29 at node 252 is pipe 292 at node 52
    position = pd.MultiIndex.from_arrays([vpipe, vnode])
    twice = valves.loc[known & position.duplicated(keep="first"), "id"]
    out.add(
        "warning",
        "valves",
        twice,
        "sits at the same pipe end as another valve (treated as valves in series)",
        "remove the duplicate if it is a digitising error",
    )


def _check_sources(out: _Collector, nodes: pd.DataFrame, pipes: pd.DataFrame) -> None:
    index = pd.Index(nodes["id"].astype(str))
    a = index.get_indexer(pd.Index(pipes["from_node"].astype(str)))
    b = index.get_indexer(pd.Index(pipes["to_node"].astype(str)))
    n = len(index)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    n_comp, labels = connected_components(graph, directed=False)
    fed = np.zeros(n_comp, dtype=bool)
    fed[labels[nodes["kind"].astype(str).isin(SOURCE_KINDS).to_numpy()]] = True
    if fed.all():
        return
    if not fed.any():
        # One line, not one per part: the whole network is dry, so every isolation would find
        # nothing to close and nobody to cut off. Usually the kind column lost its values.
        out.one(
            "warning",
            "nodes",
            None,
            f"the network has no source or tank at all ({n_comp} parts, {n} nodes): no part "
            "can receive water, so isolation plans would close nothing and cut off nobody",
            "set kind = source on reservoirs and plants and kind = tank on tanks (check the kind "
            "column survived the export)",
        )
        return
    dry = np.flatnonzero(~fed)
    sizes = np.bincount(labels, minlength=n_comp)
    _, first = np.unique(labels, return_index=True)
    ids = nodes["id"].astype(str).to_numpy()
    for lab in dry[:MAX_PER_KIND]:
        out.one(
            "warning",
            "nodes",
            ids[first[lab]],
            f"is in a part of the network ({sizes[lab]} nodes) with no source or tank: "
            "it can never receive water",
            "connect the part to the network or add its source",
        )
    if len(dry) > MAX_PER_KIND:
        out.one(
            "warning",
            "nodes",
            None,
            f"{len(dry) - MAX_PER_KIND} more parts of the network have no source",
            "connect them or add their sources",
        )
