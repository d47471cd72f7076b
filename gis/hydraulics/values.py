"""The values the hydraulic runs take and give: the pressures of a run (its settings) and a
solved state, SI units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gis.hydraulics.errors import HydraulicError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: head of water of 1 MPa, in metres (fresh water, 1000 kg/m³, standard gravity)
METRES_PER_MPA = 1e6 / (1000.0 * 9.80665)
#: the service pressure of a city network (CJJ 207: at least 0.14 MPa at the network's far ends)
SERVICE_PRESSURE_MPA = 0.14


@dataclass(frozen=True)
class PressureSettings:
    """The pressures of a pressure-driven run.

    ``service_pressure_mpa`` is the pressure the utility guarantees (0.14 MPa, 14.28 m); below it
    a customer is reported as under-served, and it is the pressure at which PDD serves the full
    demand (``required_pressure_m`` overrides that). At ``minimum_pressure_m`` or below nothing
    is served; between, the share served is ((p - min) / (req - min)) ** ``pressure_exponent``.
    """

    service_pressure_mpa: float = SERVICE_PRESSURE_MPA
    minimum_pressure_m: float = 0.0
    required_pressure_m: float | None = None
    pressure_exponent: float = 0.5
    demand_model: str = "PDD"  # or "DDA" (demand-driven: the file's usual run)

    @property
    def service_head_m(self) -> float:
        return self.service_pressure_mpa * METRES_PER_MPA

    @property
    def full_service_m(self) -> float:
        return self.service_head_m if self.required_pressure_m is None else self.required_pressure_m

    def check(self) -> None:
        if not self.service_pressure_mpa > 0:
            raise HydraulicError(
                f"service pressure {self.service_pressure_mpa} MPa: give a pressure above 0 "
                "(the usual one is 0.14 MPa)",
                code="service_pressure_not_positive",
                pressure=self.service_pressure_mpa,
            )
        if not self.full_service_m > self.minimum_pressure_m:
            raise HydraulicError(
                f"the pressure of full service ({self.full_service_m:.2f} m) must be above the "
                f"minimum pressure ({self.minimum_pressure_m:.2f} m): lower the minimum",
                code="full_service_below_minimum",
                full=round(self.full_service_m, 2),
                minimum=round(self.minimum_pressure_m, 2),
            )
        if self.demand_model not in ("PDD", "DDA"):
            raise HydraulicError(
                f"demand model {self.demand_model!r}: give PDD or DDA",
                code="demand_model_unknown",
                value=self.demand_model,
                models=["PDD", "DDA"],
            )
        if not self.pressure_exponent > 0:
            raise HydraulicError(
                "the PDD pressure exponent must be above 0 (the usual one is 0.5)",
                code="pdd_exponent_not_positive",
            )


@dataclass(frozen=True)
class HydraulicState:
    """One solved snapshot: per node and per link, SI units (m, m³/s).

    ``demand_m3s`` is EPANET's node demand: at a junction what is served (at a tank or
    reservoir its net inflow); ``expected_m3s`` is what a junction asks for at the hour (0 at
    tanks and reservoirs)."""

    node_ids: tuple[str, ...]
    pressure_m: FloatArray
    demand_m3s: FloatArray  # served
    expected_m3s: FloatArray  # asked for at the hour (served + deficit)
    link_ids: tuple[str, ...]
    flow_m3s: FloatArray
    closed_links: frozenset[str]
    warnings: tuple[str, ...] = ()

    def pressure(self, node: str) -> float:
        return float(self.pressure_m[self.node_ids.index(node)])

    def flow(self, link: str) -> float:
        return float(self.flow_m3s[self.link_ids.index(link)])


@dataclass(frozen=True)
class NormalRun:
    """The file's own run at one time: what the snapshot of that hour starts from, and the
    engine's own answer to compare with."""

    time_s: int
    state: HydraulicState
    tank_level_m: dict[str, float]
    link_open: dict[str, bool]
