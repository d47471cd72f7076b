"""DMA leakage levels, their ranking by recoverable leakage, and leak-survey jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from gis.network import CUSTOMER_CATEGORIES, Network
from ops.jobs import FieldJob, JobText, leak_survey
from ops.leakage.errors import LeakageDataError
from ops.leakage.uarl import uarl_range_warnings


@dataclass(frozen=True)
class DmaLeakage:
    dma: str
    name: str
    real_losses_m3d: float  # the latest week's night-flow estimate
    uarl_m3d: float
    mains_km: float
    connections: int
    night_pressure_m: float
    pressure_m: float | None = None  # the average pressure of its UARL (None: the night's)

    @property
    def ili(self) -> float:
        return self.real_losses_m3d / self.uarl_m3d if self.uarl_m3d else float("nan")

    def recoverable_m3d(self, target_ili: float = 1.5) -> float:
        """What finding and fixing leaks could bring down to ``target_ili`` × UARL."""
        return max(self.real_losses_m3d - target_ili * self.uarl_m3d, 0.0)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Where this DMA is outside the UARL formula's range (its ILI is then indicative)."""
        pressure = self.night_pressure_m if self.pressure_m is None else self.pressure_m
        return uarl_range_warnings(self.mains_km, self.connections, pressure)

    def to_dict(self, target_ili: float = 1.5) -> dict[str, Any]:
        return {
            "dma": self.dma,
            "name": self.name,
            "real_losses_m3_per_day": round(self.real_losses_m3d, 1),
            "uarl_m3_per_day": round(self.uarl_m3d, 1),
            "ili": round(self.ili, 2),
            "recoverable_m3_per_day": round(self.recoverable_m3d(target_ili), 1),
            "mains_km": round(self.mains_km, 2),
            "connections": self.connections,
            "night_pressure_m": round(self.night_pressure_m, 1),
            "pressure_m": None if self.pressure_m is None else round(self.pressure_m, 1),
            "warnings": list(self.warnings),
        }


def _pipe_dmas(network: Network) -> np.ndarray:
    """Each pipe's DMA id, None for trunk mains (and missing values)."""
    return np.asarray(
        [None if d is None or d != d else str(d) for d in network.pipes.dma], dtype=object
    )


def dma_assets(network: Network) -> dict[str, dict[str, float]]:
    """Per DMA: mains km, service connections, household and other accounts."""
    pipes = network.pipes
    out: dict[str, dict[str, float]] = {}
    dma_of_pipe = _pipe_dmas(network)
    residential = CUSTOMER_CATEGORIES.index("residential")
    for d in sorted({x for x in dma_of_pipe if x is not None}):
        mask = dma_of_pipe == d
        cust = mask[network.customers.pipe]
        res = cust & (network.customers.category == residential)
        out[d] = {
            "mains_km": float(pipes.length_m[mask].sum()) / 1000.0,
            "connections": int(cust.sum()),
            "households": int(network.customers.accounts[res].sum()),
            "others": int(network.customers.accounts[cust & ~res].sum()),
        }
    return out


def rank_dmas(levels: Sequence[DmaLeakage], target_ili: float = 1.5) -> list[DmaLeakage]:
    return sorted(levels, key=lambda x: (-x.recoverable_m3d(target_ili), x.dma))


def survey_jobs(
    network: Network,
    ranking: Sequence[DmaLeakage],
    now: dt.datetime,
    *,
    top: int = 3,
    km_per_crew_day: float = 6.0,
    hours_per_day: float = 6.0,
    target_ili: float = 1.5,
    due_days: int = 14,
) -> list[FieldJob]:
    """Leak-survey jobs for the DMAs with the most recoverable leakage: each DMA's mains cut
    into stretches of one crew-day (``km_per_crew_day`` of listening), walked street by street,
    one job per stretch at its middle."""
    pipes = network.pipes
    geometry = pipes.geometry
    if geometry is None:
        raise LeakageDataError("the network has no map: survey jobs need places", code="no_map")
    jobs: list[FieldJob] = []
    dma_of_pipe = _pipe_dmas(network)
    for level in [r for r in ranking if r.recoverable_m3d(target_ili) > 0][:top]:
        idx = np.flatnonzero(dma_of_pipe == level.dma)
        mid = shapely.get_coordinates(
            shapely.line_interpolate_point(geometry[idx], 0.5, normalized=True)
        )
        # street by street: rows of 250 m, west to east then back (a serpentine walk)
        row = np.floor(mid[:, 1] / 250.0)
        order = np.lexsort((np.where(row % 2 == 0, mid[:, 0], -mid[:, 0]), row))
        cum = np.cumsum(pipes.length_m[idx][order]) / 1000.0
        stretch = np.floor(cum / km_per_crew_day).astype(int)
        stretch = np.minimum(stretch, max(int(np.ceil(cum[-1] / km_per_crew_day)) - 1, 0))
        total = int(stretch.max()) + 1
        for s in range(total):
            members = order[stretch == s]
            centre = mid[members].mean(axis=0)
            lonlat = network.to_wgs84(centre.reshape(1, 2))[0]
            km = float(pipes.length_m[idx][members].sum()) / 1000.0
            recoverable = f"{level.recoverable_m3d(target_ili):.0f}"
            jobs.append(
                leak_survey(
                    f"LS-{level.dma}-{now:%Y%m%d}-{s + 1}",
                    (float(lonlat[0]), float(lonlat[1])),
                    dt.timedelta(hours=hours_per_day),
                    now,
                    due=now + dt.timedelta(days=due_days),
                    area=f"{level.dma} {level.name}: {km:.1f} km, stretch {s + 1} of {total} "
                    f"({recoverable} m3/d recoverable)",
                    dma=level.dma,
                    describe=JobText(
                        "leak_survey_stretch",
                        {
                            "dma": level.dma,
                            "name": level.name,
                            "km": f"{km:.1f}",
                            "stretch": str(s + 1),
                            "stretches": str(total),
                            "recoverable": recoverable,
                        },
                    ),
                )
            )
    return jobs
