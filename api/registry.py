"""Networks in memory: each stored network version is loaded once per process and kept with its
segments (an :class:`gis.isolation.Isolator`) and its road model.

Valve status reported in the field takes effect for the next query: a valve found inoperable is
passed to every isolation as failed; a valve repaired that the data calls inoperable makes the
network be rebuilt with it operable (rare, and a few hundred milliseconds on the sample city).
"""

from __future__ import annotations

import gc
import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, overload

import numpy as np
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from api.db.fast import query_one
from api.db.tables import NetworkVersion, ValveStatus
from gis.criticality import valve_criticality
from gis.errors import NetworkError, ValidationError
from gis.io import MappingSource, read_layers, read_network
from gis.isolation import Isolator
from gis.network import Network, build_network
from gis.validate import validate_layers
from ops.errors import Conflict, NotFound
from routing import RoadNetwork
from routing.io import read_roads

log = logging.getLogger(__name__)


class NetworkStatus(StrEnum):
    """Where a stored network version stands (stored as its value)."""

    READY = "ready"  # passed validation; the newest is the default network
    NO_SOURCE = "no_source"  # passed, but no node feeds it: used only when asked for by id
    INVALID = "invalid"  # failed validation: kept with its report, never used


#: The statuses of a network that isolations, plans and programmes may use.
USABLE = (NetworkStatus.READY, NetworkStatus.NO_SOURCE)
# An upload's folder stays unreferenced only while that upload runs (seconds, a minute for a
# very large network): one older than this, with no row, belongs to a killed upload.
ORPHAN_AGE_S = 3600.0
INCOMING = "networks/.incoming"  # uploads in progress, under the data directory


@dataclass
class LoadedNetwork:
    row_id: int
    network: Network
    isolator: Isolator
    roads: RoadNetwork | None
    failed: tuple[str, ...] = ()  # found inoperable in the field
    repaired: frozenset[str] = field(default_factory=frozenset)
    status_mark: tuple[int, int] = (0, 0)  # (rows, max id) of valve_status when loaded
    # answers already given for this network state: the same break is asked about again and
    # again (engineers, dispatchers, the console); a new valve report starts a new cache
    answers: OrderedDict[Hashable, bytes] = field(default_factory=OrderedDict)
    answer_bytes: int = 0  # the bytes of ``answers``: the cache is bounded by them too
    # the valve-criticality ranking of this isolator (computed on first request, kept while
    # the isolator is: field reports of failed valves do not change it, repaired ones do)
    criticality: list[dict[str, Any]] | None = None
    # map layers as gzipped GeoJSON, keyed by (layer, field-inoperable valves)
    map_layers: dict[tuple[str, tuple[str, ...]], bytes] = field(default_factory=dict)

    def criticality_ranking(self) -> list[dict[str, Any]]:
        """Valves ranked by the extra loss if they fail (computed once, about half a second on
        the sample city)."""
        if self.criticality is None:
            self.criticality = [r.to_dict() for r in valve_criticality(self.isolator)]
        return self.criticality

    def remember(
        self, key: Hashable, body: bytes, keep: int = 4096, max_bytes: int = 64 * 1024 * 1024
    ) -> None:
        """Keep an answer: at most ``keep`` of them and ``max_bytes`` in all (the least
        recently used go first). An answer above a quarter of ``max_bytes`` is not kept: it
        would push out many others."""
        if len(body) > max_bytes // 4:
            return
        old = self.answers.pop(key, None)
        if old is not None:
            self.answer_bytes -= len(old)
        self.answers[key] = body
        self.answer_bytes += len(body)
        while len(self.answers) > keep or self.answer_bytes > max_bytes:
            _, dropped = self.answers.popitem(last=False)
            self.answer_bytes -= len(dropped)


