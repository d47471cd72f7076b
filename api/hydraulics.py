"""EPANET engines the service keeps open between isolation queries (``hydraulic=true``): the
first ones opened in the background at start-up (:func:`warm_up`), closed at shutdown
(docs/hydraulics.md)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.datastructures import State

from api.registry import LoadedNetwork, NetworkRegistry
from gis.hydraulic_model import ModelSettings, build_model, default_hour
from gis.hydraulics import (
    HydraulicEngine,
    HydraulicError,
    HydraulicImpact,
    HydraulicModel,
    HydraulicState,
    PressureSettings,
    engine_for,
    isolation_impact,
    window_impact,
)
from gis.io import read_layers
from gis.isolation import IsolationPlan
from gis.network import Network
from gis.pressure_area import PressureArea, reduced_pressure_area
from ops.hydraulic_impact import (
    HydraulicUnavailable,
    PressureOf,
    ReducedPressure,
    reduced_pressure,
)

KEEP_ENGINES = 2  # EPANET engines kept open (per network, hour and service pressure)
# an open engine's: (network id, hour, service pressure in MPa, the window's end hour or None)
EngineKey = tuple[int, float, float, float | None]

log = logging.getLogger("waterops.api")


@dataclass
class _OpenEngine:
    engine: HydraulicEngine
    # every valve open: the same for every plan (over a window, a state per hour)
    normal: HydraulicState | tuple[HydraulicState, ...]
    lock: threading.Lock  # one EPANET project answers one scenario at a time
    closed: bool = False  # dropped while a request waited for its lock: open it again


class HydraulicEngines:
    """EPANET engines kept open per (network, hour, service pressure, window end): opening one
    runs the model up to the hour (about 5 s on the sample city), a scenario then takes 0.1 s
    (a 6-hour window's, its six steps). The hydraulic model of each network version is kept
    too (built once from its files; its normal runs kept with it), so an engine at another
    hour does not read the layers again. :func:`warm_up` opens the first engines at start."""

    def __init__(self, keep: int = KEEP_ENGINES) -> None:
        self.keep = keep
        self._open: OrderedDict[EngineKey, _OpenEngine] = OrderedDict()
        self._lock = threading.Lock()
        # one opening per key: a query waits for the warm-up's (or another query's) engine
        self._opening: dict[EngineKey, threading.Lock] = {}
        self._models: OrderedDict[int, HydraulicModel] = OrderedDict()
        self._model_locks: dict[int, threading.Lock] = {}
        self._model_errors: dict[int, str] = {}  # a network whose model could not be built
        self.warming: threading.Thread | None = None  # the start-up's warm-up (warm_up)
        self.closed = False

    def open_keys(self) -> tuple[EngineKey, ...]:
        """The keys of the engines open, least recently used first."""
        with self._lock:
            return tuple(self._open)

    def model(self, network_id: int, build: Callable[[], HydraulicModel]) -> HydraulicModel:
        """The hydraulic model of a network version (its files never change), built once by
        ``build`` while other requests for it wait; the latest ``keep`` kept."""
        with self._lock:
            found = self._models.get(network_id)
            if found is not None:
                self._models.move_to_end(network_id)
                return found
            lock = self._model_locks.setdefault(network_id, threading.Lock())
        with lock:
            with self._lock:
                found = self._models.get(network_id)
            if found is None:
                try:
                    found = build()
                except HydraulicError as exc:
                    with self._lock:
                        self._model_errors[network_id] = str(exc)
                    raise
                with self._lock:
                    self._model_errors.pop(network_id, None)
                    self._models[network_id] = found
                    while len(self._models) > self.keep:
                        old, _ = self._models.popitem(last=False)
                        self._model_locks.pop(old, None)
            return found

    def model_state(self, network_id: int) -> tuple[bool, str | None]:
        """Whether the service has the network's hydraulic model (kept, or being built: the
        warm-up, an earlier hydraulic query), and the error its last build gave (None: none)."""
        with self._lock:
            error = self._model_errors.get(network_id)
            known = network_id in self._models or network_id in self._model_locks
            return known or error is not None, error

    def opened(self, key: EngineKey, open_engine: Callable[[], HydraulicEngine]) -> _OpenEngine:
        """The engine of ``key``, opened by ``open_engine`` (and its normal run solved) unless
        it is open; one opening per key at a time."""
        with self._lock:
            found = self._open.get(key)
            if found is not None:
                self._open.move_to_end(key)
                return found
            opening = self._opening.setdefault(key, threading.Lock())
        with opening:
            with self._lock:
                found = self._open.get(key)
            if found is not None:  # opened meanwhile (the warm-up, another request)
                return found
            engine = open_engine()
            try:
                normal = engine.solve_window(()) if engine.end is not None else engine.solve(())
            except BaseException:
                engine.close()
                raise
            found = _OpenEngine(engine, normal, threading.Lock())
            dropped = []
            with self._lock:
                self._opening.pop(key, None)
                if self.closed:  # the service stopped while it opened
                    dropped.append(found)
                else:
                    self._open[key] = found
                    while len(self._open) > self.keep:
                        dropped.append(self._open.popitem(last=False)[1])
            for old in dropped:
                with old.lock:
                    old.closed = True
                    old.engine.close()
            return found

    def impact(
        self,
        key: EngineKey,
        open_engine: Callable[[], HydraulicEngine],
        network: Network,
        plan: IsolationPlan,
    ) -> HydraulicImpact:
        while True:
            found = self.opened(key, open_engine)
            with found.lock:
                if found.closed:
                    if self.closed:
                        raise HydraulicError("the service is stopping: ask again when it is up")
                    continue  # dropped for a newer engine while this waited: open it again
                if isinstance(found.normal, tuple):
                    return window_impact(found.engine, network, plan, normal=found.normal)
                return isolation_impact(found.engine, network, plan, normal=found.normal)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            engines, self._open = list(self._open.values()), OrderedDict()
            self._models.clear()
        for e in engines:
            with e.lock:
                e.closed = True
                e.engine.close()


def stored_model(registry: NetworkRegistry, db: Engine, loaded: LoadedNetwork) -> HydraulicModel:
    """The hydraulic model of a stored network: an EPANET file's own, else built from its GIS
    layers (docs/hydraulics.md). A model that cannot be built is a gis HydraulicError."""
    with Session(db) as session:
        row = registry.row(session, loaded.row_id)
    path = registry.data_dir / row.stored_path
    if path.suffix.lower() == ".inp":
        return HydraulicModel.from_inp(path)
    valves = registry.data_dir / row.valves_path if row.valves_path else None
    layers = read_layers(path, valves=valves, crs=row.crs, mapping=row.mapping)
    return build_model(layers, loaded.network, ModelSettings())


def _stored_engine(
    state: State,
    db: Engine,
    loaded: LoadedNetwork,
    hour: float,
    service_pressure_mpa: float,
    end: float | None,
) -> tuple[EngineKey, Callable[[], HydraulicEngine]]:
    """The key of a stored network's engine at (hour, service pressure, end), and how to open
    it (on the network's kept model)."""
    engines: HydraulicEngines = state.hydraulic_engines
    settings = PressureSettings(service_pressure_mpa=service_pressure_mpa)

    def open_engine() -> HydraulicEngine:
        model = engines.model(int(loaded.row_id), lambda: stored_model(state.registry, db, loaded))
        return engine_for(model, loaded.network, hour, settings, end)

    return (int(loaded.row_id), float(hour), float(service_pressure_mpa), end), open_engine


def stored_impact(
    state: State,
    db: Engine,
    loaded: LoadedNetwork,
    plan: IsolationPlan,
    hour: float,
    service_pressure_mpa: float,
    end: float | None = None,
) -> HydraulicImpact:
    """The hydraulic impact of ``plan`` on a stored network at ``hour`` (with ``end``, through
    the outage window ``[hour, end)``: gis.hydraulics.window_impact), on the engine the service
    keeps open for (network, hour, service pressure, end)."""
    engines: HydraulicEngines = state.hydraulic_engines
    key, open_engine = _stored_engine(state, db, loaded, hour, service_pressure_mpa, end)
    return engines.impact(key, open_engine, loaded.network, plan)


def notice_pressure(
    state: State,
    db: Engine,
    loaded: LoadedNetwork,
    hour: float,
    service_pressure_mpa: float,
    end: float | None = None,
) -> PressureOf:
    """What ``ops.outages.shutdown_outage(hydraulic=)`` asks: a plan's reduced pressure by
    hydraulics (the customers the closure brings below the service pressure, their streets and
    polygon) on the service's open engines; with ``end`` the worst hour of the outage window
    (ops.hydraulic_impact.outage_window)."""

    def of(plan: IsolationPlan) -> ReducedPressure:
        impact = stored_impact(state, db, loaded, plan, hour, service_pressure_mpa, end)
        found: PressureArea = reduced_pressure_area(loaded.network, impact, plan, newly=True)
        return reduced_pressure(loaded.network, plan, impact, found)

    return of


def available_notice_pressure(
    state: State,
    db: Engine,
    loaded: LoadedNetwork,
    hour: float,
    service_pressure_mpa: float,
    end: float | None = None,
    *,
    wait_s: float,
) -> PressureOf | None:
    """A notice's 降压区域 by hydraulics *when available* (issue 17; docs/decisions.md): None
    (the topological basis, nothing to say) when the service has no hydraulic model of the
    network (not warmed at start, never asked); else :func:`notice_pressure`'s, given
    ``wait_s`` seconds. A calculation that fails (the model cannot be built or solved) or does
    not answer in time raises ``HydraulicUnavailable`` naming why (a code of
    ``ops.hydraulic_impact.FALLBACKS`` and its params), and the notice takes the
    topological basis; one late goes on in the background, so the engine is open for the next
    draft (or an update) of that window."""
    engines: HydraulicEngines = state.hydraulic_engines
    known, error = engines.model_state(int(loaded.row_id))
    if not known:
        return None
    exact = notice_pressure(state, db, loaded, hour, service_pressure_mpa, end)

    def of(plan: IsolationPlan) -> ReducedPressure:
        if error is not None:
            raise HydraulicUnavailable.because(
                "hydraulic_no_model", network=loaded.row_id, error=error
            )
        done: dict[str, Any] = {}

        def run() -> None:
            try:
                done["low"] = exact(plan)
            except BaseException as exc:  # given to the request below
                done["error"] = exc

        worker = threading.Thread(target=run, name="notice-hydraulics", daemon=True)
        worker.start()
        worker.join(wait_s)
        if worker.is_alive():
            raise HydraulicUnavailable.because("hydraulic_late", seconds=f"{wait_s:g}")
        if isinstance(done.get("error"), HydraulicError):
            raise HydraulicUnavailable.because("hydraulic_failed", error=done["error"])
        if "error" in done:
            raise done["error"]
        low: ReducedPressure = done["low"]
        return low

    return of


def first_hour(state: State, db: Engine, loaded: LoadedNetwork) -> float:
    """The hour a hydraulic query of a network asks when it names none, the one warmed at
    start: ``gis.hydraulic_model.default_hour`` of its model (the peak hour of a model built
    from GIS layers, 07:00 in the sample city; 0, the file's start, for an EPANET file). The
    model is the one the engines keep (built once)."""
    engines: HydraulicEngines = state.hydraulic_engines
    model = engines.model(int(loaded.row_id), lambda: stored_model(state.registry, db, loaded))
    return default_hour(model)


def warm_up(
    state: State, db: Engine, loaded: Iterable[LoadedNetwork], service_pressure_mpa: float
) -> None:
    """Open, in a background thread, the engine the first hydraulic query of each of the
    ``loaded`` networks asks (:func:`first_hour`, one hour, the service pressure), so that query
    does not wait seconds for it; a request meanwhile is answered as before (one that needs
    the engine being opened waits for it). A network without a hydraulic model (no elevations,
    a pump in GIS layers …) is a log line: its hydraulic queries stay the 422 they are."""
    engines: HydraulicEngines = state.hydraulic_engines
    networks = list(loaded)[-engines.keep :]  # more would drop the first ones again

    def run() -> None:
        for one in networks:
            if engines.closed:
                return
            t0 = time.perf_counter()
            try:
                hour = first_hour(state, db, one)
                engines.opened(*_stored_engine(state, db, one, hour, service_pressure_mpa, None))
            except HydraulicError as exc:
                log.info("network %s: hydraulic engine not warmed: %s", one.row_id, exc)
                continue
            except Exception:  # a warm-up only saves time: it never stops the service
                log.exception("network %s: hydraulic engine not warmed", one.row_id)
                continue
            log.info(
                "network %s: hydraulic engine warmed at hour %g in %.1f s",
                one.row_id,
                hour,
                time.perf_counter() - t0,
            )

    engines.warming = threading.Thread(target=run, name="hydraulic-warm-up", daemon=True)
    engines.warming.start()
