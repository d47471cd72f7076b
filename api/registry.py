"""Networks in memory: each stored network version is loaded once per process and kept with its
segments (an :class:`gis.isolation.Isolator`) and its road model.

Valve status reported in the field takes effect for the next query: a valve found inoperable is
passed to every isolation as failed; a valve repaired that the data calls inoperable makes the
network be rebuilt with it operable (rare, and a few hundred milliseconds on the sample city).
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import NetworkVersion, ValveStatus


@dataclass
class LoadedNetwork:
    row_id: int
    network: Any  # gis.network.Network
    isolator: Any  # gis.isolation.Isolator
    roads: Any | None  # routing.travel.RoadNetwork
    failed: tuple[str, ...] = ()  # found inoperable in the field
    repaired: frozenset[str] = field(default_factory=frozenset)
    status_mark: tuple[int, int] = (0, 0)  # (rows, max id) of valve_status when loaded
    # answers already given for this network state: the same break is asked about again and
    # again (engineers, dispatchers, the console); a new valve report starts a new cache
    answers: OrderedDict[Any, bytes] = field(default_factory=OrderedDict)
    # the valve-criticality ranking of this isolator (computed on first request, kept while
    # the isolator is: field reports of failed valves do not change it, repaired ones do)
    criticality: list[dict[str, Any]] | None = None
    # map layers as gzipped GeoJSON, keyed by (layer, field-inoperable valves)
    map_layers: dict[tuple[str, tuple[str, ...]], bytes] = field(default_factory=dict)

    def criticality_ranking(self) -> list[dict[str, Any]]:
        """Valves ranked by the extra loss if they fail (computed once, about half a second on
        the sample city)."""
        if self.criticality is None:
            from gis.criticality import valve_criticality

            self.criticality = [r.to_dict() for r in valve_criticality(self.isolator)]
        return self.criticality

    def remember(self, key: Any, body: bytes, keep: int = 4096) -> None:
        self.answers[key] = body
        if len(self.answers) > keep:
            self.answers.popitem(last=False)


class NetworkRegistry:
    """Loads networks on first use and keeps the most recent few."""

    def __init__(self, data_dir: Path, keep: int = 4) -> None:
        self.data_dir = data_dir
        self.keep = keep
        self._cache: OrderedDict[int, LoadedNetwork] = OrderedDict()
        self._base: dict[int, tuple[Any, Any]] = {}  # id -> (network as stored, roads)
        self._lock = threading.Lock()

    def row(self, session: Session, network_id: int) -> NetworkVersion:
        row = session.get(NetworkVersion, network_id)
        if row is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"no network {network_id}: GET /api/networks lists the uploaded ones",
            )
        if row.status != "ready":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"network {network_id} did not pass validation: see "
                f"GET /api/networks/{network_id}/report and upload a corrected file",
            )
        return row

    def latest_id(self, session: Session) -> int:
        found = session.scalar(
            select(NetworkVersion.id)
            .where(NetworkVersion.status == "ready")
            .order_by(NetworkVersion.id.desc())
            .limit(1)
        )
        if found is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "no network uploaded yet: POST /api/networks first"
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

    def get_fast(self, engine: Any, network_id: int) -> LoadedNetwork:
        """:meth:`get` for the hot read paths: one plain query when the network is loaded."""
        from api.db.fast import query_one

        found = query_one(engine, MARK_SQL, {"network": network_id})
        mark = (int(found[0]), int(found[1])) if found else (0, 0)
        with self._lock:
            loaded = self._cache.get(network_id)
            if loaded is not None and loaded.status_mark == mark:
                return loaded
        from sqlalchemy.orm import Session as OrmSession

        with OrmSession(engine) as session:
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
        from gis.isolation import Isolator

        base = self._base.get(row.id)
        if base is None:
            base = self._read(row)
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
            return replace(previous, failed=failed, status_mark=mark, answers=OrderedDict())
        if repaired:
            fixed = operable.copy()
            for v in repaired:
                fixed[known[v]] = True
            network = replace(network, valves=replace(network.valves, operable=fixed))
        return LoadedNetwork(
            row.id, network, Isolator(network), roads, failed, repaired, status_mark=mark
        )

    def _read(self, row: NetworkVersion) -> tuple[Any, Any]:
        from gis.io import read_network

        path = self.data_dir / row.stored_path
        valves = self.data_dir / row.valves_path if row.valves_path else None
        network = read_network(path, valves=valves, crs=row.crs)
        roads = None
        if path.suffix.lower() == ".gpkg":
            from routing.io import read_roads

            roads = read_roads(path)
        return network, roads


MARK_SQL = "SELECT COUNT(id), COALESCE(MAX(id), 0) FROM valve_status WHERE network_id = :network"


def _mark(connection: Any, network_id: int) -> tuple[int, int]:
    """What the field has reported for a network, as (rows, last id): any change moves it."""
    from sqlalchemy import text

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


def _strip(report: dict[str, Any], prefix: str) -> None:
    """No server paths in what users read."""
    for problem in report["problems"]:
        for key, value in problem.items():
            if isinstance(value, str):
                problem[key] = value.replace(prefix, "")


def check_network_files(
    path: Path, valves_rel: str | None, crs: str | None, data_dir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read and validate the files of a network: (report, summary). Anything unreadable is a
    problem in the report, never an exception; no server paths appear in it."""
    from gis.errors import NetworkError, ValidationError
    from gis.io import read_layers
    from gis.network import build_network
    from gis.validate import validate_layers

    prefix = str(data_dir) + "/"
    try:
        layers = read_layers(path, valves=data_dir / valves_rel if valves_rel else None, crs=crs)
        checked = validate_layers(layers)
    except ValidationError as exc:  # the reader's own report: unreadable layers, say
        data = exc.report.to_dict()
        _strip(data, prefix)
        return {**data, "ok": False}, {}
    except NetworkError as exc:
        return _file_problem(str(exc).replace(prefix, "")), {}
    except Exception as exc:  # a file the readers choke on is bad input, not a server error
        return _file_problem(f"the file cannot be read ({type(exc).__name__})"), {}
    data = checked.to_dict()
    data["ok"] = checked.ok
    _strip(data, prefix)
    if not checked.ok:
        return data, {}
    summary = build_network(layers).summary()
    return data, {k: v for k, v in summary.items() if isinstance(v, str | int | float)}