class NetworkRegistry:
    """Loads networks on first use and keeps the most recent few."""

    def __init__(self, data_dir: Path, keep: int = 4) -> None:
        self.data_dir = data_dir
        self.keep = keep
        self._cache: OrderedDict[int, LoadedNetwork] = OrderedDict()
        # id -> (network as stored, roads)
        self._base: dict[int, tuple[Network, RoadNetwork | None]] = {}
        # id -> why its stored files do not read: they never change, so they are not read again
        # the refusal of a network whose files do not read: message, code, params (not the
        # exception, whose traceback would keep the failed read's frames)
        self._unreadable: dict[int, tuple[str, str | None, dict[str, object]]] = {}
        self._lock = threading.Lock()
        # nothing of this process is in flight yet: what killed uploads left can go
        sweep_incoming(data_dir)

    @property
    def loaded_ids(self) -> tuple[int, ...]:
        """The networks held in memory, least recently used first (read only)."""
        with self._lock:
            return tuple(self._cache)

    def forget(self, network_id: int | None = None) -> None:
        """Drop a network (every network when None) from memory: the next request reads its
        stored files again. What is known to be unreadable is forgotten too."""
        with self._lock:
            ids = list(self._cache) if network_id is None else [network_id]
            if network_id is None:
                ids += [*self._base, *self._unreadable]
            for i in ids:
                self._cache.pop(i, None)
                self._base.pop(i, None)
                self._unreadable.pop(i, None)

    def row(self, session: Session, network_id: int) -> NetworkVersion:
        row = session.get(NetworkVersion, network_id)
        if row is None:
            raise NotFound(
                f"no network {network_id}: GET /api/networks lists the uploaded ones",
                code="no_network",
                network=network_id,
            )
        if row.status not in USABLE:
            raise Conflict(
                f"network {network_id} did not pass validation: see "
                f"GET /api/networks/{network_id}/report and upload a corrected file",
                code="network_not_validated",
                network=network_id,
            )
        return row

    def latest_id(self, session: Session) -> int:
        found = session.scalar(
            select(NetworkVersion.id)
            .where(NetworkVersion.status == NetworkStatus.READY)
            .order_by(NetworkVersion.id.desc())
            .limit(1)
        )
        if found is None:
            raise Conflict(
                "no network uploaded yet: POST /api/networks first", code="no_network_yet"
            )
        return int(found)

    def get(self, session: Session, network_id: int) -> LoadedNetwork:
        mark_t = _mark(session.connection(), network_id)
        with self._lock:
            loaded = self._cache.get(network_id)
            if loaded is not None and loaded.status_mark == mark_t:
                self._cache.move_to_end(network_id)
                return loaded
        row = self.row(session, network_id)
        statuses = self._statuses(session, network_id)
        loaded = self._load(row, statuses, mark_t, previous=loaded)
        # The model is millions of long-lived objects: keep the collector from walking them
        # on every full collection (which stalled requests for most of a second).
        gc.collect()
        gc.freeze()
        with self._lock:
            self._cache[network_id] = loaded
            self._cache.move_to_end(network_id)
            while len(self._cache) > self.keep:
                old, _ = self._cache.popitem(last=False)
                self._base.pop(old, None)
        return loaded

    @overload
    def get_fast(self, engine: Engine, network_id: int) -> LoadedNetwork: ...
    @overload
    def get_fast(self, engine: Engine, network_id: int, load: bool) -> LoadedNetwork | None: ...

    def get_fast(self, engine: Engine, network_id: int, load: bool = True) -> LoadedNetwork | None:
        """:meth:`get` for the hot read paths: one plain query when the network is loaded.
        With ``load=False``: None when it would have to be loaded (seconds: off the loop)."""
        found = query_one(engine, MARK_SQL, {"network": network_id})
        mark = (int(found[0]), int(found[1])) if found else (0, 0)
        with self._lock:
            loaded = self._cache.get(network_id)
            if loaded is not None and loaded.status_mark == mark:
                return loaded
        if not load:
            return None
        with Session(engine) as session:
            return self.get(session, network_id)

    @staticmethod
    def _statuses(session: Session, network_id: int) -> dict[str, bool]:
        rows = session.execute(
            select(ValveStatus.valve_id, ValveStatus.operable)
            .where(ValveStatus.network_id == network_id)
            .order_by(ValveStatus.id)
        ).all()
        return {str(v): bool(ok) for v, ok in rows}  # the latest row per valve wins

    def _load(
        self,
        row: NetworkVersion,
        statuses: dict[str, bool],
        mark: tuple[int, int],
        previous: LoadedNetwork | None,
    ) -> LoadedNetwork:
        base = self._base.get(row.id)
        if base is None:
            if row.id in self._unreadable:
                message, code, params = self._unreadable[row.id]
                raise Conflict(message, code=code, **params)
            try:
                base = self._read(row)
            except Conflict as exc:
                self._unreadable[row.id] = (str(exc), exc.code, exc.params)
                raise
            self._base[row.id] = base
        network, roads = base
        operable = network.valves.operable
        ids = network.valves.ids
        known = {str(v): i for i, v in enumerate(ids.tolist())}
        repaired = frozenset(
            v for v, ok in statuses.items() if ok and v in known and not operable[known[v]]
        )
        failed = tuple(
            sorted(v for v, ok in statuses.items() if not ok and v in known and operable[known[v]])
        )
        if previous is not None and previous.repaired == repaired:
            return replace(
                previous, failed=failed, status_mark=mark, answers=OrderedDict(), answer_bytes=0
            )
        if repaired:
            fixed = operable.copy()
            for v in repaired:
                fixed[known[v]] = True
            network = replace(network, valves=replace(network.valves, operable=fixed))
        return LoadedNetwork(
            row.id, network, Isolator(network), roads, failed, repaired, status_mark=mark
        )

    def _read(self, row: NetworkVersion) -> tuple[Network, RoadNetwork | None]:
        """The stored files of a network, as a model and its roads. Files stored as valid can
        stop reading (stricter validation since, a damaged disk): a 409 that says so, not a
        500 on every query, nor a service that cannot start when it is the newest."""
        path = self.data_dir / row.stored_path
        valves = self.data_dir / row.valves_path if row.valves_path else None
        try:
            network = read_network(path, valves=valves, crs=row.crs, mapping=row.mapping)
            roads = None
            if path.suffix.lower() == ".gpkg":
                roads = read_roads(path)
        except ValidationError as exc:
            first = exc.report.errors[0] if exc.report.errors else None
            log.error("network %s no longer passes validation:\n%s", row.id, exc.report)
            ident = first.id if first else None
            if ident and Path(ident).is_absolute():  # a file of ours: its name, not its path
                ident = Path(ident).name
            problem = f"{first.layer} {ident or ''}".strip() if first else "its files"
            if first is not None and first.layer == "file":
                problem = "its file"
            raise Conflict(
                f"network {row.id} was stored as valid but its files no longer pass validation "
                f"({len(exc.report.errors)} problems, the first in {problem}: "
                f"{first.message if first else 'unreadable'}): upload a corrected file",
                code="network_files_invalid",
                network=row.id,
                problems=len(exc.report.errors),
                first=problem,
                message=first.message if first else "unreadable",
            ) from None
        except Exception:
            log.exception("network %s: its stored files cannot be read", row.id)
            raise Conflict(
                f"network {row.id}'s stored files cannot be read: upload the network again",
                code="network_files_unreadable",
                network=row.id,
            ) from None
        return network, roads


