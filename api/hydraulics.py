"""EPANET engines the service keeps open between isolation queries (``hydraulic=true``): made at
start-up, closed at shutdown (docs/hydraulics.md)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gis.hydraulic_model import ModelSettings, build_model
from gis.hydraulics import (
    HydraulicEngine,
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
from gis.pressure_area import PressureArea, reduced_pressure_area
from ops.hydraulic_impact import PressureOf, ReducedPressure, reduced_pressure

KEEP_ENGINES = 2  # EPANET engines kept open (per network, hour and service pressure)


@dataclass
class _OpenEngine:
    engine: HydraulicEngine
    # every valve open: the same for every plan (over a window, a state per hour)
    normal: HydraulicState | tuple[HydraulicState, ...]
    lock: threading.Lock  # one EPANET project answers one scenario at a time


class HydraulicEngines:
    """EPANET engines kept open per (network, hour, service pressure, window end): opening one
    runs the model up to the hour (about 5 s on the sample city), a scenario then takes 0.1 s
    (a 6-hour window's, its six steps)."""

    def __init__(self, keep: int = KEEP_ENGINES) -> None:
        self.keep = keep
        self._open: OrderedDict[tuple[Any, ...], _OpenEngine] = OrderedDict()
        self._lock = threading.Lock()

    def impact(
        self,
        key: tuple[Any, ...],
        open_engine: Callable[[], HydraulicEngine],
        network: Any,
        plan: Any,
    ) -> HydraulicImpact:
        with self._lock:
            found = self._open.get(key)
            if found is not None:
                self._open.move_to_end(key)
        if found is None:
            engine = open_engine()
            normal = engine.solve_window(()) if engine.end is not None else engine.solve(())
            found = _OpenEngine(engine, normal, threading.Lock())
            with self._lock:
                already = self._open.get(key)
                if already is None:
                    self._open[key] = found
                    dropped = []
                    while len(self._open) > self.keep:
                        dropped.append(self._open.popitem(last=False)[1])
                else:  # another request opened it meanwhile
                    dropped, found = [found], already
            for old in dropped:
                with old.lock:
                    old.engine.close()
        with found.lock:
            if isinstance(found.normal, tuple):
                return window_impact(found.engine, network, plan, normal=found.normal)
            return isolation_impact(found.engine, network, plan, normal=found.normal)

    def close(self) -> None:
        with self._lock:
            engines, self._open = list(self._open.values()), OrderedDict()
        for e in engines:
            with e.lock:
                e.engine.close()


def stored_model(registry: Any, db: Any, loaded: Any) -> HydraulicModel:
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


def _is_inp(registry: Any, db: Any, loaded: Any) -> bool:
    """The stored network is an EPANET file (its model the file's own)."""
    with Session(db) as session:
        row = registry.row(session, loaded.row_id)
    return str(row.stored_path).lower().endswith(".inp")


def stored_impact(
    state: Any,
    db: Any,
    loaded: Any,
    plan: IsolationPlan,
    hour: float,
    service_pressure_mpa: float,
    end: float | None = None,
) -> HydraulicImpact:
    """The hydraulic impact of ``plan`` on a stored network at ``hour`` (with ``end``, through
    the outage window ``[hour, end)``: gis.hydraulics.window_impact), on the engine the service
    keeps open for (network, hour, service pressure, end)."""
    engines: HydraulicEngines = state.hydraulic_engines
    network = loaded.network
    settings = PressureSettings(service_pressure_mpa=service_pressure_mpa)

    def open_engine() -> HydraulicEngine:
        model = stored_model(state.registry, db, loaded)
        return engine_for(model, network, hour, settings, end)

    key = (int(loaded.row_id), float(hour), float(service_pressure_mpa), end)
    return engines.impact(key, open_engine, network, plan)


def notice_pressure(
    state: Any,
    db: Any,
    loaded: Any,
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
