"""EPANET engines the service keeps open between isolation queries (``hydraulic=true``): made at
start-up, closed at shutdown (docs/hydraulics.md)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gis.hydraulics import HydraulicEngine, HydraulicImpact, HydraulicState, isolation_impact

KEEP_ENGINES = 2  # EPANET engines kept open (per network, hour and service pressure)


@dataclass
class _OpenEngine:
    engine: HydraulicEngine
    normal: HydraulicState  # every valve open: the same for every plan
    lock: threading.Lock  # one EPANET project answers one scenario at a time


class HydraulicEngines:
    """EPANET engines kept open per (network, hour, service pressure): opening one runs the
    model up to the hour (about 5 s on the sample city), a scenario then takes 0.1 s."""

    def __init__(self, keep: int = KEEP_ENGINES) -> None:
        self.keep = keep
        self._open: OrderedDict[tuple[int, float, float], _OpenEngine] = OrderedDict()
        self._lock = threading.Lock()

    def impact(
        self,
        key: tuple[int, float, float],
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
            found = _OpenEngine(engine, engine.solve(()), threading.Lock())
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
            return isolation_impact(found.engine, network, plan, normal=found.normal)

    def close(self) -> None:
        with self._lock:
            engines, self._open = list(self._open.values()), OrderedDict()
        for e in engines:
            with e.lock:
                e.engine.close()
