"""Validation of network layers against the data contract (DESIGN §2).

Every problem names the layer, the row id and what to fix. Errors stop the network from being
built; warnings are reported and the network is still usable (a component with no source is
simply always dry).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from gis.network import CUSTOMER_CATEGORIES, NODE_KINDS, SOURCE_KINDS

if TYPE_CHECKING:
    from gis.io import NetworkLayers

Severity = Literal["error", "warning"]

REQUIRED_COLUMNS = {
    "nodes": ("id", "kind"),
    "pipes": ("id", "from_node", "to_node", "diameter_mm"),
    "valves": ("id", "pipe_id", "node_id"),
    "customers": ("id", "pipe_id", "category"),
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
        ids: Any,
        message: str,
        fix: str,
    ) -> None:
        """Add one problem per id (capped), with ``{id}``-free messages."""
        ids = [None if _missing(i) else str(i) for i in ids]
        for ident in ids[:MAX_PER_KIND]:
            self.problems.append(Problem(severity, layer, ident, message, fix))
        if len(ids) > MAX_PER_KIND:
            self.problems.append(
                Problem(
                    severity,
                    layer,
                    None,
                    f"{len(ids) - MAX_PER_KIND} more rows with the same problem: {message}",
                    fix,
                )
            )

    def one(self, severity: Severity, layer: str, ident: Any, message: str, fix: str) -> None:
        self.problems.append(
            Problem(severity, layer, None if _missing(ident) else str(ident), message, fix)
        )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def validate_layers(layers: NetworkLayers) -> ValidationReport:
    """Check a network's layers; return every problem found."""
    out = _Collector()
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
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in df.columns]
        if missing:
            out.one(
                "error",
                name,
                None,
                f"lacks the required column(s) {', '.join(missing)}",
                f"add {', '.join(missing)} (see the data contract, DESIGN §2)",
            )
            usable[name] = False
            continue
        usable[name] = True
        _check_ids(out, name, df)

    crs_ok = _check_crs(out, layers)
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
    _check_geometry(out, "nodes", nodes)

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
    _check_geometry(out, "pipes", pipes)
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
    """Check every layer has a CRS its coordinates fit; False when lengths cannot be measured."""
    if layers.local_coordinates:
        return True
    ok = True
    for name in ("nodes", "pipes", "valves", "customers", "dmas"):
        df = getattr(layers, name)
        if df is None or not hasattr(df, "crs") or "geometry" not in df.columns:
            continue
        if df.crs is None:
            out.one(
                "error",
                name,
                None,
                "has no CRS (coordinate reference system)",
                "set the layer's CRS when exporting it (e.g. EPSG:4326 or EPSG:4547)",
            )
            ok = False
        elif df.crs.is_geographic and len(df) and not df.geometry.isna().all():
            minx, miny, maxx, maxy = df.total_bounds
            if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
                out.one(
                    "error",
                    name,
                    None,
                    f"coordinates (x up to {maxx:,.0f}, y up to {maxy:,.0f}) are not degrees, "
                    f"but the layer's CRS is geographic ({df.crs.to_string()}); GeoJSON "
                    "without a CRS is read as WGS84",
                    "set the layer's real (projected) CRS, or export it in WGS84",
                )
                ok = False
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


def _check_geometry(out: _Collector, name: str, df: pd.DataFrame) -> None:
    if "geometry" not in df.columns:
        return
    empty = df.geometry.isna() | df.geometry.is_empty
    out.add(
        "error",
        name,
        df.loc[empty, "id"],
        "has no geometry",
        "draw the feature or remove the row",
    )


def _check_lengths(out: _Collector, layers: NetworkLayers) -> None:
    pipes = layers.pipes
    if "length_m" in pipes.columns and pipes["length_m"].notna().all():
        length = pd.to_numeric(pipes["length_m"], errors="coerce").fillna(0).to_numpy()
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
    position = vpipe + "\x00" + vnode
    twice = valves.loc[known & position.duplicated(keep="first"), "id"]
    out.add(
        "warning",
        "valves",
        twice,
        "sits at the same pipe end as another valve (treated as valves in series)",
        "remove the duplicate if it is a digitising error",
    )


def _check_sources(out: _Collector, nodes: pd.DataFrame, pipes: pd.DataFrame) -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

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