MARK_SQL = "SELECT COUNT(id), COALESCE(MAX(id), 0) FROM valve_status WHERE network_id = :network"


def _mark(connection: Connection, network_id: int) -> tuple[int, int]:
    """What the field has reported for a network, as (rows, last id): any change moves it."""
    count, last = connection.execute(text(MARK_SQL), {"network": network_id}).one()
    return int(count), int(last)


def valve_position(loaded: LoadedNetwork, valve_id: str) -> dict[str, Any]:
    network = loaded.network
    i = network.valve_index(valve_id)
    out: dict[str, Any] = {
        "id": valve_id,
        "pipe": str(network.pipes.ids[network.valves.pipe[i]]),
        "node": str(network.nodes.ids[network.valves.node[i]]),
        "operable_in_data": bool(network.valves.operable[i]),
        "normally_closed": bool(network.valves.normally_closed[i]),
        "found_inoperable": valve_id in loaded.failed,
    }
    if network.has_map:
        lonlat = network.to_wgs84(np.asarray(network.valves.xy[i : i + 1]))
        out["location"] = [round(float(lonlat[0, 0]), 7), round(float(lonlat[0, 1]), 7)]
    return out


def _file_problem(message: str) -> dict[str, Any]:
    return {
        "ok": False,
        "errors": 1,
        "warnings": 0,
        "problems": [
            {
                "severity": "error",
                "layer": "file",
                "id": None,
                "message": message,
                "fix": "upload a GeoPackage, a zip of nodes, pipes, valves ... layers, or an "
                "EPANET file with its valve CSV",
            }
        ],
    }


def _strip(report: dict[str, Any], hide: dict[str, str]) -> None:
    """No server paths in what users read: each of ``hide`` (longest first) is replaced by
    what the user knows it as (the name of the file they uploaded, or nothing)."""
    order = sorted(hide, key=len, reverse=True)
    for problem in report["problems"]:
        for key, value in problem.items():
            if isinstance(value, str):
                for path in order:
                    value = value.replace(path, hide[path])
                problem[key] = value


def check_network_files(
    path: Path,
    valves_rel: str | None,
    crs: str | None,
    data_dir: Path,
    shown_as: str | None = None,
    mapping: MappingSource | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read and validate the files of a network: (report, summary). Anything unreadable is a
    problem in the report, never an exception; no server paths appear in it.

    ``shown_as`` is what the report calls ``path`` when it is a folder the service made (the
    layers of an uploaded zip): the zip's name. GIS layers are read with ``mapping`` (see
    :func:`gis.io.read_layers`); ``details``, when given, receives the mapping used
    (``mapping``, its JSON form, guesses marked) and the topology report (``topology``)."""
    folder = path if path.is_dir() else path.parent
    hide = {str(data_dir) + "/": "", str(folder.parent) + "/": "", str(folder) + "/": ""}
    if path.is_dir():
        hide[str(path)] = shown_as or path.name
    try:
        layers = read_layers(
            path, valves=data_dir / valves_rel if valves_rel else None, crs=crs, mapping=mapping
        )
        checked = validate_layers(layers)
        if details is not None:
            details["mapping"] = layers.mapping.to_dict() if layers.mapping is not None else None
            details["topology"] = layers.topology.to_dict() if layers.topology else None
    except ValidationError as exc:  # the reader's own report: unreadable layers, say
        data = exc.report.to_dict()
        _strip(data, hide)
        if path.is_dir() and shown_as:  # the folder by its own name: "layers"
            for problem in data["problems"]:
                if problem["id"] == path.name:
                    problem["id"] = shown_as
        return {**data, "ok": False}, {}
    except NetworkError as exc:
        data = _file_problem(str(exc))
        _strip(data, hide)
        return data, {}
    except Exception as exc:  # a file the readers choke on is bad input, not a server error
        log.exception("%s: unexpected error while reading an upload", path)
        return _file_problem(f"the file cannot be read ({type(exc).__name__})"), {}
    data = checked.to_dict()
    data["ok"] = checked.ok
    _strip(data, hide)
    if not checked.ok:
        return data, {}
    summary = build_network(layers).summary()
    return data, {k: v for k, v in summary.items() if isinstance(v, str | int | float)}


def _older_than(path: Path, age_s: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > age_s
    except OSError:  # gone meanwhile
        return False


def sweep_incoming(data_dir: Path, age_s: float = ORPHAN_AGE_S) -> list[str]:
    """Remove what uploads killed in flight left in ``networks/.incoming``; the names removed.

    Only folders older than ``age_s``: another process of the service may be uploading now."""
    incoming = data_dir / INCOMING
    if not incoming.is_dir():
        return []
    removed = []
    for folder in incoming.iterdir():
        if _older_than(folder, age_s):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    if removed:
        log.warning("removed %d folders of uploads killed in flight: %s", len(removed), removed)
    return removed


def remove_orphans(session: Session, data_dir: Path, age_s: float = ORPHAN_AGE_S) -> list[str]:
    """Remove upload folders that no network row refers to (a process killed between moving
    the files into place and storing the row), and what :func:`sweep_incoming` removes."""
    removed = sweep_incoming(data_dir, age_s)
    networks = data_dir / "networks"
    if not networks.is_dir():
        return removed
    referenced = set()
    for stored, valves in session.execute(
        select(NetworkVersion.stored_path, NetworkVersion.valves_path)
    ).all():
        for rel in (stored, valves):
            parts = Path(rel).parts if rel else ()
            if len(parts) >= 2 and parts[0] == "networks":
                referenced.add(parts[1])
    orphans = [
        folder
        for folder in networks.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name not in referenced
        and _older_than(folder, age_s)
    ]
    for folder in orphans:
        shutil.rmtree(folder, ignore_errors=True)
    if orphans:
        log.warning("removed %d upload folders no network refers to", len(orphans))
    return removed + [f.name for f in orphans]
